/**
 * Runs the synthesized assessment-run state machine locally (aws-local-stepfunctions) with the REAL
 * handler modules, against DynamoDB Local, s3rver and the FakeCloud mocks.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { WritePacing } from '../../../functions/adapters/aws/dynamo-batch';
import { AGENT_ARTIFACT_ENV, ENV } from '../../../functions/adapters/aws/environment';
import type { AssessmentTarget, AssessmentTemplate } from '../../../functions/core/assessment';
import type { RulesPackage } from '../../../functions/core/rule';
import { fail, pass, staticRulesPackage } from '../../../functions/core/rule';
import { handler as checkAgents } from '../../../functions/handlers/check-agents';
import { handler as dispatchCommands } from '../../../functions/handlers/dispatch-commands';
import { handler as evaluateInstance } from '../../../functions/handlers/evaluate-instance';
import { handler as evaluateNetwork } from '../../../functions/handlers/evaluate-network';
import {
  configureSecurityHubExport,
  handler as exportSecurityHub,
  logger as securityHubLogger,
} from '../../../functions/handlers/export-security-hub';
import { handler as failRun } from '../../../functions/handlers/fail-run';
import { handler as finalizeRun } from '../../../functions/handlers/finalize-run';
import { configureLifecycle, lifecycleDeps, logger } from '../../../functions/handlers/lifecycle-runtime';
import { handler as pollCommands } from '../../../functions/handlers/poll-commands';
import { handler as startRun } from '../../../functions/handlers/start-run';
import { startThrottleProxy, type ThrottleOptions, type ThrottleProxy } from '../dynamo-throttle-proxy';
import { type DistributedMapState, distributedMapHandler, replaceDistributedMaps } from './distributed-map';
import { FakeCloud, KMS_KEY_ARN, type SimAgentArtifacts } from './fake-cloud';
import {
  createTables,
  type DynamoLocal,
  type S3Local,
  setFakeAwsEnv,
  startDynamoLocal,
  startS3Local,
  type TableNames,
} from './local-servers';
import { synthesizeStateMachine } from './state-machine-definition';

export const EVENTS_TOPIC = 'arn:aws:sns:us-east-1:111122223333:inspector-run-events';
export const TELEMETRY_BUCKET = 'inspector-telemetry';
export const REPORTS_BUCKET = 'inspector-reports';

const fakeSha = (s: string) => createHash('sha256').update(s).digest('hex');
/** The CDK assets bucket of the agent artifacts (AGENT_ARTIFACT_BUCKET), in s3rver. */
export const AGENT_ASSETS_BUCKET = 'cdk-assets-agent';
/**
 * The agent artifacts as the stack passes them to Dispatch (one per architecture) and the bundle. Each
 * artifact's content is its name (so its SHA-256 is fakeSha(name)); its gzip copy is in AGENT_ASSETS_BUCKET
 * under its key, where the instances download it through the URL Dispatch pre-signs.
 */
export const AGENT_ARTIFACTS = {
  x86_64: { key: 'agent-linux-x64.gz', sha256: fakeSha('agent-linux-x64'), content: 'agent-linux-x64' },
  arm64: { key: 'agent-linux-arm64.gz', sha256: fakeSha('agent-linux-arm64'), content: 'agent-linux-arm64' },
  bundle: { key: 'agent.js.gz', sha256: fakeSha('agent.js'), content: 'agent.js' },
} as const;
/** What the agent document accepts (its default is the x86_64 executable, as in the stack). */
export const SIM_AGENT_ARTIFACTS: SimAgentArtifacts = {
  defaultKey: AGENT_ARTIFACTS.x86_64.key,
  byKey: {
    [AGENT_ARTIFACTS.x86_64.key]: { sha256: AGENT_ARTIFACTS.x86_64.sha256, runsOn: 'x86_64' },
    [AGENT_ARTIFACTS.arm64.key]: { sha256: AGENT_ARTIFACTS.arm64.sha256, runsOn: 'arm64' },
    [AGENT_ARTIFACTS.bundle.key]: { sha256: AGENT_ARTIFACTS.bundle.sha256, runsOn: 'any' },
  },
};

