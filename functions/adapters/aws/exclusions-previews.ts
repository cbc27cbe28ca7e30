/**
 * Exclusions previews in the runs table (TABLES.runs), under partition `PREVIEW#<templateId>`: one item per
 * preview (`TOKEN#<previewToken>`) and a `CURRENT` item naming the template's latest preview, whose
 * conditional update keeps one preview in progress per template (Classic's
 * PreviewGenerationInProgressException). These items carry neither `templateId` nor `state`, so the runs
 * indexes (byTemplate, byState) never see them, and run ids (idSchema) never contain `#`.
 *
 * The exclusions are stored gzip-compressed: grouped by reason, with one INSTANCE_ID scope per instance,
 * a 10,000-instance fleet's preview is ~100 KB compressed. Should one still exceed the item budget, the
 * scopes are cut (and the exclusion says how many were left out) rather than the preview failing.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  ExclusionsPreview,
  ExclusionsPreviewStore,
  ExclusionView,
} from '../../core/control-plane/ports';
import { TABLES } from './table-design';

const T = TABLES.runs;
const CURRENT = 'CURRENT';
const TOKEN_PREFIX = 'TOKEN#';
/** Compressed exclusions per item: well under DynamoDB's 400 KB item limit. */
export const MAX_STORED_EXCLUSIONS_BYTES = 300 * 1024;
/** Previews older than this are deleted when the template's next preview is created. */
const KEEP_PREVIEWS_MS = 24 * 3600 * 1000;

const partition = (templateId: string) => `PREVIEW#${templateId}`;

/** Compresses the exclusions, cutting scopes until they fit `maxBytes`. */
export function packExclusions(
  exclusions: ExclusionView[],
  maxBytes = MAX_STORED_EXCLUSIONS_BYTES,
): Uint8Array {
  let packed = gzipSync(JSON.stringify(exclusions));
  let keep = Math.max(...exclusions.map((e) => e.scopes.length), 1);
  while (packed.byteLength > maxBytes && keep > 1) {
    keep = Math.floor(keep / 2);
    const cut = exclusions.map((e) =>
      e.scopes.length <= keep
        ? e
        : {
            ...e,
            scopes: e.scopes.slice(0, keep),
            attributes: [...e.attributes, { key: 'SCOPES_OMITTED', value: String(e.scopes.length - keep) }],
          },
    );
    packed = gzipSync(JSON.stringify(cut));
  }
  return packed;
}

export function unpackExclusions(packed: Uint8Array): ExclusionView[] {
  return JSON.parse(gunzipSync(packed).toString('utf8')) as ExclusionView[];
}

function isConditionFailure(err: unknown): boolean {
  const e = err as { name?: string; CancellationReasons?: Array<{ Code?: string }> };
  if (e?.name === 'ConditionalCheckFailedException') return true;
  return (
    e?.name === 'TransactionCanceledException' &&
    (e.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')
  );
}

export class DynamoExclusionsPreviewStore implements ExclusionsPreviewStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(
    preview: ExclusionsPreview,
    staleBefore: string,
  ): Promise<{ created: true } | { inProgress: string }> {
    const pk = partition(preview.templateId);
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: { [T.partitionKey]: pk, [T.sortKey]: CURRENT },
                UpdateExpression: 'SET previewToken = :t, #status = :wip, createdAt = :at',
                ConditionExpression: 'attribute_not_exists(#sk) OR #status <> :wip OR createdAt < :stale',
                ExpressionAttributeNames: { '#sk': T.sortKey, '#status': 'status' },
                ExpressionAttributeValues: {
                  ':t': preview.previewToken,
                  ':wip': 'WORK_IN_PROGRESS',
                  ':at': preview.createdAt,
                  ':stale': staleBefore,
                },
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: this.item(preview),
                ConditionExpression: 'attribute_not_exists(#sk)',
                ExpressionAttributeNames: { '#sk': T.sortKey },
              },
            },
          ],
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const current = await this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { [T.partitionKey]: pk, [T.sortKey]: CURRENT },
          ConsistentRead: true,
        }),
      );
      return { inProgress: String(current.Item?.previewToken ?? '') };
    }
    await this.deleteOld(preview.templateId, preview.createdAt);
    return { created: true };
  }

  async get(templateId: string, previewToken: string): Promise<ExclusionsPreview | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { [T.partitionKey]: partition(templateId), [T.sortKey]: `${TOKEN_PREFIX}${previewToken}` },
        ConsistentRead: true,
      }),
    );
    const item = out.Item;
    if (!item) return undefined;
    const preview: ExclusionsPreview = {
      templateId,
      previewToken,
      status: item.status as ExclusionsPreview['status'],
      createdAt: item.createdAt as string,
    };
    if (item.completedAt) preview.completedAt = item.completedAt as string;
    if (item.exclusionsGz) preview.exclusions = unpackExclusions(item.exclusionsGz as Uint8Array);
    if (item.failure) preview.failure = item.failure as string;
    return preview;
  }

  async finish(
    templateId: string,
    previewToken: string,
    outcome: { status: 'COMPLETED'; exclusions: ExclusionView[] } | { status: 'FAILED'; failure: string },
    at: string,
  ): Promise<void> {
    const pk = partition(templateId);
    const values: Record<string, unknown> = { ':s': outcome.status, ':at': at };
    let set = '#status = :s, completedAt = :at';
    if (outcome.status === 'COMPLETED') {
      values[':x'] = packExclusions(outcome.exclusions);
      set += ', exclusionsGz = :x';
    } else {
      values[':f'] = outcome.failure.slice(0, 2000);
      set += ', failure = :f';
    }
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { [T.partitionKey]: pk, [T.sortKey]: `${TOKEN_PREFIX}${previewToken}` },
        UpdateExpression: `SET ${set}`,
        ConditionExpression: 'attribute_exists(#sk)',
        ExpressionAttributeNames: { '#sk': T.sortKey, '#status': 'status' },
        ExpressionAttributeValues: values,
      }),
    );
    // The template's next preview may start now (unless a newer one already took CURRENT).
    await this.doc
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [T.partitionKey]: pk, [T.sortKey]: CURRENT },
          UpdateExpression: 'SET #status = :s',
          ConditionExpression: 'previewToken = :t',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':s': outcome.status, ':t': previewToken },
        }),
      )
      .catch((err: unknown) => {
        if (!isConditionFailure(err)) throw err;
      });
  }

  private item(p: ExclusionsPreview): Record<string, unknown> {
    return {
      [T.partitionKey]: partition(p.templateId),
      [T.sortKey]: `${TOKEN_PREFIX}${p.previewToken}`,
      previewToken: p.previewToken,
      status: p.status,
      createdAt: p.createdAt,
    };
  }

  /** Best effort: the template's previews older than a day go when a new one is created. */
  private async deleteOld(templateId: string, now: string): Promise<void> {
    const before = new Date(Date.parse(now) - KEEP_PREVIEWS_MS).toISOString();
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        FilterExpression: 'createdAt < :before',
        ProjectionExpression: '#pk, #sk',
        ExpressionAttributeNames: { '#pk': T.partitionKey, '#sk': T.sortKey },
        ExpressionAttributeValues: {
          ':pk': partition(templateId),
          ':prefix': TOKEN_PREFIX,
          ':before': before,
        },
      }),
    );
    const keys = (out.Items ?? []).slice(0, 25);
    if (keys.length === 0) return;
    await this.doc.send(
      new BatchWriteCommand({
        RequestItems: { [this.table]: keys.map((Key) => ({ DeleteRequest: { Key } })) },
      }),
    );
  }
}
