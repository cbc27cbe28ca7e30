/**
 * Issue 14: a 1,000-instance run through the synthesized state machine, executed locally (the Evaluate
 * distributed Map by test/helpers/run-lifecycle/distributed-map.ts), end to end: every instance evaluated
 * or excluded, no lost or duplicate finding, and the state data of every state (of the execution and of the
 * Map's children) under 32 KB. The 10,000-instance run is fleet-10000.test.ts (a file of its own, so the two
 * run side by side); the full 10,000-instance run with evaluation is bench/run-fleet.ts (minutes, not a test).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../helpers/run-lifecycle/harness';
import { FLEET_LIMITS, FLEET_TEST_WRITE_PACING, runFleet } from '../../helpers/run-lifecycle/scale';

const STATE_PAYLOAD_LIMIT = 32 * 1024;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ limits: FLEET_LIMITS, writePacing: FLEET_TEST_WRITE_PACING });
});
afterAll(async () => {
  await h?.stop();
});

it('1,000 simulated instances complete: all evaluated, no lost or duplicate finding, state data under 32 KB', {
  timeout: 300_000,
}, async () => {
  const r = await runFleet(h, 1000);
  console.log(`1,000-instance run: ${Math.round(r.executionMs)} ms locally`, r);
  expect(r.state).toBe('COMPLETED');
  expect(r.instances).toBe(1000);
  expect(r.evaluated).toBe(1000);
  expect(r.unaccounted).toBe(0);
  expect(r.manifestCount).toBe(1000);
  expect(r.findings).toBe(2000);
  expect(r.uniqueFindingIds).toBe(2000);
  expect(r.findingEvents).toBe(2000);
  expect(r.sendCommandCalls).toBe(20);
  expect(r.largestSendCommandBatch).toBe(50);
  // Polling asks SSM for command-level status; invocations are listed once per command at the end.
  expect(r.listCommandInvocationsCalls).toBe(20);
  expect(r.listCommandsCalls).toBeGreaterThanOrEqual(1);
  expect(r.payloads.largest).toBeLessThan(STATE_PAYLOAD_LIMIT);
  expect(r.payloads.largestChild).toBeLessThan(STATE_PAYLOAD_LIMIT);
});
