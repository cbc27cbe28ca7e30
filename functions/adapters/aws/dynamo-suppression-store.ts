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
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  auditCursor,
  type SuppressionAuditEntry,
  type SuppressionAuditPage,
  type SuppressionAuditQuery,
  type SuppressionRule,
  suppressionAuditEntrySchema,
} from '../../core/suppressions';
import type { SuppressionStore } from '../../ports/suppression-store';
import { dynamoDocumentClient } from './dynamo-client';
import { DynamoSuppressionRules } from './dynamo-suppression-rules';
import { ENV, requireEnv } from './environment';
import { TABLES } from './table-design';

const { partitionKey: PK, sortKey: SK } = TABLES.suppressions;
const RULE = 'RULE';
const AUDIT = 'AUDIT';

/**
 * The store over SUPPRESSIONS_TABLE: built by the functions that serve waivers (findings, reports) only, so
 * the other control-plane bundles carry none of it.
 */
export function suppressionStoreFromEnv(env: NodeJS.ProcessEnv = process.env): DynamoSuppressionStore {
  return new DynamoSuppressionStore(dynamoDocumentClient(), requireEnv(ENV.suppressionsTable, env));
}

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

  list(): Promise<SuppressionRule[]> {
    return new DynamoSuppressionRules(this.doc, this.table).list();
  }

  audit(): Promise<SuppressionAuditEntry[]> {
    return this.query<SuppressionAuditEntry>(AUDIT, 'entry');
  }

  /**
   * One Query of the AUDIT partition per DynamoDB page, in sort-key order (`<at>#<auditId>`, auditCursor):
   * the time window is the key condition (BETWEEN; `until` is a prefix, so entries at that instant sort
   * after it and are left out), a rule id a filter. Pages are read until `limit` entries are found or the
   * window ends; `next` is the last entry's cursor, so the next page starts right after it even when this
   * one stopped inside a DynamoDB page.
   */
  async auditPage(q: SuppressionAuditQuery): Promise<SuppressionAuditPage> {
    // Both a cursor and a start: the later of the two (a cursor from before the start selects nothing more).
    const low =
      [q.after, q.since]
        .filter((x): x is string => x !== undefined)
        .sort()
        .at(-1) ?? '0';
    const high = q.until ?? '9';
    if (low >= high) return { entries: [] };
    const entries: SuppressionAuditEntry[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :low AND :high',
          ...(q.suppressionRuleId ? { FilterExpression: '#entry.#rule = :rule' } : {}),
          ExpressionAttributeNames: {
            '#pk': PK,
            '#sk': SK,
            ...(q.suppressionRuleId ? { '#entry': 'entry', '#rule': 'suppressionRuleId' } : {}),
          },
          ExpressionAttributeValues: {
            ':pk': AUDIT,
            ':low': low,
            ':high': high,
            ...(q.suppressionRuleId ? { ':rule': q.suppressionRuleId } : {}),
          },
          // Without a filter every item read is returned: read one more than needed, to know if more follow.
          Limit: q.suppressionRuleId ? 500 : Math.min(500, q.limit - entries.length + 1),
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        if (item[SK] === q.after) continue;
        const last = entries[entries.length - 1];
        if (last && entries.length >= q.limit) return { entries, next: auditCursor(last) };
        entries.push(auditEntry(item));
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { entries };
  }
}

/** An audit item as stored; one that is not (written by something else) is a clear error, not a crash later. */
function auditEntry(item: Record<string, unknown>): SuppressionAuditEntry {
  const parsed = suppressionAuditEntrySchema.safeParse(item.entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `audit item ${String(item[SK])} of the suppressions table is not an audit entry: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
    );
  }
  return parsed.data;
}
