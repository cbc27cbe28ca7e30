/**
 * Which group's Lambda serves each operation, and the dispatcher the handlers share. A request is
 * `{ operation, input }`; the answer is `{ ok: true, result }` or `{ ok: false, error }`.
 *
 * This module names the operations but imports none of them: each group's handler dispatches to its own
 * table (groups.ts), so a group's bundle carries only its operations' code (the runs function's bundle
 * also carries the run lifecycle, and the bundles have a size budget). operations.ts joins the tables.
 */
import * as z from 'zod';
import { type ControlPlaneResponse, describeZodError, invalidInput, toErrorBody } from './errors';
import {
  groupOf,
  isOperationName,
  OPERATION_GROUP,
  OPERATION_GROUPS,
  type OperationGroup,
  type OperationName,
} from './operation-names';
import type { ControlPlaneDeps } from './ports';

export {
  groupOf,
  isOperationName,
  OPERATION_GROUP,
  OPERATION_GROUPS,
  type OperationGroup,
  type OperationName,
};

export type Operation = (deps: ControlPlaneDeps, input: unknown) => Promise<unknown>;
/** The operations of one group, each with its implementation. */
export type GroupOperations<G extends OperationGroup> = {
  [N in OperationName as (typeof OPERATION_GROUP)[N] extends G ? N : never]: Operation;
};

export const requestSchema = z.strictObject({
  operation: z.string().min(1).max(64),
  input: z.record(z.string(), z.unknown()).optional(),
});
export type ControlPlaneRequest = z.infer<typeof requestSchema>;

export interface DispatchLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/**
 * Validates the request, checks the operation belongs to this group, runs it from `table` (the group's
 * operations, or all of them), and never throws.
 */
export async function dispatchTo(
  table: Partial<Record<OperationName, Operation>>,
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
    const served = groupOf(operation);
    const run = table[operation];
    if (served !== group || !run) {
      throw invalidInput(`operation ${operation} is served by the ${served} function, not ${group}`);
    }
    const result = await run(deps, input ?? {});
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
