/**
 * RunStore over the runs table (table-design.ts): the run under (runId, 'RUN'); each instance under
 * ('<runId>#<shard of the instance>', 'INSTANCE#<id>') so a run's instance writes spread over RUN_SHARDS
 * partitions (run-shards.ts). Instance items written before sharding (runId = the bare run id) are still
 * read, updated and deleted.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { RUN_STATES, type RunState, TERMINAL_RUN_STATES } from '../../core/run';
import type { DeliveryFailure, RunInstance, StopAction, StoredRun } from '../../core/run-lifecycle/model';
import type { RunStore, TransitionOptions } from '../../ports/run-store';
import { type BatchWriter, batchWriteAll, batchWriter, type WritePacing } from './dynamo-batch';
import { isConditionalCheckFailed, unlessConditionFails } from './dynamo-items';
import {
  allPartitionItems,
  instancePartition,
  layoutOf,
  type PartitionPage,
  runIdOfPartition,
  runPartitions,
  type ShardLayout,
} from './run-shards';
import { TABLES } from './table-design';

export const RUN_SK = 'RUN';
export const INSTANCE_PREFIX = 'INSTANCE#';
const T = TABLES.runs;

export interface RunStoreOptions {
  /** Shards and read fan-out (defaults: RUN_SHARDS, READ_CONCURRENCY). */
  layout?: Partial<ShardLayout>;
  /** Write rate, concurrency and retries of putInstances and deleteRun (defaults: WRITE_DEFAULTS). */
  pacing?: Partial<WritePacing>;
}