/** A small rules package for the scenarios (the real packages have their own tests). */
export const testRulesPackage: RulesPackage = staticRulesPackage(
  { id: 'security-best-practices', name: 'Test SSH rules', version: 'test', description: 'scenario rules' },
  [
    {
      id: 'sbp.ssh-root-login',
      title: 'SSH root login is disabled',
      description: 'Root may not log in over SSH.',
      recommendation: 'Set PermitRootLogin no.',
      severity: 'High',
      platforms: ['linux'],
      parameters: {},
      check(facts) {
        const t = facts.text('/etc/ssh/sshd_config');
        if (!t.ok) return pass('no sshd configuration');
        const line = t.value.text.split('\n').findIndex((l) => /^\s*PermitRootLogin\s+yes/i.test(l));
        return line >= 0
          ? fail('PermitRootLogin yes', [
              { source: '/etc/ssh/sshd_config', line: line + 1, key: 'PermitRootLogin', value: 'yes' },
            ])
          : pass('root login not permitted');
      },
    },
    {
      id: 'sbp.aslr',
      title: 'ASLR is enabled',
      description: 'kernel.randomize_va_space should be 2.',
      recommendation: 'Set kernel.randomize_va_space = 2.',
      severity: 'Medium',
      platforms: ['linux'],
      parameters: {},
      check(facts) {
        const v = facts.kernelParameter('kernel.randomize_va_space');
        if (!v.ok)
          return fail('kernel.randomize_va_space unreadable', [
            { source: 'kernel.randomize_va_space', value: '(unset)' },
          ]);
        return v.value.trim() === '2'
          ? pass('ASLR full')
          : fail('ASLR not full', [
              { source: 'kernel.randomize_va_space', value: v.value.trim(), expected: '2' },
            ]);
      },
    },
  ],
);

export const insecureRootSpec = {
  files: {
    '/etc/os-release': 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
    '/etc/hostname': 'web-1\n',
    '/etc/ssh/sshd_config': 'Port 22\nPermitRootLogin yes\n',
  },
  sysctl: { 'kernel.ostype': 'Linux', 'kernel.osrelease': '6.1.0-test', 'kernel.randomize_va_space': '1' },
};

/**
 * The sampling window of the templates seedTemplate makes: the fake SSM runs the agent for the command's
 * duration, as SSM does, so scenarios that are not about sampling ask for a short one (a template a
 * deployment with LIMITS_JSON {"minDurationSeconds": 1} can create; startHarness sets that floor).
 */
export const SCENARIO_DURATION_SECONDS = 1;

export interface Harness {
  dynamo: DynamoLocal;
  s3: S3Local;
  tables: TableNames;
  cloud: FakeCloud;
  machine: StateMachine;
  /** The distributed Map states the machine runs through distributed-map.ts, by name. */
  distributedMaps: Map<string, DistributedMapState>;
  doc: DynamoDBDocumentClient;
  /** The throttling proxy the handlers reach DynamoDB Local through (startHarness's `throttle` option). */
  throttle?: ThrottleProxy;
  stop(): Promise<void>;
}

/** The account and region of the Security Hub product the export imports to (SECURITY_HUB_*). */
export const SECURITY_HUB_ACCOUNT = '111122223333';
export const SECURITY_HUB_REGION = 'us-east-1';

