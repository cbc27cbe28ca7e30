/**
 * Issue 14: fleets through the synthesized state machine, executed locally (the Evaluate distributed Map by
 * test/helpers/run-lifecycle/distributed-map.ts). A 1,000-instance run end to end: every instance evaluated
 * or excluded, no lost or duplicate finding, and the state data of every state (of the execution and of
 * the Map's children) under 32 KB. A 10,000-instance run whose agents all fail goes through StartRun,
 * CheckAgents, DispatchCommands, PollCommands and FinalizeRun at full size (10,000 instance items, 200
 * commands): its state data stays under 32 KB too, the same size as at 1,000 (the data holds counts and
 * the manifest's location, not instance or command ids). The full 10,000-instance run with evaluation is
 * bench/run-fleet.ts (minutes, not a test).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../helpers/run-lifecycle/harness';
import { FLEET_LIMITS, runFleet, type ScaleResult } from '../../helpers/run-lifecycle/scale';

const STATE_PAYLOAD_LIMIT = 32 * 1024;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ limits: FLEET_LIMITS });
});
afterAll(async () => {
  await h?.stop();
});

let small: ScaleResult | undefined;

it('1,000 simulated instances complete: all evaluated, no lost or duplicate finding, state data under 32 KB', {
  timeout: 300_000,
}, async () => {
  const r = await runFleet(h, 1000);
  small = r;
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

it('10,000 instances: every state of the run stays under 32 KB, and the state data does not grow with the fleet', {
  timeout: 600_000,
}, async () => {
  const r = await runFleet(h, 10_000, 0, 'fail');
  console.log(`10,000-instance run (agents failing): ${Math.round(r.executionMs)} ms locally`, r);
  expect(r.state).toBe('COMPLETED_WITH_ERRORS');
  expect(r.instances).toBe(10_000);
  expect(r.excluded).toBe(10_000);
  expect(r.unaccounted).toBe(0);
  expect(r.findings).toBe(0);
  expect(r.manifestCount).toBe(0);
  expect(r.sendCommandCalls).toBe(200);
  expect(r.listCommandInvocationsCalls).toBe(200);
  expect(r.payloads.largest).toBeLessThan(STATE_PAYLOAD_LIMIT);
  // The same state data as the 1,000-instance run, give or take digits of counts and ids.
  if (small) expect(Math.abs(r.payloads.largest - small.payloads.largest)).toBeLessThan(200);
});
