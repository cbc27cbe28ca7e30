/**
 * ReconcileRun: the target of an EventBridge rule on the state machine's execution status. An execution
 * that ends ABORTED (console "Stop execution", StopExecution), TIMED_OUT (the execution's time limit) or
 * FAILED without passing through FailRun (States.Runtime, States.DataLimitExceeded, FailRun itself out of
 * retries) would leave its run non-terminal forever: counted against the active-run and agent limits, its
 * instances locked, impossible to delete. This ends it: ABORTED → CANCELED, TIMED_OUT and FAILED →
 * FAILED, with the reason, commands cancelled, locks released and the events published.
 * A run that already ended (FailRun did its work) is left as it is: nothing is published twice, unless its
 * terminal events were never published (an earlier attempt failed while publishing): then they are.
 * A run that belongs to another execution (the same runId given to a second execution) is not touched.
 *
 * EventBridge delivers Step Functions status events on a best-effort basis, so the same Lambda also runs on
 * a schedule (sweepRuns): every active run whose execution is no longer RUNNING is ended the same way.
 */
import { TERMINAL_RUN_STATES } from '../run';
import type { LifecycleDeps } from './deps';
import { endRun } from './end-run';
import { failureCause } from './errors';
import { changeState } from './events';
import type { StoredRun } from './model';
import { runIdFor, type StartRunInput } from './start-run';

export const RECONCILED_EXECUTION_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

/** The detail of EventBridge's "Step Functions Execution Status Change" event (the fields used). */
export interface ExecutionStatusDetail {
  executionArn?: string;
  stateMachineArn?: string;
  name?: string;
  status?: string;
  /** The execution's input as a JSON string (null when it was not included). */
  input?: string | null;
  error?: string | null;
  cause?: string | null;
}

export interface ReconcileResult {
  runId?: string;
  outcome: 'IGNORED' | 'NOT_RECORDED' | 'ALREADY_ENDED' | 'REPUBLISHED' | 'ENDED';
  state?: string;
}

export async function reconcileRun(
  deps: LifecycleDeps,
  detail: ExecutionStatusDetail,
): Promise<ReconcileResult> {
  const status = detail.status ?? '';
  if (!(RECONCILED_EXECUTION_STATUSES as readonly string[]).includes(status) || !detail.name) {
    return { outcome: 'IGNORED' };
  }
  const runId = runIdFor(parseInput(detail.input), detail.name);
  const run = await deps.runs.getRun(runId);
  if (!run) {
    deps.log.info('execution ended before its run was recorded: nothing to reconcile', { runId, status });
    return { runId, outcome: 'NOT_RECORDED' };
  }
  if (run.executionName && run.executionName !== detail.name) {
    deps.log.warn('the run belongs to another execution: not reconciled', {
      runId,
      execution: detail.name,
      runExecution: run.executionName,
    });
    return { runId, outcome: 'IGNORED', state: run.state };
  }
  return endForExecution(deps, run, status, detail);
}

async function endForExecution(
  deps: LifecycleDeps,
  run: StoredRun,
  status: string,
  detail: Pick<ExecutionStatusDetail, 'name' | 'error' | 'cause'>,
): Promise<ReconcileResult> {
  const runId = run.runId;
  if (TERMINAL_RUN_STATES.includes(run.state)) {
    if (run.terminalEventsPublishedAt) return { runId, outcome: 'ALREADY_ENDED', state: run.state };
    // Ended, but its last events were lost while publishing: publish them now (changeState does on a
    // repeated terminal change).
    await changeState(deps, runId, run.state);
    return { runId, outcome: 'REPUBLISHED', state: run.state };
  }
  const state = status === 'ABORTED' ? 'CANCELED' : 'FAILED';
  const failure =
    status === 'ABORTED'
      ? {
          error: 'ExecutionAborted',
          cause: `the run's execution ${detail.name} was stopped (console or StopExecution) before the run ended`,
        }
      : status === 'TIMED_OUT'
        ? {
            error: 'States.Timeout',
            cause: `the run's execution ${detail.name} exceeded the state machine's time limit`,
          }
        : status === 'FAILED'
          ? {
              error: detail.error || 'ExecutionFailed',
              cause: failureCause(detail.cause ?? undefined),
            }
          : {
              error: 'ExecutionNotRunning',
              cause: `the run's execution ${detail.name} is ${status} but the run had not ended`,
            };
  deps.log.warn('execution ended outside the state machine: ending its run', { runId, status, state });
  const ended = await endRun(deps, runId, state, failure);
  return { runId, outcome: 'ENDED', state: ended.run?.state ?? state };
}

/** Runs younger than this are left to their execution (it may not be visible to DescribeExecution yet). */
const SWEEP_MIN_AGE_MS = 10 * 60 * 1000;

/**
 * The scheduled sweep: every active run whose execution is not RUNNING (it ended, or is gone) is ended as
 * ReconcileRun would have on the status event that never came. Needs the state machine's executions.
 */
export async function sweepRuns(deps: LifecycleDeps): Promise<ReconcileResult[]> {
  const executions = deps.executions;
  if (!executions) throw new Error('sweepRuns needs the state machine (STATE_MACHINE_ARN)');
  const now = deps.now().getTime();
  const results: ReconcileResult[] = [];
  for (const run of await deps.runs.listActive()) {
    if (!run.executionName || now - Date.parse(run.createdAt) < SWEEP_MIN_AGE_MS) continue;
    const status = await executions.status(run.executionName);
    if (status === 'RUNNING') continue;
    results.push(await endForExecution(deps, run, status, { name: run.executionName }));
  }
  if (results.length > 0) deps.log.warn('sweep ended runs whose execution had ended', { results });
  return results;
}

function parseInput(input: string | null | undefined): StartRunInput['input'] | undefined {
  if (!input) return undefined;
  try {
    const parsed: unknown = JSON.parse(input);
    return parsed && typeof parsed === 'object' ? (parsed as StartRunInput['input']) : undefined;
  } catch {
    return undefined;
  }
}
