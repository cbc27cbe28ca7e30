import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AssessmentTarget, AssessmentTemplate } from '../../core/assessment';
import type { TemplateStore } from '../../ports/template-store';
import { TABLES } from './table-design';

export class DynamoTemplateStore implements TemplateStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: { templates: string; targets: string },
  ) {}

  async getTemplate(templateId: string): Promise<AssessmentTemplate | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tables.templates,
        Key: { [TABLES.templates.partitionKey]: templateId },
      }),
    );
    return out.Item as AssessmentTemplate | undefined; // written by the control plane in this shape
  }

  async getTarget(targetId: string): Promise<AssessmentTarget | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tables.targets, Key: { [TABLES.targets.partitionKey]: targetId } }),
    );
    return out.Item as AssessmentTarget | undefined; // written by the control plane in this shape
  }
}
