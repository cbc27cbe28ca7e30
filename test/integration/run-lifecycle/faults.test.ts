/**
 * Issue 7: cloud runs that never end wrong. Each scenario injects one fault into the synthesized state
 * machine run locally (real handlers, DynamoDB Local, s3rver, SDK fakes that fail as the services do) and
 * checks that the run ends in a terminal state with every lock released, no duplicate and no lost finding,
 * and the events each subscriber should get. The README's fault table points here.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRunStore } from '../../../functions/adapters/aws/dynamo-run-store';
import {
  dispatchCommands,
  type EvaluateBatch,
  endRun,
  type LifecycleDeps,
  type RunContext,
  type StartRunInput,
  startRun,
} from '../../../functions/core/run-lifecycle';
import { handler as checkAgents } from '../../../functions/handlers/check-agents';
import { handler as dispatchHandler } from '../../../functions/handlers/dispatch-commands';
import { handler as evaluateInstance } from '../../../functions/handlers/evaluate-instance';
import { handler as finalizeRunHandler } from '../../../functions/handlers/finalize-run';
import { configureLifecycle } from '../../../functions/handlers/lifecycle-runtime';
import { handler as reconcile } from '../../../functions/handlers/reconcile-run';
import { deleteAssessmentRun, stopAssessmentRun } from '../../../functions/handlers/run-operations';
import { handler as startRunHandler } from '../../../functions/handlers/start-run';
import { FindingTooLargeError } from '../../../functions/ports/finding-store';
import { EXPRESS_CHILD_THROTTLE_RETRY } from '../../../infra/constructs/assessment-run-state-machine';
import { cleanupRoots } from '../../helpers/fixture-root';
import {
  EVENTS_TOPIC,
  execute,
  type Harness,
  lambdaInvoke,
  lifecycleDeps,
  seedTemplate,
  startHarness,
  testRulesPackage,
} from '../../helpers/run-lifecycle/harness';
import {
  healthy,
  instancesUnlocked,
  runState,
  waitForState,
} from '../../helpers/run-lifecycle/scenario-helpers';

let h: Harness;
const metrics: Array<{ name: string; value: number }> = [];

function configure(parts: Partial<LifecycleDeps> = {}) {
  configureLifecycle({
    resolveRulesPackages: async () => [testRulesPackage],
    metrics: { count: (name, value) => metrics.push({ name, value }) },
    // An instance's retries inside a batch are not waited out here (they still happen, and are counted).
    sleep: async () => {},
    ...parts,
  });
}

beforeAll(async () => {
  h = await startHarness();
  configure();
});

afterEach(() => {
  configure();
  metrics.length = 0;
});

afterAll(async () => {
  await h?.stop();
  cleanupRoots();
});

const TEAM_TOPIC = 'arn:aws:sns:us-east-1:111122223333:team-topic';
type Payload<T> = { Payload: T };
const payloadOf = <T>(input: unknown) => (input as Payload<T>).Payload;

/** Events of a run on the stack topic (every event goes there). */
const stackEvents = (runId: string, event?: string) =>
  h.cloud.events(event, runId).filter((e) => e.topicArn === EVENTS_TOPIC);

