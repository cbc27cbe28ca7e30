/**
 * Network reachability in the cloud path: the synthesized state machine run locally with the real handlers
 * and the REAL rules registry, DynamoDB Local, s3rver and the service-like mocks. The template runs
 * runtime-behavior-analysis (the real agent samples this machine's root while the test holds a TCP listener
 * on 0.0.0.0) and network-reachability, which EvaluateNetwork evaluates once for the run after the
 * instances. Its configuration is a fixture of AWS CLI outputs (public subnet, internet gateway, a security
 * group open to 0.0.0.0/0 on one port), read by the real CLI-output reader, with the instance id made the
 * run's and the open port made the one the test listens on: the finding joins the path with the listener
 * the agent saw. A second instance of the run is absent from the configuration: an exclusion, not a crash.
 * A third run whose configuration cannot be read ends with an exclusion per instance (RecordNetworkFailure).
 * The exposure chain: a CVE finding of the run on a package a listening process maps gets EXPOSURE=Internet,
 * the port and the process from EvaluateNetwork, and the step run twice (a retry) leaves the same findings.
 * A waiver on the network findings marks them, counts them apart and keeps them out of FINDING_REPORTED.
 */
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSuppressionStore } from '../../../functions/adapters/aws/dynamo-suppression-store';
import { readCliOutputDirectory } from '../../../functions/cli/commands/network-reachability-actions';
import type { Finding } from '../../../functions/core/model';
import type { NetworkConfig } from '../../../functions/core/network/aws-config';
import { createSuppression, deleteSuppression } from '../../../functions/core/suppression-service';
import {
  configureNetworkSource,
  handler as evaluateNetworkHandler,
} from '../../../functions/handlers/evaluate-network';
import { configureLifecycle } from '../../../functions/handlers/lifecycle-runtime';
import { cleanupRoots } from '../../helpers/fixture-root';
import {
  execute,
  type Harness,
  lambdaInvoke,
  lifecycleDeps,
  seedTemplate,
  startHarness,
} from '../../helpers/run-lifecycle/harness';
import { healthy, runState } from '../../helpers/run-lifecycle/scenario-helpers';

const FIXTURE = path.resolve(__dirname, '../../fixtures/network-reachability/public-subnet-open-ssh');
const FIXTURE_INSTANCE = 'i-0a1b2c3d4e5f60061';
const DURATION_SECONDS = 3;

let h: Harness;
let listener: Server;
let port: number;
let reads = 0;

/** The fixture's configuration with its instance renamed and its one open port (22) moved to `to`. */
async function configFor(instanceId: string, to: number): Promise<NetworkConfig> {
  const text = JSON.stringify(await readCliOutputDirectory(FIXTURE))
    .replaceAll(FIXTURE_INSTANCE, instanceId)
    .replaceAll('"FromPort":22,"ToPort":22', `"FromPort":${to},"ToPort":${to}`);
  return JSON.parse(text) as NetworkConfig;
}

beforeAll(async () => {
  h = await startHarness();
  configureLifecycle({});
  listener = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '0.0.0.0', () => resolve());
  });
  port = (listener.address() as { port: number }).port;
});

afterAll(async () => {
  configureNetworkSource(undefined);
  configureLifecycle({});
  await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
  await h?.stop();
  cleanupRoots();
});

async function run(name: string, packages: string[], opts: Partial<Parameters<typeof execute>[2]> = {}) {
  // This machine's root, without the file system walk: runtime-behavior-analysis, network-reachability and
  // cve read nothing it collects, and on `/` it is seconds of GNU find per agent (~17 s of CPU a file).
  h.cloud.add(healthy(`i-${name}-a`, { group: name }, { root: '/', walk: false }));
  h.cloud.add(healthy(`i-${name}-b`, { group: name }, { root: '/', walk: false }));
  const tpl = await seedTemplate(
    h,
    { tags: [{ key: 'group', values: [name] }] },
    { rulesPackages: packages, durationSeconds: DURATION_SECONDS },
  );
  const out = await execute(h, { templateId: tpl.templateId }, { ...opts, executionName: name });
  expect(out.status, JSON.stringify(out.error)).toBe('SUCCEEDED');
  return { states: out.states, ...(await runState(`run-${name}`)) };
}

