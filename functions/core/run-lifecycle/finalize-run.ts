/**
 * FinalizeRun: counts findings by severity over the instances, sets COMPLETED (no exclusion),
 * COMPLETED_WITH_ERRORS (some instance or package excluded) or CANCELED (stopped with SKIP_EVALUATION),
 * releases the locks and publishes ASSESSMENT_RUN_COMPLETED. Safe to retry.
 */
import type { RunState } from '../run';
import type { LifecycleDeps } from './deps';
import { RunNotFoundError } from './errors';
import { changeState } from './events';
import type { RunContext } from './model';
import { emptyCounts } from './start-run';

export interface FinalizeResult {
  runId: string;
  state: RunState;
  findingCounts: Record<string, number>;
  excludedInstances: number;
}

export async function finalizeRun(
  deps: LifecycleDeps,
  ctx: Pick<RunContext, 'runId' | 'skipEvaluation'>,
): Promise<FinalizeResult> {
  const run = await deps.runs.getRun(ctx.runId);
  if (!run) throw new RunNotFoundError(`run ${ctx.runId} does not exist`);
  const instances = await deps.runs.listInstances(ctx.runId);
  const counts = emptyCounts();
  let excluded = 0;
  for (const i of instances) {
    for (const [s, n] of Object.entries(i.findingCounts ?? {})) counts[s as keyof typeof counts] += n;
    if (i.exclusions.length > 0 || i.evaluation === 'EXCLUDED') excluded++;
  }
  // A stop with SKIP_EVALUATION during evaluation ends the run CANCELED like one during collection.
  const skipped = ctx.skipEvaluation || run.stopRequest?.action === 'SKIP_EVALUATION';
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
    });
  } finally {
    // Released even when publishing fails: the run's collection is over either way.
    await deps.locks.release(
      ctx.runId,
      instances.map((i) => i.instanceId),
    );
  }
  const final = changed?.state ?? (await deps.runs.getRun(ctx.runId))?.state ?? state;
  deps.log.info('run finalized', { runId: ctx.runId, state: final, findingCounts: counts, excluded });
  return { runId: ctx.runId, state: final, findingCounts: counts, excludedInstances: excluded };
}
