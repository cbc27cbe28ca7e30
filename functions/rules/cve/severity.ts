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
 *
 * rateVulnerability() applies this with every source, in this order (the first that rates decides the
 * class; the finding names it in `severitySource`):
 *   1. the distribution's rating for the release: on Debian the Security Tracker's urgency for the release
 *      and source package (security-team urgencies only, not the `**` ones copied from NVD); otherwise the
 *      advisory's own word (Ubuntu priority, Red Hat / AlmaLinux / Rocky / Amazon severity, a Debian OSV
 *      record's urgency when the tracker has no entry);
 *   2. a CVSS base score: the distribution's record's own CVSS first, else the CVE records' (NVD / CVE List
 *      V5, preferred score as in feeds/cve-scores.ts);
 *   3. the tracker's `**` urgency (NVD's CVSS v2 severity, copied by the tracker) when no CVSS is known;
 *   4. none: unrated, Medium.
 */
import { NUMERIC_SEVERITY, type Severity, severityRank } from '../../core/severity';
import type { ThreatData } from '../../feeds/compile';
import { type CveScore, describeScore } from '../../feeds/cve-scores';
import { type DebianUrgencyLookup, isNvdCopied, type Urgency } from '../../feeds/debian-urgency';
import type { Cvss, Family, ReleaseKey } from '../../feeds/model';
import { type MatchedPackage, signedKernelSource } from './match';

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

/** The tracker's urgency → Classic. */
const URGENCY_LEVEL: Readonly<Record<Urgency, Severity>> = {
  unimportant: 'Informational',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  'low**': 'Low',
  'medium**': 'Medium',
  'high**': 'High',
};

/** What a distribution calls its rating, for the severity source ("ubuntu priority medium"). */
const VENDOR_TERM: Readonly<Record<Family, string>> = {
  debian: 'urgency',
  ubuntu: 'priority',
  alpine: 'severity',
  almalinux: 'severity',
  rocky: 'severity',
  redhat: 'severity',
  amazon: 'severity',
};

export interface RatingInputs {
  family: Family;
  /** The advisories' own rating words, lower case. */
  vendorWords: readonly string[];
  /** Debian: the tracker's urgencies for this release and the affected source packages (empty: no entry). */
  trackerUrgencies?: readonly Urgency[];
  /** The highest CVSS of the distribution's records, and the record that gives it. */
  advisoryCvss?: { cvss: Cvss; advisoryId: string };
  /** The CVE records' preferred score (NVD, CVE List V5). */
  recordScore?: CveScore;
}

export interface Rating extends SeverityVerdict {
  /** Where the class came from: "debian-tracker urgency high", "NVD CVSS 3.1 7.5", "unrated". */
  source: string;
  /**
   * The CVSS known for the vulnerability (distribution record first); `by` names the scorer when it came from
   * the CVE records ("NVD", "CVE record (CNA GitHub_M)").
   */
  cvss?: { version: string; vector: string; baseScore: number; by?: string };
  /** The tracker's urgency when it decided. */
  trackerUrgency?: Urgency;
}

function mostSevere(us: readonly Urgency[]): Urgency {
  let best = us[0]!;
  for (const u of us) if (severityRank(URGENCY_LEVEL[u]) < severityRank(URGENCY_LEVEL[best])) best = u;
  return best;
}