describe('network reachability once per run, joined with the runtime listeners', () => {
  it('the reachable port with the listener the agent saw is a finding; the instance outside the configuration an exclusion', {
    timeout: 120_000,
  }, async () => {
    const name = 'nr-listener';
    configureNetworkSource({
      read: async () => {
        reads++;
        return configFor(`i-${name}-a`, port);
      },
    });
    const before = reads;
    const {
      states,
      run: r,
      byId,
      findings,
    } = await run(name, ['runtime-behavior-analysis', 'network-reachability']);
    // Once per run, after the instances.
    expect(states.filter((s) => s === 'EvaluateNetwork')).toHaveLength(1);
    expect(states.indexOf('EvaluateNetwork')).toBeGreaterThan(states.lastIndexOf('Evaluate'));
    expect(reads - before).toBe(1);

    const a = `i-${name}-a`;
    const nr = findings.filter((f) => f.rulesPackage === 'network-reachability');
    // The open port with the listener, and the exposure of the instance (Classic's NetworkExposure).
    expect(nr.map((f) => [f.instanceId, f.ruleId]).sort()).toEqual([
      [a, 'nr.network-exposure'],
      [a, 'nr.unrecognized-port-with-listener'],
    ]);
    const listened = nr.find((f) => f.ruleId === 'nr.unrecognized-port-with-listener');
    const attr = (k: string) => listened?.attributes.find((x) => x.key === k)?.value;
    expect(attr('PORT')).toBe(String(port));
    expect(attr('REACHABILITY_TYPE')).toBe('Internet');
    expect(attr('team')).toBe('secops');

    // Counts: the run's sum includes the network finding; each instance's counts include its own.
    const total = Object.values(r?.findingCounts ?? {}).reduce((x, y) => x + y, 0);
    expect(total).toBe(findings.length);
    const nrCounts = byId.get(a)?.networkFindingCounts;
    expect(Object.values(nrCounts ?? {}).reduce((x, y) => x + y, 0)).toBe(2);
    expect(nrCounts?.[listened?.severity ?? 'Informational']).toBeGreaterThanOrEqual(1);
    expect(byId.get(a)?.evaluation).toBe('EVALUATED');
    const b = byId.get(`i-${name}-b`);
    expect(b?.exclusions).toContainEqual(
      expect.objectContaining({ scope: 'network-reachability', reason: 'EVALUATION_ERROR' }),
    );
    expect(b?.exclusions.find((e) => e.scope === 'network-reachability')?.message).toMatch(
      /not in the EC2 configuration/,
    );
    expect(r?.state).toBe('COMPLETED_WITH_ERRORS');
  });

  it('the exposure chain: the CVE finding on a library the listener maps gets EXPOSURE=Internet, its port and process; a retry of the step leaves the same findings', {
    timeout: 120_000,
  }, async () => {
    const name = 'nr-chain';
    const a = `i-${name}-a`;
    const runId = `run-${name}`;
    configureNetworkSource({ read: async () => configFor(a, port) });
    const LIB = 'libexample1';
    const deps = lifecycleDeps();
    let afterFirst: Finding[] = [];
    let afterSecond: Finding[] = [];
    // Before EvaluateNetwork: a CVE finding of the run on instance a, on a package one of the listening
    // processes maps (added to the listener the agent really saw on the test's port), and one whose package
    // nothing listening maps; then the real step twice, as a retry after a lost response would run it.
    const cve = (id: string, pkg: string, instanceId = a): Finding => ({
      id,
      runId,
      instanceId,
      rulesPackage: 'cve',
      ruleId: `cve.CVE-2099-${id.slice(-4)}`,
      title: `CVE-2099-${id.slice(-4)} in ${pkg}`,
      description: 'test advisory',
      recommendation: `apt-get install --only-upgrade ${pkg}`,
      severity: 'High',
      numericSeverity: 7,
      attributes: [{ key: 'PACKAGE', value: pkg }],
      evidence: [{ source: 'dpkg', key: pkg, value: '1.0-1' }],
      createdAt: '2026-01-01T00:00:00.000Z',
      vulnerability: {
        vulnerabilityId: `CVE-2099-${id.slice(-4)}`,
        aliases: [],
        advisoryIds: [],
        ecosystem: 'Debian 12',
        packages: [{ name: pkg, installedVersion: '1.0-1', fixedVersion: '1.0-2' }],
        fixState: 'fixed',
        references: [],
      },
    });
    const step = lambdaInvoke(async (event: { runId: string }) => {
      const instance = (await deps.runs.listInstances(runId)).find((i) => i.instanceId === a);
      const services = (instance?.listeners?.services ?? []).map((s) =>
        s.port === port ? { ...s, libraryPackages: [...s.libraryPackages, `${LIB} 1.0-1`] } : s,
      );
      expect(services.some((s) => s.port === port)).toBe(true);
      await deps.runs.updateInstance(runId, a, {
        listeners: { ...(instance?.listeners ?? { ownersLookedUp: true }), services },
        updatedAt: new Date().toISOString(),
      });
      await deps.findings.putFindings([
        cve('f-chain-0001', LIB),
        cve('f-chain-0002', 'unrelated-pkg'),
        cve('f-chain-0003', LIB, `i-${name}-b`),
      ]);
      await evaluateNetworkHandler(event);
      afterFirst = await deps.findings.listByRun(runId);
      const out = await evaluateNetworkHandler(event);
      afterSecond = await deps.findings.listByRun(runId);
      return out;
    });
    const { findings } = await run(name, ['runtime-behavior-analysis', 'network-reachability'], {
      handlers: { EvaluateNetwork: step },
    });
    const chained = findings.find((f) => f.id === 'f-chain-0001');
    const attr = (f: Finding | undefined, k: string) => f?.attributes.find((x) => x.key === k)?.value;
    expect(attr(chained, 'EXPOSURE')).toBe('Internet');
    expect(attr(chained, 'EXPOSED_PORTS')).toBe(`TCP ${port} (Internet)`);
    expect(attr(chained, 'PROCESSES')).toMatch(/\(pid \d+\)/);
    expect(attr(chained, 'PACKAGE')).toBe(LIB);
    const chain = chained?.evidence.filter((e) => e.source === 'exposure-chain') ?? [];
    expect(chain).toHaveLength(1);
    expect(chain[0]?.key).toMatch(new RegExp(`:${port}$`));
    expect(chain[0]?.value).toContain(`maps ${LIB} 1.0-1`);
    expect(chain[0]?.note).toMatch(/^reachable from the internet through igw-/);
    // Nothing listening maps the other package: EXPOSURE None, as the local path says, and no chain.
    const other = findings.find((f) => f.id === 'f-chain-0002');
    expect(attr(other, 'EXPOSURE')).toBe('None');
    expect(other?.evidence.filter((e) => e.source === 'exposure-chain')).toEqual([]);
    // Instance b is not in the configuration (no analysis): its finding is left as it was, as locally.
    expect(findings.find((f) => f.id === 'f-chain-0003')).toEqual(cve('f-chain-0003', LIB, `i-${name}-b`));
    // The retry: the same findings under the same ids, no attribute or evidence added twice.
    // (The network-reachability findings are written again with the attempt's time as createdAt: only that differs.)
    const byIdOrder = (fs: Finding[]) =>
      [...fs]
        .sort((x, y) => x.id.localeCompare(y.id))
        .map((f) => (f.rulesPackage === 'network-reachability' ? { ...f, createdAt: '' } : f));
    expect(afterFirst.length).toBeGreaterThan(2);
    expect(byIdOrder(afterSecond)).toEqual(byIdOrder(afterFirst));
    expect(byIdOrder(findings)).toEqual(byIdOrder(afterFirst));
    const cves = (fs: Finding[]) => byIdOrder(fs.filter((f) => f.rulesPackage === 'cve'));
    expect(cves(afterSecond)).toEqual(cves(afterFirst));
    expect(chained?.attributes.filter((x) => x.key === 'EXPOSURE')).toHaveLength(1);
  });

  it('a waiver on the network findings (by instance tag): stored marked, counted apart, not announced', {
    timeout: 120_000,
  }, async () => {
    const name = 'nr-waived';
    const store = new DynamoSuppressionStore(h.doc, h.tables.suppressions);
    const waiver = await createSuppression(
      store,
      {
        match: { rulesPackage: 'network-reachability', instanceTag: { key: 'group', value: name } },
        owner: 'network team',
        reason: 'the port is a honeypot',
        expiresOn: new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10),
      },
      { now: new Date(), actor: 'test', actorSource: 'test' },
    );
    try {
      configureNetworkSource({ read: async () => configFor(`i-${name}-a`, port) });
      const { run: r, byId, findings } = await run(name, ['network-reachability']);
      const a = `i-${name}-a`;
      const nr = findings.filter((f) => f.rulesPackage === 'network-reachability');
      expect(nr.length).toBeGreaterThan(0);
      for (const f of nr) expect(f.suppression?.suppressionRuleId, f.ruleId).toBe(waiver.suppressionRuleId);
      const sum = (c: Record<string, number> | undefined) =>
        Object.values(c ?? {}).reduce((x, y) => x + y, 0);
      expect(sum(byId.get(a)?.suppressedFindingCounts)).toBe(nr.length);
      expect(sum(byId.get(a)?.networkSuppressedCounts)).toBe(nr.length);
      expect(sum(byId.get(a)?.findingCounts)).toBe(nr.length);
      expect(sum(r?.suppressedFindingCounts)).toBe(nr.length);
      expect(h.cloud.events('FINDING_REPORTED', `run-${name}`)).toEqual([]);
    } finally {
      await deleteSuppression(store, waiver.suppressionRuleId, {
        now: new Date(),
        actor: 'test',
        actorSource: 'test',
      });
    }
  });

  it('a template without network-reachability never reads the configuration', {
    timeout: 60_000,
  }, async () => {
    configureNetworkSource({
      read: async () => {
        throw new Error('must not be read');
      },
    });
    const { findings, byId } = await run('nr-not-selected', ['runtime-behavior-analysis']);
    expect(findings.filter((f) => f.rulesPackage === 'network-reachability')).toEqual([]);
    for (const i of byId.values()) expect(i.exclusions.filter((e) => e.scope)).toEqual([]);
  });

  it('a configuration that cannot be read: an exclusion on every instance, the run completes', {
    timeout: 60_000,
  }, async () => {
    configureNetworkSource({
      read: async () => {
        throw Object.assign(new Error('You are not authorized to perform this operation.'), {
          name: 'UnauthorizedOperation',
        });
      },
    });
    const {
      states,
      run: r,
      byId,
      findings,
    } = await run('nr-denied', ['runtime-behavior-analysis', 'network-reachability']);
    expect(states).toContain('RecordNetworkFailure');
    expect(findings.filter((f) => f.rulesPackage === 'network-reachability')).toEqual([]);
    for (const i of byId.values()) {
      const e = i.exclusions.find((x) => x.scope === 'network-reachability');
      expect(e?.message).toMatch(/UnauthorizedOperation.*not authorized/);
    }
    expect(r?.state).toBe('COMPLETED_WITH_ERRORS');
  });
});
