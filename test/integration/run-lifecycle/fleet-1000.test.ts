/** 1,000 simulated instances through the synthesized state machine, executed locally. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../helpers/run-lifecycle/harness';
import { FLEET_LIMITS, runFleet } from '../../helpers/run-lifecycle/scale';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ limits: FLEET_LIMITS });
});
afterAll(async () => {
  await h?.stop();
});

it('1,000 simulated instances complete', { timeout: 180_000 }, async () => {
  const r = await runFleet(h, 1000);
  console.log(`1,000-instance run: ${Math.round(r.executionMs)} ms locally`, r);
  expect(r.state).toBe('COMPLETED');
  expect(r.instances).toBe(1000);
  expect(r.evaluated).toBe(1000);
  expect(r.findings).toBe(2000);
  expect(r.findingEvents).toBe(2000);
  expect(r.sendCommandCalls).toBe(20);
  expect(r.largestSendCommandBatch).toBe(50);
});
