/**
 * The local store: one folder per run under <dataDir>/runs/<runId>/ holding the encrypted telemetry
 * (telemetry/<instanceId>.bin), the run record and the assessment output (JSON), and the report.
 * Every write goes to a temporary file first and is renamed into place, so a crash or a failed write (a full
 * disk) never leaves half a file; the assessment output and the report are written a piece at a time
 * (write-stream.ts), never held whole as one string.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { jsonChunks } from '../../core/json-chunks';
import { JsonMembersReader } from '../../core/json-members';
import type { Finding } from '../../core/model';
import type { AssessmentOutput, RunRecord } from '../../core/run';
import { idSchema } from '../../core/telemetry';
import { writeFileAtomic } from './write-stream';

export class RunNotFoundError extends Error {
  override readonly name = 'RunNotFoundError';
}

export class LocalRunStore {
  readonly runsDir: string;
  constructor(readonly dataDir: string) {
    this.runsDir = path.join(dataDir, 'runs');
  }

  runDir(runId: string): string {
    const parsed = idSchema.safeParse(runId);
    if (!parsed.success) throw new Error(`invalid run id ${JSON.stringify(runId)}`);
    return path.join(this.runsDir, runId);
  }

  telemetryPath(runId: string, instanceId: string): string {
    if (!idSchema.safeParse(instanceId).success)
      throw new Error(`invalid instance id ${JSON.stringify(instanceId)}`);
    return path.join(this.runDir(runId), 'telemetry', `${instanceId}.bin`);
  }

  async putTelemetry(runId: string, instanceId: string, ciphertext: Uint8Array): Promise<string> {
    const file = this.telemetryPath(runId, instanceId);
    await writeAtomic(file, ciphertext);
    return file;
  }

  async getTelemetry(runId: string, instanceId: string): Promise<Buffer> {
    return fs.readFile(this.telemetryPath(runId, instanceId));
  }

  async putRun(run: RunRecord): Promise<void> {
    await writeAtomic(path.join(this.runDir(run.runId), 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  }

  /**
   * assessment.json (the text of `JSON.stringify(output)`), written a result and a finding at a time, then the
   * run record: a run whose output could not be written whole has none, and its record is left as it was.
   * `raw`: the JSON text of records whose in-memory copy is slim (record-spill.ts RecordSpill.text).
   */
  async putOutput(output: AssessmentOutput, raw?: (value: unknown) => string | undefined): Promise<void> {
    const file = path.join(this.runDir(output.run.runId), 'assessment.json');
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, jsonChunks(output, 0, 2, raw), { mode: 0o600 });
    await this.putRun(output.run);
  }

  /** report.html, from its text or its pieces (report/html.ts htmlReportChunks), written as they come. */
  async putReport(runId: string, html: string | Iterable<string>): Promise<string> {
    const file = path.join(this.runDir(runId), 'report.html');
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, typeof html === 'string' ? [html] : html, { mode: 0o600 });
    return file;
  }

  async getRun(runId: string): Promise<RunRecord> {
    try {
      return JSON.parse(await fs.readFile(path.join(this.runDir(runId), 'run.json'), 'utf8')) as RunRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new RunNotFoundError(`no run ${runId} in ${this.dataDir}`);
      throw err;
    }
  }

  async getOutput(runId: string): Promise<AssessmentOutput> {
    try {
      return JSON.parse(
        await fs.readFile(path.join(this.runDir(runId), 'assessment.json'), 'utf8'),
      ) as AssessmentOutput;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        await this.getRun(runId); // throws RunNotFoundError when the run itself is unknown
        throw new Error(`run ${runId} has no results (it did not complete)`);
      }
      throw err;
    }
  }

  /**
   * A stored run's record and findings, read from its assessment.json a piece at a time: its results (most of
   * the file) are scanned past, never parsed, and each finding is handed to `keep` as it is read, so only what
   * it returns stays (a diff keeps the id and waiver of a finding the current run also has: diff.ts Baseline).
   */
  async getBaseline<F>(runId: string, keep: (f: Finding) => F): Promise<{ run: RunRecord; findings: F[] }> {
    const file = path.join(this.runDir(runId), 'assessment.json');
    const findings: F[] = [];
    const reader = new JsonMembersReader(
      { run: 'value', findings: (f) => findings.push(keep(f as Finding)) },
      file,
    );
    try {
      for await (const piece of createReadStream(file, { highWaterMark: 256 * 1024 }))
        reader.push(piece as Buffer);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        await this.getRun(runId); // throws RunNotFoundError when the run itself is unknown
        throw new Error(`run ${runId} has no results (it did not complete)`);
      }
      throw err;
    }
    const { run } = reader.end();
    if (!run || typeof run !== 'object') throw new Error(`${file} has no run record`);
    return { run: run as RunRecord, findings };
  }

  /** Every run, newest first. Unreadable run folders are reported, not skipped silently. */
  async listRuns(): Promise<{ runs: RunRecord[]; problems: string[] }> {
    let names: string[];
    try {
      names = await fs.readdir(this.runsDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], problems: [] };
      throw err;
    }
    const runs: RunRecord[] = [];
    const problems: string[] = [];
    for (const name of names) {
      try {
        runs.push(await this.getRun(name));
      } catch (err) {
        problems.push(`${name}: ${(err as Error).message}`);
      }
    }
    runs.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    return { runs, problems };
  }
}

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(tmp, data, { mode: 0o600 });
  await fs.rename(tmp, file);
}
