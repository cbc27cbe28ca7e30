/**
 * Control-plane function "findings": list-findings, describe-findings, add-attributes-to-findings,
 * remove-attributes-from-findings, list-rules-packages, describe-rules-packages; and the read-only views of
 * a run's instances: list-exclusions, describe-exclusions, list-assessment-run-agents, get-telemetry-metadata;
 * and the suppression rules: create-suppression-rule, list-suppression-rules, delete-suppression-rule (listed
 * and described findings are marked with the rules in force).
 *
 * For INFRA:
 * - Stack output: ControlPlaneFindingsFunctionName.
 * - Environment: FINDINGS_TABLE, RUNS_TABLE, SUPPRESSIONS_TABLE.
 * - DynamoDB: findings table GetItem, Query (table, byInstance, bySeverityPackage), Scan, UpdateItem
 *   (attributes only); runs table GetItem, Query (a run's instance items); suppressions table GetItem, Query,
 *   TransactWriteItems (Put, Delete of RULE items; Put of AUDIT items, never deleted or updated: denied).
 *   EC2 DescribeInstances (rules matching an instance tag). KMS decrypt/encrypt on the tables' key.
 * - Callers: lambda:InvokeFunction on this function.
 */
import { suppressionStoreFromEnv } from '../../adapters/aws/dynamo-suppression-store';
import { FINDINGS_OPERATIONS } from '../../core/control-plane/findings-operations';
import { controlPlaneDepsFromEnv, groupHandler } from './aws-deps';

let deps: ReturnType<typeof controlPlaneDepsFromEnv> | undefined;

export const handler = groupHandler('findings', FINDINGS_OPERATIONS, () => {
  deps ??= controlPlaneDepsFromEnv(process.env, { suppressions: suppressionStoreFromEnv() });
  return deps;
});
