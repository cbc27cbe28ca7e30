/**
 * Assessment runs: start (StartExecution of the state machine with {templateId, runId, name}), stop, delete,
 * list, describe. Start checks what it can before starting (template, target, limits, agents already in a
 * run) so the caller gets Classic's errors at once; the state machine's StartRun still locks atomically.
 */
import * as z from 'zod';
import { instanceMatchesTarget } from '../assessment';
import { RUN_STATES, TERMINAL_RUN_STATES } from '../run';
import { type FailedItem, idSchema, pageFields, timestampSchema } from './common';
import { ControlPlaneError, invalidInput, limitExceeded, noSuchEntity, parseInput } from './errors';
import { type ControlPlaneDeps, type Page, type RunInstance, type RunView, STOP_ACTIONS } from './ports';
import { requireTarget } from './targets';
import { requireTemplate } from './templates';

export const startRunSchema = z.strictObject({
  templateId: idSchema,
  name: z.string().min(1).max(140).optional(),
});
export const stopRunSchema = z.strictObject({
  runId: idSchema,
  stopAction: z.enum(STOP_ACTIONS).default('START_EVALUATION'),
});
export const runIdSchema = z.strictObject({ runId: idSchema });
export const listRunsSchema = z.strictObject({
  templateId: idSchema.optional(),
  states: z.array(z.enum(RUN_STATES)).min(1).max(RUN_STATES.length).optional(),
  namePattern: z.string().min(1).max(140).optional(),
  createdAfter: timestampSchema.optional(),
  createdBefore: timestampSchema.optional(),
  ...pageFields,
});
export const describeRunsSchema = z.strictObject({ runIds: z.array(idSchema).min(1).max(10) });

export function isTerminal(state: string): boolean {
  return (TERMINAL_RUN_STATES as readonly string[]).includes(state);
}

export interface StartRunResult {
  runId: string;
  name: string;
  executionArn: string;
  instanceCount: number;
}

export async function startAssessmentRun(deps: ControlPlaneDeps, raw: unknown): Promise<StartRunResult> {
  const input = parseInput(startRunSchema, raw, 'start-assessment-run');
  const template = await requireTemplate(deps, input.templateId);
  const target = await requireTarget(deps, template.targetId);
  const instances = (await deps.fleet.findInstances(target.tags)).filter((i) =>
    instanceMatchesTarget(i.tags, target),
  );
  if (instances.length === 0) {
    throw invalidInput(`assessment target ${target.targetId} matches no instance (see preview-agents)`);
  }
  if (instances.length > deps.limits.maxInstancesPerRun) {
    throw limitExceeded(
      `target ${target.targetId} matches ${instances.length} instances; at most ${deps.limits.maxInstancesPerRun} per run`,
    );
  }
  const active = await deps.runs.active();
  if (active.length >= deps.limits.maxActiveRuns) {
    throw limitExceeded(`${active.length} assessment runs are active; at most ${deps.limits.maxActiveRuns}`);
  }
  const busy = active.reduce((n, r) => n + (r.instanceCount ?? 0), 0);
  if (busy + instances.length > deps.limits.maxAgentsPerAccount) {
    throw limitExceeded(
      `${busy} instances are in active runs; ${instances.length} more would exceed ${deps.limits.maxAgentsPerAccount}`,
    );
  }
  const locked = await deps.locks.lockedBy(instances.map((i) => i.instanceId));
  if (locked.size > 0) {
    const [instanceId, runId] = [...locked.entries()][0]!;
    throw new ControlPlaneError(
      'AgentsAlreadyRunningAssessmentException',
      `${locked.size} instance(s) of the target are already in an active run (e.g. ${instanceId} in ${runId})`,
    );
  }
  const now = deps.now();
  const runId = deps.newId('run');
  const name = input.name ?? `${template.name}-${now.toISOString().replace(/[:.]/g, '-')}`.slice(0, 140);
  const executionArn = await deps.starter.start({ templateId: template.templateId, runId, name });
  return { runId, name, executionArn, instanceCount: instances.length };
}

async function requireRun(deps: ControlPlaneDeps, runId: string): Promise<RunView> {
  const run = await deps.runs.get(runId);
  if (!run) throw noSuchEntity(`assessment run ${runId} does not exist`);
  return run;
}

export async function stopAssessmentRun(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ runId: string; stopAction: string }> {
  const input = parseInput(stopRunSchema, raw, 'stop-assessment-run');
  const run = await requireRun(deps, input.runId);
  if (isTerminal(run.state))
    throw invalidInput(`assessment run ${input.runId} has already ended (${run.state})`);
  await deps.runControl.stop(input.runId, input.stopAction);
  return { runId: input.runId, stopAction: input.stopAction };
}

export async function deleteAssessmentRun(deps: ControlPlaneDeps, raw: unknown): Promise<{ runId: string }> {
  const input = parseInput(runIdSchema, raw, 'delete-assessment-run');
  const run = await requireRun(deps, input.runId);
  if (!isTerminal(run.state)) {
    throw new ControlPlaneError(
      'AssessmentRunInProgressException',
      `assessment run ${input.runId} is in progress (${run.state}); stop it first`,
    );
  }
  await deps.runControl.delete(input.runId);
  return { runId: input.runId };
}

export async function listAssessmentRuns(deps: ControlPlaneDeps, raw: unknown): Promise<Page<RunView>> {
  const input = parseInput(listRunsSchema, raw, 'list-assessment-runs');
  const { maxResults, nextToken, ...filter } = input;
  return deps.runs.list(filter, { maxResults, nextToken });
}

export type RunDescription = RunView & { instances: RunInstance[] };

export async function describeAssessmentRuns(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ runs: RunDescription[]; failedItems: FailedItem[] }> {
  const input = parseInput(describeRunsSchema, raw, 'describe-assessment-runs');
  const runs: RunDescription[] = [];
  const failedItems: FailedItem[] = [];
  for (const runId of input.runIds) {
    const run = await deps.runs.get(runId);
    if (!run) {
      failedItems.push({ id: runId, failureCode: 'ITEM_DOES_NOT_EXIST' });
      continue;
    }
    runs.push({ ...run, instances: await deps.runs.instances(runId) });
  }
  return { runs, failedItems };
}
