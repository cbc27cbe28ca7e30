/**
 * DispatchCommands: SSM SendCommand of the agent document to the healthy instances, grouped by instance
 * architecture so each instance gets the agent artifact built for it (agentKey/agentSha256, see
 * agent-artifacts.ts), at most `commandBatchSize` (≤ 50) instances per call, with MaxConcurrency/MaxErrors
 * and a timeout of the duration plus a margin. An instance whose architecture has no artifact becomes an
 * UNSUPPORTED_OS exclusion and leaves the run. Instances that already have a command (a retried Lambda)
 * are not sent again.
 */
import type { Exclusion } from '../model';
import { AGENT_ARCHITECTURES, type AgentArchitecture, chooseAgentArtifact } from './agent-artifacts';
import { agentArtifactParameters, agentCommandParameters } from './agent-command';
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
  const toSend = instances.filter((i) => wanted.has(i.instanceId) && !i.commandId);

  if (run?.stopRequest) {
    deps.log.info('stop requested before dispatch: no command sent', { runId: ctx.runId });
    return { ...ctx, commandIds: [...commandIds], deadline: at };
  }

  // Each instance to its architecture's artifact; an architecture without one is an exclusion.
  const artifacts = deps.config.agentArtifacts;
  const groups = new Map<AgentArchitecture, RunInstance[]>();
  const excluded: RunInstance[] = [];
  for (const inst of toSend) {
    const choice = chooseAgentArtifact(inst.architecture, artifacts);
    if (!choice.ok) {
      const exclusion: Exclusion = {
        instanceId: inst.instanceId,
        reason: 'UNSUPPORTED_OS',
        message: choice.message,
      };
      excluded.push({
        ...inst,
        collection: 'SKIPPED',
        collectionDetail: 'no agent artifact for this architecture; no command sent',
        evaluation: 'EXCLUDED',
        exclusions: [...inst.exclusions.filter((e) => e.reason !== exclusion.reason), exclusion],
        updatedAt: at,
      });
      continue;
    }
    const group = groups.get(choice.architecture) ?? [];
    group.push(inst);
    groups.set(choice.architecture, group);
  }
  if (excluded.length > 0) {
    await deps.runs.putInstances(excluded);
    deps.log.warn('instances without an agent artifact for their architecture excluded', {
      runId: ctx.runId,
      instances: excluded.map((i) => `${i.instanceId} (${i.architecture ?? 'unknown'})`),
    });
  }

  const upload = deps.telemetry.uploadLocation(ctx.runId);
  const runParameters = agentCommandParameters({
    runId: ctx.runId,
    durationSeconds: String(ctx.durationSeconds),
    uploadBucket: upload.bucket,
    uploadPrefix: upload.prefix,
    kmsKeyArn: deps.config.kmsKeyArn,
  });
  const sent: Partial<Record<AgentArchitecture, number>> = {};
  for (const architecture of AGENT_ARCHITECTURES) {
    const group = groups.get(architecture) ?? [];
    const artifact = artifacts?.[architecture];
    // Without configured artifacts the document's default artifact applies (no agentKey/agentSha256).
    const parameters = artifact ? { ...runParameters, ...agentArtifactParameters(artifact) } : runParameters;
    for (let i = 0; i < group.length; i += limits.commandBatchSize) {
      const batch = group.slice(i, i + limits.commandBatchSize);
      const commandId = await deps.commands.send({
        documentName: deps.config.agentDocumentName,
        instanceIds: batch.map((b) => b.instanceId),
        parameters,
        timeoutSeconds: ctx.durationSeconds + limits.commandMarginSeconds,
        maxConcurrency: limits.commandMaxConcurrency,
        maxErrors: limits.commandMaxErrors,
        comment: `Inspector ${artifact ? `${architecture} agent` : 'agent'}, run ${ctx.runId}`,
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
      const updated: RunInstance[] = batch.map((b) => ({
        ...b,
        commandId,
        collection: 'PENDING',
        updatedAt: at,
      }));
      // Recorded per batch, so a retry after a partial dispatch sends only what is left.
      await deps.runs.putInstances(updated);
    }
    if (group.length > 0) sent[architecture] = group.length;
  }
  deps.log.info('commands sent', {
    runId: ctx.runId,
    instances: sent,
    excluded: excluded.length,
    commands: commandIds.size,
  });
  await changeState(deps, ctx.runId, 'COLLECTING_DATA');
  const gone = new Set(excluded.map((i) => i.instanceId));
  return {
    ...ctx,
    instanceIds: ctx.instanceIds.filter((id) => !gone.has(id)),
    commandIds: [...commandIds],
    deadline,
  };
}
