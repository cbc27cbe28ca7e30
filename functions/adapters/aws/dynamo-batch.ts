/** BatchWriteItem in chunks of 25, retrying unprocessed items with backoff until none are left. */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../../core/run-lifecycle/map-limit';

type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Record<string, unknown> } };

const MAX_ATTEMPTS = 8;

export async function batchWriteAll(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  concurrency = 4,
): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
  await mapLimit(chunks, concurrency, async (chunk) => {
    let pending: WriteRequest[] = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) {
        throw new Error(
          `BatchWriteItem on ${table}: ${pending.length} items still unprocessed after ${attempt} attempts`,
        );
      }
      if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      // lib-dynamodb returns unprocessed items in the same (native JS) shape as the request.
      pending = (out.UnprocessedItems?.[table] ?? []) as WriteRequest[];
    }
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
