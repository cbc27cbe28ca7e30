/**
 * The published vulnerability feed over S3: the FeedObjectStore port (feed-sync writes, Evaluate reads) and
 * the Evaluate Lambda's index of the feed bucket.
 */
import {
  CopyObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { FeedObjectStore } from '../../core/feeds-cloud/object-store';
import type { FeedLog } from '../../core/feeds-cloud/publish';
import { DEFAULT_POINTER_TTL_MS, PublishedCveIndex } from '../../core/feeds-cloud/published-index';
import { awsClientConfig } from './client-config';
import { ENV } from './environment';
import { deletePrefix } from './s3-object-stores';

export class S3FeedObjectStore implements FeedObjectStore {
  readonly location: string;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {
    this.location = `s3://${bucket}`;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (err) {
      if (isMissing(err)) return undefined;
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403) {
        throw new Error(
          `${this.location}/${key}: access denied. Without s3:ListBucket on the bucket S3 answers 403 for an object that does not exist, so the feed may not have been synced yet; otherwise the role lacks s3:GetObject`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: toKey,
        CopySource: `${this.bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`,
      }),
    );
  }

  async listFolders(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  deletePrefix(prefix: string): Promise<number> {
    return deletePrefix(this.s3, this.bucket, prefix);
  }
}

/**
 * NoSuchKey with s3:ListBucket; without it S3 answers a missing key with 403 AccessDenied, which is NOT
 * taken as "missing" here (it may as well be a missing grant): the error says so.
 */
function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name === 'NoSuchBucket') return false; // a wrong bucket name is not "nothing published yet"
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/** An S3 client for the feed bucket; a custom endpoint (AWS_ENDPOINT_URL_S3) switches to path style. */
export function feedS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  return new S3Client(awsClientConfig({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3) }));
}

/**
 * The index of a feed bucket for the Evaluate Lambda. The caller keeps it in module scope (one per bucket
 * per container, see handlers/lifecycle-runtime.ts) so warm invocations reuse what it loaded.
 */
export function s3PublishedCveIndex(
  bucket: string,
  env: NodeJS.ProcessEnv = process.env,
  log?: FeedLog,
): PublishedCveIndex {
  const raw = env[ENV.feedPointerTtlSeconds];
  const ttl = raw ? Number(raw) : Number.NaN;
  return new PublishedCveIndex(new S3FeedObjectStore(feedS3Client(env), bucket), {
    ttlMs: Number.isFinite(ttl) && ttl >= 0 ? ttl * 1000 : DEFAULT_POINTER_TTL_MS,
    ...(log ? { log } : {}),
  });
}