describe('one bad instance never fails the run (item 1, item 8)', () => {
  it('findings the store refuses make that instance an EVALUATION_ERROR exclusion; the others complete', async () => {
    h.cloud.add(healthy('i-st-ok-1', { group: 'store' }), healthy('i-st-ok-2', { group: 'store' }));
    h.cloud.add(healthy('i-st-big', { group: 'store' }));
    const real = lifecycleDeps().findings;
    configure({
      findings: {
        ...real,
        listByRun: (runId) => real.listByRun(runId),
        deleteByRun: (runId) => real.deleteByRun(runId),
        async putFindings(findings) {
          const big = findings.find((f) => f.instanceId === 'i-st-big');
          // What the store throws for an item over DynamoDB's 400 KB (its check before any write).
          if (big) {
            throw new FindingTooLargeError({
              findingId: big.id,
              ruleId: big.ruleId,
              instanceId: big.instanceId,
              runId: big.runId,
              sizeBytes: 540_000,
              limitBytes: 400 * 1024,
              oversized: 1,
              total: findings.length,
            });
          }
          return real.putFindings(findings);
        },
      },
    });
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['store'] }] });
    const out = await execute(h, { templateId: tpl.templateId }, { executionName: 'store-refuses' });
    expect(out.status).toBe('SUCCEEDED');
    const { run, byId, findings } = await runState('run-store-refuses');
    expect(run?.state).toBe('COMPLETED_WITH_ERRORS');
    expect(byId.get('i-st-big')).toMatchObject({ evaluation: 'EXCLUDED' });
    expect(byId.get('i-st-big')?.exclusions.map((e) => e.reason)).toEqual(['EVALUATION_ERROR']);
    expect(byId.get('i-st-big')?.exclusions[0]?.message).toMatch(
      /could not be stored: finding .* takes 540000 bytes as a stored item/,
    );
    for (const id of ['i-st-ok-1', 'i-st-ok-2'])
      expect(byId.get(id)).toMatchObject({ evaluation: 'EVALUATED', exclusions: [] });
    expect(findings).toHaveLength(4);
    expect(new Set(findings.map((f) => f.id)).size).toBe(4);
    expect(stackEvents('run-store-refuses', 'FINDING_REPORTED')).toHaveLength(4);
    expect(stackEvents('run-store-refuses', 'ASSESSMENT_RUN_COMPLETED')[0]?.body.state).toBe(
      'COMPLETED_WITH_ERRORS',
    );
    expect(await instancesUnlocked(['i-st-ok-1', 'i-st-ok-2', 'i-st-big'])).toBe(true);
  });

  it('an instance whose evaluation fails on every retry is excluded with the reason, not a FAILED run; the others of its batch are evaluated', async () => {
    h.cloud.add(healthy('i-ev-ok', { group: 'evalfail' }), healthy('i-ev-bad', { group: 'evalfail' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['evalfail'] }] });
    let badAttempts = 0;
    const real = lifecycleDeps().results;
    configure({
      results: {
        ...real,
        put: async (runId, instanceId, stored) => {
          if (instanceId === 'i-ev-bad') {
            badAttempts++;
            throw Object.assign(new Error('We encountered an internal error. Please try again.'), {
              name: 'InternalError',
            });
          }
          return real.put(runId, instanceId, stored);
        },
      },
    });
    const out = await execute(
      h,
      { templateId: tpl.templateId },
      { executionName: 'evaluation-keeps-failing' },
    );
    expect(out.status).toBe('SUCCEEDED');
    expect(badAttempts).toBe(4); // the first attempt and 3 retries, inside the batch
    const { run, byId, findings } = await runState('run-evaluation-keeps-failing');
    expect(run?.state).toBe('COMPLETED_WITH_ERRORS');
    expect(byId.get('i-ev-bad')?.exclusions).toEqual([
      {
        instanceId: 'i-ev-bad',
        reason: 'EVALUATION_ERROR',
        message:
          'evaluation failed after its retries: InternalError: We encountered an internal error. Please try again.',
      },
    ]);
    expect(byId.get('i-ev-ok')).toMatchObject({ evaluation: 'EVALUATED' });
    expect(findings.filter((f) => f.instanceId === 'i-ev-ok')).toHaveLength(2);
    expect(await instancesUnlocked(['i-ev-ok', 'i-ev-bad'])).toBe(true);
  });

  it('a batch whose Lambda fails on every attempt is a tolerated child failure: its instances are excluded at finalization', async () => {
    h.cloud.add(healthy('i-bt-1', { group: 'batchfail' }), healthy('i-bt-2', { group: 'batchfail' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['batchfail'] }] });
    let attempts = 0;
    const out = await execute(
      h,
      { templateId: tpl.templateId },
      {
        executionName: 'batch-keeps-failing',
        handlers: {
          EvaluateInstances: async () => {
            attempts++;
            throw Object.assign(new Error('Task timed out after 300.00 seconds'), { name: 'Lambda.Unknown' });
          },
        },
      },
    );
    expect(out.status).toBe('SUCCEEDED');
    expect(attempts).toBe(4); // the first attempt and the state machine's 3 retries
    const { run, byId } = await runState('run-batch-keeps-failing');
    expect(run?.state).toBe('COMPLETED_WITH_ERRORS');
    for (const id of ['i-bt-1', 'i-bt-2']) {
      expect(byId.get(id)).toMatchObject({ evaluation: 'EXCLUDED' });
      expect(byId.get(id)?.exclusions[0]).toMatchObject({
        reason: 'EVALUATION_ERROR',
        message: 'the evaluation of this instance did not finish (its execution failed or timed out)',
      });
    }
    expect(await instancesUnlocked(['i-bt-1', 'i-bt-2'])).toBe(true);
  });

  it('KMS throttling is retried, never an exclusion as tampered telemetry; throttling that does not end excludes with the reason', async () => {
    h.cloud.add(
      healthy('i-kms-brief', { group: 'kms' }),
      healthy('i-kms-down', { group: 'kms' }),
      healthy('i-kms-ok', { group: 'kms' }),
    );
    h.cloud.throttleDecrypt.set('i-kms-brief', 2);
    h.cloud.throttleDecrypt.set('i-kms-down', Number.POSITIVE_INFINITY);
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['kms'] }] });
    const out = await execute(h, { templateId: tpl.templateId }, { executionName: 'kms-throttled' });
    h.cloud.throttleDecrypt.clear();
    expect(out.status).toBe('SUCCEEDED');
    const { run, byId } = await runState('run-kms-throttled');
    expect(run?.state).toBe('COMPLETED_WITH_ERRORS');
    // Throttled twice, then decrypted: evaluated like any other.
    expect(byId.get('i-kms-brief')).toMatchObject({ evaluation: 'EVALUATED', exclusions: [] });
    expect(byId.get('i-kms-brief')?.findingCounts).toEqual({ High: 1, Medium: 1, Low: 0, Informational: 0 });
    expect(byId.get('i-kms-ok')).toMatchObject({ evaluation: 'EVALUATED', exclusions: [] });
    // Throttled on every attempt: excluded after the KeyServiceUnavailableError retries, and it says why.
    const down = byId.get('i-kms-down');
    expect(down?.exclusions.map((e) => e.reason)).toEqual(['EVALUATION_ERROR']);
    expect(down?.exclusions[0]?.message).toMatch(
      /KeyServiceUnavailableError: the key service could not decrypt the telemetry of i-kms-down now \(ThrottlingException: Rate exceeded\)/,
    );
    // 1 attempt + 5 retries of KeyServiceUnavailableError in the batch (one decrypt call per attempt)
    expect(h.cloud.decryptCalls.get('i-kms-down')).toBe(6);
  });

  it('a key the evaluator may not use (policy changed) is said as such, not as tampered telemetry', async () => {
    h.cloud.add(healthy('i-kms-denied', { group: 'kms-denied' }));
    h.cloud.decryptErrors.set('i-kms-denied', 'AccessDeniedException');
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['kms-denied'] }] });
    const out = await execute(h, { templateId: tpl.templateId }, { executionName: 'kms-denied' });
    h.cloud.decryptErrors.clear();
    expect(out.status).toBe('SUCCEEDED');
    const { byId } = await runState('run-kms-denied');
    const denied = byId.get('i-kms-denied');
    expect(denied?.exclusions.map((e) => e.reason)).toEqual(['EVALUATION_ERROR']);
    expect(denied?.exclusions[0]?.message).toMatch(
      /KeyConfigurationError: the telemetry key cannot be used to decrypt \(AccessDeniedException/,
    );
  });

  it('an instance whose evaluation never finished (a distributed Map child that died) is excluded at finalization', async () => {
    h.cloud.add(healthy('i-vanish-ok', { group: 'vanish' }), healthy('i-vanish-gone', { group: 'vanish' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['vanish'] }] });
    const out = await execute(
      h,
      { templateId: tpl.templateId },
      {
        executionName: 'child-vanished',
        handlers: {
          // The child that had i-vanish-gone ended with nothing recorded for it (its execution died).
          EvaluateInstances: async (input) => {
            const batch = payloadOf<EvaluateBatch>(input);
            const items = batch.Items.filter((i) => i.instanceId !== 'i-vanish-gone');
            return lambdaInvoke(evaluateInstance)({ Payload: { ...batch, Items: items } } as never);
          },
        },
      },
    );
    expect(out.status).toBe('SUCCEEDED');
    const { run, byId } = await runState('run-child-vanished');
    expect(run?.state).toBe('COMPLETED_WITH_ERRORS');
    expect(byId.get('i-vanish-gone')).toMatchObject({ evaluation: 'EXCLUDED' });
    expect(byId.get('i-vanish-gone')?.exclusions[0]).toMatchObject({
      reason: 'EVALUATION_ERROR',
      message: 'the evaluation of this instance did not finish (its execution failed or timed out)',
    });
    expect(byId.get('i-vanish-ok')).toMatchObject({ evaluation: 'EVALUATED' });
  });
});

