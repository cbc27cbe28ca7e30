/**
 * Suppression rules (waivers): "we accept this finding until date X". A rule names what it matches (any
 * combination of rules package, rule id, CVE, package name, instance id and instance tag: every criterion
 * given must hold), who owns the decision, why, and the day it expires. A suppressed finding is kept and
 * marked, never deleted; it is counted apart in listings and reports, and it is active again from the
 * expiry day on (00:00 UTC of `expiresOn`). Whether a finding is suppressed is decided from a clock at the
 * moment of evaluation or listing, never stored as a permanent verdict: `applySuppressions(…, now)`.
 *
 * Every change is written with an audit entry (who, when, what) to an append-only log (ports/suppression-store.ts).
 */
import * as z from 'zod';
import type { Finding } from './model';
import type { Severity } from './severity';
import { SEVERITIES } from './severity';
import {
  applySuppressions,
  type InstanceTags,
  isActive,
  mark,
  ruleMatches,
  rulesInForce,
  startOfDayUtc,
  tagCriteria,
  waiverFingerprint,
} from './suppression-match';

import { VEX_JUSTIFICATIONS, type VexJustification } from './vex-justifications';

export {
  applySuppressions,
  type InstanceTags,
  isActive,
  mark,
  ruleMatches,
  rulesInForce,
  startOfDayUtc,
  tagCriteria,
  VEX_JUSTIFICATIONS,
  type VexJustification,
  waiverFingerprint,
};

/** By default a waiver may run at most this many days ahead (one year). */
export const DEFAULT_MAX_WAIVER_DAYS = 366;
/** Rules kept at once (expired ones count until deleted): every listing evaluates all of them. */
export const MAX_SUPPRESSION_RULES = 1000;

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    // No control characters: these strings end up in terminals, HTML reports and VEX documents.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

export const suppressionMatchSchema = z
  .strictObject({
    rulesPackage: text(64).optional(),
    ruleId: text(256).optional(),
    cve: z
      .string()
      .trim()
      .regex(/^CVE-\d{4}-\d{4,}$/, 'must be a CVE id such as CVE-2024-3094')
      .optional(),
    packageName: text(256).optional(),
    instanceId: text(128).optional(),
    instanceTag: z.strictObject({ key: text(128), value: z.string().max(256).optional() }).optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), {
    message:
      'a suppression rule must name at least one of rulesPackage, ruleId, cve, packageName, instanceId, instanceTag',
  });
export type SuppressionMatch = z.infer<typeof suppressionMatchSchema>;

export const vexSchema = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('not_affected'), justification: z.enum(VEX_JUSTIFICATIONS) }),
  /** Accepted risk: the product is affected and this is what is done about it. */
  z.strictObject({ status: z.literal('affected'), actionStatement: text(2000) }),
]);
export type VexDecision = z.infer<typeof vexSchema>;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const createSuppressionSchema = z.strictObject({
  match: suppressionMatchSchema,
  owner: text(256),
  reason: text(2000),
  /** The first day the finding is active again (YYYY-MM-DD, UTC). */
  expiresOn: z.string().regex(DATE, 'must be a date YYYY-MM-DD'),
  /** How the waiver reads as a VEX statement (default: affected, with the reason as the action statement). */
  vex: vexSchema.optional(),
});
export type CreateSuppressionInput = z.infer<typeof createSuppressionSchema>;

export const suppressionRuleSchema = z.strictObject({
  suppressionRuleId: z.string().min(1).max(128),
  match: suppressionMatchSchema,
  owner: text(256),
  reason: text(2000),
  expiresOn: z.string().regex(DATE),
  vex: vexSchema.optional(),
  createdAt: z.iso.datetime({ offset: true }),
  createdBy: z.string().min(1).max(2048),
});
export type SuppressionRule = z.infer<typeof suppressionRuleSchema>;

/** One change of the suppression rules, as the audit log keeps it (never updated, never deleted). */
export interface SuppressionAuditEntry {
  auditId: string;
  at: string;
  /** Who: the caller's identity (cloud) or the OS user (local). */
  actor: string;
  /** How `actor` was established (e.g. `os-user`, `caller-stated (sts:GetCallerIdentity)`). */
  actorSource: string;
  action: 'CREATE' | 'DELETE';
  suppressionRuleId: string;
  /** The rule as created, or as it was when deleted. */
  rule: SuppressionRule;
}

export const suppressionAuditEntrySchema = z.strictObject({
  auditId: z.string().min(1).max(128),
  at: z.iso.datetime({ offset: true }),
  actor: z.string().min(1).max(2048),
  actorSource: z.string().min(1).max(256),
  action: z.enum(['CREATE', 'DELETE']),
  suppressionRuleId: z.string().min(1).max(128),
  rule: suppressionRuleSchema,
});

/** Where an audit entry sits in the log's order (time, then id): the paging cursor of auditPage. */
export function auditCursor(entry: Pick<SuppressionAuditEntry, 'at' | 'auditId'>): string {
  return `${entry.at}#${entry.auditId}`;
}

