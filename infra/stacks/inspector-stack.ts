/**
 * The deployable product: data stores under one KMS key, the agent distribution (artifacts, SSM document,
 * instance policy), one Lambda per assessment-run state and per control-plane operation group, the Standard
 * state machine (infra/constructs/assessment-run-state-machine.ts) with logging and tracing, EventBridge
 * Scheduler support, an alarm on failed runs and the outputs a user needs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  Arn,
  ArnFormat,
  CfnOutput,
  Duration,
  type RemovalPolicy,
  Size,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Validations } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { FEED_SYNC_LEASE_KEY } from '../../functions/adapters/aws/dynamo-feed-sync-lease';
import { LIFECYCLE_METRICS_SERVICE, METRICS_NAMESPACE } from '../../functions/adapters/aws/emf-metrics';
import { AGENT_ARTIFACT_ENV, AGENT_LEGACY_ARTIFACT_ENV, ENV } from '../../functions/adapters/aws/environment';
import type { AgentArchitecture } from '../../functions/core/run-lifecycle/agent-artifacts';
import { RECONCILED_EXECUTION_STATUSES } from '../../functions/core/run-lifecycle/reconcile-run';
import { CVE_PACKAGE_SIDE_BUNDLE, RULES_REGISTRY_SIDE_BUNDLE } from '../../functions/handlers/side-bundles';
import { CIS_DATA_FOLDER, CIS_SIDE_BUNDLE } from '../../functions/rules/cis/data';
import { REPO_ROOT } from '../../scripts/build-agent';
import { AgentDistribution } from '../constructs/agent-distribution';
import { AssessmentReports, REPORTS_FUNCTION_OPTIONS } from '../constructs/assessment-reports';
import { AssessmentRunStateMachine } from '../constructs/assessment-run-state-machine';
import {
  alarmNamePrefix,
  COMMAND_OUTPUT_PREFIX,
  DataStores,
  type TableName,
} from '../constructs/data-stores';
import { InspectorFunction } from '../constructs/inspector-function';
import { resourceEvidence } from '../constructs/nag-evidence';
import {
  grantNetworkConfigRead,
  NETWORK_REACHABILITY_SIZING,
} from '../constructs/network-reachability-function';
import { Scheduling } from '../constructs/scheduling';

/** The run-lifecycle Lambdas, one per state of the machine (handlers in functions/handlers/). */
export const LIFECYCLE_FUNCTIONS = {
  startRun: 'start-run',
  checkAgents: 'check-agents',
  dispatchCommands: 'dispatch-commands',
  pollCommands: 'poll-commands',
  evaluateInstance: 'evaluate-instance',
  evaluateNetwork: 'evaluate-network',
  finalizeRun: 'finalize-run',
  failRun: 'fail-run',
  reconcileRun: 'reconcile-run',
} as const;
export type LifecycleFunctionName = keyof typeof LIFECYCLE_FUNCTIONS;
export type LifecycleFunctions = Record<LifecycleFunctionName, lambda.IFunction>;

export const CONTROL_PLANE_DIR = 'functions/handlers/control-plane';
/** The cis package's data, copied beside the evaluate Lambda's index.js (functions/rules/cis/data.ts). */
export const CIS_BUNDLE_FILES = [
  { from: 'functions/rules/cis/rules.json', to: CIS_DATA_FOLDER },
  { from: 'functions/rules/cis/benchmarks/*.json', to: `${CIS_DATA_FOLDER}/benchmarks` },
];
export const FEED_SYNC_ENTRY = 'functions/handlers/feed-sync.ts';
/**
 * The feed-sync Lambda's size, from bench/feed-sync.ts (README, Benchmarks): a full-size sync (synthetic
 * exports at the real sources' record counts: OSV Debian 100,000 records / 109 MiB, Ubuntu 60,000 / 99 MiB,
 * AlmaLinux, Rocky, Alpine, Amazon Linux 2 and 2023, KEV, EPSS 330,000 rows) peaked at 944 MiB RSS and
 * 607 MB of V8 heap with a 2048 MiB heap limit (658 MiB and 363 MB with this 1536 MiB one), used 773 MiB of
 * /tmp and 51-74 s of CPU on this project's shared 2-core machine, and still completes with the heap capped
 * at 512 MiB (649 MiB RSS). Sized at about twice each figure, for growth and for what was not measured: 2048
 * MiB memory (about 1.2 vCPU; the sync is one thread), a 1536 MiB heap limit set explicitly rather than left
 * to V8's default, 2048 MiB /tmp. Not measured (the bench does not generate these sources): the Debian Security
 * Tracker, downloaded whole (~63 MB, an estimate) and parsed with one JSON.parse (peak memory unknown); NVD's 25
 * yearly JSON 2.0 files, each gzipped file downloaded whole into memory, then streamed into a table of every
 * CVE's score (peak memory, download and read time against the 15 minutes, /tmp use unknown); the optional
 * CVE List V5 zip (read whole). Each is synced alone (one source at a time). Before the advisories
 * were spilled to /tmp by release (functions/feeds/spill.ts) the same sync needed 1,748 MiB RSS and a 1.5 GB
 * heap (with a 1024 MiB heap limit: twice the CPU time, collecting garbage).
 */
