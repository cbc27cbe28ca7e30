/**
 * Managing suppression rules, the same locally (CLI on the data directory) and in the stack (control-plane
 * operations): create (validated, expiry checked against the clock, at most MAX_SUPPRESSION_RULES), delete,
 * list with each rule's status at `now`. Every change goes to the store with its audit entry.
 */
import { randomUUID } from 'node:crypto';
import type { SuppressionStore } from '../ports/suppression-store';
import {
  AUDIT_CURSOR,
  isActive,
  MAX_SUPPRESSION_RULES,
  newSuppressionRule,
  type SuppressionAuditPage,
  SuppressionInputError,
  type SuppressionRule,
} from './suppressions';

export interface Actor {
  /** Who: the caller identity in the cloud, the OS user locally. */
  actor: string;
  /** How it was established. */
  actorSource: string;
}

export interface ServiceOptions extends Actor {
  now: Date;
  newId?: () => string;
  maxDays?: number;
}

export type SuppressionStatus = 'ACTIVE' | 'EXPIRED';
export type ListedSuppressionRule = SuppressionRule & { status: SuppressionStatus };

export function newSuppressionRuleId(now: Date): string {
  return `sup-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomUUID().slice(0, 8)}`;
}

export async function createSuppression(
  store: SuppressionStore,
  raw: unknown,
  opts: ServiceOptions,
): Promise<SuppressionRule> {
  const rule = newSuppressionRule(raw, {
    id: (opts.newId ?? (() => newSuppressionRuleId(opts.now)))(),
    now: opts.now,
    actor: opts.actor,
    ...(opts.maxDays !== undefined ? { maxDays: opts.maxDays } : {}),
  });
  const existing = await store.list();
  if (existing.length >= MAX_SUPPRESSION_RULES) {
    throw new SuppressionInputError(
      `at most ${MAX_SUPPRESSION_RULES} suppression rules may exist (there are ${existing.length}; delete expired ones)`,
    );
  }
  await store.create(rule, {
    auditId: randomUUID(),
    at: opts.now.toISOString(),
    actor: opts.actor,
    actorSource: opts.actorSource,
    action: 'CREATE',
    suppressionRuleId: rule.suppressionRuleId,
    rule,
  });
  return rule;
}

export async function deleteSuppression(
  store: SuppressionStore,
  suppressionRuleId: string,
  opts: Omit<ServiceOptions, 'maxDays' | 'newId'>,
): Promise<SuppressionRule | undefined> {
  return store.delete(suppressionRuleId, (rule) => ({
    auditId: randomUUID(),
    at: opts.now.toISOString(),
    actor: opts.actor,
    actorSource: opts.actorSource,
    action: 'DELETE',
    suppressionRuleId,
    rule,
  }));
}

export async function listSuppressions(
  store: SuppressionStore,
  now: Date,
  filter: { status?: SuppressionStatus } = {},
): Promise<ListedSuppressionRule[]> {
  return (await store.list())
    .map((r) => ({ ...r, status: (isActive(r, now) ? 'ACTIVE' : 'EXPIRED') as SuppressionStatus }))
    .filter((r) => !filter.status || r.status === filter.status);
}

/** The most audit entries one page holds. */
export const MAX_AUDIT_PAGE = 500;

/** A time given as an ISO date (midnight UTC) or date-time (any offset), as the log's UTC instant. */
function auditTime(value: string, what: string): string {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value;
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(date) ? Date.parse(date) : Number.NaN;
  if (Number.isNaN(ms))
    throw new SuppressionInputError(`${what} ${value} is not an ISO 8601 date or date-time`);
  return new Date(ms).toISOString();
}

/**
 * Who changed which waiver when: the audit log, oldest first, a page at a time. `since` (inclusive) and
 * `until` (exclusive) are ISO dates or date-times; `nextToken` is the `nextToken` of the previous page.
 */
export async function listSuppressionAudit(
  store: SuppressionStore,
  input: {
    since?: string;
    until?: string;
    suppressionRuleId?: string;
    maxResults: number;
    nextToken?: string;
  },
): Promise<{ items: SuppressionAuditPage['entries']; nextToken?: string }> {
  if (!Number.isInteger(input.maxResults) || input.maxResults < 1 || input.maxResults > MAX_AUDIT_PAGE)
    throw new SuppressionInputError(`maxResults must be 1 to ${MAX_AUDIT_PAGE}`);
  if (input.nextToken !== undefined && !AUDIT_CURSOR.test(input.nextToken))
    throw new SuppressionInputError('nextToken is not valid for this operation');
  const since = input.since !== undefined ? auditTime(input.since, 'since') : undefined;
  const until = input.until !== undefined ? auditTime(input.until, 'until') : undefined;
  const page = await store.auditPage({
    limit: input.maxResults,
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(input.suppressionRuleId !== undefined ? { suppressionRuleId: input.suppressionRuleId } : {}),
    ...(input.nextToken !== undefined ? { after: input.nextToken } : {}),
  });
  return page.next ? { items: page.entries, nextToken: page.next } : { items: page.entries };
}
