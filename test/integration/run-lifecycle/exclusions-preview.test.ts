/**
 * The exclusions preview end to end (issue 17): the CLI → the deployed control-plane handlers → the
 * preview's asynchronous Lambda invocation (FakeCloud queues it as Lambda does) → WORK_IN_PROGRESS, then
 * COMPLETED, over DynamoDB Local and the simulated fleet, with a real run of another template holding one
 * instance's lock. Then the runs the preview was about: refused while the lock is held, and once it is free,
 * a run whose exclusions (list-exclusions) are the ones the preview announced, whose agents
 * (list-assessment-run-agents) carry the Auto Scaling group, and whose telemetry metadata
 * (get-telemetry-metadata) EvaluateInstance recorded.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { setTransportFactory, unwrap } from '../../../functions/cli/aws-client';
import { main } from '../../../functions/cli/main';
import type { ControlPlaneResponse } from '../../../functions/core/control-plane/errors';
import { TELEMETRY_MESSAGE_TYPES } from '../../../functions/core/run-lifecycle/telemetry-metadata';
import { logger as controlPlaneLogger } from '../../../functions/handlers/control-plane/aws-deps';
import { handler as findingsHandler } from '../../../functions/handlers/control-plane/findings';
import { handler as targetsHandler } from '../../../functions/handlers/control-plane/targets';
import { stopAssessmentRun } from '../../../functions/handlers/run-operations';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import {
  execute,
  type Harness,
  insecureRootSpec,
  lifecycleDeps,
  seedTemplate,
  startHarness,
} from '../../helpers/run-lifecycle/harness';
import { healthy, runState, waitForState } from '../../helpers/run-lifecycle/scenario-helpers';

const TARGETS_FUNCTION = 'InspectorClassic-ControlPlaneTargets';
let h: Harness;
let out = '';
let err = '';

beforeAll(async () => {
  h = await startHarness();
  controlPlaneLogger.setLogLevel('SILENT');
  process.env.AWS_LAMBDA_FUNCTION_NAME = TARGETS_FUNCTION;
  h.cloud.functions.set(TARGETS_FUNCTION, targetsHandler);
  const handlers: Record<string, (event: unknown) => Promise<unknown>> = {
    targets: targetsHandler,
    findings: findingsHandler,
  };
  setTransportFactory(() => ({
    call: async (group, operation, input) =>
      unwrap(
        JSON.parse(JSON.stringify(await handlers[group]!({ operation, input }))) as ControlPlaneResponse,
      ),
  }));
});
afterAll(async () => {
  setTransportFactory(undefined);
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  await h?.stop();
  cleanupRoots();
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  const code = await main(['node', 'inspector', ...args]);
  vi.restoreAllMocks();
  return { code, out, err };
}

async function json(...args: string[]) {
  const r = await cli(...args, '--output', 'json');
  if (r.code !== 0) throw new Error(`inspector ${args.join(' ')}: ${r.err}`);
  return JSON.parse(r.out);
}

interface Preview {
  title: string;
  description: string;
  scopes: Array<{ key: string; value: string }>;
  attributes: Array<{ key: string; value: string }>;
}
const reasonOf = (e: Preview) => e.attributes.find((a) => a.key === 'REASON')?.value;

describe('exclusions preview in the local harness', () => {
  it('healthy, unhealthy, agentless, unsupported and already-locked instances: the preview, then the runs', async () => {
    const fleet = { fleet: 'preview' };
    h.cloud.add(
      healthy('i-pv-healthy', { ...fleet, 'aws:autoscaling:groupName': 'web-asg' }),
      { instanceId: 'i-pv-unhealthy', tags: fleet, agent: { pingStatus: 'ConnectionLost' } },
      { instanceId: 'i-pv-agentless', tags: fleet },
      {
        instanceId: 'i-pv-windows',
        tags: fleet,
        agent: {
          pingStatus: 'Online',
          platformType: 'Windows',
          platformName: 'Microsoft Windows Server 2022',
        },
      },
      healthy('i-pv-i386', fleet, { architecture: 'i386' }),
      healthy('i-pv-locked', { ...fleet, lockme: 'yes' }, { behaviour: 'hang' }),
    );
    const blockerTemplate = await seedTemplate(h, { tags: [{ key: 'lockme' }] });
    const template = await seedTemplate(h, { tags: [{ key: 'fleet', values: ['preview'] }] });

    // Another template's run holds i-pv-locked while it collects.
    const blocker = execute(h, { templateId: blockerTemplate.templateId }, { executionName: 'pv-blocker' });
    await waitForState('run-pv-blocker', 'COLLECTING_DATA');

    const { previewToken } = await json('create-exclusions-preview', '--template-id', template.templateId);
    expect(h.cloud.queuedInvocations).toEqual([
      {
        functionName: TARGETS_FUNCTION,
        event: { exclusionsPreviewJob: { templateId: template.templateId, previewToken } },
      },
    ]);
    const again = await cli('create-exclusions-preview', '--template-id', template.templateId);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^inspector: PreviewGenerationInProgressException: /);
    const get = [
      'get-exclusions-preview',
      '--template-id',
      template.templateId,
      '--preview-token',
      previewToken,
    ];
    expect(await json(...get)).toEqual({ previewStatus: 'WORK_IN_PROGRESS', exclusionPreviews: [] });

    expect(await h.cloud.deliverInvocations()).toBe(1);
    const preview = await json(...get);
    expect(preview.previewStatus).toBe('COMPLETED');
    const predicted = (preview.exclusionPreviews as Preview[]).flatMap((e) =>
      e.scopes.map((s) => ({ reason: reasonOf(e), instanceId: s.value, description: e.description })),
    );
    expect(predicted.map((p) => `${p.instanceId} ${p.reason}`).sort()).toEqual([
      'i-pv-agentless NO_AGENT',
      'i-pv-i386 UNSUPPORTED_OS',
      'i-pv-locked INSTANCE_LOCKED',
      'i-pv-unhealthy AGENT_UNHEALTHY',
      'i-pv-windows UNSUPPORTED_OS',
    ]);
    expect(predicted.find((p) => p.reason === 'INSTANCE_LOCKED')?.description).toBe(
      'the instance is in the active assessment run run-pv-blocker',
    );
    const text = await cli(...get);
    expect(text.out).toContain('Title           The instance is in an active assessment run');

    // As predicted, a run of the template is refused while the lock is held.
    const refused = await execute(h, { templateId: template.templateId }, { executionName: 'pv-refused' });
    expect(refused.status).toBe('FAILED');
    expect(refused.error?.name).toBe('RunConflictError');

    // Once the other run ends, the run goes ahead and excludes what the preview said, for the same reasons.
    await stopAssessmentRun('run-pv-blocker', 'SKIP_EVALUATION');
    expect((await blocker).status).toBe('SUCCEEDED');
    Object.assign(h.cloud.instances.get('i-pv-locked')!, {
      behaviour: 'collect',
      root: makeRoot(insecureRootSpec),
    });
    const next = await json('create-exclusions-preview', '--template-id', template.templateId);
    await h.cloud.deliverInvocations();
    const clear = await json(
      'get-exclusions-preview',
      '--template-id',
      template.templateId,
      '--preview-token',
      next.previewToken,
    );
    expect((clear.exclusionPreviews as Preview[]).map(reasonOf)).not.toContain('INSTANCE_LOCKED');

    const done = await execute(h, { templateId: template.templateId }, { executionName: 'pv-run' });
    expect(done.status).toBe('SUCCEEDED');
    const runId = 'run-pv-run';
    expect((await runState(runId)).run?.state).toBe('COMPLETED_WITH_ERRORS');

    const listed = await json('list-exclusions', '--run-id', runId);
    const described = await json(
      'describe-exclusions',
      '--exclusion-ids',
      ...listed.items.map((e: { exclusionId: string }) => e.exclusionId),
    );
    expect(described.failedItems).toEqual([]);
    const actual = (described.exclusions as Array<Preview & { instanceId: string; reason: string }>).map(
      (e) => ({
        reason: e.reason,
        instanceId: e.instanceId,
        description: e.description,
      }),
    );
    expect(actual.sort((a, b) => a.instanceId.localeCompare(b.instanceId))).toEqual(
      predicted
        .filter((p) => p.reason !== 'INSTANCE_LOCKED')
        .sort((a, b) => a.instanceId.localeCompare(b.instanceId)),
    );

    // The run's agents: health and codes, the Auto Scaling group, what each sent.
    const agents = await json('list-assessment-run-agents', '--run-id', runId, '--max-results', '50');
    const byId = new Map(agents.items.map((a: { agentId: string }) => [a.agentId, a]));
    expect(byId.get('i-pv-healthy')).toMatchObject({
      agentHealth: 'HEALTHY',
      agentHealthCode: 'IDLE',
      autoScalingGroup: 'web-asg',
      commandStatus: 'SUCCEEDED',
      evaluation: 'EVALUATED',
    });
    expect(byId.get('i-pv-agentless')).toMatchObject({ agentHealth: 'UNKNOWN', agentHealthCode: 'UNKNOWN' });
    expect(byId.get('i-pv-unhealthy')).toMatchObject({
      agentHealth: 'UNHEALTHY',
      agentHealthCode: 'UNHEALTHY',
    });
    const sent = (
      byId.get('i-pv-healthy') as {
        telemetryMetadata: Array<{ messageType: string; count: number; dataSize: number }>;
      }
    ).telemetryMetadata;
    expect(sent.map((m) => m.messageType)).toEqual([...TELEMETRY_MESSAGE_TYPES]);
    const of = (type: string) => sent.find((m) => m.messageType === type)!;
    expect(of('files').count).toBeGreaterThanOrEqual(3);
    expect(of('files').dataSize).toBeGreaterThan(
      JSON.stringify(insecureRootSpec.files['/etc/ssh/sshd_config']).length,
    );
    expect(of('kernelParameters').count).toBeGreaterThanOrEqual(3);
    expect(of('samples').count).toBeGreaterThanOrEqual(1);
    // The stored object's size, as S3 holds it.
    const stored = await lifecycleDeps().telemetry.get(runId, 'i-pv-healthy', 64 * 1024 * 1024);
    expect(of('encryptedTelemetry')).toEqual({
      messageType: 'encryptedTelemetry',
      count: 1,
      dataSize: stored?.byteLength,
    });
    expect(byId.get('i-pv-agentless')).toMatchObject({ telemetryMetadata: [] });

    const metadata = await json('get-telemetry-metadata', '--run-id', runId);
    expect(metadata.instancesReported).toBe(2);
    const encrypted = metadata.telemetryMetadata.find(
      (m: { messageType: string }) => m.messageType === 'encryptedTelemetry',
    );
    expect(encrypted.count).toBe(2);
    const locked = byId.get('i-pv-locked') as {
      telemetryMetadata: Array<{ messageType: string; dataSize: number }>;
    };
    const storedOf = (list: Array<{ messageType: string; dataSize: number }>) =>
      list.find((m) => m.messageType === 'encryptedTelemetry')!.dataSize;
    expect(encrypted.dataSize).toBe(storedOf(sent) + storedOf(locked.telemetryMetadata));
  });
});