export class DynamoRunStore implements RunStore {
  readonly layout: ShardLayout;
  private readonly writer: BatchWriter;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    opts: RunStoreOptions = {},
  ) {
    this.layout = layoutOf(opts.layout);
    this.writer = batchWriter(opts.pacing);
  }

  /** The key of an instance's item: its shard of the run. */
  instanceKey(runId: string, instanceId: string): Record<string, string> {
    return {
      [T.partitionKey]: instancePartition(runId, instanceId, this.layout.shards),
      [T.sortKey]: `${INSTANCE_PREFIX}${instanceId}`,
    };
  }

  /** The key an instance's item had before sharding (runs started before the upgrade). */
  private legacyInstanceKey(runId: string, instanceId: string): Record<string, string> {
    return { [T.partitionKey]: runId, [T.sortKey]: `${INSTANCE_PREFIX}${instanceId}` };
  }

  async createRun(run: StoredRun): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...run, [T.sortKey]: RUN_SK },
        ConditionExpression: `attribute_not_exists(${T.partitionKey})`,
      }),
    );
  }

  async getRun(runId: string): Promise<StoredRun | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { [T.partitionKey]: runId, [T.sortKey]: RUN_SK },
        ConsistentRead: true,
      }),
    );
    return out.Item ? stripRun(out.Item) : undefined;
  }

  async transition(runId: string, to: RunState, opts: TransitionOptions): Promise<StoredRun | undefined> {
    const names: Record<string, string> = {
      '#state': 'state',
      '#history': 'stateHistory',
      '#pk': T.partitionKey,
    };
    const values: Record<string, unknown> = { ':to': to, ':entry': [{ state: to, at: opts.at }] };
    const sets = ['#state = :to', '#history = list_append(#history, :entry)'];
    let i = 0;
    for (const [k, v] of Object.entries(opts.patch ?? {})) {
      if (v === undefined) continue;
      names[`#p${i}`] = k;
      values[`:p${i}`] = v;
      sets.push(`#p${i} = :p${i}`);
      i++;
    }
    const terminal = TERMINAL_RUN_STATES.map((s, j) => {
      values[`:t${j}`] = s;
      return `:t${j}`;
    });
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [T.partitionKey]: runId, [T.sortKey]: RUN_SK },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `attribute_exists(#pk) AND NOT (#state IN (${terminal.join(', ')}))`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? stripRun(out.Attributes) : undefined;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  async recordDeliveryFailure(runId: string, failure: DeliveryFailure): Promise<void> {
    await unlessConditionFails(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [T.partitionKey]: runId, [T.sortKey]: RUN_SK },
          UpdateExpression: 'ADD deliveryFailureCount :one SET lastDeliveryFailure = :f',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': T.partitionKey },
          ExpressionAttributeValues: { ':one': 1, ':f': failure },
        }),
      ),
    );
  }

  async requestStop(runId: string, action: StopAction, at: string): Promise<boolean> {
    const values: Record<string, unknown> = { ':req': { action, at } };
    const terminal = TERMINAL_RUN_STATES.map((s, j) => {
      values[`:t${j}`] = s;
      return `:t${j}`;
    });
    return unlessConditionFails(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [T.partitionKey]: runId, [T.sortKey]: RUN_SK },
          UpdateExpression: 'SET stopRequest = :req',
          ConditionExpression: `attribute_exists(#pk) AND attribute_not_exists(stopRequest) AND NOT (#state IN (${terminal.join(', ')}))`,
          ExpressionAttributeNames: { '#pk': T.partitionKey, '#state': 'state' },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async putInstances(instances: readonly RunInstance[]): Promise<void> {
    await batchWriteAll(
      this.doc,
      this.table,
      instances.map((i) => ({ PutRequest: { Item: { ...i, ...this.instanceKey(i.runId, i.instanceId) } } })),
      this.writer,
    );
  }

  async updateInstance(
    runId: string,
    instanceId: string,
    patch: Partial<Omit<RunInstance, 'runId' | 'instanceId'>>,
  ): Promise<void> {
    const names: Record<string, string> = { '#pk': T.partitionKey };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    let i = 0;
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue;
      names[`#p${i}`] = k;
      values[`:p${i}`] = v;
      sets.push(`#p${i} = :p${i}`);
      i++;
    }
    if (sets.length === 0) return;
    const update = (Key: Record<string, string>) =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    try {
      await update(this.instanceKey(runId, instanceId));
    } catch (err) {
      // An instance of a run started before sharding: its item is in the run's own partition. If it is not
      // there either, that update's ConditionalCheckFailedException is what the caller sees, as before.
      if (!isConditionalCheckFailed(err)) throw err;
      await update(this.legacyInstanceKey(runId, instanceId));
    }
  }

  async getInstance(runId: string, instanceId: string): Promise<RunInstance | undefined> {
    for (const Key of [this.instanceKey(runId, instanceId), this.legacyInstanceKey(runId, instanceId)]) {
      const out = await this.doc.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }));
      if (out.Item) return stripInstance(out.Item);
    }
    return undefined;
  }

  async listInstances(runId: string): Promise<RunInstance[]> {
    return (await this.instanceItems(runId, { consistent: true })).map(stripInstance);
  }

  /**
   * The INSTANCE# items of a run from every partition (legacy, then each shard; instances in sk order in
   * each), READ_CONCURRENCY Queries in flight; `projection` names the attributes to return.
   */
  async instanceItems(
    runId: string,
    opts: { consistent?: boolean; projection?: readonly string[] } = {},
  ): Promise<Array<Record<string, unknown>>> {
    const names: Record<string, string> = { '#pk': T.partitionKey, '#sk': T.sortKey };
    opts.projection?.forEach((f, i) => {
      names[`#f${i}`] = f;
    });
    const fetchPage = async (
      partition: string,
      start: Record<string, unknown> | undefined,
    ): Promise<PartitionPage<Record<string, unknown>>> => {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :run AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':run': partition, ':prefix': INSTANCE_PREFIX },
          ...(opts.projection
            ? { ProjectionExpression: opts.projection.map((_, i) => `#f${i}`).join(', ') }
            : {}),
          ...(opts.consistent ? { ConsistentRead: true } : {}),
          ExclusiveStartKey: start,
        }),
      );
      return { items: out.Items ?? [], ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}) };
    };
    return allPartitionItems(
      runPartitions(runId, this.layout.shards),
      fetchPage,
      this.layout.readConcurrency,
    );
  }

  async countActive(): Promise<{ runs: number; instances: number }> {
    const runs = await this.listActive();
    return {
      runs: runs.length,
      instances: runs.reduce((n, r) => n + (typeof r.instanceCount === 'number' ? r.instanceCount : 0), 0),
    };
  }

  async listActive(): Promise<StoredRun[]> {
    const active = RUN_STATES.filter((s) => !TERMINAL_RUN_STATES.includes(s));
    const runs: StoredRun[] = [];
    for (const state of active) {
      const items = await this.queryAll({
        TableName: this.table,
        IndexName: T.indexes.byState.name,
        KeyConditionExpression: '#state = :s',
        ExpressionAttributeNames: { '#state': T.indexes.byState.partitionKey },
        ExpressionAttributeValues: { ':s': state },
      });
      runs.push(...items.map(stripRun));
    }
    return runs;
  }

  async recordTerminalEventsPublished(runId: string, at: string): Promise<void> {
    await unlessConditionFails(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [T.partitionKey]: runId, [T.sortKey]: RUN_SK },
          UpdateExpression: 'SET terminalEventsPublishedAt = :at',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': T.partitionKey },
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
  }

  /**
   * Deletes everything of the run: its own partition (the RUN item, report status items, legacy instance
   * items) and its instance shards. The RUN item goes last, so a delete that fails half-way can be retried
   * (the run is still found).
   */
  async deleteRun(runId: string): Promise<void> {
    const fetchPage = async (
      partition: string,
      start: Record<string, unknown> | undefined,
    ): Promise<PartitionPage<Record<string, unknown>>> => {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :run',
          ExpressionAttributeNames: { '#pk': T.partitionKey, '#sk': T.sortKey },
          ExpressionAttributeValues: { ':run': partition },
          ProjectionExpression: '#pk, #sk',
          ExclusiveStartKey: start,
        }),
      );
      return { items: out.Items ?? [], ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}) };
    };
    const keys = await allPartitionItems(
      runPartitions(runId, this.layout.shards),
      fetchPage,
      this.layout.readConcurrency,
    );
    const isRun = (k: Record<string, unknown>) => k[T.partitionKey] === runId && k[T.sortKey] === RUN_SK;
    const del = (ks: Array<Record<string, unknown>>) =>
      batchWriteAll(
        this.doc,
        this.table,
        ks.map((k) => ({
          DeleteRequest: { Key: { [T.partitionKey]: k[T.partitionKey], [T.sortKey]: k[T.sortKey] } },
        })),
        this.writer,
      );
    await del(keys.filter((k) => !isRun(k)));
    await del(keys.filter(isRun));
  }

  private async queryAll(input: QueryCommandInput): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

function stripInstance(item: Record<string, unknown>): RunInstance {
  const { [T.sortKey]: _sk, ...rest } = item;
  // items written by putInstances; the run id without the shard
  return { ...(rest as unknown as RunInstance), runId: runIdOfPartition(String(rest[T.partitionKey])) };
}

function stripRun(item: Record<string, unknown>): StoredRun {
  const { [T.sortKey]: _sk, ...rest } = item;
  return rest as unknown as StoredRun; // items written by createRun/transition
}
