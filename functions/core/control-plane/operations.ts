/**
 * Every control-plane operation, the Lambda group that serves it, and the dispatcher the handlers share.
 * A request is `{ operation, input }`; the answer is `{ ok: true, result }` or `{ ok: false, error }`.
 */
import { z } from 'zod';
import { type ControlPlaneResponse, describeZodError, invalidInput, toErrorBody } from './errors';
import {
  addAttributesToFindings,
  describeFindings,
  describeRulesPackages,
  listFindings,
  listRulesPackages,
} from './findings';
import type { ControlPlaneDeps } from './ports';
import {
  deleteAssessmentRun,
  describeAssessmentRuns,
  listAssessmentRuns,
  startAssessmentRun,
  stopAssessmentRun,
} from './runs';
import {
  createAssessmentTarget,
  deleteAssessmentTarget,
  describeAssessmentTargets,
  listAssessmentTargets,
  previewAgents,
  updateAssessmentTarget,
} from './targets';
import {
  createAssessmentTemplate,
  deleteAssessmentTemplate,
  describeAssessmentTemplates,
  listAssessmentTemplates,
  listEventSubscriptions,
  listTagsForResource,
  setTagsForResource,
  subscribeToEvent,
  unsubscribeFromEvent,
  updateAssessmentTemplate,
} from './templates';

/** One Lambda per group (INFRA builds them from functions/handlers/control-plane/<group>.ts). */
export const OPERATION_GROUPS = ['targets', 'templates', 'runs', 'findings'] as const;
export type OperationGroup = (typeof OPERATION_GROUPS)[number];

type Operation = (deps: ControlPlaneDeps, input: unknown) => Promise<unknown>;

export const OPERATIONS = {
  'create-assessment-target': { group: 'targets', run: createAssessmentTarget },
  'update-assessment-target': { group: 'targets', run: updateAssessmentTarget },
  'delete-assessment-target': { group: 'targets', run: deleteAssessmentTarget },
  'list-assessment-targets': { group: 'targets', run: listAssessmentTargets },
  'describe-assessment-targets': { group: 'targets', run: describeAssessmentTargets },
  'preview-agents': { group: 'targets', run: previewAgents },
  'create-assessment-template': { group: 'templates', run: createAssessmentTemplate },
  'update-assessment-template': { group: 'templates', run: updateAssessmentTemplate },
  'delete-assessment-template': { group: 'templates', run: deleteAssessmentTemplate },
  'list-assessment-templates': { group: 'templates', run: listAssessmentTemplates },
  'describe-assessment-templates': { group: 'templates', run: describeAssessmentTemplates },
  'list-tags-for-resource': { group: 'templates', run: listTagsForResource },
  'set-tags-for-resource': { group: 'templates', run: setTagsForResource },
  'subscribe-to-event': { group: 'templates', run: subscribeToEvent },
  'unsubscribe-from-event': { group: 'templates', run: unsubscribeFromEvent },
  'list-event-subscriptions': { group: 'templates', run: listEventSubscriptions },
  'start-assessment-run': { group: 'runs', run: startAssessmentRun },
  'stop-assessment-run': { group: 'runs', run: stopAssessmentRun },
  'delete-assessment-run': { group: 'runs', run: deleteAssessmentRun },
  'list-assessment-runs': { group: 'runs', run: listAssessmentRuns },
  'describe-assessment-runs': { group: 'runs', run: describeAssessmentRuns },
  'list-findings': { group: 'findings', run: listFindings },
  'describe-findings': { group: 'findings', run: describeFindings },
  'add-attributes-to-findings': { group: 'findings', run: addAttributesToFindings },
  'list-rules-packages': { group: 'findings', run: listRulesPackages },
  'describe-rules-packages': { group: 'findings', run: describeRulesPackages },
} as const satisfies Record<string, { group: OperationGroup; run: Operation }>;

export type OperationName = keyof typeof OPERATIONS;
export type OperationResult<N extends OperationName> = Awaited<ReturnType<(typeof OPERATIONS)[N]['run']>>;

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(OPERATIONS, name);
}

export function groupOf(operation: OperationName): OperationGroup {
  return OPERATIONS[operation].group;
}

export const requestSchema = z.strictObject({
  operation: z.string().min(1).max(64),
  input: z.record(z.string(), z.unknown()).optional(),
});
export type ControlPlaneRequest = z.infer<typeof requestSchema>;

export interface DispatchLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Validates the request, checks the operation belongs to this group, runs it, and never throws. */
export async function dispatch(
  deps: ControlPlaneDeps,
  group: OperationGroup,
  request: unknown,
  logger?: DispatchLogger,
): Promise<ControlPlaneResponse> {
  try {
    const parsed = requestSchema.safeParse(request);
    if (!parsed.success) throw invalidInput(`request: ${describeZodError(parsed.error)}`);
    const { operation, input } = parsed.data;
    if (!isOperationName(operation)) throw invalidInput(`unknown operation ${operation}`);
    const entry: { group: OperationGroup; run: Operation } = OPERATIONS[operation];
    if (entry.group !== group) {
      throw invalidInput(`operation ${operation} is served by the ${entry.group} function, not ${group}`);
    }
    const result = await entry.run(deps, input ?? {});
    logger?.info('operation done', { operation });
    return { ok: true, result };
  } catch (err) {
    const error = toErrorBody(err);
    if (error.code === 'InternalException') {
      logger?.error('operation failed', {
        error:
          err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
      });
    } else {
      logger?.info('operation refused', { code: error.code, reason: error.message });
    }
    return { ok: false, error };
  }
}
