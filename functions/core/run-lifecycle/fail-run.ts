/**
 * FailRun (the Catch of every state): FAILED with the error, commands cancelled, locks released,
 * ASSESSMENT_RUN_COMPLETED published. When StartRun failed before recording the run (a conflict, a missing
 * template, a limit), there is nothing to change: the error is returned for the execution's Fail state.
 */
import { cancelCommands } from './cancel-commands';
import type { LifecycleDeps } from './deps';
import { changeState } from './events';
import { runIdFor, type StartRunInput } from './start-run';

export interface FailRunInput {
  /** The state data when the error was caught (a RunContext, or the execution input) with `error`. */
  state: {
    runId?: unknown;
    commandIds?: unknown;
    templateId?: unknown;
    error?: { Error?: string; Cause?: string };
  } & StartRunInput['input'];
  executionName?: string;
}

export interface FailRunResult {
  runId: string;
  recorded: boolean;
  Error: string;
  Cause: string;
}

export async function failRun(deps: LifecycleDeps, req: FailRunInput): Promise<FailRunResult> {
  const errorName = req.state.error?.Error ?? 'States.TaskFailed';
  const cause = causeMessage(req.state.error?.Cause);
  const runId = runIdFor(req.state, req.executionName);
  const run = await deps.runs.getRun(runId);
  if (!run) {
    deps.log.warn('run failed before it was recorded', { runId, error: errorName, cause });
    return { runId, recorded: false, Error: errorName, Cause: cause };
  }
  const commandIds = Array.isArray(req.state.commandIds)
    ? req.state.commandIds.filter((c): c is string => typeof c === 'string')
    : [];
  const instances = await deps.runs.listInstances(runId);
  for (const i of instances)
    if (i.commandId && !commandIds.includes(i.commandId)) commandIds.push(i.commandId);
  await cancelCommands(deps, runId, commandIds);
  try {
    await changeState(deps, runId, 'FAILED', {
      completedAt: deps.now().toISOString(),
      failure: { error: errorName, cause },
    });
  } finally {
    // Released even when publishing fails, so a FailRun that exhausts its retries leaves no instance locked.
    await deps.locks.release(
      runId,
      instances.map((i) => i.instanceId),
    );
  }
  deps.log.error('run failed', { runId, error: errorName, cause });
  return { runId, recorded: true, Error: errorName, Cause: cause };
}

/** Lambda errors arrive as a JSON Cause ({errorMessage, errorType, ...}); keep the message. */
function causeMessage(cause: string | undefined): string {
  if (!cause) return 'unknown error';
  try {
    const parsed: unknown = JSON.parse(cause);
    if (
      parsed &&
      typeof parsed === 'object' &&
      typeof (parsed as { errorMessage?: unknown }).errorMessage === 'string'
    ) {
      return (parsed as { errorMessage: string }).errorMessage;
    }
  } catch {
    // not JSON: keep as is
  }
  return cause;
}
