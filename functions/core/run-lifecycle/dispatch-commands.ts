/**
 * DispatchCommands: SSM SendCommand of the agent document to the healthy instances, grouped by instance
 * architecture so each instance gets the agent artifact built for it (agentKey/agentSha256, see
 * agent-artifacts.ts) and a pre-signed URL of it per batch (agentUrl, legacyAgentUrl: deps.artifactUrls;
 * the instance downloads it only when its cache lacks that version), at most `commandBatchSize` (≤ 50) instances per call, with MaxConcurrency/MaxErrors
 * and a timeout of the duration plus a margin. The calls are paced by a token bucket
 * (limits.commandSendsPerSecond, rate-limiter.ts) and the sender's SDK client retries a throttled call
 * (client-config.ts). An instance whose architecture has no artifact becomes an UNSUPPORTED_OS exclusion
 * and leaves the run. Instances that already have a command (a retried Lambda)
 * are not sent again.
 *
 * Idempotent per batch: SendCommand takes no client token, so each batch's intent (a batch id derived
 * from the run, the architecture and its instances) is recorded on its instances BEFORE the call, and the
 * command carries the batch id at the start of its comment. A retry that finds instances with an intent
 * but no command id (SendCommand succeeded, recording it did not) looks the command up by its comment
 * (ListCommands) and adopts it instead of sending a second one, which would run a second agent in the
 * same working directory and never be polled or cancelled.
 */
import { createHash } from 'node:crypto';
import type { Exclusion } from '../model';
import { TERMINAL_RUN_STATES } from '../run';
import {
  AGENT_ARCHITECTURES,
  type AgentArchitecture,
  type AgentArtifactRef,
  chooseAgentArtifact,
} from './agent-artifacts';
import { agentArtifactParameters, agentCommandParameters } from './agent-command';
import { cancelCommands } from './cancel-commands';
import type { LifecycleDeps } from './deps';
import { changeState } from './events';
import { inCollection, pollWaitSeconds, type RunContext, type RunInstance } from './model';
import { realSleep, TokenBucket } from './rate-limiter';

export async function dispatchCommands(deps: LifecycleDeps, ctx: RunContext): Promise<RunContext> {
  const { limits } = deps.config;
  const now = deps.now();
  const at = now.toISOString();
  const deadline = new Date(
    now.getTime() + (ctx.durationSeconds + limits.commandMarginSeconds) * 1000,
  ).toISOString();
  const run = await deps.runs.getRun(ctx.runId);
  const commandIds = new Set<string>();
  // The run's instances still in the collection are its items in the runs table (not the state data).
  const instances = (await deps.runs.listInstances(ctx.runId)).filter(inCollection);
  for (const i of instances) if (i.commandId) commandIds.add(i.commandId);
  let toSend = instances.filter((i) => !i.commandId);

  if (run?.stopRequest) {
    deps.log.info('stop requested before dispatch: no command sent', { runId: ctx.runId });
    return { ...ctx, commandCount: commandIds.size, deadline: at, waitSeconds: 0 };
  }

  // A retry: batches an earlier attempt may have sent without recording their command.
  const adopted = await adoptSentBatches(deps, ctx.runId, toSend, at);
  for (const commandId of adopted.commandIds) commandIds.add(commandId);
  toSend = toSend.filter((i) => !adopted.instanceIds.has(i.instanceId));

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
    uploadJitterSeconds: String(agentUploadJitter(limits)),
  });
  // SendCommand's TimeoutSeconds: SSM starts no invocation later, so a download URL need not outlive it.
  const timeoutSeconds = ctx.durationSeconds + limits.commandMarginSeconds;
  const sent: Partial<Record<AgentArchitecture, number>> = {};
  // Re-read before each batch: a stop, or an execution ended from outside (the run made terminal by
  // ReconcileRun while this Lambda still runs), must not send more agents to instances it no longer holds.
  let halted: string | undefined;
  const stillWanted = async (): Promise<boolean> => {
    const now = await deps.runs.getRun(ctx.runId);
    if (!now) halted = 'the run no longer exists';
    else if (TERMINAL_RUN_STATES.includes(now.state)) halted = `the run is already ${now.state}`;
    else if (now.stopRequest) halted = 'a stop was requested';
    return halted === undefined;
  };
  // SendCommand calls are paced: at most commandSendsPerSecond on average, bursts of as many.
  const pace = new TokenBucket({
    ratePerSecond: limits.commandSendsPerSecond,
    burst: Math.max(1, Math.floor(limits.commandSendsPerSecond)),
    now: () => deps.now().getTime(),
    sleep: deps.sleep ?? realSleep,
  });
  dispatching: for (const architecture of AGENT_ARCHITECTURES) {
    const group = groups.get(architecture) ?? [];
    const artifact = artifacts?.[architecture];
    for (let i = 0; i < group.length; i += limits.commandBatchSize) {
      const batch = group.slice(i, i + limits.commandBatchSize);
      if (!(await stillWanted())) break dispatching;
      // Without configured artifacts the document's default artifact applies (no agentKey/agentSha256).
      // Each batch gets URLs signed now for its own timeout (a long dispatch does not age them).
      const parameters = artifact
        ? {
            ...runParameters,
            ...agentArtifactParameters(artifact, await artifactUrls(deps, artifact, timeoutSeconds)),
          }
        : runParameters;
      const batchId = batchIdFor(ctx.runId, architecture, batch);
      // The intent first: a retry after a send whose recording failed finds the command by its comment.
      await deps.runs.putInstances(
        batch.map((b) => ({ ...b, dispatchIntent: { batchId, at }, updatedAt: at })),
      );
      await pace.take();
      const commandId = await deps.commands.send({
        documentName: deps.config.agentDocumentName,
        instanceIds: batch.map((b) => b.instanceId),
        parameters,
        timeoutSeconds,
        maxConcurrency: limits.commandMaxConcurrency,
        maxErrors: limits.commandMaxErrors,
        comment: `${batchCommentPrefix(batchId)}${artifact ? `${architecture} agent` : 'agent'}, run ${ctx.runId}`,
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
        dispatchIntent: { batchId, at },
        commandId,
        collection: 'PENDING',
        updatedAt: at,
      }));
      // Recorded per batch, so a retry after a partial dispatch sends only what is left.
      await deps.runs.putInstances(updated);
      if (!(await stillWanted())) {
        // Ended while this command was on its way: nobody else knows it, so cancel it here.
        await cancelCommands(deps, ctx.runId, [commandId]);
        break dispatching;
      }
    }
    if (group.length > 0) sent[architecture] = group.length;
  }
  deps.log.info('commands sent', {
    runId: ctx.runId,
    instances: sent,
    excluded: excluded.length,
    commands: commandIds.size,
    pacedMs: pace.waitedMs,
    ...(halted ? { halted } : {}),
  });
  if (halted) {
    // Polling sees the stop (or the ended run) at once and cancels what was sent.
    return { ...ctx, commandCount: commandIds.size, deadline: at, waitSeconds: 0 };
  }
  await changeState(deps, ctx.runId, 'COLLECTING_DATA');
  return {
    ...ctx,
    instanceCount: instances.length - excluded.length,
    commandCount: commandIds.size,
    deadline,
    waitSeconds: pollWaitSeconds(ctx.durationSeconds, ctx.pollIntervalSeconds),
  };
}

