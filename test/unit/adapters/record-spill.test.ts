/**
 * record-spill.ts: an assessment's results and findings kept on disk, slim copies in memory (issue 15).
 * Round trip (the text read back is JSON.stringify's, across write batches, with non-ASCII text), the slim copies
 * hold none of the heavy fields, the documents written through the spill (assessment.json's JSON, the printed
 * JSON, the HTML findings and full reports with their cis controls) are byte for byte those of the whole records,
 * the file is gone from its folder once opened and on every way out, and a failed write (a file size limit: EFBIG,
 * as ENOSPC would be) throws one line naming the file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  RecordSpill,
  RecordSpillError,
  SLIM_FINDING_FIELDS,
  slimFinding,
  slimResult,
} from '../../../functions/adapters/local/record-spill';
import { evaluateTelemetry } from '../../../functions/core/evaluate';
import { jsonChunks } from '../../../functions/core/json-chunks';
import type { Finding, RuleResult } from '../../../functions/core/model';
import type { RulesPackage } from '../../../functions/core/rule';
import type { AssessmentOutput } from '../../../functions/core/run';
import { diffRuns } from '../../../functions/report/diff';
import { buildFixPlans } from '../../../functions/report/fix-plan';
import { htmlReportChunksOf } from '../../../functions/report/html';
import { telemetryDoc } from '../../helpers/many-findings';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'inspector-record-spill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const folder = () => mkdtempSync(path.join(dir, 'spill-'));

function cveFinding(i: number): Finding {
  return {
    id: `f-${i.toString(16).padStart(32, '0')}`,
    runId: 'run-test',
    instanceId: 'i-0abc',
    hostname: 'host-ü',
    rulesPackage: 'cve',
    ruleId: `cve.CVE-2024-${1000 + i}`,
    title: `CVE-2024-${1000 + i} in libfoo`,
    description: `A flaw — “quoted” ${'x'.repeat(i % 500)} \u2028 line separator, emoji 🙂, tab\t.`,
    recommendation: 'apt-get install --only-upgrade libfoo',
    severity: (['High', 'Medium', 'Low', 'Informational'] as const)[i % 4]!,
    numericSeverity: (i % 100) / 10,
    attributes: [
      { key: 'VULNERABILITY_ID', value: `CVE-2024-${1000 + i}` },
      { key: 'PACKAGE_NAMES', value: 'libfoo,foo-utils' },
      ...(i % 13 === 0 ? [{ key: 'EXPOSURE', value: i % 2 ? 'Internet' : 'VGW' }] : []),
    ],
    evidence: [{ source: '/var/lib/dpkg/status', key: 'libfoo:amd64', value: '1.0-1', note: 'source foo' }],
    createdAt: '2026-12-03T00:00:00.000Z',
    vulnerability: {
      vulnerabilityId: `CVE-2024-${1000 + i}`,
      aliases: [],
      advisoryIds: [`DSA-${i}`],
      ecosystem: 'Debian 12',
      packages: [
        {
          name: 'libfoo',
          installedVersion: '1.0-1',
          fixedVersion: '1.0-2',
          sourcePackage: `foo${i % 7}`,
          arch: 'amd64',
        },
      ],
      fixState: 'fixed',
      ...(i % 3 === 0 ? { cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N', baseScore: 9.8 } } : {}),
      ...(i % 5 === 0 ? { kev: { dateAdded: '2024-01-01', dueDate: '2024-02-01' } } : {}),
      ...(i % 4 === 1 ? { epss: { score: (i % 97) / 100, percentile: 0.5 } } : {}),
      remediation: 'upgrade libfoo',
      references: [`https://security-tracker.debian.org/tracker/CVE-2024-${1000 + i}`],
    },
    ...(i % 11 === 0 ? { truncated: ['description: cut at 8192 bytes'] } : {}),
  };
}

function cveResult(f: Finding): RuleResult {
  return {
    rulesPackage: 'cve',
    ruleId: f.ruleId,
    instanceId: f.instanceId,
    result: 'FAIL',
    severity: f.severity,
    title: f.title,
    message: `libfoo 1.0-1 is affected by ${f.vulnerability?.vulnerabilityId}`,
    evidence: f.evidence,
    finding: { description: f.description, numericSeverity: f.numericSeverity, attributes: f.attributes },
  };
}

/** A failed CIS control (rendered from its checks, evidence and the finding's recommendation), and its finding. */
function cisRecords(): { result: RuleResult; finding: Finding } {
  const result: RuleResult = {
    rulesPackage: 'cis',
    ruleId: 'cis.ubuntu2204.5.2.10',
    instanceId: 'i-0abc',
    result: 'FAIL',
    severity: 'High',
    title: 'Ensure SSH root login is disabled',
    message: '1 of 1 checks failed',
    evidence: [
      { source: '/etc/ssh/sshd_config', line: 3, key: 'PermitRootLogin', value: 'yes', expected: 'no' },
    ],
    checks: [
      {
        id: 'sshd_disable_root_login',
        result: 'FAIL',
        message: 'PermitRootLogin yes',
        evidence: [{ source: '/etc/ssh/sshd_config', line: 3 }],
      },
    ],
  };
  const finding: Finding = {
    id: 'f-cis',
    runId: 'run-test',
    instanceId: 'i-0abc',
    rulesPackage: 'cis',
    ruleId: result.ruleId,
    title: result.title,
    description: 'Root login over SSH should be disabled.',
    recommendation: 'Set PermitRootLogin no in /etc/ssh/sshd_config.',
    severity: 'High',
    numericSeverity: 9,
    attributes: [
      { key: 'BENCHMARK_ID', value: 'CIS Ubuntu 22.04 LTS Benchmark v2.0.0' },
      { key: 'CIS_BENCHMARK_PROFILE', value: 'level1-server' },
    ],
    evidence: result.evidence,
    createdAt: '2026-12-03T00:00:00.000Z',
  };
  return { result, finding };
}