export const FEED_SYNC_SIZING = { memoryMiB: 2048, heapMiB: 1536, ephemeralMiB: 2048 } as const;
/** Env names for the schedule group and scheduler role (not in environment.ts's ENV list yet). */
export const SCHEDULER_ENV = {
  scheduleGroupName: 'SCHEDULE_GROUP_NAME',
  schedulerRoleArn: 'SCHEDULER_ROLE_ARN',
} as const;

export interface InspectorStackProps extends StackProps {
  /**
   * Child executions of the Evaluate distributed Map at the same time (its MaxConcurrency; default 100), each
   * one Lambda invocation evaluating a batch of 25 instances, 5 at a time. Keep it under the account's Lambda
   * concurrency limit, less what other functions need.
   */
  evaluateConcurrency?: number;
  /**
   * Besides the stack's topic, the lifecycle publishes only to SNS topics of this account and region whose
   * name starts with this (default `inspector-`): templates subscribe such topics.
   */
  subscriberTopicPrefix?: string;
  /** KMS keys of SSE-encrypted template topics: the lifecycle may use them through SNS only. */
  subscriberTopicKeyArns?: string[];
  /** Ship the agent's single executables when built (default true). */
  includeAgentExecutables?: boolean;
  /** Limits overriding the defaults (LIMITS_JSON). */
  limits?: Record<string, unknown>;
  removalPolicy?: RemovalPolicy;
  /** FEED_SYNC_CONFIG of the feed-sync Lambda (mirrors, subset of sources). */
  feedSyncConfig?: Record<string, unknown>;
  /**
   * Send each completed run's findings to Security Hub (ExportToSecurityHub after FinalizeRun; default
   * false): off, the stack has neither the state nor the securityhub:BatchImportFindings permission.
   */
  securityHubExport?: boolean;
}

