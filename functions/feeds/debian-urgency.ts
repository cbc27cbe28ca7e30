/**
 * Debian Security Tracker urgencies (https://security-tracker.debian.org/tracker/data/json), per Debian
 * release, source package and CVE: the Debian security team's own rating of an issue as it affects that
 * package in that release. Only rated entries are kept (unimportant, low, medium, high and the tracker's
 * `low**` / `medium**` / `high**`); "not yet assigned" and "end-of-life" rate nothing and are left out, as are
 * the descriptions, versions and statuses the OSV records already carry.
 *
 * The `**` suffix is the tracker's mark for an urgency it did not get from the security team: when an issue
 * has none, the tracker copies NVD's (CVSS v2) severity and marks it so (security-tracker
 * lib/python/security_db.py, "insert nvd urgencies"; the web pages say "the urgency field was automatically
 * assigned by the NVD"). Those are kept distinct: they are not Debian's assessment.
 *
 * Compiled file (`debian-urgency.json`): release → source package → urgency code → space-separated CVE ids
 * without the "CVE-" prefix; a package's entries are expanded only when an instance has that package.
 */
import * as z from 'zod';
import { JsonMembersError, JsonMembersReader } from '../core/json-members';

/** Debian release codenames → VERSION_ID (os-release). Testing and unstable have none and are not kept. */
export const DEBIAN_CODENAMES: Readonly<Record<string, string>> = {
  wheezy: '7',
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
  duke: '15',
};

export const URGENCIES = ['unimportant', 'low', 'medium', 'high', 'low**', 'medium**', 'high**'] as const;
export type Urgency = (typeof URGENCIES)[number];
const CODE: Readonly<Record<Urgency, string>> = {
  unimportant: 'u',
  low: 'l',
  medium: 'm',
  high: 'h',
  'low**': 'L',
  'medium**': 'M',
  'high**': 'H',
};
const BY_CODE: Readonly<Record<string, Urgency>> = Object.fromEntries(
  Object.entries(CODE).map(([u, c]) => [c, u as Urgency]),
);

/** The tracker's urgency word → a rated urgency, `null` for the words that rate nothing, undefined if unknown. */
export function parseUrgency(word: string): Urgency | null | undefined {
  const w = word.trim().toLowerCase();
  if (w === 'not yet assigned' || w === 'end-of-life' || w === '' || w === 'unknown') return null;
  return (URGENCIES as readonly string[]).includes(w) ? (w as Urgency) : undefined;
}

/** An urgency the tracker copied from NVD (`**`), not the security team's. */
export const isNvdCopied = (u: Urgency): boolean => u.endsWith('**');

export interface DebianUrgencyLookup {
  /** The urgency of `cve` for source package `pkg` in Debian `release` ("12"), when rated. */
  lookup(release: string, pkg: string, cve: string): Urgency | undefined;
  /** Releases with data ("11", "12", ...). */
  releases(): string[];
  readonly size: number;
}

const short = (cve: string): string | undefined => /^CVE-(\d{4}-\d{4,})$/.exec(cve)?.[1];

/** Urgencies being gathered by the reader. */
export class DebianUrgencyBuilder implements DebianUrgencyLookup {
  private readonly data = new Map<string, Map<string, Map<string, Urgency>>>();
  private n = 0;

  get size(): number {
    return this.n;
  }

  add(release: string, pkg: string, cve: string, u: Urgency): void {
    let rel = this.data.get(release);
    if (!rel) {
      rel = new Map();
      this.data.set(release, rel);
    }
    let p = rel.get(pkg);
    if (!p) {
      p = new Map();
      rel.set(pkg, p);
    }
    if (!p.has(cve)) this.n++;
    p.set(cve, u);
  }

  lookup(release: string, pkg: string, cve: string): Urgency | undefined {
    return this.data.get(release)?.get(pkg)?.get(cve);
  }

  releases(): string[] {
    return [...this.data.keys()].sort((a, b) => Number(a) - Number(b));
  }

