/**
 * Waivers in the local commands: the data directory's suppression rules, applied when a run is assessed and
 * again when a stored run is shown (a waiver that expired since no longer suppresses). Loaded when a command
 * runs (not with --help).
 */
import { LocalSuppressionStore } from '../../adapters/local/suppression-file';
import type { AssessmentOutput } from '../../core/run';
import { SEVERITIES } from '../../core/severity';
import { applySuppressions, countBySuppression, type SuppressionRule } from '../../core/suppressions';

/** `Suppressed: N of the findings (…)`, or '' when none is. */
export function suppressedLine(findings: AssessmentOutput['findings']): string {
  const n = findings.filter((f) => f.suppression).length;
  if (n === 0) return '';
  const { suppressed } = countBySuppression(findings);
  return `Suppressed (waived, kept): ${n} — ${SEVERITIES.map((s) => `${s} ${suppressed[s]}`).join(', ')}\n`;
}

/** The data directory's suppression rules; an unreadable file is said, and no finding is then suppressed. */
export async function localSuppressionRules(dataDir: string): Promise<SuppressionRule[]> {
  try {
    return await new LocalSuppressionStore(dataDir).list();
  } catch (err) {
    process.stderr.write(`warning: suppression rules not applied: ${(err as Error).message}\n`);
    return [];
  }
}

/** A stored run's findings as they stand now: waivers in force mark them, expired or deleted ones no longer. */
export async function withSuppressionsNow(
  dataDir: string,
  output: AssessmentOutput,
): Promise<AssessmentOutput> {
  const rules = await localSuppressionRules(dataDir);
  return { ...output, findings: applySuppressions(output.findings, rules, new Date()) };
}
