/**
 * Assessment templates in DynamoDB (TABLES.templates), written by the control plane and read by the run
 * lifecycle (DynamoTemplateStore.getTemplate) in this exact shape: the AssessmentTemplate fields. Only tags
 * and topics (event subscriptions) are ever updated.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AssessmentTemplate } from '../../core/assessment';
import type { Page, PageRequest, TemplatesStore } from '../../core/control-plane/ports';
import { TABLES } from './table-design';
import { isConditionFailure, type Key, scanCount, scanPage } from './targets-repository';

const T = TABLES.templates;

function toTemplate(item: Key): AssessmentTemplate {
  return item as unknown as AssessmentTemplate; // written by this repository in this shape
}

export class DynamoTemplatesRepository implements TemplatesStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(template: AssessmentTemplate): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...template },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': T.partitionKey },
      }),
    );
  }

  async get(templateId: string): Promise<AssessmentTemplate | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { [T.partitionKey]: templateId }, ConsistentRead: true }),
    );
    return out.Item ? toTemplate(out.Item) : undefined;
  }

  async delete(templateId: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { [T.partitionKey]: templateId },
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

  list(page: PageRequest): Promise<Page<AssessmentTemplate>> {
    return scanPage(this.doc, { TableName: this.table, ConsistentRead: true }, page, toTemplate);
  }

  count(): Promise<number> {
    return scanCount(this.doc, this.table);
  }

  async listByTarget(targetId: string): Promise<AssessmentTemplate[]> {
    const items: AssessmentTemplate[] = [];
    let start: Key | undefined;
    do {
      const out = await this.doc.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'targetId = :t',
          ExpressionAttributeValues: { ':t': targetId },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) items.push(toTemplate(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  setTags(templateId: string, tags: AssessmentTemplate['tags']): Promise<boolean> {
    return this.setAttribute(templateId, 'tags', tags);
  }

  setTopics(templateId: string, topics: AssessmentTemplate['topics']): Promise<boolean> {
    return this.setAttribute(templateId, 'topics', topics);
  }

  private async setAttribute(templateId: string, name: 'tags' | 'topics', value: unknown): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [T.partitionKey]: templateId },
          UpdateExpression: 'SET #a = :v',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': T.partitionKey, '#a': name },
          ExpressionAttributeValues: { ':v': value },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}
