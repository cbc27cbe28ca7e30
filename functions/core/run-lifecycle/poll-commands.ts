/**
 * PollCommands: the command-level status of the run's commands (ListCommands: Status, TargetCount,
 * CompletedCount...; their ids are on the run's instance items). Collection is done when every command is
 * done (every invocation terminal), the deadline has passed (late invocations are cancelled and time out)
 * or a stop was requested (commands cancelled). Then, once, ListCommandInvocations per command (paginated)
 * reconciles each instance: its collection status is recorded, failed agents become AGENT_FAILED
 * exclusions, the instances to evaluate are written to the run's S3 manifest
 * (manifests/<runId>/evaluate.json, read by the Evaluate distributed Map) and the run moves on to evaluation
 * (or, for SKIP_EVALUATION, straight to finalization).
 *
 * A stop with START_EVALUATION waits for the cancelled agents to end (SSM reports Cancelling until the
 * agent process exits, and the agent uploads what it collected before it exits), for at most
 * STOP_GRACE_SECONDS after the stop request and never past the run's deadline; evaluating earlier would find
 * no telemetry and exclude instances whose data was on its way.
 */
import { type CommandInvocation, isCommandDone, isTerminalInvocation } from '../../ports/command-runner';
import { cancelCommands } from './cancel-commands';
import type { LifecycleDeps } from './deps';
import { changeState } from './events';
import { mapLimit } from './map-limit';
import {
  type CollectionStatus,
  inCollection,
  pollWaitSeconds,
  type RunContext,
  type RunInstance,
} from './model';

type InstancePatch = Partial<Omit<RunInstance, 'runId' | 'instanceId'>>;

const STATUS: Record<string, CollectionStatus> = {
  Pending: 'PENDING',
  Delayed: 'PENDING',
  InProgress: 'IN_PROGRESS',
  Cancelling: 'IN_PROGRESS',
  Success: 'SUCCEEDED',
  Failed: 'FAILED',
  TimedOut: 'TIMED_OUT',
  Cancelled: 'CANCELLED',
};

/** How long a stop with START_EVALUATION waits for cancelled agents to deliver what they collected. */
export const STOP_GRACE_SECONDS = 120;

