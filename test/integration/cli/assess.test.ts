/**
 * The `inspector assess` contract (DESIGN.md), run as a user runs it: the real bin, a real root tree, a
 * fresh data directory. Checks the JSON document, exit statuses, stored runs and the encrypted telemetry.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import { runInspector } from '../../helpers/inspector-cli';
import { SBP_RULE_IDS, sbpFailingRoot, sbpPassingRoot } from '../../helpers/sbp-roots';

let dataDir: string;

const inspector = (args: string[]) => runInspector([...args, '--data-dir', dataDir]);

interface Output {
  run: { runId: string; state: string; rulesPackages: string[] };
  instances: Array<{ instanceId: string; hostname?: string }>;
  results: Array<{
    rulesPackage: string;
    ruleId: string;
    instanceId: string;
    result: string;
    severity: string;
    evidence: unknown[];
  }>;
  findings: Array<{
    id: string;
    title: string;
    description: string;
    recommendation: string;
    severity: string;
    numericSeverity: number;
    attributes: unknown[];
    evidence: unknown[];
    ruleId: string;
  }>;
  exclusions: unknown[];
}

async function assessJson(root: string): Promise<Output> {
  const r = await inspector([
    'assess',
    '--root',
    root,
    '--rules-packages',
    'security-best-practices',
    '--format',
    'json',
  ]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Output;
}

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'inspector-data-'));
});
afterAll(() => {
  cleanupRoots();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('inspector assess --format json', () => {
  it('gives PASS for all nine rules on a root set up to pass them', async () => {
    const out = await assessJson(makeRoot(sbpPassingRoot()));
    expect(Object.keys(out).sort()).toEqual(['exclusions', 'findings', 'instances', 'results', 'run']);
    const byRule = Object.fromEntries(out.results.map((r) => [r.ruleId, r.result]));
    expect(byRule).toEqual(Object.fromEntries(SBP_RULE_IDS.map((id) => [id, 'PASS'])));
    expect(out.findings).toEqual([]);
    expect(out.exclusions).toEqual([]);
    expect(out.run.state).toBe('COMPLETED');
    for (const r of out.results) {
      expect(r.rulesPackage).toBe('security-best-practices');
      expect(r.instanceId).toBe(out.instances[0]!.instanceId);
      expect(['High', 'Medium']).toContain(r.severity);
      expect(Array.isArray(r.evidence)).toBe(true);
    }
  });

  it('gives FAIL for all nine rules on a root set up to fail them, each a finding with the contract fields', async () => {
    const root = makeRoot(sbpFailingRoot());
    const out = await assessJson(root);
    const byRule = Object.fromEntries(out.results.map((r) => [r.ruleId, r.result]));
    expect(byRule).toEqual(Object.fromEntries(SBP_RULE_IDS.map((id) => [id, 'FAIL'])));
    expect(out.findings.map((f) => f.ruleId).sort()).toEqual([...SBP_RULE_IDS].sort());
    for (const f of out.findings) {
      expect(f.id).toMatch(/^f-[0-9a-f]{32}$/);
      expect(f.title && f.description && f.recommendation).toBeTruthy();
      expect(f.numericSeverity).toBe(f.severity === 'High' ? 9 : 6);
      expect(f.evidence.length).toBeGreaterThan(0);
      expect(Array.isArray(f.attributes)).toBe(true);
    }
    expect(out.findings.find((f) => f.ruleId === 'sbp.system-dir-permissions')?.severity).toBe('High');
    // High first.
    expect(out.findings[0]!.severity).toBe('High');

    // Same host, rule and evidence → same ids in a second run.
    const again = await assessJson(root);
    expect(again.run.runId).not.toBe(out.run.runId);
    expect(again.findings.map((f) => f.id).sort()).toEqual(out.findings.map((f) => f.id).sort());
  });

  it('an empty (non-Linux) root gives NOT_APPLICABLE for the whole package', async () => {
    const out = await assessJson(makeRoot());
    expect(new Set(out.results.map((r) => r.result))).toEqual(new Set(['NOT_APPLICABLE']));
    expect(out.results).toHaveLength(SBP_RULE_IDS.length);
  });
});

describe('inspector runs, findings, report and the stored run', () => {
  it('keeps encrypted telemetry, results and a report for each run and lists them', async () => {
    const root = makeRoot({
      ...sbpFailingRoot(),
      files: { ...sbpFailingRoot().files, '/etc/hostname': 'host-<b>x</b>\n' },
    });
    const reportFile = path.join(dataDir, 'out.html');
    const out = await assessJson(root);
    const runId = out.run.runId;

    const runs = await inspector(['runs', '--format', 'json']);
    expect(runs.code).toBe(0);
    expect(
      (JSON.parse(runs.stdout) as { runs: Array<{ runId: string }> }).runs.map((r) => r.runId),
    ).toContain(runId);
    const table = await inspector(['runs']);
    expect(table.stdout).toContain(runId);

    const findings = await inspector(['findings', '--run', runId, '--format', 'json']);
    expect((JSON.parse(findings.stdout) as { findings: unknown[] }).findings).toHaveLength(
      out.findings.length,
    );
    const high = await inspector(['findings', '--run', runId, '--severity', 'high']);
    expect(high.stdout).toContain('sbp.system-dir-permissions');
    expect(high.stdout).not.toContain('sbp.aslr');

    const runDir = path.join(dataDir, 'runs', runId);
    const telemetryFiles = readdirSync(path.join(runDir, 'telemetry'));
    expect(telemetryFiles).toEqual([`${out.instances[0]!.instanceId}.bin`]);
    const ciphertext = readFileSync(path.join(runDir, 'telemetry', telemetryFiles[0]!));
    expect(ciphertext.includes(Buffer.from('host-<b>x</b>'))).toBe(false);
    expect(statSync(path.join(dataDir, 'telemetry.key')).mode & 0o777).toBe(0o600);

    const rep = await inspector(['report', '--run', runId, '--out', reportFile]);
    expect(rep.code).toBe(0);
    const html = readFileSync(reportFile, 'utf8');
    expect(html).toContain('host-&lt;b&gt;x&lt;/b&gt;');
    expect(html).not.toContain('host-<b>');
    expect(readFileSync(path.join(runDir, 'report.html'), 'utf8')).toContain('sbp.ssh-root-login');
  });

  it('table output lists findings and where the report is', async () => {
    const r = await inspector([
      'assess',
      '--root',
      makeRoot(sbpFailingRoot()),
      '--rules-packages',
      'security-best-practices',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Findings: High 1, Medium 8, Low 0, Informational 0/);
    expect(r.stdout).toMatch(/Report: .*report\.html/);
  });

  it('runs runtime-behavior-analysis by default on a live system, not on a root without /proc (and says so)', async () => {
    const image = await inspector(['assess', '--root', makeRoot(sbpPassingRoot()), '--offline']);
    expect(image.code).toBe(0);
    expect(image.stdout).toMatch(/Not run: runtime-behavior-analysis \(.* has no \/proc to sample/);
    const live = await inspector(['assess', '--root', '/', '--offline', '--format', 'json']);
    expect(live.code).toBe(0);
    const out = JSON.parse(live.stdout) as Output;
    expect(out.run.rulesPackages).toContain('runtime-behavior-analysis');
    expect(out.results.filter((x) => x.rulesPackage === 'runtime-behavior-analysis')).toHaveLength(7);
  });
});

describe('inspector exit statuses', () => {
  it.each([
    [['assess', '--root', '/nonexistent-root-xyz'], /--root \/nonexistent-root-xyz is not a directory/],
    [['assess', '--root', '/', '--rules-packages', 'nope'], /unknown rules package "nope"/],
    [
      ['assess', '--root', '/', '--rules-packages', 'network-reachability'],
      /rules package network-reachability needs --ec2-config DIR and --ec2-instance-id ID/,
    ],
    [['assess', '--duration', '-5'], /must be a whole number of seconds/],
    [
      ['assess', '--cis-profile', 'level3-server'],
      /--cis-\*: CIS profile must be one of level1-server, level2-server/,
    ],
    [['assess', '--cis-variable', 'var_nope=1'], /--cis-\*: unknown ComplianceAsCode variable "var_nope"/],
    [['findings', '--run', 'run-missing'], /no run run-missing/],
  ])('%j fails with a one-line reason', async (args, reason) => {
    const r = await inspector(args);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')[0]).toMatch(reason);
  });
});
