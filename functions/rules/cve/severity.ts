/**
 * Classic's four severities for a vulnerability. The distribution's own rating wins, because it judges the
 * flaw as shipped in that release; CVSS decides only when the vendor gave none:
 *
 *   vendor severity                                   → Classic
 *   critical, important, high                         → High
 *   moderate, medium                                  → Medium
 *   low                                               → Low
 *   negligible, unimportant, informational, none      → Informational
 *
 *   CVSS base score (v3.x, else v2)                   → Classic
 *   7.0 – 10.0 (High and Critical)                    → High
 *   4.0 – 6.9                                         → Medium
 *   0.1 – 3.9                                         → Low
 *   0.0                                               → Informational
 *
 * Neither known (e.g. Debian records without urgency) → Medium, and the finding says the severity is
 * unrated: a vulnerability with no rating is not evidence of a harmless one.
 * numericSeverity carries the CVSS base score when there is one, else Classic's 9 / 6 / 3 / 0.
 */
import { NUMERIC_SEVERITY, type Severity, severityRank } from '../../core/severity';

const VENDOR: Readonly<Record<string, Severity>> = {
  critical: 'High',
  important: 'High',
  high: 'High',
  moderate: 'Medium',
  medium: 'Medium',
  low: 'Low',
  negligible: 'Informational',
  unimportant: 'Informational',
  informational: 'Informational',
  none: 'Informational',
};

export function vendorSeverity(word: string | undefined): Severity | undefined {
  return word ? VENDOR[word.toLowerCase()] : undefined;
}

export function cvssSeverity(score: number): Severity {
  if (score >= 7) return 'High';
  if (score >= 4) return 'Medium';
  if (score > 0) return 'Low';
  return 'Informational';
}

export interface SeverityVerdict {
  severity: Severity;
  numeric: number;
  basis: 'vendor' | 'cvss' | 'unrated';
}

export function classify(vendorWords: readonly string[], cvssScores: readonly number[]): SeverityVerdict {
  const maxScore = cvssScores.length ? Math.max(...cvssScores) : undefined;
  let vendor: Severity | undefined;
  for (const w of vendorWords) {
    const s = vendorSeverity(w);
    if (s && (!vendor || severityRank(s) < severityRank(vendor))) vendor = s;
  }
  if (vendor) return { severity: vendor, numeric: maxScore ?? NUMERIC_SEVERITY[vendor], basis: 'vendor' };
  if (maxScore !== undefined) return { severity: cvssSeverity(maxScore), numeric: maxScore, basis: 'cvss' };
  return { severity: 'Medium', numeric: NUMERIC_SEVERITY.Medium, basis: 'unrated' };
}
