/**
 * The compiled index of one distribution release (schema 2), laid out so that an assessment reads only the
 * packages its host has installed, by positioned reads, instead of parsing the whole release:
 *
 *   line 1     header: JSON object (kind, schema 2, release, counts, and the byte range of each section,
 *              counted from the first byte after this line)
 *   names      one line per package name, in string order: `["openssl",offset,length]`, the byte range of the
 *              package's block in the packages section
 *   advisories one line per advisory, in advisory-id order: `[id,cves,severity,cvssVersion,cvssVector,
 *              cvssScore,published,summary,references]` (null = none)
 *   packages   one block (line) per package name: `[strings,rows]`, where `strings` interns the block's versions,
 *              arches and module names once, and each row is one affected-package entry:
 *              `[advisoryOffset,advisoryLength,flags,ranges,versions?,arches?,stream?,modules?]`
 *              (flags: 1 won't fix, 2 fix in Ubuntu Pro esm-infra, 4 esm-apps; ranges are flat kind,string-id
 *              pairs per range; -1 = no stream)
 *
 * Opening a release reads the header and the name table (about 40 bytes a package); `lookup(name)` reads that
 * package's block and the advisory lines it names (neighbouring lines in one read). A compiled file of a data
 * dir is read with synchronous positioned reads (ReleaseIndex.openFile); a downloaded object or an index
 * compiled in memory is read from its bytes (ReleaseIndex.fromBytes), the same way.
 *
 * Schema 1 (one JSON document with every string of the release interned) is recognised and refused with
 * OldIndexFormatError; index-legacy.ts decodes it for `inspector feeds convert` and for merging.
 */
import { closeSync, promises as fs, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import * as z from 'zod';
import { FAMILY_INFO } from './ecosystems';
import {
  type Advisory,
  type AffectedPackage,
  FAMILIES,
  type ProService,
  type RangeEvent,
  type ReleaseKey,
} from './model';

export const RELEASE_INDEX_KIND = 'inspector-cve-release-index';
export const RELEASE_INDEX_SCHEMA = 2;
/** File name extension of a schema-2 release index in a data dir or a published generation. */
export const RELEASE_INDEX_EXT = '.idx';

const KINDS: ReadonlyArray<RangeEvent['kind']> = ['introduced', 'fixed', 'last_affected', 'limit'];
/** Entry flag bits naming the Ubuntu Pro service of a fix. */
const PRO_FLAG: Readonly<Record<ProService, number>> = { 'esm-infra': 2, 'esm-apps': 4 };

/** The interned fields of one affected-package entry, encoded the same way by schema 1 and schema 2. */
export interface EntryFields {
  /** 1 won't fix, 2 fix in Ubuntu Pro esm-infra, 4 esm-apps. */
  flags: number;
  /** Per range, flat pairs of event kind (an index in KINDS) and version (a string id). */
  ranges: number[][];
  versions?: number[] | undefined;
  arches?: number[] | undefined;
  /** A string id; -1 or absent = no stream. */
  stream?: number | undefined;
  modules?: number[] | undefined;
}

/**
 * An entry's fields decoded to an AffectedPackage: `s` turns a string id into its string (and throws for an
 * id outside its table), `fail` makes the error for a malformed field (index-legacy.ts decodes schema 1 with it).
 */
export function decodeEntry(
  name: string,
  f: EntryFields,
  s: (i: number | undefined) => string | undefined,
  fail: (message: string) => Error,
): AffectedPackage {
  const pkg: AffectedPackage = {
    name,
    wontFix: (f.flags & 1) === 1,
    ranges: f.ranges.map((flat) => {
      const events: RangeEvent[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const kind = KINDS[flat[i]!];
        if (!kind) throw fail(`bad range event kind ${flat[i]} for ${name}`);
        events.push({ kind, version: s(flat[i + 1])! });
      }
      return events;
    }),
    versions: (f.versions ?? []).map((v) => s(v)!),
    arches: (f.arches ?? []).map((v) => s(v)!),
  };
  const stream = s(f.stream);
  if (stream) pkg.stream = stream;
  if (f.modules) pkg.modules = f.modules.map((m) => s(m)!);
  if (f.flags & PRO_FLAG['esm-infra']) pkg.proService = 'esm-infra';
  else if (f.flags & PRO_FLAG['esm-apps']) pkg.proService = 'esm-apps';
  return pkg;
}
/** A header line longer than this is not one of ours. */
const MAX_HEADER_BYTES = 64 * 1024;
/** Advisory lines closer than this to each other are read together (one read instead of two). */
const COALESCE_GAP = 64 * 1024;
/** ...up to this many bytes per read. */
const MAX_READ = 1024 * 1024;
/** The first bytes of a schema-1 index (JSON.stringify wrote `kind` and `schema` first). */
const SCHEMA1_PREFIX = `{"kind":"${RELEASE_INDEX_KIND}","schema":1,`;

/** [id, cves, severity, cvssVersion, cvssVector, cvssScore, published, summary, references]. */
type AdvisoryLine = [
  string,
  string[],
  string | null,
  string | null,
  string | null,
  number | null,
  string | null,
  string | null,
  string[],
];
/** [advisoryOffset, advisoryLength, flags, ranges, versions?, arches?, stream?, modules?]. */
type EntryRow = [number, number, number, number[][], number[]?, number[]?, number?, number[]?];
type Section = [number, number];

const section = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]);
const headerSchema = z.object({
  kind: z.literal(RELEASE_INDEX_KIND),
  schema: z.literal(RELEASE_INDEX_SCHEMA),
  family: z.enum(FAMILIES),
  release: z.string().min(1),
  versionFormat: z.enum(['dpkg', 'rpm', 'apk']),
  keyBy: z.enum(['source', 'binary']),
  compiledAt: z.string(),
  advisoryCount: z.number().int().nonnegative(),
  packageCount: z.number().int().nonnegative(),
  sections: z.object({ names: section, advisories: section, packages: section }),
});
export type ReleaseIndexHeader = z.infer<typeof headerSchema>;

