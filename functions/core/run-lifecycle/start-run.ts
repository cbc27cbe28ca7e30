/**
 * StartRun: resolve the template and its target's instances (EC2 tags), enforce limits, lock the
 * instances (all or nothing), record the run and its instances, publish ASSESSMENT_RUN_STARTED.
 * A retried StartRun (same execution) finds its run and goes on from it (announcing it if the earlier
 * attempt had not).
 */
import { randomUUID } from 'node:crypto';
import { InstanceLockConflictError } from '../../ports/lock-store';
import type { Limits } from '../assessment';
import { TERMINAL_RUN_STATES } from '../run';
import { SEVERITIES, type Severity } from '../severity';
import { recordTags } from '../suppression-tags';
import { idSchema } from '../telemetry/schema';
import type { LifecycleDeps } from './deps';
import {
  InvalidInputError,
  LimitExceededError,
  NoMatchingInstancesError,
  RunConflictError,
  TemplateNotFoundError,
} from './errors';
import { changeState, eventMessage, publish } from './events';
import type { RunContext, RunInstance, StoredRun } from './model';

export interface StartRunInput {
  /**
   * The state machine's input: `{"templateId": "..."}`, optionally with `runId` and `name` (the control
   * plane's start-assessment-run sends both; `runName` is accepted as an alias of `name`).
   */
  input: { templateId?: unknown; runId?: unknown; name?: unknown; runName?: unknown };
  /** $$.Execution.Name: the run id derives from it when the input names none. */
  executionName?: string;
}

/** Seconds a lock outlives the run's deadline (a crashed run frees its instances after this). */
const LOCK_SLACK_SECONDS = 3600;

export function runIdFor(
  input: StartRunInput['input'] | undefined,
  executionName: string | undefined,
): string {
  if (input && typeof input.runId === 'string') return input.runId;
  if (executionName) return `run-${executionName.replace(/[^A-Za-z0-9._:-]/g, '-')}`.slice(0, 128);
  return `run-${randomUUID()}`;
}

/** The run name the caller chose (`name`, or its alias `runName`), when it is a usable one. */
export function runNameFor(input: StartRunInput['input']): string | undefined {
  for (const v of [input.name, input.runName]) {
    if (typeof v === 'string' && v.trim().length > 0) return v.slice(0, 140);
  }
  return undefined;
}

/**
 * Why a run of `matched` instances cannot start now (per-run instances, active runs, agents in active runs),
 * or undefined. StartRun refuses the run with it; the exclusions preview reports it.
 */
export function runLimitViolation(
  limits: Pick<Limits, 'maxInstancesPerRun' | 'maxActiveRuns' | 'maxAgentsPerAccount'>,
  targetId: string,
  matched: number,
  active: { runs: number; instances: number },
): string | undefined {
  if (matched > limits.maxInstancesPerRun) {
    return `assessment target ${targetId} matches ${matched} instances, over the limit of ${limits.maxInstancesPerRun} per run`;
  }
  if (active.runs >= limits.maxActiveRuns) {
    return `${active.runs} runs are active, the limit is ${limits.maxActiveRuns}`;
  }
  if (active.instances + matched > limits.maxAgentsPerAccount) {
    return `${active.instances} instances are in active runs; ${matched} more would exceed the limit of ${limits.maxAgentsPerAccount}`;
  }
  return undefined;
}

/** The Auto Scaling group an instance belongs to (EC2 tags it `aws:autoscaling:groupName`). */
export function autoScalingGroupOf(
  tags: ReadonlyArray<{ key: string; value: string }> | undefined,
): string | undefined {
  return tags?.find((t) => t.key === 'aws:autoscaling:groupName')?.value;
}

