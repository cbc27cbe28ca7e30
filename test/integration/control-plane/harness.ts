/**
 * Control-plane test harness: the real repositories and queries against DynamoDB Local, EC2/SSM/SFN/
 * Scheduler through aws-sdk-client-mock answering like the services do (tag filters, instance-id filters,
 * execution ARNs, schedule conflicts).
 */
import { DescribeInstancesCommand, type DescribeInstancesCommandInput, EC2Client } from '@aws-sdk/client-ec2';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { findingItem } from '../../../functions/adapters/aws/dynamo-finding-store';
import { DynamoSuppressionStore } from '../../../functions/adapters/aws/dynamo-suppression-store';
import { Ec2Fleet } from '../../../functions/adapters/aws/ec2-fleet';
import { DynamoExclusionsPreviewStore } from '../../../functions/adapters/aws/exclusions-previews';
import {
  DynamoFindingsQuery,
  DynamoLocksReader,
  DynamoRunsReader,
} from '../../../functions/adapters/aws/findings-query';
import { instancePartition } from '../../../functions/adapters/aws/run-shards';
import { EventBridgeTemplateScheduler } from '../../../functions/adapters/aws/scheduler';
import { SsmAgentFleet } from '../../../functions/adapters/aws/ssm-agents';
import { RUN_SHARDS } from '../../../functions/adapters/aws/table-design';
import { DynamoTargetsRepository } from '../../../functions/adapters/aws/targets-repository';
import { DynamoTemplatesRepository } from '../../../functions/adapters/aws/templates-repository';
import { type Limits, limitsSchema } from '../../../functions/core/assessment';
import { computeExclusionsPreview } from '../../../functions/core/control-plane/exclusions-preview';
import type {
  ControlPlaneDeps,
  ExclusionsPreviewJob,
  StopAction,
} from '../../../functions/core/control-plane/ports';
import type { Finding } from '../../../functions/core/model';
import type { RunRecord, RunState } from '../../../functions/core/run';
import { SfnRunStarter } from '../../../functions/handlers/control-plane/aws-deps';
import {
  type DynamoDbLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type TableNames,
} from '../../helpers/dynamodb-local';

export interface FakeInstance {
  instanceId: string;
  state?: string;
  tags: Record<string, string>;
  /** SSM PingStatus; absent = no SSM agent registered. */
  ping?: string;
  /** SSM PlatformType (default Linux). */
  platformType?: string;
  /** EC2 Architecture (default x86_64). */
  architecture?: string;
}

export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:AssessmentRun';
const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };

function matchesFilters(i: FakeInstance, filters: DescribeInstancesCommandInput['Filters']): boolean {
  return (filters ?? []).every((f) => {
    const values = f.Values ?? [];
    if (f.Name === 'instance-state-name') return values.includes(i.state ?? 'running');
    if (f.Name === 'tag-key') return values.some((k) => k in i.tags);
    if (f.Name?.startsWith('tag:')) {
      const key = f.Name.slice(4);
      return key in i.tags && values.includes(i.tags[key]!);
    }
    throw new Error(`fake EC2: filter ${f.Name} not supported`);
  });
}

export interface Harness {
  deps: ControlPlaneDeps;
  tables: TableNames;
  fleet: FakeInstance[];
  executions: Array<{ stateMachineArn: string; name: string; input: unknown }>;
  schedules: Map<string, { expression: string; input: unknown; roleArn: string; targetArn: string }>;
  stops: Array<{ runId: string; action: StopAction }>;
  deletes: string[];
  putRun(run: Partial<RunRecord> & { runId: string; state: RunState; instanceCount?: number }): Promise<void>;
  putRunInstance(runId: string, instance: Record<string, unknown> & { instanceId: string }): Promise<void>;
  putFinding(f: Finding): Promise<void>;
  putLock(instanceId: string, runId: string, expiresInSeconds?: number): Promise<void>;
  /** Exclusions previews whose asynchronous computation was asked for and has not run yet. */
  previewJobs: ExclusionsPreviewJob[];
  /** Runs the pending preview computations (as the asynchronous Lambda invocation would). */
  runPreviewJobs(): Promise<void>;
  restore(): void;
}