/** Strings to small ids, in first-seen order (undefined is -1): the compiled files store ids. */
export class Interner {
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

/** The header line, its fields in a fixed order (withCompiledAt rewrites it and must give the same bytes). */
function headerLine(h: ReleaseIndexHeader): Buffer {
  const ordered: ReleaseIndexHeader = {
    kind: h.kind,
    schema: h.schema,
    family: h.family,
    release: h.release,
    versionFormat: h.versionFormat,
    keyBy: h.keyBy,
    compiledAt: h.compiledAt,
    advisoryCount: h.advisoryCount,
    packageCount: h.packageCount,
    sections: { names: h.sections.names, advisories: h.sections.advisories, packages: h.sections.packages },
  };
  return Buffer.from(`${JSON.stringify(ordered)}\n`);
}

/** Advisories of one release → the compiled file (advisories sorted by id, package blocks by name). */
export function encodeRelease(key: ReleaseKey, advisories: readonly Advisory[], compiledAt: string): Buffer {
  const sorted = [...advisories].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const advParts: Buffer[] = [];
  const advAt: Section[] = [];
  let advBytes = 0;
  const byName = new Map<string, Array<{ ai: number; p: AffectedPackage }>>();
  sorted.forEach((a, ai) => {
    const line: AdvisoryLine = [
      a.id,
      a.cves,
      a.severity ?? null,
      a.cvss?.version ?? null,
      a.cvss?.vector ?? null,
      a.cvss?.score ?? null,
      a.published ?? null,
      a.summary ?? null,
      a.references,
    ];
    const b = Buffer.from(`${JSON.stringify(line)}\n`);
    advAt.push([advBytes, b.length - 1]);
    advBytes += b.length;
    advParts.push(b);
    for (const p of a.packages) {
      let list = byName.get(p.name);
      if (!list) {
        list = [];
        byName.set(p.name, list);
      }
      list.push({ ai, p });
    }
  });
  const pkgParts: Buffer[] = [];
  const nameLines: string[] = [];
  let pkgBytes = 0;
  for (const name of [...byName.keys()].sort()) {
    const t = new Interner();
    const rows: EntryRow[] = byName.get(name)!.map(({ ai, p }) => {
      const [off, len] = advAt[ai]!;
      const row: EntryRow = [
        off,
        len,
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
      return row;
    });
    const b = Buffer.from(`${JSON.stringify([t.strings, rows])}\n`);
    nameLines.push(`${JSON.stringify([name, pkgBytes, b.length - 1])}\n`);
    pkgBytes += b.length;
    pkgParts.push(b);
  }
  const names = Buffer.from(nameLines.join(''));
  const info = FAMILY_INFO[key.family];
  const head = headerLine({
    kind: RELEASE_INDEX_KIND,
    schema: RELEASE_INDEX_SCHEMA,
    family: key.family,
    release: key.release,
    versionFormat: info.versionFormat,
    keyBy: info.keyBy,
    compiledAt,
    advisoryCount: sorted.length,
    packageCount: nameLines.length,
    sections: {
      names: [0, names.length],
      advisories: [names.length, advBytes],
      packages: [names.length + advBytes, pkgBytes],
    },
  });
  return Buffer.concat([head, names, ...advParts, ...pkgParts]);
}

/** An advisory without its package list, as the matcher sees it. */
export type AdvisoryMeta = Omit<Advisory, 'packages' | 'key'>;

export interface PackageAdvisory {
  advisory: AdvisoryMeta;
  pkg: AffectedPackage;
}

export class IndexFormatError extends Error {
  override readonly name: string = 'IndexFormatError';
}

/** A release index written by an earlier version (schema 1): convert it (`inspector feeds convert`) or sync again. */
export class OldIndexFormatError extends IndexFormatError {
  override readonly name = 'OldIndexFormatError';
  constructor(readonly source: string) {
    super(
      `${source} is a CVE index in the format of an earlier version of inspector (schema 1, one JSON document); this version reads schema ${RELEASE_INDEX_SCHEMA}: run \`inspector feeds convert\` (rewrites the data dir's feeds in place) or \`inspector feeds sync\``,
    );
  }
}

/** Is `bytes` (the start of a file is enough) a schema-1 index? */
export function isSchema1(bytes: Uint8Array): boolean {
  const n = SCHEMA1_PREFIX.length;
  return (
    bytes.length >= n && Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('latin1') === SCHEMA1_PREFIX
  );
}

/** Positioned reads of the index bytes. */
export interface ByteSource {
  readonly size: number;
  /** The byte ranges asked for, each as its own buffer, in the order given. */
  read(ranges: ReadonlyArray<Section>): Buffer[];
  /**
   * The byte ranges asked for, one at a time, in the order given: `fn` gets each range's bytes before the next is
   * read, in a buffer that is reused for the next one (it must not keep it). At most one range is in memory at
   * once: a package whose advisories span the whole index (linux) is read a piece at a time, not all at once.
   */
  forEach(ranges: ReadonlyArray<Section>, fn: (bytes: Buffer, i: number) => void): void;
}

class BufferSource implements ByteSource {
  readonly size: number;
  private readonly buf: Buffer;
  constructor(bytes: Uint8Array) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.size = bytes.byteLength;
  }
  read(ranges: ReadonlyArray<Section>): Buffer[] {
    return ranges.map(([o, l]) => this.buf.subarray(o, o + l));
  }
  forEach(ranges: ReadonlyArray<Section>, fn: (bytes: Buffer, i: number) => void): void {
    for (let i = 0; i < ranges.length; i++) {
      const [o, l] = ranges[i]!;
      fn(this.buf.subarray(o, o + l), i);
    }
  }
}

/**
 * A compiled file read with synchronous positioned reads, opened for each batch of reads: nothing is held open
 * between assessments, and a file replaced meanwhile (a feeds sync renames a new one into place) is noticed by
 * its inode, size and mtime and refused, never read at the old offsets.
 */
export class FileSource implements ByteSource {
  readonly size: number;
  constructor(
    private readonly file: string,
    private readonly st: Pick<Stats, 'ino' | 'size' | 'mtimeMs'>,
  ) {
    this.size = st.size;
  }
  static async open(file: string): Promise<FileSource> {
    return new FileSource(file, await fs.stat(file));
  }
  read(ranges: ReadonlyArray<Section>): Buffer[] {
    return this.opened((fd) => ranges.map(([o, l]) => readFully(fd, o, Buffer.allocUnsafe(l), this.file)));
  }
  forEach(ranges: ReadonlyArray<Section>, fn: (bytes: Buffer, i: number) => void): void {
    if (ranges.length === 0) return;
    let longest = 0;
    for (const [, l] of ranges) longest = Math.max(longest, l);
    const scratch = Buffer.allocUnsafe(longest);
    this.opened((fd) => {
      for (let i = 0; i < ranges.length; i++) {
        const [o, l] = ranges[i]!;
        fn(readFully(fd, o, scratch.subarray(0, l), this.file), i);
      }
    });
  }
  /** `fn` with the file open, after checking it is still the file that was opened (inode, size, mtime). */
  private opened<T>(fn: (fd: number) => T): T {
    const fd = openSync(this.file, 'r');
    try {
      const now = fstatSync(fd);
      if (now.ino !== this.st.ino || now.size !== this.st.size || now.mtimeMs !== this.st.mtimeMs)
        throw new IndexFormatError(
          `${this.file} changed while it was being read (replaced by a feed sync?): run the assessment again`,
        );
      return fn(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Fills `buf` from `offset` of the file (every byte, or an IndexFormatError naming the truncation). */
function readFully(fd: number, offset: number, buf: Buffer, file: string): Buffer {
  const length = buf.length;
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, offset + done);
    if (n === 0) throw new IndexFormatError(`${file} ends before byte ${offset + length}: truncated`);
    done += n;
  }
  return buf;
}

function parseJson(buf: Buffer, what: string, source: string): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new IndexFormatError(`${source}: ${what} is not JSON: ${(err as Error).message}`);
  }
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
const isIntArray = (v: unknown): v is number[] => Array.isArray(v) && v.every(Number.isInteger);
const optStr = (v: unknown) => v === null || isStr(v);

function checkAdvisoryLine(v: unknown): v is AdvisoryLine {
  return (
    Array.isArray(v) &&
    v.length === 9 &&
    isStr(v[0]) &&
    isStrArray(v[1]) &&
    optStr(v[2]) &&
    optStr(v[3]) &&
    optStr(v[4]) &&
    (v[5] === null || typeof v[5] === 'number') &&
    optStr(v[6]) &&
    optStr(v[7]) &&
    isStrArray(v[8])
  );
}

function checkRow(r: unknown): r is EntryRow {
  return (
    Array.isArray(r) &&
    r.length >= 4 &&
    r.length <= 8 &&
    Number.isInteger(r[0]) &&
    Number.isInteger(r[1]) &&
    Number.isInteger(r[2]) &&
    Array.isArray(r[3]) &&
    r[3].every(isIntArray) &&
    (r[4] === undefined || isIntArray(r[4])) &&
    (r[5] === undefined || isIntArray(r[5])) &&
    (r[6] === undefined || Number.isInteger(r[6])) &&
    (r[7] === undefined || isIntArray(r[7]))
  );
}

/** Rewrite the header's compile time (the rest is unchanged): publish compares content without it. */
export function withCompiledAt(bytes: Uint8Array, compiledAt: string): Buffer {
  const { header, bodyStart } = readHeader(new BufferSource(bytes), 'index');
  const body = Buffer.from(bytes.buffer, bytes.byteOffset + bodyStart, bytes.byteLength - bodyStart);
  return Buffer.concat([headerLine({ ...header, compiledAt }), body]);
}

function readHeader(src: ByteSource, source: string): { header: ReleaseIndexHeader; bodyStart: number } {
  const [start] = src.read([[0, Math.min(src.size, MAX_HEADER_BYTES)]]);
  if (isSchema1(start!)) throw new OldIndexFormatError(source);
  const nl = start!.indexOf(0x0a);
  const notOurs = (why: string) =>
    new IndexFormatError(`${source} is not a compiled CVE index (schema ${RELEASE_INDEX_SCHEMA}): ${why}`);
  if (nl < 0) throw notOurs('no header line');
  let value: unknown;
  try {
    value = JSON.parse(start!.subarray(0, nl).toString('utf8'));
  } catch {
    throw notOurs('the header line is not JSON');
  }
  const h = headerSchema.safeParse(value);
  if (!h.success) {
    const issue = h.error.issues[0];
    throw notOurs(`${issue?.path.join('.') || '(header)'}: ${issue?.message}`);
  }
  const bodyStart = nl + 1;
  const { names, advisories, packages } = h.data.sections;
  let end = 0;
  for (const [what, [o, l]] of [
    ['names', names],
    ['advisories', advisories],
    ['packages', packages],
  ] as const) {
    if (o < end || bodyStart + o + l > src.size)
      throw notOurs(
        `its ${what} section (${o}+${l}) lies outside the file's ${src.size - bodyStart} bytes: truncated?`,
      );
    end = o + l;
  }
  return { header: h.data, bodyStart };
}

/** One release's index: the header and the name table in memory, package blocks and advisories read on demand. */
export class ReleaseIndex {
  readonly key: ReleaseKey;
  private readonly decoded = new Map<number, AdvisoryMeta>();
  /** Decoded entries by package name: an index serves many instances, which share most package names. */
  private readonly looked = new Map<string, PackageAdvisory[]>();
  /** Lines of the name table (`["name",offset,length]`), in name order. */
  private readonly names: string[];
  private readonly advBase: number;
  private readonly pkgBase: number;