describe('subscriber topics are best effort; the stack topic is not (item 2)', () => {
  it('a deleted topic and a topic whose key is unusable do not fail the run; throttling is retried', async () => {
    const deleted = 'arn:aws:sns:us-east-1:111122223333:deleted-topic';
    const sse = 'arn:aws:sns:us-east-1:111122223333:sse-topic';
    h.cloud.topicFaults.set(deleted, 'NotFoundException');
    h.cloud.topicFaults.set(sse, 'entries:KMSAccessDenied');
    h.cloud.throttleTopic.set(EVENTS_TOPIC, 3);
    h.cloud.add(healthy('i-tp-1', { group: 'topics' }), healthy('i-tp-2', { group: 'topics' }));
    const tpl = await seedTemplate(
      h,
      { tags: [{ key: 'group', values: ['topics'] }] },
      {
        topics: [
          { event: 'ASSESSMENT_RUN_COMPLETED', topicArn: deleted },
          { event: 'ASSESSMENT_RUN_COMPLETED', topicArn: TEAM_TOPIC },
          { event: 'FINDING_REPORTED', topicArn: sse },
          { event: 'ASSESSMENT_RUN_STARTED', topicArn: TEAM_TOPIC },
        ],
      },
    );
    const out = await execute(h, { templateId: tpl.templateId }, { executionName: 'bad-topics' });
    h.cloud.topicFaults.clear();
    expect(h.cloud.throttleTopic.get(EVENTS_TOPIC)).toBe(0);
    expect(out.status).toBe('SUCCEEDED');
    const runId = 'run-bad-topics';
    const { run } = await runState(runId);
    expect(run?.state).toBe('COMPLETED');
    // Every event reached the stack topic, once (the throttled calls were retried, not duplicated).
    expect(stackEvents(runId, 'ASSESSMENT_RUN_STARTED')).toHaveLength(1);
    expect(stackEvents(runId, 'FINDING_REPORTED')).toHaveLength(4);
    expect(stackEvents(runId, 'ASSESSMENT_RUN_COMPLETED')).toHaveLength(1);
    expect(stackEvents(runId, 'ASSESSMENT_RUN_STATE_CHANGED').map((e) => e.body.state)).toEqual([
      'START_DATA_COLLECTION_PENDING',
      'START_DATA_COLLECTION_IN_PROGRESS',
      'COLLECTING_DATA',
      'DATA_COLLECTED',
      'START_EVALUATING_RULES_PENDING',
      'EVALUATING_RULES',
      'COMPLETED',
    ]);
    // The working subscriber topic got its events; the broken ones none.
    const team = h.cloud.events(undefined, runId).filter((e) => e.topicArn === TEAM_TOPIC);
    expect(team.map((e) => e.event).sort()).toEqual(['ASSESSMENT_RUN_COMPLETED', 'ASSESSMENT_RUN_STARTED']);
    expect(h.cloud.events(undefined, runId).some((e) => e.topicArn === deleted || e.topicArn === sse)).toBe(
      false,
    );
    // Shown on the run and counted: the FINDING_REPORTED batches of 2 instances and one COMPLETED.
    expect(run?.deliveryFailureCount).toBe(3);
    expect(run?.lastDeliveryFailure).toMatchObject({ topicArn: deleted, event: 'ASSESSMENT_RUN_COMPLETED' });
    expect(run?.lastDeliveryFailure?.error).toMatch(/NotFoundException/);
    const failed = metrics.filter((m) => m.name === 'SubscriberDeliveryFailures');
    expect(failed.reduce((n, m) => n + m.value, 0)).toBe(5); // 2 + 2 findings, 1 completed event
  });

  it('the stack topic refusing FINDING_REPORTED fails the run instead of completing it unannounced', async () => {
    h.cloud.topicFaults.set(`${EVENTS_TOPIC}#FINDING_REPORTED`, 'AuthorizationErrorException');
    h.cloud.add(healthy('i-fr-1', { group: 'findings-topic' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['findings-topic'] }] });
    const out = await execute(h, { templateId: tpl.templateId }, { executionName: 'findings-unannounced' });
    h.cloud.topicFaults.clear();
    expect(out.status).toBe('FAILED');
    expect(out.error?.name).toBe('EventsNotPublishedError');
    const { run, byId } = await runState('run-findings-unannounced');
    expect(run?.state).toBe('FAILED');
    expect(run?.failure?.cause).toMatch(/FINDING_REPORTED of i-fr-1 could not be published/);
    expect(byId.get('i-fr-1')?.evaluation).not.toBe('EVALUATED');
    expect(stackEvents('run-findings-unannounced', 'ASSESSMENT_RUN_COMPLETED')[0]?.body.state).toBe('FAILED');
    expect(await instancesUnlocked(['i-fr-1'])).toBe(true);
  });

  it('the stack topic failing still fails the state (retried, then FailRun), with locks released', async () => {
    h.cloud.topicFaults.set(EVENTS_TOPIC, 'AuthorizationErrorException');
    h.cloud.add(healthy('i-st-topic', { group: 'stacktopic' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['stacktopic'] }] });
    const out = await execute(h, { templateId: tpl.templateId }, { executionName: 'stack-topic-denied' });
    h.cloud.topicFaults.clear();
    expect(out.status).toBe('FAILED');
    const { run } = await runState('run-stack-topic-denied');
    expect(run?.state).toBe('FAILED');
    expect(await instancesUnlocked(['i-st-topic'])).toBe(true);
  });
});

