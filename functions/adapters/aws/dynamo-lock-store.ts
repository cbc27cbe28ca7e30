/**
 * LockStore over the locks table. All instances of a run are locked with TransactWriteItems under a
 * condition (free, already ours, or expired); transactions hold at most 100 items, so a larger run is
 * locked in chunks of 100 and the chunks already written are rolled back when a later one conflicts.
 */
import { DeleteCommand, type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../../core/run-lifecycle/map-limit';
import { InstanceLockConflictError, type LockStore } from '../../ports/lock-store';
import { isConditionalCheckFailed } from './dynamo-items';
import { TABLES } from './table-design';

const T = TABLES.locks;
const TRANSACTION_MAX_ITEMS = 100;

interface CancellationReason {
  Code?: string;
  Item?: Record<string, unknown>;
}

export class DynamoLockStore implements LockStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async acquire(
    runId: string,
    instanceIds: readonly string[],
    opts: { now: Date; expiresAt: Date },
  ): Promise<void> {
    const ids = [...new Set(instanceIds)];
    const acquired: string[] = [];
    for (let i = 0; i < ids.length; i += TRANSACTION_MAX_ITEMS) {
      const chunk = ids.slice(i, i + TRANSACTION_MAX_ITEMS);
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: chunk.map((instanceId) => ({
              Put: {
                TableName: this.table,
                Item: {
                  [T.partitionKey]: instanceId,
                  runId,
                  acquiredAt: opts.now.toISOString(),
                  [T.ttlAttribute]: Math.floor(opts.expiresAt.getTime() / 1000),
                },
                ConditionExpression: 'attribute_not_exists(#pk) OR runId = :run OR #exp < :now',
                ExpressionAttributeNames: { '#pk': T.partitionKey, '#exp': T.ttlAttribute },
                ExpressionAttributeValues: { ':run': runId, ':now': Math.floor(opts.now.getTime() / 1000) },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            })),
          }),
        );
        acquired.push(...chunk);
      } catch (err) {
        if (acquired.length > 0) await this.release(runId, acquired);
        if ((err as { name?: string }).name !== 'TransactionCanceledException') throw err;
        const reasons = (err as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
        const conflicts: string[] = [];
        const holders = new Set<string>();
        reasons.forEach((r, j) => {
          if (r.Code !== 'ConditionalCheckFailed') return;
          conflicts.push(chunk[j] as string);
          const holder = attributeString(r.Item?.runId);
          if (holder) holders.add(holder);
        });
        if (conflicts.length === 0) throw err; // transaction conflict or throttling: let the caller retry
        const shown =
          conflicts.slice(0, 10).join(', ') +
          (conflicts.length > 10 ? ` and ${conflicts.length - 10} more` : '');
        throw new InstanceLockConflictError(
          `${conflicts.length} instance(s) are already in an active assessment run` +
            `${holders.size ? ` (${[...holders].join(', ')})` : ''}: ${shown}`,
          conflicts,
        );
      }
    }
  }

  async release(runId: string, instanceIds: readonly string[]): Promise<void> {
    await mapLimit([...new Set(instanceIds)], 16, async (instanceId) => {
      try {
        await this.doc.send(
          new DeleteCommand({
            TableName: this.table,
            Key: { [T.partitionKey]: instanceId },
            ConditionExpression: 'runId = :run',
            ExpressionAttributeValues: { ':run': runId },
          }),
        );
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
      }
    });
  }
}

/** Items in cancellation reasons come back as raw attribute values ({ S: '...' }) or, rarely, plain. */
function attributeString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { S?: unknown }).S === 'string')
    return (v as { S: string }).S;
  return undefined;
}
