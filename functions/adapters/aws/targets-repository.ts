/**
 * Assessment targets in DynamoDB (TABLES.targets), written by the control plane and read by the run
 * lifecycle (DynamoTemplateStore.getTarget) in this exact shape: the AssessmentTarget fields, nothing else.
 * Also the small DynamoDB helpers the control-plane repositories share (page tokens, conditional checks).
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AssessmentTarget } from '../../core/assessment';
import { invalidInput } from '../../core/control-plane/errors';
import type { Page, PageRequest, TargetsStore } from '../../core/control-plane/ports';
import { TABLES } from './table-design';

const T = TABLES.targets;

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

export function isConditionFailure(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
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

export function toTarget(item: Key): AssessmentTarget {
  return item as unknown as AssessmentTarget; // written by this repository in this shape
}

export class DynamoTargetsRepository implements TargetsStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(target: AssessmentTarget): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...target },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': T.partitionKey },
      }),
    );
  }

  async update(target: AssessmentTarget): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...target },
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': T.partitionKey },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async get(targetId: string): Promise<AssessmentTarget | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { [T.partitionKey]: targetId }, ConsistentRead: true }),
    );
    return out.Item ? toTarget(out.Item) : undefined;
  }

  async delete(targetId: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { [T.partitionKey]: targetId },
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': T.partitionKey },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  list(page: PageRequest): Promise<Page<AssessmentTarget>> {
    return scanPage(this.doc, { TableName: this.table, ConsistentRead: true }, page, toTarget);
  }

  count(): Promise<number> {
    return scanCount(this.doc, this.table);
  }
}
