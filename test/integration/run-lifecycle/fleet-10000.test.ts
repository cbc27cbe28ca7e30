/**
 * Issue 14: 10,000 instances through the synthesized state machine, executed locally. A run whose agents all
 * fail goes through StartRun, CheckAgents, DispatchCommands, PollCommands and FinalizeRun at full size (10,000
 * instance items, 200 commands): every instance is accounted for (excluded), and its state data stays under
 * 32 KB, the same size as a 100-instance run's (the data holds counts and the manifest's location, not
 * instance or command ids). The 1,000-instance run with evaluation is fleet-1000.test.ts; the full
 * 10,000-instance run with evaluation is bench/run-fleet.ts (minutes, not a test).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../helpers/run-lifecycle/harness';
import {
  FLEET_LIMITS,
  FLEET_TEST_WRITE_PACING,
  runFleet,
  type ScaleResult,
} from '../../helpers/run-lifecycle/scale';

const STATE_PAYLOAD_LIMIT = 32 * 1024;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ limits: FLEET_LIMITS, writePacing: FLEET_TEST_WRITE_PACING });
});
afterAll(async () => {
  await h?.stop();
});

function expectAllExcluded(r: ScaleResult, n: number) {
  expect(r.state).toBe('COMPLETED_WITH_ERRORS');
  expect(r.instances).toBe(n);
  expect(r.excluded).toBe(n);
  expect(r.unaccounted).toBe(0);
  expect(r.findings).toBe(0);
  expect(r.manifestCount).toBe(0);
  expect(r.sendCommandCalls).toBe(Math.ceil(n / 50));
  expect(r.listCommandInvocationsCalls).toBe(Math.ceil(n / 50));
  expect(r.payloads.largest).toBeLessThan(STATE_PAYLOAD_LIMIT);
}

it('10,000 instances: every state of the run stays under 32 KB, and the state data does not grow with the fleet', {
  timeout: 600_000,
}, async () => {
  const small = await runFleet(h, 100, 0, 'fail');
  expectAllExcluded(small, 100);
  const r = await runFleet(h, 10_000, 0, 'fail');
  console.log(`10,000-instance run (agents failing): ${Math.round(r.executionMs)} ms locally`, r);
  expectAllExcluded(r, 10_000);
  // The same state data as the 100-instance run, give or take digits of counts and ids.
  expect(Math.abs(r.payloads.largest - small.payloads.largest)).toBeLessThan(200);
});
