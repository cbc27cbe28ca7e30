/**
 * A fleet run through the synthesized state machine with every DynamoDB call of the handlers going through
 * the throttling proxy (startHarness's `throttle` option) at 2% of DynamoDB's per-partition rates: the run
 * completes with every instance evaluated and every finding stored once, the findings spread over the
 * run's shards. What was throttled depends on this machine's speed: it is printed, not asserted.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RUN_SHARDS } from '../../../functions/adapters/aws/table-design';
import { type Harness, lifecycleDeps, startHarness } from '../../helpers/run-lifecycle/harness';
import { FLEET_LIMITS, runFleet } from '../../helpers/run-lifecycle/scale';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ limits: FLEET_LIMITS, throttle: { scale: 0.02 } });
});
afterAll(async () => {
  await h?.stop();
});

it('200 instances complete through a throttling DynamoDB: no lost and no duplicate finding', {
  timeout: 300_000,
}, async () => {
  const r = await runFleet(h, 200);
  const stats = h.throttle!.stats();
  const findings = stats[h.tables.findings]!;
  console.log('throttled fleet run', r, h.throttle!.totals(), {
    findingsRequests: findings.requests,
    findingsThrottledItems: findings.throttledItems,
  });
  expect(r.state).toBe('COMPLETED');
  expect(r.instances).toBe(200);
  expect(r.evaluated).toBe(200);
  expect(r.findings).toBe(400);
  expect(r.findingEvents).toBe(400);
  // The harness's only run.
  const runs = await h.doc.send(
    new ScanCommand({
      TableName: h.tables.runs,
      FilterExpression: 'sk = :run',
      ExpressionAttributeValues: { ':run': 'RUN' },
    }),
  );
  expect(runs.Items).toHaveLength(1);
  const runId = String(runs.Items?.[0]?.runId);
  const ids = (await lifecycleDeps().findings.listByRun(runId)).map((f) => `${f.instanceId}/${f.id}`);
  expect(new Set(ids).size).toBe(400);
  // The findings went through the proxy, spread over the run's shards.
  const written = Object.entries(findings.partitions).filter(
    ([p, s]) => p.startsWith(`${h.tables.findings}|`) && s.writeUnits > 0,
  );
  expect(findings.requests.BatchWriteItem).toBeGreaterThan(0);
  expect(written.length).toBeGreaterThan(RUN_SHARDS / 2);
  expect(written.length).toBeLessThanOrEqual(RUN_SHARDS);
});
