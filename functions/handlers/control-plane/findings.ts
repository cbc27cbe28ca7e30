/**
 * Control-plane function "findings": list-findings, describe-findings, add-attributes-to-findings,
 * list-rules-packages, describe-rules-packages.
 *
 * For INFRA:
 * - Stack output: ControlPlaneFindingsFunctionName.
 * - Environment: FINDINGS_TABLE.
 * - DynamoDB: findings table GetItem, Query (table, byInstance, bySeverityPackage), Scan, UpdateItem
 *   (attributes only). KMS decrypt/encrypt on the tables' key.
 * - Callers: lambda:InvokeFunction on this function.
 */
import { controlPlaneDepsFromEnv, groupHandler } from './aws-deps';

let deps: ReturnType<typeof controlPlaneDepsFromEnv> | undefined;

export const handler = groupHandler('findings', () => {
  deps ??= controlPlaneDepsFromEnv();
  return deps;
});