export function emptyCounts(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

export async function startRun(deps: LifecycleDeps, req: StartRunInput): Promise<RunContext> {
  const limits = deps.config.limits;
  const templateId = req.input?.templateId;
  if (typeof templateId !== 'string' || !idSchema.safeParse(templateId).success) {
    throw new InvalidInputError('the input must name the assessment template: {"templateId": "..."}');
  }
  const runId = runIdFor(req.input, req.executionName);
  if (!idSchema.safeParse(runId).success)
    throw new InvalidInputError(`invalid run id ${JSON.stringify(runId)}`);

  const existing = await deps.runs.getRun(runId);
  if (existing) {
    if (existing.executionName && req.executionName && existing.executionName !== req.executionName) {
      throw new RunConflictError(
        `run id ${runId} belongs to execution ${existing.executionName}; start a run with another id`,
      );
    }
    deps.log.info('run already started (retry)', { runId });
    const instances = await deps.runs.listInstances(runId);
    const ids = instances.map((i) => i.instanceId);
    if (!TERMINAL_RUN_STATES.includes(existing.state)) {
      // Whatever the earlier attempt did with the locks, the run goes on only with all of them: re-acquiring
      // locks it holds succeeds; an instance another run took meanwhile is a conflict (FailRun ends the run).
      await lockInstances(deps, runId, existing.templateId, ids, existing.durationSeconds);
    }
    // The earlier attempt recorded the run but may have failed before announcing it: finish that.
    const run = existing.state === 'CREATED' ? await announce(deps, existing) : existing;
    return contextFor(run, ids.length, limits.pollIntervalSeconds);
  }

  const template = await deps.templates.getTemplate(templateId);
  if (!template) throw new TemplateNotFoundError(`assessment template ${templateId} does not exist`);
  const target = await deps.templates.getTarget(template.targetId);
  if (!target)
    throw new TemplateNotFoundError(
      `assessment target ${template.targetId} of template ${templateId} does not exist`,
    );
  const duration = template.durationSeconds;
  if (duration < limits.minDurationSeconds || duration > limits.maxDurationSeconds) {
    throw new LimitExceededError(
      `duration ${duration} s is outside ${limits.minDurationSeconds}-${limits.maxDurationSeconds} s`,
    );
  }

  const instances = await deps.fleet.findInstances(target.tags);
  if (instances.length === 0) {
    throw new NoMatchingInstancesError(
      `assessment target ${target.targetId} matches no running EC2 instance`,
    );
  }
  const overLimit = runLimitViolation(
    limits,
    target.targetId,
    instances.length,
    await deps.runs.countActive(),
  );
  if (overLimit) throw new LimitExceededError(overLimit);

  const now = deps.now();
  const ids = instances.map((i) => i.instanceId);
  await lockInstances(deps, runId, templateId, ids, duration);

  const at = now.toISOString();
  const run: StoredRun = {
    runId,
    name: runNameFor(req.input) ?? `Run - ${template.name} - ${at}`,
    templateId,
    targetId: target.targetId,
    state: 'CREATED',
    stateHistory: [{ state: 'CREATED', at }],
    createdAt: at,
    startedAt: at,
    durationSeconds: duration,
    rulesPackages: template.rulesPackages,
    findingCounts: emptyCounts(),
    mode: 'aws',
    instanceCount: ids.length,
    userAttributes: template.userAttributes ?? [],
    topics: template.topics ?? [],
    ...(template.ruleParameters && Object.keys(template.ruleParameters).length > 0
      ? { ruleParameters: template.ruleParameters }
      : {}),
    ...(template.cis ? { cis: template.cis } : {}),
    ...(req.executionName ? { executionName: req.executionName } : {}),
  };
  const records: RunInstance[] = instances.map((i) => {
    const autoScalingGroup = autoScalingGroupOf(i.tags);
    return {
      runId,
      instanceId: i.instanceId,
      agentHealth: 'UNKNOWN',
      collection: 'NOT_STARTED',
      evaluation: 'PENDING',
      exclusions: [],
      updatedAt: at,
      ...(i.platform ? { platform: i.platform } : {}),
      ...(i.architecture ? { architecture: i.architecture } : {}),
      ...(autoScalingGroup ? { autoScalingGroup } : {}),
      tags: recordTags(i.tags),
    };
  });
  // The instances first, the run record last: a run that exists has all its instances, so a retry that
  // finds the run goes on from it, and one that does not starts over (its locks are already its own).
  let recorded = false;
  try {
    await deps.runs.putInstances(records);
    recorded = true;
    await deps.runs.createRun(run);
  } catch (err) {
    // The write may have been applied and only its reply lost: the SDK's retry then fails its condition
    // (the run exists). That run is this one: go on with it, locks held.
    const written = await deps.runs.getRun(runId).catch(() => undefined);
    if (written && written.executionName === run.executionName && written.createdAt === run.createdAt) {
      deps.log.warn('the run was recorded although the write reported an error; going on', {
        runId,
        error: (err as Error).message,
      });
      return contextFor(await announce(deps, written), ids.length, limits.pollIntervalSeconds);
    }
    if (!recorded) {
      // Best effort: instance records left without a run would join a retry whose target changed.
      await deps.runs
        .deleteRun(runId)
        .catch((cleanup: Error) =>
          deps.log.warn('could not remove partly recorded instances', { runId, error: cleanup.message }),
        );
    }
    await deps.locks.release(runId, ids);
    throw err;
  }
  deps.log.info('run created', { runId, templateId, instances: ids.length });
  return contextFor(await announce(deps, run), ids.length, limits.pollIntervalSeconds);
}

async function lockInstances(
  deps: LifecycleDeps,
  runId: string,
  templateId: string,
  ids: readonly string[],
  durationSeconds: number,
): Promise<void> {
  const now = deps.now();
  const expiresAt = new Date(
    now.getTime() + (durationSeconds + deps.config.limits.commandMarginSeconds + LOCK_SLACK_SECONDS) * 1000,
  );
  try {
    await deps.locks.acquire(runId, ids, { now, expiresAt });
  } catch (err) {
    if (err instanceof InstanceLockConflictError) {
      throw new RunConflictError(`cannot start a run of template ${templateId}: ${err.message}`);
    }
    throw err;
  }
}

/** ASSESSMENT_RUN_STARTED, then START_DATA_COLLECTION_PENDING (and its event). */
async function announce(deps: LifecycleDeps, run: StoredRun): Promise<StoredRun> {
  await publish(deps, run, 'ASSESSMENT_RUN_STARTED', [
    eventMessage(run, 'ASSESSMENT_RUN_STARTED', run.createdAt, { instanceCount: run.instanceCount }),
  ]);
  return (await changeState(deps, run.runId, 'START_DATA_COLLECTION_PENDING')) ?? run;
}

/** The state data: ids and counts only (the instances are the run's items in the runs table). */
function contextFor(run: StoredRun, instanceCount: number, pollIntervalSeconds: number): RunContext {
  return {
    runId: run.runId,
    durationSeconds: run.durationSeconds,
    instanceCount,
    commandCount: 0,
    pollIntervalSeconds,
    collectionDone: false,
    skipEvaluation: false,
  };
}
