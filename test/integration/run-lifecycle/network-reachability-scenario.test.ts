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
 */
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCliOutputDirectory } from '../../../functions/cli/commands/network-reachability-actions';
import type { NetworkConfig } from '../../../functions/core/network/aws-config';
import { configureNetworkSource } from '../../../functions/handlers/evaluate-network';
import { configureLifecycle } from '../../../functions/handlers/lifecycle-runtime';
import { execute, type Harness, seedTemplate, startHarness } from '../../helpers/run-lifecycle/harness';
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
});

async function run(name: string, packages: string[]) {
  h.cloud.add(healthy(`i-${name}-a`, { group: name }, { root: '/' }));
  h.cloud.add(healthy(`i-${name}-b`, { group: name }, { root: '/' }));
  const tpl = await seedTemplate(
    h,
    { tags: [{ key: 'group', values: [name] }] },
    { rulesPackages: packages, durationSeconds: DURATION_SECONDS },
  );
  const out = await execute(h, { templateId: tpl.templateId }, { executionName: name });
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
    expect(states.indexOf('EvaluateNetwork')).toBeGreaterThan(states.lastIndexOf('EvaluateInstance'));
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
