/**
 * Assessment targets, templates and limits: the records the control plane writes (targets/templates tables)
 * and the run lifecycle reads. Targets match instances by tags as in Classic: an instance belongs when it has
 * at least one of the target's keys (with one of that key's values, where values are given); a target with
 * no tags matches every instance in the account and region.
 *
 * Shared by the run lifecycle and the control plane: change it additively only.
 */
import * as z from 'zod';
import type { CisContext } from './rule';
import { RUN_EVENTS, type RunEvent } from './run';
import { idSchema } from './telemetry/schema';

export interface TargetTag {
  key: string;
  /** When given, the instance's value for `key` must be one of these. */
  values?: string[];
}

export interface AssessmentTarget {
  targetId: string;
  name: string;
  tags: TargetTag[];
  createdAt: string;
  updatedAt: string;
}

export interface AssessmentTemplate {
  templateId: string;
  name: string;
  targetId: string;
  rulesPackages: string[];
  durationSeconds: number;
  userAttributes: Array<{ key: string; value: string }>;
  topics: Array<{ event: RunEvent; topicArn: string }>;
  tags: Array<{ key: string; value: string }>;
  /** EventBridge Scheduler expression (rate(...) or cron(...)), when the template runs on a schedule. */
  schedule?: string;
  /**
   * Rule parameter overrides by rule id, then parameter name (functions/rules/parameters.ts lists them):
   * every run of the template evaluates with them. Absent: the rules' defaults.
   */
  ruleParameters?: Record<string, Record<string, number | string | boolean>>;
  /**
   * The cis package's profile and tailoring (functions/rules/cis/tailoring.ts), normalized; every run of
   * the template evaluates cis with it. Absent: level1-server, nothing skipped, the benchmarks' variables.
   */
  cis?: CisContext;
  createdAt: string;
}

/** Does an instance with these tags belong to the target? */
export function instanceMatchesTarget(
  instanceTags: ReadonlyArray<{ key: string; value: string }>,
  target: Pick<AssessmentTarget, 'tags'>,
): boolean {
  if (target.tags.length === 0) return true;
  return target.tags.some((t) =>
    instanceTags.some(
      (it) => it.key === t.key && (!t.values || t.values.length === 0 || t.values.includes(it.value)),
    ),
  );
}

/** The same test over a tag map (EC2 tags as key → value). */
export function matchesTarget(
  target: Pick<AssessmentTarget, 'tags'>,
  instanceTags: Record<string, string>,
): boolean {
  return instanceMatchesTarget(
    Object.entries(instanceTags).map(([key, value]) => ({ key, value })),
    target,
  );
}

/** Limits, defaults at least Classic's; overridable per deployment through LIMITS_JSON. Unknown keys are refused. */
export const limitsSchema = z
  .object({
    /**
     * Instances assessed in one run (Classic: 500). 10,000: the state data holds counts and the manifest's
     * location whatever the fleet (run-lifecycle/model.ts), Evaluate is a distributed Map over an S3 manifest.
     */
    maxInstancesPerRun: z.number().int().positive().default(10_000),
    /** Instances (agents) in active runs across the account and region (Classic: 500). */
    maxAgentsPerAccount: z.number().int().positive().default(10_000),
    /** Active runs at the same time. */
    maxActiveRuns: z.number().int().positive().default(500),
    /** Classic: 50 targets, 500 templates per account. */
    maxTargets: z.number().int().positive().default(50),
    maxTemplates: z.number().int().positive().default(500),
    maxRulesPackagesPerTemplate: z.number().int().positive().default(5),
    /** Classic durations: 180 s to 86,400 s. */
    minDurationSeconds: z.number().int().nonnegative().default(180),
    maxDurationSeconds: z.number().int().positive().default(86_400),
    /** Instances per SSM SendCommand call (SSM's own cap is 50). */
    commandBatchSize: z.number().int().min(1).max(50).default(50),
    /** SSM MaxConcurrency of each command. */
    commandMaxConcurrency: z.string().min(1).default('50'),
    /** SSM MaxErrors of each command: an agent failing must not cancel the others. */
    commandMaxErrors: z.string().min(1).default('100%'),
    /** Seconds added to the duration for the command timeout and the polling deadline. */
    commandMarginSeconds: z.number().int().nonnegative().default(600),
    /** Seconds between two polls of command invocations. */
    pollIntervalSeconds: z.number().int().positive().default(30),
    /**
     * SendCommand calls per second Dispatch makes at most (a token bucket with a burst of the same size,
     * functions/core/run-lifecycle/rate-limiter.ts): 5 calls of 50 instances = 250 instances a second, a
     * 10,000-instance run dispatched in 40 s. SSM publishes no fixed SendCommand rate; it refuses calls over
     * the account's rate with ThrottlingException ("Rate exceeded"), which the sender retries (README,
     * "Paced control-plane calls").
     */
    commandSendsPerSecond: z.number().positive().default(5),
    /**
     * Each agent waits a random 0..N seconds after sampling, before it asks KMS for a data key and uploads,
     * so KMS and S3 see a spread instead of a spike. Dispatch sends at most half of commandMarginSeconds:
     * the command's timeout is the duration plus the margin, which must still hold the download, the
     * collection and the upload.
     */
    agentUploadJitterSeconds: z.number().int().nonnegative().max(3600).default(30),
  })
  .strict();
export type Limits = z.infer<typeof limitsSchema>;

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze(limitsSchema.parse({}));

/** Defaults overridden by a JSON object (the LIMITS_JSON environment variable). */
export function loadLimits(json?: string): Limits {
  if (!json) return { ...DEFAULT_LIMITS };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new Error(`LIMITS_JSON is not JSON: ${(err as Error).message}`);
  }
  const r = limitsSchema.safeParse(parsed);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`LIMITS_JSON: ${i.path.join('.') || '(object)'}: ${i.message}`);
  }
  return r.data;
}

export const targetTagSchema = z.object({
  key: z.string().min(1).max(128),
  values: z.array(z.string().max(256)).max(50).optional(),
});

export const templateInputSchema = z.object({
  name: z.string().min(1).max(140),
  targetId: idSchema,
  rulesPackages: z.array(z.string().min(1)).min(1),
  durationSeconds: z.number().int().positive(),
  userAttributes: z
    .array(z.object({ key: z.string().min(1).max(128), value: z.string().max(256) }))
    .max(10)
    .default([]),
  topics: z
    .array(z.object({ event: z.enum(RUN_EVENTS), topicArn: z.string().startsWith('arn:') }))
    .default([]),
  tags: z
    .array(z.object({ key: z.string().min(1).max(128), value: z.string().max(256) }))
    .max(50)
    .default([]),
  schedule: z
    .string()
    .regex(/^(rate|cron)\(.+\)$/, 'must be rate(...) or cron(...)')
    .optional(),
  /** Checked against the rules' parameter metadata by the control plane (rules/parameters.ts). */
  ruleParameters: z
    .record(
      z.string().min(1).max(128),
      z.record(z.string().min(1).max(64), z.union([z.number(), z.string().max(256), z.boolean()])),
    )
    .optional(),
  /** Checked and normalized by the control plane (rules/cis/tailoring.ts); only with the cis package. */
  cis: z
    .strictObject({
      profile: z.string().max(64),
      skip: z.array(z.string().min(1).max(128)).max(1000).optional(),
      variables: z.record(z.string().min(1).max(128), z.string().max(1024)).optional(),
    })
    .optional(),
});
