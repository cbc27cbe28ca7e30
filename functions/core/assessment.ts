/**
 * Assessment targets, templates and limits (Classic's vocabulary). Targets select EC2 instances by tags;
 * templates are immutable once created.
 */
import { z } from 'zod';
import { idSchema } from './telemetry';
import { RUN_EVENTS, type RunEvent } from './run';

export interface TargetTag {
  key: string;
  /** When given, the instance's value for `key` must be one of these. */
  values?: string[];
}

export interface AssessmentTarget {
  targetId: string;
  name: string;
  /** An instance matches when it matches at least one tag; no tags = every instance in the account and region. */
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
  /** EventBridge Scheduler expression: rate(...) or cron(...). */
  schedule?: string;
  createdAt: string;
}

/** Does an instance with these tags belong to the target? */
export function matchesTarget(target: Pick<AssessmentTarget, 'tags'>, instanceTags: Record<string, string>): boolean {
  if (target.tags.length === 0) return true;
  return target.tags.some((t) => {
    if (!(t.key in instanceTags)) return false;
    return !t.values || t.values.length === 0 || t.values.includes(instanceTags[t.key]!);
  });
}

export const limitsSchema = z.object({
  /** Classic: 500 agents per assessment run. */
  maxInstancesPerRun: z.number().int().positive().default(500),
  /** Classic: 500 agents across all runs in progress. */
  maxConcurrentInstances: z.number().int().positive().default(500),
  /** Classic: 50,000 runs per account; 500 templates; 50 targets. */
  maxTargets: z.number().int().positive().default(50),
  maxTemplates: z.number().int().positive().default(500),
  /** Classic durations: 180 s to 86,400 s (recommended 3,600 s). */
  minDurationSeconds: z.number().int().nonnegative().default(180),
  maxDurationSeconds: z.number().int().positive().default(86_400),
  maxRulesPackagesPerTemplate: z.number().int().positive().default(5),
});
export type Limits = z.infer<typeof limitsSchema>;

export function loadLimits(json: string | undefined): Limits {
  if (!json) return limitsSchema.parse({});
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new Error(`limits are not valid JSON: ${(err as Error).message}`);
  }
  return limitsSchema.parse(value);
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
  userAttributes: z.array(z.object({ key: z.string().min(1).max(128), value: z.string().max(256) })).max(10).default([]),
  topics: z.array(z.object({ event: z.enum(RUN_EVENTS), topicArn: z.string().startsWith('arn:') })).default([]),
  tags: z.array(z.object({ key: z.string().min(1).max(128), value: z.string().max(256) })).max(50).default([]),
  schedule: z
    .string()
    .regex(/^(rate|cron)\(.+\)$/, 'must be rate(...) or cron(...)')
    .optional(),
});
