/**
 * The exposure chain end to end on this machine (a Debian 12 host): `inspector assess --root /` with `cve`
 * (a test feed holding one advisory on glibc, fixed in a version above the installed libc6),
 * `runtime-behavior-analysis` (the real agent samples /proc while this test process holds a TCP listener on
 * 0.0.0.0: node maps libc.so.6, which dpkg says libc6 owns) and `network-reachability` (the public-subnet
 * scenario's EC2 configuration with its group opened on that port). The CVE finding on libc6 ends with
 * EXPOSURE Internet, the port in EXPOSED_PORTS and this process in PROCESSES; the HTML report lists it first
 * among its severity.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssessmentOutput } from '../../../functions/core/run';
import { debianOsv } from '../../helpers/debian-records';
import { runInspector } from '../../helpers/inspector-cli';

const FIX = path.resolve(__dirname, '../../fixtures/network-reachability/public-subnet-open-ssh');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'nr-chain-'));
let server: Server;
let port = 0;

/** The installed libc6 (dpkg), when this machine has one: the test needs a Debian host. */
function installedLibc6(): string | undefined {
  try {
    return (
      execFileSync('dpkg-query', ['-W', 'libc6'], { encoding: 'utf8' }).split('\t')[1]?.trim() || undefined
    );
  } catch {
    return undefined;
  }
}
const libc6 = installedLibc6();
const debian12 =
  /VERSION_ID="12"/.test(readFileSync('/etc/os-release', 'utf8')) &&
  /ID=debian/.test(readFileSync('/etc/os-release', 'utf8'));

beforeAll(async () => {
  server = createServer((s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  port = (server.address() as { port: number }).port;
  cpSync(FIX, path.join(tmp, 'ec2'), { recursive: true });
  const file = path.join(tmp, 'ec2/describe-security-groups.json');
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  doc.SecurityGroups[0].IpPermissions.push({
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    IpRanges: [{ CidrIp: '0.0.0.0/0' }],
  });
  writeFileSync(file, JSON.stringify(doc));
  mkdirSync(path.join(tmp, 'feed/osv'), { recursive: true });
  writeFileSync(
    path.join(tmp, 'feed/osv/test-records.jsonl'),
    `${debianOsv('DEBIAN-CVE-2099-4242', 'glibc', [{ introduced: '0' }, { fixed: '2.36-9+deb12u999' }])}\n`,
  );
});
afterAll(() => {
  server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe.runIf(libc6 && debian12)('the exposure chain: cve + runtime + network reachability', () => {
  it('the CVE of a library mapped by a process listening on a reachable port carries EXPOSURE, EXPOSED_PORTS and PROCESSES', {
    timeout: 180_000,
  }, async () => {
    const report = path.join(tmp, 'report.html');
    const r = await runInspector([
      'assess',
      '--root',
      '/',
      '--rules-packages',
      'cve,runtime-behavior-analysis,network-reachability',
      '--feed',
      path.join(tmp, 'feed'),
      '--duration',
      '2',
      '--ec2-config',
      path.join(tmp, 'ec2'),
      '--ec2-instance-id',
      'i-0a1b2c3d4e5f60061',
      '--offline',
      '--format',
      'json',
      '--report',
      report,
      '--data-dir',
      path.join(tmp, 'data'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as AssessmentOutput;
    expect(out.run.rulesPackages).toEqual(['cve', 'runtime-behavior-analysis', 'network-reachability']);
    const cve = out.findings.filter(
      (f) =>
        f.rulesPackage === 'cve' &&
        f.vulnerability?.vulnerabilityId === 'CVE-2099-4242' &&
        f.vulnerability.packages.some((p) => p.name === 'libc6'),
    );
    expect(
      cve,
      JSON.stringify(out.findings.map((f) => [f.ruleId, f.vulnerability?.vulnerabilityId])),
    ).toHaveLength(1);
    const attr = (k: string) => cve[0]!.attributes.find((a) => a.key === k)?.value;
    expect(attr('EXPOSURE')).toBe('Internet');
    expect(attr('EXPOSED_PORTS')).toContain(`TCP ${port} (Internet)`);
    expect(attr('PROCESSES')).toContain(`(pid ${process.pid})`);
    expect(cve[0]!.evidence.some((e) => e.source === 'exposure-chain')).toBe(true);
    // The report lists it first among the findings of its severity.
    const html = readFileSync(report, 'utf8');
    const group = html.slice(html.indexOf(`data-severity="${cve[0]!.severity}"`));
    const firstArticle = group.slice(group.indexOf('<article'), group.indexOf('</article>'));
    expect(firstArticle).toContain('CVE-2099-4242');
  });
});
