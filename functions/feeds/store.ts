/**
 * The compiled feeds in a data directory: `<dataDir>/feeds/manifest.json` names one index file per
 * release (`debian-12.json`), `kev.json` and `epss.json`. Every file is written to a temporary name and
 * renamed into place (the manifest last), so a reader never sees half a file. Release files load lazily:
 * an assessment reads only the release its instances run.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { type CveIndex, groupByRelease, type SeverityData, type ThreatData, threatDataOf } from './compile';
import { CveScoreCollector, CveScoreTable, type InvalidRecords, invalidRecordsSchema } from './cve-scores';
import { DebianUrgencyTable } from './debian-urgency';
import { EPSS_KIND, EpssFile, encodeEpss, epssOfDocument } from './epss-file';
import type { FeedBundle } from './import';
import {
  encodeRelease,
  IndexFormatError,
  isSchema1,
  OldIndexFormatError,
  RELEASE_INDEX_EXT,
  ReleaseIndex,
} from './index-format';
import { legacyRelease } from './index-legacy';
import {
  type Advisory,
  type EpssScores,
  FAMILIES,
  type KevCatalog,
  type ReleaseKey,
  releaseKeyString,
} from './model';

export const MANIFEST_KIND = 'inspector-cve-feeds';

/** Data a secondary source brings, by its manifest key. */
export const SECONDARY_DATA = ['kev', 'epss', 'cveScores', 'debianUrgency'] as const;

const missingSourceSchema = z.object({
  /** The sync source's name (sync.ts: `debian-security-tracker`, `cisa-kev`, ...). */
  source: z.string(),
  /** What it would have written. */
  data: z.enum(SECONDARY_DATA),
  /** Why its last download failed. */
  reason: z.string(),
  /** When it was first found missing, and when it was last tried (ISO 8601). */
  since: z.string(),
  triedAt: z.string(),
});

const manifestSchema = z.object({
  kind: z.literal(MANIFEST_KIND),
  schema: z.literal(1),
  updatedAt: z.string(),
  releases: z.record(
    z.string(),
    z.object({
      family: z.enum(FAMILIES),
      release: z.string(),
      /** `<family>-<release>.idx` (schema 2); `.json`: schema 1, written by an earlier version (feeds convert). */
      file: z.string().regex(/^[a-z0-9._-]+\.(?:idx|json)$/),
      advisories: z.number().int().nonnegative(),
      packages: z.number().int().nonnegative(),
      compiledAt: z.string(),
    }),
  ),
  kev: z.object({ file: z.string(), catalogVersion: z.string(), entries: z.number().int() }).optional(),
  epss: z
    .object({
      file: z.string(),
      scoreDate: z.string().optional(),
      modelVersion: z.string().optional(),
      entries: z.number().int(),
    })
    .optional(),
  /** CVSS base scores by CVE from the CVE records (cve-scores.ts). */
  cveScores: z
    .object({
      file: z.string(),
      entries: z.number().int(),
      compiledAt: z.string(),
      /** Records the source left out as invalid (feeds status shows them). */
      invalid: invalidRecordsSchema.optional(),
    })
    .optional(),
  /** Debian Security Tracker urgencies (debian-urgency.ts). */
  debianUrgency: z
    .object({
      file: z.string(),
      entries: z.number().int(),
      releases: z.array(z.string()),
      compiledAt: z.string(),
    })
    .optional(),
  /**
   * Sources a first run asked for and could not download, the feed being written without them (its own
   * distribution's export arrived): `inspector assess` retries them and the cve package says they are missing
   * until a write brings their data (writeBundle drops an entry when it writes that `data`).
   */
  missingSources: z.array(missingSourceSchema).optional(),
});
export type FeedManifest = z.infer<typeof manifestSchema>;
export type MissingSource = z.infer<typeof missingSourceSchema>;

const kevFileSchema = z.object({
  catalogVersion: z.string(),
  dateReleased: z.string().optional(),
  entries: z.array(
    z.object({
      cve: z.string(),
      dateAdded: z.string(),
      dueDate: z.string(),
      knownRansomwareCampaignUse: z.string().optional(),
      vulnerabilityName: z.string().optional(),
    }),
  ),
});

/** A compiled KEV file (kev.json of a data dir or of a published feed generation), validated. */
export function parseKevFile(value: unknown, source: string): KevCatalog {
  const v = kevFileSchema.safeParse(value);
  if (!v.success) throw new IndexFormatError(`${source} is not a compiled KEV catalogue`);
  return v.data;
}

/** A compiled EPSS file (epss.json of a data dir or of a published feed generation), validated. */
export function parseEpssFile(value: unknown, source: string): EpssScores {
  const v = epssOfDocument(value);
  if (!v) throw new IndexFormatError(`${source} is not a compiled EPSS score file`);
  return v;
}

