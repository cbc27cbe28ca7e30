/**
 * Ends a run that cannot finish normally (FailRun, an execution that ended outside the state machine's own
 * states, a stop whose execution is gone): cancels its commands, moves it to a terminal state with the
 * reason, releases its locks (even when publishing fails) and publishes ASSESSMENT_RUN_COMPLETED.
 */
import type { RunState } from '../run';
import { cancelCommands } from './cancel-commands';
import type { LifecycleDeps } from './deps';
import { changeState } from './events';
import type { StoredRun } from './model';

export async function endRun(
  deps: LifecycleDeps,
  runId: string,
  state: Extract<RunState, 'FAILED' | 'CANCELED'>,
  failure: { error: string; cause: string },
  knownCommandIds: readonly string[] = [],
): Promise<{ run: StoredRun | undefined; cancelledCommands: number }> {
  const instances = await deps.runs.listInstances(runId);
  const commandIds = new Set(knownCommandIds);
  for (const i of instances) if (i.commandId) commandIds.add(i.commandId);
  await cancelCommands(deps, runId, [...commandIds]);
  try {
    const run = await changeState(deps, runId, state, { completedAt: deps.now().toISOString(), failure });
    return { run, cancelledCommands: commandIds.size };
  } finally {
    // Released even when publishing fails, so an attempt that exhausts its retries leaves no instance locked.
    await deps.locks.release(
      runId,
      instances.map((i) => i.instanceId),
    );
  }
}