export async function startHarness(
  opts: {
    limits?: Record<string, unknown>;
    securityHubExport?: boolean;
    /** Put the throttling proxy (test/helpers/dynamo-throttle-proxy.ts) between the handlers and DynamoDB. */
    throttle?: ThrottleOptions;
    /**
     * The stores' write pacing (DYNAMO_WRITE_PACING_JSON; without it the defaults, 400 write units a second,
     * as deployed). The fleet tests raise the rate: DynamoDB Local never throttles, and at 400 units a
     * second a 10,000-instance run spends ~2 minutes waiting on the token bucket (each of its 10,000-item
     * writes is 25 s). The pacing itself is tested on a fake clock and through the throttling proxy
     * (dynamo-shards.test.ts, throttled-fleet.test.ts).
     */
    writePacing?: Partial<WritePacing>;
  } = {},
): Promise<Harness> {
  setFakeAwsEnv();
  logger.setLogLevel('SILENT');
  securityHubLogger.setLogLevel('SILENT');
  const [dynamo, s3] = await Promise.all([
    startDynamoLocal(),
    startS3Local([TELEMETRY_BUCKET, REPORTS_BUCKET, AGENT_ASSETS_BUCKET]),
  ]);
  await putAgentArtifacts(s3.endpoint);
  const tables = await createTables(dynamo.endpoint);
  // --- throttle option: the handlers' DynamoDB endpoint is the proxy; h.doc (seeding, checks) stays direct.
  const throttle = opts.throttle ? await startThrottleProxy(dynamo.endpoint, opts.throttle) : undefined;
  // --- end of the throttle option
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: throttle?.endpoint ?? dynamo.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    TARGETS_TABLE: tables.targets,
    TEMPLATES_TABLE: tables.templates,
    RUNS_TABLE: tables.runs,
    FINDINGS_TABLE: tables.findings,
    LOCKS_TABLE: tables.locks,
    SUPPRESSIONS_TABLE: tables.suppressions,
    TELEMETRY_BUCKET,
    REPORTS_BUCKET,
    KMS_KEY_ARN,
    EVENTS_TOPIC_ARN: EVENTS_TOPIC,
    AGENT_DOCUMENT_NAME: 'Inspector-RunAgent',
    SECURITY_HUB_ACCOUNT_ID: SECURITY_HUB_ACCOUNT,
    SECURITY_HUB_REGION: SECURITY_HUB_REGION,
    SECURITY_HUB_PARTITION: 'aws',
    AGENT_ARTIFACT_BUCKET: AGENT_ASSETS_BUCKET,
    [AGENT_ARTIFACT_ENV.x86_64.key]: AGENT_ARTIFACTS.x86_64.key,
    [AGENT_ARTIFACT_ENV.x86_64.sha256]: AGENT_ARTIFACTS.x86_64.sha256,
    [AGENT_ARTIFACT_ENV.arm64.key]: AGENT_ARTIFACTS.arm64.key,
    [AGENT_ARTIFACT_ENV.arm64.sha256]: AGENT_ARTIFACTS.arm64.sha256,
    LIMITS_JSON: JSON.stringify({
      pollIntervalSeconds: 1,
      minDurationSeconds: SCENARIO_DURATION_SECONDS,
      // Dispatch's pacing waits in real time here; it is tested on a fake clock (dispatch-pacing.test.ts).
      commandSendsPerSecond: 50,
      ...(opts.limits ?? {}),
    }),
  });
  if (opts.writePacing) process.env[ENV.dynamoWritePacingJson] = JSON.stringify(opts.writePacing);
  else delete process.env[ENV.dynamoWritePacingJson];
  const cloud = new FakeCloud(s3.endpoint).install();
  cloud.agentArtifacts = SIM_AGENT_ARTIFACTS;
  // The batch evaluation's backoff between an instance's attempts is not waited out (attempts still count).
  configureLifecycle({ resolveRulesPackages: async () => [testRulesPackage], sleep: async () => {} });
  // The sender's backoff is not waited out here (retries still happen, and are counted by the fake).
  configureSecurityHubExport({ delay: async () => {} });
  const { definition: synthesized } = synthesizeStateMachine({
    securityHubExport: opts.securityHubExport ?? false,
  });
  // aws-local-stepfunctions does not run distributed Maps: each becomes a Task run by distributed-map.ts.
  const { definition, maps } = replaceDistributedMaps(synthesized);
  // The definition is the synthesized JSON; the library's type describes the same structure.
  const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.endpoint }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    dynamo,
    s3,
    tables,
    cloud,
    machine,
    distributedMaps: maps,
    doc,
    ...(throttle ? { throttle } : {}),
    async stop() {
      cloud.restore();
      doc.destroy();
      await throttle?.stop();
      await Promise.all([dynamo.stop(), s3.stop()]);
    },
  };
}

