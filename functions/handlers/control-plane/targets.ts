/**
 * Control-plane function "targets": create/update/delete/list/describe-assessment-targets, preview-agents,
 * create-exclusions-preview and get-exclusions-preview.
 *
 * For INFRA:
 * - Stack output: ControlPlaneTargetsFunctionName (the CLI looks for outputs named ControlPlane<Group>FunctionName).
 * - Environment: TARGETS_TABLE, TEMPLATES_TABLE, RUNS_TABLE, LOCKS_TABLE, LIMITS_JSON (optional).
 * - DynamoDB: targets table GetItem, PutItem, DeleteItem, Scan; templates table GetItem, Scan; runs table
 *   Query on the byState and byTemplate indexes, and the exclusions previews (PREVIEW#<templateId> items:
 *   GetItem, Query, UpdateItem, PutItem in TransactWriteItems, BatchWriteItem deletes); locks table
 *   BatchGetItem. KMS decrypt/encrypt on the tables' key.
 * - EC2 DescribeInstances; SSM DescribeInstanceInformation (both need Resource "*").
 * - Lambda: InvokeFunction on this function itself: create-exclusions-preview records the preview
 *   WORK_IN_PROGRESS and invokes this function asynchronously with {exclusionsPreviewJob}, which computes
 *   it (a whole target's EC2 and SSM descriptions: give it minutes, not seconds).
 * - Callers: lambda:InvokeFunction on this function (the users' operator policy).
 */
import { isPreviewJobEvent } from '../../adapters/aws/lambda-preview-jobs';
import { computeExclusionsPreview } from '../../core/control-plane/exclusions-preview';
import { TARGETS_OPERATIONS } from '../../core/control-plane/targets-operations';
import { controlPlaneDepsFromEnv, groupHandler, logger } from './aws-deps';

let deps: ReturnType<typeof controlPlaneDepsFromEnv> | undefined;
const targetsDeps = () => {
  deps ??= controlPlaneDepsFromEnv();
  return deps;
};
const operations = groupHandler('targets', TARGETS_OPERATIONS, targetsDeps);

export const handler = async (event: unknown) => {
  if (isPreviewJobEvent(event)) {
    await computeExclusionsPreview(targetsDeps(), event.exclusionsPreviewJob);
    logger.info('exclusions preview computed', { ...event.exclusionsPreviewJob });
    return { ok: true, result: event.exclusionsPreviewJob };
  }
  return operations(event);
};
