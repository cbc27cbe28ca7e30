/** Assessment targets: create, update, delete, list, describe, and preview-agents. */
import * as z from 'zod';
import { type AssessmentTarget, instanceMatchesTarget, targetTagSchema } from '../assessment';
import { type FailedItem, globToRegExp, idSchema, pageArray, pageFields, readAll } from './common';
import { ControlPlaneError, invalidInput, limitExceeded, noSuchEntity, parseInput } from './errors';
import type { AgentHealth, AgentPreview, ControlPlaneDeps, Page } from './ports';

const tagsSchema = z
  .array(targetTagSchema.strict())
  .max(50)
  .default([])
  .refine((tags) => new Set(tags.map((t) => t.key)).size === tags.length, 'each tag key may appear once');

export const createTargetSchema = z.strictObject({ name: z.string().min(1).max(140), tags: tagsSchema });
export const updateTargetSchema = z.strictObject({
  targetId: idSchema,
  name: z.string().min(1).max(140),
  tags: tagsSchema,
});
export const targetIdSchema = z.strictObject({ targetId: idSchema });
export const listTargetsSchema = z.strictObject({
  namePattern: z.string().min(1).max(140).optional(),
  ...pageFields,
});
export const describeTargetsSchema = z.strictObject({ targetIds: z.array(idSchema).min(1).max(10) });
export const previewAgentsSchema = z.strictObject({ targetId: idSchema, ...pageFields });

export async function requireTarget(deps: ControlPlaneDeps, targetId: string): Promise<AssessmentTarget> {
  const target = await deps.targets.get(targetId);
  if (!target) throw noSuchEntity(`assessment target ${targetId} does not exist`);
  return target;
}

export async function createAssessmentTarget(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ targetId: string }> {
  const input = parseInput(createTargetSchema, raw, 'create-assessment-target');
  const count = await deps.targets.count();
  if (count >= deps.limits.maxTargets) {
    throw limitExceeded(
      `at most ${deps.limits.maxTargets} assessment targets may exist (there are ${count})`,
    );
  }
  const at = deps.now().toISOString();
  const target: AssessmentTarget = {
    targetId: deps.newId('target'),
    name: input.name,
    tags: input.tags,
    createdAt: at,
    updatedAt: at,
  };
  await deps.targets.create(target);
  return { targetId: target.targetId };
}

export async function updateAssessmentTarget(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ targetId: string }> {
  const input = parseInput(updateTargetSchema, raw, 'update-assessment-target');
  const existing = await requireTarget(deps, input.targetId);
  const updated: AssessmentTarget = {
    ...existing,
    name: input.name,
    tags: input.tags,
    updatedAt: deps.now().toISOString(),
  };
  if (!(await deps.targets.update(updated)))
    throw noSuchEntity(`assessment target ${input.targetId} does not exist`);
  return { targetId: input.targetId };
}

export async function deleteAssessmentTarget(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ targetId: string }> {
  const input = parseInput(targetIdSchema, raw, 'delete-assessment-target');
  await requireTarget(deps, input.targetId);
  const templates = await deps.templates.listByTarget(input.targetId);
  for (const template of templates) {
    const active = await deps.runs.active(template.templateId);
    if (active.length > 0) {
      throw new ControlPlaneError(
        'AssessmentRunInProgressException',
        `assessment run ${active[0]!.runId} of template ${template.templateId} is in progress on this target`,
      );
    }
  }
  if (templates.length > 0) {
    throw invalidInput(
      `assessment target ${input.targetId} is used by template(s) ${templates.map((t) => t.templateId).join(', ')}; delete them first`,
    );
  }
  if (!(await deps.targets.delete(input.targetId))) {
    throw noSuchEntity(`assessment target ${input.targetId} does not exist`);
  }
  return { targetId: input.targetId };
}

export async function listAssessmentTargets(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<Page<AssessmentTarget>> {
  const input = parseInput(listTargetsSchema, raw, 'list-assessment-targets');
  if (!input.namePattern)
    return deps.targets.list({ maxResults: input.maxResults, nextToken: input.nextToken });
  // A name filter reads every target (at most maxTargets of them) and pages in memory.
  const all = await readAll((page) => deps.targets.list(page));
  const pattern = globToRegExp(input.namePattern);
  return pageArray(
    all.filter((t) => pattern.test(t.name)),
    input.maxResults,
    input.nextToken,
  );
}

export async function describeAssessmentTargets(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ targets: AssessmentTarget[]; failedItems: FailedItem[] }> {
  const input = parseInput(describeTargetsSchema, raw, 'describe-assessment-targets');
  const targets: AssessmentTarget[] = [];
  const failedItems: FailedItem[] = [];
  for (const id of input.targetIds) {
    const t = await deps.targets.get(id);
    if (t) targets.push(t);
    else failedItems.push({ id, failureCode: 'ITEM_DOES_NOT_EXIST' });
  }
  return { targets, failedItems };
}

export function agentHealth(pingStatus: string | undefined): AgentHealth {
  if (pingStatus === undefined) return 'UNKNOWN';
  return pingStatus === 'Online' ? 'HEALTHY' : 'UNHEALTHY';
}

/** The running instances a target selects now, each with its SSM agent's health. */
export async function resolveAgents(
  deps: ControlPlaneDeps,
  target: AssessmentTarget,
): Promise<AgentPreview[]> {
  const instances = (await deps.fleet.findInstances(target.tags)).filter((i) =>
    instanceMatchesTarget(i.tags, target),
  );
  instances.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  const info = new Map(
    (instances.length > 0 ? await deps.agents.describe(instances.map((i) => i.instanceId)) : []).map((a) => [
      a.instanceId,
      a,
    ]),
  );
  return instances.map((i) => {
    const agent = info.get(i.instanceId);
    const preview: AgentPreview = {
      instanceId: i.instanceId,
      agentHealth: agentHealth(agent?.pingStatus),
      agentStatus: agent?.pingStatus ?? 'NO_AGENT',
      instanceState: i.state,
    };
    const asg = i.tags.find((t) => t.key === 'aws:autoscaling:groupName')?.value;
    if (asg) preview.autoScalingGroup = asg;
    if (agent?.agentVersion) preview.agentVersion = agent.agentVersion;
    const os = [agent?.platformName, agent?.platformVersion].filter(Boolean).join(' ') || i.platform;
    if (os) preview.operatingSystem = os;
    return preview;
  });
}

export async function previewAgents(deps: ControlPlaneDeps, raw: unknown): Promise<Page<AgentPreview>> {
  const input = parseInput(previewAgentsSchema, raw, 'preview-agents');
  const target = await requireTarget(deps, input.targetId);
  return pageArray(await resolveAgents(deps, target), input.maxResults, input.nextToken);
}
