/**
 * Which findings a suppression rule matches and when it is in force: the pure part of the waivers
 * (core/suppressions.ts re-exports it), kept free of the validation schemas so the run lifecycle's bundles,
 * which only mark findings, carry none of them.
 */
import { createHash } from 'node:crypto';
import type { Finding } from './model';
import type { SuppressionMark, SuppressionMatch, SuppressionRule } from './suppressions';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Midnight UTC of a YYYY-MM-DD date, or undefined for an impossible date (2025-02-30). */
export function startOfDayUtc(date: string): Date | undefined {
  const m = DATE.exec(date);
  if (!m) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === date ? d : undefined;
}

/** In force at `now`: before 00:00 UTC of the expiry day. */
export function isActive(rule: Pick<SuppressionRule, 'expiresOn'>, now: Date): boolean {
  const day = startOfDayUtc(rule.expiresOn);
  return day !== undefined && now.getTime() < day.getTime();
}

/** Tags of an instance (key → value), when known; undefined when not (local runs, unknown instances). */
export type InstanceTags = (instanceId: string) => Readonly<Record<string, string>> | undefined;

function packageNames(f: Finding): string[] {
  const names: string[] = [];
  for (const p of f.vulnerability?.packages ?? []) {
    names.push(p.name);
    if (p.sourcePackage) names.push(p.sourcePackage);
  }
  return names;
}

/** Every criterion the rule names holds for the finding. */
export function ruleMatches(match: SuppressionMatch, f: Finding, tags?: InstanceTags): boolean {
  if (match.rulesPackage !== undefined && match.rulesPackage !== f.rulesPackage) return false;
  if (match.ruleId !== undefined && match.ruleId !== f.ruleId) return false;
  if (match.cve !== undefined) {
    const v = f.vulnerability;
    const ids = v ? [v.vulnerabilityId, ...v.aliases] : [];
    if (!ids.some((id) => id.toUpperCase() === match.cve)) return false;
  }
  if (match.packageName !== undefined && !packageNames(f).includes(match.packageName)) return false;
  if (match.instanceId !== undefined && match.instanceId !== f.instanceId) return false;
  if (match.instanceTag !== undefined) {
    const t = tags?.(f.instanceId);
    if (!t || !Object.hasOwn(t, match.instanceTag.key)) return false;
    if (match.instanceTag.value !== undefined && t[match.instanceTag.key] !== match.instanceTag.value)
      return false;
  }
  return true;
}

export function mark(rule: SuppressionRule): SuppressionMark {
  return {
    suppressionRuleId: rule.suppressionRuleId,
    owner: rule.owner,
    reason: rule.reason,
    expiresOn: rule.expiresOn,
  };
}

/**
 * The findings as they stand at `now`: each carries `suppression` when a rule in force matches it (the one
 * expiring last, then the oldest), and none otherwise, whatever mark it carried before (a waiver that
 * expired or was deleted no longer hides it). Nothing is dropped.
 */
export function applySuppressions<F extends Finding>(
  findings: readonly F[],
  rules: readonly SuppressionRule[],
  now: Date,
  tags?: InstanceTags,
): F[] {
  const active = rules
    .filter((r) => isActive(r, now))
    .sort((a, b) =>
      a.expiresOn !== b.expiresOn
        ? a.expiresOn < b.expiresOn
          ? 1
          : -1
        : a.createdAt.localeCompare(b.createdAt),
    );
  return findings.map((f) => {
    const { suppression: _previous, ...rest } = f;
    const rule = active.find((r) => ruleMatches(r.match, f, tags));
    return (rule ? { ...rest, suppression: mark(rule) } : rest) as F;
  });
}

/** The rules in force at `now` (the ones applySuppressions would consider). */
export function rulesInForce(rules: readonly SuppressionRule[], now: Date): SuppressionRule[] {
  return rules.filter((r) => isActive(r, now));
}

/** The distinct instance tags the rules match by (several rules may name the same one). */
export function tagCriteria(rules: readonly SuppressionRule[]): Array<{ key: string; value?: string }> {
  return [
    ...new Map(
      rules
        .flatMap((r) => (r.match.instanceTag ? [r.match.instanceTag] : []))
        .map((t) => [`${t.key}\u0000${t.value ?? ''}`, t]),
    ).values(),
  ];
}

/**
 * Which waivers a run's report depends on, as one short string: the ids of the rules in force at `now` that
 * can match a finding of a run with these rules packages (a rule naming another package cannot), sorted.
 * Rules are never changed, only created and deleted, so the ids say everything: the string changes when such
 * a rule is created, deleted or expires. The same set of rules gives the same string.
 */
export function waiverFingerprint(
  rules: readonly SuppressionRule[],
  now: Date,
  rulesPackages: readonly string[],
): string {
  const ids = rulesInForce(rules, now)
    .filter((r) => r.match.rulesPackage === undefined || rulesPackages.includes(r.match.rulesPackage))
    .map((r) => r.suppressionRuleId)
    .sort();
  if (ids.length === 0) return 'none';
  return `sha256:${createHash('sha256').update(ids.join('\n')).digest('hex')}`;
}