  private constructor(
    private readonly src: ByteSource,
    private readonly header: ReleaseIndexHeader,
    bodyStart: number,
    readonly source: string,
  ) {
    this.key = { family: header.family, release: header.release };
    const s = header.sections;
    const [names] = src.read([[bodyStart + s.names[0], s.names[1]]]);
    const text = names!.toString('utf8');
    this.names = text ? text.slice(0, -1).split('\n') : [];
    if (this.names.length !== header.packageCount)
      throw new IndexFormatError(
        `${source}: the name table has ${this.names.length} lines where the header says ${header.packageCount} packages`,
      );
    this.advBase = bodyStart + s.advisories[0];
    this.pkgBase = bodyStart + s.packages[0];
  }

  /** An index from its bytes (a downloaded object, or compiled in memory). */
  static fromBytes(bytes: Uint8Array, source: string): ReleaseIndex {
    const src = new BufferSource(bytes);
    const { header, bodyStart } = readHeader(src, source);
    return new ReleaseIndex(src, header, bodyStart, source);
  }

  /** A compiled file, read by positioned reads as packages are looked up. */
  static async openFile(file: string): Promise<ReleaseIndex> {
    const st = await fs.stat(file);
    const src = new FileSource(file, st);
    const { header, bodyStart } = readHeader(src, file);
    return new ReleaseIndex(src, header, bodyStart, file);
  }

