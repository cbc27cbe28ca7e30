/**
 * EventBridge Scheduler: one schedule per template that asks for one, named `inspector-<templateId>` (or a
 * hash when that is longer than Scheduler's 64 characters), starting the assessment state machine with
 * `{"templateId": "..."}` (StartRun names the run). The role lets Scheduler call states:StartExecution.
 */
import { createHash } from 'node:crypto';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { TemplateScheduler } from '../../core/control-plane/ports';

export interface SchedulerConfig {
  stateMachineArn: string;
  /** Role Scheduler assumes to call states:StartExecution on the state machine. */
  roleArn: string;
  /** Schedule group (the stack's own; `default` when not set). */
  groupName?: string;
}

export function scheduleName(templateId: string): string {
  const name = `inspector-${templateId}`;
  if (name.length <= 64) return name;
  return `inspector-${createHash('sha256').update(templateId).digest('hex').slice(0, 40)}`;
}

export class EventBridgeTemplateScheduler implements TemplateScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly config: SchedulerConfig,
  ) {}

  async upsert(templateId: string, expression: string): Promise<void> {
    const input = {
      Name: scheduleName(templateId),
      GroupName: this.config.groupName,
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      State: 'ENABLED' as const,
      Description: `Assessment runs of template ${templateId}`.slice(0, 512),
      Target: {
        Arn: this.config.stateMachineArn,
        RoleArn: this.config.roleArn,
        Input: JSON.stringify({ templateId }),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      },
    };
    try {
      await this.client.send(new CreateScheduleCommand(input));
    } catch (err) {
      if ((err as { name?: string }).name !== 'ConflictException') throw err;
      await this.client.send(new UpdateScheduleCommand(input));
    }
  }

  async remove(templateId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteScheduleCommand({ Name: scheduleName(templateId), GroupName: this.config.groupName }),
      );
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
    }
  }
}
