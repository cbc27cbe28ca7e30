/**
 * Suppression rules in the stack: create-suppression-rule, list-suppression-rules,
 * delete-suppression-rule (served by the findings function, which also marks suppressed findings in
 * list-findings and describe-findings). The caller identity for the audit entry is the `requestedBy` the
 * CLI states (its sts:GetCallerIdentity ARN); the Lambda invocation itself is in CloudTrail.
 */
import * as z from 'zod';
import type { Finding } from '../model';
import {
  createSuppression,
  deleteSuppression,
  listSuppressionAudit,
  listSuppressions,
  MAX_AUDIT_PAGE,
} from '../suppression-service';
import { instanceTagsFor } from '../suppression-tags';
import {
  applySuppressions,
  rulesInForce,
  SuppressionInputError,
  type SuppressionRule,
  tagCriteria,
} from '../suppressions';
import { pageArray, pageFields } from './common';
import { invalidInput, noSuchEntity, parseInput } from './errors';
import type { ControlPlaneDeps } from './ports';

const requestedBy = z.string().min(1).max(2048).optional();

export const createSuppressionOperationSchema = z.looseObject({ requestedBy });
export const deleteSuppressionSchema = z.strictObject({
  suppressionRuleId: z.string().min(1).max(128),
  requestedBy,
});
export const listSuppressionsSchema = z.strictObject({
  status: z.enum(['ACTIVE', 'EXPIRED']).optional(),
  ...pageFields,
});

function actorOf(requested: string | undefined) {
  return requested
    ? { actor: requested, actorSource: 'caller-stated (sts:GetCallerIdentity of the CLI)' }
    : { actor: 'unknown', actorSource: 'caller stated no identity' };
}

function store(deps: ControlPlaneDeps) {
  if (!deps.suppressions) throw new Error('suppression rules are served by the findings function');
  return deps.suppressions;
}

export async function createSuppressionRule(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ suppressionRule: SuppressionRule }> {
  const { requestedBy: who, ...rest } = parseInput(
    createSuppressionOperationSchema,
    raw,
    'create-suppression-rule',
  );
  try {
    const rule = await createSuppression(store(deps), rest, {
      now: deps.now(),
      newId: () => deps.newId('sup'),
      ...actorOf(who),
    });
    return { suppressionRule: rule };
  } catch (err) {
    if (err instanceof SuppressionInputError) throw invalidInput(`create-suppression-rule: ${err.message}`);
    throw err;
  }
}

export async function deleteSuppressionRule(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<{ suppressionRuleId: string }> {
  const input = parseInput(deleteSuppressionSchema, raw, 'delete-suppression-rule');
  const deleted = await deleteSuppression(store(deps), input.suppressionRuleId, {
    now: deps.now(),
    ...actorOf(input.requestedBy),
  });
  if (!deleted) throw noSuchEntity(`suppression rule ${input.suppressionRuleId} does not exist`);
  return { suppressionRuleId: input.suppressionRuleId };
}

export async function listSuppressionRules(deps: ControlPlaneDeps, raw: unknown) {
  const input = parseInput(listSuppressionsSchema, raw, 'list-suppression-rules');
  const rules = await listSuppressions(store(deps), deps.now(), input.status ? { status: input.status } : {});
  return pageArray(rules, input.maxResults, input.nextToken);
}

export const listSuppressionAuditSchema = z.strictObject({
  suppressionRuleId: z.string().min(1).max(128).optional(),
  since: z.string().min(10).max(40).optional(),
  until: z.string().min(10).max(40).optional(),
  maxResults: z.number().int().min(1).max(MAX_AUDIT_PAGE).default(100),
  nextToken: z.string().min(1).max(256).optional(),
});

/** list-suppression-audit: who created or deleted which waiver when (the append-only audit log). */
export async function listSuppressionAuditEntries(deps: ControlPlaneDeps, raw: unknown) {
  const input = parseInput(listSuppressionAuditSchema, raw, 'list-suppression-audit');
  try {
    return await listSuppressionAudit(store(deps), input);
  } catch (err) {
    if (err instanceof SuppressionInputError) throw invalidInput(`list-suppression-audit: ${err.message}`);
    throw err;
  }
}

/**
 * The findings marked as they stand now (suppressed by a rule in force, or not). Instance tags are looked up
 * only when a rule in force matches by tag: for each run, the tags recorded for its instances when it
 * started; for an instance without them, the running instances currently carrying the tag (EC2).
 */
export async function markFindings<F extends Finding>(deps: ControlPlaneDeps, findings: F[]): Promise<F[]> {
  if (!deps.suppressions || findings.length === 0) return findings;
  const now = deps.now();
  const rules = rulesInForce(await deps.suppressions.list(), now);
  if (tagCriteria(rules).length === 0) return applySuppressions(findings, rules, now);
  const byRun = new Map<string, F[]>();
  for (const f of findings) {
    const mine = byRun.get(f.runId);
    if (mine) mine.push(f);
    else byRun.set(f.runId, [f]);
  }
  const marked = new Map<F, F>();
  for (const [runId, mine] of byRun) {
    const tags = await instanceTagsFor(
      rules,
      await deps.runs.instanceSummaries(runId),
      deps.fleet,
      new Set(mine.map((f) => f.instanceId)),
    );
    const out = applySuppressions(mine, rules, now, tags);
    mine.forEach((f, n) => {
      marked.set(f, out[n] as F);
    });
  }
  return findings.map((f) => marked.get(f) as F);
}
