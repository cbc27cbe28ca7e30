/**
 * ASFF: findings checked against the ASFF syntax (required top-level attributes, types and formats,
 * maxima; checkAsff is written from the Security Hub User Guide's "AWS Security Finding Format" pages),
 * CVE details in Vulnerabilities, CIS findings in Compliance, and a finding resolved in a later run
 * ARCHIVED; then `inspector export --format asff` on two real local runs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../functions/core/model';
import { ASFF_LIMITS, checkAsff, productArn, runToAsff, toAsff } from '../../../functions/exports/asff';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import { runInspector } from '../../helpers/inspector-cli';
import { sbpFailingRoot } from '../../helpers/sbp-roots';

const ctx = { accountId: '123456789012', region: 'eu-west-1', now: new Date('2026-12-02T12:00:00.000Z') };
const dirs: string[] = [];
afterAll(() => {
  cleanupRoots();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const base = (over: Partial<Finding>): Finding => ({
  id: 'f-1',
  runId: 'run-2',
  instanceId: 'i-0123456789abcdef0',
  rulesPackage: 'security-best-practices',
  ruleId: 'sbp.ssh-root-login',
  title: 'SSH root login is allowed',
  description: 'PermitRootLogin yes',
  recommendation: 'Set PermitRootLogin no',
  severity: 'Medium',
  numericSeverity: 6,
  attributes: [],
  evidence: [],
  createdAt: '2026-12-02T10:00:00.000Z',
  ...over,
});

const cve = base({
  id: 'f-cve',
  rulesPackage: 'cve',
  ruleId: 'cve.CVE-2023-4911',
  title: 'CVE-2023-4911 in glibc',
  severity: 'High',
  numericSeverity: 7.8,
  vulnerability: {
    vulnerabilityId: 'CVE-2023-4911',
    aliases: [],
    advisoryIds: ['ALAS2023-2023-357'],
    ecosystem: 'amzn:2023',
    packages: [
      {
        name: 'glibc',
        installedVersion: '2.34-52.amzn2023.0.3',
        fixedVersion: '2.34-52.amzn2023.0.7',
        arch: 'x86_64',
      },
      { name: 'glibc-common', installedVersion: '1:2.34-52.amzn2023.0.3', arch: 'x86_64' },
    ],
    fixState: 'fixed',
    cvss: { version: '3.1', vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', baseScore: 7.8 },
    epss: { score: 0.0216, percentile: 0.89 },
    kev: { dateAdded: '2023-11-21', dueDate: '2023-12-12' },
    severitySource: 'amazon severity important',
    references: ['https://alas.aws.amazon.com/AL2023/ALAS-2023-357.html'],
  },
});

const cis = base({
  id: 'f-cis',
  rulesPackage: 'cis',
  ruleId: 'cis.debian12.5.1.20',
  attributes: [
    { key: 'BENCHMARK_ID', value: 'CIS Debian Linux 12 Benchmark v1.1.0' },
    { key: 'BENCHMARK_RULE_ID', value: '5.1.20' },
  ],
});

describe('toAsff', () => {
  it('has every required attribute with the right types (checkAsff finds nothing)', () => {
    for (const f of [base({}), cve, cis]) expect(checkAsff(toAsff(f, ctx))).toEqual([]);
  });

  it('custom-integration product ARN, AwsEc2Instance resource, severity label and normalized score', () => {
    const a = toAsff(base({}), ctx);
    expect(a.ProductArn).toBe('arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default');
    expect(productArn({ ...ctx, partition: 'aws-cn', region: 'cn-north-1' })).toBe(
      'arn:aws-cn:securityhub:cn-north-1:123456789012:product/123456789012/default',
    );
    expect(a.Resources).toEqual([
      {
        Type: 'AwsEc2Instance',
        Id: 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0',
        Partition: 'aws',
        Region: 'eu-west-1',
      },
    ]);
    expect(a.Severity).toEqual({ Label: 'MEDIUM', Normalized: 70, Original: '6' });
    expect(a.RecordState).toBe('ACTIVE');
    expect(a.Id).toBe('run-2/f-1');
  });

  it('CVE details in Vulnerabilities: packages (rpm epoch/release), fix availability, CVSS, EPSS, KEV', () => {
    const v = toAsff(cve, ctx).Vulnerabilities?.[0] as Record<string, unknown>;
    expect(v.Id).toBe('CVE-2023-4911');
    expect(v.VulnerablePackages).toEqual([
      {
        Name: 'glibc',
        Version: '2.34',
        Release: '52.amzn2023.0.3',
        Epoch: '0',
        Architecture: 'x86_64',
        FixedInVersion: '2.34-52.amzn2023.0.7',
      },
      {
        Name: 'glibc-common',
        Version: '2.34',
        Release: '52.amzn2023.0.3',
        Epoch: '1',
        Architecture: 'x86_64',
      },
    ]);
    expect(v.FixAvailable).toBe('PARTIAL');
    expect(v.Cvss).toEqual([
      { Version: '3.1', BaseScore: 7.8, BaseVector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H' },
    ]);
    expect(v.EpssScore).toBe(0.0216);
    expect(v.ExploitAvailable).toBe('YES');
    expect(v.LastKnownExploitedAt).toBe('2023-11-21T00:00:00.000Z');
    expect(toAsff(cve, ctx).Types).toEqual(['Software and Configuration Checks/Vulnerabilities/CVE']);
  });

  it('CIS findings in Compliance with the benchmark requirement', () => {
    expect(toAsff(cis, ctx).Compliance).toEqual({
      Status: 'FAILED',
      RelatedRequirements: ['CIS CIS Debian Linux 12 Benchmark v1.1.0 5.1.20'],
    });
  });

  it('cuts Title and Description to the ASFF maxima; CVSS 9+ High is CRITICAL', () => {
    const long = toAsff(base({ title: 't'.repeat(400), description: 'd'.repeat(5000) }), ctx);
    expect(long.Title).toHaveLength(ASFF_LIMITS.titleChars);
    expect(long.Description).toHaveLength(ASFF_LIMITS.descriptionChars);
    const critical = toAsff(
      {
        ...cve,
        vulnerability: { ...cve.vulnerability!, cvss: { version: '3.1', vector: 'v', baseScore: 9.8 } },
      },
      ctx,
    );
    expect(critical.Severity).toMatchObject({ Label: 'CRITICAL', Normalized: 98 });
  });

  it('the check catches what Security Hub would refuse (it can fail)', () => {
    const a = toAsff(base({}), ctx) as unknown as Record<string, unknown>;
    expect(checkAsff({ ...a, AwsAccountId: '12345' })).toContain('AwsAccountId must be 12 digits');
    expect(checkAsff({ ...a, Types: ['Vulnerabilities'] })[0]).toMatch(/namespace\/category\/classifier/);
    expect(checkAsff({ ...a, CreatedAt: 'yesterday' })).toContain('CreatedAt must be an ISO 8601 timestamp');
    expect(checkAsff({ ...a, Severity: { Label: 'SEVERE' } })).toContain(
      'Severity.Label is not one of the five labels',
    );
    expect(checkAsff({ ...a, Title: undefined })).toContain('Title is required');
    expect(checkAsff({ ...a, Description: 'x'.repeat(300_000) }).join(' ')).toMatch(/over 1024.*over 245760/);
  });
});

describe('runToAsff: a finding resolved in a later run is archived', () => {
  it('reports the new run ACTIVE and the earlier finding it no longer has ARCHIVED under its own Id', () => {
    const earlier = [
      base({ runId: 'run-1', id: 'f-1' }),
      base({ runId: 'run-1', id: 'f-gone', ruleId: 'sbp.aslr' }),
    ];
    const out = runToAsff([base({ runId: 'run-2', id: 'f-1' })], ctx, earlier);
    expect(out.map((f) => [f.Id, f.RecordState])).toEqual([
      ['run-2/f-1', 'ACTIVE'],
      ['run-1/f-gone', 'ARCHIVED'],
    ]);
    for (const f of out) expect(checkAsff(f)).toEqual([]);
  });
});

describe('inspector export --format asff', () => {
  it('exports a local run; after a fix, the next run archives the resolved finding', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'inspector-asff-'));
    dirs.push(dataDir);
    const spec = sbpFailingRoot();
    const root = makeRoot(spec);
    const assess = async () => {
      const r = await runInspector([
        'assess',
        '--root',
        root,
        '--rules-packages',
        'security-best-practices',
        '--format',
        'json',
        '--data-dir',
        dataDir,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { run: { runId: string } }).run.runId;
    };
    const first = await assess();
    // Fix two things: root login off, protocol 2 only.
    writeFileSync(
      path.join(root, 'etc/ssh/sshd_config'),
      'Protocol 2\nPermitRootLogin no\nPasswordAuthentication yes\nUsePAM yes\n',
    );
    const second = await assess();
    const out = path.join(dataDir, 'asff.json');
    const r = await runInspector([
      'export',
      '--format',
      'asff',
      '--run',
      second,
      '--account-id',
      '123456789012',
      '--region',
      'us-east-1',
      '--out',
      out,
      '--data-dir',
      dataDir,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const { Findings } = JSON.parse(readFileSync(out, 'utf8')) as {
      Findings: Array<{
        Id: string;
        RecordState: string;
        GeneratorId: string;
        Resources: Array<{ Type: string }>;
      }>;
    };
    for (const f of Findings) expect(checkAsff(f)).toEqual([]);
    const archived = Findings.filter((f) => f.RecordState === 'ARCHIVED');
    expect(archived.map((f) => f.GeneratorId).sort()).toEqual([
      'security-best-practices/sbp.ssh-protocol-2',
      'security-best-practices/sbp.ssh-root-login',
    ]);
    expect(archived[0]?.Id.startsWith(`${first}/`)).toBe(true);
    expect(
      Findings.filter((f) => f.RecordState === 'ACTIVE').every((f) => f.Id.startsWith(`${second}/`)),
    ).toBe(true);
    // A local host id is not an EC2 instance id: the resource is Other.
    expect(Findings[0]?.Resources[0]?.Type).toBe('Other');

    const noAccount = await runInspector([
      'export',
      '--format',
      'asff',
      '--run',
      second,
      '--region',
      'us-east-1',
      '--data-dir',
      dataDir,
    ]);
    expect(noAccount.code).toBe(1);
    expect(noAccount.stderr).toMatch(/--account-id/);
  });
});