  static fromAdvisories(key: ReleaseKey, advisories: readonly Advisory[], compiledAt: string): ReleaseIndex {
    return ReleaseIndex.fromBytes(
      encodeRelease(key, advisories, compiledAt),
      `index of ${key.family}:${key.release}`,
    );
  }

  get versionFormat(): 'dpkg' | 'rpm' | 'apk' {
    return this.header.versionFormat;
  }
  get keyBy(): 'source' | 'binary' {
    return this.header.keyBy;
  }
  get compiledAt(): string {
    return this.header.compiledAt;
  }
  get advisoryCount(): number {
    return this.header.advisoryCount;
  }
  get packageCount(): number {
    return this.header.packageCount;
  }
  /** Size of the compiled index in bytes. */
  get byteSize(): number {
    return this.src.size;
  }

  /** Every package name the index has entries for, in name order. */
  packageNames(): string[] {
    return this.names.map((_, i) => this.nameAt(i)[0]);
  }

  private nameAt(i: number): [string, number, number] {
    const v: unknown = (() => {
      try {
        return JSON.parse(this.names[i]!);
      } catch {
        return undefined;
      }
    })();
    if (
      !Array.isArray(v) ||
      v.length !== 3 ||
      !isStr(v[0]) ||
      !Number.isInteger(v[1]) ||
      !Number.isInteger(v[2])
    )
      throw new IndexFormatError(
        `${this.source}: line ${i + 1} of the name table is not ["name",offset,length]`,
      );
    return v as [string, number, number];
  }

