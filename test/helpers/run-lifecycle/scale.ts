/**
 * A simulated fleet run end to end with the synthesized state machine: a few instances run the real
 * agent, the rest upload a pre-collected document re-addressed (and encrypted) for their run and instance.
 */
import { collectTelemetry } from '../../../agent/collect';
import { cleanupRoots, makeRoot } from '../fixture-root';
import { execute, type Harness, insecureRootSpec, lifecycleDeps, seedTemplate } from './harness';

export interface ScaleResult {
  instances: number;
  executionMs: number;
  state: string | undefined;
  findings: number;
  evaluated: number;
  sendCommandCalls: number;
  largestSendCommandBatch: number;
  findingEvents: number;
}

export async function runFleet(h: Harness, count: number, realAgents = 5): Promise<ScaleResult> {
  const root = makeRoot(insecureRootSpec);
  h.cloud.templateTelemetry = await collectTelemetry({ root, runId: 'template', instanceId: 'template' });
  const group = `fleet-${count}`;
  for (let i = 0; i < count; i++) {
    h.cloud.add({
      instanceId: `i-${String(i).padStart(17, '0')}`,
      tags: { fleet: group },
      agent: { pingStatus: 'Online' },
      behaviour: i < realAgents ? 'collect' : 'template',
      root,
    });
  }
  const tpl = await seedTemplate(h, { tags: [{ key: 'fleet', values: [group] }] });
  const batchesBefore = h.cloud.sendCommandBatches.length;
  const executionName = `fleet-${count}-${Date.now()}`;
  const started = performance.now();
  const out = await execute(h, { templateId: tpl.templateId }, { executionName });
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
  return {
    instances: instances.length,
    executionMs,
    state: run?.state,
    findings: findings.length,
    evaluated: instances.filter((i) => i.evaluation === 'EVALUATED').length,
    sendCommandCalls: batches.length,
    largestSendCommandBatch: Math.max(0, ...batches),
    findingEvents: h.cloud.events('FINDING_REPORTED', runId).length,
  };
}

export const FLEET_LIMITS = { maxInstancesPerRun: 10_000, maxAgentsPerAccount: 10_000 };