/** The same run twice: its records whole, and spilled (slim copies in memory). */
function outputs(n: number): { whole: AssessmentOutput; slim: AssessmentOutput; spill: RecordSpill } {
  const cis = cisRecords();
  const findings = [cis.finding, ...Array.from({ length: n }, (_, i) => cveFinding(i))];
  const results: RuleResult[] = [
    cis.result,
    ...findings.slice(1).map(cveResult),
    {
      rulesPackage: 'cve',
      ruleId: 'cve.feed-data',
      instanceId: 'i-0abc',
      result: 'ERROR',
      severity: 'Informational',
      title: 'Some advisories could not be compared',
      message: '2 advisory entries hold versions the package manager would reject',
      evidence: [{ source: 'feed', note: 'bad version "1.0~~"' }],
    },
  ];
  const whole: AssessmentOutput = {
    run: {
      runId: 'run-test',
      name: 'local assessment of /',
      state: 'COMPLETED_WITH_ERRORS',
      stateHistory: [{ state: 'CREATED', at: '2026-12-03T00:00:00.000Z' }],
      createdAt: '2026-12-03T00:00:00.000Z',
      completedAt: '2026-12-03T00:00:01.000Z',
      durationSeconds: 0,
      rulesPackages: ['cve', 'cis'],
      findingCounts: { High: 0, Medium: 0, Low: 0, Informational: 0 },
      mode: 'local',
    },
    instances: [{ instanceId: 'i-0abc', agentStatus: 'HEALTHY', hostname: 'host-ü', os: 'Ubuntu 22.04' }],
    results,
    findings,
    exclusions: [{ instanceId: 'i-0abc', scope: 'rba', reason: 'EVALUATION_ERROR', message: 'no /proc' }],
  };
  const spill = new RecordSpill(folder());
  const slim: AssessmentOutput = {
    ...whole,
    results: results.map((r) => spill.keepResult(r)),
    findings: findings.map((f) => spill.keepFinding(f)),
  };
  return { whole, slim, spill };
}

