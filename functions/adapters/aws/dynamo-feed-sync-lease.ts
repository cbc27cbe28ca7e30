/**
 * The feed-sync lease (core/feeds-cloud/sync-lease.ts) as one item of the locks table, under a key no EC2
 * instance id can take (`feed-sync#lease`; instance ids are `i-…`). Conditional writes make it single-flight:
 * PutItem succeeds only when the item is absent or its lease ended; renewals and the release are conditional
 * on the owner. `expiresAt` (epoch seconds) is the table's TTL attribute, so DynamoDB removes an abandoned
 * item eventually; the conditions use `leaseUntilMs`, not the TTL (TTL deletion is lazy).
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { FeedSyncLeaseStore, LeaseAcquisition } from '../../core/feeds-cloud/sync-lease';
import { isConditionalCheckFailed } from './dynamo-items';
import { TABLES } from './table-design';

/** The partition key value of the lease item (the IAM policy pins the feed-sync role to this key). */
export const FEED_SYNC_LEASE_KEY = 'feed-sync#lease';
const T = TABLES.locks;

export class DynamoFeedSyncLease implements FeedSyncLeaseStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async acquire(owner: string, now: Date, leaseMs: number): Promise<LeaseAcquisition> {
    const until = now.getTime() + leaseMs;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            [T.partitionKey]: FEED_SYNC_LEASE_KEY,
            owner,
            acquiredAt: now.toISOString(),
            leaseUntilMs: until,
            [T.ttlAttribute]: Math.ceil(until / 1000),
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR leaseUntilMs < :now',
          ExpressionAttributeNames: { '#pk': T.partitionKey },
          ExpressionAttributeValues: { ':now': now.getTime() },
        }),
      );
      return { acquired: true };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    const held = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { [T.partitionKey]: FEED_SYNC_LEASE_KEY },
        ConsistentRead: true,
      }),
    );
    const item = held.Item;
    return item && typeof item.owner === 'string' && typeof item.leaseUntilMs === 'number'
      ? { acquired: false, holder: { owner: item.owner, expiresAt: new Date(item.leaseUntilMs) } }
      : { acquired: false };
  }

  async renew(owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const until = now.getTime() + leaseMs;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [T.partitionKey]: FEED_SYNC_LEASE_KEY },
          UpdateExpression: 'SET leaseUntilMs = :until, #ttl = :ttl',
          ConditionExpression: '#owner = :owner AND leaseUntilMs >= :now',
          ExpressionAttributeNames: { '#owner': 'owner', '#ttl': T.ttlAttribute },
          ExpressionAttributeValues: {
            ':owner': owner,
            ':now': now.getTime(),
            ':until': until,
            ':ttl': Math.ceil(until / 1000),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async release(owner: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { [T.partitionKey]: FEED_SYNC_LEASE_KEY },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }
}
