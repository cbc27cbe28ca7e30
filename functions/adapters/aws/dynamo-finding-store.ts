/**
 * FindingStore over the findings table: key (runId = '<runId>#<shard of the instance>', findingId), see
 * table-design.ts and run-shards.ts; deterministic ids make writes idempotent. Reads of a run read every
 * shard (and the legacy unsharded partition) in a fixed order.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { storedSize } from '../../core/finding-limits';
import type { Finding } from '../../core/model';
import { type FindingStore, FindingTooLargeError } from '../../ports/finding-store';
import { type BatchWriter, batchWriteAll, batchWriter, type WritePacing } from './dynamo-batch';
import {
  instancePartition,
  layoutOf,
  orderedPartitionPages,
  type PartitionPage,
  runIdOfPartition,
  runPartitions,
  type ShardLayout,
  shardOf,
} from './run-shards';
import { RUN_SHARDS, TABLES } from './table-design';

const T = TABLES.findings;

/** bySeverityPackage's partition value of a finding: '<severity>#<rulesPackage>#<shard>'. */
export function severityPackageKey(severity: string, rulesPackage: string, shard: number): string {
  return `${severity}#${rulesPackage}#${shard}`;
}

/** The item of a finding: sharded by its instance (RUN_SHARDS, or `shards` for tests and the bench). */
export function findingItem(f: Finding, shards = RUN_SHARDS): Record<string, unknown> {
  const shard = shardOf(f.instanceId, shards);
  return {
    ...f,
    [T.partitionKey]: instancePartition(f.runId, f.instanceId, shards),
    [T.sortKey]: f.id,
    [T.indexes.bySeverityPackage.partitionKey]: severityPackageKey(f.severity, f.rulesPackage, shard),
  };
}

/** A finding from its item (sharded or legacy): the run id without the shard, the helper keys dropped. */
export function findingFromItem(item: Record<string, unknown>): Finding {
  const { [T.sortKey]: findingId, [T.indexes.bySeverityPackage.partitionKey]: _sp, ...rest } = item;
  return {
    ...(rest as unknown as Finding), // items written by putFindings
    runId: runIdOfPartition(String(rest[T.partitionKey])),
    id: (rest.id as string | undefined) ?? String(findingId),
  };
}

export interface FindingStoreOptions {
  /** Items estimated larger than this are refused before anything is written. */
  maxItemBytes?: number;
  /** Shards and read fan-out (defaults: RUN_SHARDS, READ_CONCURRENCY). */
  layout?: Partial<ShardLayout>;
  /** Write rate, concurrency and retries of putFindings and deleteByRun (defaults: WRITE_DEFAULTS). */
  pacing?: Partial<WritePacing>;
}

/**
 * DynamoDB's item size limit: 400 KB, attribute names and values included (the global secondary indexes
 * project ALL, so their items are as large). Counted in binary kilobytes, as DynamoDB does.
 */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;

export class DynamoFindingStore implements FindingStore {
  private readonly maxItemBytes: number;
  private readonly layout: ShardLayout;
  private readonly writer: BatchWriter;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    opts: FindingStoreOptions = {},
  ) {
    this.maxItemBytes = opts.maxItemBytes ?? DYNAMODB_MAX_ITEM_BYTES;
    this.layout = layoutOf(opts.layout);
    this.writer = batchWriter(opts.pacing);
  }

  /**
   * Every item's size is estimated first (storedSize: DynamoDB's rules over the item as marshalled, never
   * below the real size); one over the limit throws FindingTooLargeError before any write, so an instance's
   * findings are stored whole or not at all (BatchWriteItem would refuse the whole batch of 25 it is in, and
   * the batches before it would already be written).
   */
  async putFindings(findings: readonly Finding[]): Promise<void> {
    // One item per (run, id): a batch may not name the same key twice.
    const unique = new Map<string, Finding>();
    for (const f of findings) unique.set(`${f.runId}\n${f.id}`, f);
    const items: Array<Record<string, unknown>> = [];
    let first: { f: Finding; size: number } | undefined;
    let oversized = 0;
    for (const f of unique.values()) {
      const item = findingItem(f, this.layout.shards);
      const size = storedSize(item);
      if (size > this.maxItemBytes) {
        oversized++;
        first ??= { f, size };
      }
      items.push(item);
    }
    if (first) {
      throw new FindingTooLargeError({
        findingId: first.f.id,
        ruleId: first.f.ruleId,
        instanceId: first.f.instanceId,
        runId: first.f.runId,
        sizeBytes: first.size,
        limitBytes: this.maxItemBytes,
        oversized,
        total: unique.size,
      });
    }
    await batchWriteAll(
      this.doc,
      this.table,
      items.map((Item) => ({ PutRequest: { Item } })),
      this.writer,
    );
  }

  async listByRun(runId: string): Promise<Finding[]> {
    return (await this.query(runId)).map(findingFromItem);
  }

  /** Queries over the run's partitions (ConsistentRead), filtered on rulesPackage; a page per 1 MB read. */
  async *pagesByRunPackage(runId: string, rulesPackage: string): AsyncIterable<Finding[]> {
    for await (const items of this.pages(runId, { rulesPackage, consistent: true })) {
      if (items.length) yield items.map(findingFromItem);
    }
  }

  /** Every finding of the run, a page (one Query, up to 1 MB) at a time, shard by shard. */
  async *pagesByRun(runId: string): AsyncIterable<Finding[]> {
    for await (const items of this.pages(runId, {})) {
      if (items.length) yield items.map(findingFromItem);
    }
  }

  async deleteByRun(runId: string): Promise<number> {
    const keys = await this.query(runId, `#pk, #sk`);
    await batchWriteAll(
      this.doc,
      this.table,
      keys.map((k) => ({
        DeleteRequest: { Key: { [T.partitionKey]: k[T.partitionKey], [T.sortKey]: k[T.sortKey] } },
      })),
      this.writer,
    );
    return keys.length;
  }

  private async query(runId: string, projection?: string): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    for await (const page of this.pages(runId, projection ? { projection } : {})) items.push(...page);
    return items;
  }

  /**
   * The run's partitions (legacy, then shard 0 … N-1), page by page (each Query reads up to 1 MB), with
   * READ_CONCURRENCY partitions' first pages read ahead in parallel.
   */
  private pages(
    runId: string,
    opts: { projection?: string; rulesPackage?: string; consistent?: boolean },
  ): AsyncIterable<Array<Record<string, unknown>>> {
    const names: Record<string, string> = { '#pk': T.partitionKey };
    if (opts.projection) names['#sk'] = T.sortKey;
    if (opts.rulesPackage !== undefined) names['#pkg'] = 'rulesPackage';
    const fetchPage = async (
      partition: string,
      start: Record<string, unknown> | undefined,
    ): Promise<PartitionPage<Record<string, unknown>>> => {
      const values: Record<string, unknown> = { ':run': partition };
      if (opts.rulesPackage !== undefined) values[':pkg'] = opts.rulesPackage;
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :run',
          ...(opts.rulesPackage !== undefined ? { FilterExpression: '#pkg = :pkg' } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ProjectionExpression: opts.projection,
          ...(opts.consistent ? { ConsistentRead: true } : {}),
          ExclusiveStartKey: start,
        }),
      );
      return { items: out.Items ?? [], ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}) };
    };
    return orderedPartitionPages(
      runPartitions(runId, this.layout.shards),
      fetchPage,
      this.layout.readConcurrency,
    );
  }
}
