/**
 * CheckAgents: SSM instance information per instance. No SSM agent, an agent not online, or a platform the
 * agent does not support becomes an exclusion; the run goes on with the healthy instances.
 */
import type { AgentInfo } from '../../ports/fleet';
import type { Exclusion } from '../model';
import type { LifecycleDeps } from './deps';
import { changeState } from './events';
import { type AgentHealth, inCollection, type RunContext, type RunInstance } from './model';

const SUPPORTED_PLATFORM_TYPES = ['Linux'];

export interface AgentVerdict {
  agentHealth: AgentHealth;
  agentHealthDetail: string;
  /** Set when the instance cannot be assessed: no agent, an agent not online, a platform not supported. */
  exclusion?: Exclusion;
  os?: string;
}

/**
 * What SSM's instance information (absent: no agent registered) says of an instance: its agent health and
 * whether it is excluded. CheckAgents decides with it, and so does the exclusions preview.
 */
export function agentVerdict(instanceId: string, info: AgentInfo | undefined): AgentVerdict {
  const os = info?.platformName ? `${info.platformName} ${info.platformVersion ?? ''}`.trim() : undefined;
  const withOs = (v: AgentVerdict): AgentVerdict => (os ? { ...v, os } : v);
  if (!info) {
    return {
      agentHealth: 'UNKNOWN',
      agentHealthDetail: 'no SSM agent registered',
      exclusion: {
        instanceId,
        reason: 'NO_AGENT',
        message:
          'the instance has no SSM agent registered with Systems Manager (or lacks the instance profile)',
      },
    };
  }
  if (info.pingStatus !== 'Online') {
    return withOs({
      agentHealth: 'UNHEALTHY',
      agentHealthDetail: `SSM agent ping status ${info.pingStatus}`,
      exclusion: {
        instanceId,
        reason: 'AGENT_UNHEALTHY',
        message: `the SSM agent is not online (ping status ${info.pingStatus})`,
      },
    });
  }
  if (!SUPPORTED_PLATFORM_TYPES.includes(info.platformType ?? '')) {
    return withOs({
      agentHealth: 'HEALTHY',
      agentHealthDetail: `platform ${info.platformType ?? 'unknown'} ${info.platformName ?? ''}`.trim(),
      exclusion: {
        instanceId,
        reason: 'UNSUPPORTED_OS',
        message:
          `the agent supports ${SUPPORTED_PLATFORM_TYPES.join(', ')}; this instance runs ${info.platformType ?? 'an unknown platform'} ${info.platformName ?? ''}`.trim(),
      },
    });
  }
  return withOs({
    agentHealth: 'HEALTHY',
    agentHealthDetail:
      `SSM agent ${info.agentVersion ?? ''} on ${info.platformName ?? 'Linux'} ${info.platformVersion ?? ''}`
        .replace(/\s+/g, ' ')
        .trim(),
  });
}

export async function checkAgents(deps: LifecycleDeps, ctx: RunContext): Promise<RunContext> {
  const at = deps.now().toISOString();
  // The run's instances are its items in the runs table (StartRun recorded them), not the state data.
  const instances = (await deps.runs.listInstances(ctx.runId)).filter(inCollection);
  const infos = new Map(
    (await deps.agents.describe(instances.map((i) => i.instanceId))).map((i) => [i.instanceId, i]),
  );
  const healthy: string[] = [];
  const updated: RunInstance[] = [];
  for (const inst of instances) {
    const info = infos.get(inst.instanceId);
    const verdict = agentVerdict(inst.instanceId, info);
    const exclusion = verdict.exclusion;
    const next: RunInstance = {
      ...inst,
      agentHealth: verdict.agentHealth,
      agentHealthDetail: verdict.agentHealthDetail,
      updatedAt: at,
    };
    if (verdict.os) next.os = verdict.os;
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
  return { ...ctx, instanceCount: healthy.length };
}