/** The gzip copies of the agent artifacts, as `cdk deploy` publishes the assets. */
async function putAgentArtifacts(endpoint: string): Promise<void> {
  const s3 = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1' });
  try {
    for (const a of Object.values(AGENT_ARTIFACTS)) {
      await s3.send(
        new PutObjectCommand({ Bucket: AGENT_ASSETS_BUCKET, Key: a.key, Body: gzipSync(a.content) }),
      );
    }
  } finally {
    s3.destroy();
  }
}

let seq = 0;

export async function seedTemplate(
  h: Harness,
  target: Partial<AssessmentTarget> = {},
  template: Partial<AssessmentTemplate> = {},
): Promise<AssessmentTemplate> {
  seq++;
  const at = new Date().toISOString();
  const t: AssessmentTarget = {
    targetId: `target-${seq}`,
    name: `target ${seq}`,
    tags: [],
    createdAt: at,
    updatedAt: at,
    ...target,
  };
  const tpl: AssessmentTemplate = {
    templateId: `template-${seq}`,
    name: `template ${seq}`,
    targetId: t.targetId,
    rulesPackages: ['security-best-practices'],
    durationSeconds: SCENARIO_DURATION_SECONDS,
    userAttributes: [{ key: 'team', value: 'secops' }],
    topics: [
      { event: 'ASSESSMENT_RUN_COMPLETED', topicArn: 'arn:aws:sns:us-east-1:111122223333:team-topic' },
    ],
    tags: [],
    createdAt: at,
    ...template,
  };
  await h.doc.send(new PutCommand({ TableName: h.tables.targets, Item: t }));
  await h.doc.send(new PutCommand({ TableName: h.tables.templates, Item: tpl }));
  return tpl;
}

type Handler<I, O> = (event: I) => Promise<O>;
type TaskOverrides = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type LocalHandler = TaskOverrides[string];
type JSONValue = Parameters<LocalHandler>[0];

/** CDK's LambdaInvoke passes {FunctionName, Payload} and reads $.Payload: wrap a handler the same way. */
export function lambdaInvoke<I, O>(h: Handler<I, O>): LocalHandler {
  return async (input) => {
    // The state's Parameters: { FunctionName, Payload } with Payload the handler's event.
    const payload = (input as unknown as { Payload: I }).Payload;
    // Handler results are JSON documents.
    return { Payload: (await h(payload)) as unknown as JSONValue, StatusCode: 200 };
  };
}

export interface ExecutionOutcome {
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  output?: unknown;
  error?: { name: string; message: string };
  states: string[];
  /** The largest state input or output seen (bytes of JSON), in the execution and in the Map's children. */
  payloads: PayloadSizes;
}

export interface PayloadSizes {
  /** Largest input or output of a state of the execution itself (the Standard workflow's state data). */
  largest: number;
  largestState: string;
  /** Largest input or output of a state of a distributed Map child execution. */
  largestChild: number;
  largestChildState: string;
}

/**
 * What a run costs, counted as it executes (bench/run-cost.ts): every task handler call (a Lambda invocation)
 * and its duration, every state transition of the Standard execution (states entered, retries included), and
 * every child execution of a distributed Map (an Express request) with its duration.
 */
export interface ExecutionMeter {
  invocation(state: string, ms: number): void;
  transition(state: string): void;
  child(ms: number): void;
}

export interface ExecuteOptions {
  /** Counts invocations, transitions and child executions (see ExecutionMeter). */
  meter?: ExecutionMeter;
  executionName: string;
  /** Replace a task's handler (wrapped like LambdaInvoke). */
  handlers?: Partial<Record<string, LocalHandler>>;
  /** Called on every entered state. */
  onState?: (name: string) => void;
  /** Receives the execution's controls when it starts (abort: as the console's "Stop execution"). */
  onStarted?: (controls: { abort(): void }) => void;
}

const TASK_STATES = [
  'StartRun',
  'CheckAgents',
  'DispatchCommands',
  'PollCommands',
  'EvaluateInstances',
  'EvaluateNetwork',
  'RecordNetworkFailure',
  'FinalizeRun',
  'ExportToSecurityHub',
  'RecordSecurityHubFailure',
  'FailRun',
  'Evaluate',
];

