/**
 * The feed model shared by the readers, the compiler and the matcher: advisories split per distribution
 * release, each listing the packages (by the name the data is keyed by) with their affected ranges.
 */

/** Distribution families the CVE package knows, as named in the compiled index's file names. */
export const FAMILIES = ['debian', 'ubuntu', 'almalinux', 'rocky', 'alpine', 'amazon', 'redhat'] as const;
export type Family = (typeof FAMILIES)[number];

export type VersionFormat = 'dpkg' | 'rpm' | 'apk';

/** One distribution release: `debian:12`, `ubuntu:22.04`, `alpine:v3.18`, `amazon:2023`. */
export interface ReleaseKey {
  family: Family;
  release: string;
}

export const releaseKeyString = (k: ReleaseKey): string => `${k.family}:${k.release}`;

export type FixState = 'fixed' | 'not-fixed' | 'wont-fix';

/** One OSV range event (exactly one kind), or the `limit` OSV also allows. */
export interface RangeEvent {
  kind: 'introduced' | 'fixed' | 'last_affected' | 'limit';
  version: string;
}

export interface AffectedPackage {
  /** The name the data is keyed by: source package (Debian, Ubuntu, Alpine), binary (rpm families). */
  name: string;
  /** ECOSYSTEM ranges; a version in any range is affected. */
  ranges: RangeEvent[][];
  /** Versions listed as affected outright (OSV `versions`). */
  versions: string[];
  /** Architectures the entry is for (Amazon updateinfo); empty = every architecture. */
  arches: string[];
  /** The distribution says no fix will be made (e.g. Debian urgency end-of-life). */
  wontFix: boolean;
  /**
   * Amazon Linux 2 Extras (ALAS2KERNEL-5.10-…, ALAS2NGINX1-…): the advisory covers one version stream, so only an
   * installed version whose upstream version starts with this prefix (e.g. "5.10") is judged against it.
   */
  stream?: string;
  /**
   * RHEL family: the module streams (`name:stream`, e.g. "ruby:3.3") the entry's builds belong to; an empty
   * list is a module build whose stream the record does not name. Absent: the record names no module (the
   * matcher then tells module builds from their `.module+el…` release, which also covers older indexes).
   */
  modules?: string[];
  /** Ubuntu Pro (`Ubuntu:Pro:<release>` records): the Pro service whose archive carries the fix, when known. */
  proService?: ProService;
}

/** Ubuntu Pro archives holding security fixes: main/restricted after standard support, universe/multiverse. */
export type ProService = 'esm-infra' | 'esm-apps';

export interface Cvss {
  /** '2.0', '3.0', '3.1' or '4.0'. */
  version: string;
  vector: string;
  /** Base score; absent when it could not be computed (CVSS 4.0 without a given score). */
  score?: number;
}

export interface Advisory {
  /** The record's own id: DEBIAN-CVE-2024-1, USN-5614-1, ALSA-2023:4520, ALAS2023-2023-001. */
  id: string;
  key: ReleaseKey;
  /** CVE ids the advisory is about (may be empty: then the advisory id names the vulnerability). */
  cves: string[];
  /** Vendor severity, lower case (critical, important, high, moderate, medium, low, negligible...). */
  severity?: string;
  cvss?: Cvss;
  published?: string;
  summary?: string;
  /** A few reference URLs (advisory pages first). */
  references: string[];
  packages: AffectedPackage[];
}

/** A record a reader could not accept, with the reason (never dropped silently). */
export interface FeedError {
  /** File (and line or record index) the record came from. */
  source: string;
  message: string;
}

/** Records a reader deliberately left out, counted by reason (withdrawn, other ecosystem, bug-fix only...). */
export type SkipCounts = Record<string, number>;

export interface ReadResult {
  advisories: Advisory[];
  errors: FeedError[];
  skipped: SkipCounts;
  /** How many records (OSV documents, updateinfo updates) were read. */
  records: number;
}

export const emptyRead = (): ReadResult => ({ advisories: [], errors: [], skipped: {}, records: 0 });

export function countSkip(skipped: SkipCounts, reason: string, n = 1): void {
  skipped[reason] = (skipped[reason] ?? 0) + n;
}

export function mergeReads(into: ReadResult, from: ReadResult): ReadResult {
  // Loops, not push(...spread): a feed can hold more advisories than the call stack takes arguments.
  for (const a of from.advisories) into.advisories.push(a);
  for (const e of from.errors) into.errors.push(e);
  into.records += from.records;
  for (const [k, v] of Object.entries(from.skipped)) countSkip(into.skipped, k, v);
  return into;
}

export interface KevEntry {
  cve: string;
  dateAdded: string;
  dueDate: string;
  knownRansomwareCampaignUse?: string;
  vulnerabilityName?: string;
}

export interface KevCatalog {
  catalogVersion: string;
  dateReleased?: string;
  entries: KevEntry[];
}

export interface EpssScores {
  modelVersion?: string;
  scoreDate?: string;
  /** Sorted by CVE id (string order) for binary search. */
  cves: string[];
  scores: number[];
  percentiles: number[];
}

/** CVE ids anywhere in a string (UBUNTU-CVE-2021-3782 → CVE-2021-3782). */
export function cveIdsIn(s: string): string[] {
  return s.match(/CVE-\d{4}-\d{4,}/g) ?? [];
}
