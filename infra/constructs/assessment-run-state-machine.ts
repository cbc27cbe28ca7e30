/**
 * The assessment run as a Standard Step Functions state machine:
 *
 *   StartRun → CheckAgents → DispatchCommands → WaitBeforePoll → PollCommands → CollectionDone?
 *     ⟲ (not done: WaitBeforePoll again)
 *     → SkipEvaluation? → Evaluate (distributed Map over the run's S3 manifest, batches of 25 instances, one
 *       Express child execution each: EvaluateInstances; results to S3)
 *     → EvaluateNetwork (once per run, when functions.evaluateNetwork is given; its failure → RecordNetworkFailure)
 *     → FinalizeRun → ExportToSecurityHub (when functions.exportSecurityHub is given; its failure →
 *       RecordSecurityHubFailure, whose own failure is ignored: the run is already COMPLETED) → RunFinished
 *   any task's error → FailRun → RunFailed (the execution fails with the original error)
 *
 * There is no wait for the whole duration: the collection window is polled in bounded waits
 * ($.waitSeconds, at most the poll interval), so a stop takes effect within one poll interval in every state.
 * An instance whose evaluation still fails after its retries becomes an EVALUATION_ERROR exclusion (the batch
 * Lambda records it, evaluate-batch.ts): one bad instance never fails the run; an instance a failed child left
 * PENDING is excluded by FinalizeRun.
 * Executions that end outside FailRun (console stop, timeout, States.Runtime) are reconciled by the
 * ReconcileRun rule of the stack.
 *
 * Started with `{"templateId": "..."}` (console, CLI, EventBridge Scheduler); the run id derives from the
 * execution name unless the input gives `runId`. The data passed between states holds ids, counts and the
 * manifest's location only: its size does not grow with the fleet (a 10,000-instance run's states stay under
 * 1 KB; test/integration/run-lifecycle/fleet-10000.test.ts).
 */
import { Aws, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';

export interface AssessmentRunFunctions {
  startRun: lambda.IFunction;
  checkAgents: lambda.IFunction;
  dispatchCommands: lambda.IFunction;
  pollCommands: lambda.IFunction;
  evaluateInstance: lambda.IFunction;
  finalizeRun: lambda.IFunction;
  failRun: lambda.IFunction;
  /** Network reachability, once per run after Evaluate (network-reachability-function.ts). */
  evaluateNetwork?: lambda.IFunction;
  /**
   * Security Hub export after FinalizeRun (-c inspector:securityHubExport=true). Its failure never fails the
   * run: the catch (RecordSecurityHubFailure, the same Lambda) records it and the execution succeeds.
   */
  exportSecurityHub?: lambda.IFunction;
}

export interface AssessmentRunStateMachineProps {
  functions: AssessmentRunFunctions;
  /**
   * The bucket of the runs' evaluation manifests (manifests/<runId>/evaluate.json, written by PollCommands)
   * and of the Evaluate Map's results (manifests/<runId>/evaluate-results/...): the telemetry bucket.
   */
  manifestBucket: s3.IBucket;
  /** The bucket's KMS key (SSE-KMS): the state machine decrypts the manifest and encrypts the results. */
  manifestKey?: kms.IKey;
  /**
   * Child executions of the Evaluate Map at the same time (default DEFAULT_EVALUATE_CONCURRENCY), each one
   * Lambda invocation evaluating a batch: keep it below the account's Lambda concurrency limit (Service
   * Quotas), less what the other functions need; throttled invocations are retried (throttle retry) but a
   * run then takes longer. Instances in flight: this × 5 (evaluate-batch.ts evaluates 5 at a time).
   */
  evaluateMaxConcurrency?: number;
  /** Instances per child execution (default EVALUATE_BATCH_SIZE). */
  evaluateBatchSize?: number;
  /** Key for the execution log group (the stack's key). */
  logEncryptionKey?: kms.IKey;
  logRetention?: logs.RetentionDays;
  stateMachineName?: string;
}

/** Instances evaluated at the same time by default (`-c inspector:evaluateConcurrency=N` changes it). */
export const STATE_MACHINE_LOG_GROUP_PREFIX = '/aws/vendedlogs/states/';

/** Child executions (batch Lambdas) at the same time: 100 × 5 instances in flight. */
export const DEFAULT_EVALUATE_CONCURRENCY = 100;
/** Instances per child execution of the Evaluate Map (ItemBatcher MaxItemsPerBatch). */
export const EVALUATE_BATCH_SIZE = 25;
/** ItemBatcher MaxInputBytesPerBatch (a child's input is at most 256 KB). */
export const EVALUATE_BATCH_MAX_BYTES = 64 * 1024;
/**
 * Failed child executions the Evaluate Map tolerates, in percent of its items: all. A child that fails for
 * good (its Lambda timing out on every attempt, the Express child's 5 minutes spent) never fails the run:
 * FinalizeRun turns the instances it left PENDING into EVALUATION_ERROR exclusions, so the run ends
 * COMPLETED_WITH_ERRORS with every instance evaluated or excluded, and says which and why. (A lower
 * threshold would fail a small run, whose one batch is 100% of it, for one instance's timeout.)
 */
export const EVALUATE_TOLERATED_FAILURE_PERCENTAGE = 100;

/** Where manifests and the Map's results live in the manifest bucket (functions/ports/evaluation-manifests.ts). */
export const MANIFESTS_PREFIX = 'manifests/';

/** The manifest read by S3 JSON ItemReader; the state machine may read manifests/* only (not telemetry). */
class ManifestItemReader extends sfn.S3JsonItemReader {
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(`${MANIFESTS_PREFIX}*`)],
      }),
    ];
  }
}

