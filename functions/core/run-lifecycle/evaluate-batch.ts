/**
 * EvaluateInstances: one child execution of the Evaluate distributed Map evaluates a batch of instances
 * (ItemBatcher: `{Items: [{instanceId}...], BatchInput: {runId}}`), a few at a time, each with its own
 * retries and its own outcome: one instance's failure never fails or delays the others.
 *
 * An instance whose evaluation still fails after its retries becomes an EVALUATION_ERROR exclusion
 * (recordEvaluationFailure), as the per-instance catch of an inline Map did. When even that cannot be
 * recorded (the runs table unreachable), or when the stack's run-events topic refused its FINDING_REPORTED
 * (a run whose findings cannot be announced must fail), the error is kept on the instance item
 * (`evaluationFailure`, best effort) and the instance stays PENDING: FinalizeRun fails the run for the
 * latter and excludes the instance for the former. A batch whose Lambda dies (timeout, crash) is retried by
 * the state machine; a child execution that fails for good is a tolerated failure of the Map, and
 * FinalizeRun turns the instances it left PENDING into exclusions: every instance is evaluated or excluded.
 */
import { idSchema } from '../telemetry/schema';
import type { LifecycleDeps } from './deps';
import { EventsNotPublishedError, InvalidInputError } from './errors';
import { type EvaluateResult, evaluateInstance, recordEvaluationFailure } from './evaluate-instance';
import { mapLimit } from './map-limit';
import type { EvaluateBatch } from './model';

/**
 * Attempts per instance: the key service (KMS throttling or faults) gets more, with a longer backoff
 * (about 2.5 minutes at most, half that on average with full jitter); errors that retrying cannot fix get
 * one. The whole stays within the Lambda's and the Express child's 5 minutes for a batch of 25.
 */
export function itemAttempts(errorName: string): number {
  if (['RunNotFoundError', 'KeyConfigurationError', 'InvalidInputError'].includes(errorName)) return 1;
  return errorName === 'KeyServiceUnavailableError' ? 6 : 4;
}

export interface BatchResult {
  runId: string;
  items: number;
  evaluated: number;
  excluded: number;
  skipped: number;
  /** Instances left PENDING with their error on the item (see the module comment). */
  failed: number;
  /** Items that were not an instance id of this run's format (nothing could be recorded for them). */
  invalid: number;
  findings: number;
}

type ItemOutcome = EvaluateResult | { status: 'FAILED' | 'INVALID'; findings: 0 };

/**
 * `deadline` (epoch ms): when the batch must be done (the Lambda's remaining time less a margin). Past it,
 * no instance starts and no retry waits: each is recorded as an EVALUATION_ERROR exclusion that says so,
 * rather than the Lambda timing out with nothing recorded.
 */
export async function evaluateBatch(
  deps: LifecycleDeps,
  batch: EvaluateBatch,
  opts: { concurrency?: number; deadline?: number } = {},
): Promise<BatchResult> {
  // Instances of a batch evaluated at the same time in one Lambda (each holds its telemetry in memory).
  const concurrency = opts.concurrency ?? 5;
  const deadline = opts.deadline ?? Number.POSITIVE_INFINITY;
  const runId = batch?.BatchInput?.runId;
  if (typeof runId !== 'string' || !idSchema.safeParse(runId).success) {
    throw new InvalidInputError('the batch names no valid run (BatchInput.runId)');
  }
  if (!Array.isArray(batch.Items)) throw new InvalidInputError('the batch has no Items array');
  const outcomes = await mapLimit(batch.Items, concurrency, async (item): Promise<ItemOutcome> => {
    const instanceId = (item as { instanceId?: unknown } | null)?.instanceId;
    if (typeof instanceId !== 'string' || !idSchema.safeParse(instanceId).success) {
      deps.log.error('batch item is not an instance id: skipped', {
        runId,
        item: JSON.stringify(item).slice(0, 200),
      });
      return { status: 'INVALID', findings: 0 };
    }
    return evaluateWithRetries(deps, runId, instanceId, deadline);
  });
  const count = (s: ItemOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  const result: BatchResult = {
    runId,
    items: outcomes.length,
    evaluated: count('EVALUATED'),
    excluded: count('EXCLUDED'),
    skipped: count('SKIPPED'),
    failed: count('FAILED'),
    invalid: count('INVALID'),
    findings: outcomes.reduce((n, o) => n + o.findings, 0),
  };
  deps.log.info('batch evaluated', { ...result });
  return result;
}

async function evaluateWithRetries(
  deps: LifecycleDeps,
  runId: string,
  instanceId: string,
  deadline: number,
): Promise<ItemOutcome> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const outOfTime = 'the batch ran out of time before this instance could be evaluated';
  if (Date.now() >= deadline)
    return recordFailure(deps, runId, instanceId, 'EvaluationDeadlineError', outOfTime);
  for (let attempt = 1; ; attempt++) {
    try {
      return await evaluateInstance(deps, { runId, instanceId });
    } catch (err) {
      const e = err as Error;
      const name = e?.name || 'Error';
      const keyService = name === 'KeyServiceUnavailableError';
      if (attempt < itemAttempts(name)) {
        // Full jitter: key service 5 s doubling up to 60 s; others 2 s doubling.
        const cap = keyService ? Math.min(60_000, 5_000 * 2 ** (attempt - 1)) : 2_000 * 2 ** (attempt - 1);
        const delay = Math.random() * cap;
        // No retry that would end past the batch's deadline: the error is recorded now.
        if (Date.now() + delay < deadline) {
          await sleep(delay);
          continue;
        }
      }
      return recordFailure(deps, runId, instanceId, name, e?.message ?? String(err));
    }
  }
}

async function recordFailure(
  deps: LifecycleDeps,
  runId: string,
  instanceId: string,
  error: string,
  cause: string,
): Promise<ItemOutcome> {
  try {
    if (error === 'EventsNotPublishedError') throw new EventsNotPublishedError(cause);
    return await recordEvaluationFailure(deps, {
      runId,
      instanceId,
      failure: { Error: error, Cause: cause },
    });
  } catch (recordErr) {
    const failure = { error, cause: cause.slice(0, 2000) };
    deps.log.error('evaluation failed and could not be recorded as an exclusion', {
      runId,
      instanceId,
      ...failure,
      recordError: (recordErr as Error).message,
    });
    await deps.runs
      .updateInstance(runId, instanceId, { evaluationFailure: failure, updatedAt: deps.now().toISOString() })
      .catch(() => {});
    return { status: 'FAILED', findings: 0 };
  }
}
