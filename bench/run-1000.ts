/**
 * Local execution time of a 1,000-instance assessment run: the synthesized state machine executed with
 * aws-local-stepfunctions and the real handlers, DynamoDB Local, s3rver and the service-like mocks.
 * Prints figures; asserts nothing. Run alone: `npx tsx bench/run-1000.ts`.
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
    console.log(`  setup (DynamoDB Local, s3rver, synth): ${Math.round(setupMs)} ms`);
    console.log(
      `  execution: ${Math.round(r.executionMs)} ms (${(r.executionMs / r.instances).toFixed(1)} ms per instance)`,
    );
    console.log(
      `  final state ${r.state}; ${r.evaluated} evaluated; ${r.findings} findings; ${r.findingEvents} FINDING_REPORTED events`,
    );
    console.log(
      `  SSM SendCommand calls: ${r.sendCommandCalls} (largest batch ${r.largestSendCommandBatch})`,
    );
  } finally {
    await h.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runLifecycleBench().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
