/**
 * No hot partitions (issue 14, item 2), against DynamoDB Local behind the throttling proxy
 * (test/helpers/dynamo-throttle-proxy.ts):
 * - the same burst of findings (300 instances) through the real DynamoFindingStore is throttled with the old
 *   keying (one partition per run, one per severity#package) and completes unthrottled, nothing lost or
 *   duplicated, with the sharded keys;
 * - the paced writer retries UnprocessedItems with exponential backoff until written, and gives up after its
 *   attempts with UnprocessedItemsError naming what was not written;
 * - every reader reads every shard and the pre-sharding (legacy) partition: listByRun, pages, deleteByRun,
 *   list-findings pages (no item skipped or repeated), describe/add-attributes, run instances, deleteRun.
 * The proxy's clock is frozen or driven by the test: what is throttled never depends on timing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchWriteAll,
  UnprocessedItemsError,
  WriteRateLimiter,
  writePacing,
  writePacingFromJson,
} from '../../../functions/adapters/aws/dynamo-batch';
import { DynamoFindingStore, findingItem } from '../../../functions/adapters/aws/dynamo-finding-store';
import { DynamoRunStore } from '../../../functions/adapters/aws/dynamo-run-store';
import { DynamoFindingsQuery, DynamoRunsReader } from '../../../functions/adapters/aws/findings-query';
import { runPartitions, shardOf } from '../../../functions/adapters/aws/run-shards';
import { RUN_SHARDS } from '../../../functions/adapters/aws/table-design';
import { storedSize } from '../../../functions/core/finding-limits';
import type { Finding } from '../../../functions/core/model';
import { mapLimit } from '../../../functions/core/run-lifecycle/map-limit';
import type { RunInstance, StoredRun } from '../../../functions/core/run-lifecycle/model';
import { startThrottleProxy, type ThrottleOptions } from '../../helpers/dynamo-throttle-proxy';
import {
  createTables,
  type DynamoDbLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
  type TableNames,
} from '../../helpers/dynamodb-local';

let ddb: DynamoDbLocal;
let seq = 0;

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
}, 240_000);
afterAll(async () => {
  await ddb?.stop();
});

const SEVERITIES = ['High', 'Medium', 'Low'] as const;

function finding(runId: string, instanceId: string, i: number): Finding {
  return {
    id: `f-${instanceId}-${i}`,
    runId,
    instanceId,
    rulesPackage: 'security-best-practices',
    ruleId: `sbp.rule-${i}`,
    title: `rule ${i} failed`,
    description: 'a finding of the shard tests',
    recommendation: 'fix it',
    severity: SEVERITIES[i % 3]!,
    numericSeverity: 6,
    attributes: [{ key: 'team', value: 'secops' }],
    evidence: [{ source: '/etc/example', value: 'x' }],
    createdAt: `2026-12-01T10:00:${String(i).padStart(2, '0')}.000Z`,
  } as Finding;
}

/** Tables of their own, a proxy in front of DynamoDB Local, and a client through it that never retries. */
async function setup(opts: ThrottleOptions) {
  const tables = await createTables(ddb.client, `shards${++seq}`);
  const proxy = await startThrottleProxy(ddb.endpoint, opts);
  const client = new DynamoDBClient({
    endpoint: proxy.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1, // throttles reach the writer, whose retries are under test
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    tables,
    proxy,
    doc,
    async stop() {
      client.destroy();
      await proxy.stop();
    },
  };
}

async function scanAll(table: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb.doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

describe('the same burst of findings: one hot partition vs the sharded keys', () => {
  const INSTANCES = 300;
  const PER_INSTANCE = 3;
  // 5% of DynamoDB's 1,000 WCU/s per partition, one second of burst, and time stands still: each partition
  // (table or index) can take 50 write units in all, whatever the speed of this machine.
  const LIMITS: ThrottleOptions = { scale: 0.05, burstSeconds: 1, now: () => 0 };
  const instances = Array.from({ length: INSTANCES }, (_, i) => `i-${String(i).padStart(17, '0')}`);

  it('the arithmetic: sharded, no partition of this burst needs more than 50 units', () => {
    const counts = new Array(RUN_SHARDS).fill(0) as number[];
    for (const id of instances) counts[shardOf(id, RUN_SHARDS)]!++;
    // Every finding is under 1 KB (1 unit); a shard's table partition gets PER_INSTANCE per instance.
    expect(Math.max(...counts) * PER_INSTANCE).toBeLessThanOrEqual(50);
    for (const id of instances.slice(0, 3)) expect(storedUnits(finding('r', id, 0))).toBe(1);
  });

  it('old keying (1 shard): throttled, and the writer ends in UnprocessedItemsError', async () => {
    const s = await setup(LIMITS);
    try {
      const store = new DynamoFindingStore(s.doc, s.tables.findings, {
        layout: { shards: 1 },
        pacing: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, writeUnitsPerSecond: 1e9 },
      });
      const runId = 'run-hot';
      const results = await mapLimit(instances, 20, (id) =>
        store
          .putFindings(Array.from({ length: PER_INSTANCE }, (_, i) => finding(runId, id, i)))
          .then(() => undefined)
          .catch((e: unknown) => e),
      );
      const failures = results.filter((r) => r !== undefined);
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.every((f) => f instanceof UnprocessedItemsError)).toBe(true);
      const totals = s.proxy.totals();
      expect(totals.throttledItems + totals.throttledRequests).toBeGreaterThan(0);
      // One table partition took everything it could: 50 units, and refused the rest.
      const parts = s.proxy.stats()[s.tables.findings]!.partitions;
      expect(parts[`${s.tables.findings}|{"S":"${runId}#0"}`]).toMatchObject({ writeUnits: 50 });
      expect(parts[`${s.tables.findings}|{"S":"${runId}#0"}`]!.throttled).toBeGreaterThan(0);
      // Every item is either written (what the partitions admitted) or reported unwritten: none is lost.
      const stored = (await scanAll(s.tables.findings)).length;
      expect(stored).toBeLessThanOrEqual(50);
      const reported = (failures as UnprocessedItemsError[]).reduce((n: number, f) => n + f.unprocessed, 0);
      expect(stored + reported).toBe(INSTANCES * PER_INSTANCE);
    } finally {
      await s.stop();
    }
  }, 240_000);

  it('sharded keys: the same burst completes with no throttle, no lost and no duplicate finding', async () => {
    const s = await setup(LIMITS);
    try {
      const store = new DynamoFindingStore(s.doc, s.tables.findings, {
        pacing: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, writeUnitsPerSecond: 1e9 },
      });
      const runId = 'run-sharded';
      const written = instances.flatMap((id) =>
        Array.from({ length: PER_INSTANCE }, (_, i) => finding(runId, id, i)),
      );
      await mapLimit(instances, 20, (id) => store.putFindings(written.filter((f) => f.instanceId === id)));
      expect(s.proxy.totals()).toMatchObject({ throttledItems: 0, throttledRequests: 0 });
      const read = await store.listByRun(runId);
      expect(read).toHaveLength(written.length);
      expect(new Set(read.map((f) => f.id)).size).toBe(written.length);
      expect(read.map((f) => f.id).sort()).toEqual(written.map((f) => f.id).sort());
      expect(read.every((f) => f.runId === runId)).toBe(true);
      // Spread: the run's findings are in as many table partitions as the instances' shards.
      const writtenParts = Object.entries(s.proxy.stats()[s.tables.findings]!.partitions).filter(
        ([p, stats]) => p.startsWith(`${s.tables.findings}|`) && stats.writeUnits > 0,
      );
      const shards = new Set(instances.map((id) => shardOf(id, RUN_SHARDS)));
      expect(writtenParts.length).toBe(shards.size);
      expect(Math.max(...writtenParts.map(([, stats]) => stats.writeUnits))).toBeLessThanOrEqual(50);
    } finally {
      await s.stop();
    }
  }, 240_000);
});

