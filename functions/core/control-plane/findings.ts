/**
 * Findings: list (filters: run, instance, severity, rules package, attributes, time range), describe,
 * add-attributes-to-findings; and the rules packages catalogue. A finding is named `<runId>/<findingId>`:
 * finding ids are deterministic per host, rule and evidence, so the same id recurs in every run.
 */
import * as z from 'zod';
import type { Attribute, Finding } from '../model';
import { SEVERITIES } from '../severity';
import { type FailedItem, idSchema, keyValueSchema, pageFields, timestampSchema, uniqueKeys } from './common';
import { invalidInput, limitExceeded, parseInput } from './errors';
import type { ControlPlaneDeps, FindingFilter, FindingKey, Page } from './ports';
import { findRulesPackage, RULES_PACKAGES, type RulesPackage } from './rules-packages';
import { markFindings } from './suppressions';

/** Attributes a finding may carry in all (template attributes, rule attributes, added ones). */
export const MAX_ATTRIBUTES_PER_FINDING = 50;

export const findingRefSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*\/[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be <runId>/<findingId>')
  .max(257);

export function parseFindingRef(ref: string): FindingKey {
  const [runId, findingId] = ref.split('/') as [string, string];
  return { runId, findingId };
}

export function findingRef(f: Pick<Finding, 'runId' | 'id'>): string {
  return `${f.runId}/${f.id}`;
}

export const listFindingsSchema = z.strictObject({
  runIds: z.array(idSchema).min(1).max(50).optional(),
  instanceIds: z.array(idSchema).min(1).max(50).optional(),
  severities: z.array(z.enum(SEVERITIES)).min(1).max(4).optional(),
  rulesPackages: z.array(z.string().min(1).max(64)).min(1).max(10).optional(),
  attributes: z.array(keyValueSchema).min(1).max(10).optional(),
  createdAfter: timestampSchema.optional(),
  createdBefore: timestampSchema.optional(),
  ...pageFields,
});
export const describeFindingsSchema = z.strictObject({
  findingIds: z.array(findingRefSchema).min(1).max(100),
});
export const addAttributesSchema = z.strictObject({
  findingIds: z.array(findingRefSchema).min(1).max(10),
  attributes: z.array(keyValueSchema).min(1).max(10),
});
/**
 * Classic's limits: 1-10 finding ARNs (here <runId>/<findingId>) and 1-10 attribute keys. A malformed or
 * repeated finding id is a failed item (INVALID_ARN, DUPLICATE_ARN), not a refusal of the whole call.
 */
export const removeAttributesSchema = z.strictObject({
  findingIds: z.array(z.string().min(1).max(300)).min(1).max(10),
  attributeKeys: z.array(z.string().min(1).max(128)).min(1).max(10),
});
export const describeRulesPackagesSchema = z.strictObject({
  rulesPackages: z.array(z.string().min(1).max(64)).min(1).max(10),
});

/** Does a finding pass every filter? (The store narrows by one index; this applies the rest.) */
export function matchesFindingFilter(f: Finding, filter: FindingFilter): boolean {
  if (filter.runIds && !filter.runIds.includes(f.runId)) return false;
  if (filter.instanceIds && !filter.instanceIds.includes(f.instanceId)) return false;
  if (filter.severities && !filter.severities.includes(f.severity)) return false;
  if (filter.rulesPackages && !filter.rulesPackages.includes(f.rulesPackage)) return false;
  if (filter.createdAfter && f.createdAt < filter.createdAfter) return false;
  if (filter.createdBefore && f.createdAt > filter.createdBefore) return false;
  if (
    filter.attributes &&
    !filter.attributes.every((a) => f.attributes.some((b) => b.key === a.key && b.value === a.value))
  ) {
    return false;
  }
  return true;
}

export interface FindingSummary {
  findingId: string;
  runId: string;
  instanceId: string;
  severity: Finding['severity'];
  rulesPackage: string;
  ruleId: string;
  title: string;
  createdAt: string;
  /** Set when a suppression rule in force now matches the finding (it is kept, counted apart). */
  suppressionRuleId?: string;
}

export async function listFindings(deps: ControlPlaneDeps, raw: unknown): Promise<Page<FindingSummary>> {
  const input = parseInput(listFindingsSchema, raw, 'list-findings');
  const { maxResults, nextToken, ...filter } = input;
  if (filter.createdAfter && filter.createdBefore && filter.createdAfter > filter.createdBefore) {
    throw invalidInput('createdAfter is later than createdBefore');
  }
  const page = await deps.findings.list(filter, { maxResults, nextToken });
  const marked = await markFindings(deps, page.items);
  const items = marked.map((f) => ({
    findingId: findingRef(f),
    runId: f.runId,
    instanceId: f.instanceId,
    severity: f.severity,
    rulesPackage: f.rulesPackage,
    ruleId: f.ruleId,
    title: f.title,
    createdAt: f.createdAt,
    ...(f.suppression ? { suppressionRuleId: f.suppression.suppressionRuleId } : {}),
  }));
  return page.nextToken ? { items, nextToken: page.nextToken } : { items };
}

export async function describeFindings(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ findings: Finding[]; failedItems: FailedItem[] }> {
  const input = parseInput(describeFindingsSchema, raw, 'describe-findings');
  const findings: Finding[] = [];
  const failedItems: FailedItem[] = [];
  for (const ref of input.findingIds) {
    const f = await deps.findings.get(parseFindingRef(ref));
    if (f) findings.push(f);
    else failedItems.push({ id: ref, failureCode: 'ITEM_DOES_NOT_EXIST' });
  }
  return { findings: await markFindings(deps, findings), failedItems };
}

/** Adds attributes to findings; an existing key takes the new value (Classic's AddAttributesToFindings). */
export function mergeAttributes(existing: Attribute[], added: Attribute[]): Attribute[] {
  const merged = existing.filter((a) => !added.some((b) => b.key === a.key));
  return [...merged, ...added];
}

export async function addAttributesToFindings(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ failedItems: FailedItem[] }> {
  const input = parseInput(addAttributesSchema, raw, 'add-attributes-to-findings');
  uniqueKeys(input.attributes, 'attributes');
  const failedItems: FailedItem[] = [];
  for (const ref of input.findingIds) {
    const key = parseFindingRef(ref);
    let done = false;
    for (let attempt = 0; attempt < 5 && !done; attempt++) {
      const finding = await deps.findings.get(key);
      if (!finding) {
        failedItems.push({ id: ref, failureCode: 'ITEM_DOES_NOT_EXIST' });
        done = true;
        break;
      }
      const merged = mergeAttributes(finding.attributes, input.attributes);
      if (merged.length > MAX_ATTRIBUTES_PER_FINDING) {
        if (input.findingIds.length === 1) {
          throw limitExceeded(`a finding carries at most ${MAX_ATTRIBUTES_PER_FINDING} attributes`);
        }
        failedItems.push({
          id: ref,
          failureCode: 'LIMIT_EXCEEDED',
          message: `more than ${MAX_ATTRIBUTES_PER_FINDING} attributes`,
        });
        done = true;
        break;
      }
      done = await deps.findings.replaceAttributes(key, finding.attributes, merged);
    }
    if (!done)
      failedItems.push({ id: ref, failureCode: 'INTERNAL_ERROR', message: 'concurrent updates; retry' });
  }
  return { failedItems };
}

/** Removes the attributes with these keys from findings (Classic's RemoveAttributesFromFindings). */
export async function removeAttributesFromFindings(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ failedItems: FailedItem[] }> {
  const input = parseInput(removeAttributesSchema, raw, 'remove-attributes-from-findings');
  const keys = new Set(input.attributeKeys);
  const failedItems: FailedItem[] = [];
  const seen = new Set<string>();
  for (const ref of input.findingIds) {
    if (!findingRefSchema.safeParse(ref).success) {
      failedItems.push({
        id: ref,
        failureCode: 'INVALID_ARN',
        retryable: false,
        message: 'must be <runId>/<findingId>',
      });
      continue;
    }
    if (seen.has(ref)) {
      failedItems.push({ id: ref, failureCode: 'DUPLICATE_ARN', retryable: false });
      continue;
    }
    seen.add(ref);
    const key = parseFindingRef(ref);
    let done = false;
    for (let attempt = 0; attempt < 5 && !done; attempt++) {
      const finding = await deps.findings.get(key);
      if (!finding) {
        failedItems.push({ id: ref, failureCode: 'ITEM_DOES_NOT_EXIST', retryable: false });
        done = true;
        break;
      }
      const kept = finding.attributes.filter((a) => !keys.has(a.key));
      // No attribute with these keys: nothing to change, and not a failure (as in Classic).
      done =
        kept.length === finding.attributes.length ||
        (await deps.findings.replaceAttributes(key, finding.attributes, kept));
    }
    if (!done) {
      failedItems.push({
        id: ref,
        failureCode: 'INTERNAL_ERROR',
        retryable: true,
        message: 'concurrent updates; retry',
      });
    }
  }
  return { failedItems };
}

export async function listRulesPackages(_deps: ControlPlaneDeps, raw: unknown): Promise<Page<RulesPackage>> {
  parseInput(z.strictObject({ ...pageFields }), raw, 'list-rules-packages');
  return { items: [...RULES_PACKAGES] };
}

export async function describeRulesPackages(
  _deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ rulesPackages: RulesPackage[]; failedItems: FailedItem[] }> {
  const input = parseInput(describeRulesPackagesSchema, raw, 'describe-rules-packages');
  const rulesPackages: RulesPackage[] = [];
  const failedItems: FailedItem[] = [];
  for (const id of input.rulesPackages) {
    const p = findRulesPackage(id);
    if (p) rulesPackages.push(p);
    else failedItems.push({ id, failureCode: 'ITEM_DOES_NOT_EXIST' });
  }
  return { rulesPackages, failedItems };
}
