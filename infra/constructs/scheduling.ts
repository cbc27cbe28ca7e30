/**
 * EventBridge Scheduler support for templates that ask for a schedule: a schedule group that holds the
 * schedules the control plane creates at run time, and the role those schedules assume to start the
 * assessment state machine (nothing else).
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface SchedulingProps {
  stateMachine: sfn.IStateMachine;
}

export class Scheduling extends Construct {
  readonly group: scheduler.ScheduleGroup;
  readonly role: iam.Role;
  /** ARN pattern of every schedule in the group. */
  readonly scheduleArns: string;

  constructor(scope: Construct, id: string, props: SchedulingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.group = new scheduler.ScheduleGroup(this, 'Group', {});
    this.scheduleArns = `arn:${stack.partition}:scheduler:${stack.region}:${stack.account}:schedule/${this.group.scheduleGroupName}/*`;
    this.role = new iam.Role(this, 'SchedulerRole', {
      description:
        'Assumed by EventBridge Scheduler schedules of assessment templates to start assessment runs',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': this.scheduleArns,
          },
        },
      }),
    });
    props.stateMachine.grantStartExecution(this.role);
  }

  /** Lets a control-plane role manage schedules in the group and hand the scheduler role to them. */
  grantManageSchedules(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'scheduler:CreateSchedule',
        'scheduler:UpdateSchedule',
        'scheduler:DeleteSchedule',
        'scheduler:GetSchedule',
      ],
      resourceArns: [this.scheduleArns],
    });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
  }
}
