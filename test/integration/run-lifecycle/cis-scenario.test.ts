/**
 * The cis package in the cloud path: the synthesized state machine run locally with the real handlers and
 * the REAL rules registry (cis enabled by the EvaluateInstance handler, as in the Lambda), DynamoDB Local,
 * s3rver and the service-like mocks; the fake SSM runs the real agent on a Debian 12 fixture root meant to
 * fail the benchmark. The template's cis profile and tailoring reach the evaluation through the run record:
 * the stored findings are exactly the controls the package fails on that telemetry with that tailoring
 * (whatever this version's evaluators decide), with Classic's CIS attributes, and the skipped control is
 * not among them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Facts } from '../../../functions/core/facts/facts';
import { decryptTelemetry, MAX_CIPHERTEXT_BYTES } from '../../../functions/core/telemetry';
import { configureLifecycle } from '../../../functions/handlers/lifecycle-runtime';
import { EVALUATORS } from '../../../functions/rules/cis/evaluators';
import { BENCHMARKS, benchmarkLabel, evaluateBenchmark } from '../../../functions/rules/cis/index';
import { cisBenchmarkRoot, makeCisRoot } from '../../helpers/cis-roots';
import { cleanupRoots } from '../../helpers/fixture-root';
import {
  execute,
  type Harness,
  lifecycleDeps,
  seedTemplate,
  startHarness,
} from '../../helpers/run-lifecycle/harness';
import { healthy, runState } from '../../helpers/run-lifecycle/scenario-helpers';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  // The real registry instead of the test package.
  configureLifecycle({});
});

afterAll(async () => {
  configureLifecycle({});
  await h?.stop();
  cleanupRoots();
});

describe('cis from a template, end to end', () => {
  it('a Debian 12 root: findings per failed control with the benchmark attributes, tailoring applied', {
    timeout: 120_000,
  }, async () => {
    const name = 'cis-debian12';
    const instanceId = `i-${name}`;
    h.cloud.add(
      healthy(instanceId, { group: name }, { root: makeCisRoot(cisBenchmarkRoot('debian12', 'fail')) }),
    );

    // Which controls fail on this root without tailoring decides what the template skips.
    const probe = await runTemplate(`${name}-probe`, instanceId, { profile: 'level2-server' });
    const failedSections = probe.findings.map((f) => f.ruleId);
    expect(failedSections.length, 'the failing root fails some control').toBeGreaterThan(1);
    const skipped = failedSections[0]!;

    const cis = { profile: 'level2-server' as const, skip: [skipped] };
    const { runId, run, byId, findings } = await runTemplate(name, instanceId, cis);
    expect(run?.state).toBe('COMPLETED');
    expect(run?.cis).toEqual(cis);
    expect(byId.get(instanceId)).toMatchObject({ collection: 'SUCCEEDED', evaluation: 'EVALUATED' });
    expect(byId.get(instanceId)?.exclusions ?? []).toEqual([]);

    // The package on the stored telemetry with the run's tailoring: its FAIL controls are the findings.
    const deps = lifecycleDeps();
    const ciphertext = await deps.telemetry.get(runId, instanceId, MAX_CIPHERTEXT_BYTES);
    const telemetry = await decryptTelemetry(ciphertext!, deps.keyrings.session().keyring, {
      runId,
      instanceId,
    });
    const expected = evaluateBenchmark(new Facts(telemetry), 'debian12', cis, EVALUATORS)
      .filter((r) => r.result === 'FAIL')
      .map((r) => r.ruleId)
      .sort();
    expect(findings.map((f) => f.ruleId).sort()).toEqual(expected);
    expect(expected).not.toContain(skipped);
    expect(findings.length).toBe(failedSections.length - 1);

    const label = benchmarkLabel(BENCHMARKS.debian12);
    for (const f of findings) {
      expect(f).toMatchObject({ rulesPackage: 'cis', instanceId });
      expect(f.ruleId).toMatch(/^cis\.debian12\.\d+(\.\d+)*$/);
      const attrs = Object.fromEntries(f.attributes.map((a) => [a.key, a.value]));
      expect(attrs).toMatchObject({
        BENCHMARK_ID: label,
        BENCHMARK_RULE_ID: f.ruleId.slice('cis.debian12.'.length),
        CIS_BENCHMARK_PROFILE: 'Level 2 - Server',
        CIS_BENCHMARK_VERSION: '1.1.0',
        team: 'secops',
      });
    }
  });
});

async function runTemplate(
  name: string,
  instanceId: string,
  cis: { profile: 'level1-server' | 'level2-server'; skip?: string[] },
) {
  const tpl = await seedTemplate(
    h,
    { tags: [{ key: 'group', values: [instanceId.slice(2)] }] },
    { rulesPackages: ['cis'], cis },
  );
  const out = await execute(h, { templateId: tpl.templateId }, { executionName: name });
  expect(out.status, JSON.stringify(out.error)).toBe('SUCCEEDED');
  return { runId: `run-${name}`, ...(await runState(`run-${name}`)) };
}
