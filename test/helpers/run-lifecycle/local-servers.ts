/**
 * Local engines for the cloud path: Amazon's DynamoDB Local (test/helpers/dynamodb-local.ts, tables created
 * with the environment's credentials) and s3rver in-process, both on 127.0.0.1 with free ports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import {
  createTables as createDynamoTables,
  type DynamoDbLocal,
  startDynamoDbLocal,
  type TableNames,
} from '../dynamodb-local';
import { freePort } from '../free-port';

export const FAKE_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'S3RVER', // s3rver's fixed credentials; DynamoDB Local accepts any
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
} as const;

export function setFakeAwsEnv(): void {
  Object.assign(process.env, FAKE_ENV);
  delete process.env.AWS_PROFILE;
}

/** DynamoDB Local (the shared helper in test/helpers/dynamodb-local.ts). */
export type DynamoLocal = DynamoDbLocal;
export type { TableNames };

export function startDynamoLocal(): Promise<DynamoLocal> {
  return startDynamoDbLocal();
}

/**
 * Creates the tables of table-design.ts (indexes projecting all attributes, as the stack does) with the
 * credentials of the environment (FAKE_ENV), the ones the handlers under test use: DynamoDB Local keeps
 * separate tables per access key. No TTL: the lock tests write expired locks to see them taken over, and
 * DynamoDB Local would delete them first.
 */
export async function createTables(endpoint: string, prefix = 'test'): Promise<TableNames> {
  const ddb = new DynamoDBClient({ endpoint, region: FAKE_ENV.AWS_REGION });
  try {
    return await createDynamoTables(ddb, prefix, { ttl: false });
  } finally {
    ddb.destroy();
  }
}

export interface S3Local {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startS3Local(buckets: string[]): Promise<S3Local> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  const server = new S3rver({ port, address: '127.0.0.1', directory: dir, silent: true });
  await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const s3 = new S3Client({ endpoint, forcePathStyle: true, region: FAKE_ENV.AWS_REGION });
  for (const Bucket of buckets) await s3.send(new CreateBucketCommand({ Bucket }));
  s3.destroy();
  return {
    endpoint,
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
