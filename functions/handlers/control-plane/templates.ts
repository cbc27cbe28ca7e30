/**
 * Control-plane function "templates": create/delete/list/describe-assessment-templates (update is refused:
 * templates are immutable), list-tags-for-resource, set-tags-for-resource, subscribe-to-event,
 * unsubscribe-from-event, list-event-subscriptions.
 *
 * For INFRA:
 * - Stack output: ControlPlaneTemplatesFunctionName.
 * - Environment: TEMPLATES_TABLE, TARGETS_TABLE, RUNS_TABLE, STATE_MACHINE_ARN, SCHEDULER_ROLE_ARN,
 *   SCHEDULE_GROUP_NAME (optional), LIMITS_JSON (optional).
 * - DynamoDB: templates table GetItem, PutItem, UpdateItem, DeleteItem, Scan; targets table GetItem; runs
 *   table Query on byState and byTemplate. KMS decrypt/encrypt on the tables' key.
 * - EventBridge Scheduler: scheduler:CreateSchedule, UpdateSchedule, DeleteSchedule on
 *   schedule/<group>/inspector-*; iam:PassRole of SCHEDULER_ROLE_ARN to scheduler.amazonaws.com. That role
 *   (trusted by scheduler.amazonaws.com) needs states:StartExecution on the state machine.
 * - Callers: lambda:InvokeFunction on this function.
 */
import { TEMPLATES_OPERATIONS } from '../../core/control-plane/templates-operations';
import { controlPlaneDepsFromEnv, groupHandler } from './aws-deps';

let deps: ReturnType<typeof controlPlaneDepsFromEnv> | undefined;

export const handler = groupHandler('templates', TEMPLATES_OPERATIONS, () => {
  deps ??= controlPlaneDepsFromEnv();
  return deps;
});
