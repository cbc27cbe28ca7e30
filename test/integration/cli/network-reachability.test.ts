/** `inspector network-reachability --from DIR` run as a user does (the real bin in a child process). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AssessmentOutput } from '../../../functions/core/run';
import { runInspector } from '../../helpers/inspector-cli';

const FIX = path.resolve(__dirname, '../../fixtures');
const tmp = mkdtempSync(path.join(tmpdir(), 'nr-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('inspector network-reachability', () => {
  it('prints the assess JSON contract for a directory of AWS CLI outputs', async () => {
    const report = path.join(tmp, 'report.html');
    const out = await runInspector([
      'network-reachability',
      '--from',
      path.join(FIX, 'network-reachability/peered-vpc'),
      '--format',
      'json',
      '--report',
      report,
    ]);
    expect(out.code, out.stderr).toBe(0);
    const doc = JSON.parse(out.stdout) as AssessmentOutput;
    expect(Object.keys(doc)).toEqual(['run', 'instances', 'results', 'findings', 'exclusions']);
    expect(doc.run).toMatchObject({
      state: 'COMPLETED',
      rulesPackages: ['network-reachability'],
      findingCounts: { High: 1, Informational: 1 },
    });
    expect(doc.instances).toEqual([
      { instanceId: 'i-0a1b2c3d4e5f6006b', hostname: 'db-1', os: 'Linux/UNIX', agentStatus: 'UNKNOWN' },
    ]);
    expect(doc.results).toHaveLength(5);
    expect(doc.findings.map((f) => [f.ruleId, f.severity, f.numericSeverity])).toEqual([
      ['nr.recognized-port-no-agent', 'High', 9],
      ['nr.network-exposure', 'Informational', 0],
    ]);
    const f = doc.findings[0]!;
    expect(f.id).toMatch(/^f-[0-9a-f]{32}$/);
    expect(f.attributes).toContainEqual({ key: 'REACHABILITY_TYPE', value: 'PeeredVPC' });
    expect(f.recommendation).not.toBe('');
    expect(readFileSync(report, 'utf8')).toContain('i-0a1b2c3d4e5f6006b');
  });

  it('the same configuration gives the same finding ids', async () => {
    const dir = path.join(FIX, 'network-reachability/sg-references-sg');
    const ids = async () =>
      (
        JSON.parse(
          (await runInspector(['network-reachability', '--from', dir, '--format', 'json'])).stdout,
        ) as AssessmentOutput
      ).findings.map((f) => f.id);
    expect(await ids()).toEqual(await ids());
  });

  it('prints a table by default', async () => {
    const out = await runInspector([
      'network-reachability',
      '--from',
      path.join(FIX, 'network-reachability/public-subnet-open-ssh'),
    ]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('TCP 22 (SSH)');
    expect(out.stdout).toContain('nr.recognized-port-no-agent');
  });

  it.each([
    ['malformed-json', /^inspector: describe-security-groups\.json: document 1 is not complete/],
    ['wrong-command', /^inspector: describe-subnets\.json: document 1 has no "Subnets" list/],
  ])('%s: exits 1 with one line naming the file', async (dir, message) => {
    const out = await runInspector([
      'network-reachability',
      '--from',
      path.join(FIX, 'network-reachability-bad', dir),
    ]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(message);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stdout).toBe('');
  });

  it('missing files are none of those resources: nothing reachable, the unknown group is an exclusion', async () => {
    const out = await runInspector([
      'network-reachability',
      '--from',
      path.join(FIX, 'network-reachability-bad/only-instances'),
      '--format',
      'json',
    ]);
    expect(out.code, out.stderr).toBe(0);
    const doc = JSON.parse(out.stdout) as AssessmentOutput;
    expect(doc.findings).toEqual([]);
    expect(doc.run.state).toBe('COMPLETED_WITH_ERRORS');
    expect(doc.exclusions).toMatchObject([{ instanceId: 'i-0a1b2c3d4e5f60061', reason: 'EVALUATION_ERROR' }]);
    expect(doc.results.find((r) => r.ruleId === 'nr.network-exposure')!.message).toContain('no route table');
  });

  it('a directory without any of the files, or no directory, is a one-line error', async () => {
    const empty = await runInspector(['network-reachability', '--from', tmp]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/holds none of the AWS CLI output files/);
    const none = await runInspector(['network-reachability', '--from', path.join(tmp, 'nope')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/is not a directory/);
  });
});
