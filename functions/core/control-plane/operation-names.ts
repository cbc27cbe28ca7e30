/**
 * The control-plane operations by name and the group whose Lambda serves each: plain data with no import, so
 * the `inspector` CLI can name and route operations without loading zod or any operation (dispatch.ts
 * re-exports all of it for the handlers).
 */

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
  // Suppression rules (waivers): the findings function marks suppressed findings with them.
  'create-suppression-rule': 'findings',
  'list-suppression-rules': 'findings',
  'delete-suppression-rule': 'findings',
  'list-suppression-audit': 'findings',
  // Rendered by its own function (pdfkit and fonts stay out of the other bundles).
  'get-assessment-report': 'reports',
} as const satisfies Record<string, OperationGroup>;

export type OperationName = keyof typeof OPERATION_GROUP;

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(OPERATION_GROUP, name);
}

export function groupOf(operation: OperationName): OperationGroup {
  return OPERATION_GROUP[operation];
}
