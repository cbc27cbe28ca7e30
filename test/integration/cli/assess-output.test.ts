/**
 * `inspector assess` writes its outputs a piece at a time (issue 15, item 3): on a host with hundreds of CVE
 * findings (test/helpers/many-findings.ts, given with --telemetry), the JSON printed is JSON.stringify(output,
 * null, 2) of the stored assessment.json, which is JSON.stringify(output) itself; report.html and --report FILE
 * are the same complete document. A standard output that fails (a full device: ENOSPC; a reader that went
 * away: EPIPE) ends in one line saying the JSON printed is incomplete and where the whole run is, exit 1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptTelemetry, rawAesKeyring } from '../../../functions/core/telemetry';
import { INSPECTOR_BIN, runInspector } from '../../helpers/inspector-cli';
import { PER_SOURCE, telemetryDoc, writeManyFindingsFeed } from '../../helpers/many-findings';

const FINDINGS = 300;
let tmp: string;
let telemetry: string;
let keyFile: string;
let feedDir: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'inspector-assess-output-'));
  feedDir = path.join(tmp, 'feed');
  await writeManyFindingsFeed(feedDir, false);
  const key = randomBytes(32);
  keyFile = path.join(tmp, 'telemetry.key');
  writeFileSync(keyFile, key, { mode: 0o600 });
  telemetry = path.join(tmp, 'host.telemetry');
  writeFileSync(telemetry, await encryptTelemetry(telemetryDoc(FINDINGS / PER_SOURCE), rawAesKeyring(key)));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A data dir with a copy of the compiled feed: each test's runs apart from the others'. */
function dataDir(): string {
  const d = mkdtempSync(path.join(tmp, 'data-'));
  cpSync(path.join(feedDir, 'feeds'), path.join(d, 'feeds'), { recursive: true });
  return d;
}

const assessArgs = (data: string) => [
  'assess',
  '--telemetry',
  telemetry,
  '--key-file',
  keyFile,
  '--rules-packages',
  'cve',
  '--offline',
  '--format',
  'json',
  '--data-dir',
  data,
];

/** The CLI with its stdout on `stdout` ('pipe' closed at once by the reader, or a file descriptor). */
function runWithStdout(
  args: string[],
  stdout: 'closed-pipe' | number,
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [INSPECTOR_BIN, ...args], {
      stdio: ['ignore', stdout === 'closed-pipe' ? 'pipe' : stdout, 'pipe'],
      env: { ...process.env, INSPECTOR_DATA_DIR: '' },
    });
    if (stdout === 'closed-pipe') child.stdout?.destroy();
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

function storedRun(data: string): { dir: string; json: string } {
  const runs = readdirSync(path.join(data, 'runs'));
  expect(runs).toHaveLength(1);
  const dir = path.join(data, 'runs', runs[0]!);
  return { dir, json: readFileSync(path.join(dir, 'assessment.json'), 'utf8') };
}

describe('inspector assess: outputs written a piece at a time', () => {
  it('the JSON printed, assessment.json and the reports are the whole documents', async () => {
    const data = dataDir();
    const report = path.join(tmp, 'report.html');
    const r = await runInspector([...assessArgs(data), '--report', report]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as {
      findings: unknown[];
      results: unknown[];
      run: { runId: string };
    };
    expect(printed.findings).toHaveLength(FINDINGS);
    // Byte for byte what JSON.stringify gave before: indented on stdout, compact in the run folder.
    expect(r.stdout).toBe(`${JSON.stringify(printed, null, 2)}\n`);
    const stored = storedRun(data);
    expect(stored.json).toBe(JSON.stringify(printed));
    const html = readFileSync(path.join(stored.dir, 'report.html'), 'utf8');
    expect(readFileSync(report, 'utf8')).toBe(html);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.endsWith('</html>\n')).toBe(true);
    expect(html.match(/<article class="finding /g)).toHaveLength(FINDINGS);
    expect(readdirSync(stored.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 120_000);

  it('stdout on a full device (ENOSPC): one line, exit 1, the run stored whole', async () => {
    if (!existsSync('/dev/full')) return;
    const data = dataDir();
    const full = openSync('/dev/full', 'w');
    const r = await runWithStdout(assessArgs(data), full).finally(() => closeSync(full));
    expect(r.code).toBe(1);
    const stored = storedRun(data);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toBe(
      `inspector: writing the JSON to standard output failed (ENOSPC: no space left on device, write): the JSON printed is incomplete; run ${path.basename(stored.dir)} is stored whole in ${path.join(stored.dir, 'assessment.json')}`,
    );
    expect((JSON.parse(stored.json) as { findings: unknown[] }).findings).toHaveLength(FINDINGS);
  }, 120_000);

  it('a reader that closed its end (EPIPE): one line, exit 1', async () => {
    const data = dataDir();
    const r = await runWithStdout(assessArgs(data), 'closed-pipe');
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^inspector: standard output was closed before the JSON was written whole \(EPIPE\): the JSON printed is incomplete; run run-\S+ is stored whole in \S+assessment\.json\n$/,
    );
  }, 120_000);

  it('results that cannot be written to disk as they are evaluated (a file size limit, as a full disk): one line, exit 1, run FAILED, nothing left behind', () => {
    const data = dataDir();
    // Files of at most 512 KiB (ulimit -f counts 1 KiB blocks): the run's telemetry fits, its ~2 MB of results do not.
    const r = spawnSync(
      'bash',
      ['-c', 'ulimit -f 512 && exec "$@"', 'bash', process.execPath, INSPECTOR_BIN, ...assessArgs(data)],
      { encoding: 'utf8', env: { ...process.env, INSPECTOR_DATA_DIR: '' } },
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^inspector: could not write the temporary file of this assessment's results \\(${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.assess-[0-9a-f]{12}\\.spill\\): EFBIG: file too large, write\n$`,
      ),
    );
    const runs = readdirSync(path.join(data, 'runs'));
    expect(runs).toHaveLength(1);
    const dir = path.join(data, 'runs', runs[0]!);
    expect((JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as { state: string }).state).toBe(
      'FAILED',
    );
    expect(existsSync(path.join(dir, 'assessment.json'))).toBe(false);
    expect(readdirSync(data).filter((f) => f.includes('.spill'))).toEqual([]);
  }, 120_000);
});
