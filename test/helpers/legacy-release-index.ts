/**
 * The schema-1 release index as the previous version wrote and read it (functions/feeds/index-format.ts before
 * the per-package layout), kept verbatim as the reference the tests compare the new format with: its encoder
 * writes the old files `feeds convert` must read, and its reader is the old full parse (one JSON document)
 * whose lookups the new positioned reads must reproduce exactly.
 */
import * as z from 'zod';
import { FAMILY_INFO } from '../../functions/feeds/ecosystems';
import { IndexFormatError } from '../../functions/feeds/index-format';
import {
  type Advisory,
  type AffectedPackage,
  FAMILIES,
  type Family,
  type ProService,
  type RangeEvent,
  type ReleaseKey,
} from '../../functions/feeds/model';

const RELEASE_INDEX_KIND = 'inspector-cve-release-index';
const RELEASE_INDEX_SCHEMA = 1;

const KINDS: ReadonlyArray<RangeEvent['kind']> = ['introduced', 'fixed', 'last_affected', 'limit'];
/** Entry flag bits naming the Ubuntu Pro service of a fix. */
const PRO_FLAG: Readonly<Record<ProService, number>> = { 'esm-infra': 2, 'esm-apps': 4 };

/** [id, cves, severity, cvssVersion, cvssVector, cvssScore (-1 none), published, summary, references]; -1 = none. */
type AdvisoryRow = [number, number[], number, number, number, number, number, number, number[]];
/**
 * [advisory, flags (1 = won't fix, 2 = fix in Ubuntu Pro esm-infra, 4 = esm-apps), ranges (flat kind,version
 * pairs per range), versions, arches, stream (-1 none), module streams]. Fields after ranges are optional
 * (readers of older indexes ignore the flags and fields they do not know).
 */
type EntryRow = [number, number, number[][], number[]?, number[]?, number?, number[]?];

export interface ReleaseIndexFile {
  kind: typeof RELEASE_INDEX_KIND;
  schema: typeof RELEASE_INDEX_SCHEMA;
  family: Family;
  release: string;
  versionFormat: string;
  keyBy: 'source' | 'binary';
  compiledAt: string;
  advisoryCount: number;
  strings: string[];
  advisories: AdvisoryRow[];
  packages: Record<string, EntryRow[]>;
}

const fileHead = z.object({
  kind: z.literal(RELEASE_INDEX_KIND),
  schema: z.literal(RELEASE_INDEX_SCHEMA),
  family: z.enum(FAMILIES),
  release: z.string().min(1),
  versionFormat: z.enum(['dpkg', 'rpm', 'apk']),
  keyBy: z.enum(['source', 'binary']),
  compiledAt: z.string(),
  advisoryCount: z.number().int().nonnegative(),
});

/** Shape checks on the bulk arrays without walking them through zod (50,000 rows): rows are checked as decoded. */
function bulkProblem(v: Record<string, unknown>): string | undefined {
  if (!Array.isArray(v.strings) || v.strings.some((s) => typeof s !== 'string'))
    return 'strings: expected an array of strings';
  if (!Array.isArray(v.advisories) || v.advisories.some((r) => !Array.isArray(r) || r.length !== 9)) {
    return 'advisories: expected rows of 9 fields';
  }
  if (!v.packages || typeof v.packages !== 'object' || Array.isArray(v.packages))
    return 'packages: expected an object';
  for (const rows of Object.values(v.packages)) {
    if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r) || r.length < 3 || !Array.isArray(r[2]))) {
      return 'packages: expected rows of [advisory, flags, ranges, ...]';
    }
  }
  return undefined;
}

/** Strings to small ids, in first-seen order (undefined is -1): the compiled files store ids. */
class Interner {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  id(s: string | undefined): number {
    if (s === undefined) return -1;
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, i);
    }
    return i;
  }
}

/** Advisories of one release → the compiled document (advisories sorted by id, entries by package name). */
export function encodeRelease(
  key: ReleaseKey,
  advisories: readonly Advisory[],
  compiledAt: string,
): ReleaseIndexFile {
  const t = new Interner();
  const sorted = [...advisories].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rows: AdvisoryRow[] = [];
  const byName = new Map<string, EntryRow[]>();
  sorted.forEach((a, ai) => {
    rows.push([
      t.id(a.id),
      a.cves.map((c) => t.id(c)),
      t.id(a.severity),
      t.id(a.cvss?.version),
      t.id(a.cvss?.vector),
      a.cvss?.score ?? -1,
      t.id(a.published),
      t.id(a.summary),
      a.references.map((r) => t.id(r)),
    ]);
    for (const p of a.packages) {
      const row: EntryRow = [
        ai,
        (p.wontFix ? 1 : 0) | (p.proService ? PRO_FLAG[p.proService] : 0),
        p.ranges.map((r) => r.flatMap((e) => [KINDS.indexOf(e.kind), t.id(e.version)])),
      ];
      if (p.versions.length || p.arches.length || p.stream || p.modules) {
        row.push(
          p.versions.map((v) => t.id(v)),
          p.arches.map((v) => t.id(v)),
        );
        if (p.stream || p.modules) row.push(t.id(p.stream));
        if (p.modules) row.push(p.modules.map((m) => t.id(m)));
      }
      let list = byName.get(p.name);
      if (!list) {
        list = [];
        byName.set(p.name, list);
      }
      list.push(row);
    }
  });
  const packages: Record<string, EntryRow[]> = {};
  for (const name of [...byName.keys()].sort()) packages[name] = byName.get(name)!;
  const info = FAMILY_INFO[key.family];
  return {
    kind: RELEASE_INDEX_KIND,
    schema: RELEASE_INDEX_SCHEMA,
    family: key.family,
    release: key.release,
    versionFormat: info.versionFormat,
    keyBy: info.keyBy,
    compiledAt,
    advisoryCount: rows.length,
    strings: t.strings,
    advisories: rows,
    packages,
  };
}