/** The class, numeric value and its source for one vulnerability (order in the file comment). */
export function rateVulnerability(i: RatingInputs): Rating {
  // Hot: once per vulnerability an instance has (thousands). No closures, no spreads, source texts built only
  // for the source that decides (and cached when they repeat).
  let cvss: Rating['cvss'];
  let cvssSource: string | undefined;
  const a = i.advisoryCvss;
  if (a && a.cvss.score !== undefined) {
    cvss = { version: a.cvss.version, vector: a.cvss.vector, baseScore: a.cvss.score };
  } else if (i.recordScore) {
    const r = i.recordScore;
    cvss = { version: r.version, vector: r.vector, baseScore: r.score, by: r.by };
  }
  const tracker = i.trackerUrgencies;
  let rating: Rating | undefined;
  if (tracker && tracker.length > 0) {
    let team: Urgency | undefined;
    for (const u of tracker)
      if (!isNvdCopied(u) && (!team || severityRank(URGENCY_LEVEL[u]) < severityRank(URGENCY_LEVEL[team])))
        team = u;
    if (team) {
      const severity = URGENCY_LEVEL[team];
      rating = { severity, numeric: 0, basis: 'vendor', source: TRACKER_SOURCE[team], trackerUrgency: team };
    }
  } else {
    // A tracker entry (even a `**` one) is Debian's current word on the issue: an OSV record's urgency, read
    // from the same tracker, does not override it.
    let word: string | undefined;
    let vendor: Severity | undefined;
    for (const w of i.vendorWords) {
      const s = vendorSeverity(w);
      if (s && (!vendor || severityRank(s) < severityRank(vendor))) {
        vendor = s;
        word = w;
      }
    }
    if (vendor && word)
      rating = { severity: vendor, numeric: 0, basis: 'vendor', source: vendorSource(i.family, word) };
  }
  if (!rating && cvss) {
    cvssSource = a
      ? `${a.advisoryId} CVSS ${cvss.version} ${cvss.baseScore.toFixed(1)}`
      : describeScore(i.recordScore!);
    rating = { severity: cvssSeverity(cvss.baseScore), numeric: 0, basis: 'cvss', source: cvssSource };
  }
  if (!rating && tracker && tracker.length > 0) {
    const u = mostSevere(tracker);
    return {
      severity: URGENCY_LEVEL[u],
      numeric: NUMERIC_SEVERITY[URGENCY_LEVEL[u]],
      basis: 'vendor',
      source: `${TRACKER_SOURCE[u]} (NVD severity copied by the tracker)`,
      trackerUrgency: u,
    };
  }
  if (!rating)
    return { severity: 'Medium', numeric: NUMERIC_SEVERITY.Medium, basis: 'unrated', source: 'unrated' };
  rating.numeric = cvss ? cvss.baseScore : NUMERIC_SEVERITY[rating.severity];
  if (cvss) rating.cvss = cvss;
  return rating;
}

const TRACKER_SOURCE = Object.fromEntries(
  (Object.keys(URGENCY_LEVEL) as Urgency[]).map((u) => [u, `debian-tracker urgency ${u}`]),
) as Readonly<Record<Urgency, string>>;

const vendorSources = new Map<string, string>();
/** "ubuntu priority medium", built once per family and word. */
function vendorSource(family: Family, word: string): string {
  const k = `${family}\u0000${word}`;
  let s = vendorSources.get(k);
  if (s === undefined) {
    s = `${family} ${VENDOR_TERM[family]} ${word.toLowerCase()}`;
    if (vendorSources.size < 1000) vendorSources.set(k, s);
  }
  return s;
}

/**
 * The tracker's urgencies of `cve` for the affected packages' source packages in `release` (a signed kernel
 * image counts as its kernel source, as the matcher looks it up).
 */
export function trackerUrgencies(
  tracker: DebianUrgencyLookup,
  release: string,
  cve: string,
  packages: readonly MatchedPackage[],
): Urgency[] {
  const out: Urgency[] = [];
  for (const { pkg } of packages) {
    const names = [pkg.sourceName || pkg.name];
    const signed = signedKernelSource(pkg.sourceName);
    if (signed) names.push(signed);
    for (const n of names) {
      const u = tracker.lookup(release, n, cve);
      if (u) out.push(u);
    }
  }
  return out;
}

/** rateVulnerability() for one matched vulnerability, with the feed's severity data. */
export function rateMatched(
  key: ReleaseKey,
  cve: string | undefined,
  packages: readonly MatchedPackage[],
  vendorWords: readonly string[],
  advisoryCvss: RatingInputs['advisoryCvss'],
  threat: Pick<ThreatData, 'cvss' | 'debianUrgency'>,
): Rating {
  const inputs: RatingInputs = { family: key.family, vendorWords };
  if (advisoryCvss) inputs.advisoryCvss = advisoryCvss;
  if (cve) {
    const score = threat.cvss?.lookup(cve);
    if (score) inputs.recordScore = score;
    if (key.family === 'debian' && threat.debianUrgency)
      inputs.trackerUrgencies = trackerUrgencies(threat.debianUrgency, key.release, cve, packages);
  }
  return rateVulnerability(inputs);
}