const jsonBytes = (v: unknown): number => (v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v)));

export async function execute(
  h: Harness,
  input: Record<string, unknown>,
  opts: ExecuteOptions,
): Promise<ExecutionOutcome> {
  const payloads: PayloadSizes = { largest: 0, largestState: '', largestChild: 0, largestChildState: '' };
  const taskHandlers: Record<string, LocalHandler> = {
    StartRun: lambdaInvoke(startRun),
    CheckAgents: lambdaInvoke(checkAgents),
    DispatchCommands: lambdaInvoke(dispatchCommands),
    PollCommands: lambdaInvoke(pollCommands),
    EvaluateInstances: lambdaInvoke(evaluateInstance),
    EvaluateNetwork: lambdaInvoke(evaluateNetwork),
    RecordNetworkFailure: lambdaInvoke(evaluateNetwork),
    FinalizeRun: lambdaInvoke(finalizeRun),
    ExportToSecurityHub: lambdaInvoke(exportSecurityHub),
    RecordSecurityHubFailure: lambdaInvoke(exportSecurityHub),
    FailRun: lambdaInvoke(failRun),
    ...(opts.handlers as Record<string, LocalHandler>),
  };
  const meter = opts.meter;
  if (meter)
    for (const [state, handler] of Object.entries(taskHandlers)) {
      taskHandlers[state] = async (input: JSONValue) => {
        const started = performance.now();
        try {
          return await handler(input);
        } finally {
          meter.invocation(state, performance.now() - started);
        }
      };
    }
  const runOptions = (): RunOptions => ({
    overrides: {
      taskResourceLocalHandlers: taskHandlers,
      // No wait is shortened: the collection is polled in real waits of the poll interval (1 s here).
      retryIntervalOverrides: Object.fromEntries(TASK_STATES.map((s) => [s, 0])),
    },
  });
  for (const [name, map] of h.distributedMaps) {
    taskHandlers[name] ??= distributedMapHandler(name, map, {
      s3Endpoint: h.s3.endpoint,
      runOptions,
      executionName: opts.executionName,
      ...(meter ? { onChild: (ms: number) => meter.child(ms) } : {}),
      onState: (e) => {
        const n = Math.max(jsonBytes(e.input), jsonBytes(e.output));
        if (n > payloads.largestChild)
          Object.assign(payloads, { largestChild: n, largestChildState: e.name });
      },
    });
  }
  const exec = h.machine.run(input as unknown as JSONValue, {
    ...runOptions(),
    context: {
      Execution: {
        Name: opts.executionName,
        Id: `arn:aws:states:us-east-1:111122223333:execution:AssessmentRun:${opts.executionName}`,
      },
    },
  });
  opts.onStarted?.({ abort: () => exec.abort() });
  const states: string[] = [];
  const logs = (async () => {
    for await (const e of exec.eventLogs) {
      if ((e.type === 'StateEntered' || e.type === 'StateExited') && 'state' in e) {
        const n = Math.max(jsonBytes(e.state.input), jsonBytes(e.state.output));
        if (n > payloads.largest) Object.assign(payloads, { largest: n, largestState: e.state.name });
      }
      if (e.type === 'StateRetried' && 'state' in e) meter?.transition(e.state.name);
      if (e.type === 'StateEntered' && 'state' in e) {
        meter?.transition(e.state.name);
        states.push(e.state.name);
        opts.onState?.(e.state.name);
      }
    }
  })();
  try {
    const output = await exec.result;
    await logs.catch(() => {});
    return { status: 'SUCCEEDED', output, states, payloads };
  } catch (err) {
    await logs.catch(() => {});
    const cause = (err as { cause?: { name?: string; message?: string } }).cause;
    return {
      status: (err as Error).name === 'ExecutionAbortedError' ? 'ABORTED' : 'FAILED',
      error: { name: cause?.name ?? (err as Error).name, message: cause?.message ?? (err as Error).message },
      states,
      payloads,
    };
  }
}

export { lifecycleDeps };