let counter = 0;

export async function makeHarness(ddb: DynamoDbLocal, limits: Partial<Limits> = {}): Promise<Harness> {
  counter++;
  const tables = await ddb.createTables(`cp${counter}-${Date.now()}`);
  const fleet: FakeInstance[] = [];
  const executions: Harness['executions'] = [];
  const schedules: Harness['schedules'] = new Map();
  const stops: Harness['stops'] = [];
  const deletes: string[] = [];

  const ec2 = new EC2Client(clientConfig);
  const ec2Mock = mockClient(ec2);
  ec2Mock.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
    const found = fleet.filter((i) => i.state !== 'terminated' && matchesFilters(i, input.Filters));
    return {
      Reservations: found.map((i) => ({
        Instances: [
          {
            InstanceId: i.instanceId,
            State: { Name: i.state ?? 'running' },
            Architecture: i.architecture ?? 'x86_64',
            Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
            PlatformDetails: 'Linux/UNIX',
          },
        ],
      })),
    };
  });

  const ssm = new SSMClient(clientConfig);
  const ssmMock = mockClient(ssm);
  ssmMock.on(DescribeInstanceInformationCommand).callsFake((input) => {
    const ids = input.Filters?.find((f: { Key?: string }) => f.Key === 'InstanceIds')?.Values ?? [];
    if (ids.length > 50) throw new Error('fake SSM: at most 50 instance ids per filter');
    return {
      InstanceInformationList: fleet
        .filter((i) => ids.includes(i.instanceId) && i.ping)
        .map((i) => ({
          InstanceId: i.instanceId,
          PingStatus: i.ping,
          PlatformType: i.platformType ?? 'Linux',
          PlatformName: i.platformType === 'Windows' ? 'Microsoft Windows Server 2022 Datacenter' : 'Ubuntu',
          PlatformVersion: '22.04',
          AgentVersion: '3.3.0.0',
        })),
    };
  });

  const sfn = new SFNClient(clientConfig);
  const sfnMock = mockClient(sfn);
  sfnMock.on(StartExecutionCommand).callsFake((input) => {
    if (executions.some((e) => e.name === input.name)) {
      throw Object.assign(new Error('Execution already exists'), { name: 'ExecutionAlreadyExists' });
    }
    executions.push({
      stateMachineArn: input.stateMachineArn,
      name: input.name,
      input: JSON.parse(input.input),
    });
    return {
      executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`,
      startDate: new Date(),
    };
  });

  const scheduler = new SchedulerClient(clientConfig);
  const schedulerMock = mockClient(scheduler);
  const keep = (input: {
    Name?: string;
    ScheduleExpression?: string;
    Target?: { Arn?: string; RoleArn?: string; Input?: string };
  }) => {
    if (
      !/^(rate\(\d+ (minutes?|hours?|days?)\)|cron\(\S+( \S+){5}\))$/.test(input.ScheduleExpression ?? '')
    ) {
      throw Object.assign(new Error('Invalid Schedule Expression'), { name: 'ValidationException' });
    }
    schedules.set(input.Name!, {
      expression: input.ScheduleExpression!,
      input: JSON.parse(input.Target?.Input ?? 'null'),
      roleArn: input.Target?.RoleArn ?? '',
      targetArn: input.Target?.Arn ?? '',
    });
    return { ScheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/default/${input.Name}` };
  };
  schedulerMock.on(CreateScheduleCommand).callsFake((input) => {
    if (schedules.has(input.Name))
      throw new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} });
    return keep(input);
  });
  schedulerMock.on(UpdateScheduleCommand).callsFake((input) => keep(input));
  schedulerMock.on(DeleteScheduleCommand).callsFake((input) => {
    if (!schedules.delete(input.Name))
      throw new ResourceNotFoundException({ message: 'missing', Message: 'missing', $metadata: {} });
    return {};
  });

  let ids = 0;
  const previewJobs: ExclusionsPreviewJob[] = [];
  const deps: ControlPlaneDeps = {
    targets: new DynamoTargetsRepository(ddb.doc, tables.targets),
    templates: new DynamoTemplatesRepository(ddb.doc, tables.templates),
    runs: new DynamoRunsReader(ddb.doc, tables.runs),
    findings: new DynamoFindingsQuery(ddb.doc, tables.findings),
    locks: new DynamoLocksReader(ddb.doc, tables.locks),
    fleet: new Ec2Fleet(ec2),
    agents: new SsmAgentFleet(ssm),
    starter: new SfnRunStarter(sfn, STATE_MACHINE_ARN),
    runControl: {
      stop: async (runId, action) => {
        stops.push({ runId, action });
      },
      delete: async (runId) => {
        deletes.push(runId);
      },
    },
    scheduler: new EventBridgeTemplateScheduler(scheduler, {
      stateMachineArn: STATE_MACHINE_ARN,
      roleArn: 'arn:aws:iam::123456789012:role/scheduler',
    }),
    limits: limitsSchema.parse(limits),
    previews: new DynamoExclusionsPreviewStore(ddb.doc, tables.runs),
    previewJobs: {
      start: async (job) => {
        previewJobs.push(job);
      },
    },
    suppressions: new DynamoSuppressionStore(ddb.doc, tables.suppressions),
    now: () => new Date('2026-11-30T10:00:00.000Z'),
    newId: (prefix) => `${prefix}-${String(++ids).padStart(4, '0')}`,
  };

  return {
    deps,
    tables,
    fleet,
    executions,
    schedules,
    stops,
    deletes,
    async putRun(run) {
      const item = {
        name: run.runId,
        templateId: 'template-x',
        stateHistory: [{ state: run.state, at: '2026-11-30T09:00:00.000Z' }],
        createdAt: '2026-11-30T09:00:00.000Z',
        durationSeconds: 3600,
        rulesPackages: ['security-best-practices'],
        findingCounts: { High: 0, Medium: 0, Low: 0, Informational: 0 },
        mode: 'aws',
        ...run,
        sk: 'RUN',
      };
      await ddb.doc.send(new PutCommand({ TableName: tables.runs, Item: item }));
    },
    async putRunInstance(runId, instance) {
      await ddb.doc.send(
        new PutCommand({
          TableName: tables.runs,
          // Where DynamoRunStore.putInstances puts it: the instance's shard of the run.
          Item: {
            ...instance,
            runId: instancePartition(runId, instance.instanceId, RUN_SHARDS),
            sk: `INSTANCE#${instance.instanceId}`,
          },
        }),
      );
    },
    async putFinding(f) {
      await ddb.doc.send(
        new PutCommand({
          TableName: tables.findings,
          Item: findingItem(f),
        }),
      );
    },
    async putLock(instanceId, runId, expiresInSeconds = 3600) {
      await ddb.doc.send(
        new PutCommand({
          TableName: tables.locks,
          Item: {
            instanceId,
            runId,
            acquiredAt: '2026-11-30T09:00:00.000Z',
            expiresAt: Math.floor(Date.now() / 1000) + expiresInSeconds,
          },
        }),
      );
    },
    previewJobs,
    async runPreviewJobs() {
      for (const job of previewJobs.splice(0)) await computeExclusionsPreview(deps, job);
    },
    restore() {
      ec2Mock.restore();
      ssmMock.restore();
      sfnMock.restore();
      schedulerMock.restore();
    },
  };
}

export function finding(partial: Partial<Finding> & Pick<Finding, 'id' | 'runId' | 'instanceId'>): Finding {
  return {
    rulesPackage: 'security-best-practices',
    ruleId: 'sbp.ssh-root-login',
    title: 'SSH root login is allowed',
    description: 'PermitRootLogin is yes',
    recommendation: 'Set PermitRootLogin no',
    severity: 'Medium',
    numericSeverity: 6,
    attributes: [],
    evidence: [{ source: '/etc/ssh/sshd_config', key: 'PermitRootLogin', value: 'yes' }],
    createdAt: '2026-11-30T09:30:00.000Z',
    ...partial,
  };
}
