/**
 * An assessment's results and findings kept on disk while the run is written (issue 15: `inspector assess`
 * under 120 MB peak RSS). Each record is written, as it is evaluated, as one line of compact JSON (the text
 * `JSON.stringify` gives it) to a temporary file, and only a slim copy stays in memory: what the summaries,
 * the counts, the report's grouping, the changes and the fix plan read (ids, severities, rule, instance,
 * title, message, the exposure and benchmark attributes, the vulnerability's packages). The writers of the outputs
 * (assessment.json, `--format json`, the HTML report) read each record back whole, a line at a time, by a
 * positioned read: the same bytes as before, never the whole run in memory.
 *
 * A slim record has the type of the whole one with its heavy fields emptied (slimFinding, slimResult): it must
 * never be written or rendered as it is. `full(x)` gives the whole record (a record that
 * was not spilled is its own whole), `text(x)` its JSON.
 *
 * The file (`.assess-<random>.spill` in the given folder, mode 0600: findings say what is vulnerable) is
 * removed as soon as it is opened, where the system allows it (POSIX: the open descriptor keeps its data): a
 * process that is killed, or fails anywhere, leaves nothing behind. Elsewhere `close()` removes it. A failed
 * write (a full disk) throws a RecordSpillError at once: one line naming the file and the system's reason.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Attribute, Evidence, Finding, RuleResult } from '../../core/model';
import type { AssessmentOutput } from '../../core/run';

/**
 * Bytes gathered before one write: few system calls. Each record's text is copied into this buffer (outside V8's
 * heap) as it is made, so the text dies young; a batch built as one string would hold a batch of texts through
 * young-generation collections and move them to the old generation, as garbage that stays until a full one.
 */
const BATCH = 64 * 1024;

/** Shared by every slim record: its evidence was spilled. Frozen: nothing may add to it. */
const NO_EVIDENCE: Evidence[] = Object.freeze([]) as unknown as Evidence[];
const NO_STRINGS: string[] = Object.freeze([]) as unknown as string[];
const NO_ATTRIBUTES: Attribute[] = Object.freeze([]) as unknown as Attribute[];

/** A failed write or read of the spill file: one line, the file and the system's reason (its `code`). */
export class RecordSpillError extends Error {
  override readonly name = 'RecordSpillError';
  readonly code: string | undefined;
  constructor(
    readonly file: string,
    what: 'write' | 'read' | 'create',
    cause: unknown,
  ) {
    const e = cause as NodeJS.ErrnoException;
    super(
      `could not ${what} the temporary file of this assessment's results (${file}): ${e?.message ?? String(cause)}`,
    );
    this.code = e?.code;
  }
}

/**
 * The attributes summaries read of a slim finding: the exposure chain's (report/model.ts exposureRank, fix-plan.ts,
 * the exposure table) and the CIS benchmark's (the compliance part's label and profile). The others are on disk.
 */
export const SUMMARY_ATTRIBUTES: ReadonlySet<string> = new Set([
  'EXPOSURE',
  'EXPOSED_PORTS',
  'BENCHMARK_ID',
  'CIS_BENCHMARK_PROFILE',
]);

/**
 * The slim copy of a finding: what the counts, sorting, the report's grouping and package chart, the changes and
 * the fix plan read (ids, rule, instance, host, title, severities, dates, waiver, SUMMARY_ATTRIBUTES; of the
 * vulnerability its id, ecosystem, fix state, packages, KEV and EPSS). The rest is on disk.
 *
 * Built as one object literal with the fields in one order, never as `{ ...rest, more }`: V8 (Node 20) gives every
 * object made by a spread followed by more properties a hidden class of its own (a map and a descriptor array,
 * ~600 B), so 8,000 slim findings made that way held ~5 MB more than these (a heap snapshot, bench/assess-memory.ts).
 */
export function slimFinding(f: Finding): Finding {
  const kept = f.attributes.filter((a) => SUMMARY_ATTRIBUTES.has(a.key));
  const slim: Finding = {
    id: f.id,
    runId: f.runId,
    instanceId: f.instanceId,
    rulesPackage: f.rulesPackage,
    ruleId: f.ruleId,
    title: f.title,
    description: '',
    recommendation: '',
    severity: f.severity,
    numericSeverity: f.numericSeverity,
    attributes: kept.length ? kept : NO_ATTRIBUTES,
    evidence: NO_EVIDENCE,
    createdAt: f.createdAt,
  };
  // The optional fields kept (SLIM_FINDING_FIELDS 'kept'), when present: an absent field stays absent.
  if (f.hostname !== undefined) slim.hostname = f.hostname;
  if (f.truncated !== undefined) slim.truncated = f.truncated;
  if (f.suppression !== undefined) slim.suppression = f.suppression;
  const vulnerability = f.vulnerability;
  if (vulnerability) {
    const { vulnerabilityId, ecosystem, packages, fixState, kev, epss } = vulnerability;
    const v: NonNullable<Finding['vulnerability']> = {
      vulnerabilityId,
      aliases: NO_STRINGS,
      advisoryIds: NO_STRINGS,
      ecosystem,
      packages,
      fixState,
      references: NO_STRINGS,
    };
    if (kev) v.kev = kev;
    if (epss) v.epss = epss;
    slim.vulnerability = v;
  }
  return slim;
}

/**
 * What slimFinding does with each field of a Finding: 'kept' as it is, 'emptied' (on disk only), 'slim' (a part
 * kept). Typed over every key of Finding, so a field added to it does not compile until it is placed here (and
 * in slimFinding; the record-spill test checks the two agree).
 */
