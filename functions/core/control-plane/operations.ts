/**
 * Every control-plane operation with the group that serves it and its implementation, for the CLI and the
 * tests; `dispatch` runs any of them. The Lambdas dispatch to their own group's table only
 * (functions/handlers/control-plane/<group>.ts, dispatch.ts).
 */

import {
  type DispatchLogger,
  dispatchTo,
  OPERATION_GROUP,
  type Operation,
  type OperationGroup,
  type OperationName,
} from './dispatch';
import type { ControlPlaneResponse } from './errors';
import { FINDINGS_OPERATIONS } from './findings-operations';
import type { ControlPlaneDeps } from './ports';
import { REPORTS_OPERATIONS } from './reports-operations';
import { RUNS_OPERATIONS } from './runs-operations';
import { TARGETS_OPERATIONS } from './targets-operations';
import { TEMPLATES_OPERATIONS } from './templates-operations';

export {
  type ControlPlaneRequest,
  type DispatchLogger,
  groupOf,
  isOperationName,
  OPERATION_GROUPS,
  type OperationGroup,
  type OperationName,
  requestSchema,
} from './dispatch';

const IMPLEMENTATIONS = {
  ...TARGETS_OPERATIONS,
  ...TEMPLATES_OPERATIONS,
  ...RUNS_OPERATIONS,
  ...FINDINGS_OPERATIONS,
  ...REPORTS_OPERATIONS,
} satisfies Record<OperationName, Operation>;

type Implementations = typeof IMPLEMENTATIONS;

export const OPERATIONS = Object.fromEntries(
  (Object.keys(OPERATION_GROUP) as OperationName[]).map((name) => [
    name,
    { group: OPERATION_GROUP[name], run: IMPLEMENTATIONS[name] },
  ]),
) as { [N in OperationName]: { group: (typeof OPERATION_GROUP)[N]; run: Implementations[N] } };

export type OperationResult<N extends OperationName> = Awaited<ReturnType<Implementations[N]>>;

/** Validates the request, checks the operation belongs to this group, runs it, and never throws. */
export function dispatch(
  deps: ControlPlaneDeps,
  group: OperationGroup,
  request: unknown,
  logger?: DispatchLogger,
): Promise<ControlPlaneResponse> {
  return dispatchTo(IMPLEMENTATIONS, deps, group, request, logger);
}
