/**
 * CheckAgents: SSM instance information per instance. No SSM agent, an agent not online, or a platform the
 * agent does not support becomes an exclusion; the run goes on with the healthy instances.
 */
import type { Exclusion } from '../model';
import type { LifecycleDeps } from './deps';
import { changeState } from './events';
import type { RunContext, RunInstance } from './model';

const SUPPORTED_PLATFORM_TYPES = ['Linux'];

export async function checkAgents(deps: LifecycleDeps, ctx: RunContext): Promise<RunContext> {
  const at = deps.now().toISOString();
  const infos = new Map((await deps.agents.describe(ctx.instanceIds)).map((i) => [i.instanceId, i]));
  const instances = await deps.runs.listInstances(ctx.runId);
  const wanted = new Set(ctx.instanceIds);
  const healthy: string[] = [];
  const updated: RunInstance[] = [];
  for (const inst of instances) {
    if (!wanted.has(inst.instanceId)) continue;
    const info = infos.get(inst.instanceId);
    let exclusion: Exclusion | undefined;
    const next: RunInstance = { ...inst, updatedAt: at };
    if (!info) {
      next.agentHealth = 'UNKNOWN';
      next.agentHealthDetail = 'no SSM agent registered';
      exclusion = {
        instanceId: inst.instanceId,
        reason: 'NO_AGENT',
        message:
          'the instance has no SSM agent registered with Systems Manager (or lacks the instance profile)',
      };
    } else if (info.pingStatus !== 'Online') {
      next.agentHealth = 'UNHEALTHY';
      next.agentHealthDetail = `SSM agent ping status ${info.pingStatus}`;
      exclusion = {
        instanceId: inst.instanceId,
        reason: 'AGENT_UNHEALTHY',
        message: `the SSM agent is not online (ping status ${info.pingStatus})`,
      };
    } else if (!SUPPORTED_PLATFORM_TYPES.includes(info.platformType ?? '')) {
      next.agentHealth = 'HEALTHY';
      next.agentHealthDetail = `platform ${info.platformType ?? 'unknown'} ${info.platformName ?? ''}`.trim();
      exclusion = {
        instanceId: inst.instanceId,
        reason: 'UNSUPPORTED_OS',
        message:
          `the agent supports ${SUPPORTED_PLATFORM_TYPES.join(', ')}; this instance runs ${info.platformType ?? 'an unknown platform'} ${info.platformName ?? ''}`.trim(),
      };
    } else {
      next.agentHealth = 'HEALTHY';
      next.agentHealthDetail =
        `SSM agent ${info.agentVersion ?? ''} on ${info.platformName ?? 'Linux'} ${info.platformVersion ?? ''}`
          .replace(/\s+/g, ' ')
          .trim();
    }
    if (info?.platformName) next.os = `${info.platformName} ${info.platformVersion ?? ''}`.trim();
    if (exclusion) {
      next.exclusions = [...inst.exclusions.filter((e) => e.reason !== exclusion.reason), exclusion];
      next.collection = 'SKIPPED';
      next.evaluation = 'EXCLUDED';
    } else {
      healthy.push(inst.instanceId);
    }
    updated.push(next);
  }
  await deps.runs.putInstances(updated);
  deps.log.info('agents checked', {
    runId: ctx.runId,
    healthy: healthy.length,
    excluded: updated.length - healthy.length,
  });
  await changeState(deps, ctx.runId, 'START_DATA_COLLECTION_IN_PROGRESS');
  return { ...ctx, instanceIds: healthy };
}
