/**
 * The throttling proxy (test/helpers/dynamo-throttle-proxy.ts) in front of a real DynamoDB Local: a hot key
 * is throttled, spread keys are not, batches come back partly processed, a throttled GSI partition refuses
 * the table write, reads are throttled per partition, and the counters say so. The proxy's clock is frozen,
 * so buckets never refill and every outcome is independent of timing.
 */
import { CreateTableCommand, DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  attributeSize,
  itemSize,
  startThrottleProxy,
  type ThrottleProxy,
} from '../../helpers/dynamo-throttle-proxy';
import {
  type DynamoDbLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
} from '../../helpers/dynamodb-local';

let ddb: DynamoDbLocal;
let proxy: ThrottleProxy;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let n = 0;
let table = '';

/** 10 write units and 12 read units per partition per second; buckets of one second; time stands still. */
const LIMITS = { writeUnitsPerSecond: 10, readUnitsPerSecond: 12, burstSeconds: 1, now: () => 0 };

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  proxy = await startThrottleProxy(ddb.endpoint, LIMITS);
  // No retries: every throttle is seen as DynamoDB sent it.
  client = new DynamoDBClient({
    endpoint: proxy.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  doc = DynamoDBDocumentClient.from(client);
}, 120_000);

afterAll(async () => {
  client?.destroy();
  await proxy?.stop();
  await ddb?.stop();
});

