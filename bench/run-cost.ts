/**
 * What one assessment run costs, from the code: a local run of COUNT simulated instances through the
 * synthesized state machine (test/helpers/run-lifecycle: DynamoDB Local, s3rver, the service-like mocks)
 * with every AWS request counted (request-meter.ts: SDK calls by service and operation, DynamoDB's consumed
 * capacity as DynamoDB Local reports it, indexes included), every Lambda invocation timed, every state
 * transition and distributed-Map child counted; the Lambda memory sizes come from the product stack as it
 * synthesizes. Priced at the list prices of bench/cost/prices.ts. Prints figures; asserts nothing.
 *
 *   npx tsx bench/run-cost.ts [COUNT ...]      (default 1000; e.g. `npx tsx bench/run-cost.ts 1000 10000`)
 *
 * Lambda durations are measured on this machine against local servers, with every handler of the run in one
 * process: they stand in for the billed durations and are likely above them (DynamoDB Local and s3rver answer
 * slower than the services). The agent's own S3 upload and KMS data key are counted (the mocked SSM runs the
 * agent's upload path); the agent download is priced apart (S3 gateway endpoint: no charge; NAT: per GB).
 */
import '../test/setup/polyfills';
import { pathToFileURL } from 'node:url';
import { startHarness } from '../test/helpers/run-lifecycle/harness';
import { RequestMeter } from '../test/helpers/run-lifecycle/request-meter';
import { FLEET_LIMITS, runFleet } from '../test/helpers/run-lifecycle/scale';
import { resolveIntrinsics } from '../test/helpers/run-lifecycle/state-machine-definition';
import { synthStack } from '../test/infra/synth-stack';
import {
  estimateRunCost,
  expressGbSeconds,
  type LambdaUsage,
  natDownloadCost,
  type RunUsage,
} from './cost/estimate';
import { PRICES } from './cost/prices';

/** Bytes an x86_64 instance downloads for the agent (bench/agent-download.ts; README "The agent download"). */
const AGENT_DOWNLOAD_BYTES = { first: 150.6 * 1024 ** 2, later: 150.6 * 1024 ** 2 };

/** Memory of the Lambda behind each Task state of the deployed state machine (children's states included). */
export function taskMemory(): Map<string, number> {
  const s = synthStack();
  try {
    const fns = s.template.findResources('AWS::Lambda::Function') as Record<
      string,
      { Properties: { MemorySize?: number } }
    >;
    const machines = Object.values(s.template.findResources('AWS::StepFunctions::StateMachine')) as Array<{
      Properties: { DefinitionString: unknown };
    }>;
    const out = new Map<string, number>();
    const walk = (states: Record<string, Record<string, unknown>>) => {
      for (const [name, st] of Object.entries(states)) {
        const fnName = (st.Parameters as { FunctionName?: string } | undefined)?.FunctionName;
        const logicalId = typeof fnName === 'string' ? fnName.split(':function:')[1] : undefined;
        if (logicalId && fns[logicalId]) out.set(name, fns[logicalId].Properties.MemorySize ?? 128);
        const processor = (st.ItemProcessor ?? st.Iterator) as
          | { States?: Record<string, Record<string, unknown>> }
          | undefined;
        if (processor?.States) walk(processor.States);
        for (const b of (st.Branches as Array<{ States: Record<string, Record<string, unknown>> }>) ?? [])
          walk(b.States);
      }
    };
    for (const m of machines) {
      const def = JSON.parse(String(resolveIntrinsics(m.Properties.DefinitionString))) as {
        States: Record<string, Record<string, unknown>>;
      };
      walk(def.States);
    }
    return out;
  } finally {
    s.cleanup();
  }
}

export async function runCost(count: number, memory: Map<string, number>): Promise<RunUsage> {
  const h = await startHarness({ limits: FLEET_LIMITS });
  const meter = new RequestMeter().install();
  const lambda = new Map<string, LambdaUsage>();
  let transitions = 0;
  const childMs: number[] = [];
  try {
    const r = await runFleet(h, count, 5, 'template', {
      invocation(state, ms) {
        const l = lambda.get(state) ?? {
          name: state,
          invocations: 0,
          memoryMiB: memory.get(state) ?? 256,
          billedMs: 0,
        };
        l.invocations++;
        l.billedMs += Math.ceil(ms);
        lambda.set(state, l);
      },
      transition() {
        transitions++;
      },
      child(ms) {
        childMs.push(ms);
      },
    });
    console.log(
      `  run: ${r.state}, ${r.instances} instances (${r.evaluated} evaluated, ${r.excluded} excluded, ${r.unaccounted} unaccounted), ${r.findings} findings (${r.uniqueFindingIds} distinct), ${Math.round(r.executionMs / 1000)} s locally, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB, largest state data ${r.payloads.largest} B (child ${r.payloads.largestChild} B)`,
    );
  } finally {
    meter.restore();
    await h.stop();
  }
  const requests = [...meter.requests.entries()].sort(([a], [b]) => a.localeCompare(b));
  console.log(`  requests: ${requests.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return {
    instances: count,
    standardTransitions: transitions,
    expressExecutions: childMs.length,
    expressGbSeconds: expressGbSeconds(childMs),
    lambda: [...lambda.values()],
    dynamoWriteUnits: meter.dynamoWriteUnits,
    dynamoReadUnits: meter.dynamoReadUnits,
    s3Put: meter.total('S3', [
      'PutObject',
      'CreateMultipartUpload',
      'UploadPart',
      'CompleteMultipartUpload',
      'ListObjectsV2',
      'CopyObject',
    ]),
    s3Get: meter.total('S3', ['GetObject', 'HeadObject']),
    kms: meter.total('KMS'),
    sns: meter.snsMessages,
    eventBridge: meter.eventBridgeEntries,
    agentDownloadBytes: AGENT_DOWNLOAD_BYTES,
  };
}

const usd = (n: number) => (n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`);

export async function runCostBench(counts: number[] = [1000]): Promise<void> {
  const memory = taskMemory();
  for (const count of counts) {
    console.log(`run cost, ${count} instances (npx tsx bench/run-cost.ts ${count})`);
    const usage = await runCost(count, memory);
    const { lines, totalUsd } = estimateRunCost(usage);
    for (const l of lines)
      console.log(
        `  ${l.item.padEnd(46)} ${String(Math.round(l.quantity * 100) / 100).padStart(12)}  ${usd(l.usd).padStart(9)}`,
      );
    console.log(
      `  ${'total per run'.padEnd(46)} ${''.padStart(12)}  ${usd(totalUsd).padStart(9)}  (${usd(totalUsd / count)} per instance)`,
    );
    for (const l of usage.lambda)
      console.log(
        `    ${l.name}: ${l.invocations} invocations, ${l.memoryMiB} MiB, ${Math.round(l.billedMs / 1000)} s billed`,
      );
    const nat = natDownloadCost(usage);
    if (nat)
      console.log(
        `  agent download through a NAT gateway (no S3 gateway endpoint): ${usd(nat.firstUsd)} per run at ${(AGENT_DOWNLOAD_BYTES.first / 1024 ** 2).toFixed(1)} MiB an instance; through an S3 gateway endpoint: $0`,
      );
  }
  console.log('  prices (US East, on-demand, no free tier):');
  for (const p of Object.values(PRICES))
    console.log(`    $${p.usd} per ${p.per.toLocaleString('en-US')} ${p.unit}: ${p.source}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const counts = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  runCostBench(counts.length > 0 ? counts : [1000]).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
