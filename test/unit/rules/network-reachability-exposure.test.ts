/**
 * The exposure chain on a run's output: CVE findings on packages run or mapped by a listening process get
 * EXPOSURE / EXPOSED_PORTS / PROCESSES and the chain as evidence when the port is reachable; the run gains
 * the network-reachability results; `inspector findings --sort exposure` orders exposure, KEV, EPSS, severity.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalRunStore } from '../../../functions/adapters/local/run-store';
import type { Finding, InstanceSummary, ListeningService } from '../../../functions/core/model';
import { networkConfigFromCliOutputs } from '../../../functions/core/network/cli-outputs';
import type { AssessmentOutput } from '../../../functions/core/run';
import { sortByExposure } from '../../../functions/rules/network-reachability/exposure-chain';
import { addNetworkReachability } from '../../../functions/rules/network-reachability/run-output';
import { runInspector } from '../../helpers/inspector-cli';

const FIX = path.resolve(__dirname, '../../fixtures/network-reachability/public-subnet-open-ssh');
const EC2_ID = 'i-0a1b2c3d4e5f60061';
const LOCAL = 'local-0123456789ab';
const tmp = mkdtempSync(path.join(tmpdir(), 'nr-exposure-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function config(open443: boolean) {
  const files = new Map(
    readdirSync(FIX)
      .filter((f) => f.endsWith('.json') && f !== 'expected.json')
      .map((f) => [f, readFileSync(path.join(FIX, f), 'utf8')] as const),
  );
  const c = networkConfigFromCliOutputs(files).config;
  if (open443)
    c.securityGroups[0]!.IpPermissions!.push({
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      IpRanges: [{ CidrIp: '0.0.0.0/0' }],
    });
  return c;
}

const service = (port: number, comm: string, pid: number, pkg: string, libs: string[]): ListeningService => ({
  protocol: 'tcp',
  address: '0.0.0.0',
  port,
  loopback: false,
  accepted: 3,
  samples: 2,
  processes: [{ pid, comm, uid: 33, exe: `/usr/sbin/${comm}`, package: pkg }],
  libraryPackages: libs,
});

const instance: InstanceSummary = {
  instanceId: LOCAL,
  hostname: 'web-1',
  agentStatus: 'HEALTHY',
  listeners: {
    services: [
      service(443, 'nginx', 812, 'nginx 1.22.1-9', ['libssl3 3.0.15-1~deb12u1', 'zlib1g 1:1.2.13']),
      service(5432, 'postgres', 901, 'postgresql-15 15.8-0+deb12u1', ['libssl3 3.0.15-1~deb12u1']),
    ],
    ownersLookedUp: true,
  },
};

function cve(
  id: string,
  pkg: string,
  severity: Finding['severity'],
  extra: Partial<NonNullable<Finding['vulnerability']>> = {},
): Finding {
  return {
    id: `f-${id}`,
    runId: 'run-x',
    instanceId: LOCAL,
    rulesPackage: 'cve',
    ruleId: 'cve.vulnerable-package',
    title: `${id} in ${pkg}`,
    description: '',
    recommendation: '',
    severity,
    numericSeverity: severity === 'High' ? 8 : 5,
    attributes: [{ key: 'CVE_ID', value: id }],
    evidence: [{ source: 'dpkg', key: pkg }],
    createdAt: '2026-12-02T00:00:00Z',
    vulnerability: {
      vulnerabilityId: id,
      aliases: [],
      advisoryIds: [],
      ecosystem: 'debian:12',
      packages: [{ name: pkg, installedVersion: '1' }],
      fixState: 'fixed',
      references: [],
      ...extra,
    },
  };
}

function run(): AssessmentOutput {
  return {
    run: {
      runId: 'run-20261202T000000Z-abcdef',
      name: 'local',
      state: 'COMPLETED',
      stateHistory: [{ state: 'COMPLETED', at: '2026-12-02T00:00:00Z' }],
      createdAt: '2026-12-02T00:00:00Z',
      durationSeconds: 0,
      rulesPackages: ['cve', 'runtime-behavior-analysis'],
      findingCounts: { High: 2, Medium: 1, Low: 0, Informational: 0 },
      mode: 'local',
    },
    instances: [instance],
    results: [],
    findings: [
      cve('CVE-2025-0003', 'bash', 'High', { epss: { score: 0.9, percentile: 0.99 } }),
      cve('CVE-2025-0002', 'postgresql-15', 'Medium', {
        kev: { dateAdded: '2025-01-01', dueDate: '2025-02-01' },
      }),
      cve('CVE-2025-0001', 'libssl3', 'High', { epss: { score: 0.1, percentile: 0.5 } }),
    ],
    exclusions: [],
  };
}

const attr = (f: Finding, k: string) => f.attributes.find((a) => a.key === k)?.value;

describe('exposure chain', () => {
  it('a CVE in a library mapped by a listener on a reachable port is exposed to the internet, with the chain', () => {
    const out = addNetworkReachability(run(), config(true), new Map([[LOCAL, EC2_ID]]));
    const ssl = out.findings.find((f) => f.id === 'f-CVE-2025-0001')!;
    expect(attr(ssl, 'EXPOSURE')).toBe('Internet');
    expect(attr(ssl, 'EXPOSED_PORTS')).toBe('TCP 443 (Internet)');
    expect(attr(ssl, 'PROCESSES')).toBe('nginx (pid 812), postgres (pid 901)');
    const chain = ssl.evidence.filter((e) => e.source === 'exposure-chain');
    expect(chain).toContainEqual(
      expect.objectContaining({
        key: 'tcp 0.0.0.0:443',
        value: 'nginx (pid 812) maps libssl3 3.0.15-1~deb12u1',
        note: expect.stringMatching(
          /^reachable from the internet through igw-0a1b2c3d4e5f60001 \(eni-0a1b2c3d4e5f60051, sg-0a1b2c3d4e5f60041, acl-0a1b2c3d4e5f60031\)$/,
        ),
      }),
    );
    expect(chain).toContainEqual(
      expect.objectContaining({
        key: 'tcp 0.0.0.0:5432',
        note: 'listening, not reachable from outside the VPC',
      }),
    );
    // The executable's own package, listening but not reachable.
    const pg = out.findings.find((f) => f.id === 'f-CVE-2025-0002')!;
    expect(attr(pg, 'EXPOSURE')).toBe('None');
    expect(attr(pg, 'EXPOSED_PORTS')).toBeUndefined();
    expect(attr(pg, 'PROCESSES')).toBe('postgres (pid 901)');
    const bash = out.findings.find((f) => f.id === 'f-CVE-2025-0003')!;
    expect(attr(bash, 'EXPOSURE')).toBe('None');
    expect(attr(bash, 'PROCESSES')).toBeUndefined();
  });

  it('the run gains the package: results under the run’s instance id, listener-aware findings, counts', () => {
    const out = addNetworkReachability(run(), config(true), new Map([[LOCAL, EC2_ID]]));
    expect(out.run.rulesPackages).toEqual(['cve', 'runtime-behavior-analysis', 'network-reachability']);
    const nr = out.findings.filter((f) => f.rulesPackage === 'network-reachability');
    expect(nr.map((f) => [f.ruleId, f.instanceId, attr(f, 'PORT') ?? '', f.severity])).toEqual([
      ['nr.recognized-port-with-listener', LOCAL, '443', 'Low'],
      ['nr.recognized-port-no-listener', LOCAL, '22', 'Low'],
      ['nr.network-exposure', LOCAL, '', 'Informational'],
    ]);
    expect(
      out.results
        .filter((r) => r.rulesPackage === 'network-reachability')
        .every((r) => r.instanceId === LOCAL),
    ).toBe(true);
    expect(out.run.findingCounts).toEqual({ High: 2, Medium: 1, Low: 2, Informational: 1 });
  });

  it('without the opening, nothing is exposed', () => {
    const out = addNetworkReachability(run(), config(false), new Map([[LOCAL, EC2_ID]]));
    expect(out.findings.filter((f) => f.rulesPackage === 'cve').map((f) => attr(f, 'EXPOSURE'))).toEqual([
      'None',
      'None',
      'None',
    ]);
  });

  it('an assessed host missing from the configuration: an exclusion, the run completes with errors', () => {
    const out = addNetworkReachability(run(), config(true), new Map([[LOCAL, 'i-unknown']]));
    expect(out.exclusions).toMatchObject([
      { instanceId: LOCAL, scope: 'network-reachability', reason: 'EVALUATION_ERROR' },
    ]);
    expect(out.run.state).toBe('COMPLETED_WITH_ERRORS');
    expect(out.run.stateHistory.at(-1)?.state).toBe('COMPLETED_WITH_ERRORS');
  });

  it('sorts by exposure first, then KEV, EPSS and severity', () => {
    const out = addNetworkReachability(run(), config(true), new Map([[LOCAL, EC2_ID]]));
    const cves = out.findings.filter((f) => f.rulesPackage === 'cve');
    expect(sortByExposure(cves).map((f) => f.id)).toEqual([
      'f-CVE-2025-0001',
      'f-CVE-2025-0002',
      'f-CVE-2025-0003',
    ]);
  });

  it('inspector findings --sort exposure on a stored local run', async () => {
    const out = addNetworkReachability(run(), config(true), new Map([[LOCAL, EC2_ID]]));
    const store = new LocalRunStore(tmp);
    await store.putRun(out.run);
    await store.putOutput(out);
    const res = await runInspector([
      'findings',
      '--run',
      out.run.runId,
      '--sort',
      'exposure',
      '--format',
      'json',
      '--data-dir',
      tmp,
    ]);
    expect(res.code, res.stderr).toBe(0);
    const ids = (JSON.parse(res.stdout) as { findings: Finding[] }).findings.map((f) => f.id);
    expect(ids.slice(0, 1)).toEqual(['f-CVE-2025-0001']);
    expect(ids.indexOf('f-CVE-2025-0002')).toBeLessThan(ids.indexOf('f-CVE-2025-0003'));
    const table = await runInspector([
      'findings',
      '--run',
      out.run.runId,
      '--sort',
      'exposure',
      '--data-dir',
      tmp,
    ]);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^EXPOSURE +PORTS +KEV +EPSS +SEVERITY +FINDING/);
    expect(lines[1]).toMatch(/^Internet +TCP 443 \(Internet\) +0\.100 +High +CVE-2025-0001 in libssl3/);
  });
});