describe('a stop takes effect within one poll interval in every state (item 3)', () => {
  // A one-hour run: before the fix the execution waited the whole duration after dispatch.
  const HOUR = { durationSeconds: 3600 };

  it('stop with SKIP_EVALUATION during a one-hour collection ends the run CANCELED at once', async () => {
    h.cloud.add(healthy('i-sp-1', { group: 'stop-hour' }, { behaviour: 'hang' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['stop-hour'] }] }, HOUR);
    const running = execute(h, { templateId: tpl.templateId }, { executionName: 'stop-hour' });
    await waitForState('run-stop-hour', 'COLLECTING_DATA');
    await stopAssessmentRun('run-stop-hour', 'SKIP_EVALUATION');
    expect((await running).status).toBe('SUCCEEDED');
    const { run, byId } = await runState('run-stop-hour');
    expect(run?.state).toBe('CANCELED');
    expect(byId.get('i-sp-1')).toMatchObject({ collection: 'CANCELLED', evaluation: 'SKIPPED' });
    expect(await instancesUnlocked(['i-sp-1'])).toBe(true);
  }, 60_000);

  it('stop with START_EVALUATION during a one-hour collection evaluates what was collected at once', async () => {
    h.cloud.add(healthy('i-se-1', { group: 'stop-eval-hour' }, { behaviour: 'hang' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['stop-eval-hour'] }] }, HOUR);
    const running = execute(h, { templateId: tpl.templateId }, { executionName: 'stop-eval-hour' });
    await waitForState('run-stop-eval-hour', 'COLLECTING_DATA');
    await stopAssessmentRun('run-stop-eval-hour', 'START_EVALUATION');
    expect((await running).status).toBe('SUCCEEDED');
    const { run, findings } = await runState('run-stop-eval-hour');
    expect(run?.state).toBe('COMPLETED');
    expect(findings).toHaveLength(2);
  }, 60_000);

  it('a stop before dispatch sends no command and ends the run CANCELED without waiting the duration', async () => {
    h.cloud.add(healthy('i-sb-1', { group: 'stop-before' }, { behaviour: 'hang' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['stop-before'] }] }, HOUR);
    const out = await execute(
      h,
      { templateId: tpl.templateId },
      {
        executionName: 'stop-before-dispatch',
        handlers: {
          CheckAgents: async (input) => {
            await stopAssessmentRun('run-stop-before-dispatch', 'START_EVALUATION');
            return lambdaInvoke(checkAgents)(input);
          },
        },
      },
    );
    expect(out.status).toBe('SUCCEEDED');
    expect(out.states).not.toContain('Evaluate');
    const { run, byId } = await runState('run-stop-before-dispatch');
    expect(run?.state).toBe('CANCELED');
    expect(byId.get('i-sb-1')?.commandId).toBeUndefined();
    expect(
      [...h.cloud.commands.values()].some((c) => c.parameters.runId?.[0] === 'run-stop-before-dispatch'),
    ).toBe(false);
    expect(stackEvents('run-stop-before-dispatch', 'ASSESSMENT_RUN_COMPLETED')[0]?.body.state).toBe(
      'CANCELED',
    );
    expect(await instancesUnlocked(['i-sb-1'])).toBe(true);
  }, 60_000);

  it('SKIP_EVALUATION during EVALUATING_RULES stops evaluating and publishes no more findings', async () => {
    h.cloud.add(
      healthy('i-sd-1', { group: 'stop-during' }),
      healthy('i-sd-2', { group: 'stop-during' }),
      healthy('i-sd-3', { group: 'stop-during' }),
    );
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['stop-during'] }] });
    let stopped: Promise<unknown> | undefined;
    const out = await execute(
      h,
      { templateId: tpl.templateId },
      {
        executionName: 'stop-during-evaluation',
        handlers: {
          EvaluateInstances: async (input) => {
            stopped ??= stopAssessmentRun('run-stop-during-evaluation', 'SKIP_EVALUATION');
            await stopped;
            return lambdaInvoke(evaluateInstance)(input);
          },
        },
      },
    );
    expect(out.status).toBe('SUCCEEDED');
    const { run, instances, findings } = await runState('run-stop-during-evaluation');
    expect(run?.state).toBe('CANCELED');
    expect(instances.map((i) => i.evaluation)).toEqual(['SKIPPED', 'SKIPPED', 'SKIPPED']);
    expect(findings).toHaveLength(0);
    expect(h.cloud.events('FINDING_REPORTED', 'run-stop-during-evaluation')).toHaveLength(0);
    expect(stackEvents('run-stop-during-evaluation', 'ASSESSMENT_RUN_COMPLETED')[0]?.body.state).toBe(
      'CANCELED',
    );
  });
});

