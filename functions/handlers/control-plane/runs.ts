/**
 * Control-plane function "runs": start/stop/delete/list/describe-assessment-runs. Start checks the template,
 * the target, the limits and the instance locks, then calls StartExecution with {templateId, runId, name};
 * stop and delete call the run lifecycle's stopRun/deleteRun (functions/handlers/run-operations.ts).
 *
 * For INFRA:
 * - Stack output: ControlPlaneRunsFunctionName.
 * - Environment: everything the run lifecycle's handlers read (lifecycle-deps.ts: RUNS_TABLE, FINDINGS_TABLE,
 *   LOCKS_TABLE, TEMPLATES_TABLE, TARGETS_TABLE, TELEMETRY_BUCKET, REPORTS_BUCKET, KMS_KEY_ARN,
 *   EVENTS_TOPIC_ARN, AGENT_DOCUMENT_NAME, LIMITS_JSON) plus STATE_MACHINE_ARN.
 * - DynamoDB: targets/templates GetItem; runs GetItem, Query (table and both indexes), Scan, UpdateItem,
 *   BatchWriteItem (delete); findings Query, BatchWriteItem (delete); locks BatchGetItem. KMS on the key.
 * - Step Functions: states:StartExecution on the state machine.
 * - EC2 DescribeInstances; SSM DescribeInstanceInformation, CancelCommand (stop).
 * - S3: ListBucket and DeleteObject on telemetry/<run>/ and reports/<run>/ (delete).
 * - Callers: lambda:InvokeFunction on this function.
 */
import type { RunControl } from '../../core/control-plane/ports';
import { RUNS_OPERATIONS } from '../../core/control-plane/runs-operations';
import { controlPlaneDepsFromEnv, groupHandler, lifecycleError } from './aws-deps';

const runControl: RunControl = {
  async stop(runId, action) {
    const ops = await import('../run-operations');
    await ops.stopAssessmentRun(runId, action).catch((err: unknown) => Promise.reject(lifecycleError(err)));
  },
  async delete(runId) {
    const ops = await import('../run-operations');
    await ops.deleteAssessmentRun(runId).catch((err: unknown) => Promise.reject(lifecycleError(err)));
  },
};

let deps: ReturnType<typeof controlPlaneDepsFromEnv> | undefined;

export const handler = groupHandler('runs', RUNS_OPERATIONS, () => {
  deps ??= controlPlaneDepsFromEnv(process.env, { runControl });
  return deps;
});
