/**
 * Assessment templates in DynamoDB (TABLES.templates), written by the control plane and read by the run
 * lifecycle (getTemplate) in this exact shape: the AssessmentTemplate fields. Only tags and topics (event
 * subscriptions) are ever updated.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AssessmentTemplate } from '../../core/assessment';
import type { TemplatesStore } from '../../core/control-plane/ports';
import type { TemplateReader } from '../../ports/template-store';
import { DynamoKeyedRepository, scanAll } from './dynamo-items';
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

  setTopics(templateId: string, topics: AssessmentTemplate['topics']): Promise<boolean> {
    return this.setAttribute(templateId, 'topics', topics);
  }
}
