/**
 * The small DynamoDB helpers the adapters share: page tokens, condition failures, paged scans, and
 * DynamoKeyedRepository — the item-per-partition-key CRUD of the targets and templates tables.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  type ScanCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { invalidInput } from '../../core/control-plane/errors';
import type { Page, PageRequest } from '../../core/control-plane/ports';

export type Key = Record<string, unknown>;

/** nextToken = base64url(JSON) of whatever position the adapter needs to resume. */
export function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeToken<T>(token: string, check: (v: unknown) => v is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidInput('nextToken is not valid');
  }
  if (!check(value)) throw invalidInput('nextToken is not valid for this operation');
  return value;
}

export const isKey = (v: unknown): v is Key => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isConditionalCheckFailed(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/** Runs a conditional write: true when it was applied, false when its condition failed. */
export async function unlessConditionFails(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

/** One page of a Scan: at most maxResults items, and a token when more may follow. */
export async function scanPage<T>(
  doc: DynamoDBDocumentClient,
  input: ScanCommandInput,
  page: PageRequest,
  map: (item: Key) => T,
): Promise<Page<T>> {
  const items: T[] = [];
  let start: Key | undefined = page.nextToken ? decodeToken(page.nextToken, isKey) : undefined;
  do {
    const out = await doc.send(
      new ScanCommand({ ...input, Limit: page.maxResults - items.length, ExclusiveStartKey: start }),
    );
    for (const item of out.Items ?? []) items.push(map(item));
    start = out.LastEvaluatedKey;
  } while (start && items.length < page.maxResults);
  return start ? { items, nextToken: encodeToken(start) } : { items };
}

/** Every item of a Scan, all pages. */
export async function scanAll<T>(
  doc: DynamoDBDocumentClient,
  input: ScanCommandInput,
  map: (item: Key) => T,
): Promise<T[]> {
  const items: T[] = [];
  let start: Key | undefined;
  do {
    const out = await doc.send(new ScanCommand({ ...input, ExclusiveStartKey: start }));
    for (const item of out.Items ?? []) items.push(map(item));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function scanCount(doc: DynamoDBDocumentClient, table: string): Promise<number> {
  let count = 0;
  let start: Key | undefined;
  do {
    const out = await doc.send(
      new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}

/**
 * A repository of whole items under one partition key (targets, templates), each written in exactly the
 * shape T (so reading one back is a cast): create, get, delete, list and count as the control-plane stores
 * have them, and the conditional writes a repository builds its updates from.
 */
export abstract class DynamoKeyedRepository<T extends object> {
  private readonly pk: { '#pk': string };

  constructor(
    protected readonly doc: DynamoDBDocumentClient,
    protected readonly table: string,
    private readonly partitionKey: string,
  ) {
    this.pk = { '#pk': partitionKey };
  }

  protected readonly toItem = (item: Key): T => item as unknown as T;

  /** Puts a new item; fails with ConditionalCheckFailedException when the id exists. */
  async create(item: T): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...item },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: this.pk,
      }),
    );
  }

  /** A strongly consistent read (the control plane's). */
  get(id: string): Promise<T | undefined> {
    return this.read(id, true);
  }

  /** Deletes an existing item; false when there is none. */
  delete(id: string): Promise<boolean> {
    return unlessConditionFails(() =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { [this.partitionKey]: id },
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: this.pk,
        }),
      ),
    );
  }

  list(page: PageRequest): Promise<Page<T>> {
    return scanPage(this.doc, { TableName: this.table, ConsistentRead: true }, page, this.toItem);
  }

  count(): Promise<number> {
    return scanCount(this.doc, this.table);
  }

  protected async read(id: string, consistentRead: boolean): Promise<T | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { [this.partitionKey]: id },
        ...(consistentRead ? { ConsistentRead: true } : {}),
      }),
    );
    return out.Item ? this.toItem(out.Item) : undefined;
  }

  /** Replaces an existing item; false when there is none. */
  protected replace(item: T): Promise<boolean> {
    return unlessConditionFails(() =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...item },
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: this.pk,
        }),
      ),
    );
  }

  /** Sets one attribute of an existing item; false when there is none. */
  protected setAttribute(id: string, name: string, value: unknown): Promise<boolean> {
    return unlessConditionFails(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [this.partitionKey]: id },
          UpdateExpression: 'SET #a = :v',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { ...this.pk, '#a': name },
          ExpressionAttributeValues: { ':v': value },
        }),
      ),
    );
  }
}
