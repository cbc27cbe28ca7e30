/**
 * A simulated fleet run end to end with the synthesized state machine: a few instances run the real
 * agent, the rest upload a pre-collected document re-addressed (and encrypted) for their run and instance.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { collectTelemetry } from '../../../agent/collect';
import { evaluationManifestKey } from '../../../functions/ports/evaluation-manifests';
import { cleanupRoots, makeRoot } from '../fixture-root';
import {
  type ExecutionMeter,
  execute,
  type Harness,
  insecureRootSpec,
  lifecycleDeps,
  type PayloadSizes,
  seedTemplate,
  TELEMETRY_BUCKET,
} from './harness';

export interface ScaleResult {
  instances: number;
  executionMs: number;
  state: string | undefined;
  findings: number;
  /** Distinct finding ids (equal to findings: no duplicate). */
  uniqueFindingIds: number;
  evaluated: number;
  excluded: number;
  /** Instances neither EVALUATED nor EXCLUDED at the end (must be 0). */
  unaccounted: number;
  sendCommandCalls: number;
  largestSendCommandBatch: number;
  findingEvents: number;
  /** SSM calls of the run: ListCommands while polling, ListCommandInvocations for the final reconciliation. */
  listCommandsCalls: number;
  listCommandInvocationsCalls: number;
  /** The largest state input/output (bytes of JSON) in the execution and in the Map's children. */
  payloads: PayloadSizes;
  /** Instances in the evaluation manifest the Map read. */
  manifestCount: number;
}

/**
 * `behaviour`: 'template' (default) uploads a pre-collected document per instance; 'fail' makes every agent
 * fail (the run then goes through start, agents, dispatch, polling and finalization at full size, with an
 * empty evaluation).
 */
export async function runFleet(
  h: Harness,
  count: number,
  realAgents = 5,
  behaviour: 'template' | 'fail' = 'template',
  meter?: ExecutionMeter,
): Promise<ScaleResult> {
  const root = makeRoot(insecureRootSpec);
  h.cloud.templateTelemetry = await collectTelemetry({ root, runId: 'template', instanceId: 'template' });
  const group = `fleet-${count}-${behaviour}`;
  for (let i = 0; i < count; i++) {
    h.cloud.add({
      // Distinct ids per behaviour: a fleet of each can be in the harness at once.
      instanceId: `i-${behaviour === 'fail' ? 'f' : '0'}${String(i).padStart(16, '0')}`,
      tags: { fleet: group },
      agent: { pingStatus: 'Online' },
      behaviour: i < realAgents ? 'collect' : behaviour,
      root,
    });
  }
  const tpl = await seedTemplate(h, { tags: [{ key: 'fleet', values: [group] }] });
  const batchesBefore = h.cloud.sendCommandBatches.length;
  const ssmBefore = { ...h.cloud.ssmCalls };
  const executionName = `fleet-${count}-${behaviour}-${Date.now()}`;
  const started = performance.now();
  const out = await execute(
    h,
    { templateId: tpl.templateId },
    { executionName, ...(meter ? { meter } : {}) },
  );
  const executionMs = performance.now() - started;
  if (out.status !== 'SUCCEEDED')
    throw new Error(`fleet run failed: ${out.error?.name}: ${out.error?.message}`);
  const runId = `run-${executionName}`;
  const deps = lifecycleDeps();
  const run = await deps.runs.getRun(runId);
  const instances = await deps.runs.listInstances(runId);
  const findings = await deps.findings.listByRun(runId);
  const batches = h.cloud.sendCommandBatches.slice(batchesBefore);
  cleanupRoots();
  const evaluated = instances.filter((i) => i.evaluation === 'EVALUATED').length;
  const excluded = instances.filter((i) => i.evaluation === 'EXCLUDED').length;
  // The evaluation manifest PollCommands wrote and the Map read (none when nothing was left to evaluate).
  const s3 = new S3Client({ endpoint: h.s3.endpoint, forcePathStyle: true, region: 'us-east-1' });
  const manifest = await s3
    .send(new GetObjectCommand({ Bucket: TELEMETRY_BUCKET, Key: evaluationManifestKey(runId) }))
    .then(async (o) => JSON.parse((await o.Body?.transformToString()) ?? '[]') as string[])
    .finally(() => s3.destroy());
  return {
    instances: instances.length,
    executionMs,
    state: run?.state,
    findings: findings.length,
    uniqueFindingIds: new Set(findings.map((f) => f.id)).size,
    evaluated,
    excluded,
    unaccounted: instances.length - evaluated - excluded,
    sendCommandCalls: batches.length,
    largestSendCommandBatch: Math.max(0, ...batches),
    findingEvents: h.cloud.events('FINDING_REPORTED', runId).length,
    listCommandsCalls: h.cloud.ssmCalls.listCommands - ssmBefore.listCommands,
    listCommandInvocationsCalls: h.cloud.ssmCalls.listCommandInvocations - ssmBefore.listCommandInvocations,
    payloads: out.payloads,
    manifestCount: manifest.length,
  };
}

/** The defaults per run; per account room for two fleets (a failed run's instances stay active until it ends). */
export const FLEET_LIMITS = { maxInstancesPerRun: 10_000, maxAgentsPerAccount: 20_000 };

/**
 * The fleet tests' write pacing (startHarness's `writePacing`): DynamoDB Local does not throttle, and at the
 * deployed 400 write units a second every 10,000-item write of a 10,000-instance run waits 25 s on the token
 * bucket (over half of that test's two minutes). Every write still goes through the same batching, chunking
 * and retry code; only the bucket's rate is higher. The benches keep the deployed rate (their durations are
 * Lambda time).
 */
export const FLEET_TEST_WRITE_PACING = { writeUnitsPerSecond: 1_000_000 };
