/**
 * The control plane's dependencies built from the Lambda environment, lazily: each group's function reads
 * only the variables and creates only the clients its operations touch (see the comment block at the top of
 * targets.ts, templates.ts, runs.ts and findings.ts for what each needs).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { awsClientConfig } from '../../adapters/aws/client-config';
import { dynamoDocumentClient } from '../../adapters/aws/dynamo-client';
import { agentArtifactsFromEnv, ENV, requireEnv } from '../../adapters/aws/environment';
import { DynamoExclusionsPreviewStore } from '../../adapters/aws/exclusions-previews';
import { DynamoFindingsQuery, DynamoLocksReader, DynamoRunsReader } from '../../adapters/aws/findings-query';
import { LambdaPreviewJobs } from '../../adapters/aws/lambda-preview-jobs';
import { lazyEc2Fleet } from '../../adapters/aws/lazy-ec2-fleet';
import { EventBridgeTemplateScheduler } from '../../adapters/aws/scheduler';
import { SsmAgentFleet } from '../../adapters/aws/ssm-agents';
import { DynamoTargetsRepository } from '../../adapters/aws/targets-repository';
import { DynamoTemplatesRepository } from '../../adapters/aws/templates-repository';
import { loadLimits } from '../../core/assessment';
import {
  dispatchTo,
  type Operation,
  type OperationGroup,
  type OperationName,
} from '../../core/control-plane/dispatch';
import { ControlPlaneError } from '../../core/control-plane/errors';
import type { ControlPlaneDeps, RunControl, RunStarter } from '../../core/control-plane/ports';

/** Variables only the control plane reads (in addition to environment.ts's). */
export const CONTROL_PLANE_ENV = {
  /** Role EventBridge Scheduler assumes to start the state machine (templates with a schedule). */
  schedulerRoleArn: 'SCHEDULER_ROLE_ARN',
  /** Schedule group for template schedules (optional; `default` otherwise). */
  scheduleGroupName: 'SCHEDULE_GROUP_NAME',
} as const;

function need(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

export class SfnRunStarter implements RunStarter {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: { templateId: string; runId: string; name: string }): Promise<string> {
    const out = await this.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: this.stateMachineArn,
        // Execution names: 1-80 characters; run ids are generated short and unique.
        name: input.runId.slice(0, 80),
        input: JSON.stringify(input),
      }),
    );
    if (!out.executionArn) throw new Error('StartExecution returned no execution ARN');
    return out.executionArn;
  }
}

const notServed: RunControl = {
  stop: () => Promise.reject(new Error('stop is served by the runs function')),
  delete: () => Promise.reject(new Error('delete is served by the runs function')),
};

export function newRunId(prefix: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `${prefix}-${stamp}-${crypto.randomUUID().slice(0, 8)}`;
}

export function controlPlaneDepsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ControlPlaneDeps> = {},
): ControlPlaneDeps {
  const doc = once(() => dynamoDocumentClient());
  const ssm = once(() => new SSMClient(awsClientConfig()));
  const targets = once(() => new DynamoTargetsRepository(doc(), requireEnv(ENV.targetsTable, env)));
  const templates = once(() => new DynamoTemplatesRepository(doc(), requireEnv(ENV.templatesTable, env)));
  const runs = once(() => new DynamoRunsReader(doc(), requireEnv(ENV.runsTable, env)));
  const findings = once(() => new DynamoFindingsQuery(doc(), requireEnv(ENV.findingsTable, env)));
  const locks = once(() => new DynamoLocksReader(doc(), requireEnv(ENV.locksTable, env)));
  // The EC2 client loads on the first EC2 call, not with the module (lazy-ec2-fleet.ts).
  const fleet = once(() => lazyEc2Fleet());
  const agents = once(() => new SsmAgentFleet(ssm()));
  const starter = once(
    () => new SfnRunStarter(new SFNClient(awsClientConfig()), requireEnv(ENV.stateMachineArn, env)),
  );
  const scheduler = once(() => {
    const group = env[CONTROL_PLANE_ENV.scheduleGroupName];
    return new EventBridgeTemplateScheduler(new SchedulerClient(awsClientConfig()), {
      stateMachineArn: requireEnv(ENV.stateMachineArn, env),
      roleArn: need(env, CONTROL_PLANE_ENV.schedulerRoleArn),
      ...(group ? { groupName: group } : {}),
    });
  });
  const limits = once(() => loadLimits(env[ENV.limitsJson]));
  const previews = once(() => new DynamoExclusionsPreviewStore(doc(), requireEnv(ENV.runsTable, env)));
  // The preview is computed by an asynchronous invocation of this same function (see runs.ts).
  const previewJobs = once(
    () => new LambdaPreviewJobs(new LambdaClient(awsClientConfig()), need(env, 'AWS_LAMBDA_FUNCTION_NAME')),
  );
  const agentArtifacts = once(() => agentArtifactsFromEnv(env));
  const deps: ControlPlaneDeps = {
    get targets() {
      return targets();
    },
    get templates() {
      return templates();
    },
    get runs() {
      return runs();
    },
    get findings() {
      return findings();
    },
    get locks() {
      return locks();
    },
    get fleet() {
      return fleet();
    },
    get agents() {
      return agents();
    },
    get starter() {
      return starter();
    },
    get scheduler() {
      return scheduler();
    },
    get limits() {
      return limits();
    },
    get previews() {
      return previews();
    },
    get previewJobs() {
      return previewJobs();
    },
    get agentArtifacts() {
      return agentArtifacts();
    },
    runControl: notServed,
    now: () => new Date(),
    newId: (prefix) => newRunId(prefix),
  };
  for (const [key, value] of Object.entries(overrides)) {
    Object.defineProperty(deps, key, { value, writable: true, enumerable: true, configurable: true });
  }
  return deps;
}

export const logger = new Logger({ serviceName: 'inspector-control-plane' });

/**
 * A Lambda handler for one operation group: `{ operation, input }` in, `{ ok, result | error }` out. It gets
 * the group's own operations (<group>-operations.ts), so its bundle carries no other group's code.
 */
export function groupHandler(
  group: OperationGroup,
  operations: Partial<Record<OperationName, Operation>>,
  deps: () => ControlPlaneDeps,
) {
  return async (event: unknown) => {
    logger.appendKeys({ group });
    return dispatchTo(operations, deps(), group, event, {
      info: (message, extra) => logger.info(message, extra ?? {}),
      error: (message, extra) => logger.error(message, extra ?? {}),
    });
  };
}

/** Maps the run lifecycle's errors (by name) to Classic's codes. */
export function lifecycleError(err: unknown): unknown {
  const name = (err as { name?: string } | undefined)?.name;
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'RunNotFoundError') return new ControlPlaneError('NoSuchEntityException', message);
  if (name === 'InvalidRunStateError') return new ControlPlaneError('InvalidInputException', message);
  return err;
}
