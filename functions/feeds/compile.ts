/**
 * Compile: what the readers produced → one ReleaseIndex per distribution release, plus the KEV and EPSS
 * lookups, behind the CveIndex interface the `cve` rules package reads. Pure (no I/O): the data-dir store
 * (store.ts) implements the same interface over files.
 */

import type { CveScoreLookup } from './cve-scores';
import type { DebianUrgencyLookup } from './debian-urgency';
import { ReleaseIndex } from './index-format';
import {
  type Advisory,
  type EpssScores,
  type KevCatalog,
  type KevEntry,
  type ReadResult,
  type ReleaseKey,
  releaseKeyString,
} from './model';
import { epssLookup } from './readers/epss';

export interface ThreatData {
  kev?: { catalogVersion: string; byCve: ReadonlyMap<string, KevEntry> };
  epss?: {
    modelVersion?: string;
    scoreDate?: string;
    lookup(cve: string): { score: number; percentile: number } | undefined;
  };
  /** CVSS base scores from the CVE records (NVD, CVE List V5): the preferred score of each CVE. */
  cvss?: CveScoreLookup;
  /** Debian Security Tracker urgency by release, source package and CVE. */
  debianUrgency?: DebianUrgencyLookup;
}

/** The severity data beside KEV and EPSS (severity-feeds.ts). */
export interface SeverityData {
  cvss?: CveScoreLookup;
  debianUrgency?: DebianUrgencyLookup;
}

/** What the `cve` rules package needs: the index of one release, and KEV / EPSS by CVE. */
export interface CveIndex {
  /** Where the data came from, for messages ("feed directory ./osv", "data dir ~/.local/share/inspector"). */
  readonly description: string;
  /** Release keys present ("debian:12"). */
  releaseKeys(): string[];
  release(key: ReleaseKey): Promise<ReleaseIndex | undefined>;
  threatData(): Promise<ThreatData>;
}

/** Group advisories by release; a later advisory with the same id replaces an earlier one. */
export function groupByRelease(
  advisories: readonly Advisory[],
): Map<string, { key: ReleaseKey; advisories: Advisory[]; replaced: number }> {
  const out = new Map<string, { key: ReleaseKey; byId: Map<string, Advisory>; replaced: number }>();
  for (const a of advisories) {
    const k = releaseKeyString(a.key);
    let g = out.get(k);
    if (!g) {
      g = { key: a.key, byId: new Map(), replaced: 0 };
      out.set(k, g);
    }
    if (g.byId.has(a.id)) g.replaced++;
    g.byId.set(a.id, a);
  }
  return new Map(
    [...out].map(([k, g]) => [k, { key: g.key, advisories: [...g.byId.values()], replaced: g.replaced }]),
  );
}

export function threatDataOf(
  kev: KevCatalog | undefined,
  epss: EpssScores | undefined,
  severity: SeverityData = {},
): ThreatData {
  const t: ThreatData = {};
  if (severity.cvss) t.cvss = severity.cvss;
  if (severity.debianUrgency) t.debianUrgency = severity.debianUrgency;
  if (kev) t.kev = { catalogVersion: kev.catalogVersion, byCve: new Map(kev.entries.map((e) => [e.cve, e])) };
  if (epss) {
    const e: NonNullable<ThreatData['epss']> = { lookup: (cve) => epssLookup(epss, cve) };
    if (epss.modelVersion) e.modelVersion = epss.modelVersion;
    if (epss.scoreDate) e.scoreDate = epss.scoreDate;
    t.epss = e;
  }
  return t;
}

/** An index held in memory (assess --feed on raw feed files, tests, benchmarks). */
export class MemoryCveIndex implements CveIndex {
  private readonly threat: ThreatData;
  constructor(
    readonly description: string,
    private readonly releases: ReadonlyMap<string, ReleaseIndex>,
    kev?: KevCatalog,
    epss?: EpssScores,
    severity?: SeverityData,
  ) {
    this.threat = threatDataOf(kev, epss, severity);
  }

  static compile(
    description: string,
    read: Pick<ReadResult, 'advisories'>,
    opts: { kev?: KevCatalog; epss?: EpssScores; compiledAt?: string } & SeverityData = {},
  ): MemoryCveIndex {
    const at = opts.compiledAt ?? new Date().toISOString();
    const releases = new Map<string, ReleaseIndex>();
    for (const [k, g] of groupByRelease(read.advisories))
      releases.set(k, ReleaseIndex.fromAdvisories(g.key, g.advisories, at));
    return new MemoryCveIndex(description, releases, opts.kev, opts.epss, opts);
  }

  releaseKeys(): string[] {
    return [...this.releases.keys()].sort();
  }
  async release(key: ReleaseKey): Promise<ReleaseIndex | undefined> {
    return this.releases.get(releaseKeyString(key));
  }
  async threatData(): Promise<ThreatData> {
    return this.threat;
  }
}
