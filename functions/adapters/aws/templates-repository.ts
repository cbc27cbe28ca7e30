/**
 * Assessment templates in DynamoDB (TABLES.templates), written by the control plane and read by the run
 * lifecycle (getTemplate) in this exact shape: the AssessmentTemplate fields. Only tags and topics (event
 * subscriptions) are ever updated.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AssessmentTemplate } from '../../core/assessment';
import type { TemplatesStore } from '../../core/control-plane/ports';
import type { TemplateReader } from '../../ports/template-store';
import { DynamoKeyedRepository, scanAll, unlessConditionFails } from './dynamo-items';
import { TABLES } from './table-design';

export class DynamoTemplatesRepository
  extends DynamoKeyedRepository<AssessmentTemplate>
  implements TemplatesStore, TemplateReader
{
  constructor(doc: DynamoDBDocumentClient, table: string) {
    super(doc, table, TABLES.templates.partitionKey);
  }

  /** The run lifecycle's read (eventually consistent). */
  getTemplate(templateId: string): Promise<AssessmentTemplate | undefined> {
    return this.read(templateId, false);
  }

  listByTarget(targetId: string): Promise<AssessmentTemplate[]> {
    return scanAll(
      this.doc,
      {
        TableName: this.table,
        FilterExpression: 'targetId = :t',
        ExpressionAttributeValues: { ':t': targetId },
        ConsistentRead: true,
      },
      this.toItem,
    );
  }

  setTags(templateId: string, tags: AssessmentTemplate['tags']): Promise<boolean> {
    return this.setAttribute(templateId, 'tags', tags);
  }

  /**
   * Replaces the topics only while they still equal `expected` (the list the caller read): two concurrent
   * subscribe/unsubscribe calls cannot lose one change. False when the template is gone or its topics changed.
   */
  replaceTopics(
    templateId: string,
    expected: AssessmentTemplate['topics'],
    topics: AssessmentTemplate['topics'],
  ): Promise<boolean> {
    return unlessConditionFails(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [TABLES.templates.partitionKey]: templateId },
          UpdateExpression: 'SET #topics = :topics',
          ConditionExpression: 'attribute_exists(#pk) AND #topics = :expected',
          ExpressionAttributeNames: { '#pk': TABLES.templates.partitionKey, '#topics': 'topics' },
          ExpressionAttributeValues: { ':topics': topics, ':expected': expected },
        }),
      ),
    );
  }
}