beforeEach(async () => {
  table = `throttle-${++n}`;
  await ddb.client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gpk', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byG',
          KeySchema: [
            { AttributeName: 'gpk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  proxy.reset();
});

async function stored(): Promise<number> {
  const out = await ddb.client.send(new ScanCommand({ TableName: table, Select: 'COUNT' }));
  return out.Count ?? 0;
}

const errorOf = (p: Promise<unknown>) =>
  p.then(() => undefined).catch((e: unknown) => e as Error & Record<string, unknown>);

describe('item sizes', () => {
  it('counts names and values in UTF-8 bytes as DynamoDB does', () => {
    expect(attributeSize({ S: 'héllo' })).toBe(6);
    expect(attributeSize({ BOOL: true })).toBe(1);
    expect(attributeSize({ N: '12345' })).toBe(4);
    expect(attributeSize({ L: [{ S: 'ab' }, { NULL: true }] })).toBe(3 + 3 + 2);
    expect(itemSize({ pk: { S: 'a' }, data: { S: 'x'.repeat(100) } })).toBe(2 + 1 + 4 + 100);
  });
});

describe('writes', () => {
  it('a hot partition key is throttled once its units are spent: PutItem gets ProvisionedThroughputExceededException', async () => {
    for (let i = 0; i < 10; i++) {
      await doc.send(new PutCommand({ TableName: table, Item: { pk: 'hot', sk: `s${i}` } }));
    }
    const err = await errorOf(doc.send(new PutCommand({ TableName: table, Item: { pk: 'hot', sk: 's10' } })));
    expect(err?.name).toBe('ProvisionedThroughputExceededException');
    expect(err?.$metadata).toMatchObject({ httpStatusCode: 400 });
    expect(err?.ThrottlingReasons).toEqual([
      { reason: 'TableWriteKeyRangeThroughputExceeded', resource: expect.stringContaining(`table/${table}`) },
    ]);
    expect(await stored()).toBe(10);
    const stats = proxy.stats()[table]!;
    expect(stats.requests.PutItem).toBe(11);
    expect(stats.throttledRequests).toBe(1);
    expect(stats.partitions[`${table}|{"S":"hot"}`]).toEqual({ writeUnits: 10, readUnits: 0, throttled: 1 });
  });

  it('the same writes spread over keys are not throttled', async () => {
    for (let i = 0; i < 40; i++) {
      await doc.send(new PutCommand({ TableName: table, Item: { pk: `k${i % 8}`, sk: `s${i}` } }));
    }
    expect(await stored()).toBe(40);
    expect(proxy.stats()[table]!.throttledRequests).toBe(0);
    expect(proxy.stats()[table]!.writeUnits).toBe(40);
  });

  it('an item of n KB costs n units', async () => {
    const big = 'x'.repeat(3 * 1024); // 3 KB and a few bytes: 4 units
    await doc.send(new PutCommand({ TableName: table, Item: { pk: 'p', sk: 'a', big } }));
    await doc.send(new PutCommand({ TableName: table, Item: { pk: 'p', sk: 'b', big } }));
    const err = await errorOf(
      doc.send(new PutCommand({ TableName: table, Item: { pk: 'p', sk: 'c', big } })),
    );
    expect(err?.name).toBe('ProvisionedThroughputExceededException');
    expect(proxy.stats()[table]!.partitions[`${table}|{"S":"p"}`]?.writeUnits).toBe(8);
    // Two units are left: a small item still fits.
    await doc.send(new PutCommand({ TableName: table, Item: { pk: 'p', sk: 'd' } }));
  });

  it('BatchWriteItem writes what fits and returns the rest in UnprocessedItems', async () => {
    const items = Array.from({ length: 25 }, (_, i) => ({
      PutRequest: { Item: { pk: i < 20 ? 'hot' : `cold${i}`, sk: `s${String(i).padStart(2, '0')}` } },
    }));
    const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: items } }));
    const unprocessed = out.UnprocessedItems?.[table] ?? [];
    // 10 of the 20 hot items fit; the 5 cold ones all do.
    expect(unprocessed).toHaveLength(10);
    expect(unprocessed.map((w) => w.PutRequest?.Item?.sk)).toEqual(
      Array.from({ length: 10 }, (_, i) => `s${String(i + 10).padStart(2, '0')}`),
    );
    expect(await stored()).toBe(15);
    expect(proxy.stats()[table]!.throttledItems).toBe(10);
    expect(proxy.stats()[table]!.throttledRequests).toBe(0);
  });

  it('BatchWriteItem fails whole only when none of its items could be written', async () => {
    for (let i = 0; i < 10; i++) {
      await doc.send(new PutCommand({ TableName: table, Item: { pk: 'hot', sk: `s${i}` } }));
    }
    const err = await errorOf(
      doc.send(
        new BatchWriteCommand({
          RequestItems: { [table]: [{ PutRequest: { Item: { pk: 'hot', sk: 'x' } } }] },
        }),
      ),
    );
    expect(err?.name).toBe('ProvisionedThroughputExceededException');
    expect(proxy.stats()[table]!.throttledRequests).toBe(1);
    expect(await stored()).toBe(10);
  });

  it('a throttled GSI partition refuses the table write (back pressure), with the index named', async () => {
    // Ten different table keys, one index key: the index partition is the hot one.
    for (let i = 0; i < 10; i++) {
      await doc.send(new PutCommand({ TableName: table, Item: { pk: `k${i}`, sk: 's', gpk: 'High#cve' } }));
    }
    const err = await errorOf(
      doc.send(new PutCommand({ TableName: table, Item: { pk: 'k10', sk: 's', gpk: 'High#cve' } })),
    );
    expect(err?.name).toBe('ProvisionedThroughputExceededException');
    expect(err?.ThrottlingReasons).toEqual([
      { reason: 'IndexWriteKeyRangeThroughputExceeded', resource: expect.stringContaining('/index/byG') },
    ]);
    expect(await stored()).toBe(10);
    expect(proxy.stats()[table]!.partitions['byG|{"S":"High#cve"}']).toEqual({
      writeUnits: 10,
      readUnits: 0,
      throttled: 1,
    });
    // An item without the index key does not touch the index.
    await doc.send(new PutCommand({ TableName: table, Item: { pk: 'k11', sk: 's' } }));
  });

  it('DeleteItem costs the size of the item it deletes, in its table and index partitions', async () => {
    await doc.send(
      new PutCommand({ TableName: table, Item: { pk: 'd', sk: 's', gpk: 'g', big: 'x'.repeat(2048) } }),
    );
    await doc.send(new DeleteCommand({ TableName: table, Key: { pk: 'd', sk: 's' } }));
    const parts = proxy.stats()[table]!.partitions;
    expect(parts[`${table}|{"S":"d"}`]?.writeUnits).toBe(6);
    expect(parts['byG|{"S":"g"}']?.writeUnits).toBe(6);
  });
});

