/**
 * FeedSync Lambda: downloads the official vulnerability feeds (OSV Debian, Ubuntu, AlmaLinux, Rocky Linux,
 * Alpine; Amazon Linux 2 and 2023 updateinfo; CISA KEV; FIRST EPSS; the Debian Security Tracker's urgencies
 * and CVSS by CVE from NVD's JSON 2.0 feeds / CVE List V5), compiles and validates them in /tmp,
 * and publishes a new generation of the feed bucket (core/feeds-cloud/publish.ts): objects under
 * feeds/<generation>/, then feeds/CURRENT.json last. A feed that fails keeps its previous index.
 *
 * WIRING (for infra/; the stack does not need anything else from this file):
 * - Schedule: EventBridge rule, daily (e.g. cron(17 3 * * ? *)); target this function with retryAttempts 2.
 *   Single flight WITHOUT reserved concurrency (a reservation fails stack creation in accounts whose
 *   concurrency limit is low: Lambda keeps a minimum unreserved): a lease item in the locks table
 *   (core/feeds-cloud/sync-lease.ts, adapters/aws/dynamo-feed-sync-lease.ts), renewed while the sync runs
 *   and confirmed before the pointer is written. A sync that finds the lease held returns `skipped`.
 * - Environment:
 *     FEED_BUCKET          (required) the feed bucket's name.
 *     LOCKS_TABLE          (required) the locks table, which holds the single-flight lease item.
 *     FEED_SYNC_CONFIG     (optional) JSON: { "urls": { "osvBase", "al2023MirrorList", "al2MirrorList",
 *                          "kev", "epss", "debianTracker", "nvdFeedBase", "cveListV5" }, "allowHttp": false,
 *                          "downloadTimeoutSeconds": 300,
 *                          "sources": ["osv:Debian", ...] } to use a mirror or a subset of the sources.
 *     POWERTOOLS_SERVICE_NAME=inspector-feed-sync, POWERTOOLS_LOG_LEVEL (optional).
 * - Permissions on the locks table: dynamodb:GetItem, PutItem, UpdateItem, DeleteItem on the lease item only
 *   (dynamodb:LeadingKeys = feed-sync#lease), and the table key's kms:Decrypt/GenerateDataKey.
 * - Permissions on the feed bucket: s3:GetObject and s3:PutObject on feeds/*, s3:DeleteObject on feeds/*
 *   (old generations), s3:ListBucket with prefix feeds/ (deleting old generations; clean 404s); CopyObject
 *   within the bucket needs only GetObject + PutObject. kms:Encrypt/Decrypt/GenerateDataKey on the bucket's
 *   key if it is SSE-KMS. `feedBucket.grantReadWrite(fn)` plus `grantDelete(fn, 'feeds/*')` covers it.
 *   Network: outbound HTTPS to osv-vulnerabilities.storage.googleapis.com, cdn.amazonlinux.com (and the
 *   mirrors its mirror lists name), www.cisa.gov, epss.empiricalsecurity.com, security-tracker.debian.org,
 *   nvd.nist.gov (and the host of cveListV5 when set).
 * - Sizing: timeout 15 min; memory, heap limit (NODE_OPTIONS --max-old-space-size) and ephemeral storage as
 *   FEED_SYNC_SIZING in infra/stacks/inspector-stack.ts, measured by bench/feed-sync.ts on full-size exports
 *   (sources are synced one at a time, each export's advisories spilled to /tmp by release while it is read;
 *   /tmp also holds the compiled indexes while publishing).
 * - The Evaluate Lambda reads what this publishes: it needs FEED_BUCKET, s3:GetObject on feeds/* (and
 *   s3:ListBucket on prefix feeds/, so a feed not synced yet is a 404 it can name instead of a 403), and
 *   optionally FEED_POINTER_TTL_SECONDS (default 600).
 *
 * Outcome: returns a summary when at least one feed was refreshed (failed feeds are listed and logged as
 * warnings; their previous index stays published). Throws when NOTHING could be refreshed: that is almost
 * always the network or the configuration, not one upstream having a bad day, so it must show as a Lambda
 * error (the Errors metric and its alarm, EventBridge's retries) rather than a quiet success.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { awsClientConfig } from '../adapters/aws/client-config';
import { DynamoFeedSyncLease } from '../adapters/aws/dynamo-feed-sync-lease';
import { ENV, requireEnv } from '../adapters/aws/environment';
import { feedS3Client, S3FeedObjectStore } from '../adapters/aws/s3-feed-store';
import { type FeedSyncReport, syncAndPublish } from '../core/feeds-cloud/publish';
import { type LeaseHolder, withFeedSyncLease } from '../core/feeds-cloud/sync-lease';
import { httpGetter, officialSources } from '../feeds/sync';

export const logger = new Logger({ serviceName: 'inspector-feed-sync' });

const configSchema = z
  .object({
    urls: z
      .object({
        osvBase: z.string().url(),
        al2023MirrorList: z.string().url(),
        al2MirrorList: z.string().url(),
        kev: z.string().url(),
        epss: z.string().url(),
        debianTracker: z.string().url(),
        nvdFeedBase: z.union([z.string().url(), z.literal('')]),
        cveListV5: z.string().url(),
      })
      .partial()
      .strict()
      .optional(),
    allowHttp: z.boolean().optional(),
    downloadTimeoutSeconds: z.number().positive().max(900).optional(),
    sources: z.array(z.string()).min(1).optional(),
  })
  .strict();
export type FeedSyncConfig = z.infer<typeof configSchema>;

export function parseFeedSyncConfig(raw: string | undefined): FeedSyncConfig {
  if (!raw) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${ENV.feedSyncConfig} is not JSON: ${(err as Error).message}`);
  }
  const c = configSchema.safeParse(value);
  if (!c.success) {
    const i = c.error.issues[0];
    throw new Error(`${ENV.feedSyncConfig}: ${i?.path.join('.') || '(document)'}: ${i?.message}`);
  }
  return c.data;
}

export class FeedSyncFailedError extends Error {
  override readonly name = 'FeedSyncFailedError';
}

export type FeedSyncSummary = Omit<FeedSyncReport, 'timings'> & { syncMs: number; publishMs: number };

/** Another sync held the lease: this invocation did nothing (not an error, so no retry piles up). */
export interface FeedSyncSkipped {
  outcome: 'skipped';
  reason: string;
  heldBy?: string;
  leaseExpiresAt?: string;
}

