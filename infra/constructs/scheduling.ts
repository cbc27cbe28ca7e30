/**
 * EventBridge Scheduler support for templates that ask for a schedule: a schedule group that holds the
 * schedules the control plane creates at run time, and the role those schedules assume to start the
 * assessment state machine (nothing else).
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** `<stack>-templates`, within the 64 characters a schedule group name may have. */
export function scheduleGroupName(stackName: string): string {
  const name = `${stackName}-templates`;
  if (name.length > 64)
    throw new Error(
      `the schedule group name ${name} is longer than 64 characters: use a stack name of at most 54`,
    );
  return name;
}

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
    // Named after the stack (`<stack>-templates`): two stacks in one region never collide. Deleted with the
    // stack (deleting a group deletes its schedules, which start this stack's state machine with this stack's
    // role, both gone): a retained group would make the next create of the same stack fail ("already exists"),
    // and CDK's default for it is RETAIN.
    this.group = new scheduler.ScheduleGroup(this, 'Group', {
      scheduleGroupName: scheduleGroupName(stack.stackName),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.scheduleArns = `arn:${stack.partition}:scheduler:${stack.region}:${stack.account}:schedule/${this.group.scheduleGroupName}/*`;
    this.role = new iam.Role(this, 'SchedulerRole', {
      description:
        'Assumed by EventBridge Scheduler schedules of assessment templates to start assessment runs',
      // Confused-deputy protection as EventBridge Scheduler documents it (and CDK's aws-scheduler-targets
      // writes it): aws:SourceArn is the schedule GROUP's ARN (arn:…:scheduler:…:schedule-group/<group>); a
      // schedule ARN or name prefix never matches, so no schedule could assume the role.
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': this.group.scheduleGroupArn,
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
