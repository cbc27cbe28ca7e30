/**
 * Control-plane function "targets": create/update/delete/list/describe-assessment-targets, preview-agents.
 *
 * For INFRA:
 * - Stack output: ControlPlaneTargetsFunctionName (the CLI looks for outputs named ControlPlane<Group>FunctionName).
 * - Environment: TARGETS_TABLE, TEMPLATES_TABLE, RUNS_TABLE, LIMITS_JSON (optional).
 * - DynamoDB: targets table GetItem, PutItem, DeleteItem, Scan; templates table Scan; runs table Query on
 *   the byState and byTemplate indexes (no write to runs). KMS decrypt/encrypt on the tables' key.
 * - EC2 DescribeInstances; SSM DescribeInstanceInformation (both need Resource "*").
 * - Callers: lambda:InvokeFunction on this function (the users' operator policy).
 */
import { controlPlaneDepsFromEnv, groupHandler } from './aws-deps';

let deps: ReturnType<typeof controlPlaneDepsFromEnv> | undefined;

export const handler = groupHandler('targets', () => {
  deps ??= controlPlaneDepsFromEnv();
  return deps;
});
