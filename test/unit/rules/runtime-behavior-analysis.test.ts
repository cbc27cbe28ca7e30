/**
 * The runtime-behavior-analysis package as a whole: its rules and Classic severities, documents without a
 * runtime section or /proc, non-Linux hosts, truncated runtime data, bounded and deterministic evidence.
 */
import { describe, expect, it } from 'vitest';
import { evaluateTelemetry } from '../../../functions/core/evaluate';
import { FINDING_LIMITS } from '../../../functions/core/finding-limits';
import { runtimeBehaviorAnalysisPackage } from '../../../functions/rules/runtime-behavior-analysis';
import { evaluateRba, RuntimeBuilder, rbaResult, telemetryDocument } from '../../helpers/runtime-telemetry';

const SEVERITIES = {
  'rba.insecure-client-protocols-login': 'Medium',
  'rba.insecure-client-protocols-general': 'Low',
  'rba.unused-listening-tcp-ports': 'Informational',
  'rba.insecure-server-protocols': 'Informational',
  'rba.software-without-dep': 'Medium',
  'rba.software-without-stack-cookies': 'Medium',
  'rba.root-process-insecure-permissions': 'High',
} as const;

describe('runtime-behavior-analysis package', () => {
  it("holds the seven rules with Classic's severities", () => {
    expect(runtimeBehaviorAnalysisPackage).toMatchObject({
      id: 'runtime-behavior-analysis',
      name: 'Runtime Behavior Analysis',
      version: '1.0.0',
    });
    expect(Object.fromEntries(runtimeBehaviorAnalysisPackage.rules.map((r) => [r.id, r.severity]))).toEqual(
      SEVERITIES,
    );
    for (const r of runtimeBehaviorAnalysisPackage.rules) {
      expect(r.title.length).toBeGreaterThan(10);
      expect(r.description.length).toBeGreaterThan(50);
      expect(r.recommendation.length).toBeGreaterThan(30);
    }
  });

  it('is ERROR for every rule, with the reason, when the telemetry has no runtime section (older agent)', async () => {
    const results = await evaluateRba(telemetryDocument());
    expect([...results.keys()].sort()).toEqual(Object.keys(SEVERITIES).sort());
    for (const r of results.values()) {
      expect(r.result).toBe('ERROR');
      expect(r.message).toMatch(/no runtime section: the agent that collected it predates runtime sampling/);
    }
  });

  it('is ERROR for every rule when /proc could not be read', async () => {
    const b = new RuntimeBuilder();
    b.proc = { status: 'missing', reason: 'not-found', detail: '/proc does not exist under the root' };
    const results = await evaluateRba(b.build());
    expect(results.size).toBe(7);
    for (const r of results.values()) {
      expect(r.result).toBe('ERROR');
      expect(r.message).toMatch(/\/proc could not be read while sampling: not-found/);
    }
  });

  it('is NOT_APPLICABLE on non-Linux hosts', async () => {
    const doc = new RuntimeBuilder().build({
      host: { kernelName: 'FreeBSD', kernelNameSource: 'agent-platform' },
    });
    const results = await evaluateRba(doc);
    expect(results.size).toBe(7);
    for (const r of results.values()) expect(r.result).toBe('NOT_APPLICABLE');
  });

  it('says when truncated data could hide a finding, even on PASS', async () => {
    const b = new RuntimeBuilder();
    b.process({ pid: 1, comm: 'systemd', exe: '/usr/lib/systemd/systemd' });
    b.rootOwnedDirectories();
    b.truncated = true;
    b.dropped = { connections: 12, objects: 3 };
    const results = await evaluateRba(b.build());
    const login = results.get('rba.insecure-client-protocols-login')!;
    expect(login.result).toBe('PASS');
    expect(login.message).toMatch(
      /caps dropped data \(connections 12\): a clear-text login client protocol connection may be among what was dropped/,
    );
    expect(login.evidence).toContainEqual({
      source: 'runtime',
      key: 'dropped',
      value: 'connections 12, objects 3',
      note: 'runtime.truncated is true',
    });
    expect(results.get('rba.software-without-dep')!.message).toMatch(
      /\(objects 3\): files not recorded were not judged/,
    );
    expect(results.get('rba.insecure-server-protocols')!.message).toMatch(
      /hit its caps, though not in data this rule reads/,
    );
  });

  it('bounds evidence to 50 items and says how many more', async () => {
    const b = new RuntimeBuilder();
    for (let port = 10_000; port < 10_070; port++) b.listener({ protocol: 'tcp', address: '0.0.0.0', port });
    const r = await rbaResult('rba.unused-listening-tcp-ports', b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence.length).toBeLessThanOrEqual(FINDING_LIMITS.maxEvidence);
    expect(r.evidence[49]!.value).toBe('0.0.0.0:10049');
    expect(r.evidence[50]).toEqual({ source: 'runtime', note: 'and 20 more unused listeners (not listed)' });
    expect(r.truncated).toBeUndefined();
  });

  it('gives the same results and finding ids whatever the order of sockets in the document', async () => {
    const build = (reverse: boolean) => {
      const b = new RuntimeBuilder();
      const p = b.process({ pid: 10, comm: 'telnet', uid: 1000, exe: '/usr/bin/telnet' });
      const ls = [23, 21, 8080, 69].map((port) => ({
        protocol: port === 69 ? ('udp' as const) : ('tcp' as const),
        address: '0.0.0.0',
        port,
      }));
      const cs = ['192.0.2.2', '192.0.2.1', '2001:db8::1'].map((a) => ({
        protocol: a.includes(':') ? ('tcp6' as const) : ('tcp' as const),
        process: p,
        remoteAddress: a,
        remotePort: 23,
      }));
      for (const l of reverse ? ls.reverse() : ls) b.listener(l);
      for (const c of reverse ? cs.reverse() : cs) b.connection(c);
      return b.build();
    };
    const run = (doc: ReturnType<typeof build>) =>
      evaluateTelemetry(doc, [runtimeBehaviorAnalysisPackage], {
        runId: 'run-rba',
        createdAt: '2026-11-30T11:00:00.000Z',
      });
    const [a, b] = await Promise.all([run(build(false)), run(build(true))]);
    expect(b.results).toEqual(a.results);
    expect(b.findings.map((f) => f.id)).toEqual(a.findings.map((f) => f.id));
    expect(a.findings.map((f) => f.ruleId).sort()).toEqual([
      'rba.insecure-client-protocols-login',
      'rba.insecure-server-protocols',
      'rba.unused-listening-tcp-ports',
    ]);
    const login = a.results.find((r) => r.ruleId === 'rba.insecure-client-protocols-login')!;
    expect(login.evidence.map((e) => e.value)).toEqual(['192.0.2.1:23', '192.0.2.2:23', '[2001:db8::1]:23']);
  });

  it('keeps a finding id from run to run when only pids, times and sample counts change', async () => {
    const build = (pid: number, windowSeconds: number, port = 8080) => {
      const b = new RuntimeBuilder();
      b.windowSeconds = windowSeconds;
      const tool = b.object('/opt/tool/bin/tool', { stat: { mode: 0o100777 } });
      const server = b.process({ pid, comm: 'tool', exe: '/opt/tool/bin/tool', exeObject: tool });
      const client = b.process({ pid: pid + 1, comm: 'telnet', uid: 1000, exe: '/usr/bin/telnet' });
      b.listener({ protocol: 'tcp', address: '0.0.0.0', port, processes: [server] });
      b.connection({ protocol: 'tcp', process: client, remoteAddress: '192.0.2.7', remotePort: 23 });
      return b.rootOwnedDirectories().build();
    };
    const run = async (doc: ReturnType<typeof build>) =>
      (
        await evaluateTelemetry(doc, [runtimeBehaviorAnalysisPackage], {
          runId: `run-${doc.collection.startedAt}`,
          createdAt: '2026-11-30T11:00:00.000Z',
        })
      ).findings;
    const first = await run(build(812, 3600));
    const second = await run(build(4242, 7200));
    const ids = (fs: typeof first) => Object.fromEntries(fs.map((f) => [f.ruleId, f.id]));
    expect(Object.keys(ids(first)).sort()).toEqual([
      'rba.insecure-client-protocols-login',
      'rba.root-process-insecure-permissions',
      'rba.unused-listening-tcp-ports',
    ]);
    // The evidence differs (other pids, other times)...
    expect(JSON.stringify(second.map((f) => f.evidence))).not.toBe(
      JSON.stringify(first.map((f) => f.evidence)),
    );
    // ...the findings are the same.
    expect(ids(second)).toEqual(ids(first));
    // Another port is another finding; the results stored carry no identity.
    const other = ids(await run(build(812, 3600, 8081)));
    expect(other['rba.unused-listening-tcp-ports']).not.toBe(ids(first)['rba.unused-listening-tcp-ports']);
    expect(other['rba.root-process-insecure-permissions']).toBe(
      ids(first)['rba.root-process-insecure-permissions'],
    );
    const { results } = await evaluateTelemetry(build(812, 3600), [runtimeBehaviorAnalysisPackage], {
      runId: 'run-x',
      createdAt: '2026-11-30T11:00:00.000Z',
    });
    expect(results).toHaveLength(7);
    for (const r of results) expect(r).not.toHaveProperty('identity');
  });
});
