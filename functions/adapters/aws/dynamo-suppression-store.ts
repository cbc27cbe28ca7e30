/**
 * Suppression rules and their audit log in DynamoDB (TABLES.suppressions). A change and its audit entry are
 * one TransactWriteItems call: both land or neither. Audit items are only ever put with
 * attribute_not_exists (never overwritten); nothing in the code updates or deletes them.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SuppressionAuditEntry, SuppressionRule } from '../../core/suppressions';
import type { SuppressionStore } from '../../ports/suppression-store';
import { TABLES } from './table-design';

const { partitionKey: PK, sortKey: SK } = TABLES.suppressions;
const RULE = 'RULE';
const AUDIT = 'AUDIT';

export class SuppressionRuleExistsError extends Error {
  override readonly name = 'SuppressionRuleExistsError';
}

export class DynamoSuppressionStore implements SuppressionStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private auditItem(entry: SuppressionAuditEntry) {
    return {
      Put: {
        TableName: this.table,
        Item: { [PK]: AUDIT, [SK]: `${entry.at}#${entry.auditId}`, entry },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      },
    };
  }

  async create(rule: SuppressionRule, audit: SuppressionAuditEntry): Promise<void> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { [PK]: RULE, [SK]: rule.suppressionRuleId, rule },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
            this.auditItem(audit),
          ],
        }),
      );
    } catch (err) {
      if (
        err instanceof TransactionCanceledException &&
        err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      )
        throw new SuppressionRuleExistsError(`suppression rule ${rule.suppressionRuleId} exists already`);
      throw err;
    }
  }

  async delete(
    suppressionRuleId: string,
    audit: (rule: SuppressionRule) => SuppressionAuditEntry,
  ): Promise<SuppressionRule | undefined> {
    const got = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { [PK]: RULE, [SK]: suppressionRuleId },
        ConsistentRead: true,
      }),
    );
    const rule = got.Item?.rule as SuppressionRule | undefined;
    if (!rule) return undefined;
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: { [PK]: RULE, [SK]: suppressionRuleId },
                ConditionExpression: 'attribute_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
            this.auditItem(audit(rule)),
          ],
        }),
      );
    } catch (err) {
      // Deleted by a concurrent call between the read and the transaction: that call audited it.
      if (
        err instanceof TransactionCanceledException &&
        err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      )
        return undefined;
      throw err;
    }
    return rule;
  }

  private async query<T>(pk: string, field: string): Promise<T[]> {
    const out: T[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) out.push(item[field] as T);
    return out;
  }

  async list(): Promise<SuppressionRule[]> {
    const rules = await this.query<SuppressionRule>(RULE, 'rule');
    return rules.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  audit(): Promise<SuppressionAuditEntry[]> {
    return this.query<SuppressionAuditEntry>(AUDIT, 'entry');
  }
}
