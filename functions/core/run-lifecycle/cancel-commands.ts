/** CancelCommand for each of a run's commands; a failure is logged, never thrown (the run goes on). */
import type { LifecycleDeps } from './deps';
import { mapLimit } from './map-limit';

export async function cancelCommands(
  deps: LifecycleDeps,
  runId: string,
  commandIds: readonly string[],
): Promise<void> {
  await mapLimit([...new Set(commandIds)], 4, async (commandId) => {
    try {
      await deps.commands.cancel(commandId);
    } catch (err) {
      deps.log.warn('cancel failed', { runId, commandId, error: (err as Error).message });
    }
  });
}
