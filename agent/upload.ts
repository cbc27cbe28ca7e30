/**
 * Uploads one encrypted telemetry object to S3 at `<prefix><instanceId>.bin` (the layout the evaluator
 * reads, functions/ports/telemetry-store.ts), SSE-KMS with the stack's key. The object body is already an
 * AWS Encryption SDK message; server-side encryption is the bucket's second layer, required by the
 * instance policy.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export interface UploadTarget {
  bucket: string;
  /** Key prefix ending in '/', e.g. telemetry/<runId>/ */
  prefix: string;
  instanceId: string;
  /** KMS key for server-side encryption; omitted, the bucket default applies. */
  kmsKeyArn?: string;
  region?: string;
}

/**
 * The agent's AWS clients (S3 upload, KMS data key) retry throttling and transient errors with the SDK's
 * adaptive mode (backoff with full jitter); the agent keeps its own copy of the settings of
 * functions/adapters/aws/client-config.ts, which it does not import.
 */
export const AGENT_AWS_RETRY = { retryMode: 'adaptive', maxAttempts: 5 } as const;

export function telemetryObjectKey(prefix: string, instanceId: string): string {
  const p = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  return `${p}${instanceId}.bin`;
}

export function defaultPrefix(runId: string): string {
  return `telemetry/${runId}/`;
}

export async function uploadTelemetry(
  target: UploadTarget,
  body: Uint8Array,
  client: S3Client = new S3Client({
    ...AGENT_AWS_RETRY,
    ...(target.region ? { region: target.region } : {}),
  }),
): Promise<{ bucket: string; key: string; etag?: string }> {
  const key = telemetryObjectKey(target.prefix, target.instanceId);
  const out = await client.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: key,
      Body: body,
      ContentType: 'application/octet-stream',
      ...(target.kmsKeyArn
        ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: target.kmsKeyArn, BucketKeyEnabled: true }
        : {}),
    }),
  );
  return { bucket: target.bucket, key, ...(out.ETag ? { etag: out.ETag } : {}) };
}
