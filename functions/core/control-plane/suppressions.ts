/**
 * Suppression rules in the stack: create-suppression-rule, list-suppression-rules,
 * delete-suppression-rule (served by the findings function, which also marks suppressed findings in
 * list-findings and describe-findings). The caller identity for the audit entry is the `requestedBy` the
 * CLI states (its sts:GetCallerIdentity ARN); the Lambda invocation itself is in CloudTrail.
 */
import * as z from 'zod';
import type { Finding } from '../model';
import { createSuppression, deleteSuppression, listSuppressions } from '../suppression-service';
import {
  applySuppressions,
  type InstanceTags,
  SuppressionInputError,
  type SuppressionRule,
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

/**
 * The findings marked as they stand now (suppressed by a rule in force, or not). Instance tags are looked up
 * only when a rule in force matches by tag: the instances currently carrying that tag (EC2).
 */
export async function markFindings<F extends Finding>(deps: ControlPlaneDeps, findings: F[]): Promise<F[]> {
  if (!deps.suppressions || findings.length === 0) return findings;
  const now = deps.now();
  const rules = await listSuppressions(deps.suppressions, now, { status: 'ACTIVE' });
  if (rules.length === 0) return applySuppressions(findings, [], now);
  // One EC2 lookup per distinct tag (several rules may name the same one).
  const tagged = [
    ...new Map(
      rules
        .flatMap((r) => (r.match.instanceTag ? [r.match.instanceTag] : []))
        .map((t) => [`${t.key}\u0000${t.value ?? ''}`, t]),
    ).values(),
  ];
  let tags: InstanceTags | undefined;
  if (tagged.length > 0) {
    const byInstance = new Map<string, Record<string, string>>();
    for (const t of tagged) {
      const instances = await deps.fleet.findInstances([
        t.value !== undefined ? { key: t.key, values: [t.value] } : { key: t.key },
      ]);
      for (const i of instances) {
        const m = byInstance.get(i.instanceId) ?? {};
        for (const tag of i.tags) m[tag.key] = tag.value;
        byInstance.set(i.instanceId, m);
      }
    }
    tags = (id) => byInstance.get(id);
  }
  return applySuppressions(findings, rules, now, tags);
}