/** The Map's ResultWriter: what Step Functions needs to write its results, under manifests/* only. */
class ManifestResultWriter extends sfn.ResultWriterV2 {
  override providePolicyStatements(): iam.PolicyStatement[] {
    if (!this.bucket) return [];
    return [
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [this.bucket.arnForObjects(`${MANIFESTS_PREFIX}*`)],
      }),
    ];
  }
}

/**
 * Lambda throttling (the account's concurrency, as low as 10 in new accounts, shared by every function): a
 * long, jittered backoff instead of the 3 attempts of other errors. Inline: up to ~16 minutes in all (5 s,
 * doubling, at most 2 minutes apart, 12 attempts; full jitter makes the expected wait half of that). In a
 * distributed Map's Express child (5 minutes at most) the evaluation's retries stay within ~4 minutes.
 */
export const THROTTLE_RETRY = {
  errors: ['Lambda.TooManyRequestsException'],
  interval: Duration.seconds(5),
  maxAttempts: 12,
  backoffRate: 2,
  maxDelay: Duration.minutes(2),
  jitterStrategy: sfn.JitterType.FULL,
} satisfies sfn.RetryProps;
export const EXPRESS_CHILD_THROTTLE_RETRY = {
  ...THROTTLE_RETRY,
  interval: Duration.seconds(3),
  maxAttempts: 8,
  maxDelay: Duration.seconds(45),
} satisfies sfn.RetryProps;

/** Errors that retrying cannot fix: the run's input, template, target or limits. */
export const NON_RETRYABLE_ERRORS = [
  'InvalidInputError',
  'TemplateNotFoundError',
  'NoMatchingInstancesError',
  'LimitExceededError',
  'RunConflictError',
  'RunNotFoundError',
];