/** An advisory without its package list, as the matcher sees it. */
type AdvisoryMeta = Omit<Advisory, 'packages' | 'key'>;

interface PackageAdvisory {
  advisory: AdvisoryMeta;
  pkg: AffectedPackage;
}

/** The loaded, lazily decoded index of one release. */
export class LegacyReleaseIndex {
  readonly key: ReleaseKey;
  private readonly decoded = new Map<number, AdvisoryMeta>();
  /** Decoded entries by package name: an index serves many instances, which share most package names. */
  private readonly looked = new Map<string, PackageAdvisory[]>();
  private readonly packages: Map<string, EntryRow[]>;

  private constructor(private readonly doc: ReleaseIndexFile) {
    this.key = { family: doc.family, release: doc.release };
    this.packages = new Map(Object.entries(doc.packages));
  }

  /** Validate the document's shape (not every row: rows are checked as they are decoded). */
  static fromDocument(value: unknown, source: string): LegacyReleaseIndex {
    const head = fileHead.safeParse(value);
    const problem = head.success
      ? bulkProblem(value as Record<string, unknown>)
      : `${head.error.issues[0]?.path.join('.') || '(document)'}: ${head.error.issues[0]?.message}`;
    if (problem)
      throw new IndexFormatError(
        `${source} is not a compiled CVE index (schema ${RELEASE_INDEX_SCHEMA}): ${problem}`,
      );
    return new LegacyReleaseIndex(value as ReleaseIndexFile);
  }

  static fromAdvisories(
    key: ReleaseKey,
    advisories: readonly Advisory[],
    compiledAt: string,
  ): LegacyReleaseIndex {
    return new LegacyReleaseIndex(encodeRelease(key, advisories, compiledAt));
  }

  get versionFormat(): 'dpkg' | 'rpm' | 'apk' {
    return this.doc.versionFormat as 'dpkg' | 'rpm' | 'apk';
  }
  get keyBy(): 'source' | 'binary' {
    return this.doc.keyBy;
  }
  get compiledAt(): string {
    return this.doc.compiledAt;
  }
  get advisoryCount(): number {
    return this.doc.advisoryCount;
  }
  get packageCount(): number {
    return this.packages.size;
  }
  get document(): ReleaseIndexFile {
    return this.doc;
  }

  /** Every advisory naming `name`, decoded. */
  lookup(name: string): readonly PackageAdvisory[] {
    const hit = this.looked.get(name);
    if (hit) return hit;
    const rows = this.packages.get(name);
    if (!rows) return [];
    const out = rows.map((r) => ({ advisory: this.advisory(r[0]), pkg: this.entry(name, r) }));
    this.looked.set(name, out);
    return out;
  }

  /** Decode everything back into advisories (for merging a new import into an existing index). */
  allAdvisories(): Advisory[] {
    const out: Advisory[] = this.doc.advisories.map((_, i) => ({
      ...this.advisory(i),
      key: this.key,
      packages: [],
    }));
    for (const [name, rows] of this.packages)
      for (const r of rows) out[r[0]]!.packages.push(this.entry(name, r));
    return out;
  }

  private s(i: number | undefined): string | undefined {
    if (i === undefined || i < 0) return undefined;
    const v = this.doc.strings[i];
    if (v === undefined) throw new IndexFormatError(`string ${i} is outside the index's string table`);
    return v;
  }

  private advisory(i: number): AdvisoryMeta {
    const hit = this.decoded.get(i);
    if (hit) return hit;
    const row = this.doc.advisories[i];
    if (!row) throw new IndexFormatError(`advisory ${i} is outside the index`);
    const [id, cves, sev, cv, cvec, cscore, pub, sum, refs] = row;
    const a: AdvisoryMeta = {
      id: this.s(id)!,
      cves: cves.map((c) => this.s(c)!),
      references: refs.map((r) => this.s(r)!),
    };
    const severity = this.s(sev);
    if (severity) a.severity = severity;
    const version = this.s(cv);
    const vector = this.s(cvec);
    if (version && vector) a.cvss = cscore >= 0 ? { version, vector, score: cscore } : { version, vector };
    const published = this.s(pub);
    if (published) a.published = published;
    const summary = this.s(sum);
    if (summary) a.summary = summary;
    this.decoded.set(i, a);
    return a;
  }

  private entry(name: string, r: EntryRow): AffectedPackage {
    const pkg: AffectedPackage = {
      name,
      wontFix: (r[1] & 1) === 1,
      ranges: r[2].map((flat) => {
        const events: RangeEvent[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const kind = KINDS[flat[i]!];
          if (!kind) throw new IndexFormatError(`bad range event kind ${flat[i]} for ${name}`);
          events.push({ kind, version: this.s(flat[i + 1])! });
        }
        return events;
      }),
      versions: (r[3] ?? []).map((v) => this.s(v)!),
      arches: (r[4] ?? []).map((v) => this.s(v)!),
    };
    const stream = this.s(r[5]);
    if (stream) pkg.stream = stream;
    if (r[6]) pkg.modules = r[6].map((m) => this.s(m)!);
    if (r[1] & PRO_FLAG['esm-infra']) pkg.proService = 'esm-infra';
    else if (r[1] & PRO_FLAG['esm-apps']) pkg.proService = 'esm-apps';
    return pkg;
  }
}
