/**
 * DispatchCommands: SSM SendCommand of the agent document to the healthy instances, at most
 * `commandBatchSize` (≤ 50) instances per call, with MaxConcurrency/MaxErrors and a timeout of the
 * duration plus a margin. Instances that already have a command (a retried Lambda) are not sent again.
 */
import { agentCommandParameters } from './agent-command';
import type { LifecycleDeps } from './deps';
import { changeState } from './events';
import type { RunContext, RunInstance } from './model';

export async function dispatchCommands(deps: LifecycleDeps, ctx: RunContext): Promise<RunContext> {
  const { limits } = deps.config;
  const now = deps.now();
  const at = now.toISOString();
  const deadline = new Date(
    now.getTime() + (ctx.durationSeconds + limits.commandMarginSeconds) * 1000,
  ).toISOString();
  const run = await deps.runs.getRun(ctx.runId);
  const commandIds = new Set(ctx.commandIds);
  const instances = await deps.runs.listInstances(ctx.runId);
  const wanted = new Set(ctx.instanceIds);
  for (const i of instances) if (wanted.has(i.instanceId) && i.commandId) commandIds.add(i.commandId);
  const toSend = instances.filter((i) => wanted.has(i.instanceId) && !i.commandId).map((i) => i.instanceId);

  if (run?.stopRequest) {
    deps.log.info('stop requested before dispatch: no command sent', { runId: ctx.runId });
    return { ...ctx, commandIds: [...commandIds], deadline: at };
  }
  const upload = deps.telemetry.uploadLocation(ctx.runId);
  const parameters = agentCommandParameters({
    runId: ctx.runId,
    durationSeconds: String(ctx.durationSeconds),
    uploadBucket: upload.bucket,
    uploadPrefix: upload.prefix,
    kmsKeyArn: deps.config.kmsKeyArn,
  });
  const byId = new Map(instances.map((i) => [i.instanceId, i]));
  for (let i = 0; i < toSend.length; i += limits.commandBatchSize) {
    const batch = toSend.slice(i, i + limits.commandBatchSize);
    const commandId = await deps.commands.send({
      documentName: deps.config.agentDocumentName,
      instanceIds: batch,
      parameters,
      timeoutSeconds: ctx.durationSeconds + limits.commandMarginSeconds,
      maxConcurrency: limits.commandMaxConcurrency,
      maxErrors: limits.commandMaxErrors,
      comment: `Inspector assessment run ${ctx.runId}`,
      ...(deps.config.commandOutput
        ? {
            output: {
              bucket: deps.config.commandOutput.bucket,
              prefix: `${deps.config.commandOutput.prefix}${ctx.runId}/`,
            },
          }
        : {}),
    });
    commandIds.add(commandId);
    const updated: RunInstance[] = batch.map((id) => ({
      ...(byId.get(id) as RunInstance),
      commandId,
      collection: 'PENDING',
      updatedAt: at,
    }));
    // Recorded per batch, so a retry after a partial dispatch sends only what is left.
    await deps.runs.putInstances(updated);
  }
  deps.log.info('commands sent', { runId: ctx.runId, instances: toSend.length, commands: commandIds.size });
  await changeState(deps, ctx.runId, 'COLLECTING_DATA');
  return { ...ctx, commandIds: [...commandIds], deadline };
}