/** Does the file start as the row-a-line EPSS layout (epss-file.ts) rather than the earlier parallel arrays? */
async function startsWith(file: string, prefix: string): Promise<boolean> {
  const head = Buffer.alloc(prefix.length);
  const fh = await fs.open(file, 'r');
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  return head.toString('latin1') === prefix;
}
const EPSS_ROWS_PREFIX = `{"kind":"${EPSS_KIND}"`;

export const feedsDir = (dataDir: string): string => path.join(dataDir, 'feeds');

async function readJson(file: string): Promise<unknown> {
  const text = await fs.readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new IndexFormatError(`${file} is not JSON: ${(err as Error).message}`);
  }
}

/** Write a file atomically: temporary name in the same directory, then rename. */
export async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export async function readManifest(dir: string): Promise<FeedManifest | undefined> {
  const file = path.join(dir, 'manifest.json');
  let value: unknown;
  try {
    value = await readJson(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const m = manifestSchema.safeParse(value);
  if (!m.success) throw new IndexFormatError(`${file} is not a feed manifest: ${m.error.issues[0]?.message}`);
  return m.data;
}

export interface StoreReport {
  releases: Array<{ key: string; advisories: number; packages: number; added: number; replaced: number }>;
  kev?: { catalogVersion: string; entries: number };
  epss?: { scoreDate?: string; entries: number };
  cveScores?: { entries: number; invalid?: InvalidRecords };
  debianUrgency?: { entries: number; releases: string[] };
  dir: string;
}

const releaseFile = (k: ReleaseKey) =>
  `${k.family}-${k.release.replace(/[^a-z0-9.]+/gi, '-').toLowerCase()}${RELEASE_INDEX_EXT}`;

/**
 * Compile a bundle into the data dir. Advisories of a release already in the index are kept unless the
 * import brings the same advisory id (which replaces it) or `replace` is set (the release is rebuilt from
 * this import alone). KEV, EPSS and the Debian tracker's urgencies are replaced whole; CVE scores are merged
 * by CVE (the preferred score wins, see cve-scores.ts) unless `replace` is set.
 */
export async function writeBundle(
  dataDir: string,
  bundle: Pick<FeedBundle, 'read' | 'kev' | 'epss' | 'cvss' | 'debianTracker'>,
  opts: { replace?: boolean; now?: string } = {},
): Promise<StoreReport> {
  const dir = feedsDir(dataDir);
  await fs.mkdir(dir, { recursive: true });
  const now = opts.now ?? new Date().toISOString();
  const manifest: FeedManifest = (await readManifest(dir)) ?? {
    kind: MANIFEST_KIND,
    schema: 1,
    updatedAt: now,
    releases: {},
  };
  const report: StoreReport = { releases: [], dir };
  /** Schema-1 files replaced by this write, removed once the manifest no longer names them. */
  const superseded: string[] = [];
  for (const [k, g] of groupByRelease(bundle.read.advisories)) {
    const file = releaseFile(g.key);
    let merged: Advisory[] = g.advisories;
    let replaced = g.replaced;
    const existing = manifest.releases[k];
    if (existing && !opts.replace) {
      const old = await releaseAdvisories(path.join(dir, existing.file));
      const fresh = new Set(g.advisories.map((a) => a.id));
      const kept = old.filter((a) => !fresh.has(a.id));
      replaced += old.length - kept.length;
      merged = [...kept, ...g.advisories];
    }
    if (existing && existing.file !== file) superseded.push(existing.file);
    const bytes = encodeRelease(g.key, merged, now);
    const index = ReleaseIndex.fromBytes(bytes, file);
    await writeAtomic(path.join(dir, file), bytes);
    manifest.releases[k] = {
      family: g.key.family,
      release: g.key.release,
      file,
      advisories: index.advisoryCount,
      packages: index.packageCount,
      compiledAt: now,
    };
    report.releases.push({
      key: k,
      advisories: index.advisoryCount,
      packages: index.packageCount,
      added: g.advisories.length,
      replaced,
    });
  }
  if (bundle.kev) {
    await writeAtomic(path.join(dir, 'kev.json'), JSON.stringify(bundle.kev));
    manifest.kev = {
      file: 'kev.json',
      catalogVersion: bundle.kev.catalogVersion,
      entries: bundle.kev.entries.length,
    };
    report.kev = { catalogVersion: bundle.kev.catalogVersion, entries: bundle.kev.entries.length };
  }
  if (bundle.epss) {
    await writeAtomic(path.join(dir, 'epss.json'), encodeEpss(bundle.epss));
    manifest.epss = { file: 'epss.json', entries: bundle.epss.cves.length };
    if (bundle.epss.scoreDate) manifest.epss.scoreDate = bundle.epss.scoreDate;
    if (bundle.epss.modelVersion) manifest.epss.modelVersion = bundle.epss.modelVersion;
    report.epss = { entries: bundle.epss.cves.length };
    if (bundle.epss.scoreDate) report.epss.scoreDate = bundle.epss.scoreDate;
  }
  if (bundle.cvss?.size) {
    let scores = bundle.cvss;
    if (manifest.cveScores && !opts.replace) {
      const file = path.join(dir, manifest.cveScores.file);
      scores = new CveScoreCollector();
      scores.merge(CveScoreTable.parse(await readJson(file), file).entries());
      scores.merge(bundle.cvss.entries());
      // Only this import's invalid records are reported (the merged file's were reported when it was made).
      if (bundle.cvss.invalid) scores.invalid = bundle.cvss.invalid;
    }
    const doc = scores.encode(now);
    await writeAtomic(path.join(dir, 'cve-scores.json'), JSON.stringify(doc));
    const invalid = doc.invalid ? { invalid: doc.invalid } : {};
    manifest.cveScores = { file: 'cve-scores.json', entries: doc.count, compiledAt: now, ...invalid };
    report.cveScores = { entries: doc.count, ...invalid };
  }
  if (bundle.debianTracker?.size) {
    const doc = bundle.debianTracker.encode(now);
    await writeAtomic(path.join(dir, 'debian-urgency.json'), JSON.stringify(doc));
    const releases = bundle.debianTracker.releases();
    manifest.debianUrgency = { file: 'debian-urgency.json', entries: doc.entries, releases, compiledAt: now };
    report.debianUrgency = { entries: doc.entries, releases };
  }
  if (manifest.missingSources) {
    const wrote = new Set<string>();
    if (bundle.kev) wrote.add('kev');
    if (bundle.epss) wrote.add('epss');
    if (bundle.cvss?.size) wrote.add('cveScores');
    if (bundle.debianTracker?.size) wrote.add('debianUrgency');
    manifest.missingSources = manifest.missingSources.filter((m) => !wrote.has(m.data));
    if (manifest.missingSources.length === 0) delete manifest.missingSources;
  }
  manifest.updatedAt = now;
  await writeAtomic(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const f of superseded) await fs.rm(path.join(dir, f), { force: true });
  return report;
}

/**
 * Record which secondary sources are missing from the compiled feed in `dir` (a feeds folder with a
 * manifest); an empty list clears the record. The manifest is rewritten atomically.
 */
export async function setMissingSources(dir: string, missing: readonly MissingSource[]): Promise<void> {
  const manifest = await readManifest(dir);
  if (!manifest) throw new Error(`no feed manifest in ${dir}`);
  if (missing.length > 0) manifest.missingSources = [...missing];
  else delete manifest.missingSources;
  await writeAtomic(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** A compiled release file (schema 2), opened for positioned reads; a schema-1 file is refused (OldIndexFormatError). */
export function loadReleaseFile(file: string): Promise<ReleaseIndex> {
  return ReleaseIndex.openFile(file);
}

/** Every advisory of a compiled release file, of either schema (merging an import into it, converting it). */
async function releaseAdvisories(file: string): Promise<Advisory[]> {
  const head = Buffer.alloc(64);
  const fh = await fs.open(file, 'r');
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  if (isSchema1(head)) return legacyRelease(await readJson(file), file).advisories;
  return (await ReleaseIndex.openFile(file)).allAdvisories();
}

export interface ConvertReport {
  dir: string;
  /** EPSS scores rewritten in the row-a-line layout (their count), when the file had the earlier layout. */
  epss?: number;
  converted: Array<{ key: string; from: string; to: string; advisories: number; packages: number }>;
  current: string[];
}

/**
 * Rewrite the schema-1 release files of a data dir's feeds in the current format (`inspector feeds convert`):
 * each converted file is written beside the old one, the manifest then names the new files, and the old ones
 * are removed last. The advisories are the same (compiled again from the decoded old file, compile time kept).
 */
export async function convertFeeds(dataDirOrFeedsDir: string): Promise<ConvertReport> {
  let dir = feedsDir(dataDirOrFeedsDir);
  let manifest = await readManifest(dir);
  if (!manifest) {
    dir = dataDirOrFeedsDir;
    manifest = await readManifest(dir);
  }
  if (!manifest)
    throw new Error(
      `no compiled vulnerability feed in ${feedsDir(dataDirOrFeedsDir)}: run \`inspector feeds import PATH\` or \`inspector feeds sync\``,
    );
  const report: ConvertReport = { dir, converted: [], current: [] };
  const old: string[] = [];
  for (const [k, entry] of Object.entries(manifest.releases).sort()) {
    const from = path.join(dir, entry.file);
    try {
      await ReleaseIndex.openFile(from);
      report.current.push(k);
      continue;
    } catch (err) {
      if (!(err instanceof OldIndexFormatError)) throw err;
    }
    const legacy = legacyRelease(await readJson(from), from);
    const to = releaseFile(legacy.key);
    const bytes = encodeRelease(legacy.key, legacy.advisories, entry.compiledAt);
    const index = ReleaseIndex.fromBytes(bytes, to);
    await writeAtomic(path.join(dir, to), bytes);
    manifest.releases[k] = {
      ...entry,
      file: to,
      advisories: index.advisoryCount,
      packages: index.packageCount,
    };
    if (entry.file !== to) old.push(entry.file);
    report.converted.push({
      key: k,
      from: entry.file,
      to,
      advisories: index.advisoryCount,
      packages: index.packageCount,
    });
  }
  if (manifest.epss) {
    const file = path.join(dir, manifest.epss.file);
    if (!(await startsWith(file, EPSS_ROWS_PREFIX))) {
      // Same name, same scores: only the layout changes (the manifest needs no change).
      await writeAtomic(file, encodeEpss(parseEpssFile(await readJson(file), file)));
      report.epss = manifest.epss.entries;
    }
  }
  if (report.converted.length > 0) {
    await writeAtomic(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    for (const f of old) await fs.rm(path.join(dir, f), { force: true });
  }
  return report;
}

/** The compiled feeds of a data dir, loaded lazily. */
export class StoredCveIndex implements CveIndex {
  private readonly releases = new Map<string, Promise<ReleaseIndex>>();
  private threat?: Promise<ThreatData>;

  private constructor(
    readonly dir: string,
    readonly manifest: FeedManifest,
  ) {}

  get description(): string {
    return `compiled feeds in ${this.dir}`;
  }

  /** Open `<dataDir>/feeds` (or a feeds directory itself); throws with what to do when there is none. */
  static async open(dataDirOrFeedsDir: string): Promise<StoredCveIndex> {
    for (const dir of [feedsDir(dataDirOrFeedsDir), dataDirOrFeedsDir]) {
      const m = await readManifest(dir);
      if (m) return new StoredCveIndex(dir, m);
    }
    throw new Error(
      `no compiled vulnerability feed in ${feedsDir(dataDirOrFeedsDir)}: run \`inspector feeds import PATH\` or \`inspector feeds sync\``,
    );
  }

  releaseKeys(): string[] {
    return Object.keys(this.manifest.releases).sort();
  }

  release(key: ReleaseKey): Promise<ReleaseIndex | undefined> {
    const k = releaseKeyString(key);
    const entry = this.manifest.releases[k];
    if (!entry) return Promise.resolve(undefined);
    let p = this.releases.get(k);
    if (!p) {
      p = loadReleaseFile(path.join(this.dir, entry.file));
      this.releases.set(k, p);
    }
    return p;
  }

  threatData(): Promise<ThreatData> {
    this.threat ??= (async () => {
      let kev: KevCatalog | undefined;
      let epss: EpssScores | undefined;
      let epssFile: EpssFile | undefined;
      if (this.manifest.kev) {
        const file = path.join(this.dir, this.manifest.kev.file);
        kev = parseKevFile(await readJson(file), file);
      }
      if (this.manifest.epss) {
        // Row a line: looked up by positioned reads. An earlier version's file (parallel arrays) is read whole.
        const file = path.join(this.dir, this.manifest.epss.file);
        if (await startsWith(file, EPSS_ROWS_PREFIX)) epssFile = await EpssFile.open(file);
        else epss = parseEpssFile(await readJson(file), file);
      }
      const severity: SeverityData = {};
      if (this.manifest.cveScores) {
        const file = path.join(this.dir, this.manifest.cveScores.file);
        // Read from the bytes: the 1.25 million numbers of a full file never become JS arrays (cve-scores.ts).
        severity.cvss = CveScoreTable.fromBytes(await fs.readFile(file), file);
      }
      if (this.manifest.debianUrgency) {
        const file = path.join(this.dir, this.manifest.debianUrgency.file);
        // Read from the bytes: each package's urgencies parsed when looked up (debian-urgency.ts).
        severity.debianUrgency = DebianUrgencyTable.fromBytes(await fs.readFile(file), file);
      }
      const t = threatDataOf(kev, epss, severity);
      if (epssFile) {
        const f = epssFile;
        t.epss = { lookup: (cve) => f.lookup(cve) };
        if (f.modelVersion) t.epss.modelVersion = f.modelVersion;
        if (f.scoreDate) t.epss.scoreDate = f.scoreDate;
      }
      return t;
    })();
    return this.threat;
  }
}