  encode(compiledAt: string): DebianUrgencyFile {
    const releases: DebianUrgencyFile['releases'] = {};
    for (const r of this.releases()) {
      const pkgs: Record<string, Record<string, string>> = {};
      const rel = this.data.get(r)!;
      for (const name of [...rel.keys()].sort()) {
        const byCode: Record<string, string[]> = {};
        for (const [cve, u] of [...rel.get(name)!].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
          const id = short(cve);
          if (!id) continue;
          const c = CODE[u];
          const list = byCode[c];
          if (list) list.push(id);
          else byCode[c] = [id];
        }
        pkgs[name] = Object.fromEntries(Object.entries(byCode).map(([c, ids]) => [c, ids.join(' ')]));
      }
      releases[r] = pkgs;
    }
    return { kind: DEBIAN_URGENCY_KIND, schema: 1, compiledAt, entries: this.n, releases };
  }
}

export const DEBIAN_URGENCY_KIND = 'inspector-debian-urgency';

const fileSchema = z.object({
  kind: z.literal(DEBIAN_URGENCY_KIND),
  schema: z.literal(1),
  compiledAt: z.string(),
  entries: z.number().int().nonnegative(),
  /** release → source package → urgency code → "2024-1234 2024-5678". */
  releases: z.record(
    z.string().regex(/^\d+$/),
    z.record(z.string(), z.record(z.string().regex(/^[ulmhLMH]$/), z.string())),
  ),
});
export type DebianUrgencyFile = z.infer<typeof fileSchema>;
/** fileSchema with the releases' contents left to DebianUrgencyTable.parse (checked in place, not copied). */
const headerSchema = fileSchema.extend({ releases: z.record(z.string().regex(/^\d+$/), z.unknown()) });
const isRecord = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

export class DebianUrgencyFormatError extends Error {
  override readonly name = 'DebianUrgencyFormatError';
}

export function isDebianUrgencyFile(value: unknown): boolean {
  return !!value && typeof value === 'object' && (value as { kind?: unknown }).kind === DEBIAN_URGENCY_KIND;
}

/** Where a table's packages are: a parsed document, or the file's bytes with each package's byte range. */
type Packages =
  | { kind: 'parsed'; releases: DebianUrgencyFile['releases'] }
  | { kind: 'bytes'; bytes: Buffer; index: Map<string, Map<string, [number, number]>> };

/** A package's urgency codes, checked: code → space-separated CVE ids (without "CVE-"). */
function checkCodes(
  codes: unknown,
  where: string,
  bad: (w: string, m: string) => Error,
): Record<string, string> {
  if (!isRecord(codes)) throw bad(where, 'expected an object');
  for (const [code, ids] of Object.entries(codes))
    if (!/^[ulmhLMH]$/.test(code) || typeof ids !== 'string')
      throw bad(`${where}.${code}`, 'expected an urgency code and a string of CVE ids');
  return codes as Record<string, string>;
}

/** A compiled file: packages are expanded on first lookup. */
export class DebianUrgencyTable implements DebianUrgencyLookup {
  private readonly expanded = new Map<string, Map<string, Urgency>>();

  private constructor(
    private readonly header: Omit<DebianUrgencyFile, 'releases'>,
    private readonly packages: Packages,
  ) {}

  /**
   * The header is checked by schema, the releases' packages in place: a schema parse copies every object of
   * the document beside JSON.parse's (measured, bench/assess-memory.ts: a 2.7 MB file, ~15 MB of peak RSS).
   */
  static parse(value: unknown, source: string): DebianUrgencyTable {
    const v = headerSchema.safeParse(value);
    const bad = badFile(source);
    if (!v.success) {
      const i = v.error.issues[0];
      throw bad(i?.path.join('.') || '(document)', i?.message ?? 'invalid');
    }
    for (const [r, pkgs] of Object.entries(v.data.releases)) {
      if (!isRecord(pkgs)) throw bad(`releases.${r}`, 'expected an object');
      for (const [pkg, codes] of Object.entries(pkgs)) checkCodes(codes, `releases.${r}.${pkg}`, bad);
    }
    const { releases, ...header } = v.data as DebianUrgencyFile;
    return new DebianUrgencyTable(header, { kind: 'parsed', releases });
  }