const storedUnits = (f: Finding) => Math.ceil(storedSize(findingItem(f)) / 1024);

describe('the paced writer', () => {
  it('retries UnprocessedItems with growing, jittered delays until every item is written', async () => {
    let t = 0; // the proxy's clock and the writer's sleep share it: a sleep refills the partition
    const s = await setup({ writeUnitsPerSecond: 20, burstSeconds: 1, now: () => t });
    try {
      const sleeps: number[] = [];
      const requests = Array.from({ length: 60 }, (_, i) => ({
        PutRequest: { Item: { runId: 'hot', findingId: `f${i}` } },
      }));
      await batchWriteAll(s.doc, s.tables.findings, requests, {
        pacing: writePacing({ concurrency: 1, maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 800 }),
        limiter: new WriteRateLimiter(1e9),
        sleep: async (ms) => {
          sleeps.push(ms);
          t += ms;
        },
        random: () => 0.5,
      });
      expect((await scanAll(s.tables.findings)).length).toBe(60);
      expect(s.proxy.totals().throttledItems).toBeGreaterThan(0);
      // Full jitter with random() = 0.5: half of 100·2^n, capped at 800.
      expect(sleeps.length).toBeGreaterThan(0);
      for (const ms of sleeps) expect([100, 200, 400].includes(ms)).toBe(true);
    } finally {
      await s.stop();
    }
  });

  it('gives up after maxAttempts with UnprocessedItemsError naming how many items were not written', async () => {
    const s = await setup({ writeUnitsPerSecond: 50, burstSeconds: 1, now: () => 0 });
    try {
      const requests = Array.from({ length: 80 }, (_, i) => ({
        PutRequest: { Item: { runId: 'hot', findingId: `f${String(i).padStart(2, '0')}` } },
      }));
      const err = await batchWriteAll(s.doc, s.tables.findings, requests, {
        pacing: writePacing({ concurrency: 1, maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 }),
        limiter: new WriteRateLimiter(1e9),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnprocessedItemsError);
      // 50 units: the first two chunks of 25 are written, the third is refused whole three times.
      expect(err).toMatchObject({ unprocessed: 25, attempts: 3, table: s.tables.findings });
      expect((err as Error).message).toMatch(
        /25 items still not written after 3 attempts.*ProvisionedThroughputExceededException/,
      );
      expect((await scanAll(s.tables.findings)).length).toBe(50);
    } finally {
      await s.stop();
    }
  });

  it('an error a retry cannot clear (a malformed item) fails at once, not after the attempts', async () => {
    const s = await setup({ now: () => 0 });
    try {
      const sleeps: number[] = [];
      const err = await batchWriteAll(
        s.doc,
        s.tables.findings,
        [{ PutRequest: { Item: { runId: 'r' } } }], // no sort key
        {
          pacing: writePacing({ maxAttempts: 5 }),
          limiter: new WriteRateLimiter(1e9),
          sleep: async (ms) => {
            sleeps.push(ms);
          },
        },
      ).catch((e: unknown) => e);
      expect((err as Error).name).toBe('ValidationException');
      expect(sleeps).toEqual([]);
      expect(s.proxy.stats()[s.tables.findings]!.requests.BatchWriteItem).toBe(1);
    } finally {
      await s.stop();
    }
  });

  it('a write rate limiter spaces writes at its rate', async () => {
    let t = 0;
    const waits: number[] = [];
    const limiter = new WriteRateLimiter(
      100,
      () => t,
      async (ms) => {
        waits.push(ms);
        t += ms;
      },
    );
    await limiter.acquire(100); // the full bucket
    await limiter.acquire(50); // half a second later
    await limiter.acquire(250); // more than a bucket: waits for a full one, then goes into debt
    expect(waits).toEqual([500, 1000]);
    expect(t).toBe(1500);
  });

  it('DYNAMO_WRITE_PACING_JSON: defaults, overrides, and clear errors', () => {
    expect(writePacingFromJson(undefined)).toMatchObject({ writeUnitsPerSecond: 400, concurrency: 4 });
    expect(writePacingFromJson('{"writeUnitsPerSecond":200}').writeUnitsPerSecond).toBe(200);
    expect(() => writePacingFromJson('{')).toThrow(/not valid JSON/);
    expect(() => writePacingFromJson('[]')).toThrow(/JSON object/);
    expect(() => writePacingFromJson('{"rate":1}')).toThrow(/unknown setting rate/);
    expect(() => writePacingFromJson('{"concurrency":0}')).toThrow(/concurrency must be a positive number/);
    expect(() => writePacingFromJson('{"maxAttempts":1.5}')).toThrow(/integers/);
  });
});

describe('readers read every shard and the legacy partition', () => {
  let tables: TableNames;
  const runId = 'run-readers';
  const ids = Array.from({ length: 40 }, (_, i) => `i-${String(i).padStart(17, 'a')}`);
  let written: Finding[];

  beforeAll(async () => {
    tables = await createTables(ddb.client, `shards${++seq}`);
    const store = new DynamoFindingStore(ddb.doc, tables.findings);
    written = ids.flatMap((id) => [0, 1, 2, 3, 4].map((i) => finding(runId, id, i)));
    await store.putFindings(written);
    // Two findings as the store wrote them before sharding: partition runId, index value without shard.
    for (const i of [7, 8]) {
      const f = finding(runId, 'i-legacy', i);
      const { severityPackage: _sp, ...item } = findingItem(f, 1);
      await ddb.doc.send(
        new PutCommand({
          TableName: tables.findings,
          Item: { ...item, runId, severityPackage: `${f.severity}#${f.rulesPackage}` },
        }),
      );
      written.push(f);
    }
  });

  it('items are where the design says: one shard per instance, the index value sharded too', async () => {
    const items = await scanAll(tables.findings);
    const f = written[0]!;
    const item = items.find((i) => i.findingId === f.id)!;
    const shard = shardOf(f.instanceId, RUN_SHARDS);
    expect(item.runId).toBe(`${runId}#${shard}`);
    expect(item.severityPackage).toBe(`${f.severity}#${f.rulesPackage}#${shard}`);
    expect(new Set(items.map((i) => i.runId)).size).toBeGreaterThan(20);
  });

  it('listByRun and pagesByRunPackage return every finding once, with the run id restored', async () => {
    const store = new DynamoFindingStore(ddb.doc, tables.findings);
    const all = await store.listByRun(runId);
    expect(all.map((f) => f.id).sort()).toEqual(written.map((f) => f.id).sort());
    expect(all.every((f) => f.runId === runId)).toBe(true);
    // Deterministic order: legacy partition first, then shard by shard.
    expect((await store.listByRun(runId)).map((f) => f.id)).toEqual(all.map((f) => f.id));
    expect(all.slice(0, 2).map((f) => f.instanceId)).toEqual(['i-legacy', 'i-legacy']);
    const paged: Finding[] = [];
    for await (const page of store.pagesByRunPackage(runId, 'security-best-practices')) paged.push(...page);
    expect(paged.map((f) => f.id)).toEqual(all.map((f) => f.id));
    const none: Finding[] = [];
    for await (const page of store.pagesByRunPackage(runId, 'cve')) none.push(...page);
    expect(none).toEqual([]);
  });

  it('list-findings pages over the shards: every finding exactly once, the same order at any page size', {
    timeout: 240_000,
  }, async () => {
    const query = new DynamoFindingsQuery(ddb.doc, tables.findings);
    const readAll = async (maxResults: number, filter: Parameters<typeof query.list>[0]) => {
      const out: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await query.list(filter, nextToken ? { maxResults, nextToken } : { maxResults });
        expect(page.items.length).toBeLessThanOrEqual(maxResults);
        out.push(...page.items.map((f) => f.id));
        nextToken = page.nextToken;
        pages++;
      } while (nextToken && pages < 1000);
      return out;
    };
    const one = await readAll(1000, { runIds: [runId] });
    expect([...one].sort()).toEqual(written.map((f) => f.id).sort());
    for (const size of [1, 7, 50]) expect(await readAll(size, { runIds: [runId] })).toEqual(one);
    // Through the sharded severity#package index (legacy values included), filtered on severity.
    const high = written.filter((f) => f.severity === 'High').map((f) => f.id);
    const bySeverity = await readAll(9, { severities: ['High'], rulesPackages: ['security-best-practices'] });
    expect([...bySeverity].sort()).toEqual([...high].sort());
    expect(new Set(bySeverity).size).toBe(bySeverity.length);
    // A token that names no source of this query is refused, not followed.
    await expect(
      query.list(
        { runIds: [runId] },
        { maxResults: 5, nextToken: Buffer.from('{"s":999}').toString('base64url') },
      ),
    ).rejects.toThrow(/nextToken/);
  });

  it('describe-findings and add-attributes find a finding in whichever shard holds it', async () => {
    const query = new DynamoFindingsQuery(ddb.doc, tables.findings);
    const f = written[17]!;
    const got = await query.get({ runId, findingId: f.id });
    expect(got).toMatchObject({ id: f.id, runId, instanceId: f.instanceId });
    const legacy = await query.get({ runId, findingId: 'f-i-legacy-7' });
    expect(legacy).toMatchObject({ runId, instanceId: 'i-legacy' });
    expect(await query.get({ runId, findingId: 'f-none' })).toBeUndefined();
    const added = [...f.attributes, { key: 'ticket', value: 'SEC-1' }];
    expect(await query.replaceAttributes({ runId, findingId: f.id }, f.attributes, added)).toBe(true);
    expect((await query.get({ runId, findingId: f.id }))?.attributes).toEqual(added);
    // Optimistic: the old attributes no longer match.
    expect(await query.replaceAttributes({ runId, findingId: f.id }, f.attributes, added)).toBe(false);
    expect(await query.replaceAttributes({ runId, findingId: 'f-none' }, [], added)).toBe(false);
  });

  it('deleteByRun deletes every shard and the legacy partition', async () => {
    const store = new DynamoFindingStore(ddb.doc, tables.findings);
    expect(await store.deleteByRun(runId)).toBe(written.length);
    expect(await store.listByRun(runId)).toEqual([]);
    expect(await scanAll(tables.findings)).toEqual([]);
  });
});

