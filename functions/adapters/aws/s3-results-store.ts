/** ResultsStore over S3: results/<runId>/<instanceId>.json.gz (ports/results-store.ts). */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  MAX_RESULTS_OBJECT_BYTES,
  type ResultsStore,
  ResultsTooLargeError,
  resultsKey,
  resultsPrefix,
  type StoredInstanceResults,
} from '../../ports/results-store';
import { deletePrefix } from './s3-object-stores';

const gzipAsync = promisify(gzip);
/** Decompressed size refused on read (a damaged or hostile object cannot exhaust the function's memory). */
export const MAX_RESULTS_JSON_BYTES = 256 * 1024 * 1024;
const gunzipAsync = promisify(gunzip);

export class S3ResultsStore implements ResultsStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly maxBytes = MAX_RESULTS_OBJECT_BYTES,
  ) {}

  async put(runId: string, instanceId: string, stored: StoredInstanceResults): Promise<void> {
    const body = await gzipAsync(JSON.stringify(stored));
    if (body.byteLength > this.maxBytes) {
      throw new ResultsTooLargeError(
        `the results of ${instanceId} are ${body.byteLength} bytes compressed, over ${this.maxBytes}`,
      );
    }
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: resultsKey(runId, instanceId),
        Body: body,
        ContentType: 'application/json',
        ContentEncoding: 'gzip',
      }),
    );
  }

  async get(runId: string, instanceId: string): Promise<StoredInstanceResults | undefined> {
    const Key = resultsKey(runId, instanceId);
    let bytes: Uint8Array | undefined;
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      if ((out.ContentLength ?? 0) > this.maxBytes) {
        throw new ResultsTooLargeError(`${Key} is ${out.ContentLength} bytes, over ${this.maxBytes}`);
      }
      bytes = await out.Body?.transformToByteArray();
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined;
      throw err;
    }
    if (!bytes) return undefined;
    let json: Buffer;
    try {
      json = await gunzipAsync(bytes, { maxOutputLength: MAX_RESULTS_JSON_BYTES });
    } catch (err) {
      throw new Error(`${Key} could not be decompressed: ${(err as Error).message}`);
    }
    const parsed = JSON.parse(json.toString('utf8')) as Partial<StoredInstanceResults>;
    if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.results) || !parsed.instance) {
      throw new Error(`${Key} is not a stored results object`);
    }
    return parsed as StoredInstanceResults;
  }

  deleteByRun(runId: string): Promise<number> {
    return deletePrefix(this.s3, this.bucket, resultsPrefix(runId));
  }
}
