/**
 * The suppression rules of the stack's table, read only (the RULE partition, strongly consistent): what the
 * run lifecycle's EvaluateInstance and EvaluateNetwork need to mark the findings they write. Apart from
 * dynamo-suppression-store.ts (changes, audit, validation schemas) so the lifecycle bundles stay small.
 */
import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { SuppressionRule } from '../../core/suppressions';
import type { SuppressionStore } from '../../ports/suppression-store';
import { TABLES } from './table-design';

const { partitionKey: PK } = TABLES.suppressions;
export const RULE_PARTITION = 'RULE';

export class DynamoSuppressionRules implements Pick<SuppressionStore, 'list'> {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Every rule, expired ones included, oldest first. */
  async list(): Promise<SuppressionRule[]> {
    const rules: SuppressionRule[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: { ':pk': RULE_PARTITION },
        ConsistentRead: true,
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) rules.push(item.rule as SuppressionRule);
    return rules.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}