  /** The block range of `name`, by binary search of the name table. */
  private find(name: string): [number, number] | undefined {
    let lo = 0;
    let hi = this.names.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const [n, o, l] = this.nameAt(mid);
      if (n === name) return [o, l];
      if (n < name) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Every advisory naming `name`, decoded (in advisory-id order). */
  lookup(name: string): readonly PackageAdvisory[] {
    const hit = this.looked.get(name);
    if (hit) return hit;
    const at = this.find(name);
    if (!at) return [];
    const [block] = this.src.read([this.packageRange(at, name)]);
    const [strings, rows] = this.block(block!, name);
    this.loadAdvisories(rows.map((r) => [r[0], r[1]]));
    const out = rows.map((r) => ({ advisory: this.decoded.get(r[0])!, pkg: this.entry(name, strings, r) }));
    this.looked.set(name, out);
    return out;
  }

  /** Decode everything back into advisories (for merging a new import into an existing index). */
  allAdvisories(): Advisory[] {
    const out: Advisory[] = [];
    const byOffset = new Map<number, Advisory>();
    this.eachAdvisory((off, meta) => {
      const a: Advisory = { ...meta, key: this.key, packages: [] };
      byOffset.set(off, a);
      out.push(a);
    });
    this.eachBlock((name, strings, rows) => {
      for (const r of rows) {
        const a = byOffset.get(r[0]);
        if (!a)
          throw new IndexFormatError(
            `${this.source}: ${name} names an advisory at ${r[0]}, which is not a line start`,
          );
        a.packages.push(this.entry(name, strings, r));
      }
    });
    return out;
  }

  /**
   * Read and check every line once, keeping nothing (feed-sync checks a compiled index before publishing it):
   * the advisory count, that names are sorted and unique, and that every entry names an advisory line.
   */
  verify(): void {
    const starts = new Set<number>();
    this.eachAdvisory((off) => starts.add(off));
    if (starts.size !== this.advisoryCount)
      throw new IndexFormatError(
        `${this.source}: ${starts.size} advisory lines where the header says ${this.advisoryCount}`,
      );
    let prev: string | undefined;
    this.eachBlock((name, strings, rows) => {
      if (prev !== undefined && !(prev < name))
        throw new IndexFormatError(`${this.source}: the name table is not sorted at ${name}`);
      prev = name;
      for (const r of rows) {
        if (!starts.has(r[0]))
          throw new IndexFormatError(
            `${this.source}: ${name} names an advisory at ${r[0]}, which is not a line start`,
          );
        this.entry(name, strings, r);
      }
    });
  }

  private eachAdvisory(fn: (offset: number, a: AdvisoryMeta) => void): void {
    const [, len] = this.header.sections.advisories;
    for (let o = 0; o < len; ) {
      const size = Math.min(MAX_READ, len - o);
      const [chunk] = this.src.read([[this.advBase + o, size]]);
      let p = 0;
      for (;;) {
        const nl = chunk!.indexOf(0x0a, p);
        if (nl < 0) break;
        fn(o + p, this.advisoryLine(chunk!.subarray(p, nl), o + p));
        p = nl + 1;
      }
      if (p === 0)
        throw new IndexFormatError(
          `${this.source}: an advisory line at ${o} is longer than ${MAX_READ} bytes`,
        );
      o += p;
    }
  }

  private eachBlock(fn: (name: string, strings: string[], rows: EntryRow[]) => void): void {
    for (let i = 0; i < this.names.length; i++) {
      const [name, o, l] = this.nameAt(i);
      const [block] = this.src.read([this.packageRange([o, l], name)]);
      const [strings, rows] = this.block(block!, name);
      fn(name, strings, rows);
    }
  }

  private packageRange([o, l]: [number, number], name: string): Section {
    if (o < 0 || l < 0 || o + l > this.header.sections.packages[1])
      throw new IndexFormatError(`${this.source}: the block of ${name} lies outside the packages section`);
    return [this.pkgBase + o, l];
  }

  private block(buf: Buffer, name: string): [string[], EntryRow[]] {
    const v = parseJson(buf, `the block of ${name}`, this.source);
    if (
      !Array.isArray(v) ||
      v.length !== 2 ||
      !isStrArray(v[0]) ||
      !Array.isArray(v[1]) ||
      !v[1].every(checkRow)
    )
      throw new IndexFormatError(`${this.source}: the block of ${name} is not [strings, entries]`);
    return v as [string[], EntryRow[]];
  }

  /** Read and decode the advisory lines not decoded yet; lines near each other in one read. */
  private loadAdvisories(refs: ReadonlyArray<Section>): void {
    const want = new Map<number, number>();
    const [, advLen] = this.header.sections.advisories;
    for (const [o, l] of refs) {
      if (this.decoded.has(o) || want.has(o)) continue;
      if (o < 0 || l < 0 || o + l + 1 > advLen)
        throw new IndexFormatError(`${this.source}: an advisory at ${o} lies outside its section`);
      want.set(o, l);
    }
    if (want.size === 0) return;
    const sorted = [...want].sort((a, b) => a[0] - b[0]);
    const groups: Array<{ start: number; end: number; members: Array<[number, number]> }> = [];
    for (const [o, l] of sorted) {
      const g = groups.at(-1);
      if (g && o - g.end <= COALESCE_GAP && o + l - g.start <= MAX_READ) {
        g.end = Math.max(g.end, o + l);
        g.members.push([o, l]);
      } else groups.push({ start: o, end: o + l, members: [[o, l]] });
    }
    // A group at a time: the bytes of one read (at most MAX_READ) are in memory, decoded, then let go.
    this.src.forEach(
      groups.map((g) => [this.advBase + g.start, g.end - g.start + 1]),
      (buf, i) => {
        const g = groups[i]!;
        for (const [o, l] of g.members) {
          const at = o - g.start;
          if (buf[at + l] !== 0x0a)
            throw new IndexFormatError(
              `${this.source}: the advisory at ${o} does not end where its entry says`,
            );
          this.decoded.set(o, this.advisoryLine(buf.subarray(at, at + l), o));
        }
      },
    );
  }

  private advisoryLine(buf: Buffer, offset: number): AdvisoryMeta {
    const v = parseJson(buf, `the advisory at ${offset}`, this.source);
    if (!checkAdvisoryLine(v))
      throw new IndexFormatError(`${this.source}: the advisory at ${offset} is not an advisory line`);
    const [id, cves, severity, version, vector, score, published, summary, references] = v;
    const a: AdvisoryMeta = { id, cves, references };
    if (severity) a.severity = severity;
    if (version && vector)
      a.cvss = score !== null && score >= 0 ? { version, vector, score } : { version, vector };
    if (published) a.published = published;
    if (summary) a.summary = summary;
    return a;
  }

  private entry(name: string, strings: readonly string[], r: EntryRow): AffectedPackage {
    const s = (i: number | undefined): string | undefined => {
      if (i === undefined || i < 0) return undefined;
      const v = strings[i];
      if (v === undefined)
        throw new IndexFormatError(`${this.source}: string ${i} is outside the string table of ${name}`);
      return v;
    };
    return decodeEntry(
      name,
      { flags: r[2], ranges: r[3], versions: r[4], arches: r[5], stream: r[6], modules: r[7] },
      s,
      (message) => new IndexFormatError(`${this.source}: ${message}`),
    );
  }
}