  /**
   * The compiled file from its bytes, as an assessment reads it: the header parsed, and for each release and
   * package only where its urgencies are in the file (each package checked once, then parsed again when it is
   * looked up). The same answers and errors as parse(JSON.parse(text)), without the document's objects held.
   */
  static fromBytes(bytes: Buffer, source: string): DebianUrgencyTable {
    const bad = badFile(source);
    const scan = (b: Buffer, where: string): Record<string, unknown> => {
      try {
        const reader = new JsonMembersReader({}, source, 'range');
        reader.push(b);
        return reader.end();
      } catch (err) {
        if (err instanceof JsonMembersError) {
          if (where && /: not a JSON object$/.test(err.message)) throw bad(where, 'expected an object');
          throw bad(where || '(document)', err.message.slice(source.length + 2));
        }
        throw err;
      }
    };
    let members: Record<string, unknown>;
    try {
      const reader = new JsonMembersReader({ releases: 'range' }, source, 'value');
      reader.push(bytes);
      members = reader.end();
    } catch (err) {
      if (err instanceof JsonMembersError) throw bad('(document)', err.message.slice(source.length + 2));
      throw err;
    }
    const [rs, re] = (members.releases as [number, number] | undefined) ?? [0, 0];
    const v = headerSchema.omit({ releases: true }).safeParse(members);
    if (!v.success || re === 0) {
      const i = v.error?.issues[0];
      throw bad(i ? i.path.join('.') || '(document)' : 'releases', i?.message ?? 'missing');
    }
    const index = new Map<string, Map<string, [number, number]>>();
    const releases = bytes.subarray(rs, re);
    for (const [r, range] of Object.entries(scan(releases, 'releases'))) {
      if (!/^\d+$/.test(r)) throw bad(`releases.${r}`, 'not a release number');
      const [s0, e0] = range as [number, number];
      const release = releases.subarray(s0, e0);
      const pkgs = new Map<string, [number, number]>();
      for (const [pkg, where] of Object.entries(scan(release, `releases.${r}`))) {
        const [s1, e1] = where as [number, number];
        let codes: unknown;
        try {
          codes = JSON.parse(release.toString('utf8', s1, e1));
        } catch (err) {
          throw bad(`releases.${r}.${pkg}`, (err as Error).message);
        }
        checkCodes(codes, `releases.${r}.${pkg}`, bad);
        pkgs.set(pkg, [rs + s0 + s1, rs + s0 + e1]);
      }
      index.set(r, pkgs);
    }
    return new DebianUrgencyTable(v.data, { kind: 'bytes', bytes, index });
  }

  get size(): number {
    return this.header.entries;
  }
  get compiledAt(): string {
    return this.header.compiledAt;
  }

  private releaseNames(): string[] {
    const p = this.packages;
    return p.kind === 'parsed' ? Object.keys(p.releases) : [...p.index.keys()];
  }

  private packageNames(release: string): string[] {
    const p = this.packages;
    return p.kind === 'parsed'
      ? Object.keys(p.releases[release] ?? {})
      : [...(p.index.get(release)?.keys() ?? [])];
  }

  /** A package's codes (checked when the table was made). */
  private codes(release: string, pkg: string): Record<string, string> | undefined {
    const p = this.packages;
    if (p.kind === 'parsed') {
      const rel = Object.hasOwn(p.releases, release) ? p.releases[release] : undefined;
      return rel && Object.hasOwn(rel, pkg) ? rel[pkg] : undefined;
    }
    const at = p.index.get(release)?.get(pkg);
    return at ? (JSON.parse(p.bytes.toString('utf8', at[0], at[1])) as Record<string, string>) : undefined;
  }

  releases(): string[] {
    return this.releaseNames().sort((a, b) => Number(a) - Number(b));
  }

  lookup(release: string, pkg: string, cve: string): Urgency | undefined {
    const key = `${release}\u0000${pkg}`;
    let m = this.expanded.get(key);
    if (!m) {
      m = new Map();
      for (const [code, ids] of Object.entries(this.codes(release, pkg) ?? {})) {
        const u = BY_CODE[code];
        if (!u) continue;
        for (const id of ids.split(' ')) if (id) m.set(`CVE-${id}`, u);
      }
      this.expanded.set(key, m);
    }
    return m.get(cve);
  }

  /** Every entry, for tests and re-encoding. */
  *entries(): IterableIterator<[string, string, string, Urgency]> {
    for (const r of this.releaseNames())
      for (const pkg of this.packageNames(r))
        for (const [code, ids] of Object.entries(this.codes(r, pkg) ?? {}))
          for (const id of ids.split(' '))
            if (id && BY_CODE[code]) yield [r, pkg, `CVE-${id}`, BY_CODE[code]];
  }
}

const badFile = (source: string) => (where: string, message: string) =>
  new DebianUrgencyFormatError(`${source} is not a compiled Debian urgency file: ${where}: ${message}`);
