/**
 * The dependencies of the ExportToSecurityHub Lambda from its environment: the runs and findings tables
 * (read; the run record's `securityHubExport` attribute is the one thing it writes) and Security Hub's
 * BatchImportFindings through the SDK. Kept apart from lifecycle-deps.ts: its bundle carries no telemetry,
 * SSM or rules packages.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Finding } from '../../core/model';
import type { LifecycleLog } from '../../core/run-lifecycle/deps';
import {
  EXPORTED_RUN_STATES,
  type SecurityHubExportDeps,
} from '../../core/run-lifecycle/export-security-hub';
import type { BatchImportTransport } from '../../exports/security-hub-import';
import { awsClientConfig } from './client-config';
import { dynamoDocumentClient } from './dynamo-client';
import { DynamoFindingStore } from './dynamo-finding-store';
import { DynamoRunStore, RUN_SK } from './dynamo-run-store';
import { EmfLifecycleMetrics } from './emf-metrics';
import { ENV, requireEnv } from './environment';
import type { ShardLayout } from './run-shards';
import { TABLES } from './table-design';
import { isTransientAwsError } from './transient-errors';

/** BatchImportFindings over the SDK client; throttling, 5xx and timeouts are transient. */
export function securityHubTransport(client: SecurityHubClient): BatchImportTransport {
  return {
    async send(findings) {
      // AsffFinding is the ASFF subset this project writes, checked by checkAsff; the SDK's type is the
      // whole format with every field optional.
      const out = await client.send(
        new BatchImportFindingsCommand({ Findings: findings as unknown as AwsSecurityFinding[] }),
      );
      return {
        ...(out.SuccessCount !== undefined ? { SuccessCount: out.SuccessCount } : {}),
        ...(out.FailedCount !== undefined ? { FailedCount: out.FailedCount } : {}),
        FailedFindings: (out.FailedFindings ?? []).map((f) => ({
          ...(f.Id !== undefined ? { Id: f.Id } : {}),
          ...(f.ErrorCode !== undefined ? { ErrorCode: f.ErrorCode } : {}),
          ...(f.ErrorMessage !== undefined ? { ErrorMessage: f.ErrorMessage } : {}),
        })),
      };
    },
    isTransient: isTransientAwsError,
  };
}

/** A run's findings, one Query page (up to 1 MB) at a time, every shard of the run (DynamoFindingStore). */
export function findingPages(
  doc: DynamoDBDocumentClient,
  table: string,
  runId: string,
  layout: Partial<ShardLayout> = {},
): AsyncIterable<Finding[]> {
  return new DynamoFindingStore(doc, table, { layout }).pagesByRun(runId);
}

/** The newest earlier run of the template that completed (byTemplate index, newest first). */
export async function previousExportedRun(
  doc: DynamoDBDocumentClient,
  table: string,
  templateId: string,
  createdAt: string,
  runId: string,
): Promise<string | undefined> {
  const T = TABLES.runs;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: T.indexes.byTemplate.name,
        KeyConditionExpression: 'templateId = :t AND createdAt <= :c',
        ExpressionAttributeValues: { ':t': templateId, ':c': createdAt },
        ProjectionExpression: 'runId, #state',
        ExpressionAttributeNames: { '#state': 'state' },
        ScanIndexForward: false,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      if (item.runId === runId) continue;
      if (EXPORTED_RUN_STATES.includes(item.state as (typeof EXPORTED_RUN_STATES)[number]))
        return String(item.runId);
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return undefined;
}

export function securityHubExportDepsFromEnv(
  log: LifecycleLog,
  env: NodeJS.ProcessEnv = process.env,
): SecurityHubExportDeps {
  const doc = dynamoDocumentClient();
  const runsTable = requireEnv(ENV.runsTable, env);
  const findingsTable = requireEnv(ENV.findingsTable, env);
  const runs = new DynamoRunStore(doc, runsTable);
  return {
    runs,
    findingPages: (runId) => findingPages(doc, findingsTable, runId),
    previousExportedRun: (templateId, createdAt, runId) =>
      previousExportedRun(doc, runsTable, templateId, createdAt, runId),
    async recordExport(runId, record) {
      await doc.send(
        new UpdateCommand({
          TableName: runsTable,
          Key: { [TABLES.runs.partitionKey]: runId, [TABLES.runs.sortKey]: RUN_SK },
          UpdateExpression: 'SET securityHubExport = :r',
          ConditionExpression: `attribute_exists(${TABLES.runs.partitionKey})`,
          ExpressionAttributeValues: { ':r': record },
        }),
      );
    },
    transport: securityHubTransport(new SecurityHubClient(awsClientConfig())),
    asff: {
      accountId: requireEnv(ENV.securityHubAccountId, env),
      region: requireEnv(ENV.securityHubRegion, env),
      partition: env[ENV.securityHubPartition] ?? 'aws',
    },
    now: () => new Date(),
    log,
    metrics: new EmfLifecycleMetrics(),
  };
}