const text = (chunks: Iterable<string>) => [...chunks].join('');

describe('RecordSpill', () => {
  it('gives back each record as JSON.stringify wrote it, across write batches and in any order', () => {
    const { whole, slim, spill } = outputs(400);
    try {
      expect(spill.size).toBe(whole.results.length + whole.findings.length);
      expect(spill.bytes).toBeGreaterThan(4 * 64 * 1024); // several batches
      // Read back from last to first, and once more after another record was kept (a batch not yet written).
      for (let i = slim.findings.length - 1; i >= 0; i--) {
        expect(spill.text(slim.findings[i])).toBe(JSON.stringify(whole.findings[i]));
        expect(spill.full(slim.findings[i])).toEqual(whole.findings[i]);
      }
      const extra = cveFinding(9999);
      const kept = spill.keepFinding(extra);
      expect(spill.full(kept)).toEqual(extra);
      // A record larger than a write batch (64 KiB), between two small ones.
      const large = { ...cveFinding(10000), description: 'é'.repeat(50_000) };
      const [a, b, c] = [cveFinding(1), large, cveFinding(2)].map((f) => spill.keepFinding(f));
      expect([a, b, c].map((x) => spill.text(x))).toEqual(
        [cveFinding(1), large, cveFinding(2)].map((f) => JSON.stringify(f)),
      );
      expect(spill.text(slim.results[0])).toBe(JSON.stringify(whole.results[0]));
      // A value that was not spilled is its own whole record, and has no text.
      expect(spill.full(whole.findings[0])).toBe(whole.findings[0]);
      expect(spill.text(whole.findings[0])).toBeUndefined();
      expect(spill.text('a string')).toBeUndefined();
      expect(spill.isSlim(kept)).toBe(true);
    } finally {
      spill.close();
    }
  });

  it('keeps in memory none of the heavy fields, and everything the summaries read', () => {
    const f = cveFinding(3);
    const s = slimFinding(f);
    expect(s.description).toBe('');
    expect(s.recommendation).toBe('');
    expect(s.evidence).toEqual([]);
    expect(s.vulnerability?.references).toEqual([]);
    expect(s.vulnerability?.advisoryIds).toEqual([]);
    expect(s.vulnerability?.remediation).toBeUndefined();
    expect(s.vulnerability?.cvss).toBeUndefined();
    expect(s.attributes).toEqual([]);
    for (const k of [
      'id',
      'severity',
      'numericSeverity',
      'ruleId',
      'instanceId',
      'title',
      'hostname',
    ] as const)
      expect(s[k]).toEqual(f[k]);
    for (const k of ['vulnerabilityId', 'ecosystem', 'packages', 'fixState', 'kev', 'epss'] as const)
      expect(s.vulnerability?.[k]).toEqual(f.vulnerability?.[k]);
    // The exposure chain's and the benchmark's attributes stay (the report's order, labels and fix plan).
    const exposed = slimFinding({
      ...f,
      attributes: [...f.attributes, { key: 'EXPOSURE', value: 'Internet' }],
    });
    expect(exposed.attributes).toEqual([{ key: 'EXPOSURE', value: 'Internet' }]);
    expect(slimFinding(cisRecords().finding).attributes).toEqual(cisRecords().finding.attributes);
    const r = slimResult(cisRecords().result);
    expect(r).toEqual({
      rulesPackage: 'cis',
      ruleId: 'cis.ubuntu2204.5.2.10',
      instanceId: 'i-0abc',
      result: 'FAIL',
      severity: 'High',
      title: 'Ensure SSH root login is disabled',
      message: '1 of 1 checks failed',
      evidence: [],
    });
    // The shared empty lists cannot be added to.
    expect(() => s.evidence.push({ source: 'x' })).toThrow();
  });

  it('keeps every field SLIM_FINDING_FIELDS says it keeps, present or absent as in the whole finding', () => {
    const whole: Finding = {
      ...cveFinding(11),
      suppression: {
        suppressionRuleId: 'sr-1',
        owner: 'ops',
        reason: 'accepted risk',
        expiresOn: '2027-01-01',
      },
    };
    const bare = cveFinding(1);
    delete bare.hostname;
    for (const f of [whole, bare]) {
      const s = slimFinding(f);
      for (const [k, how] of Object.entries(SLIM_FINDING_FIELDS) as Array<[keyof Finding, string]>) {
        if (how === 'kept') {
          expect(s[k], k).toEqual(f[k]);
          expect(k in s, k).toBe(k in f);
        }
        if (how === 'emptied') expect(s[k], k).toEqual(k === 'evidence' ? [] : '');
      }
      // No field that the whole one does not have, and none it has is lost.
      expect(Object.keys(s).sort()).toEqual(Object.keys(f).sort());
    }
  });

  it('writes the same JSON and HTML reports, byte for byte, as the whole records', () => {
    const { whole, slim, spill } = outputs(120);
    try {
      expect(text(jsonChunks(slim, 0, 2, spill.text))).toBe(JSON.stringify(whole));
      expect(text(jsonChunks(slim, 2, 2, spill.text))).toBe(JSON.stringify(whole, null, 2));
      // Without the spill the slim copies would be written: the test can fail.
      expect(text(jsonChunks(slim, 0, 2))).not.toBe(JSON.stringify(whole));
      for (const kind of ['findings', 'full'] as const) {
        const opts = {
          rulesPackages: [{ id: 'cve', name: 'CVE', version: '1' }],
          generatedAt: '2026-12-03T00:00:02.000Z',
          kind,
        };
        // The changes (against a run that had the first findings) and the fix plans, from each form.
        const base = { run: { ...whole.run, runId: 'run-base' }, findings: whole.findings.slice(0, 30) };
        const extra = (o: AssessmentOutput) => ({
          changes: diffRuns(o, base),
          fixPlans: buildFixPlans(o.findings, o.instances),
        });
        const expected = text(htmlReportChunksOf(whole, { ...opts, ...extra(whole) }));
        expect(expected).toContain('id="fix-plan"');
        expect(expected).toContain('id="changes"');
        if (kind === 'findings') {
          // The failed control's checks (from its result) and fix (from its finding), read back whole.
          expect(expected).toContain('Set PermitRootLogin no');
          expect(expected).toContain('sshd_disable_root_login');
        }
        expect(text(htmlReportChunksOf(slim, { ...opts, ...extra(slim), full: spill.full }))).toBe(expected);
        expect(text(htmlReportChunksOf(slim, { ...opts, ...extra(slim) }))).not.toBe(expected);
      }
      expect(spill.materialize(slim)).toEqual(whole);
    } finally {
      spill.close();
    }
  });

  it('leaves no file in its folder: removed once opened, and close() is idempotent', () => {
    const where = folder();
    const spill = new RecordSpill(where);
    const slim = spill.keepFinding(cveFinding(1));
    expect(readdirSync(where)).toEqual([]);
    expect(spill.full(slim)).toEqual(cveFinding(1));
    spill.close();
    spill.close();
    expect(readdirSync(where)).toEqual([]);
    expect(() => spill.keepFinding(cveFinding(2))).toThrow(/closed/);
  });

  it('says in one line when its file cannot be made', () => {
    const missing = path.join(dir, 'no-such-folder');
    let err: unknown;
    try {
      new RecordSpill(missing);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RecordSpillError);
    expect((err as RecordSpillError).code).toBe('ENOENT');
    expect((err as Error).message).toMatch(
      /^could not create the temporary file of this assessment's results \(/,
    );
    expect((err as Error).message).not.toContain('\n');
  });

  it('a write that fails (a file size limit, as a full disk) throws one line naming the file, and leaves nothing', () => {
    const where = folder();
    // A child process whose files may not exceed 64 KiB (ulimit -f counts 1 KiB blocks; Node ignores SIGXFSZ).
    const script = `
      import { RecordSpill } from './functions/adapters/local/record-spill.ts';
      const spill = new RecordSpill(${JSON.stringify(where)});
      try {
        for (let i = 0; i < 2000; i++) spill.keepFinding({ id: String(i), attributes: [], description: 'x'.repeat(1000) });
        console.log('no error');
      } catch (err) {
        console.log(JSON.stringify({ name: err.name, code: err.code, message: err.message }));
      } finally {
        spill.close();
      }`;
    const r = spawnSync(
      'bash',
      ['-c', 'ulimit -f 64 && exec "$0" --import tsx --input-type=module -e "$1"', process.execPath, script],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { name: string; code: string; message: string };
    expect(out.name).toBe('RecordSpillError');
    expect(out.code).toBe('EFBIG');
    expect(out.message).toMatch(
      /^could not write the temporary file of this assessment's results \(.*\.spill\): EFBIG/,
    );
    expect(out.message).not.toContain('\n');
    expect(readdirSync(where)).toEqual([]);
  });
});

describe('evaluateTelemetry with a keeper', () => {
  const telemetry = telemetryDoc(1);
  const result = (i: number, status: RuleResult['result'] = 'FAIL'): RuleResult => ({
    rulesPackage: 'p',
    ruleId: `p.r${i}`,
    instanceId: telemetry.instanceId,
    result: status,
    severity: 'Low',
    title: `rule ${i}`,
    message: 'm',
    evidence: [{ source: '/x', value: String(i) }],
  });
  const pkg = (each?: () => Iterable<RuleResult>): RulesPackage => ({
    id: 'p',
    name: 'p',
    version: '1',
    description: '',
    rules: [],
    evaluate: () => [result(1), result(2, 'PASS'), result(3)],
    ...(each ? { evaluateEach: async () => each() } : {}),
  });
  const opts = { runId: 'run-x', createdAt: '2026-12-03T00:00:00.000Z' };

  it('keeps each bounded record as the keeper says, from evaluate or evaluateEach alike', async () => {
    const plain = await evaluateTelemetry(telemetry, [pkg()], opts);
    const lazy = await evaluateTelemetry(
      telemetry,
      [
        pkg(function* () {
          yield result(1);
          yield result(2, 'PASS');
          yield result(3);
        }),
      ],
      opts,
    );
    expect(lazy).toEqual(plain);
    const spill = new RecordSpill(folder());
    try {
      const kept = await evaluateTelemetry(telemetry, [pkg()], {
        ...opts,
        keep: { result: spill.keepResult, finding: spill.keepFinding },
      });
      expect(kept.findings.map((f) => spill.full(f))).toEqual(plain.findings);
      expect(kept.results.map((r) => spill.full(r))).toEqual(plain.results);
      expect(kept.findings[0]!.evidence).toEqual([]);
    } finally {
      spill.close();
    }
  });

  it('a package that fails part way keeps nothing and is excluded; the keeper’s own failure ends the evaluation', async () => {
    const failing = await evaluateTelemetry(
      telemetry,
      [
        pkg(function* () {
          yield result(1);
          throw new Error('index damaged');
        }),
      ],
      opts,
    );
    expect(failing.results).toEqual([]);
    expect(failing.findings).toEqual([]);
    expect(failing.exclusions).toEqual([
      expect.objectContaining({
        scope: 'p',
        reason: 'EVALUATION_ERROR',
        message: expect.stringContaining('index damaged'),
      }),
    ]);
    const full = new RecordSpillError(
      '/data/.assess-x.spill',
      'write',
      Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }),
    );
    await expect(
      evaluateTelemetry(telemetry, [pkg()], {
        ...opts,
        keep: {
          finding: () => {
            throw full;
          },
        },
      }),
    ).rejects.toBe(full);
  });
});
