/**
 * The compiled EPSS scores (epss.json), one row a line so that an assessment looks up only the CVEs it found,
 * by positioned reads, instead of parsing 330,000 scores (11 MB of JSON, 50 MB of memory) whole. It is still
 * one JSON document, so the Evaluate Lambda (which has the object in memory anyway) parses it as before:
 *
 *   {"kind":"inspector-epss","schema":2,"modelVersion":"v2025.03.14","scoreDate":"…","count":330000,"rows":[
 *   ["CVE-1999-0001",0.01,0.5],
 *   …
 *   ["CVE-2026-99999",0.0004,0.1]
 *   ]}
 *
 * Rows are sorted by CVE id (string order). Opening the file reads it once in 1 MiB pieces and keeps every
 * SPARSE-th row's id and byte offset; a lookup reads the few kilobytes between two kept rows. The schema-1 file
 * an earlier version wrote (parallel `cves`, `scores`, `percentiles` arrays) is read whole, as before.
 */
import type { ByteSource } from './index-format';
import { FileSource, IndexFormatError } from './index-format';
import type { EpssScores } from './model';

export const EPSS_KIND = 'inspector-epss';
const SPARSE = 128;
const PIECE = 1024 * 1024;
const ROWS_OPEN = '"rows":[';

/** EPSS scores → the file (rows sorted by CVE id). */
export function encodeEpss(e: EpssScores): Buffer {
  const order = e.cves
    .map((_, i) => i)
    .sort((a, b) => (e.cves[a]! < e.cves[b]! ? -1 : e.cves[a]! > e.cves[b]! ? 1 : 0));
  const head: Record<string, unknown> = { kind: EPSS_KIND, schema: 2 };
  if (e.modelVersion !== undefined) head.modelVersion = e.modelVersion;
  if (e.scoreDate !== undefined) head.scoreDate = e.scoreDate;
  head.count = e.cves.length;
  const lines = order.map((i) => JSON.stringify([e.cves[i], e.scores[i], e.percentiles[i]]));
  const h = JSON.stringify(head);
  return Buffer.from(`${h.slice(0, -1)},${ROWS_OPEN}\n${lines.join(',\n')}${lines.length ? '\n' : ''}]}\n`);
}

/** A parsed epss.json of either schema → the scores (the Lambda, publish checks, the schema-1 local file). */
export function epssOfDocument(value: unknown): EpssScores | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const optStr = (x: unknown) => x === undefined || typeof x === 'string';
  if (!optStr(v.modelVersion) || !optStr(v.scoreDate)) return undefined;
  const base: Omit<EpssScores, 'cves' | 'scores' | 'percentiles'> = {};
  if (typeof v.modelVersion === 'string') base.modelVersion = v.modelVersion;
  if (typeof v.scoreDate === 'string') base.scoreDate = v.scoreDate;
  if (v.kind === EPSS_KIND) {
    if (v.schema !== 2 || !Array.isArray(v.rows) || v.count !== v.rows.length) return undefined;
    const cves: string[] = [];
    const scores: number[] = [];
    const percentiles: number[] = [];
    for (const r of v.rows as unknown[]) {
      if (!isRow(r)) return undefined;
      cves.push(r[0]);
      scores.push(r[1]);
      percentiles.push(r[2]);
    }
    return { ...base, cves, scores, percentiles };
  }
  const arr = <T>(x: unknown, t: string): x is T[] => Array.isArray(x) && x.every((y) => typeof y === t);
  if (
    !arr<string>(v.cves, 'string') ||
    !arr<number>(v.scores, 'number') ||
    !arr<number>(v.percentiles, 'number')
  )
    return undefined;
  return { ...base, cves: v.cves, scores: v.scores, percentiles: v.percentiles };
}

function isRow(r: unknown): r is [string, number, number] {
  return (
    Array.isArray(r) &&
    r.length === 3 &&
    typeof r[0] === 'string' &&
    typeof r[1] === 'number' &&
    typeof r[2] === 'number'
  );
}

