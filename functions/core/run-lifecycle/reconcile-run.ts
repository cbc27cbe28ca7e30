/**
 * ReconcileRun: the target of an EventBridge rule on the state machine's execution status. An execution
 * that ends ABORTED (console "Stop execution", StopExecution), TIMED_OUT (the execution's time limit) or
 * FAILED without passing through FailRun (States.Runtime, States.DataLimitExceeded, FailRun itself out of
 * retries) would leave its run non-terminal forever: counted against the active-run and agent limits, its
 * instances locked, impossible to delete. This ends it: ABORTED → CANCELED, TIMED_OUT and FAILED →
 * FAILED, with the reason, commands cancelled, locks released and the events published.
 * A run that already ended (FailRun did its work) is left as it is: nothing is published twice.
 */
import { TERMINAL_RUN_STATES } from '../run';
import type { LifecycleDeps } from './deps';
import { endRun } from './end-run';
import { failureCause } from './evaluate-instance';
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
  outcome: 'IGNORED' | 'NOT_RECORDED' | 'ALREADY_ENDED' | 'ENDED';
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
  if (TERMINAL_RUN_STATES.includes(run.state)) return { runId, outcome: 'ALREADY_ENDED', state: run.state };

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
        : {
            error: detail.error || 'ExecutionFailed',
            cause: failureCause(detail.cause ?? undefined),
          };
  deps.log.warn('execution ended outside the state machine: ending its run', { runId, status, state });
  const ended = await endRun(deps, runId, state, failure);
  return { runId, outcome: 'ENDED', state: ended?.state ?? state };
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
