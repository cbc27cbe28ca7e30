/**
 * FinalizeRun: counts findings by severity over the instances (and apart, those waivers suppressed), sets
 * COMPLETED (no exclusion), COMPLETED_WITH_ERRORS (some instance or package excluded) or CANCELED (stopped
 * with SKIP_EVALUATION), releases the locks and publishes ASSESSMENT_RUN_COMPLETED. Safe to retry.
 */

import type { Exclusion } from '../model';
import type { RunState } from '../run';
import type { LifecycleDeps } from './deps';
import { EventsNotPublishedError, RunNotFoundError } from './errors';
import { changeState } from './events';
import type { RunContext, RunInstance } from './model';
import { emptyCounts } from './start-run';

export interface FinalizeResult {
  runId: string;
  state: RunState;
  findingCounts: Record<string, number>;
  /** The part of findingCounts waivers suppressed (counted apart, not announced). */
  suppressedFindingCounts: Record<string, number>;
  excludedInstances: number;
}

export async function finalizeRun(
  deps: LifecycleDeps,
  ctx: Pick<RunContext, 'runId' | 'skipEvaluation'>,
): Promise<FinalizeResult> {
  const run = await deps.runs.getRun(ctx.runId);
  if (!run) throw new RunNotFoundError(`run ${ctx.runId} does not exist`);
  const instances = await deps.runs.listInstances(ctx.runId);
  // A stop with SKIP_EVALUATION during evaluation ends the run CANCELED like one during collection.
  const skipped = ctx.skipEvaluation || run.stopRequest?.action === 'SKIP_EVALUATION';
  if (!skipped) {
    // The stack's run-events topic refused an instance's FINDING_REPORTED (evaluate-batch.ts): the run fails
    // rather than completing with findings nobody was told about.
    const unannounced = instances.find(
      (i) => i.evaluation === 'PENDING' && i.evaluationFailure?.error === 'EventsNotPublishedError',
    );
    if (unannounced?.evaluationFailure)
      throw new EventsNotPublishedError(unannounced.evaluationFailure.cause);
    await excludeUnfinished(deps, ctx.runId, instances);
  }
  const counts = emptyCounts();
  const suppressed = emptyCounts();
  let excluded = 0;
  for (const i of instances) {
    for (const [s, n] of Object.entries(i.findingCounts ?? {})) counts[s as keyof typeof counts] += n;
    for (const [s, n] of Object.entries(i.suppressedFindingCounts ?? {}))
      suppressed[s as keyof typeof suppressed] += n;
    if (i.exclusions.length > 0 || i.evaluation === 'EXCLUDED') excluded++;
  }
  const state: RunState = skipped
    ? 'CANCELED'
    : excluded > 0 || instances.some((i) => i.evaluation === 'PENDING')
      ? 'COMPLETED_WITH_ERRORS'
      : 'COMPLETED';
  let changed: Awaited<ReturnType<typeof changeState>>;
  try {
    changed = await changeState(deps, ctx.runId, state, {
      completedAt: deps.now().toISOString(),
      findingCounts: counts,
      suppressedFindingCounts: suppressed,
    });
  } finally {
    // Released even when publishing fails: the run's collection is over either way.
    await deps.locks.release(
      ctx.runId,
      instances.map((i) => i.instanceId),
    );
  }
  const final = changed?.state ?? (await deps.runs.getRun(ctx.runId))?.state ?? state;
  deps.log.info('run finalized', {
    runId: ctx.runId,
    state: final,
    findingCounts: counts,
    suppressedFindingCounts: suppressed,
    excluded,
  });
  return {
    runId: ctx.runId,
    state: final,
    findingCounts: counts,
    suppressedFindingCounts: suppressed,
    excludedInstances: excluded,
  };
}

/**
 * An instance still PENDING when the run is finalized was never evaluated: its evaluation died where no
 * catch sees it (a distributed Map child execution that failed, or was stopped at its time limit, and was
 * tolerated by the Map; or its failure could not be recorded). It becomes an exclusion that says so, never a
 * silent gap.
 */
async function excludeUnfinished(deps: LifecycleDeps, runId: string, instances: RunInstance[]) {
  const at = deps.now().toISOString();
  for (const inst of instances) {
    if (inst.evaluation !== 'PENDING') continue;
    const exclusion: Exclusion = {
      instanceId: inst.instanceId,
      reason: 'EVALUATION_ERROR',
      message: inst.evaluationFailure
        ? `evaluation failed after its retries: ${inst.evaluationFailure.error}: ${inst.evaluationFailure.cause}`.slice(
            0,
            2000,
          )
        : 'the evaluation of this instance did not finish (its execution failed or timed out)',
    };
    inst.evaluation = 'EXCLUDED';
    inst.exclusions = [...inst.exclusions.filter((e) => e.reason !== exclusion.reason), exclusion];
    await deps.runs.updateInstance(runId, inst.instanceId, {
      evaluation: inst.evaluation,
      exclusions: inst.exclusions,
      updatedAt: at,
    });
    deps.log.warn('instance excluded: evaluation did not finish', { runId, instanceId: inst.instanceId });
  }
}
