/**
 * A run's agents (list-assessment-run-agents) and what they sent (get-telemetry-metadata), from the run's
 * instance items: agent health as CheckAgents recorded it and Classic's health code derived from it and the
 * collection's status, the SSM command, the Auto Scaling group (StartRun keeps the instance's
 * `aws:autoscaling:groupName` tag) and the telemetry metadata EvaluateInstance recorded. Nothing is
 * decrypted here.
 */
import * as z from 'zod';
import { sumTelemetryMetadata } from '../run-lifecycle/telemetry-metadata';
import { idSchema, pageArray } from './common';
import { noSuchEntity, parseInput } from './errors';
import type { AgentHealth, ControlPlaneDeps, Page, RunView, StoredInstance } from './ports';

export const AGENT_HEALTHS = ['HEALTHY', 'UNHEALTHY', 'UNKNOWN'] as const;
export const AGENT_HEALTH_CODES = [
  'IDLE',
  'RUNNING',
  'SHUTDOWN',
  'UNHEALTHY',
  'THROTTLED',
  'UNKNOWN',
] as const;
export type AgentHealthCode = (typeof AGENT_HEALTH_CODES)[number];

export const listRunAgentsSchema = z.strictObject({
  runId: idSchema,
  filter: z
    .strictObject({
      agentHealths: z.array(z.enum(AGENT_HEALTHS)).max(10).default([]),
      agentHealthCodes: z.array(z.enum(AGENT_HEALTH_CODES)).max(10).default([]),
    })
    .optional(),
  maxResults: z.number().int().min(1).max(500).default(10),
  nextToken: z.string().min(1).max(4096).optional(),
});
export const telemetryMetadataSchema = z.strictObject({ runId: idSchema });

export interface TelemetryMetadataView {
  messageType: string;
  count: number;
  dataSize: number;
}

export interface RunAgent {
  agentId: string;
  runId: string;
  agentHealth: AgentHealth;
  agentHealthCode: AgentHealthCode;
  agentHealthDetails?: string;
  autoScalingGroup?: string;
  /** The SSM command that ran the agent, and its status (the run's collection status of the instance). */
  commandId?: string;
  commandStatus: string;
  evaluation: string;
  telemetryMetadata: TelemetryMetadataView[];
}

/** Classic's health and code of an agent, from what the run recorded. */
export function agentHealthOf(
  inst: Pick<StoredInstance, 'agentHealth' | 'agentHealthDetail' | 'collection' | 'collectionDetail'>,
): { agentHealth: AgentHealth; agentHealthCode: AgentHealthCode; details?: string } {
  const detail = inst.agentHealthDetail;
  if (inst.agentHealth === 'UNHEALTHY') {
    // SSM says Inactive for an instance that is stopped or whose agent was shut down.
    const ping = /ping status (\w+)/.exec(detail ?? '')?.[1];
    return {
      agentHealth: 'UNHEALTHY',
      agentHealthCode: ping === 'Inactive' ? 'SHUTDOWN' : 'UNHEALTHY',
      details: detail,
    };
  }
  if (inst.agentHealth !== 'HEALTHY')
    return { agentHealth: 'UNKNOWN', agentHealthCode: 'UNKNOWN', details: detail };
  if (inst.collection === 'FAILED' || inst.collection === 'TIMED_OUT') {
    const throttled = /throttl|rate exceeded/i.test(inst.collectionDetail ?? '');
    return {
      agentHealth: 'UNHEALTHY',
      agentHealthCode: throttled ? 'THROTTLED' : 'UNHEALTHY',
      details: inst.collectionDetail ?? `the agent's command ended ${inst.collection}`,
    };
  }
  const running = inst.collection === 'PENDING' || inst.collection === 'IN_PROGRESS';
  return { agentHealth: 'HEALTHY', agentHealthCode: running ? 'RUNNING' : 'IDLE', details: detail };
}

async function requireRun(deps: ControlPlaneDeps, runId: string): Promise<RunView> {
  const run = await deps.runs.get(runId);
  if (!run) throw noSuchEntity(`assessment run ${runId} does not exist`);
  return run;
}

export function runAgentOf(inst: StoredInstance): RunAgent {
  const health = agentHealthOf(inst);
  const agent: RunAgent = {
    agentId: inst.instanceId,
    runId: inst.runId,
    agentHealth: health.agentHealth,
    agentHealthCode: health.agentHealthCode,
    commandStatus: inst.collection,
    evaluation: inst.evaluation,
    telemetryMetadata: inst.telemetryMetadata ?? [],
  };
  if (health.details) agent.agentHealthDetails = health.details;
  if (inst.autoScalingGroup) agent.autoScalingGroup = inst.autoScalingGroup;
  if (inst.commandId) agent.commandId = inst.commandId;
  return agent;
}

export async function listAssessmentRunAgents(deps: ControlPlaneDeps, raw: unknown): Promise<Page<RunAgent>> {
  const input = parseInput(listRunAgentsSchema, raw, 'list-assessment-run-agents');
  await requireRun(deps, input.runId);
  const healths = input.filter?.agentHealths ?? [];
  const codes = input.filter?.agentHealthCodes ?? [];
  const agents = (await deps.runs.instanceSummaries(input.runId))
    .map(runAgentOf)
    .filter((a) => healths.length === 0 || healths.includes(a.agentHealth))
    .filter((a) => codes.length === 0 || codes.includes(a.agentHealthCode))
    .sort((a, b) => a.agentId.localeCompare(b.agentId));
  return pageArray(agents, input.maxResults, input.nextToken);
}

export async function getTelemetryMetadata(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ telemetryMetadata: TelemetryMetadataView[]; instancesReported: number }> {
  const input = parseInput(telemetryMetadataSchema, raw, 'get-telemetry-metadata');
  await requireRun(deps, input.runId);
  const reported = (await deps.runs.instanceSummaries(input.runId))
    .map((i) => i.telemetryMetadata)
    .filter((m): m is NonNullable<typeof m> => Array.isArray(m));
  return { telemetryMetadata: sumTelemetryMetadata(reported), instancesReported: reported.length };
}