export class AssessmentRunStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AssessmentRunStateMachineProps) {
    super(scope, id);
    // ResultWriterV2 renders only under this feature flag (otherwise the Map would silently have no
    // ResultWriter and return every child's output into the state): set for this construct's scope.
    this.node.setContext(cxapi.STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
    const f = props.functions;

    const invoke = (
      name: string,
      fn: lambda.IFunction,
      payload?: sfn.TaskInput,
      extraRetries: sfn.RetryProps[] = [],
      throttle: sfn.RetryProps = THROTTLE_RETRY,
      timeout?: Duration,
    ): tasks.LambdaInvoke => {
      const task = new tasks.LambdaInvoke(this, name, {
        stateName: name,
        lambdaFunction: fn,
        ...(payload ? { payload } : {}),
        ...(timeout ? { taskTimeout: sfn.Timeout.duration(timeout) } : {}),
        outputPath: '$.Payload',
        retryOnServiceExceptions: true,
      });
      task.addRetry({ errors: NON_RETRYABLE_ERRORS, maxAttempts: 0 });
      for (const retry of extraRetries) task.addRetry(retry);
      // Lambda's account concurrency throttles a wide Map: wait it out rather than spend the 3 retries.
      task.addRetry(throttle);
      task.addRetry({
        errors: [sfn.Errors.ALL],
        interval: Duration.seconds(2),
        maxAttempts: 3,
        backoffRate: 2,
        jitterStrategy: sfn.JitterType.FULL,
      });
      return task;
    };

    const failRun = new tasks.LambdaInvoke(this, 'FailRun', {
      stateName: 'FailRun',
      lambdaFunction: f.failRun,
      payload: sfn.TaskInput.fromObject({
        state: sfn.JsonPath.entirePayload,
        executionName: sfn.JsonPath.stringAt('$$.Execution.Name'),
      }),
      outputPath: '$.Payload',
      retryOnServiceExceptions: true,
    });
    failRun.addRetry(THROTTLE_RETRY);
    failRun.addRetry({
      errors: [sfn.Errors.ALL],
      interval: Duration.seconds(2),
      maxAttempts: 5,
      backoffRate: 2,
    });
    failRun.next(
      new sfn.Fail(this, 'RunFailed', { stateName: 'RunFailed', errorPath: '$.Error', causePath: '$.Cause' }),
    );

    const catchTo = <T extends tasks.LambdaInvoke | sfn.DistributedMap>(state: T): T => {
      state.addCatch(failRun, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
      return state;
    };

    const startRun = catchTo(
      invoke(
        'StartRun',
        f.startRun,
        sfn.TaskInput.fromObject({
          input: sfn.JsonPath.entirePayload,
          executionName: sfn.JsonPath.stringAt('$$.Execution.Name'),
        }),
      ),
    );
    const checkAgents = catchTo(invoke('CheckAgents', f.checkAgents));
    const dispatch = catchTo(invoke('DispatchCommands', f.dispatchCommands));
    const poll = catchTo(invoke('PollCommands', f.pollCommands));
    const waitBeforePoll = new sfn.Wait(this, 'WaitBeforePoll', {
      stateName: 'WaitBeforePoll',
      time: sfn.WaitTime.secondsPath('$.waitSeconds'),
    });

    // Evaluate: a distributed Map over the S3 manifest PollCommands wrote (a JSON array of instance ids),
    // in batches of EVALUATE_BATCH_SIZE instances, one Express child execution (one Lambda invocation) per
    // batch; the Map's results go to S3 (ResultWriter), not into the state. The batch Lambda isolates each
    // instance's failure (its retries, then its exclusion: evaluate-batch.ts); a child that fails for good
    // (its Lambda timing out on every attempt, the child's 5 minutes spent) is tolerated
    // (EVALUATE_TOLERATED_FAILURE_PERCENTAGE), and FinalizeRun turns the instances it left PENDING into
    // EVALUATION_ERROR exclusions.
    const evaluateBatch = invoke(
      'EvaluateInstances',
      f.evaluateInstance,
      undefined,
      [],
      EXPRESS_CHILD_THROTTLE_RETRY,
      // The evaluate Lambda's own timeout, within the Express child's 5 minutes.
      Duration.minutes(5),
    );
    const evaluate = new sfn.DistributedMap(this, 'Evaluate', {
      stateName: 'Evaluate',
      itemReader: new ManifestItemReader({
        bucket: props.manifestBucket,
        key: sfn.JsonPath.stringAt('$.manifest.key'),
      }),
      itemSelector: { instanceId: sfn.JsonPath.stringAt('$$.Map.Item.Value') },
      itemBatcher: new sfn.ItemBatcher({
        maxItemsPerBatch: props.evaluateBatchSize ?? EVALUATE_BATCH_SIZE,
        // Far above a batch of instance ids (~40 bytes each): a bound, not a constraint.
        maxInputBytesPerBatch: EVALUATE_BATCH_MAX_BYTES,
        batchInput: { 'runId.$': '$.runId' },
      }),
      resultWriterV2: new ManifestResultWriter({
        bucket: props.manifestBucket,
        prefix: sfn.JsonPath.stringAt('$.manifest.resultsPrefix'),
      }),
      maxConcurrency: props.evaluateMaxConcurrency ?? DEFAULT_EVALUATE_CONCURRENCY,
      mapExecutionType: sfn.StateMachineType.EXPRESS,
      toleratedFailurePercentage: EVALUATE_TOLERATED_FAILURE_PERCENTAGE,
      // With a ResultWriter the Map's output is its map run ARN and where the results are (a few hundred bytes).
      resultPath: '$.evaluation',
    });
    evaluate.itemProcessor(evaluateBatch);
    catchTo(evaluate);
    const finalize = catchTo(
      invoke(
        'FinalizeRun',
        f.finalizeRun,
        sfn.TaskInput.fromObject({
          runId: sfn.JsonPath.stringAt('$.runId'),
          skipEvaluation: sfn.JsonPath.stringAt('$.skipEvaluation'),
        }),
      ),
    );
    const finished = new sfn.Succeed(this, 'RunFinished', { stateName: 'RunFinished' });
    if (f.exportSecurityHub) {
      // After FinalizeRun, outside catchTo: the run is COMPLETED, and Security Hub being down, throttling or
      // refusing must not turn it FAILED. The export's error after its retries is recorded on the run by
      // RecordSecurityHubFailure; if even that fails, the execution still succeeds (the Lambda logged it).
      const payload = { runId: sfn.JsonPath.stringAt('$.runId') };
      const exportFindings = runLevelTask(this, 'ExportToSecurityHub', f.exportSecurityHub, payload);
      const recordFailure = runLevelTask(this, 'RecordSecurityHubFailure', f.exportSecurityHub, {
        ...payload,
        failure: sfn.JsonPath.objectAt('$.error'),
      });
      recordFailure.addCatch(finished, { errors: [sfn.Errors.ALL], resultPath: '$.recordError' });
      exportFindings.addCatch(recordFailure.next(finished), {
        errors: [sfn.Errors.ALL],
        resultPath: '$.error',
      });
      finalize.next(exportFindings.next(finished));
    } else finalize.next(finished);

    // Network reachability: once per run, after the instances (it joins the listeners they recorded). Its
    // failure after the retries is recorded as an exclusion of every instance; the run goes on.
    let afterEvaluate: sfn.IChainable = finalize;
    if (f.evaluateNetwork) {
      const network = runLevelTask(this, 'EvaluateNetwork', f.evaluateNetwork, {
        runId: sfn.JsonPath.stringAt('$.runId'),
      });
      const recordNetworkFailure = runLevelTask(this, 'RecordNetworkFailure', f.evaluateNetwork, {
        runId: sfn.JsonPath.stringAt('$.runId'),
        failure: sfn.JsonPath.objectAt('$.error'),
      });
      catchTo(recordNetworkFailure);
      network.addCatch(recordNetworkFailure.next(finalize), {
        errors: [sfn.Errors.ALL],
        resultPath: '$.error',
      });
      afterEvaluate = network.next(finalize);
    }
    const skipEvaluation = new sfn.Choice(this, 'SkipEvaluation?', { stateName: 'SkipEvaluation?' })
      .when(sfn.Condition.booleanEquals('$.skipEvaluation', true), finalize)
      .otherwise(evaluate.next(afterEvaluate));

    const collectionDone = new sfn.Choice(this, 'CollectionDone?', { stateName: 'CollectionDone?' })
      .when(sfn.Condition.booleanEquals('$.collectionDone', true), skipEvaluation)
      .otherwise(waitBeforePoll);

    const definition = startRun
      .next(checkAgents)
      .next(dispatch)
      .next(waitBeforePoll)
      .next(poll)
      .next(collectionDone);

    // Under /aws/vendedlogs/states/: Step Functions adds every other log group to the account's CloudWatch
    // Logs resource policy (5,120 characters), and CreateStateMachine fails once it is full ("CloudWatch Logs
    // Resource Policy size was exceeded"); /aws/vendedlogs/ groups are covered without growing it (Step
    // Functions Developer Guide, "Avoiding CloudWatch Logs resource policy size restrictions", bp-cwl).
    // Executions are audit evidence, so the group outlives the stack; the stack id's UUID in its name lets a
    // stack of the same name be created again after `cdk destroy`, and RETAIN_ON_UPDATE_OR_DELETE
    // (DeletionPolicy RetainExceptOnCreate) deletes it when the first create rolls back.
    const stack = Stack.of(this);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: Fn.join('', [
        `${STATE_MACHINE_LOG_GROUP_PREFIX}${stack.stackName}-${id}-`,
        Fn.select(2, Fn.split('/', Aws.STACK_ID)),
      ]),
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      ...(props.logEncryptionKey ? { encryptionKey: props.logEncryptionKey } : {}),
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      ...(props.stateMachineName ? { stateMachineName: props.stateMachineName } : {}),
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      // Longest run: 86,400 s of collection, the command margin, polling and evaluation.
      timeout: Duration.hours(30),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    // The manifest and the Map's results are SSE-KMS objects of the telemetry bucket (the stack's key).
    props.manifestKey?.grant(this.stateMachine, 'kms:Decrypt', 'kms:GenerateDataKey');
  }
}

/**
 * A task run once per run whose result is discarded (the run's context goes on to FinalizeRun unchanged),
 * with the same retries as the other tasks.
 */
function runLevelTask(
  scope: Construct,
  name: string,
  fn: lambda.IFunction,
  payload: Record<string, unknown>,
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, name, {
    stateName: name,
    lambdaFunction: fn,
    payload: sfn.TaskInput.fromObject(payload),
    resultPath: sfn.JsonPath.DISCARD,
    retryOnServiceExceptions: true,
  });
  task.addRetry({ errors: NON_RETRYABLE_ERRORS, maxAttempts: 0 });
  task.addRetry(THROTTLE_RETRY);
  task.addRetry({
    errors: [sfn.Errors.ALL],
    interval: Duration.seconds(2),
    maxAttempts: 3,
    backoffRate: 2,
    jitterStrategy: sfn.JitterType.FULL,
  });
  return task;
}