describe('reads', () => {
  it('a partition whose read units are spent refuses GetItem and Query; others still answer', async () => {
    // 20 items of ~2 KB: a strongly consistent Query of them reads 40 KB = 10 units.
    const big = 'x'.repeat(2000);
    for (let i = 0; i < 20; i++) {
      await ddb.doc.send(
        new PutCommand({ TableName: table, Item: { pk: i < 20 ? 'r' : 'o', sk: `s${i}`, big } }),
      );
    }
    await ddb.doc.send(new PutCommand({ TableName: table, Item: { pk: 'other', sk: 's' } }));
    const q = () =>
      doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: '#p = :p',
          ExpressionAttributeNames: { '#p': 'pk' },
          ExpressionAttributeValues: { ':p': 'r' },
          ConsistentRead: true,
        }),
      );
    expect((await q()).Items).toHaveLength(20);
    // 2 units left: served (and the bucket goes into debt), then refused.
    expect((await q()).Items).toHaveLength(20);
    const err = await errorOf(q());
    expect(err?.name).toBe('ProvisionedThroughputExceededException');
    expect(err?.ThrottlingReasons).toEqual([
      { reason: 'TableReadKeyRangeThroughputExceeded', resource: expect.stringContaining(table) },
    ]);
    const get = await errorOf(doc.send(new GetCommand({ TableName: table, Key: { pk: 'r', sk: 's0' } })));
    expect(get?.name).toBe('ProvisionedThroughputExceededException');
    expect(
      (await doc.send(new GetCommand({ TableName: table, Key: { pk: 'other', sk: 's' } }))).Item,
    ).toBeDefined();
    // BatchGetItem: the hot partition's keys come back unprocessed, the others are read.
    const out = await doc.send(
      new BatchGetCommand({
        RequestItems: {
          [table]: {
            Keys: [
              { pk: 'r', sk: 's1' },
              { pk: 'other', sk: 's' },
            ],
          },
        },
      }),
    );
    expect(out.Responses?.[table]).toHaveLength(1);
    expect(out.UnprocessedKeys?.[table]?.Keys).toEqual([{ pk: 'r', sk: 's1' }]);
    const stats = proxy.stats()[table]!;
    expect(stats.partitions[`${table}|{"S":"r"}`]?.readUnits).toBe(20);
    expect(stats.throttledRequests).toBe(2);
    expect(stats.throttledItems).toBe(1);
  });

  it('a Query on an index is charged to the index partition', async () => {
    await ddb.doc.send(new PutCommand({ TableName: table, Item: { pk: 'a', sk: 's', gpk: 'G' } }));
    await doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'byG',
        KeyConditionExpression: 'gpk = :g',
        ExpressionAttributeValues: { ':g': 'G' },
      }),
    );
    expect(proxy.stats()[table]!.partitions['byG|{"S":"G"}']?.readUnits).toBe(0.5);
  });
});

describe('pass-through', () => {
  it('what it does not model reaches DynamoDB Local unchanged, errors included', async () => {
    const err = await errorOf(
      client.send(new PutItemCommand({ TableName: table, Item: { nokey: { S: 'x' } } })),
    );
    expect(err?.name).toBe('ValidationException');
    const scan = await client.send(new ScanCommand({ TableName: table }));
    expect(scan.Count).toBe(0);
    expect(proxy.stats()[table]!.requests.Scan).toBe(1);
  });
});
