/**
 * A throttling DynamoDB for the tests: an HTTP proxy in front of DynamoDB Local (which never throttles) that
 * enforces DynamoDB's per-partition limits the way DynamoDB does, and counts what every table and partition
 * was asked for.
 *
 * Model (documented in the README, "Testing at DynamoDB's partition limits"):
 * - A partition is a partition key value of a table or of a global secondary index (GSI). Each has a token
 *   bucket of write units (1,000/s) and one of read units (3,000/s), the per-partition maxima DynamoDB
 *   documents, both multiplied by `scale` (so a local run at lower absolute rates meets the same limits), and
 *   holding `burstSeconds` of them (default 1: on-demand tables serve a partition's limit, they do not bank
 *   it; DynamoDB's burst capacity of up to 300 s of unused provisioned throughput can be modelled with
 *   burstSeconds 300). Buckets start full.
 * - Writes: an item written costs ceil(size / 1 KB) units in its table partition and in the partition of
 *   every GSI whose key attributes it has (indexes here project ALL, so the same size). A write is refused
 *   unless every partition it touches has the units: a throttled GSI throttles the table write (back
 *   pressure), as DynamoDB does. UpdateItem and DeleteItem cost the size of the item they find (looked up
 *   in DynamoDB Local, not counted), at least 1 unit; their GSI partitions are the old item's.
 * - Reads: GetItem, BatchGetItem keys and Query are refused when their partition's bucket is empty; then they
 *   cost ceil(bytes returned / 4 KB) units, halved when not strongly consistent (the bucket may go into debt,
 *   so a large read is served and the next ones wait). Bytes returned, not read: a filter or projection makes
 *   the count lower than DynamoDB's.
 * - Refusals: a single-item call or a Query gets HTTP 400 ProvisionedThroughputExceededException with a
 *   ThrottlingReasons entry (TableWriteKeyRangeThroughputExceeded, IndexWriteKeyRangeThroughputExceeded,
 *   TableReadKeyRangeThroughputExceeded, IndexReadKeyRangeThroughputExceeded): what DynamoDB returns when one
 *   partition key value exceeds its limit, in both capacity modes. BatchWriteItem writes what it can and
 *   returns the rest in UnprocessedItems; BatchGetItem returns throttled keys in UnprocessedKeys; either fails
 *   whole with ProvisionedThroughputExceededException only when nothing could be done.
 * - Not modelled: Scan, TransactWriteItems and TransactGetItems are passed through uncharged (counted);
 *   table-level (account) limits; a Put that replaces an item whose old GSI key differs costs nothing in the
 *   old GSI partition.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';

interface DescribeTableOutput {
  Table?: {
    KeySchema?: Array<{ AttributeName?: string; KeyType?: string }>;
    GlobalSecondaryIndexes?: Array<{
      IndexName?: string;
      KeySchema?: Array<{ AttributeName?: string; KeyType?: string }>;
    }>;
  };
}

export const DYNAMODB_PARTITION_WCU = 1000;
export const DYNAMODB_PARTITION_RCU = 3000;

export interface ThrottleOptions {
  /** Multiplies both per-partition rates (default 1: DynamoDB's 1,000 WCU/s and 3,000 RCU/s). */
  scale?: number;
  /** Per-partition rates before scaling (defaults DYNAMODB_PARTITION_WCU and DYNAMODB_PARTITION_RCU). */
  writeUnitsPerSecond?: number;
  readUnitsPerSecond?: number;
  /** Seconds of rate a bucket holds (default 1). */
  burstSeconds?: number;
  /** Clock in milliseconds (tests freeze it to make throttling independent of timing). */
  now?: () => number;
}

export interface PartitionStats {
  writeUnits: number;
  readUnits: number;
  /** Writes (items) and reads (calls or keys) refused. */
  throttled: number;
}