export async function pollCommands(deps: LifecycleDeps, ctx: RunContext): Promise<RunContext> {
  const now = deps.now();
  const waitSeconds = pollWaitSeconds(ctx.durationSeconds, ctx.pollIntervalSeconds);
  const run = await deps.runs.getRun(ctx.runId);
  const stop = run?.stopRequest;
  // The instances still in the collection and their commands: the run's items, not the state data.
  const instances = (await deps.runs.listInstances(ctx.runId)).filter(inCollection);
  const commandIds = [...new Set(instances.flatMap((i) => (i.commandId ? [i.commandId] : [])))];

  // While agents run: command-level status only (ListCommands, 50 commands a call).
  const statuses = await deps.commands.commandStatuses({
    documentName: deps.config.agentDocumentName,
    // 5 minutes before the run's creation: clock skew between services.
    invokedAfter: new Date((run ? Date.parse(run.createdAt) : 0) - 300_000),
    commandIds,
  });
  const byCommand = new Map(statuses.map((c) => [c.CommandId, c]));
  // A command SSM does not report (yet) is still running; without any command nothing is on its way.
  const running = commandIds.filter((id) => {
    const c = byCommand.get(id);
    return !c || !isCommandDone(c);
  });
  const pastDeadline = ctx.deadline !== undefined && now.getTime() >= Date.parse(ctx.deadline);
  if (running.length > 0 && !pastDeadline && !stop) {
    const pendingInvocations = running.reduce((n, id) => {
      const c = byCommand.get(id);
      return n + (c ? Math.max(0, (c.TargetCount ?? 0) - (c.CompletedCount ?? 0)) : 0);
    }, 0);
    deps.log.info('collection in progress', {
      runId: ctx.runId,
      runningCommands: running.length,
      pendingInvocations,
    });
    return { ...ctx, collectionDone: false, waitSeconds };
  }

  if (running.length > 0) {
    // Stop requested or deadline passed: cancel what still runs (the agent uploads what it has on cancel).
    const cancelAll = () => cancelCommands(deps, ctx.runId, commandIds);
    const graceEnds = stop ? Date.parse(stop.at) + STOP_GRACE_SECONDS * 1000 : Number.NaN;
    if (stop?.action === 'START_EVALUATION' && !pastDeadline && now.getTime() < graceEnds) {
      await cancelAll();
      deps.log.info('stop requested: waiting for cancelled agents to deliver', {
        runId: ctx.runId,
        runningCommands: running.length,
      });
      // Cancelled agents end within seconds: look again soon rather than a whole poll interval later.
      return { ...ctx, collectionDone: false, waitSeconds: Math.min(waitSeconds, 5) };
    }
    await cancelAll();
  }

  // The final reconciliation: every invocation of every command, once (paginated), for per-instance status.
  const invocations = new Map<string, CommandInvocation>();
  const lists = await mapLimit(commandIds, 4, (id) => deps.commands.listInvocations(id));
  for (const list of lists) for (const inv of list) invocations.set(inv.instanceId, inv);

  const at = now.toISOString();
  // Stopped before any command was sent: nothing was collected, so there is nothing to evaluate.
  const skipEvaluation =
    stop?.action === 'SKIP_EVALUATION' || (stop !== undefined && commandIds.length === 0);
  const evaluate: string[] = [];
  const patches: Array<{ instanceId: string; patch: InstancePatch }> = [];
  for (const inst of instances) {
    const inv = invocations.get(inst.instanceId);
    const raw = inv?.status ?? 'Pending';
    let collection: CollectionStatus = STATUS[raw] ?? 'FAILED';
    if (!isTerminalInvocation(raw)) collection = stop ? 'CANCELLED' : 'TIMED_OUT';
    const patch: InstancePatch = { collection, updatedAt: at };
    if (inv?.statusDetails) patch.collectionDetail = inv.statusDetails;
    const stoppedByUser = stop !== undefined && (collection === 'CANCELLED' || !isTerminalInvocation(raw));
    if (skipEvaluation) {
      patch.evaluation = 'SKIPPED';
    } else if (collection === 'SUCCEEDED' || stoppedByUser) {
      // Stopped with START_EVALUATION: evaluate whatever the agent uploaded when it was cancelled.
      evaluate.push(inst.instanceId);
    } else {
      patch.evaluation = 'EXCLUDED';
      // Replaces an AGENT_FAILED exclusion a retried poll already recorded (one exclusion per reason).
      patch.exclusions = [
        ...inst.exclusions.filter((e) => e.reason !== 'AGENT_FAILED'),
        {
          instanceId: inst.instanceId,
          reason: 'AGENT_FAILED',
          message:
            collection === 'TIMED_OUT'
              ? `the agent did not finish before the run's deadline (invocation ${raw})`
              : `the agent's command ended with status ${raw}${inv?.statusDetails ? ` (${inv.statusDetails})` : ''}`,
        },
      ];
    }
    patches.push({ instanceId: inst.instanceId, patch });
  }
  // Only the attributes collection decides are written, never whole items read earlier.
  await mapLimit(patches, 16, ({ instanceId, patch }) =>
    deps.runs.updateInstance(ctx.runId, instanceId, patch),
  );
  deps.log.info('collection done', {
    runId: ctx.runId,
    evaluate: evaluate.length,
    stop: stop?.action,
    pastDeadline,
  });

  // The instances to evaluate, for the Evaluate Map's ItemReader (written before the state changes, so a
  // retry writes the same list again).
  const manifest = skipEvaluation ? undefined : await deps.manifests.put(ctx.runId, evaluate);

  if (stop) await changeState(deps, ctx.runId, 'STOP_DATA_COLLECTION_PENDING');
  await changeState(deps, ctx.runId, 'DATA_COLLECTED');
  if (!skipEvaluation) {
    await changeState(deps, ctx.runId, 'START_EVALUATING_RULES_PENDING');
    await changeState(deps, ctx.runId, 'EVALUATING_RULES');
  }
  return {
    ...ctx,
    instanceCount: skipEvaluation ? 0 : evaluate.length,
    commandCount: commandIds.length,
    collectionDone: true,
    skipEvaluation,
    ...(manifest ? { manifest } : {}),
  };
}