describe('runs whose execution ends outside FailRun are ended (item 4)', () => {
  it('an execution stopped from the console: ReconcileRun ends the run CANCELED, cancels, unlocks, notifies', async () => {
    h.cloud.add(healthy('i-ab-1', { group: 'abort' }, { behaviour: 'hang' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['abort'] }] });
    let abort!: () => void;
    const running = execute(
      h,
      { templateId: tpl.templateId },
      { executionName: 'aborted', onStarted: (c) => (abort = c.abort) },
    );
    await waitForState('run-aborted', 'COLLECTING_DATA');
    abort();
    expect((await running).status).toBe('ABORTED');
    // The execution is gone and nothing else moved: the run would stay COLLECTING_DATA, locked.
    expect((await runState('run-aborted')).run?.state).toBe('COLLECTING_DATA');
    expect(await instancesUnlocked(['i-ab-1'])).toBe(false);

    const event = executionEvent('aborted', 'ABORTED', { templateId: tpl.templateId });
    expect(await reconcile(event)).toEqual({ runId: 'run-aborted', outcome: 'ENDED', state: 'CANCELED' });
    const { run, byId } = await runState('run-aborted');
    expect(run?.state).toBe('CANCELED');
    expect(run?.failure?.error).toBe('ExecutionAborted');
    expect(await instancesUnlocked(['i-ab-1'])).toBe(true);
    // its command was cancelled (the hanging agent uploaded on cancel and ended)
    const commandId = byId.get('i-ab-1')?.commandId as string;
    await h.cloud.settled();
    expect(h.cloud.commands.get(commandId)?.invocations.get('i-ab-1')?.status).toBe('Cancelled');
    const completed = h.cloud.events('ASSESSMENT_RUN_COMPLETED', 'run-aborted');
    expect(completed.map((e) => e.topicArn).sort()).toEqual([EVENTS_TOPIC, TEAM_TOPIC].sort());
    // EventBridge delivers at least once: a second delivery changes and publishes nothing.
    expect(await reconcile(event)).toEqual({
      runId: 'run-aborted',
      outcome: 'ALREADY_ENDED',
      state: 'CANCELED',
    });
    expect(h.cloud.events('ASSESSMENT_RUN_COMPLETED', 'run-aborted')).toHaveLength(2);
    // and the run can be deleted
    expect((await deleteAssessmentRun('run-aborted')).runId).toBe('run-aborted');
  });

  it('TIMED_OUT and runtime FAILED executions end their run FAILED; one that FailRun ended is left alone', async () => {
    h.cloud.add(healthy('i-to-1', { group: 'timeout' }, { behaviour: 'hang' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['timeout'] }] });
    for (const [name, status] of [
      ['timed-out', 'TIMED_OUT'],
      ['runtime-failure', 'FAILED'],
    ] as const) {
      let abort!: () => void;
      const running = execute(
        h,
        { templateId: tpl.templateId },
        { executionName: name, onStarted: (c) => (abort = c.abort) },
      );
      await waitForState(`run-${name}`, 'COLLECTING_DATA');
      abort(); // the local executor's way to end an execution without its states
      await running;
      const result = await reconcile(
        executionEvent(
          name,
          status,
          { templateId: tpl.templateId },
          {
            error: 'States.Runtime',
            cause: "An error occurred while executing the state 'PollCommands'",
          },
        ),
      );
      expect(result).toEqual({ runId: `run-${name}`, outcome: 'ENDED', state: 'FAILED' });
      const { run } = await runState(`run-${name}`);
      expect(run?.failure?.error).toBe(status === 'TIMED_OUT' ? 'States.Timeout' : 'States.Runtime');
      expect(await instancesUnlocked(['i-to-1'])).toBe(true);
    }
    // A run FailRun already ended: the FAILED status event changes nothing.
    const failed = (await runState('run-runtime-failure')).run;
    const before = h.cloud.published.length;
    expect(
      await reconcile(executionEvent('runtime-failure', 'FAILED', { templateId: tpl.templateId })),
    ).toEqual({ runId: 'run-runtime-failure', outcome: 'ALREADY_ENDED', state: failed?.state });
    expect(h.cloud.published.length).toBe(before);
  });

  it('stop from the CLI of a run whose execution is gone ends the run, so that it can be deleted', async () => {
    h.cloud.add(healthy('i-gone-1', { group: 'gone' }, { behaviour: 'hang' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['gone'] }] });
    let abort!: () => void;
    const running = execute(
      h,
      { templateId: tpl.templateId },
      { executionName: 'gone', onStarted: (c) => (abort = c.abort) },
    );
    await waitForState('run-gone', 'COLLECTING_DATA');
    abort();
    await running;
    // No reconcile event arrived (say the rule's target failed): the user stops the run.
    const asked: string[] = [];
    configure({
      executions: {
        status: async (name) => {
          asked.push(name);
          return 'NOT_FOUND';
        },
      },
    });
    expect(await stopAssessmentRun('run-gone', 'START_EVALUATION')).toMatchObject({ runId: 'run-gone' });
    expect(asked).toEqual(['gone']);
    const { run } = await runState('run-gone');
    expect(run?.state).toBe('CANCELED');
    expect(run?.failure?.error).toBe('ExecutionNotRunning');
    expect(await instancesUnlocked(['i-gone-1'])).toBe(true);
    expect((await deleteAssessmentRun('run-gone')).runId).toBe('run-gone');
  });
  it('a reconcile whose publish failed publishes the terminal events on the next delivery', async () => {
    h.cloud.add(healthy('i-rp-1', { group: 'republish' }, { behaviour: 'hang' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['republish'] }] });
    let abort!: () => void;
    const running = execute(
      h,
      { templateId: tpl.templateId },
      { executionName: 'republish', onStarted: (c) => (abort = c.abort) },
    );
    await waitForState('run-republish', 'COLLECTING_DATA');
    abort();
    await running;
    const event = executionEvent('republish', 'ABORTED', { templateId: tpl.templateId });
    h.cloud.topicFaults.set(`${EVENTS_TOPIC}#ASSESSMENT_RUN_COMPLETED`, 'InternalErrorException');
    await expect(reconcile(event)).rejects.toThrow(/InternalErrorException/);
    h.cloud.topicFaults.clear();
    expect((await runState('run-republish')).run?.state).toBe('CANCELED');
    expect(stackEvents('run-republish', 'ASSESSMENT_RUN_COMPLETED')).toHaveLength(0);
    expect(await instancesUnlocked(['i-rp-1'])).toBe(true);
    // Lambda's retry of the event: the events are published now, once.
    expect(await reconcile(event)).toEqual({
      runId: 'run-republish',
      outcome: 'REPUBLISHED',
      state: 'CANCELED',
    });
    expect(stackEvents('run-republish', 'ASSESSMENT_RUN_COMPLETED')).toHaveLength(1);
    expect(await reconcile(event)).toMatchObject({ outcome: 'ALREADY_ENDED' });
    expect(stackEvents('run-republish', 'ASSESSMENT_RUN_COMPLETED')).toHaveLength(1);
  });

  it('a second execution given the same run id neither drives nor ends the first one’s run', async () => {
    h.cloud.add(healthy('i-own-1', { group: 'owner' }, { behaviour: 'hang' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['owner'] }] });
    const input = { templateId: tpl.templateId, runId: 'run-owned' };
    const first = execute(h, input, { executionName: 'owner-first' });
    await waitForState('run-owned', 'COLLECTING_DATA');
    const second = await execute(h, input, { executionName: 'owner-second' });
    expect(second.status).toBe('FAILED');
    expect(second.error?.name).toBe('RunConflictError');
    expect(second.error?.message).toMatch(/belongs to execution owner-first/);
    // FailRun of the second execution and its FAILED status event leave the first run as it is.
    expect(await reconcile(executionEvent('owner-second', 'FAILED', input))).toMatchObject({
      outcome: 'IGNORED',
    });
    expect((await runState('run-owned')).run?.state).toBe('COLLECTING_DATA');
    await stopAssessmentRun('run-owned', 'SKIP_EVALUATION');
    expect((await first).status).toBe('SUCCEEDED');
    expect((await runState('run-owned')).run?.state).toBe('CANCELED');
  });

  it('the scheduled sweep ends a run whose execution ended without a status event', async () => {
    h.cloud.add(healthy('i-sw-1', { group: 'sweep' }, { behaviour: 'hang' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['sweep'] }] });
    let abort!: () => void;
    const running = execute(
      h,
      { templateId: tpl.templateId },
      { executionName: 'swept', onStarted: (c) => (abort = c.abort) },
    );
    await waitForState('run-swept', 'COLLECTING_DATA');
    abort();
    await running;
    const statuses = new Map([['swept', 'ABORTED']]);
    const later = new Date(Date.now() + 11 * 60 * 1000);
    configure({
      executions: { status: async (name) => statuses.get(name) ?? 'RUNNING' },
      now: () => later,
    });
    const results = await reconcile({ 'detail-type': 'Scheduled Event', source: 'aws.events' });
    expect(results).toContainEqual({ runId: 'run-swept', outcome: 'ENDED', state: 'CANCELED' });
    expect((await runState('run-swept')).run?.state).toBe('CANCELED');
    expect(await instancesUnlocked(['i-sw-1'])).toBe(true);
  });
});

