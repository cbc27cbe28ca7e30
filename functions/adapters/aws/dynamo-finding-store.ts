/** FindingStore over the findings table: key (runId, findingId); deterministic ids make writes idempotent. */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Finding } from '../../core/model';
import type { FindingStore } from '../../ports/finding-store';
import { batchWriteAll } from './dynamo-batch';
import { TABLES } from './table-design';

const T = TABLES.findings;

export function findingItem(f: Finding): Record<string, unknown> {
  return { ...f, [T.sortKey]: f.id, severityPackage: `${f.severity}#${f.rulesPackage}` };
}

export class DynamoFindingStore implements FindingStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async putFindings(findings: readonly Finding[]): Promise<void> {
    // One item per (run, id): a batch may not name the same key twice.
    const unique = new Map<string, Finding>();
    for (const f of findings) unique.set(`${f.runId}\n${f.id}`, f);
    await batchWriteAll(
      this.doc,
      this.table,
      [...unique.values()].map((f) => ({ PutRequest: { Item: findingItem(f) } })),
    );
  }

  async listByRun(runId: string): Promise<Finding[]> {
    const items = await this.query(runId);
    return items.map((item) => {
      const { [T.sortKey]: _id, severityPackage: _sp, ...rest } = item;
      return rest as unknown as Finding; // items written by putFindings
    });
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
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :run',
          ExpressionAttributeNames: projection
            ? { '#pk': T.partitionKey, '#sk': T.sortKey }
            : { '#pk': T.partitionKey },
          ExpressionAttributeValues: { ':run': runId },
          ProjectionExpression: projection,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
