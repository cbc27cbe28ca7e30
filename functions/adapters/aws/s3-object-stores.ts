/**
 * TelemetryStore, ReportStore and EvaluationManifests over S3 (telemetry/<runId>/<instanceId>.bin,
 * reports/<runId>/..., manifests/<runId>/...).
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type EvaluationManifests, evaluationManifestKey } from '../../ports/evaluation-manifests';
import {
  type ReportStore,
  reportsPrefix,
  type TelemetryStore,
  TelemetryTooLargeError,
  telemetryKey,
  telemetryPrefix,
} from '../../ports/telemetry-store';

export class S3TelemetryStore implements TelemetryStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  uploadLocation(runId: string): { bucket: string; prefix: string } {
    return { bucket: this.bucket, prefix: telemetryPrefix(runId) };
  }

  async get(runId: string, instanceId: string, maxBytes: number): Promise<Uint8Array | undefined> {
    const Key = telemetryKey(runId, instanceId);
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      if ((head.ContentLength ?? 0) > maxBytes) {
        throw new TelemetryTooLargeError(
          `telemetry object ${Key} is ${head.ContentLength} bytes, over ${maxBytes}`,
        );
      }
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      const bytes = await out.Body?.transformToByteArray();
      if (!bytes) return undefined;
      if (bytes.byteLength > maxBytes) {
        throw new TelemetryTooLargeError(
          `telemetry object ${Key} is ${bytes.byteLength} bytes, over ${maxBytes}`,
        );
      }
      return bytes;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  deleteByRun(runId: string): Promise<number> {
    return deletePrefix(this.s3, this.bucket, telemetryPrefix(runId));
  }
}

export class S3ReportStore implements ReportStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  deleteByRun(runId: string): Promise<number> {
    return deletePrefix(this.s3, this.bucket, reportsPrefix(runId));
  }
}

export async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  let deleted = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length > 0) {
      const out = await s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
      );
      if (out.Errors && out.Errors.length > 0) {
        throw new Error(
          `could not delete ${out.Errors.length} object(s) under s3://${bucket}/${prefix}: ${out.Errors[0]?.Message}`,
        );
      }
      deleted += keys.length;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return deleted;
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/** EvaluationManifests over S3, in the telemetry bucket (its default encryption: the stack's KMS key). */
export const s3EvaluationManifests = (s3: S3Client, bucket: string): EvaluationManifests => ({
  async put(runId, instanceIds) {
    const key = evaluationManifestKey(runId);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(instanceIds) }));
    return { bucket, key, resultsPrefix: evaluationManifestKey(runId, 'evaluate-results') };
  },
  deleteByRun: (runId) => deletePrefix(s3, bucket, evaluationManifestKey(runId, '')),
});
