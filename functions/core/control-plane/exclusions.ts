/**
 * Exclusions: what a run could not assess and why (list-exclusions, describe-exclusions), and the text of
 * each reason, which the exclusions preview (exclusions-preview.ts) shares.
 *
 * An exclusion is shown in Classic's shape: title, description, recommendation, scopes (INSTANCE_ID, and
 * RULES_PACKAGE when only part of an instance was excluded), attributes. A run's exclusion is named
 * `<runId>/<instanceId>/<REASON>` (`…/<REASON>.2` for a second one of the same reason on that instance).
 */
import * as z from 'zod';
import type { Exclusion, ExclusionReason } from '../model';
import { type FailedItem, idSchema, pageArray } from './common';
import { noSuchEntity, parseInput } from './errors';
import type { ControlPlaneDeps, ExclusionView, Page, StoredInstance } from './ports';

/** Reasons only a preview gives: the run would be refused as a whole (StartRun's checks). */
export type PreviewOnlyReason = 'INSTANCE_LOCKED' | 'LIMIT_EXCEEDED';
export type AnyExclusionReason = ExclusionReason | PreviewOnlyReason;

/** Title and recommendation per reason; the description is the exclusion's own message. */
export const EXCLUSION_TEXT: Record<AnyExclusionReason, { title: string; recommendation: string }> = {
  NO_AGENT: {
    title: 'No SSM agent found on the instance',
    recommendation:
      'Install and start the SSM agent, and attach an instance profile with the stack output AgentInstancePolicyArn (and AmazonSSMManagedInstanceCore), so that Systems Manager lists the instance as managed.',
  },
  AGENT_UNHEALTHY: {
    title: 'The SSM agent is not online',
    recommendation:
      'Start the SSM agent and check it reaches the Systems Manager endpoints (network, VPC endpoints, instance profile); Fleet Manager shows its ping status.',
  },
  AGENT_FAILED: {
    title: 'The agent failed to collect telemetry',
    recommendation:
      "Read the command's output (SSM Run Command history, or the command output bucket) and the instance's agent requirements in the README.",
  },
  UNSUPPORTED_OS: {
    title: 'Unsupported operating system or architecture',
    recommendation:
      'The agent assesses Linux on x86_64 and arm64. Other instances cannot be assessed; leave them out of the target by tags.',
  },
  TELEMETRY_MISSING: {
    title: 'No telemetry was received from the agent',
    recommendation:
      "Check the instance can write to the telemetry bucket (instance policy) and that the agent's command was not cancelled before it uploaded.",
  },
  TELEMETRY_INVALID: {
    title: 'The telemetry was rejected',
    recommendation:
      'The uploaded document was malformed or too large; run the same agent version as the deployment and check the description for the field at fault.',
  },
  TELEMETRY_DECRYPT_FAILED: {
    title: 'The telemetry could not be decrypted',
    recommendation:
      'The object was not encrypted for this run and instance, or was altered; look for other writers to the telemetry bucket.',
  },
  EVALUATION_ERROR: {
    title: 'The rules could not be evaluated',
    recommendation: 'See the description and the EvaluateInstance function logs; start a new run once fixed.',
  },
  INSTANCE_LOCKED: {
    title: 'The instance is in an active assessment run',
    recommendation:
      'An instance is in one active run at a time: a run of this template would be refused (AgentsAlreadyRunningAssessmentException) until that run ends; wait for it or stop it.',
  },
  LIMIT_EXCEEDED: {
    title: 'A run of this template would exceed a limit',
    recommendation:
      'A run of this template would be refused (LimitExceededException): narrow the target by tags, wait for active runs to end, or raise the limit (LIMITS_JSON) if the deployment allows it.',
  },
};

// ---- a run's exclusions ------------------------------------------------------------------------------------

const exclusionIdSchema = z
  .string()
  .max(400)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]*\/[A-Za-z0-9][A-Za-z0-9._:-]*\/[A-Z_]+(\.\d+)?$/,
    'must be <runId>/<instanceId>/<REASON>',
  );
export const listExclusionsSchema = z.strictObject({
  runId: idSchema,
  maxResults: z.number().int().min(1).max(500).default(100),
  nextToken: z.string().min(1).max(4096).optional(),
});
export const describeExclusionsSchema = z.strictObject({
  exclusionIds: z.array(exclusionIdSchema).min(1).max(100),
});

export interface RunExclusion extends ExclusionView {
  exclusionId: string;
  runId: string;
  instanceId: string;
  reason: ExclusionReason;
}

/** The instance's exclusions in Classic's shape, each with its id. */
export function runExclusionsOf(
  inst: Pick<StoredInstance, 'runId' | 'instanceId' | 'exclusions'>,
): RunExclusion[] {
  const seen = new Map<string, number>();
  return (inst.exclusions ?? []).map((e: Exclusion) => {
    const n = (seen.get(e.reason) ?? 0) + 1;
    seen.set(e.reason, n);
    const text = EXCLUSION_TEXT[e.reason] ?? { title: e.reason, recommendation: '' };
    const scopes: ExclusionView['scopes'] = [{ key: 'INSTANCE_ID', value: inst.instanceId }];
    if (e.scope) scopes.push({ key: 'RULES_PACKAGE', value: e.scope });
    return {
      exclusionId: `${inst.runId}/${inst.instanceId}/${e.reason}${n > 1 ? `.${n}` : ''}`,
      runId: inst.runId,
      instanceId: inst.instanceId,
      reason: e.reason,
      title: text.title,
      description: e.message,
      recommendation: text.recommendation,
      scopes,
      attributes: [{ key: 'REASON', value: e.reason }],
    };
  });
}

export interface ExclusionSummary {
  exclusionId: string;
  instanceId: string;
  reason: string;
  title: string;
}

export async function listExclusions(deps: ControlPlaneDeps, raw: unknown): Promise<Page<ExclusionSummary>> {
  const input = parseInput(listExclusionsSchema, raw, 'list-exclusions');
  if (!(await deps.runs.get(input.runId))) throw noSuchEntity(`assessment run ${input.runId} does not exist`);
  const instances = await deps.runs.instanceSummaries(input.runId);
  instances.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  const all = instances.flatMap(runExclusionsOf).map((e) => ({
    exclusionId: e.exclusionId,
    instanceId: e.instanceId,
    reason: e.reason,
    title: e.title,
  }));
  return pageArray(all, input.maxResults, input.nextToken);
}

export async function describeExclusions(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ exclusions: RunExclusion[]; failedItems: FailedItem[] }> {
  const input = parseInput(describeExclusionsSchema, raw, 'describe-exclusions');
  const exclusions: RunExclusion[] = [];
  const failedItems: FailedItem[] = [];
  const cache = new Map<string, Promise<StoredInstance | undefined>>();
  for (const id of input.exclusionIds) {
    const [runId, instanceId] = id.split('/') as [string, string];
    const key = `${runId}/${instanceId}`;
    if (!cache.has(key)) cache.set(key, deps.runs.instance(runId, instanceId));
    const inst = await cache.get(key);
    const found = inst ? runExclusionsOf(inst).find((e) => e.exclusionId === id) : undefined;
    if (found) exclusions.push(found);
    else failedItems.push({ id, failureCode: 'ITEM_DOES_NOT_EXIST' });
  }
  return { exclusions, failedItems };
}
