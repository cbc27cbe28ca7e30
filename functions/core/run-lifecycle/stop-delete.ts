/**
 * Operations the control plane calls on a run: stop (Classic's StopAssessmentRun with START_EVALUATION or
 * SKIP_EVALUATION) and delete (the run, its findings, its telemetry and its reports).
 */
import { TERMINAL_RUN_STATES } from '../run';
import { cancelCommands } from './cancel-commands';
import type { LifecycleDeps } from './deps';
import { endRun } from './end-run';
import { InvalidRunStateError, RunNotFoundError } from './errors';
import type { StopAction } from './model';

/**
 * Records the stop request and cancels the run's commands; the state machine's next poll (or the next
 * evaluation, during EVALUATING_RULES) sees the request and either evaluates what was collected or ends
 * the run as CANCELED. When the run's execution is no longer running (stopped from the console, timed
 * out, failed at runtime, or gone) nobody would act on the request: the run is ended here, CANCELED, with
 * its commands cancelled and its locks released, so that it can then be deleted.
 */
export async function stopRun(
  deps: LifecycleDeps,
  runId: string,
  action: StopAction = 'START_EVALUATION',
): Promise<{ runId: string; action: StopAction; cancelledCommands: number }> {
  const run = await deps.runs.getRun(runId);
  if (!run) throw new RunNotFoundError(`run ${runId} does not exist`);
  if (TERMINAL_RUN_STATES.includes(run.state)) {
    throw new InvalidRunStateError(`run ${runId} is already ${run.state}`);
  }
  const execution =
    deps.executions && run.executionName ? await deps.executions.status(run.executionName) : 'RUNNING';
  if (execution !== 'RUNNING') {
    await deps.runs.requestStop(runId, action, deps.now().toISOString());
    const { cancelledCommands } = await endRun(deps, runId, 'CANCELED', {
      error: 'ExecutionNotRunning',
      cause: `the run's execution ${run.executionName} is ${execution}; stop-assessment-run ended the run`,
    });
    deps.log.warn('stop of a run whose execution is not running: run ended here', { runId, execution });
    return { runId, action, cancelledCommands };
  }
  const ok = await deps.runs.requestStop(runId, action, deps.now().toISOString());
  if (!ok) throw new InvalidRunStateError(`run ${runId} is already stopping or has ended`);
  const instances = await deps.runs.listInstances(runId);
  const commandIds = [...new Set(instances.flatMap((i) => (i.commandId ? [i.commandId] : [])))];
  await cancelCommands(deps, runId, commandIds);
  deps.log.info('stop requested', { runId, action, commands: commandIds.length });
  return { runId, action, cancelledCommands: commandIds.length };
}

export async function deleteRun(
  deps: LifecycleDeps,
  runId: string,
): Promise<{
  runId: string;
  findings: number;
  telemetryObjects: number;
  /** The run's evaluation manifest and the Evaluate Map's results. */
  manifestObjects: number;
  resultObjects: number;
  reportObjects: number;
}> {
  const run = await deps.runs.getRun(runId);
  if (!run) throw new RunNotFoundError(`run ${runId} does not exist`);
  if (!TERMINAL_RUN_STATES.includes(run.state)) {
    throw new InvalidRunStateError(`run ${runId} is ${run.state}: stop it before deleting it`);
  }
  const findings = await deps.findings.deleteByRun(runId);
  const telemetryObjects = await deps.telemetry.deleteByRun(runId);
  // The evaluation manifest and the Evaluate Map's results (manifests/<runId>/).
  const manifestObjects = await deps.manifests.deleteByRun(runId);
  const resultObjects = await deps.results.deleteByRun(runId);
  const reportObjects = await deps.reports.deleteByRun(runId);
  await deps.runs.deleteRun(runId);
  deps.log.info('run deleted', { runId, findings, telemetryObjects, resultObjects, reportObjects });
  return { runId, findings, telemetryObjects, manifestObjects, resultObjects, reportObjects };
}
