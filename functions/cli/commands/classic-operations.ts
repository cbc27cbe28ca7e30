/**
 * Amazon Inspector Classic's 37 API operations (inspector 2016-02-16) and the `inspector` command of each,
 * printed after `inspector --help` and kept in the README (a unit test checks both, and that every command
 * named exists). Resource groups are folded into targets; cross-account roles do not apply.
 */
import { renderTable } from './control-plane-output';

export interface ClassicOperation {
  /** Classic's operation name. */
  classic: string;
  /** The `inspector` command that does it, when one does. */
  command?: string;
  /** How it differs, or why there is no command. */
  note?: string;
}

export const CLASSIC_OPERATIONS: readonly ClassicOperation[] = [
  { classic: 'AddAttributesToFindings', command: 'add-attributes-to-findings' },
  { classic: 'CreateAssessmentTarget', command: 'create-assessment-target' },
  { classic: 'CreateAssessmentTemplate', command: 'create-assessment-template' },
  { classic: 'CreateExclusionsPreview', command: 'create-exclusions-preview' },
  {
    classic: 'CreateResourceGroup',
    command: 'create-assessment-target',
    note: 'folded into targets: --tag KEY[=V1,V2] on the target itself',
  },
  { classic: 'DeleteAssessmentRun', command: 'delete-assessment-run' },
  { classic: 'DeleteAssessmentTarget', command: 'delete-assessment-target' },
  { classic: 'DeleteAssessmentTemplate', command: 'delete-assessment-template' },
  { classic: 'DescribeAssessmentRuns', command: 'describe-assessment-runs' },
  { classic: 'DescribeAssessmentTargets', command: 'describe-assessment-targets' },
  { classic: 'DescribeAssessmentTemplates', command: 'describe-assessment-templates' },
  {
    classic: 'DescribeCrossAccountAccessRole',
    note: 'does not apply: the stack runs in your account with its own least-privilege roles; there is no role to register',
  },
  { classic: 'DescribeExclusions', command: 'describe-exclusions' },
  { classic: 'DescribeFindings', command: 'describe-findings' },
  {
    classic: 'DescribeResourceGroups',
    command: 'describe-assessment-targets',
    note: "folded into targets: a target's tags are its resource group",
  },
  { classic: 'DescribeRulesPackages', command: 'describe-rules-packages' },
  {
    classic: 'GetAssessmentReport',
    command: 'get-assessment-report',
    note: 'deployed runs: --run-id ID --format html or pdf --report-type finding or full; WORK_IN_PROGRESS, then COMPLETED with a pre-signed URL valid 15 minutes (--out FILE waits and downloads). Local runs: inspector report --run ID --out FILE',
  },
  { classic: 'GetExclusionsPreview', command: 'get-exclusions-preview' },
  { classic: 'GetTelemetryMetadata', command: 'get-telemetry-metadata' },
  { classic: 'ListAssessmentRunAgents', command: 'list-assessment-run-agents' },
  { classic: 'ListAssessmentRuns', command: 'list-assessment-runs' },
  { classic: 'ListAssessmentTargets', command: 'list-assessment-targets' },
  { classic: 'ListAssessmentTemplates', command: 'list-assessment-templates' },
  { classic: 'ListEventSubscriptions', command: 'list-event-subscriptions' },
  { classic: 'ListExclusions', command: 'list-exclusions' },
  { classic: 'ListFindings', command: 'list-findings' },
  { classic: 'ListRulesPackages', command: 'list-rules-packages' },
  { classic: 'ListTagsForResource', command: 'list-tags-for-resource' },
  { classic: 'PreviewAgents', command: 'preview-agents' },
  {
    classic: 'RegisterCrossAccountAccessRole',
    note: 'does not apply: no cross-account role is needed to read EC2 and SSM in your own account',
  },
  { classic: 'RemoveAttributesFromFindings', command: 'remove-attributes-from-findings' },
  { classic: 'SetTagsForResource', command: 'set-tags-for-resource' },
  { classic: 'StartAssessmentRun', command: 'start-assessment-run' },
  { classic: 'StopAssessmentRun', command: 'stop-assessment-run' },
  { classic: 'SubscribeToEvent', command: 'subscribe-to-event' },
  { classic: 'UnsubscribeFromEvent', command: 'unsubscribe-from-event' },
  { classic: 'UpdateAssessmentTarget', command: 'update-assessment-target' },
];

/** The table printed after `inspector --help`. */
export function classicOperationsHelp(): string {
  const table = renderTable(CLASSIC_OPERATIONS, [
    { header: 'CLASSIC OPERATION', value: (o) => o.classic },
    { header: 'COMMAND', value: (o) => (o.command ? `inspector ${o.command}` : '(none)') },
    { header: 'NOTE', value: (o) => o.note ?? '' },
  ]);
  return `\nAmazon Inspector Classic's operations and their commands:\n${table}\n`;
}

/** The same table in Markdown, as the README carries it. */
export function classicOperationsMarkdown(): string {
  const rows = CLASSIC_OPERATIONS.map(
    (o) => `| \`${o.classic}\` | ${o.command ? `\`inspector ${o.command}\`` : '—'} | ${o.note ?? ''} |`,
  );
  return ['| Classic operation | Command | Note |', '| --- | --- | --- |', ...rows].join('\n');
}