/**
 * The agent's random wait before its upload comes out of the command's margin (timeout = duration +
 * commandMarginSeconds): at most half of it, so the other half still holds the download, the collection
 * and the upload.
 */
export function agentUploadJitter(limits: {
  agentUploadJitterSeconds: number;
  commandMarginSeconds: number;
}): number {
  return Math.min(limits.agentUploadJitterSeconds, Math.floor(limits.commandMarginSeconds / 2));
}

/**
 * The pre-signed URLs of an artifact (and its legacy artifact) for one command, or none without the port.
 * Never logged: each is a bearer token.
 */
async function artifactUrls(
  deps: LifecycleDeps,
  artifact: AgentArtifactRef,
  lifetimeSeconds: number,
): Promise<{ agent: string; legacy?: string } | undefined> {
  if (!deps.artifactUrls) return undefined;
  const agent = await deps.artifactUrls.urlFor(artifact.key, lifetimeSeconds);
  if (!artifact.legacy) return { agent };
  return { agent, legacy: await deps.artifactUrls.urlFor(artifact.legacy.key, lifetimeSeconds) };
}

/** A batch's id: the same instances of the same run and architecture give the same id. */
export function batchIdFor(runId: string, architecture: string, batch: readonly RunInstance[]): string {
  const ids = batch.map((b) => b.instanceId).sort();
  return createHash('sha256')
    .update(JSON.stringify([runId, architecture, ids]))
    .digest('hex')
    .slice(0, 16);
}

/** The start of a batch's command comment (SSM keeps at most 100 characters of it). */
export function batchCommentPrefix(batchId: string): string {
  return `Inspector batch ${batchId}: `;
}

/** How long before its recorded intent a batch's command is looked for (clock skew between services). */
const INTENT_LOOKBACK_MS = 5 * 60 * 1000;

async function adoptSentBatches(
  deps: LifecycleDeps,
  runId: string,
  candidates: readonly RunInstance[],
  at: string,
): Promise<{ commandIds: string[]; instanceIds: Set<string> }> {
  const byBatch = new Map<string, RunInstance[]>();
  for (const inst of candidates) {
    if (!inst.dispatchIntent) continue;
    const list = byBatch.get(inst.dispatchIntent.batchId) ?? [];
    list.push(inst);
    byBatch.set(inst.dispatchIntent.batchId, list);
  }
  const commandIds: string[] = [];
  const instanceIds = new Set<string>();
  for (const [batchId, batch] of byBatch) {
    const intentAt = Date.parse(batch[0]?.dispatchIntent?.at ?? at);
    const [commandId, ...duplicates] = await deps.commands.findCommands({
      documentName: deps.config.agentDocumentName,
      commentPrefix: batchCommentPrefix(batchId),
      invokedAfter: new Date(intentAt - INTENT_LOOKBACK_MS),
    });
    if (!commandId) continue;
    if (duplicates.length > 0) {
      // More than one attempt got through: keep the first, cancel the others (same instances, same work dir).
      deps.log.warn('the batch was sent more than once: cancelling the extra commands', {
        runId,
        batchId,
        kept: commandId,
        cancelled: duplicates,
      });
      await cancelCommands(deps, runId, duplicates);
    }
    await deps.runs.putInstances(
      batch.map((b) => ({ ...b, commandId, collection: 'PENDING' as const, updatedAt: at })),
    );
    commandIds.push(commandId);
    for (const b of batch) instanceIds.add(b.instanceId);
    deps.log.warn('an earlier attempt sent this batch: its command is adopted, not sent again', {
      runId,
      batchId,
      commandId,
      instances: batch.length,
    });
  }
  return { commandIds, instanceIds };
}
