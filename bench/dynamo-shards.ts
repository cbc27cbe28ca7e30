/**
 * Hot vs sharded DynamoDB keys under DynamoDB's per-partition limits: the same burst of findings (INSTANCES
 * instances × PER_INSTANCE findings, WRITERS evaluations writing at once) through the real DynamoFindingStore,
 * against DynamoDB Local behind the throttling proxy (test/helpers/dynamo-throttle-proxy.ts) at SCALE of
 * DynamoDB's rates (1,000 WCU/s per partition × SCALE, one second of burst, the real clock), once with the
 * old keying (one partition per run: shards = 1) and once with the product's (RUN_SHARDS). The clients are
 * the product's (adaptive retry) and so is the write pacing (WRITE_DEFAULTS). Prints writes/s, throttles,
 * items not written and wall time; asserts nothing.
 *
 *   npx tsx bench/dynamo-shards.ts [INSTANCES=500] [PER_INSTANCE=4] [SCALE=0.05] [WRITERS=50]
 */
import '../test/setup/polyfills';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UnprocessedItemsError } from '../functions/adapters/aws/dynamo-batch';
import { DYNAMO_MAX_ATTEMPTS } from '../functions/adapters/aws/dynamo-client';
import { DynamoFindingStore } from '../functions/adapters/aws/dynamo-finding-store';
import { RUN_SHARDS } from '../functions/adapters/aws/table-design';
import type { Finding } from '../functions/core/model';
import { mapLimit } from '../functions/core/run-lifecycle/map-limit';
import { startThrottleProxy } from '../test/helpers/dynamo-throttle-proxy';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../test/helpers/dynamodb-local';

const [INSTANCES = 500, PER_INSTANCE = 4, SCALE = 0.05, WRITERS = 50] = process.argv
  .slice(2)
  .map((a) => Number(a));
const SEVERITIES = ['High', 'Medium', 'Low', 'Informational'] as const;

function finding(runId: string, instanceId: string, i: number): Finding {
  return {
    id: `f-${instanceId}-${i}`,
    runId,
    instanceId,
    rulesPackage: 'cve',
    ruleId: `cve.CVE-2026-${1000 + i}`,
    title: `CVE-2026-${1000 + i} in openssl`,
    description: 'a vulnerable package version is installed',
    recommendation: 'upgrade the package',
    severity: SEVERITIES[i % SEVERITIES.length]!,
    numericSeverity: 6,
    attributes: [{ key: 'team', value: 'secops' }],
    evidence: [{ source: 'dpkg', key: 'openssl', value: '3.0.11-1~deb12u1' }],
    createdAt: '2026-12-01T10:00:00.000Z',
  } as Finding;
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const ddb = await startDynamoDbLocal();
  console.log(
    `DynamoDB keys: ${INSTANCES} instances × ${PER_INSTANCE} findings, ${WRITERS} writers at once, ` +
      `partition limit ${1000 * SCALE} WCU/s (scale ${SCALE}), burst 1 s`,
  );
  try {
    for (const [label, shards] of [
      ['hot (one partition per run, old keys)', 1],
      [`sharded (${RUN_SHARDS} shards)`, RUN_SHARDS],
    ] as const) {
      const tables = await ddb.createTables(`bench${shards}`);
      const proxy = await startThrottleProxy(ddb.endpoint, { scale: SCALE });
      const client = new DynamoDBClient({
        endpoint: proxy.endpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        retryMode: 'adaptive',
        maxAttempts: DYNAMO_MAX_ATTEMPTS,
      });
      const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
      const store = new DynamoFindingStore(doc, tables.findings, { layout: { shards } });
      const runId = `run-bench-${shards}`;
      const ids = Array.from({ length: INSTANCES }, (_, i) => `i-${String(i).padStart(17, '0')}`);
      let notWritten = 0;
      let failedCalls = 0;
      const started = performance.now();
      await mapLimit(ids, WRITERS, async (id) => {
        try {
          await store.putFindings(Array.from({ length: PER_INSTANCE }, (_, i) => finding(runId, id, i)));
        } catch (err) {
          failedCalls++;
          if (err instanceof UnprocessedItemsError) notWritten += err.unprocessed;
          else notWritten += PER_INSTANCE;
        }
      });
      const wallMs = performance.now() - started;
      const stored = (
        await new DynamoFindingStore(ddb.doc, tables.findings, { layout: { shards } }).listByRun(runId)
      ).length;
      const t = proxy.stats()[tables.findings]!;
      const hottest = Math.max(
        ...Object.entries(t.partitions)
          .filter(([p]) => p.startsWith(`${tables.findings}|`))
          .map(([, s]) => s.writeUnits),
      );
      console.log(`\n${label}`);
      console.log(
        `  wall time ${(wallMs / 1000).toFixed(1)} s; ${Math.round((stored / wallMs) * 1000)} items written/s`,
      );
      console.log(
        `  BatchWriteItem calls ${t.requests.BatchWriteItem ?? 0}; throttled: ${t.throttledRequests} whole calls, ` +
          `${t.throttledItems} items returned unprocessed`,
      );
      console.log(
        `  stored ${stored} of ${INSTANCES * PER_INSTANCE}; not written (reported by UnprocessedItemsError): ` +
          `${notWritten} in ${failedCalls} failed putFindings calls`,
      );
      console.log(`  hottest table partition: ${hottest} write units`);
      client.destroy();
      await proxy.stop();
    }
  } finally {
    await ddb.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