describe('what the caller asked for is kept (item 5)', () => {
  it('the run name sent by start-assessment-run ({templateId, runId, name}) is the stored name', async () => {
    h.cloud.add(healthy('i-nm-1', { group: 'named' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['named'] }] });
    const input = { templateId: tpl.templateId, runId: 'run-named-1', name: 'nightly web tier' };
    const out = await execute(h, input, { executionName: 'run-named-1' });
    expect(out.status).toBe('SUCCEEDED');
    const { run } = await runState('run-named-1');
    expect(run?.name).toBe('nightly web tier');
    expect(stackEvents('run-named-1', 'ASSESSMENT_RUN_STARTED')[0]?.body.runName).toBe('nightly web tier');
  });
});

describe('retried Lambdas (items 6, 7)', () => {
  it("StartRun whose createRun reply is lost (the SDK's retry then fails its condition) goes on with its locks held", async () => {
    h.cloud.add(healthy('i-lost-1', { group: 'lost-reply' }, { behaviour: 'hang' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['lost-reply'] }] });
    const realRuns = new DynamoRunStore(h.doc, h.tables.runs);
    let attempts = 0;
    const running = execute(
      h,
      { templateId: tpl.templateId },
      {
        executionName: 'lost-reply',
        handlers: {
          StartRun: async (input) => {
            attempts++;
            const deps = lifecycleDeps();
            const runs = Object.create(realRuns) as DynamoRunStore;
            // PutItem applied, its reply lost; the SDK retries and DynamoDB answers ConditionalCheckFailed.
            runs.createRun = async (run) => {
              await realRuns.createRun(run);
              return realRuns.createRun(run);
            };
            const ctx = await startRun({ ...deps, runs }, payloadOf<StartRunInput>(input));
            return { Payload: ctx as unknown as Record<string, string>, StatusCode: 200 };
          },
        },
      },
    );
    await waitForState('run-lost-reply', 'COLLECTING_DATA');
    expect(attempts).toBe(1);
    // The instance is locked by the run: another run cannot take it.
    expect(await instancesUnlocked(['i-lost-1'])).toBe(false);
    await stopAssessmentRun('run-lost-reply', 'SKIP_EVALUATION');
    expect((await running).status).toBe('SUCCEEDED');
    expect((await runState('run-lost-reply')).run?.state).toBe('CANCELED');
    expect(stackEvents('run-lost-reply', 'ASSESSMENT_RUN_STARTED')).toHaveLength(1);
    expect(await instancesUnlocked(['i-lost-1'])).toBe(true);
  });

  it('a StartRun retry whose locks were lost to another run meanwhile fails the run instead of going on unlocked', async () => {
    h.cloud.add(healthy('i-relock-1', { group: 'relock' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['relock'] }] });
    let attempts = 0;
    const out = await execute(
      h,
      { templateId: tpl.templateId },
      {
        executionName: 'relock',
        handlers: {
          StartRun: async (input) => {
            attempts++;
            const result = await lambdaInvoke(startRunHandler)(input);
            if (attempts === 1) {
              // The first attempt's locks are gone (released by an old bug, or expired) and another run
              // took the instance; then the Lambda "timed out" after its work.
              await lifecycleDeps().locks.release('run-relock', ['i-relock-1']);
              await lifecycleDeps().locks.acquire('run-other', ['i-relock-1'], {
                now: new Date(),
                expiresAt: new Date(Date.now() + 600_000),
              });
              throw Object.assign(new Error('Task timed out'), { name: 'Lambda.Unknown' });
            }
            return result;
          },
        },
      },
    );
    expect(out.status).toBe('FAILED');
    expect(out.error?.name).toBe('RunConflictError');
    expect((await runState('run-relock')).run?.state).toBe('FAILED');
    // the other run's lock is untouched
    expect(await instancesUnlocked(['i-relock-1'])).toBe(false);
    await lifecycleDeps().locks.release('run-other', ['i-relock-1']);
  });

  it('a Dispatch retried after SendCommand succeeded and recording it failed sends no second command', async () => {
    h.cloud.add(
      healthy('i-dp-1', { group: 'dispatch-retry' }),
      healthy('i-dp-2', { group: 'dispatch-retry' }),
    );
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['dispatch-retry'] }] });
    const realRuns = new DynamoRunStore(h.doc, h.tables.runs);
    let attempts = 0;
    const out = await execute(
      h,
      { templateId: tpl.templateId },
      {
        executionName: 'dispatch-retry',
        handlers: {
          DispatchCommands: async (input) => {
            attempts++;
            const deps = lifecycleDeps();
            const runs = Object.create(realRuns) as DynamoRunStore;
            if (attempts === 1) {
              runs.putInstances = async (items) => {
                if (items.some((i) => i.commandId)) throw new Error('ProvisionedThroughputExceededException');
                return realRuns.putInstances(items);
              };
            }
            const ctx = await dispatchCommands({ ...deps, runs }, payloadOf<RunContext>(input));
            return { Payload: ctx as unknown as Record<string, string>, StatusCode: 200 };
          },
        },
      },
    );
    expect(out.status).toBe('SUCCEEDED');
    expect(attempts).toBe(2);
    const sent = [...h.cloud.commands.entries()].filter(
      ([, c]) => c.parameters.runId?.[0] === 'run-dispatch-retry',
    );
    expect(sent).toHaveLength(1);
    const [commandId] = sent[0] as [string, unknown];
    const { run, byId, findings } = await runState('run-dispatch-retry');
    expect(run?.state).toBe('COMPLETED');
    for (const id of ['i-dp-1', 'i-dp-2'])
      expect(byId.get(id)).toMatchObject({ commandId, collection: 'SUCCEEDED', evaluation: 'EVALUATED' });
    expect(findings).toHaveLength(4);
  });
  it('a batch SendCommand accepted twice (the SDK retried after SSM accepted it) keeps one command and cancels the other', async () => {
    h.cloud.add(healthy('i-dup-1', { group: 'dispatch-dup' }, { behaviour: 'hang' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['dispatch-dup'] }] });
    const realRuns = new DynamoRunStore(h.doc, h.tables.runs);
    let attempts = 0;
    const running = execute(
      h,
      { templateId: tpl.templateId },
      {
        executionName: 'dispatch-dup',
        handlers: {
          DispatchCommands: async (input) => {
            attempts++;
            if (attempts > 1) return lambdaInvoke(dispatchHandler)(input);
            const deps = lifecycleDeps();
            // SSM accepted the call, its reply was lost, the SDK made the call again and SSM accepted it
            // again; then recording the command failed and the Lambda failed.
            const commands = Object.create(deps.commands) as typeof deps.commands;
            commands.send = async (req) => {
              const first = await deps.commands.send(req);
              await deps.commands.send(req);
              return first;
            };
            const runs = Object.create(realRuns) as DynamoRunStore;
            runs.putInstances = async (items) => {
              if (items.some((i) => i.commandId)) throw new Error('ProvisionedThroughputExceededException');
              return realRuns.putInstances(items);
            };
            await dispatchCommands({ ...deps, commands, runs }, payloadOf<RunContext>(input));
            throw new Error('unreachable');
          },
        },
      },
    );
    await waitForState('run-dispatch-dup', 'COLLECTING_DATA');
    const sent = [...h.cloud.commands.entries()].filter(
      ([, c]) => c.parameters.runId?.[0] === 'run-dispatch-dup',
    );
    expect(sent).toHaveLength(2);
    const kept = (await runState('run-dispatch-dup')).byId.get('i-dup-1')?.commandId;
    await stopAssessmentRun('run-dispatch-dup', 'SKIP_EVALUATION');
    expect((await running).status).toBe('SUCCEEDED');
    // one of the two is the run's command; the retry cancelled the other (its hanging agent ended)
    const other = sent.find(([id]) => id !== kept);
    expect(sent.map(([id]) => id)).toContain(kept);
    const extra = other?.[1].invocations.get('i-dup-1');
    await extra?.done;
    expect(extra?.status).toBe('Cancelled');
  });

  it('a Dispatch still sending when the run is ended from outside sends nothing more and cancels what it just sent', async () => {
    const ids = Array.from({ length: 60 }, (_, n) => `i-halt-${String(n).padStart(2, '0')}`);
    h.cloud.add(...ids.map((id) => healthy(id, { group: 'halt' }, { behaviour: 'hang' })));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['halt'] }] });
    const out = await execute(
      h,
      { templateId: tpl.templateId },
      {
        executionName: 'halted-dispatch',
        handlers: {
          DispatchCommands: async (input) => {
            const deps = lifecycleDeps();
            const commands = Object.create(deps.commands) as typeof deps.commands;
            let sends = 0;
            commands.send = async (req) => {
              const id = await deps.commands.send(req);
              // ReconcileRun ends the run (execution aborted) while this Lambda is between two batches.
              if (++sends === 1) {
                await endRun(deps, 'run-halted-dispatch', 'CANCELED', {
                  error: 'ExecutionAborted',
                  cause: 'test',
                });
              }
              return id;
            };
            const ctx = await dispatchCommands({ ...deps, commands }, payloadOf<RunContext>(input));
            return { Payload: ctx as unknown as Record<string, string>, StatusCode: 200 };
          },
        },
      },
    );
    expect(out.status).toBe('SUCCEEDED');
    const sent = [...h.cloud.commands.entries()].filter(
      ([, c]) => c.parameters.runId?.[0] === 'run-halted-dispatch',
    );
    expect(sent).toHaveLength(1); // 60 instances would take two batches of 50 and 10
    await Promise.all([...(sent[0]?.[1].invocations.values() ?? [])].map((i) => i.done));
    const statuses = new Set([...(sent[0]?.[1].invocations.values() ?? [])].map((i) => i.status));
    expect(statuses).toEqual(new Set(['Cancelled']));
    const { run, findings } = await runState('run-halted-dispatch');
    expect(run?.state).toBe('CANCELED');
    expect(findings).toHaveLength(0);
    expect(await instancesUnlocked(ids)).toBe(true);
  });
});

