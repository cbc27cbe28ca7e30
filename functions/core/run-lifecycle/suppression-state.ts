/**
 * Whether a run's findings are suppressed, decided once where they are evaluated (EvaluateInstance,
 * EvaluateNetwork): each finding a waiver in force at that moment matches is stored with its mark
 * (`suppression`), counted apart on its instance (suppressedFindingCounts, which FinalizeRun sums onto the
 * run) and not announced as FINDING_REPORTED (events.ts, findingMessages). Instance tags are the ones StartRun
 * recorded for the run (core/suppression-tags.ts).
 *
 * Listings and reports decide again at their own clock (a waiver that expired since no longer suppresses);
 * the stored mark is what the run saw, which the next run's diff compares with.
 */
import type { Finding } from '../model';
import type { Severity } from '../severity';
import { applySuppressions, rulesInForce } from '../suppression-match';
import { instanceTagsFor, type TaggedInstance } from '../suppression-tags';
import type { LifecycleDeps } from './deps';
import { emptyCounts } from './start-run';

export type SuppressionStateDeps = Pick<LifecycleDeps, 'suppressions' | 'now'>;

/**
 * The findings marked with the waivers in force now. `instances` is asked only when a rule in force matches
 * by instance tag. Without a rules store the findings are returned as they are.
 */
export async function markSuppressed<F extends Finding>(
  deps: SuppressionStateDeps,
  findings: readonly F[],
  instances: () => Promise<readonly TaggedInstance[]>,
): Promise<F[]> {
  if (!deps.suppressions || findings.length === 0) return [...findings];
  const now = deps.now();
  const rules = rulesInForce(await deps.suppressions.list(), now);
  const tags = rules.length > 0 ? await instanceTagsFor(rules, await instances()) : undefined;
  return applySuppressions(findings, rules, now, tags);
}

/** Counts by severity of all the findings, and of the suppressed ones among them. */
export function countWithSuppressed(findings: readonly Finding[]): {
  findingCounts: Record<Severity, number>;
  suppressedFindingCounts: Record<Severity, number>;
} {
  const findingCounts = emptyCounts();
  const suppressedFindingCounts = emptyCounts();
  for (const f of findings) {
    findingCounts[f.severity]++;
    if (f.suppression) suppressedFindingCounts[f.severity]++;
  }
  return { findingCounts, suppressedFindingCounts };
}
