/**
 * get-assessment-report's AWS side: the status items (runs table, in the run's partition under
 * sk `REPORT#<type>#<format>`: deleting the run deletes them; they carry neither templateId nor state, so
 * the runs indexes never see them), the report objects (reports/<runId>/<type>.<ext> in the reports bucket,
 * pre-signed GET URLs) and the asynchronous render (the reports function invoking itself).
 *
 * Status in DynamoDB rather than S3 object metadata: the start needs a conditional write (one render per
 * report even when two requests race) and an in-progress or failed state before any object exists.
 */

import type { LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  REPORT_FORMATS,
  REPORT_TYPES,
  type ReportFileFormat,
  type ReportJob,
  type ReportJobs,
  type ReportObjects,
  type ReportRecord,
  type ReportStatusStore,
  type ReportType,
} from '../../core/control-plane/assessment-reports';
import { invokeAsync } from './lambda-preview-jobs';
import { TABLES } from './table-design';

const T = TABLES.runs;
const sortKey = (reportType: ReportType, format: ReportFileFormat) => `REPORT#${reportType}#${format}`;

function isConditionFailure(err: unknown): boolean {
  return (err as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

export class DynamoReportStatusStore implements ReportStatusStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(
    runId: string,
    reportType: ReportType,
    format: ReportFileFormat,
  ): Promise<ReportRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { [T.partitionKey]: runId, [T.sortKey]: sortKey(reportType, format) },
        ConsistentRead: true,
      }),
    );
    const item = out.Item;
    if (!item) return undefined;
    const { [T.sortKey]: _sk, ...record } = item;
    return record as ReportRecord;
  }

  async claim(record: ReportRecord, expectedToken: string | undefined): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...record, [T.sortKey]: sortKey(record.reportType, record.format) },
          ...(expectedToken
            ? {
                ConditionExpression: '#token = :expected',
                ExpressionAttributeNames: { '#token': 'token' },
                ExpressionAttributeValues: { ':expected': expectedToken },
              }
            : {
                ConditionExpression: 'attribute_not_exists(#sk)',
                ExpressionAttributeNames: { '#sk': T.sortKey },
              }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async finish(
    job: ReportJob,
    outcome:
      | { status: 'COMPLETED'; key: string; bytes: number; at: string; waivers: string }
      | { status: 'FAILED'; failure: string; at: string },
  ): Promise<boolean> {
    const fields: Record<string, unknown> =
      outcome.status === 'COMPLETED'
        ? {
            status: outcome.status,
            completedAt: outcome.at,
            key: outcome.key,
            bytes: outcome.bytes,
            waivers: outcome.waivers,
          }
        : { status: outcome.status, completedAt: outcome.at, failure: outcome.failure.slice(0, 4000) };
    const names: Record<string, string> = { '#token': 'token' };
    const values: Record<string, unknown> = { ':token': job.token };
    const sets = Object.entries(fields).map(([k, v], i) => {
      names[`#f${i}`] = k;
      values[`:v${i}`] = v;
      return `#f${i} = :v${i}`;
    });
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [T.partitionKey]: job.runId, [T.sortKey]: sortKey(job.reportType, job.format) },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}

export class S3ReportObjects implements ReportObjects {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404)
        return false;
      throw err;
    }
  }

  url(key: string, expiresInSeconds: number, fileName: string): Promise<string> {
    return getSignedUrl(
      this.s3,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      }),
      { expiresIn: expiresInSeconds },
    );
  }
}

export interface ReportJobEvent {
  assessmentReportJob: ReportJob;
}

export function isReportJobEvent(event: unknown): event is ReportJobEvent {
  const job = (event as { assessmentReportJob?: Record<string, unknown> } | null)?.assessmentReportJob;
  return (
    typeof job?.runId === 'string' &&
    typeof job?.token === 'string' &&
    (REPORT_TYPES as readonly unknown[]).includes(job?.reportType) &&
    (REPORT_FORMATS as readonly unknown[]).includes(job?.format)
  );
}

/** Starts the render as an asynchronous invocation (InvocationType Event) of the reports function itself. */
export class LambdaReportJobs implements ReportJobs {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
  ) {}

  async start(job: ReportJob): Promise<void> {
    const event: ReportJobEvent = { assessmentReportJob: job };
    await invokeAsync(this.lambda, this.functionName, event);
  }
}
