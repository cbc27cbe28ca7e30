/** RunStore over the runs table: sk 'RUN' for the run, 'INSTANCE#<id>' per instance (table-design.ts). */
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
import { batchWriteAll } from './dynamo-batch';
import { isConditionalCheckFailed, unlessConditionFails } from './dynamo-items';
import { TABLES } from './table-design';

export const RUN_SK = 'RUN';
export const INSTANCE_PREFIX = 'INSTANCE#';
const T = TABLES.runs;

export class DynamoRunStore implements RunStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

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
      instances.map((i) => ({
        PutRequest: { Item: { ...i, [T.sortKey]: `${INSTANCE_PREFIX}${i.instanceId}` } },
      })),
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
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { [T.partitionKey]: runId, [T.sortKey]: `${INSTANCE_PREFIX}${instanceId}` },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async getInstance(runId: string, instanceId: string): Promise<RunInstance | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { [T.partitionKey]: runId, [T.sortKey]: `${INSTANCE_PREFIX}${instanceId}` },
        ConsistentRead: true,
      }),
    );
    return out.Item ? stripInstance(out.Item) : undefined;
  }

  async listInstances(runId: string): Promise<RunInstance[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: '#pk = :run AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': T.partitionKey, '#sk': T.sortKey },
      ExpressionAttributeValues: { ':run': runId, ':prefix': INSTANCE_PREFIX },
      ConsistentRead: true,
    });
    return items.map(stripInstance);
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

  async deleteRun(runId: string): Promise<void> {
    const keys = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: '#pk = :run',
      ExpressionAttributeNames: { '#pk': T.partitionKey, '#sk': T.sortKey },
      ExpressionAttributeValues: { ':run': runId },
      ProjectionExpression: '#pk, #sk',
    });
    await batchWriteAll(
      this.doc,
      this.table,
      keys.map((k) => ({
        DeleteRequest: { Key: { [T.partitionKey]: k[T.partitionKey], [T.sortKey]: k[T.sortKey] } },
      })),
    );
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
  return rest as unknown as RunInstance; // items written by putInstances
}

function stripRun(item: Record<string, unknown>): StoredRun {
  const { [T.sortKey]: _sk, ...rest } = item;
  return rest as unknown as StoredRun; // items written by createRun/transition
}
