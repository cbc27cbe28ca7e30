/** FindingStore over the findings table: key (runId, findingId); deterministic ids make writes idempotent. */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { storedSize } from '../../core/finding-limits';
import type { Finding } from '../../core/model';
import { type FindingStore, FindingTooLargeError } from '../../ports/finding-store';
import { batchWriteAll } from './dynamo-batch';
import { TABLES } from './table-design';

const T = TABLES.findings;

export function findingItem(f: Finding): Record<string, unknown> {
  return { ...f, [T.sortKey]: f.id, severityPackage: `${f.severity}#${f.rulesPackage}` };
}

/**
 * DynamoDB's item size limit: 400 KB, attribute names and values included (the global secondary indexes
 * project ALL, so their items are as large). Counted in binary kilobytes, as DynamoDB does.
 */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;

function toFinding(item: Record<string, unknown>): Finding {
  const { [T.sortKey]: _id, severityPackage: _sp, ...rest } = item;
  return rest as unknown as Finding; // items written by putFindings
}

export class DynamoFindingStore implements FindingStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    /** Items estimated larger than this are refused before anything is written. */
    private readonly maxItemBytes = DYNAMODB_MAX_ITEM_BYTES,
  ) {}

  /**
   * Every item's size is estimated first (storedSize: DynamoDB's rules over the item as marshalled, never
   * below the real size); one over the limit throws FindingTooLargeError before any write, so an instance's
   * findings are stored whole or not at all (BatchWriteItem would refuse the whole batch of 25 it is in, and
   * the batches before it would already be written).
   */
  async putFindings(findings: readonly Finding[]): Promise<void> {
    // One item per (run, id): a batch may not name the same key twice.
    const unique = new Map<string, Finding>();
    for (const f of findings) unique.set(`${f.runId}\n${f.id}`, f);
    const items: Array<Record<string, unknown>> = [];
    let first: { f: Finding; size: number } | undefined;
    let oversized = 0;
    for (const f of unique.values()) {
      const item = findingItem(f);
      const size = storedSize(item);
      if (size > this.maxItemBytes) {
        oversized++;
        first ??= { f, size };
      }
      items.push(item);
    }
    if (first) {
      throw new FindingTooLargeError({
        findingId: first.f.id,
        ruleId: first.f.ruleId,
        instanceId: first.f.instanceId,
        runId: first.f.runId,
        sizeBytes: first.size,
        limitBytes: this.maxItemBytes,
        oversized,
        total: unique.size,
      });
    }
    await batchWriteAll(
      this.doc,
      this.table,
      items.map((Item) => ({ PutRequest: { Item } })),
    );
  }

  async listByRun(runId: string): Promise<Finding[]> {
    return (await this.query(runId)).map(toFinding);
  }

  /** One Query over the run's partition (ConsistentRead), filtered on rulesPackage; a page per 1 MB read. */
  async *pagesByRunPackage(runId: string, rulesPackage: string): AsyncIterable<Finding[]> {
    for await (const items of this.pages(runId, { rulesPackage, consistent: true })) {
      if (items.length) yield items.map(toFinding);
    }
  }

  async deleteByRun(runId: string): Promise<number> {
    const keys = await this.query(runId, `#pk, #sk`);
    await batchWriteAll(
      this.doc,
      this.table,
      keys.map((k) => ({
        DeleteRequest: { Key: { [T.partitionKey]: k[T.partitionKey], [T.sortKey]: k[T.sortKey] } },
      })),
    );
    return keys.length;
  }

  private async query(runId: string, projection?: string): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    for await (const page of this.pages(runId, projection ? { projection } : {})) items.push(...page);
    return items;
  }

  /** The run's partition, page by page (each Query reads up to 1 MB). */
  private async *pages(
    runId: string,
    opts: { projection?: string; rulesPackage?: string; consistent?: boolean },
  ): AsyncIterable<Array<Record<string, unknown>>> {
    const names: Record<string, string> = { '#pk': T.partitionKey };
    const values: Record<string, unknown> = { ':run': runId };
    if (opts.projection) names['#sk'] = T.sortKey;
    if (opts.rulesPackage !== undefined) {
      names['#pkg'] = 'rulesPackage';
      values[':pkg'] = opts.rulesPackage;
    }
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :run',
          ...(opts.rulesPackage !== undefined ? { FilterExpression: '#pkg = :pkg' } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ProjectionExpression: opts.projection,
          ...(opts.consistent ? { ConsistentRead: true } : {}),
          ExclusiveStartKey: start,
        }),
      );
      yield out.Items ?? [];
      start = out.LastEvaluatedKey;
    } while (start);
  }
}
