/**
 * Local execution of an assessment run of N instances (default 1,000; `10000` for issue 14's fleet): the
 * synthesized state machine executed with aws-local-stepfunctions (its Evaluate distributed Map by
 * test/helpers/run-lifecycle/distributed-map.ts) and the real handlers, DynamoDB Local, s3rver and the
 * service-like mocks. Prints wall time, peak memory (maxRSS of this process: the handlers, the executor and
 * the fakes; DynamoDB Local's JVM is another process), the largest state data and the SSM calls; asserts
 * nothing. Run alone: `npx tsx bench/run-1000.ts [COUNT]`, e.g. `npx tsx bench/run-1000.ts 10000`.
 */
import '../test/setup/polyfills';
import { pathToFileURL } from 'node:url';
import { startHarness } from '../test/helpers/run-lifecycle/harness';
import { FLEET_LIMITS, runFleet } from '../test/helpers/run-lifecycle/scale';

export async function runLifecycleBench(count = 1000): Promise<void> {
  const setupStart = performance.now();
  const h = await startHarness({ limits: FLEET_LIMITS });
  const setupMs = performance.now() - setupStart;
  try {
    const r = await runFleet(h, count);
    console.log(`run lifecycle, ${r.instances} instances (local execution of the synthesized state machine)`);
    console.log(`  command: npx tsx bench/run-1000.ts ${count}`);
    console.log(`  setup (DynamoDB Local, s3rver, synth): ${Math.round(setupMs)} ms`);
    console.log(
      `  execution: ${Math.round(r.executionMs)} ms (${(r.executionMs / r.instances).toFixed(1)} ms per instance)`,
    );
    console.log(
      `  peak memory (maxRSS of this process): ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
    );
    console.log(
      `  final state ${r.state}; ${r.evaluated} evaluated, ${r.excluded} excluded, ${r.unaccounted} neither; ${r.findings} findings (${r.uniqueFindingIds} distinct ids); ${r.findingEvents} FINDING_REPORTED events`,
    );
    console.log(
      `  largest state data: ${r.payloads.largest} bytes (${r.payloads.largestState}); in a Map child: ${r.payloads.largestChild} bytes (${r.payloads.largestChildState})`,
    );
    console.log(
      `  SSM: ${r.sendCommandCalls} SendCommand (largest batch ${r.largestSendCommandBatch}), ${r.listCommandsCalls} ListCommands while polling, ${r.listCommandInvocationsCalls} ListCommandInvocations at the end`,
    );
  } finally {
    await h.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const count = Number(process.argv[2] ?? 1000);
  if (!Number.isInteger(count) || count < 1 || count > 10_000) {
    console.error('usage: npx tsx bench/run-1000.ts [COUNT from 1 to 10000]');
    process.exitCode = 2;
  } else {
    runLifecycleBench(count).catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
  }
}