/** A cursor as auditCursor makes them (a next token handed back by a caller is checked against this). */
export const AUDIT_CURSOR = /^\d{4}-\d{2}-\d{2}T[0-9:.+\-Z]{1,40}#[A-Za-z0-9-]{1,128}$/;

/** Which audit entries to list: a time window, one rule, a page at a time. */
export interface SuppressionAuditQuery {
  /** From this time on (ISO date or date-time, inclusive). */
  since?: string;
  /** Before this time (ISO date or date-time; entries at or after it are left out). */
  until?: string;
  suppressionRuleId?: string;
  /** At most this many entries. */
  limit: number;
  /** Go on after this entry (the `next` of the previous page). */
  after?: string;
}

export interface SuppressionAuditPage {
  entries: SuppressionAuditEntry[];
  /** Present when more entries may follow: pass it as `after`. */
  next?: string;
}

/** The entries of a whole log (oldest first) that a query selects, one page of them (local file, tests). */
export function pageAudit(
  all: readonly SuppressionAuditEntry[],
  q: SuppressionAuditQuery,
): SuppressionAuditPage {
  const selected = [...all]
    .sort((a, b) => (auditCursor(a) < auditCursor(b) ? -1 : auditCursor(a) > auditCursor(b) ? 1 : 0))
    .filter(
      (e) =>
        (q.after === undefined || auditCursor(e) > q.after) &&
        (q.since === undefined || e.at >= q.since) &&
        (q.until === undefined || e.at < q.until) &&
        (q.suppressionRuleId === undefined || e.suppressionRuleId === q.suppressionRuleId),
    );
  const entries = selected.slice(0, q.limit);
  const last = entries.at(-1);
  return selected.length > q.limit && last ? { entries, next: auditCursor(last) } : { entries };
}

/** How a suppressed finding is marked (the rule that suppresses it at the time of evaluation or listing). */
export interface SuppressionMark {
  suppressionRuleId: string;
  owner: string;
  reason: string;
  expiresOn: string;
}

export class SuppressionInputError extends Error {
  override readonly name = 'SuppressionInputError';
}

/**
 * Checks a new rule against the clock: the expiry is a real date, after today and at most `maxDays` days
 * ahead. Throws SuppressionInputError with the reason.
 */
export function checkExpiry(expiresOn: string, now: Date, maxDays = DEFAULT_MAX_WAIVER_DAYS): void {
  const day = startOfDayUtc(expiresOn);
  if (!day) throw new SuppressionInputError(`expiresOn ${expiresOn} is not a calendar date`);
  const today = startOfDayUtc(now.toISOString().slice(0, 10)) as Date;
  if (day.getTime() <= today.getTime()) {
    throw new SuppressionInputError(
      `expiresOn ${expiresOn} is not after today (${today.toISOString().slice(0, 10)}): the waiver would never apply`,
    );
  }
  const latest = new Date(today.getTime() + maxDays * 86_400_000);
  if (day.getTime() > latest.getTime()) {
    throw new SuppressionInputError(
      `expiresOn ${expiresOn} is more than ${maxDays} days ahead (latest ${latest.toISOString().slice(0, 10)})`,
    );
  }
}

/** Builds a rule from validated input; throws SuppressionInputError when the input or expiry is refused. */
export function newSuppressionRule(
  raw: unknown,
  opts: { id: string; now: Date; actor: string; maxDays?: number },
): SuppressionRule {
  const parsed = createSuppressionSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SuppressionInputError(
      parsed.error.issues
        .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
        .join('; '),
    );
  }
  const input = parsed.data;
  checkExpiry(input.expiresOn, opts.now, opts.maxDays);
  return {
    suppressionRuleId: opts.id,
    match: input.match,
    owner: input.owner,
    reason: input.reason,
    expiresOn: input.expiresOn,
    ...(input.vex ? { vex: input.vex } : {}),
    createdAt: opts.now.toISOString(),
    createdBy: opts.actor,
  };
}

export interface SuppressionCounts {
  active: Record<Severity, number>;
  suppressed: Record<Severity, number>;
}

export function countBySuppression(findings: readonly Finding[]): SuppressionCounts {
  const zero = () => Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const counts = { active: zero(), suppressed: zero() };
  for (const f of findings) counts[f.suppression ? 'suppressed' : 'active'][f.severity]++;
  return counts;
}

/** One line naming what a rule matches, for tables. */
export function describeMatch(m: SuppressionMatch): string {
  const parts: string[] = [];
  if (m.rulesPackage) parts.push(`package=${m.rulesPackage}`);
  if (m.ruleId) parts.push(`rule=${m.ruleId}`);
  if (m.cve) parts.push(`cve=${m.cve}`);
  if (m.packageName) parts.push(`pkg=${m.packageName}`);
  if (m.instanceId) parts.push(`instance=${m.instanceId}`);
  if (m.instanceTag)
    parts.push(
      `tag=${m.instanceTag.key}${m.instanceTag.value !== undefined ? `=${m.instanceTag.value}` : ''}`,
    );
  return parts.join(' ');
}