function executionEvent(
  name: string,
  status: string,
  input: Record<string, unknown>,
  extra: { error?: string; cause?: string } = {},
) {
  return {
    version: '0',
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    detail: {
      executionArn: `arn:aws:states:us-east-1:111122223333:execution:AssessmentRun:${name}`,
      stateMachineArn: 'arn:aws:states:us-east-1:111122223333:stateMachine:AssessmentRun',
      name,
      status,
      input: JSON.stringify(input),
      error: extra.error ?? null,
      cause: extra.cause ?? null,
    },
  };
}

describe('Lambda throttling under a low account concurrency limit (issue 16, item 7)', () => {
  it('every task throttled 10 times in a row (more than the 3 attempts of other errors) still completes the run, nothing excluded', async () => {
    const ids = ['i-thr-1', 'i-thr-2', 'i-thr-3'];
    h.cloud.add(...ids.map((id) => healthy(id, { group: 'throttled' })));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['throttled'] }] });
    const THROTTLES = 10;
    const attempts = new Map<string, number>();
    /** Lambda's answer when the account's concurrency is used up, THROTTLES times per key, then the handler. */
    const throttled =
      (key: (input: unknown) => string, inner: ReturnType<typeof lambdaInvoke>, throttles = THROTTLES) =>
      async (input: Parameters<ReturnType<typeof lambdaInvoke>>[0]) => {
        const k = key(input);
        const n = (attempts.get(k) ?? 0) + 1;
        attempts.set(k, n);
        if (n <= throttles)
          throw Object.assign(new Error('Rate Exceeded.'), { name: 'Lambda.TooManyRequestsException' });
        return inner(input);
      };
    const out = await execute(
      h,
      { templateId: tpl.templateId },
      {
        executionName: 'throttled-everywhere',
        handlers: {
          StartRun: throttled(() => 'StartRun', lambdaInvoke(startRunHandler)),
          // A batch's child is an Express execution (5 minutes): its throttle retry has 8 attempts.
          EvaluateInstances: throttled(
            () => 'EvaluateInstances',
            lambdaInvoke(evaluateInstance),
            EXPRESS_CHILD_THROTTLE_RETRY.maxAttempts - 1,
          ),
          FinalizeRun: throttled(() => 'FinalizeRun', lambdaInvoke(finalizeRunHandler)),
        },
      },
    );
    expect(out.status).toBe('SUCCEEDED');
    expect(out.states).not.toContain('FailRun');
    expect(Object.fromEntries(attempts)).toEqual({
      StartRun: THROTTLES + 1,
      EvaluateInstances: EXPRESS_CHILD_THROTTLE_RETRY.maxAttempts,
      FinalizeRun: THROTTLES + 1,
    });
    const { run, byId } = await runState('run-throttled-everywhere');
    expect(run?.state).toBe('COMPLETED');
    for (const id of ids) expect(byId.get(id)).toMatchObject({ evaluation: 'EVALUATED', exclusions: [] });
    expect(await instancesUnlocked(ids)).toBe(true);
  });
});
