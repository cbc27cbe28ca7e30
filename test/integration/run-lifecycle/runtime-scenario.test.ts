/**
 * Runtime behaviour analysis in the cloud path, with real sampling: the synthesized state machine run
 * locally with the real handlers and the REAL rules registry, DynamoDB Local, s3rver and the service-like
 * mocks. The fake SSM runs the real agent on this machine's own root ('/', its real /proc) for the
 * template's duration, while the test holds open a TCP listener on 0.0.0.0 that nobody connects to. The
 * template's ruleParameters reach the evaluation through the run record: with minDurationSeconds 1 the
 * few-second window is long enough to judge the port, and rba.unused-listening-tcp-ports names it; with the
 * default (900 s) it is not judged. The same path carries a security-best-practices threshold.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decryptTelemetry,
  MAX_CIPHERTEXT_BYTES,
  TELEMETRY_SCHEMA_VERSION,
} from '../../../functions/core/telemetry';
import { configureLifecycle } from '../../../functions/handlers/lifecycle-runtime';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import {
  execute,
  type Harness,
  lifecycleDeps,
  seedTemplate,
  startHarness,
} from '../../helpers/run-lifecycle/harness';
import { healthy, runState } from '../../helpers/run-lifecycle/scenario-helpers';
import { sbpPassingRoot } from '../../helpers/sbp-roots';

/** The sampling window of the runtime template: a few samples, one second apart. */
const DURATION_SECONDS = 4;
const UNUSED_PORTS = 'rba.unused-listening-tcp-ports';

let h: Harness;
let listener: Server;
let port: number;

beforeAll(async () => {
  h = await startHarness();
  // The real registry (security-best-practices, runtime-behavior-analysis) instead of the test package.
  configureLifecycle({});
  listener = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '0.0.0.0', () => resolve());
  });
  port = (listener.address() as { port: number }).port;
});

afterAll(async () => {
  configureLifecycle({});
  await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
  await h?.stop();
  cleanupRoots();
});

async function runtimeRun(name: string, ruleParameters?: Record<string, Record<string, number>>) {
  const group = `runtime-${name}`;
  h.cloud.add(healthy(`i-${group}`, { group }, { root: '/' }));
  const tpl = await seedTemplate(
    h,
    { tags: [{ key: 'group', values: [group] }] },
    {
      rulesPackages: ['security-best-practices', 'runtime-behavior-analysis'],
      durationSeconds: DURATION_SECONDS,
      ...(ruleParameters ? { ruleParameters } : {}),
    },
  );
  const started = Date.now();
  const out = await execute(h, { templateId: tpl.templateId }, { executionName: name });
  const seconds = (Date.now() - started) / 1000;
  expect(out.status, JSON.stringify(out.error)).toBe('SUCCEEDED');
  const runId = `run-${name}`;
  return { runId, instanceId: `i-${group}`, seconds, ...(await runState(runId)) };
}

describe('runtime behaviour analysis with sampling, end to end', () => {
  it('a template with minDurationSeconds 1: the agent samples for the duration and the unused port is a finding', {
    timeout: 120_000,
  }, async () => {
    const { runId, instanceId, seconds, run, byId, findings } = await runtimeRun('rba-unused-port', {
      [UNUSED_PORTS]: { minDurationSeconds: 1 },
    });
    // The collection took the template's duration: the fake SSM ran the agent for it.
    expect(seconds).toBeGreaterThanOrEqual(DURATION_SECONDS);
    expect(['COMPLETED', 'COMPLETED_WITH_ERRORS']).toContain(run?.state);
    expect(run?.ruleParameters).toEqual({ [UNUSED_PORTS]: { minDurationSeconds: 1 } });
    expect(byId.get(instanceId)).toMatchObject({ collection: 'SUCCEEDED', evaluation: 'EVALUATED' });
    expect(byId.get(instanceId)?.exclusions ?? []).toEqual([]);

    // The runtime section arrived: several samples over the window.
    const deps = lifecycleDeps();
    const ciphertext = await deps.telemetry.get(runId, instanceId, MAX_CIPHERTEXT_BYTES);
    const telemetry = await decryptTelemetry(ciphertext!, deps.keyrings.session().keyring, {
      runId,
      instanceId,
    });
    expect(telemetry.schemaVersion).toBe(TELEMETRY_SCHEMA_VERSION);
    expect(telemetry.collection.durationSeconds).toBe(DURATION_SECONDS);
    expect(telemetry.samples.length).toBeGreaterThan(1);
    expect(telemetry.runtime?.sampling.samples).toBeGreaterThan(1);
    expect(telemetry.runtime?.listeners.some((l) => l.port === port && l.protocol === 'tcp')).toBe(true);

    const unused = findings.find((f) => f.ruleId === UNUSED_PORTS);
    expect(unused, findings.map((f) => f.ruleId).join(', ')).toBeDefined();
    expect(unused).toMatchObject({ rulesPackage: 'runtime-behavior-analysis', instanceId });
    // Every unused port is named in the recommendation (the evidence lists a bounded number of them).
    expect(unused?.recommendation).toMatch(new RegExp(`\\b${port}\\b`));
    expect(unused?.attributes).toContainEqual({ key: 'team', value: 'secops' });
  });

  it('the same template without the parameter: the default window (900 s) is too short to judge a port', {
    timeout: 120_000,
  }, async () => {
    const { run, findings } = await runtimeRun('rba-default-window');
    expect(run?.ruleParameters).toBeUndefined();
    expect(findings.find((f) => f.ruleId === UNUSED_PORTS)).toBeUndefined();
  });
});

describe('rule parameters in the cloud path', () => {
  it("a template's sbp threshold changes the verdict on the same root", { timeout: 60_000 }, async () => {
    const root = makeRoot(sbpPassingRoot());
    const assess = async (name: string, ruleParameters?: Record<string, Record<string, number>>) => {
      h.cloud.add(healthy(`i-${name}`, { group: name }, { root }));
      const tpl = await seedTemplate(
        h,
        { tags: [{ key: 'group', values: [name] }] },
        ruleParameters ? { ruleParameters } : {},
      );
      const out = await execute(h, { templateId: tpl.templateId }, { executionName: name });
      expect(out.status).toBe('SUCCEEDED');
      return runState(`run-${name}`);
    };
    const plain = await assess('sbp-default');
    expect(plain.run?.state).toBe('COMPLETED');
    expect(plain.findings).toEqual([]);
    const stricter = await assess('sbp-min-length-16', { 'sbp.password-min-length': { minLength: 16 } });
    expect(stricter.run?.state).toBe('COMPLETED');
    expect(stricter.findings.map((f) => f.ruleId)).toEqual(['sbp.password-min-length']);
    expect(stricter.findings[0]?.evidence.find((e) => e.key === 'PASS_MIN_LEN')?.expected).toBe('>= 16');
  });
});