export interface TableStats {
  /** Calls per operation (X-Amz-Target's operation). */
  requests: Record<string, number>;
  /** Calls refused whole (HTTP 400). */
  throttledRequests: number;
  /** Items or keys of batch calls returned unprocessed, plus items of refused single-item calls. */
  throttledItems: number;
  writeUnits: number;
  readUnits: number;
  /** By partition: '<table or index name>|<partition key value as JSON>'. */
  partitions: Record<string, PartitionStats>;
}

export interface ThrottleProxy {
  endpoint: string;
  stats(): Record<string, TableStats>;
  /** Totals over every table. */
  totals(): { requests: number; throttledRequests: number; throttledItems: number; writeUnits: number };
  reset(): void;
  stop(): Promise<void>;
}

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

interface KeySchema {
  pk: string;
  sk?: string;
}
interface TableSchema {
  table: KeySchema;
  indexes: Array<KeySchema & { name: string }>;
}

/** DynamoDB's size of an attribute value (name lengths and values in UTF-8 bytes). */
export function attributeSize(v: AttributeValue): number {
  const [type, value] = Object.entries(v)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(value), 'utf8');
    case 'N':
      return Math.ceil(String(value).replace(/^-/, '').length / 2) + 1;
    case 'B':
      return Buffer.from(String(value), 'base64').byteLength;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (value as string[]).reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0);
    case 'NS':
      return (value as string[]).reduce((n, s) => n + Math.ceil(s.length / 2) + 1, 0);
    case 'BS':
      return (value as string[]).reduce((n, s) => n + Buffer.from(s, 'base64').byteLength, 0);
    case 'L':
      return 3 + (value as AttributeValue[]).reduce((n, x) => n + 1 + attributeSize(x), 0);
    case 'M':
      return 3 + itemSize(value as Item) + Object.keys(value as Item).length;
    default:
      return 0;
  }
}

export function itemSize(item: Item): number {
  let n = 0;
  for (const [k, v] of Object.entries(item)) n += Buffer.byteLength(k, 'utf8') + attributeSize(v);
  return n;
}

function push<T>(map: Record<string, T[]>, key: string, value: T): void {
  const list = map[key];
  if (list) list.push(value);
  else map[key] = [value];
}

function pushKey<S extends { Keys: Item[] }>(
  map: Record<string, S>,
  table: string,
  spec: S,
  key: Item,
): void {
  const entry = map[table];
  if (entry) entry.Keys.push(key);
  else map[table] = { ...spec, Keys: [key] };
}

interface Bucket {
  tokens: number;
  last: number;
}

interface Charge {
  /** Partition label and the units it is charged. */
  partitions: Array<{ label: string; index?: string; units: number }>;
}

