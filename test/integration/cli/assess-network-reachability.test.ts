/**
 * `inspector assess --ec2-config DIR --ec2-instance-id ID` end to end on this machine: the real agent samples
 * /proc while this test holds a TCP listener on 0.0.0.0, the EC2 configuration (the public-subnet scenario,
 * its group opened on that port) says the port is reachable from the internet, and the run reports it as an
 * unrecognized port with a listener, naming the process.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssessmentOutput } from '../../../functions/core/run';
import { runInspector } from '../../helpers/inspector-cli';

const FIX = path.resolve(__dirname, '../../fixtures/network-reachability/public-subnet-open-ssh');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'nr-assess-'));
let server: Server;
let port = 0;

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
});
afterAll(() => {
  server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('assess with network reachability', () => {
  it('joins what listens on this host with the paths of its EC2 configuration', async () => {
    const r = await runInspector([
      'assess',
      '--rules-packages',
      'runtime-behavior-analysis',
      '--ec2-config',
      path.join(tmp, 'ec2'),
      '--ec2-instance-id',
      'i-0a1b2c3d4e5f60061',
      '--format',
      'json',
      '--offline',
      '--data-dir',
      path.join(tmp, 'data'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as AssessmentOutput;
    expect(out.run.rulesPackages).toEqual(['runtime-behavior-analysis', 'network-reachability']);
    const local = out.instances[0]!.instanceId;
    const nr = out.results.filter((x) => x.rulesPackage === 'network-reachability');
    expect(nr.length).toBeGreaterThanOrEqual(5);
    expect(nr.every((x) => x.instanceId === local)).toBe(true);
    // The agent ran: the no-agent rule does not apply; the listener-aware rules do.
    expect(nr.find((x) => x.ruleId === 'nr.recognized-port-no-agent')!.result).toBe('NOT_APPLICABLE');
    const mine = out.findings.find(
      (f) =>
        f.ruleId === 'nr.unrecognized-port-with-listener' &&
        f.attributes.some((a) => a.key === 'PORT' && a.value === String(port)),
    );
    expect(mine, JSON.stringify(nr.map((x) => [x.ruleId, x.result, x.message.slice(0, 120)]))).toBeDefined();
    expect(mine!.evidence.some((e) => e.source === 'runtime:listeners' && e.key?.endsWith(`:${port}`))).toBe(
      true,
    );
    expect(mine!.attributes).toContainEqual({ key: 'REACHABILITY_TYPE', value: 'Internet' });
    // Stored with the run: `inspector findings` shows it.
    const stored = await runInspector([
      'findings',
      '--run',
      out.run.runId,
      '--format',
      'json',
      '--data-dir',
      path.join(tmp, 'data'),
    ]);
    expect(stored.stdout).toContain('nr.unrecognized-port-with-listener');
  });

  it('--ec2-config without --ec2-instance-id is a usage error', async () => {
    const r = await runInspector([
      'assess',
      '--ec2-config',
      path.join(tmp, 'ec2'),
      '--data-dir',
      path.join(tmp, 'data2'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--ec2-config and --ec2-instance-id go together/);
  });
});
