/**
 * The exclusions preview of a template: which of its target's instances a run started now would leave out,
 * and why (create-exclusions-preview, get-exclusions-preview), computed asynchronously as in Classic
 * (WORK_IN_PROGRESS, then COMPLETED). It decides with the run lifecycle's own code: StartRun's limits
 * (runLimitViolation) and instance locks, CheckAgents' agent verdict (agentVerdict), and Dispatch's choice of
 * agent artifact per architecture (chooseAgentArtifact). Exclusions of the same reason and description are
 * one exclusion preview with an INSTANCE_ID scope per instance.
 */
import * as z from 'zod';
import { instanceMatchesTarget } from '../assessment';
import { chooseAgentArtifact } from '../run-lifecycle/agent-artifacts';
import { agentVerdict } from '../run-lifecycle/check-agents';
import { runLimitViolation } from '../run-lifecycle/start-run';
import { idSchema, pageArray } from './common';
import { ControlPlaneError, noSuchEntity, parseInput } from './errors';
import { type AnyExclusionReason, EXCLUSION_TEXT } from './exclusions';
import type { ControlPlaneDeps, ExclusionsPreviewJob, ExclusionView, PreviewStatus } from './ports';
import { requireTarget } from './targets';
import { requireTemplate } from './templates';

/** A preview still in progress after this long is taken as lost (its computation died): a new one may start. */
export const PREVIEW_STALE_MS = 15 * 60 * 1000;

export const createPreviewSchema = z.strictObject({ templateId: idSchema });
export const getPreviewSchema = z.strictObject({
  templateId: idSchema,
  previewToken: idSchema,
  maxResults: z.number().int().min(1).max(500).default(100),
  nextToken: z.string().min(1).max(4096).optional(),
});

export async function createExclusionsPreview(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ previewToken: string }> {
  const input = parseInput(createPreviewSchema, raw, 'create-exclusions-preview');
  const template = await requireTemplate(deps, input.templateId);
  await requireTarget(deps, template.targetId);
  const now = deps.now();
  const previewToken = deps.newId('preview');
  const created = await deps.previews.create(
    {
      templateId: template.templateId,
      previewToken,
      status: 'WORK_IN_PROGRESS',
      createdAt: now.toISOString(),
    },
    new Date(now.getTime() - PREVIEW_STALE_MS).toISOString(),
  );
  if ('inProgress' in created) {
    throw new ControlPlaneError(
      'PreviewGenerationInProgressException',
      `the exclusions preview ${created.inProgress} of template ${template.templateId} is still being generated; get it with get-exclusions-preview`,
    );
  }
  try {
    await deps.previewJobs.start({ templateId: template.templateId, previewToken });
  } catch (err) {
    await deps.previews.finish(
      template.templateId,
      previewToken,
      { status: 'FAILED', failure: `the preview could not be started: ${(err as Error).message}` },
      deps.now().toISOString(),
    );
    throw err;
  }
  return { previewToken };
}

export interface ExclusionsPreviewPage {
  previewStatus: PreviewStatus;
  exclusionPreviews: ExclusionView[];
  nextToken?: string;
}