export async function startThrottleProxy(
  upstream: string,
  opts: ThrottleOptions = {},
): Promise<ThrottleProxy> {
  const scale = opts.scale ?? 1;
  const wRate = (opts.writeUnitsPerSecond ?? DYNAMODB_PARTITION_WCU) * scale;
  const rRate = (opts.readUnitsPerSecond ?? DYNAMODB_PARTITION_RCU) * scale;
  const burst = opts.burstSeconds ?? 1;
  const now = opts.now ?? (() => Date.now());
  if (!(wRate > 0 && rRate > 0 && burst > 0)) throw new Error('throttle proxy: rates and burst must be > 0');
  const up = new URL(upstream);
  const schemas = new Map<string, Promise<TableSchema>>();
  const writeBuckets = new Map<string, Bucket>();
  const readBuckets = new Map<string, Bucket>();
  let stats: Record<string, TableStats> = {};

  /**
   * DynamoDB Local keeps one database per access key and region: the proxy's own calls (DescribeTable, the
   * lookups of UpdateItem/DeleteItem) carry the credential scope of the request they serve.
   */
  const schemaOf = (scope: string, table: string): Promise<TableSchema> => {
    let s = schemas.get(`${scope}\n${table}`);
    if (!s) {
      s = (upstreamJson(scope, 'DescribeTable', { TableName: table }) as Promise<DescribeTableOutput>).then(
        (out) => {
          const keys = (ks: Array<{ AttributeName?: string; KeyType?: string }> | undefined): KeySchema => {
            const pk = ks?.find((k) => k.KeyType === 'HASH')?.AttributeName;
            const sk = ks?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
            if (!pk) throw new Error(`throttle proxy: no partition key for ${table}`);
            return sk ? { pk, sk } : { pk };
          };
          return {
            table: keys(out.Table?.KeySchema),
            indexes: (out.Table?.GlobalSecondaryIndexes ?? []).map((g) => ({
              name: g.IndexName ?? '',
              ...keys(g.KeySchema),
            })),
          };
        },
      );
      s.catch(() => schemas.delete(`${scope}\n${table}`));
      schemas.set(`${scope}\n${table}`, s);
    }
    return s;
  };

  const tableStats = (table: string): TableStats => {
    let t = stats[table];
    if (!t) {
      t = {
        requests: {},
        throttledRequests: 0,
        throttledItems: 0,
        writeUnits: 0,
        readUnits: 0,
        partitions: {},
      };
      stats[table] = t;
    }
    return t;
  };
  const partStats = (table: string, label: string): PartitionStats => {
    const t = tableStats(table);
    let p = t.partitions[label];
    if (!p) {
      p = { writeUnits: 0, readUnits: 0, throttled: 0 };
      t.partitions[label] = p;
    }
    return p;
  };

  const bucket = (map: Map<string, Bucket>, key: string, rate: number): Bucket => {
    let b = map.get(key);
    const t = now();
    if (!b) {
      b = { tokens: rate * burst, last: t };
      map.set(key, b);
    }
    b.tokens = Math.min(rate * burst, b.tokens + ((t - b.last) / 1000) * rate);
    b.last = t;
    return b;
  };

  const label = (name: string, v: AttributeValue | undefined) => `${name}|${JSON.stringify(v ?? null)}`;

  /** The partitions an item occupies: the table's, and each GSI whose key attributes it has. */
  const writeCharge = (table: string, schema: TableSchema, item: Item, units: number): Charge => {
    const partitions: Charge['partitions'] = [{ label: label(table, item[schema.table.pk]), units }];
    for (const g of schema.indexes) {
      if (item[g.pk] === undefined || (g.sk && item[g.sk] === undefined)) continue;
      partitions.push({ label: label(g.name, item[g.pk]), index: g.name, units });
    }
    return { partitions };
  };

  /** Admits the write if every partition has the units (and takes them), or names the one that has not. */
  const admitWrite = (table: string, charge: Charge): { ok: true } | { ok: false; index?: string } => {
    for (const p of charge.partitions) {
      const b = bucket(writeBuckets, `${table}|${p.label}`, wRate);
      if (b.tokens < p.units) {
        partStats(table, p.label).throttled++;
        return p.index ? { ok: false, index: p.index } : { ok: false };
      }
    }
    for (const p of charge.partitions) {
      bucket(writeBuckets, `${table}|${p.label}`, wRate).tokens -= p.units;
      partStats(table, p.label).writeUnits += p.units;
      tableStats(table).writeUnits += p.units;
    }
    return { ok: true };
  };

  const readOpen = (table: string, lbl: string): boolean => {
    if (bucket(readBuckets, `${table}|${lbl}`, rRate).tokens > 0) return true;
    partStats(table, lbl).throttled++;
    return false;
  };
  const chargeRead = (table: string, lbl: string, bytes: number, consistent: boolean) => {
    const units = Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
    bucket(readBuckets, `${table}|${lbl}`, rRate).tokens -= units;
    partStats(table, lbl).readUnits += units;
    tableStats(table).readUnits += units;
  };

  /** Existing items by key, read from DynamoDB Local directly (not counted, not throttled). */
  const lookup = async (scope: string, table: string, keys: Item[]): Promise<Array<Item | undefined>> => {
    const schema = await schemaOf(scope, table);
    const found = new Map<string, Item>();
    const id = (k: Item) => JSON.stringify([k[schema.table.pk], schema.table.sk ? k[schema.table.sk] : null]);
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Item[] = keys.slice(i, i + 100).map((k) => {
        const key: Item = { [schema.table.pk]: k[schema.table.pk] as AttributeValue };
        if (schema.table.sk) key[schema.table.sk] = k[schema.table.sk] as AttributeValue;
        return key;
      });
      // A batch may not name one key twice.
      pending = [...new Map(pending.map((k) => [id(k), k])).values()];
      while (pending.length > 0) {
        const out = (await upstreamJson(scope, 'BatchGetItem', {
          RequestItems: { [table]: { Keys: pending } },
        })) as {
          Responses?: Record<string, Item[]>;
          UnprocessedKeys?: Record<string, { Keys: Item[] }>;
        };
        for (const item of out.Responses?.[table] ?? []) found.set(id(item), item);
        pending = out.UnprocessedKeys?.[table]?.Keys ?? [];
      }
    }
    return keys.map((k) => found.get(id(k)));
  };

  const upstreamJson = async (scope: string, op: string, body: unknown): Promise<unknown> => {
    const res = await forward(
      {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${op}`,
        authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host, Signature=0`,
        'x-amz-date': '20260101T000000Z',
      },
      Buffer.from(JSON.stringify(body)),
    );
    const parsed = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`throttle proxy: upstream ${op}: ${res.body.toString('utf8')}`);
    return parsed;
  };

  const forward = (
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const h: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(headers)) {
        if (v === undefined || k === 'host' || k === 'content-length' || k === 'connection') continue;
        h[k] = v;
      }
      h['content-length'] = String(body.byteLength);
      h.host = up.host;
      const req = request(
        { hostname: up.hostname, port: up.port, path: '/', method: 'POST', headers: h },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const send = (res: ServerResponse, status: number, body: Buffer, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': `throttle-proxy-${Math.random().toString(36).slice(2)}`,
      'x-amz-crc32': String(crc32(body)),
      'content-length': String(body.byteLength),
      ...headers,
    });
    res.end(body);
  };
  const sendJson = (res: ServerResponse, value: unknown) =>
    send(res, 200, Buffer.from(JSON.stringify(value)));
  const throttleError = (res: ServerResponse, table: string, kind: 'Write' | 'Read', index?: string) => {
    const resource = `arn:aws:dynamodb:us-east-1:000000000000:table/${table}${index ? `/index/${index}` : ''}`;
    send(
      res,
      400,
      Buffer.from(
        JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: `Throughput exceeds the current capacity for one or more partitions of ${index ? `index ${index} of ` : ''}table ${table}.`,
          ThrottlingReasons: [
            { reason: `${index ? 'Index' : 'Table'}${kind}KeyRangeThroughputExceeded`, resource },
          ],
        }),
      ),
    );
  };
  const passThrough = async (res: ServerResponse, req: IncomingMessage, body: Buffer) => {
    const out = await forward(req.headers, body);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(out.headers)) {
      if (v === undefined || k === 'content-length' || k === 'connection' || k === 'transfer-encoding')
        continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    res.writeHead(out.status, { ...headers, 'content-length': String(out.body.byteLength) });
    res.end(out.body);
    return out;
  };

  /** The partition key value a Query's KeyConditionExpression names (`#n = :v` or `name = :v`). */
  const queryPartition = (input: Record<string, unknown>, pk: string): AttributeValue | undefined => {
    const expr = String(input.KeyConditionExpression ?? '');
    const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
    for (const m of expr.matchAll(/([#A-Za-z0-9_.-]+)\s*=\s*(:[A-Za-z0-9_]+)/g)) {
      const name = m[1]!.startsWith('#') ? names[m[1]!] : m[1];
      if (name === pk) return values[m[2]!];
    }
    return undefined;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const target = String(req.headers['x-amz-target'] ?? '');
    // 'AKID/date/region/dynamodb/aws4_request' of the request's signature.
    const scope =
      /Credential=([^,\s]+)/.exec(String(req.headers.authorization ?? ''))?.[1] ??
      'local/20260101/us-east-1/dynamodb/aws4_request';
    const op = target.slice(target.indexOf('.') + 1);
    let input: Record<string, unknown> = {};
    try {
      input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      await passThrough(res, req, body); // DynamoDB Local answers the malformed request
      return;
    }
    const count = (table: string) => {
      const t = tableStats(table);
      t.requests[op] = (t.requests[op] ?? 0) + 1;
    };
    switch (op) {
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem': {
        const table = String(input.TableName);
        count(table);
        const schema = await schemaOf(scope, table);
        let item: Item;
        let size: number;
        if (op === 'PutItem') {
          item = input.Item as Item;
          size = itemSize(item);
        } else {
          const [old] = await lookup(scope, table, [input.Key as Item]);
          item = old ?? (input.Key as Item);
          size = old ? itemSize(old) : 0;
        }
        const admitted = admitWrite(
          table,
          writeCharge(table, schema, item, Math.max(1, Math.ceil(size / 1024))),
        );
        if (!admitted.ok) {
          tableStats(table).throttledRequests++;
          tableStats(table).throttledItems++;
          throttleError(res, table, 'Write', admitted.index);
          return;
        }
        await passThrough(res, req, body);
        return;
      }
      case 'BatchWriteItem': {
        const requestItems = (input.RequestItems ?? {}) as Record<
          string,
          Array<{ PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }>
        >;
        const admitted: typeof requestItems = {};
        const unprocessed: typeof requestItems = {};
        let anyAdmitted = false;
        let firstThrottled: { table: string; index?: string } | undefined;
        for (const [table, writes] of Object.entries(requestItems)) {
          count(table);
          const schema = await schemaOf(scope, table);
          const olds = await lookup(
            scope,
            table,
            writes.filter((w) => w.DeleteRequest).map((w) => w.DeleteRequest!.Key),
          );
          let d = 0;
          for (const w of writes) {
            let item: Item;
            let size: number;
            if (w.PutRequest) {
              item = w.PutRequest.Item;
              size = itemSize(item);
            } else {
              const old = olds[d++];
              item = old ?? w.DeleteRequest!.Key;
              size = old ? itemSize(old) : 0;
            }
            const ok = admitWrite(
              table,
              writeCharge(table, schema, item, Math.max(1, Math.ceil(size / 1024))),
            );
            if (ok.ok) {
              push(admitted, table, w);
              anyAdmitted = true;
            } else {
              push(unprocessed, table, w);
              tableStats(table).throttledItems++;
              firstThrottled ??= { table, ...(ok.index ? { index: ok.index } : {}) };
            }
          }
        }
        if (!anyAdmitted && firstThrottled) {
          tableStats(firstThrottled.table).throttledRequests++;
          throttleError(res, firstThrottled.table, 'Write', firstThrottled.index);
          return;
        }
        if (!firstThrottled) {
          await passThrough(res, req, body);
          return;
        }
        const out = await forward(
          req.headers,
          Buffer.from(JSON.stringify({ ...input, RequestItems: admitted })),
        );
        if (out.status !== 200) {
          send(res, out.status, out.body);
          return;
        }
        const parsed = JSON.parse(out.body.toString('utf8')) as { UnprocessedItems?: typeof requestItems };
        const merged = { ...(parsed.UnprocessedItems ?? {}) };
        for (const [table, ws] of Object.entries(unprocessed))
          merged[table] = [...(merged[table] ?? []), ...ws];
        sendJson(res, { ...parsed, UnprocessedItems: merged });
        return;
      }
      case 'GetItem': {
        const table = String(input.TableName);
        count(table);
        const schema = await schemaOf(scope, table);
        const lbl = label(table, (input.Key as Item)[schema.table.pk]);
        if (!readOpen(table, lbl)) {
          tableStats(table).throttledRequests++;
          throttleError(res, table, 'Read');
          return;
        }
        const out = await passThrough(res, req, body);
        if (out.status === 200) {
          const item = (JSON.parse(out.body.toString('utf8')) as { Item?: Item }).Item;
          chargeRead(table, lbl, item ? itemSize(item) : 0, input.ConsistentRead === true);
        }
        return;
      }
      case 'BatchGetItem': {
        const requestItems = (input.RequestItems ?? {}) as Record<
          string,
          { Keys: Item[]; ConsistentRead?: boolean }
        >;
        const admitted: typeof requestItems = {};
        const unprocessed: typeof requestItems = {};
        let anyAdmitted = false;
        let firstThrottled: string | undefined;
        for (const [table, spec] of Object.entries(requestItems)) {
          count(table);
          const schema = await schemaOf(scope, table);
          for (const key of spec.Keys) {
            if (readOpen(table, label(table, key[schema.table.pk]))) {
              pushKey(admitted, table, spec, key);
              anyAdmitted = true;
            } else {
              pushKey(unprocessed, table, spec, key);
              tableStats(table).throttledItems++;
              firstThrottled ??= table;
            }
          }
        }
        if (!anyAdmitted && firstThrottled) {
          tableStats(firstThrottled).throttledRequests++;
          throttleError(res, firstThrottled, 'Read');
          return;
        }
        const out = await forward(
          req.headers,
          Buffer.from(JSON.stringify({ ...input, RequestItems: admitted })),
        );
        if (out.status !== 200) {
          send(res, out.status, out.body);
          return;
        }
        const parsed = JSON.parse(out.body.toString('utf8')) as {
          Responses?: Record<string, Item[]>;
          UnprocessedKeys?: typeof requestItems;
        };
        for (const [table, items] of Object.entries(parsed.Responses ?? {})) {
          const schema = await schemaOf(scope, table);
          for (const item of items) {
            chargeRead(
              table,
              label(table, item[schema.table.pk]),
              itemSize(item),
              requestItems[table]?.ConsistentRead === true,
            );
          }
        }
        const merged = { ...(parsed.UnprocessedKeys ?? {}) };
        for (const [table, spec] of Object.entries(unprocessed)) {
          merged[table] = { ...spec, Keys: [...(merged[table]?.Keys ?? []), ...spec.Keys] };
        }
        sendJson(res, { ...parsed, UnprocessedKeys: merged });
        return;
      }
      case 'Query': {
        const table = String(input.TableName);
        count(table);
        const schema = await schemaOf(scope, table);
        const index = input.IndexName ? schema.indexes.find((g) => g.name === input.IndexName) : undefined;
        const pk = index ? index.pk : schema.table.pk;
        const lbl = label(index ? index.name : table, queryPartition(input, pk));
        if (!readOpen(table, lbl)) {
          tableStats(table).throttledRequests++;
          throttleError(res, table, 'Read', index?.name);
          return;
        }
        const out = await passThrough(res, req, body);
        if (out.status === 200) {
          const items = (JSON.parse(out.body.toString('utf8')) as { Items?: Item[] }).Items ?? [];
          const bytes = items.reduce((n, i) => n + itemSize(i), 0);
          chargeRead(table, lbl, bytes, input.ConsistentRead === true);
        }
        return;
      }
      default: {
        if (typeof input.TableName === 'string') count(input.TableName);
        else count('(account)');
        await passThrough(res, req, body);
      }
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A fault of the proxy itself: a 500 the SDK reports (and retries), never a silent success.
      if (!res.headersSent) {
        send(
          res,
          500,
          Buffer.from(
            JSON.stringify({
              __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
              message: `throttle proxy: ${(err as Error).message}`,
            }),
          ),
        );
      } else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats: () => stats,
    totals() {
      let requests = 0;
      let throttledRequests = 0;
      let throttledItems = 0;
      let writeUnits = 0;
      for (const t of Object.values(stats)) {
        requests += Object.values(t.requests).reduce((a, b) => a + b, 0);
        throttledRequests += t.throttledRequests;
        throttledItems += t.throttledItems;
        writeUnits += t.writeUnits;
      }
      return { requests, throttledRequests, throttledItems, writeUnits };
    },
    reset() {
      stats = {};
      writeBuckets.clear();
      readBuckets.clear();
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
