/**
 * FailRun (the Catch of every state): FAILED with the error, commands cancelled, locks released,
 * ASSESSMENT_RUN_COMPLETED published. When StartRun failed before recording the run (a conflict, a missing
 * template, a limit), there is nothing to change: the error is returned for the execution's Fail state.
 */
import type { LifecycleDeps } from './deps';
import { endRun } from './end-run';
import { failureCause } from './errors';
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
  const cause = failureCause(req.state.error?.Cause);
  const runId = runIdFor(req.state, req.executionName);
  const run = await deps.runs.getRun(runId);
  if (!run) {
    deps.log.warn('run failed before it was recorded', { runId, error: errorName, cause });
    return { runId, recorded: false, Error: errorName, Cause: cause };
  }
  if (run.executionName && req.executionName && run.executionName !== req.executionName) {
    // The run id was another execution's (a second start with the same id): that run is not this one's.
    deps.log.warn('run belongs to another execution: left as it is', { runId, error: errorName, cause });
    return { runId, recorded: false, Error: errorName, Cause: cause };
  }
  const commandIds = Array.isArray(req.state.commandIds)
    ? req.state.commandIds.filter((c): c is string => typeof c === 'string')
    : [];
  await endRun(deps, runId, 'FAILED', { error: errorName, cause }, commandIds);
  deps.log.error('run failed', { runId, error: errorName, cause });
  return { runId, recorded: true, Error: errorName, Cause: cause };
}