let s3: ReturnType<typeof feedS3Client> | undefined;
let dynamo: DynamoDBDocumentClient | undefined;

export const handler = async (
  _event?: unknown,
  context?: { awsRequestId?: string },
): Promise<FeedSyncSummary | FeedSyncSkipped> => {
  const env = process.env;
  const bucket = requireEnv(ENV.feedBucket, env);
  const locksTable = requireEnv(ENV.locksTable, env);
  const config = parseFeedSyncConfig(env[ENV.feedSyncConfig]);
  let sources = officialSources(config.urls ?? {}, { allowHttp: config.allowHttp ?? false });
  if (config.sources) {
    const known = new Set(sources.map((s) => s.name));
    const unknown = config.sources.filter((n) => !known.has(n));
    if (unknown.length > 0)
      throw new Error(`${ENV.feedSyncConfig}.sources names unknown sources: ${unknown.join(', ')}`);
    sources = sources.filter((s) => config.sources?.includes(s.name));
  }
  s3 ??= feedS3Client(env);
  dynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient(awsClientConfig()));
  const owner = `${context?.awsRequestId ?? 'local'}:${process.pid}:${Date.now()}`;
  const leased = await withFeedSyncLease(new DynamoFeedSyncLease(dynamo, locksTable), owner, (lease) =>
    sync(bucket, config, sources, lease.confirm),
  );
  if (!leased.ran) return skipped(leased.holder);
  return leased.result;
};

function skipped(holder: LeaseHolder | undefined): FeedSyncSkipped {
  const reason = holder
    ? `another feed sync (${holder.owner}) holds the lease until ${holder.expiresAt.toISOString()}`
    : 'another feed sync holds the lease';
  logger.warn(`feed sync skipped: ${reason}`);
  return {
    outcome: 'skipped',
    reason,
    ...(holder ? { heldBy: holder.owner, leaseExpiresAt: holder.expiresAt.toISOString() } : {}),
  };
}

async function sync(
  bucket: string,
  config: FeedSyncConfig,
  sources: ReturnType<typeof officialSources>,
  beforePointer: () => Promise<void>,
): Promise<FeedSyncSummary> {
  if (!s3) throw new Error('S3 client not initialised');
  const report = await syncAndPublish({
    beforePointer,
    store: new S3FeedObjectStore(s3, bucket),
    get: httpGetter((config.downloadTimeoutSeconds ?? 300) * 1000),
    sources,
    log: {
      info: (m, extra) => (extra ? logger.info(m, extra) : logger.info(m)),
      warn: (m, extra) => (extra ? logger.warn(m, extra) : logger.warn(m)),
      error: (m, extra) => (extra ? logger.error(m, extra) : logger.error(m)),
    },
  });
  const { timings, ...rest } = report;
  const summary: FeedSyncSummary = {
    ...rest,
    syncMs: Math.round(timings.syncMs),
    publishMs: Math.round(timings.publishMs),
  };
  if (report.outcome === 'unchanged') {
    throw new FeedSyncFailedError(
      `no vulnerability feed could be refreshed (${report.failed.map((f) => `${f.source}: ${f.reason}`).join('; ')}); the published feed is unchanged (generation ${report.generation ?? 'none'})`,
    );
  }
  logger.info('feed sync finished', {
    generation: summary.generation,
    refreshed: summary.refreshed.map((r) => r.source),
    failed: summary.failed,
    warnings: summary.warnings,
    carried: summary.carried,
    dropped: summary.dropped,
    deletedGenerations: summary.deletedGenerations,
    syncMs: summary.syncMs,
    publishMs: summary.publishMs,
  });
  return summary;
}