export async function getExclusionsPreview(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<ExclusionsPreviewPage> {
  const input = parseInput(getPreviewSchema, raw, 'get-exclusions-preview');
  const preview = await deps.previews.get(input.templateId, input.previewToken);
  if (!preview) {
    throw noSuchEntity(
      `no exclusions preview ${input.previewToken} of template ${input.templateId} (previews are kept a day)`,
    );
  }
  if (preview.status === 'FAILED') {
    throw new ControlPlaneError(
      'InternalException',
      `the exclusions preview ${input.previewToken} could not be generated (${preview.failure ?? 'unknown error'}); create a new one`,
    );
  }
  if (preview.status === 'WORK_IN_PROGRESS') {
    if (Date.parse(preview.createdAt) < deps.now().getTime() - PREVIEW_STALE_MS) {
      // Its computation died without a word (a timeout): say so rather than WORK_IN_PROGRESS forever.
      throw new ControlPlaneError(
        'InternalException',
        `the exclusions preview ${input.previewToken} was not completed within ${PREVIEW_STALE_MS / 60_000} minutes; create a new one`,
      );
    }
    return { previewStatus: 'WORK_IN_PROGRESS', exclusionPreviews: [] };
  }
  const page = pageArray(preview.exclusions ?? [], input.maxResults, input.nextToken);
  return {
    previewStatus: 'COMPLETED',
    exclusionPreviews: page.items,
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
}

interface Excluded {
  reason: AnyExclusionReason;
  instanceId: string;
  message: string;
  attributes?: Array<{ key: string; value: string }>;
}

/** What a run of the template started now would leave out, grouped by reason and description. */
export async function previewExclusions(
  deps: ControlPlaneDeps,
  templateId: string,
): Promise<ExclusionView[]> {
  const template = await requireTemplate(deps, templateId);
  const target = await requireTarget(deps, template.targetId);
  const instances = (await deps.fleet.findInstances(target.tags))
    .filter((i) => instanceMatchesTarget(i.tags, target))
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  if (instances.length === 0) return [];
  const ids = instances.map((i) => i.instanceId);
  const found: Excluded[] = [];

  // StartRun's checks: a run over a limit, or with a locked instance, is refused as a whole.
  const active = await deps.runs.active();
  const overLimit = runLimitViolation(deps.limits, target.targetId, instances.length, {
    runs: active.length,
    instances: active.reduce((n, r) => n + (r.instanceCount ?? 0), 0),
  });
  if (overLimit)
    for (const id of ids) found.push({ reason: 'LIMIT_EXCEEDED', instanceId: id, message: overLimit });
  const locked = await deps.locks.lockedBy(ids);
  for (const [instanceId, runId] of [...locked.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    found.push({
      reason: 'INSTANCE_LOCKED',
      instanceId,
      message: `the instance is in the active assessment run ${runId}`,
      attributes: [{ key: 'RUN_ID', value: runId }],
    });
  }

  // CheckAgents' verdict, then Dispatch's artifact for the instance's architecture.
  const infos = new Map((await deps.agents.describe(ids)).map((a) => [a.instanceId, a]));
  for (const inst of instances) {
    const verdict = agentVerdict(inst.instanceId, infos.get(inst.instanceId));
    if (verdict.exclusion) {
      const { reason, message } = verdict.exclusion;
      found.push({ reason, instanceId: inst.instanceId, message });
      continue;
    }
    const choice = chooseAgentArtifact(inst.architecture, deps.agentArtifacts);
    if (!choice.ok)
      found.push({ reason: 'UNSUPPORTED_OS', instanceId: inst.instanceId, message: choice.message });
  }
  return groupExclusions(found);
}

function groupExclusions(found: Excluded[]): ExclusionView[] {
  const groups = new Map<string, { first: Excluded; instanceIds: string[] }>();
  for (const f of found) {
    const key = JSON.stringify([f.reason, f.message, f.attributes ?? []]);
    const g = groups.get(key);
    if (g) g.instanceIds.push(f.instanceId);
    else groups.set(key, { first: f, instanceIds: [f.instanceId] });
  }
  return [...groups.values()].map(({ first, instanceIds }) => ({
    title: EXCLUSION_TEXT[first.reason].title,
    description: first.message,
    recommendation: EXCLUSION_TEXT[first.reason].recommendation,
    scopes: instanceIds.map((value) => ({ key: 'INSTANCE_ID' as const, value })),
    attributes: [
      { key: 'REASON', value: first.reason },
      { key: 'INSTANCE_COUNT', value: String(instanceIds.length) },
      ...(first.attributes ?? []),
    ],
  }));
}

/**
 * The asynchronous part of create-exclusions-preview: computes the preview and records it COMPLETED, or
 * FAILED with the reason (get-exclusions-preview then answers InternalException naming it). Never throws:
 * an asynchronous invocation has nobody to report to, and Lambda's retries would only repeat the failure.
 */
export async function computeExclusionsPreview(
  deps: ControlPlaneDeps,
  job: ExclusionsPreviewJob,
): Promise<void> {
  let outcome: { status: 'COMPLETED'; exclusions: ExclusionView[] } | { status: 'FAILED'; failure: string };
  try {
    outcome = { status: 'COMPLETED', exclusions: await previewExclusions(deps, job.templateId) };
  } catch (err) {
    outcome = { status: 'FAILED', failure: (err as Error).message || String(err) };
  }
  await deps.previews.finish(job.templateId, job.previewToken, outcome, deps.now().toISOString());
}