/** The EPSS lookup of a compiled file, read by positioned reads. */
export class EpssFile {
  readonly modelVersion?: string;
  readonly scoreDate?: string;
  readonly count: number;
  /** Every SPARSE-th row: its CVE id and byte offset; `end` is where the rows end. */
  private readonly keys: string[] = [];
  private readonly offsets: number[] = [];
  private readonly end: number;

  private constructor(
    private readonly src: ByteSource,
    private readonly source: string,
  ) {
    const bad = (why: string) => new IndexFormatError(`${source} is not a compiled EPSS score file: ${why}`);
    const [first] = src.read([[0, Math.min(src.size, 64 * 1024)]]);
    const nl = first!.indexOf(0x0a);
    const headText = nl < 0 ? '' : first!.subarray(0, nl).toString('utf8');
    if (!headText.endsWith(ROWS_OPEN)) throw bad('no header line');
    let head: Record<string, unknown>;
    try {
      head = JSON.parse(`${headText}]}`) as Record<string, unknown>;
    } catch {
      throw bad('the header line is not JSON');
    }
    if (head.kind !== EPSS_KIND || head.schema !== 2 || !Number.isInteger(head.count))
      throw bad('not an EPSS file of schema 2');
    if (typeof head.modelVersion === 'string') this.modelVersion = head.modelVersion;
    if (typeof head.scoreDate === 'string') this.scoreDate = head.scoreDate;
    this.count = head.count as number;
    // One pass in pieces: count the rows, check their order at the kept ones, keep every SPARSE-th.
    let row = 0;
    let at = nl + 1;
    let end = -1;
    let prev = '';
    while (at < src.size && end < 0) {
      const [piece] = src.read([[at, Math.min(PIECE, src.size - at)]]);
      let p = 0;
      for (;;) {
        const e = piece!.indexOf(0x0a, p);
        if (e < 0) break;
        if (piece![p] === 0x5d) {
          end = at + p; // `]}`: the rows end here
          break;
        }
        if (row % SPARSE === 0) {
          const key = keyOf(piece!.subarray(p, e));
          if (key === undefined) throw bad(`row ${row + 1} is not ["CVE-…",score,percentile]`);
          if (key <= prev) throw bad(`rows are not sorted by CVE id at ${key}`);
          prev = key;
          this.keys.push(key);
          this.offsets.push(at + p);
        }
        row++;
        p = e + 1;
      }
      if (p === 0 && end < 0) {
        if (at + piece!.length >= src.size) break; // a last line without its newline: reported as truncated below
        throw bad(`a line at byte ${at} is longer than ${PIECE} bytes`);
      }
      at += p;
    }
    if (end < 0) throw bad('it ends before its rows do: truncated?');
    if (row !== this.count) throw bad(`${row} rows where the header says ${this.count}`);
    this.end = end;
  }

  static async open(file: string): Promise<EpssFile> {
    return new EpssFile(await FileSource.open(file), file);
  }

  lookup(cve: string): { score: number; percentile: number } | undefined {
    // The last kept row at or before `cve`.
    let lo = 0;
    let hi = this.keys.length - 1;
    let k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid]! <= cve) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (k < 0) return undefined;
    const from = this.offsets[k]!;
    const to = this.offsets[k + 1] ?? this.end;
    const [block] = this.src.read([[from, to - from]]);
    for (const line of block!.toString('utf8').split('\n')) {
      if (!line.startsWith(`[${JSON.stringify(cve)},`)) continue;
      let r: unknown;
      try {
        r = JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line);
      } catch {
        r = undefined;
      }
      if (!isRow(r))
        throw new IndexFormatError(`${this.source}: the row of ${cve} is not ["CVE-…",score,percentile]`);
      return { score: r[1], percentile: r[2] };
    }
    return undefined;
  }
}

/** The CVE id of a row line (`["CVE-…",s,p],`), without parsing the numbers. */
function keyOf(line: Buffer): string | undefined {
  if (line[0] !== 0x5b || line[1] !== 0x22) return undefined;
  const close = line.indexOf(0x22, 2);
  return close < 0 ? undefined : line.subarray(2, close).toString('utf8');
}