/** Control-plane handler files (those exporting `handler`; one Lambda per operation group), sorted. */
export function controlPlaneEntries(root: string = REPO_ROOT): string[] {
  const dir = path.join(root, CONTROL_PLANE_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .filter((f) =>
      /export\s+(const|async\s+function|function)\s+handler\b/.test(readFileSync(path.join(dir, f), 'utf8')),
    )
    .sort()
    .map((f) => `${CONTROL_PLANE_DIR}/${f}`);
}

export function pascalCase(kebab: string): string {
  return kebab
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

export class InspectorStack extends Stack {
  readonly data: DataStores;
  readonly agent: AgentDistribution;
  readonly lifecycle: Record<LifecycleFunctionName, InspectorFunction>;
  readonly controlPlane: Record<string, InspectorFunction> = {};
  readonly stateMachine: sfn.StateMachine;
  readonly scheduling: Scheduling;
  readonly feedSync: InspectorFunction;
  /** ExportToSecurityHub's function, when props.securityHubExport. */
  readonly securityHubExport?: InspectorFunction;
  private readonly subscriberTopicPrefix: string;
  private readonly subscriberTopicKeyArns: string[];

  constructor(scope: Construct, id: string, props: InspectorStackProps = {}) {
    super(scope, id, props);
    this.subscriberTopicPrefix = props.subscriberTopicPrefix ?? 'inspector-';
    this.subscriberTopicKeyArns = props.subscriberTopicKeyArns ?? [];
    const data = new DataStores(
      this,
      'Data',
      props.removalPolicy ? { removalPolicy: props.removalPolicy } : {},
    );
    this.data = data;
    const { key, tables, topic } = data;
    this.agent = new AgentDistribution(this, 'Agent', {
      telemetryBucket: data.telemetryBucket,
      key,
      includeExecutables: props.includeAgentExecutables ?? true,
    });

    const environment: Record<string, string> = {
      [ENV.targetsTable]: tables.targets.tableName,
      [ENV.templatesTable]: tables.templates.tableName,
      [ENV.runsTable]: tables.runs.tableName,
      [ENV.findingsTable]: tables.findings.tableName,
      [ENV.locksTable]: tables.locks.tableName,
      [ENV.suppressionsTable]: tables.suppressions.tableName,
      [ENV.idempotencyTable]: data.idempotencyTable.tableName,
      [ENV.telemetryBucket]: data.telemetryBucket.bucketName,
      [ENV.reportsBucket]: data.reportsBucket.bucketName,
      [ENV.feedBucket]: data.feedBucket.bucketName,
      [ENV.kmsKeyArn]: key.keyArn,
      [ENV.eventsTopicArn]: topic.topicArn,
      [ENV.agentDocumentName]: this.agent.document.ref,
      [ENV.commandOutputPrefix]: COMMAND_OUTPUT_PREFIX,
      ...(props.limits ? { [ENV.limitsJson]: JSON.stringify(props.limits) } : {}),
    };

    const fn = (
      cid: string,
      entry: string,
      description: string,
      service: string,
      extra: Partial<{
        memorySize: number;
        timeout: Duration;
        env: Record<string, string>;
        bundleFiles: Array<{ from: string; to: string }>;
        sideBundles: Array<{ entry: string; outfile: string }>;
      }> = {},
    ) =>
      new InspectorFunction(this, cid, {
        entry,
        description,
        key,
        serviceName: service,
        environment: { ...environment, ...(extra.env ?? {}) },
        ...(extra.memorySize ? { memorySize: extra.memorySize } : {}),
        ...(extra.timeout ? { timeout: extra.timeout } : {}),
        ...(extra.bundleFiles ? { bundleFiles: extra.bundleFiles } : {}),
        ...(extra.sideBundles ? { sideBundles: extra.sideBundles } : {}),
      });

    const L = LIFECYCLE_FUNCTIONS;
    const lc = (name: LifecycleFunctionName, description: string, extra: Parameters<typeof fn>[4] = {}) =>
      fn(
        pascalCase(L[name]),
        `functions/handlers/${L[name]}.ts`,
        description,
        'inspector-run-lifecycle',
        extra,
      );
    this.lifecycle = {
      startRun: lc(
        'startRun',
        'StartRun: resolve the target, enforce limits, lock instances, record the run',
      ),
      checkAgents: lc('checkAgents', 'CheckAgents: SSM agent health per instance, exclusions'),
      dispatchCommands: lc('dispatchCommands', 'Dispatch: SSM Run Command of the agent document in batches', {
        timeout: Duration.minutes(5),
        env: this.agentArtifactEnvironment(),
      }),
      pollCommands: lc('pollCommands', 'Poll: SSM command invocations until terminal or the deadline', {
        timeout: Duration.minutes(2),
      }),
      evaluateInstance: lc(
        'evaluateInstance',
        'Evaluate: decrypt one instance telemetry, run rules, write findings',
        {
          memorySize: 1769,
          timeout: Duration.minutes(5),
          // The cis package: its code and benchmark data are files beside index.js, loaded on first use
          // (functions/handlers/evaluate-instance.ts, functions/rules/cis/data.ts).
          bundleFiles: CIS_BUNDLE_FILES,
          sideBundles: [
            { entry: 'functions/rules/cis/index.ts', outfile: CIS_SIDE_BUNDLE },
            // The registry and its built-in packages: loaded on the first evaluation, out of index.js
            // (functions/handlers/evaluation-runtime.ts).
            { entry: 'functions/rules/registry.ts', outfile: RULES_REGISTRY_SIDE_BUNDLE },
            // The cve package over the feed bucket: loaded when a template first asks for cve.
            { entry: 'functions/handlers/cve-package-entry.ts', outfile: CVE_PACKAGE_SIDE_BUNDLE },
          ],
        },
      ),
      evaluateNetwork: lc(
        'evaluateNetwork',
        'Network reachability (EvaluateNetwork): once per run over the EC2 and ELB configuration, read-only',
        {
          memorySize: NETWORK_REACHABILITY_SIZING.memoryMiB,
          timeout: Duration.minutes(NETWORK_REACHABILITY_SIZING.timeoutMinutes),
        },
      ),
      finalizeRun: lc('finalizeRun', 'Finalize: counts by severity, final state, release locks, notify', {
        timeout: Duration.minutes(5),
        memorySize: 512,
      }),
      failRun: lc('failRun', 'FailRun: state FAILED, cancel commands, release locks, notify', {
        timeout: Duration.minutes(2),
      }),
      reconcileRun: lc(
        'reconcileRun',
        'ReconcileRun: end the run of an execution stopped, timed out or failed outside FailRun',
        { timeout: Duration.minutes(2) },
      ),
    };
    this.grantLifecycle();
    if (props.securityHubExport) {
      this.securityHubExport = fn(
        'ExportSecurityHub',
        'functions/handlers/export-security-hub.ts',
        'ExportToSecurityHub: the run findings as ASFF to Security Hub (BatchImportFindings), resolved ones archived',
        'inspector-run-lifecycle',
        {
          timeout: Duration.minutes(15),
          memorySize: 1024,
          env: {
            [ENV.securityHubAccountId]: this.account,
            [ENV.securityHubRegion]: this.region,
            [ENV.securityHubPartition]: this.partition,
          },
        },
      );
      this.grantSecurityHubExport(this.securityHubExport);
    }

    const l = this.lifecycle;
    const functions: LifecycleFunctions = {
      startRun: l.startRun.fn,
      checkAgents: l.checkAgents.fn,
      dispatchCommands: l.dispatchCommands.fn,
      pollCommands: l.pollCommands.fn,
      evaluateInstance: l.evaluateInstance.fn,
      evaluateNetwork: l.evaluateNetwork.fn,
      finalizeRun: l.finalizeRun.fn,
      failRun: l.failRun.fn,
      reconcileRun: l.reconcileRun.fn,
    };
    const stateMachine = new AssessmentRunStateMachine(this, 'AssessmentRun', {
      functions: {
        ...functions,
        ...(this.securityHubExport ? { exportSecurityHub: this.securityHubExport.fn } : {}),
      },
      logEncryptionKey: key,
      manifestBucket: data.telemetryBucket,
      manifestKey: key,
      ...(props.evaluateConcurrency !== undefined
        ? { evaluateMaxConcurrency: props.evaluateConcurrency }
        : {}),
    }).stateMachine;
    this.stateMachine = stateMachine;
    this.scheduling = new Scheduling(this, 'Scheduling', { stateMachine });
    // Named `<stack>-…`: the key policy lets this stack's alarms (by that name) use the key for the topic.
    const alarmName = (suffix: string) => `${alarmNamePrefix(this.stackName)}${suffix}`;
    const alarm = new cloudwatch.Alarm(this, 'FailedRunsAlarm', {
      alarmName: alarmName('failed-runs'),
      alarmDescription: 'An assessment run execution failed (the run is FAILED; see the execution history)',
      metric: stateMachine.metricFailed({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(topic));
    // Executions that end without FailRun (console stop, time limit, States.Runtime) leave their run active
    // and its instances locked: this rule ends the run (functions/core/run-lifecycle/reconcile-run.ts).
    new events.Rule(this, 'ReconcileEndedRuns', {
      description: 'End the assessment run of an execution that was aborted, timed out or failed',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [stateMachine.stateMachineArn],
          status: [...RECONCILED_EXECUTION_STATUSES],
        },
      },
      targets: [
        new eventsTargets.LambdaFunction(l.reconcileRun.fn, {
          retryAttempts: 10,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });
    // EventBridge delivers Step Functions status events best effort: a sweep ends what it missed.
    l.reconcileRun.fn.addEnvironment(ENV.stateMachineArn, stateMachine.stateMachineArn);
    stateMachine.grantRead(l.reconcileRun.fn);
    l.reconcileRun.acknowledgeWildcard(
      resourceEvidence(this, `${executionArnPrefix(this, stateMachine)}:*`),
      'describes the executions of the assessment state machine (one per run) to end runs whose execution ended; limited to that state machine.',
    );
    new events.Rule(this, 'SweepEndedRuns', {
      description: 'End assessment runs whose execution ended without a status event (best-effort delivery)',
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [new eventsTargets.LambdaFunction(l.reconcileRun.fn, { retryAttempts: 2 })],
    });
    const deliveryAlarm = new cloudwatch.Alarm(this, 'SubscriberDeliveryFailuresAlarm', {
      alarmName: alarmName('subscriber-delivery-failures'),
      alarmDescription:
        "Run events could not be delivered to a template's SNS topic (deleted, other region, key not usable); see lastDeliveryFailure on the run",
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'SubscriberDeliveryFailures',
        dimensionsMap: { service: LIFECYCLE_METRICS_SERVICE },
        period: Duration.minutes(15),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    deliveryAlarm.addAlarmAction(new cwActions.SnsAction(topic));
    // With the Security Hub export: findings Security Hub refused after the retries, or an export that failed
    // (the run still completes; securityHubExport on the run says what failed).
    const securityHubAlarm = this.securityHubExport
      ? new cloudwatch.Alarm(this, 'SecurityHubExportFailuresAlarm', {
          alarmName: alarmName('security-hub-export-failures'),
          alarmDescription:
            'Findings could not be sent to Security Hub (BatchImportFindings refused them after the retries, or the export failed); see securityHubExport on the run',
          metric: new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName: 'SecurityHubExportFailures',
            dimensionsMap: { service: LIFECYCLE_METRICS_SERVICE },
            period: Duration.minutes(15),
            statistic: cloudwatch.Stats.SUM,
          }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
      : undefined;
    securityHubAlarm?.addAlarmAction(new cwActions.SnsAction(topic));
    // enforceSSL gives the topic a policy with only a Deny, which replaces SNS's default policy: without an
    // Allow for cloudwatch.amazonaws.com the alarms could never notify. Scoped to these alarms
    // (aws:SourceArn) of this account (aws:SourceAccount), against the confused deputy.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisStacksAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnEquals: {
            'aws:SourceArn': [
              alarm.alarmArn,
              deliveryAlarm.alarmArn,
              ...(securityHubAlarm ? [securityHubAlarm.alarmArn] : []),
            ],
          },
        },
      }),
    );
    Validations.of(stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The assessment state machine traces to X-Ray (PutTraceSegments, GetSamplingRules...) and delivers execution logs (logs:CreateLogDelivery, PutResourcePolicy...): these actions accept only "*".',
    });
    {
      // The distributed Map starts, describes and stops its child executions (CDK's DistributedMapPolicy).
      const executions = executionArnPrefix(this, stateMachine);
      for (const arn of [`${executions}:*`, `${executions}/*:*`]) {
        Validations.of(stateMachine).acknowledge({
          id: `AwsSolutions-IAM5[${resourceEvidence(this, arn)}]`,
          reason:
            "The assessment state machine's distributed Map (Evaluate) runs one child execution per batch of instances, named at run time: its policy covers that state machine's own executions and their children only.",
        });
      }
      // It reads each run's manifest and writes the Map's results under manifests/ of the telemetry bucket.
      Validations.of(stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[${resourceEvidence(this, data.telemetryBucket.arnForObjects('manifests/*'))}]`,
        reason:
          "The AssessmentRun state machine's Evaluate distributed Map reads each run's manifest (manifests/<runId>/evaluate.json, ItemReader) and writes its results beside it (ResultWriter): keys carry run ids known only at run time; the telemetry itself is not readable.",
      });
    }
    const invoked = {
      ...this.lifecycle,
      ...(this.securityHubExport ? { exportSecurityHub: this.securityHubExport } : {}),
    };
    for (const [name, f] of Object.entries(invoked)) {
      Validations.of(stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[${resourceEvidence(this, `${f.fn.functionArn}:*`)}]`,
        reason: `The state machine invokes ${name} through LambdaInvoke, whose policy also covers the function's versions and aliases (<arn>:*) of that one function.`,
      });
    }
    new CfnOutput(this, 'StateMachineArn', {
      value: stateMachine.stateMachineArn,
      description: 'Start runs here with {"templateId": "..."}',
    });
    new CfnOutput(this, 'ScheduleGroupName', { value: this.scheduling.group.scheduleGroupName });
    new CfnOutput(this, 'SchedulerRoleArn', { value: this.scheduling.role.roleArn });
    for (const entry of controlPlaneEntries()) {
      const base = path.basename(entry, '.ts');
      const cp = fn(
        `ControlPlane${pascalCase(base)}`,
        entry,
        `Control plane: ${base} operations`,
        'inspector-control-plane',
        {
          // targets also computes exclusions previews (EC2 and SSM over a whole target) asynchronously.
          timeout: base === 'targets' ? Duration.minutes(5) : Duration.seconds(30),
          memorySize: 512,
          // reports renders HTML and PDF reports asynchronously (infra/constructs/assessment-reports.ts).
          ...(base === 'reports' ? REPORTS_FUNCTION_OPTIONS : {}),
          env: {
            ...(this.stateMachine ? { [ENV.stateMachineArn]: this.stateMachine.stateMachineArn } : {}),
            ...(this.scheduling
              ? {
                  [SCHEDULER_ENV.scheduleGroupName]: this.scheduling.group.scheduleGroupName,
                  [SCHEDULER_ENV.schedulerRoleArn]: this.scheduling.role.roleArn,
                }
              : {}),
          },
        },
      );
      this.controlPlane[base] = cp;
      // The reports function's permissions are AssessmentReports' (below), not a group's defaults.
      if (base !== 'reports') this.grantControlPlane(base, cp);
      new CfnOutput(this, `ControlPlane${pascalCase(base)}FunctionName`, {
        value: cp.fn.functionName,
        description: `inspector CLI: ${base} operations (lambda:InvokeFunction)`,
      });
    }

    if (this.controlPlane.reports) {
      new AssessmentReports(this, 'AssessmentReports', {
        data,
        reports: this.controlPlane.reports,
        evaluateInstance: this.lifecycle.evaluateInstance,
        ...(this.controlPlane.runs ? { runs: this.controlPlane.runs } : {}),
      });
    }

    // Sizing and permissions as functions/handlers/feed-sync.ts documents them.
    const feed = new InspectorFunction(this, 'FeedSync', {
      entry: FEED_SYNC_ENTRY,
      description:
        'Daily vulnerability feed sync into the feed bucket (feeds/<generation>/, then CURRENT.json)',
      key,
      serviceName: 'inspector-feed-sync',
      environment: {
        [ENV.feedBucket]: data.feedBucket.bucketName,
        [ENV.locksTable]: tables.locks.tableName,
        ...(props.feedSyncConfig ? { [ENV.feedSyncConfig]: JSON.stringify(props.feedSyncConfig) } : {}),
      },
      timeout: Duration.minutes(15),
      // Measured, see FEED_SYNC_SIZING.
      memorySize: FEED_SYNC_SIZING.memoryMiB,
      ephemeralStorageSize: Size.mebibytes(FEED_SYNC_SIZING.ephemeralMiB),
      // No reserved concurrency: Lambda refuses a reservation that leaves the account fewer unreserved
      // executions than its minimum (100; "You can reserve up to the Unreserved account concurrency value
      // ... minus 100", Lambda Developer Guide, configuration-concurrency), and new accounts often have a
      // limit of 10 or 50, so CREATE would fail. Single flight is a lease item in the locks table instead
      // (functions/core/feeds-cloud/sync-lease.ts).
    });
    feed.fn.addEnvironment(
      'NODE_OPTIONS',
      `--enable-source-maps --max-old-space-size=${FEED_SYNC_SIZING.heapMiB}`,
    );
    this.grantObjects(
      feed,
      data.feedBucket,
      'feeds/',
      ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      true,
      'publishes feed generations and deletes old ones',
    );
    // The lease item only: the role cannot read or write instance locks.
    feed.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SingleFlightLease',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [tables.locks.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [FEED_SYNC_LEASE_KEY] } },
      }),
    );
    key.grant(feed.fn, 'kms:Decrypt', 'kms:GenerateDataKey');
    new events.Rule(this, 'DailyFeedSync', {
      description: 'Refresh the vulnerability feeds once a day',
      schedule: events.Schedule.cron({ minute: '17', hour: '3' }),
      targets: [new eventsTargets.LambdaFunction(feed.fn, { retryAttempts: 2 })],
    });
    new CfnOutput(this, 'FeedSyncFunctionName', {
      value: feed.fn.functionName,
      description: 'Run it once after deploy to fetch the feeds',
    });
    this.feedSync = feed;

    const out = (oid: string, value: string, description?: string) =>
      new CfnOutput(this, oid, { value, ...(description ? { description } : {}) });
    out(
      'EventsTopicArn',
      topic.topicArn,
      'Run events (ASSESSMENT_RUN_STARTED, ..._STATE_CHANGED, FINDING_REPORTED, ..._COMPLETED)',
    );
    out('KmsKeyArn', key.keyArn);
    out('TelemetryBucketName', data.telemetryBucket.bucketName);
    out('ReportsBucketName', data.reportsBucket.bucketName);
    out('FeedBucketName', data.feedBucket.bucketName);
    out('AccessLogsBucketName', data.accessLogsBucket.bucketName);
    for (const [name, table] of Object.entries(tables)) out(`${pascalCase(name)}TableName`, table.tableName);
    out('IdempotencyTableName', data.idempotencyTable.tableName);
    out('AgentDocumentName', this.agent.document.ref, 'SSM Command document of the agent');
    out(
      'AgentInstancePolicyArn',
      this.agent.instancePolicy.managedPolicyArn,
      'Attach to the instance role of assessed instances',
    );
    for (const a of this.agent.artifacts) {
      out(
        `AgentArtifact${pascalCase(a.kind)}`,
        `${a.asset.s3ObjectKey} sha256:${a.sha256}`,
        `agentKey/agentSha256 for ${a.kind}`,
      );
    }
  }

  /**
   * Dispatch's per-architecture artifact (agentKey/agentSha256 of each instance architecture) and the
   * assets bucket it pre-signs the artifacts' download URLs in (agentUrl/legacyAgentUrl).
   */
  private agentArtifactEnvironment(): Record<string, string> {
    const env: Record<string, string> = {
      [ENV.agentArtifactBucket]: this.agent.defaultArtifact.asset.s3BucketName,
    };
    for (const [arch, names] of Object.entries(AGENT_ARTIFACT_ENV) as Array<
      [AgentArchitecture, (typeof AGENT_ARTIFACT_ENV)[AgentArchitecture]]
    >) {
      const artifact = this.agent.byArchitecture[arch];
      env[names.key] = artifact.asset.s3ObjectKey;
      env[names.sha256] = artifact.sha256;
      // The legacy artifact (glibc 2.17+) the document runs instead on hosts with glibc < 2.28, when built.
      const legacy = this.agent.legacyByArchitecture[arch];
      if (legacy) {
        env[AGENT_LEGACY_ARTIFACT_ENV[arch].key] = legacy.asset.s3ObjectKey;
        env[AGENT_LEGACY_ARTIFACT_ENV[arch].sha256] = legacy.sha256;
      }
    }
    return env;
  }

  /** DynamoDB grant with the IAM5 acknowledgements it needs (index ARNs, the CMK's action groups). */
  private grantTable(
    target: InspectorFunction,
    name: TableName | 'idempotency',
    access: 'read' | 'write',
  ): void {
    const table = name === 'idempotency' ? this.data.idempotencyTable : this.data.tables[name];
    if (access === 'read') table.grantReadData(target.fn);
    else table.grantReadWriteData(target.fn);
    const hasIndexes = name === 'runs' || name === 'findings';
    if (hasIndexes) {
      target.acknowledgeWildcard(
        resourceEvidence(this, `${table.tableArn}/index/*`),
        `queries the ${name} table's global secondary indexes (table-design.ts), whose ARNs are the table ARN + /index/<name>.`,
      );
    }
    if (access === 'write') {
      const why = `DynamoDB encrypts the ${name} table with the stack's customer-managed key; writing needs the key's data-key and re-encrypt action groups, on that one key only.`;
      target.acknowledgeWildcard('Action::kms:ReEncrypt*', why);
      target.acknowledgeWildcard('Action::kms:GenerateDataKey*', why);
    }
  }

  /** S3 object access under one prefix, with explicit actions (no s3:* groups) and the key actions it needs. */
  private grantObjects(
    target: InspectorFunction,
    bucket: s3.IBucket,
    prefix: string,
    actions: Array<'s3:GetObject' | 's3:PutObject' | 's3:DeleteObject'>,
    list: boolean,
    purpose: string,
  ): void {
    target.role.addToPolicy(
      new iam.PolicyStatement({ actions, resources: [bucket.arnForObjects(`${prefix}*`)] }),
    );
    if (list) {
      target.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
        }),
      );
    }
    const keyActions = actions.includes('s3:PutObject')
      ? ['kms:Decrypt', 'kms:GenerateDataKey']
      : ['kms:Decrypt'];
    this.data.key.grant(target.fn, ...keyActions);
    target.acknowledgeWildcard(
      resourceEvidence(this, bucket.arnForObjects(`${prefix}*`)),
      `${purpose}: object keys under ${prefix} carry run and instance ids known only at run time.`,
    );
  }

  private publish(target: InspectorFunction): void {
    const stack = Stack.of(this);
    this.data.topic.grantPublish(target.fn);
    // Every stack-topic event also goes to the account's default event bus (eventbridge-notifier.ts).
    target.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PutRunEventsOnDefaultBus',
        actions: ['events:PutEvents'],
        resources: [`arn:${stack.partition}:events:${stack.region}:${stack.account}:event-bus/default`],
      }),
    );
    const prefix = this.subscriberTopicPrefix;
    const templateTopics = `arn:${stack.partition}:sns:${stack.region}:${stack.account}:${prefix}*`;
    target.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PublishToTemplateTopics',
        actions: ['sns:Publish'],
        resources: [templateTopics],
      }),
    );
    target.acknowledgeWildcard(
      resourceEvidence(this, templateTopics),
      `publishes run events to the SNS topics templates subscribe per event (Classic's subscribe-to-event), chosen by users at run time: only topics of this account and region named ${prefix}… (-c inspector:subscriberTopicPrefix).`,
    );
    // SSE-KMS template topics: SNS needs the publisher to be allowed GenerateDataKey and Decrypt on the
    // topic's key (-c inspector:subscriberTopicKeyArns); through SNS only.
    if (this.subscriberTopicKeyArns.length > 0) {
      target.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'UseTemplateTopicKeysThroughSns',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: this.subscriberTopicKeyArns,
          conditions: { StringEquals: { 'kms:ViaService': `sns.${stack.region}.${stack.urlSuffix}` } },
        }),
      );
    }
  }

  private grantLifecycle(): void {
    const { telemetryBucket, reportsBucket, feedBucket } = this.data;
    const f = this.lifecycle;
    const stack = Stack.of(this);

    this.grantTable(f.startRun, 'templates', 'read');
    this.grantTable(f.startRun, 'targets', 'read');
    this.grantTable(f.startRun, 'runs', 'write');
    this.grantTable(f.startRun, 'locks', 'write');
    f.startRun.allowOnAnyResource('DescribeInstancesOfTheTarget', ['ec2:DescribeInstances']);
    this.publish(f.startRun);

    this.grantTable(f.checkAgents, 'runs', 'write');
    f.checkAgents.allowOnAnyResource('ReadAgentHealth', ['ssm:DescribeInstanceInformation']);
    this.publish(f.checkAgents);

    this.grantTable(f.dispatchCommands, 'runs', 'write');
    this.grantTable(f.dispatchCommands, 'templates', 'read');
    // The document's targetType is /AWS::EC2::Instance: EC2 instances are the only targets.
    const instances = `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:instance/*`;
    f.dispatchCommands.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SendTheAgentDocumentOnly',
        actions: ['ssm:SendCommand'],
        resources: [
          `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:document/${this.agent.document.ref}`,
          instances,
        ],
      }),
    );
    f.dispatchCommands.acknowledgeWildcard(
      resourceEvidence(this, instances),
      'SendCommand names the instances of the run, resolved from tags at run time; the document is pinned to the agent document, so only it can be sent.',
    );
    // A retried Dispatch finds the command an earlier attempt sent (ListCommands has no resource-level scope).
    // It also cancels a batch's extra command, or one sent after the run was ended from outside.
    f.dispatchCommands.allowOnAnyResource('FindAndCancelItsCommands', [
      'ssm:ListCommands',
      'ssm:CancelCommand',
    ]);
    // The pre-signed URLs it passes to instances carry this read, of exactly the agent artifacts' objects.
    f.dispatchCommands.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PresignAgentArtifactDownloads',
        actions: ['s3:GetObject'],
        resources: this.agent.artifactObjectArns,
      }),
    );
    this.publish(f.dispatchCommands);

    this.grantTable(f.pollCommands, 'runs', 'write');
    f.pollCommands.allowOnAnyResource('ReadCommandInvocations', [
      'ssm:ListCommandInvocations',
      'ssm:ListCommands',
      'ssm:GetCommandInvocation',
      'ssm:CancelCommand',
    ]);
    this.publish(f.pollCommands);

    this.grantTable(f.evaluateInstance, 'runs', 'write');
    this.grantTable(f.evaluateInstance, 'findings', 'write');
    this.grantTable(f.evaluateInstance, 'templates', 'read');
    // Waivers: the findings it writes are marked with the suppression rules in force (read only).
    this.grantTable(f.evaluateInstance, 'suppressions', 'read');
    this.grantTable(f.evaluateInstance, 'idempotency', 'write');
    this.grantObjects(
      f.evaluateInstance,
      telemetryBucket,
      'telemetry/',
      ['s3:GetObject'],
      false,
      'reads the telemetry of the instance it evaluates',
    );
    this.grantObjects(
      f.evaluateInstance,
      feedBucket,
      'feeds/',
      ['s3:GetObject'],
      true,
      'reads the vulnerability feed index',
    );
    this.publish(f.evaluateInstance);

    this.grantTable(f.evaluateNetwork, 'runs', 'write');
    this.grantTable(f.evaluateNetwork, 'findings', 'write');
    // Waivers: the findings it writes are marked with the suppression rules in force (read only).
    this.grantTable(f.evaluateNetwork, 'suppressions', 'read');
    grantNetworkConfigRead(f.evaluateNetwork);
    this.publish(f.evaluateNetwork);

    this.grantTable(f.finalizeRun, 'runs', 'write');
    this.grantTable(f.finalizeRun, 'findings', 'read');
    this.grantTable(f.finalizeRun, 'templates', 'read');
    this.grantTable(f.finalizeRun, 'locks', 'write');
    this.grantObjects(
      f.finalizeRun,
      reportsBucket,
      'reports/',
      ['s3:GetObject', 's3:PutObject'],
      false,
      'writes the run report',
    );
    this.publish(f.finalizeRun);

    this.grantTable(f.failRun, 'runs', 'write');
    this.grantTable(f.failRun, 'templates', 'read');
    this.grantTable(f.failRun, 'locks', 'write');
    f.failRun.allowOnAnyResource('CancelRunCommands', ['ssm:CancelCommand']);
    this.publish(f.failRun);

    this.grantTable(f.reconcileRun, 'runs', 'write');
    this.grantTable(f.reconcileRun, 'templates', 'read');
    this.grantTable(f.reconcileRun, 'locks', 'write');
    f.reconcileRun.allowOnAnyResource('CancelRunCommands', ['ssm:CancelCommand']);
    this.publish(f.reconcileRun);
  }

  /**
   * ExportToSecurityHub: BatchImportFindings into this account's default product only, read access to the
   * runs table (the run, its instances, the template's earlier runs by the byTemplate index) and the findings
   * table, and UpdateItem on the runs table for the run's securityHubExport record.
   */
  private grantSecurityHubExport(target: InspectorFunction): void {
    const stack = Stack.of(this);
    target.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ImportFindingsToTheDefaultProduct',
        actions: ['securityhub:BatchImportFindings'],
        resources: [
          `arn:${stack.partition}:securityhub:${stack.region}:${stack.account}:product/${stack.account}/default`,
        ],
      }),
    );
    this.grantTable(target, 'runs', 'read');
    this.grantTable(target, 'findings', 'read');
    target.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RecordTheExportOnTheRun',
        actions: ['dynamodb:UpdateItem'],
        resources: [this.data.tables.runs.tableArn],
      }),
    );
    this.data.key.grant(target.fn, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
  }

  /** Control-plane grants by operation group (file name); an unknown group gets read access only. */
  private grantControlPlane(group: string, target: InspectorFunction): void {
    const g = group.toLowerCase();
    const known = ['target', 'template', 'run', 'finding'].some((k) => g.includes(k));
    if (g.includes('target')) {
      this.grantTable(target, 'targets', 'write');
      this.grantTable(target, 'templates', 'read');
      // preview-agents: instances of a target and their SSM agent health.
      target.allowOnAnyResource('PreviewAgents', [
        'ec2:DescribeInstances',
        'ssm:DescribeInstanceInformation',
      ]);
      // create-exclusions-preview: the previews (PREVIEW#<templateId> items of the runs table), the active
      // runs and the instance locks; the preview is computed by an asynchronous invocation of this function,
      // allowed in a policy of its own (in the role's default policy the function's ARN makes a cycle).
      this.grantTable(target, 'runs', 'write');
      this.grantTable(target, 'locks', 'read');
      new iam.Policy(target, 'InvokeSelfPolicy', {
        roles: [target.role],
        statements: [
          new iam.PolicyStatement({
            sid: 'ComputeExclusionsPreview',
            actions: ['lambda:InvokeFunction'],
            resources: [target.fn.functionArn],
          }),
        ],
      });
    }
    if (g.includes('template')) {
      this.grantTable(target, 'templates', 'write');
      this.grantTable(target, 'targets', 'read');
      this.grantTable(target, 'runs', 'read');
      this.scheduling.grantManageSchedules(target.fn);
      target.acknowledgeWildcard(
        resourceEvidence(this, this.scheduling.scheduleArns),
        'creates and deletes the schedules of templates, named after template ids at run time, inside the stack schedule group only.',
      );
    }
    if (g.includes('run')) {
      this.grantTable(target, 'runs', 'write');
      this.grantTable(target, 'findings', 'write');
      this.grantTable(target, 'locks', 'write');
      this.grantTable(target, 'templates', 'read');
      this.grantTable(target, 'targets', 'read');
      this.grantObjects(
        target,
        this.data.telemetryBucket,
        'telemetry/',
        ['s3:GetObject', 's3:DeleteObject'],
        true,
        'deletes the telemetry of a deleted run',
      );
      this.grantObjects(
        target,
        this.data.telemetryBucket,
        'manifests/',
        ['s3:GetObject', 's3:DeleteObject'],
        true,
        'deletes the evaluation manifest and the Evaluate Map results of a deleted run',
      );
      this.grantObjects(
        target,
        this.data.reportsBucket,
        'reports/',
        ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        true,
        'renders and deletes run reports',
      );
      this.publish(target);
      target.allowOnAnyResource('CancelRunCommands', ['ssm:CancelCommand']);
      // start-assessment-run resolves the target's instances before it starts the execution.
      target.allowOnAnyResource('ResolveTargetInstances', ['ec2:DescribeInstances']);
      this.stateMachine.grantStartExecution(target.fn);
      this.stateMachine.grantRead(target.fn);
      this.stateMachine.grantExecution(target.fn, 'states:StopExecution');
      const executions = executionArnPrefix(this, this.stateMachine);
      target.acknowledgeWildcard(
        resourceEvidence(this, `${executions}:*`),
        'describes and stops executions of the assessment state machine (one per run, named at start); limited to that state machine.',
      );
    }
    if (g.includes('finding')) {
      this.grantTable(target, 'findings', 'write');
      this.grantTable(target, 'runs', 'read');
      // Suppression rules (create/list/delete) and their audit log, which no one may change or delete.
      this.grantTable(target, 'suppressions', 'write');
      target.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'SuppressionAuditAppendOnly',
          effect: iam.Effect.DENY,
          actions: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
          resources: [this.data.tables.suppressions.tableArn],
          conditions: { 'ForAnyValue:StringEquals': { 'dynamodb:LeadingKeys': ['AUDIT'] } },
        }),
      );
      // Suppression rules matching an instance tag: the running instances that carry it.
      target.allowOnAnyResource('SuppressionInstanceTags', ['ec2:DescribeInstances']);
    }
    if (!known) {
      for (const name of Object.keys(this.data.tables) as TableName[]) this.grantTable(target, name, 'read');
    }
  }
}

/** arn:…:states:REGION:ACCOUNT:execution:<state machine name> (append :<execution name>). */
function executionArnPrefix(scope: Construct, stateMachine: sfn.StateMachine): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'execution',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    resourceName: Arn.split(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName,
  });
}
