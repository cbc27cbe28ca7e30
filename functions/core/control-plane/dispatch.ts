/**
 * Which group's Lambda serves each operation, and the dispatcher the handlers share. A request is
 * `{ operation, input }`; the answer is `{ ok: true, result }` or `{ ok: false, error }`.
 *
 * This module names the operations but imports none of them: each group's handler dispatches to its own
 * table (groups.ts), so a group's bundle carries only its operations' code (the runs function's bundle
 * also carries the run lifecycle, and the bundles have a size budget). operations.ts joins the tables.
 */
import { z } from 'zod';
import { type ControlPlaneResponse, describeZodError, invalidInput, toErrorBody } from './errors';
import type { ControlPlaneDeps } from './ports';

/** One Lambda per group (INFRA builds them from functions/handlers/control-plane/<group>.ts). */
export const OPERATION_GROUPS = ['targets', 'templates', 'runs', 'findings', 'reports'] as const;
export type OperationGroup = (typeof OPERATION_GROUPS)[number];

export const OPERATION_GROUP = {
  'create-assessment-target': 'targets',
  'update-assessment-target': 'targets',
  'delete-assessment-target': 'targets',
  'list-assessment-targets': 'targets',
  'describe-assessment-targets': 'targets',
  'preview-agents': 'targets',
  'create-exclusions-preview': 'targets',
  'get-exclusions-preview': 'targets',
  'create-assessment-template': 'templates',
  'update-assessment-template': 'templates',
  'delete-assessment-template': 'templates',
  'list-assessment-templates': 'templates',
  'describe-assessment-templates': 'templates',
  'list-tags-for-resource': 'templates',
  'set-tags-for-resource': 'templates',
  'subscribe-to-event': 'templates',
  'unsubscribe-from-event': 'templates',
  'list-event-subscriptions': 'templates',
  'start-assessment-run': 'runs',
  'stop-assessment-run': 'runs',
  'delete-assessment-run': 'runs',
  'list-assessment-runs': 'runs',
  'describe-assessment-runs': 'runs',
  'list-findings': 'findings',
  'describe-findings': 'findings',
  'add-attributes-to-findings': 'findings',
  'remove-attributes-from-findings': 'findings',
  'list-rules-packages': 'findings',
  'describe-rules-packages': 'findings',
  // Read-only views of a run's instance items, served with the findings.
  'list-exclusions': 'findings',
  'describe-exclusions': 'findings',
  'list-assessment-run-agents': 'findings',
  'get-telemetry-metadata': 'findings',
  // Rendered by its own function (pdfkit and fonts stay out of the other bundles).
  'get-assessment-report': 'reports',
} as const satisfies Record<string, OperationGroup>;

export type OperationName = keyof typeof OPERATION_GROUP;
export type Operation = (deps: ControlPlaneDeps, input: unknown) => Promise<unknown>;
/** The operations of one group, each with its implementation. */
export type GroupOperations<G extends OperationGroup> = {
  [N in OperationName as (typeof OPERATION_GROUP)[N] extends G ? N : never]: Operation;
};

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(OPERATION_GROUP, name);
}

export function groupOf(operation: OperationName): OperationGroup {
  return OPERATION_GROUP[operation];
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