describe('run instances over the shards', () => {
  it('put, get, update, list, summaries and deleteRun reach sharded and legacy instance items', async () => {
    const tables = await createTables(ddb.client, `shards${++seq}`);
    const store = new DynamoRunStore(ddb.doc, tables.runs);
    const runId = 'run-instances';
    const at = '2026-12-01T10:00:00.000Z';
    await store.createRun({
      runId,
      name: 'r',
      templateId: 'tpl',
      state: 'CREATED',
      stateHistory: [{ state: 'CREATED', at }],
      createdAt: at,
    } as unknown as StoredRun);
    const inst = (instanceId: string): RunInstance => ({
      runId,
      instanceId,
      agentHealth: 'HEALTHY',
      collection: 'PENDING',
      evaluation: 'PENDING',
      exclusions: [],
      updatedAt: at,
    });
    const ids = Array.from({ length: 30 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    await store.putInstances(ids.map(inst));
    // One instance of a run started before sharding: in the run's own partition.
    await ddb.doc.send(
      new PutCommand({ TableName: tables.runs, Item: { ...inst('i-legacy'), sk: 'INSTANCE#i-legacy' } }),
    );
    const listed = await store.listInstances(runId);
    expect(listed.map((i) => i.instanceId).sort()).toEqual([...ids, 'i-legacy'].sort());
    expect(listed.every((i) => i.runId === runId)).toBe(true);
    const raw = await scanAll(tables.runs);
    expect(raw.find((i) => i.sk === `INSTANCE#${ids[0]}`)?.runId).toBe(
      `${runId}#${shardOf(ids[0]!, RUN_SHARDS)}`,
    );
    await store.updateInstance(runId, ids[3]!, { collection: 'SUCCEEDED' });
    await store.updateInstance(runId, 'i-legacy', { collection: 'FAILED' });
    expect((await store.getInstance(runId, ids[3]!))?.collection).toBe('SUCCEEDED');
    expect(await store.getInstance(runId, 'i-legacy')).toMatchObject({ runId, collection: 'FAILED' });
    expect(await store.getInstance(runId, 'i-none')).toBeUndefined();
    await expect(store.updateInstance(runId, 'i-none', { collection: 'FAILED' })).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    const summaries = await new DynamoRunsReader(ddb.doc, tables.runs).instanceSummaries(runId);
    expect(summaries).toHaveLength(31);
    expect(summaries.every((i) => i.runId === runId)).toBe(true);
    expect((await store.getRun(runId))?.runId).toBe(runId);
    await store.deleteRun(runId);
    expect(await scanAll(tables.runs)).toEqual([]);
    expect(runPartitions(runId, RUN_SHARDS)).toHaveLength(RUN_SHARDS + 1);
  });
});
