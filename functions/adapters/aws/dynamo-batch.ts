/**
 * BatchWriteItem in chunks of 25 at a bounded write rate and concurrency, retrying what DynamoDB leaves
 * unprocessed (or a call it throttles whole) with exponential backoff and full jitter, a bounded number of
 * times, ending in UnprocessedItemsError naming what was not written. Nothing is dropped silently.
 *
 * The rate is counted in write units as DynamoDB bills them for the base table (ceil(item size / 1 KB) per
 * put, 1 per delete) by a token bucket shared by every write of one writer (one Lambda's store), so one
 * writer alone cannot exceed DynamoDB's ~1,000 WCU/s per partition: see WRITE_DEFAULTS.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { storedSize } from '../../core/finding-limits';
import { mapLimit } from '../../core/run-lifecycle/map-limit';
import { isTransientAwsError } from './transient-errors';

export type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Record<string, unknown> } };

export interface WritePacing {
  /** Write units per second one writer may send (token bucket, 1 s of burst). */
  writeUnitsPerSecond: number;
  /** BatchWriteItem calls in flight per writer. */
  concurrency: number;
  /** Calls per chunk before UnprocessedItemsError (the first one included). */
  maxAttempts: number;
  /** Backoff before retry n (n ≥ 1): random in [0, min(maxDelayMs, baseDelayMs · 2^n)) ("full jitter"). */
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Defaults, and why: 400 WCU/s keeps one writer under half a partition's 1,000 WCU/s (two writers whose
 * instances hash to the same shard still fit); an instance's 500 findings of ~1 KB take ~1.3 s. 4 calls in
 * flight are 100 items. 10 attempts with 50 ms doubling to a 5 s cap wait ~15 s at most in total (~8 s on
 * average): longer than DynamoDB needs to split or refill a partition, short against a Lambda's timeout.
 * Overridden by DYNAMO_WRITE_PACING_JSON (environment.ts), e.g. {"writeUnitsPerSecond": 200}.
 */
export const WRITE_DEFAULTS: WritePacing = {
  writeUnitsPerSecond: 400,
  concurrency: 4,
  maxAttempts: 10,
  baseDelayMs: 50,
  maxDelayMs: 5000,
};

/** Validated pacing from partial settings (JSON of the environment, a test's options). */
export function writePacing(opts: Partial<WritePacing> = {}): WritePacing {
  const p = { ...WRITE_DEFAULTS, ...opts };
  for (const [k, v] of Object.entries(p)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
      throw new Error(`write pacing: ${k} must be a positive number, not ${JSON.stringify(v)}`);
  }
  if (!Number.isInteger(p.concurrency) || !Number.isInteger(p.maxAttempts))
    throw new Error('write pacing: concurrency and maxAttempts must be integers');
  return p;
}

/** Parses DYNAMO_WRITE_PACING_JSON; undefined or empty → the defaults. A malformed value is an error. */
export function writePacingFromJson(json: string | undefined): WritePacing {
  if (!json) return writePacing();
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('DYNAMO_WRITE_PACING_JSON is not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new Error('DYNAMO_WRITE_PACING_JSON must be a JSON object');
  const known = new Set(Object.keys(WRITE_DEFAULTS));
  for (const k of Object.keys(value)) {
    if (!known.has(k)) throw new Error(`DYNAMO_WRITE_PACING_JSON: unknown setting ${k}`);
  }
  return writePacing(value as Partial<WritePacing>);
}

export class UnprocessedItemsError extends Error {
  override readonly name = 'UnprocessedItemsError';
  constructor(
    readonly table: string,
    readonly unprocessed: number,
    readonly attempts: number,
    readonly lastError?: unknown,
  ) {
    super(
      `BatchWriteItem on ${table}: ${unprocessed} items still not written after ${attempts} attempts` +
        (lastError
          ? ` (last: ${(lastError as Error).name ?? 'error'}: ${(lastError as Error).message})`
          : ''),
    );
  }
}

/** A token bucket in write units; acquisitions are served in order. */
export class WriteRateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly unitsPerSecond: number,
    private readonly now: () => number = () => Date.now(),
    private readonly sleep: (ms: number) => Promise<void> = defaultSleep,
  ) {
    this.tokens = unitsPerSecond;
    this.last = now();
  }

  /** Waits until `units` may be sent. More than one second's worth waits for a full bucket, then goes. */
  acquire(units: number): Promise<void> {
    const turn = this.queue.then(async () => {
      const need = Math.min(units, this.unitsPerSecond);
      for (;;) {
        const t = this.now();
        this.tokens = Math.min(
          this.unitsPerSecond,
          this.tokens + ((t - this.last) / 1000) * this.unitsPerSecond,
        );
        this.last = t;
        if (this.tokens >= need) break;
        await this.sleep(Math.ceil(((need - this.tokens) / this.unitsPerSecond) * 1000));
      }
      this.tokens -= units;
    });
    this.queue = turn.catch(() => {});
    return turn;
  }
}

/** Write units of one request as DynamoDB bills the base table. */
export function writeUnits(r: WriteRequest): number {
  return 'PutRequest' in r ? Math.max(1, Math.ceil(storedSize(r.PutRequest.Item) / 1024)) : 1;
}

export interface BatchWriter {
  pacing: WritePacing;
  limiter: WriteRateLimiter;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export function batchWriter(opts: Partial<WritePacing> = {}): BatchWriter {
  const pacing = writePacing(opts);
  return { pacing, limiter: new WriteRateLimiter(pacing.writeUnitsPerSecond) };
}

export async function batchWriteAll(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  writer: BatchWriter = batchWriter(),
): Promise<void> {
  const { pacing, limiter } = writer;
  const sleep = writer.sleep ?? defaultSleep;
  const random = writer.random ?? Math.random;
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
  await mapLimit(chunks, pacing.concurrency, async (chunk) => {
    let pending: WriteRequest[] = chunk;
    let lastError: unknown;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= pacing.maxAttempts)
        throw new UnprocessedItemsError(table, pending.length, attempt, lastError);
      if (attempt > 0) await sleep(random() * Math.min(pacing.maxDelayMs, pacing.baseDelayMs * 2 ** attempt));
      await limiter.acquire(pending.reduce((n, r) => n + writeUnits(r), 0));
      try {
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        // lib-dynamodb returns unprocessed items in the same (native JS) shape as the request.
        pending = (out.UnprocessedItems?.[table] ?? []) as WriteRequest[];
        lastError = undefined;
      } catch (err) {
        // A call throttled whole (no item could be written) or a transient fault, once the client's own
        // retries are spent: every pending item is retried here. Anything else fails now.
        if (!isTransientAwsError(err)) throw err;
        lastError = err;
      }
    }
  });
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const sleep = defaultSleep;
