/**
 * Managing suppression rules, the same locally (CLI on the data directory) and in the stack (control-plane
 * operations): create (validated, expiry checked against the clock, at most MAX_SUPPRESSION_RULES), delete,
 * list with each rule's status at `now`. Every change goes to the store with its audit entry.
 */
import { randomUUID } from 'node:crypto';
import type { SuppressionStore } from '../ports/suppression-store';
import {
  isActive,
  MAX_SUPPRESSION_RULES,
  newSuppressionRule,
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