export const SLIM_FINDING_FIELDS: Readonly<Record<keyof Finding, 'kept' | 'emptied' | 'slim'>> = {
  id: 'kept',
  runId: 'kept',
  instanceId: 'kept',
  hostname: 'kept',
  rulesPackage: 'kept',
  ruleId: 'kept',
  title: 'kept',
  description: 'emptied',
  recommendation: 'emptied',
  severity: 'kept',
  numericSeverity: 'kept',
  attributes: 'slim',
  evidence: 'emptied',
  createdAt: 'kept',
  vulnerability: 'slim',
  truncated: 'kept',
  suppression: 'kept',
};

/** The slim copy of a result: package, rule, instance, status, severity, title and message. */
export function slimResult(r: RuleResult): RuleResult {
  const slim: RuleResult = {
    rulesPackage: r.rulesPackage,
    ruleId: r.ruleId,
    instanceId: r.instanceId,
    result: r.result,
    severity: r.severity,
    title: r.title,
    message: r.message,
    evidence: NO_EVIDENCE,
  };
  if (r.truncated) slim.truncated = r.truncated;
  return slim;
}

export class RecordSpill {
  readonly file: string;
  private fd: number | undefined;
  /** Removed when opened (POSIX); else by close(). */
  private readonly unlinked: boolean;
  /** Bytes written to the file, and the bytes gathered in `batch` but not yet written. */
  private written = 0;
  private readonly batch = Buffer.allocUnsafe(BATCH);
  private pendingBytes = 0;
  /** Where each slim record's line is: its index into offsets/lengths. */
  private readonly where = new WeakMap<object, number>();
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];
  private count = 0;

  /** Opens a new spill file in `dir` (created exclusively, mode 0600). */
  constructor(dir: string) {
    this.file = path.join(dir, `.assess-${randomBytes(6).toString('hex')}.spill`);
    try {
      this.fd = openSync(this.file, 'wx+', 0o600);
    } catch (err) {
      throw new RecordSpillError(this.file, 'create', err);
    }
    let unlinked = false;
    try {
      unlinkSync(this.file);
      unlinked = true;
    } catch {
      // A system that cannot remove an open file (Windows): close() removes it.
    }
    this.unlinked = unlinked;
  }

  /** Records spilled so far. */
  get size(): number {
    return this.count;
  }

  /** Bytes of JSON spilled so far. */
  get bytes(): number {
    return this.written + this.pendingBytes;
  }

  /** Spills the finding; returns its slim copy (slimFinding). */
  keepFinding = (f: Finding): Finding => this.keep(f, slimFinding(f));

  /** Spills the result; returns its slim copy (slimResult). */
  keepResult = (r: RuleResult): RuleResult => this.keep(r, slimResult(r));

  private keep<T extends object>(whole: T, slim: T): T {
    const fd = this.open();
    const text = JSON.stringify(whole);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.pendingBytes + bytes + 1 > BATCH) this.flush(fd);
    this.where.set(slim, this.count++);
    this.offsets.push(this.written + this.pendingBytes);
    this.lengths.push(bytes);
    if (bytes + 1 > BATCH) {
      // A record larger than a batch (a finding is at most ~70 KB) is written by itself.
      this.writeAll(fd, Buffer.from(`${text}\n`, 'utf8'));
      return slim;
    }
    this.batch.write(text, this.pendingBytes, 'utf8');
    this.batch[this.pendingBytes + bytes] = 0x0a;
    this.pendingBytes += bytes + 1;
    return slim;
  }

  private open(): number {
    if (this.fd === undefined) throw new Error(`${this.file}: the spill file is closed`);
    return this.fd;
  }

  private flush(fd: number): void {
    if (this.pendingBytes === 0) return;
    const n = this.pendingBytes;
    this.pendingBytes = 0;
    this.writeAll(fd, this.batch.subarray(0, n));
  }

  /** Writes `data` at the end of what was written (every byte, or a RecordSpillError). */
  private writeAll(fd: number, data: Uint8Array): void {
    let done = 0;
    try {
      while (done < data.length) done += writeSync(fd, data, done, data.length - done, this.written + done);
    } catch (err) {
      throw new RecordSpillError(this.file, 'write', err);
    }
    this.written += data.length;
  }

  /** Whether `x` is the slim copy of a spilled record. */
  isSlim(x: object): boolean {
    return this.where.has(x);
  }

  /** The JSON text of a spilled record (what JSON.stringify gave it), or undefined for any other value. */
  text = (x: unknown): string | undefined => {
    if (x === null || typeof x !== 'object') return undefined;
    const i = this.where.get(x);
    if (i === undefined) return undefined;
    const fd = this.open();
    this.flush(fd);
    const length = this.lengths[i]!;
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    try {
      while (done < length) {
        const n = readSync(fd, buf, done, length - done, this.offsets[i]! + done);
        if (n === 0) throw new Error(`the file ends before record ${i + 1} does`);
        done += n;
      }
    } catch (err) {
      throw new RecordSpillError(this.file, 'read', err);
    }
    return buf.toString('utf8');
  };

  /** The whole record a slim copy stands for (read back and parsed); any other value as it is. */
  full = <T>(x: T): T => {
    const text = this.text(x);
    return text === undefined ? x : (JSON.parse(text) as T);
  };

  /** The output with every record whole (for what needs them all at once: a PDF, network reachability). */
  materialize(output: AssessmentOutput): AssessmentOutput {
    return { ...output, results: output.results.map(this.full), findings: output.findings.map(this.full) };
  }

  /** Closes the file and removes it (if it was not removed when opened). Idempotent. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    this.pendingBytes = 0;
    try {
      closeSync(fd);
    } finally {
      if (!this.unlinked) rmSync(this.file, { force: true });
    }
  }
}
