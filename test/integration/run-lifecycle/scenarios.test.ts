/**
 * The assessment-run state machine that CDK synthesizes, executed locally with the real handlers against
 * DynamoDB Local and s3rver; SSM/EC2/SNS/KMS through mocks that behave like the services (SSM runs the
 * real agent on fixture roots). Each scenario asserts the run's final state, per-instance status,
 * findings and the events published.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import type { EvaluateBatch } from '../../../functions/core/run-lifecycle/model';
import { configureLifecycle } from '../../../functions/handlers/lifecycle-runtime';
import { deleteAssessmentRun, stopAssessmentRun } from '../../../functions/handlers/run-operations';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import {
  AGENT_ARTIFACTS,
  AGENT_ASSETS_BUCKET,
  EVENTS_TOPIC,
  execute,
  type Harness,
  insecureRootSpec,
  lifecycleDeps,
  SCENARIO_DURATION_SECONDS,
  seedTemplate,
  startHarness,
  testRulesPackage,
} from '../../helpers/run-lifecycle/harness';
import { healthy, runState, waitForState } from '../../helpers/run-lifecycle/scenario-helpers';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
  cleanupRoots();
});

describe('assessment run lifecycle (synthesized state machine, local execution)', () => {
  it('three healthy instances: COMPLETED, findings written, events published', async () => {
    h.cloud.add(
      healthy('i-healthy-1', { env: 'prod' }),
      healthy('i-healthy-2', { env: 'prod' }),
      healthy('i-healthy-3', { role: 'web' }),
      healthy('i-other-env', { env: 'dev' }),
    );
    const tpl = await seedTemplate(h, { tags: [{ key: 'env', values: ['prod'] }, { key: 'role' }] });
    const out = await execute(h, { templateId: tpl.templateId }, { executionName: 'three-healthy' });
    expect(out.status).toBe('SUCCEEDED');
    const runId = 'run-three-healthy';
    const { run, instances, findings, byId } = await runState(runId);
    expect(run?.state).toBe('COMPLETED');
    expect(run?.stateHistory.map((s) => s.state)).toEqual([
      'CREATED',
      'START_DATA_COLLECTION_PENDING',
      'START_DATA_COLLECTION_IN_PROGRESS',
      'COLLECTING_DATA',
      'DATA_COLLECTED',
      'START_EVALUATING_RULES_PENDING',
      'EVALUATING_RULES',
      'COMPLETED',
    ]);
    expect(instances.map((i) => i.instanceId).sort()).toEqual(['i-healthy-1', 'i-healthy-2', 'i-healthy-3']);
    for (const i of instances) {
      expect(i).toMatchObject({
        agentHealth: 'HEALTHY',
        collection: 'SUCCEEDED',
        evaluation: 'EVALUATED',
        exclusions: [],
      });
      expect(i.findingCounts).toEqual({ High: 1, Medium: 1, Low: 0, Informational: 0 });
      expect(i.hostname).toBe('web-1');
    }
    expect(findings).toHaveLength(6);
    expect(new Set(findings.map((f) => f.ruleId))).toEqual(new Set(['sbp.ssh-root-login', 'sbp.aslr']));
    expect(findings.every((f) => f.attributes.some((a) => a.key === 'team' && a.value === 'secops'))).toBe(
      true,
    );
    expect(run?.findingCounts).toEqual({ High: 3, Medium: 3, Low: 0, Informational: 0 });
    expect(byId.get('i-healthy-1')?.commandId).toBeTruthy();

    const events = h.cloud.events(undefined, runId);
    expect(events.filter((e) => e.event === 'ASSESSMENT_RUN_STARTED')).toHaveLength(1);
    expect(h.cloud.events('FINDING_REPORTED', runId)).toHaveLength(6);
    const completed = h.cloud.events('ASSESSMENT_RUN_COMPLETED', runId);
    // the stack topic and the template's topic for this event
    expect(completed.map((e) => e.topicArn).sort()).toEqual(
      [EVENTS_TOPIC, 'arn:aws:sns:us-east-1:111122223333:team-topic'].sort(),
    );
    expect(completed[0]?.body.state).toBe('COMPLETED');
    // The same events on the default EventBridge bus, once each (the template's topic is SNS only).
    const bus = h.cloud.busEvents.filter((e) => e.detail.runId === runId);
    expect(bus.every((e) => e.source === 'inspector.classic.selfhosted')).toBe(true);
    expect(bus.filter((e) => e.detailType === 'Inspector Finding Reported')).toHaveLength(6);
    expect(
      bus.filter((e) => e.detailType === 'Inspector Assessment Run Completed').map((e) => e.detail.state),
    ).toEqual(['COMPLETED']);
    expect(bus.length).toBe(events.filter((e) => e.topicArn === EVENTS_TOPIC).length);
    expect(h.cloud.events('ASSESSMENT_RUN_STATE_CHANGED', runId).map((e) => e.body.state)).toContain(
      'EVALUATING_RULES',
    );
    // the command carried the run's parameters and a timeout of duration + margin
    const cmd = [...h.cloud.commands.values()].find((c) => c.parameters.runId?.[0] === runId);
    expect(cmd?.parameters).toMatchObject({
      uploadPrefix: [`telemetry/${runId}/`],
      durationSeconds: [String(SCENARIO_DURATION_SECONDS)],
    });
    expect(cmd?.timeoutSeconds).toBe(SCENARIO_DURATION_SECONDS + 600);
  });

  it('an instance without an SSM agent is excluded (NO_AGENT); the others are assessed', async () => {
    h.cloud.add(healthy('i-na-1', { group: 'noagent' }), healthy('i-na-2', { group: 'noagent' }), {
      instanceId: 'i-na-none',
      tags: { group: 'noagent' },
    });
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['noagent'] }] });
    const out = await execute(h, { templateId: tpl.templateId }, { executionName: 'no-agent' });
    expect(out.status).toBe('SUCCEEDED');
    const { run, byId, findings } = await runState('run-no-agent');
    expect(run?.state).toBe('COMPLETED_WITH_ERRORS');
    expect(byId.get('i-na-none')).toMatchObject({
      agentHealth: 'UNKNOWN',
      collection: 'SKIPPED',
      evaluation: 'EXCLUDED',
    });
    expect(byId.get('i-na-none')?.exclusions.map((e) => e.reason)).toEqual(['NO_AGENT']);
    expect(byId.get('i-na-1')).toMatchObject({ evaluation: 'EVALUATED', exclusions: [] });
    expect(findings.filter((f) => f.instanceId === 'i-na-none')).toHaveLength(0);
    expect(findings).toHaveLength(4);
    // no command was sent to the agentless instance
    expect([...h.cloud.commands.values()].some((c) => c.instanceIds.includes('i-na-none'))).toBe(false);
    expect(h.cloud.events('ASSESSMENT_RUN_COMPLETED', 'run-no-agent')[0]?.body.state).toBe(
      'COMPLETED_WITH_ERRORS',
    );
  });

  it('an agent that fails: AGENT_FAILED exclusion, run COMPLETED_WITH_ERRORS', async () => {
    h.cloud.add(
      healthy('i-af-1', { group: 'agentfail' }),
      healthy('i-af-bad', { group: 'agentfail' }, { behaviour: 'fail' }),
    );
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['agentfail'] }] });
    const out = await execute(h, { templateId: tpl.templateId }, { executionName: 'agent-fails' });
    expect(out.status).toBe('SUCCEEDED');
    const { run, byId, findings } = await runState('run-agent-fails');
    expect(run?.state).toBe('COMPLETED_WITH_ERRORS');
    expect(byId.get('i-af-bad')).toMatchObject({
      agentHealth: 'HEALTHY',
      collection: 'FAILED',
      evaluation: 'EXCLUDED',
    });
    expect(byId.get('i-af-bad')?.exclusions.map((e) => e.reason)).toEqual(['AGENT_FAILED']);
    expect(byId.get('i-af-1')).toMatchObject({ collection: 'SUCCEEDED', evaluation: 'EVALUATED' });
    expect(findings.map((f) => f.instanceId).every((i) => i === 'i-af-1')).toBe(true);
    expect(findings).toHaveLength(2);
    expect(h.cloud.events('FINDING_REPORTED', 'run-agent-fails')).toHaveLength(2);
  });

  it('the agent download: once per version through the pre-signed URL; a failed download is exit 17, AGENT_FAILED', async () => {
    h.cloud.add(
      healthy('i-dl-1', { group: 'download' }),
      healthy('i-dl-2', { group: 'download' }),
      healthy('i-dl-nos3', { group: 'download' }, { download: 'fail' }),
    );
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['download'] }] });
    const downloadsOf = (id: string) => h.cloud.downloads.filter((d) => d.instanceId === id);

    expect((await execute(h, { templateId: tpl.templateId }, { executionName: 'download-1' })).status).toBe(
      'SUCCEEDED',
    );
    const first = await runState('run-download-1');
    expect(first.run?.state).toBe('COMPLETED_WITH_ERRORS');
    // the command carried a URL Dispatch pre-signed for the artifact, valid for the command timeout
    const cmdId = first.byId.get('i-dl-1')?.commandId as string;
    const url = new URL(h.cloud.commands.get(cmdId)?.parameters.agentUrl?.[0] as string);
    expect(url.pathname).toBe(`/${AGENT_ASSETS_BUCKET}/${AGENT_ARTIFACTS.x86_64.key}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(SCENARIO_DURATION_SECONDS + 600));
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[a-f0-9]{64}$/);
    for (const id of ['i-dl-1', 'i-dl-2']) {
      expect(first.byId.get(id), id).toMatchObject({ collection: 'SUCCEEDED', evaluation: 'EVALUATED' });
      // the gzip artifact, once, keyed by the decompressed SHA-256
      expect(downloadsOf(id)).toEqual([
        { instanceId: id, sha256: AGENT_ARTIFACTS.x86_64.sha256, bytes: expect.any(Number) },
      ]);
    }
    // no route to S3 (or an expired URL): the document's exit 17, an AGENT_FAILED exclusion
    expect(first.byId.get('i-dl-nos3')).toMatchObject({ collection: 'FAILED', evaluation: 'EXCLUDED' });
    expect(first.byId.get('i-dl-nos3')?.exclusions.map((e) => e.reason)).toEqual(['AGENT_FAILED']);
    expect(h.cloud.exitCode(first.byId.get('i-dl-nos3')?.commandId as string, 'i-dl-nos3')).toBe(17);
    expect(downloadsOf('i-dl-nos3')).toEqual([]);

    // the next run of the same version downloads nothing: the instances run their cached agent
    expect((await execute(h, { templateId: tpl.templateId }, { executionName: 'download-2' })).status).toBe(
      'SUCCEEDED',
    );
    const second = await runState('run-download-2');
    for (const id of ['i-dl-1', 'i-dl-2']) {
      expect(second.byId.get(id), id).toMatchObject({ collection: 'SUCCEEDED', evaluation: 'EVALUATED' });
      expect(downloadsOf(id)).toHaveLength(1);
    }
    expect(h.cloud.exitCode(second.byId.get('i-dl-nos3')?.commandId as string, 'i-dl-nos3')).toBe(17);
    expect(second.findings.filter((f) => f.instanceId === 'i-dl-1')).toHaveLength(2);
  });

  it('tampered telemetry and telemetry whose encryption context names another instance are excluded', async () => {
    h.cloud.add(
      healthy('i-bad-ok', { group: 'bad' }),
      healthy('i-bad-tampered', { group: 'bad' }, { behaviour: 'tamper' }),
      healthy('i-bad-misaddressed', { group: 'bad' }, { behaviour: 'wrong-context' }),
    );
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['bad'] }] });
    const out = await execute(h, { templateId: tpl.templateId }, { executionName: 'bad-telemetry' });
    expect(out.status).toBe('SUCCEEDED');
    const { run, byId, findings } = await runState('run-bad-telemetry');
    expect(run?.state).toBe('COMPLETED_WITH_ERRORS');
    const tampered = byId.get('i-bad-tampered');
    expect(tampered).toMatchObject({ collection: 'SUCCEEDED', evaluation: 'EXCLUDED' });
    expect(tampered?.exclusions.map((e) => e.reason)).toEqual(['TELEMETRY_DECRYPT_FAILED']);
    const misaddressed = byId.get('i-bad-misaddressed');
    expect(misaddressed?.exclusions.map((e) => e.reason)).toEqual(['TELEMETRY_DECRYPT_FAILED']);
    expect(misaddressed?.exclusions[0]?.message).toMatch(
      /encryption context mismatch: inspector:instance-id/,
    );
    expect(byId.get('i-bad-ok')).toMatchObject({ evaluation: 'EVALUATED', exclusions: [] });
    expect(new Set(findings.map((f) => f.instanceId))).toEqual(new Set(['i-bad-ok']));
    expect(
      h.cloud
        .events('FINDING_REPORTED', 'run-bad-telemetry')
        .every((e) => (e.body.finding as { instanceId: string }).instanceId === 'i-bad-ok'),
    ).toBe(true);
  });

  it('an overlapping start is rejected with a clear error and changes nothing', async () => {
    h.cloud.add(
      healthy('i-ov-1', { group: 'overlap' }, { behaviour: 'hang' }),
      healthy('i-ov-2', { group: 'overlap' }, { behaviour: 'hang' }),
    );
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['overlap'] }] });
    let collecting!: () => void;
    const reached = new Promise<void>((r) => {
      collecting = r;
    });
    const first = execute(
      h,
      { templateId: tpl.templateId },
      {
        executionName: 'overlap-first',
        onState: (s) => s === 'PollCommands' && collecting(),
      },
    );
    await reached;
    const eventsBefore = h.cloud.published.length;
    const second = await execute(h, { templateId: tpl.templateId }, { executionName: 'overlap-second' });
    expect(second.status).toBe('FAILED');
    expect(second.error?.name).toBe('RunConflictError');
    expect(second.error?.message).toMatch(/already in an active assessment run \(run-overlap-first\)/);
    expect(second.states).toEqual(['StartRun', 'FailRun', 'RunFailed']);
    // nothing recorded, nothing published, the first run's locks intact
    expect(await lifecycleDeps().runs.getRun('run-overlap-second')).toBeUndefined();
    expect(h.cloud.published.length).toBe(eventsBefore);
    const { run: firstRun } = await runState('run-overlap-first');
    expect(firstRun?.state).toBe('COLLECTING_DATA');
    await stopAssessmentRun('run-overlap-first', 'SKIP_EVALUATION');
    expect((await first).status).toBe('SUCCEEDED');
    expect((await runState('run-overlap-first')).run?.state).toBe('CANCELED');
    // locks released: a new run of the same instances can start
    const third = execute(h, { templateId: tpl.templateId }, { executionName: 'overlap-third' });
    await waitForState('run-overlap-third', 'COLLECTING_DATA');
    await stopAssessmentRun('run-overlap-third', 'SKIP_EVALUATION');
    expect((await third).status).toBe('SUCCEEDED');
  });

  it('stop with START_EVALUATION evaluates what was collected; with SKIP_EVALUATION the run is CANCELED', async () => {
    h.cloud.add(
      healthy('i-st-1', { group: 'stop' }, { behaviour: 'hang' }),
      healthy('i-st-2', { group: 'stop' }, { behaviour: 'hang' }),
    );
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['stop'] }] });

    const evaluating = execute(h, { templateId: tpl.templateId }, { executionName: 'stop-evaluate' });
    await waitForState('run-stop-evaluate', 'COLLECTING_DATA');
    const stopped = await stopAssessmentRun('run-stop-evaluate', 'START_EVALUATION');
    expect(stopped.cancelledCommands).toBe(1);
    expect((await evaluating).status).toBe('SUCCEEDED');
    const a = await runState('run-stop-evaluate');
    expect(a.instances.flatMap((i) => i.exclusions)).toEqual([]);
    expect(a.run?.state).toBe('COMPLETED');
    expect(a.run?.stateHistory.map((s) => s.state)).toContain('STOP_DATA_COLLECTION_PENDING');
    expect(a.run?.stopRequest?.action).toBe('START_EVALUATION');
    for (const i of a.instances)
      expect(i).toMatchObject({ collection: 'CANCELLED', evaluation: 'EVALUATED' });
    expect(a.findings).toHaveLength(4);
    expect(h.cloud.events('ASSESSMENT_RUN_COMPLETED', 'run-stop-evaluate')[0]?.body.state).toBe('COMPLETED');

    const skipping = execute(h, { templateId: tpl.templateId }, { executionName: 'stop-skip' });
    await waitForState('run-stop-skip', 'COLLECTING_DATA');
    await stopAssessmentRun('run-stop-skip', 'SKIP_EVALUATION');
    const out = await skipping;
    expect(out.status).toBe('SUCCEEDED');
    expect(out.states).not.toContain('Evaluate');
    const b = await runState('run-stop-skip');
    expect(b.run?.state).toBe('CANCELED');
    for (const i of b.instances) expect(i).toMatchObject({ collection: 'CANCELLED', evaluation: 'SKIPPED' });
    expect(b.findings).toHaveLength(0);
    expect(h.cloud.events('FINDING_REPORTED', 'run-stop-skip')).toHaveLength(0);
    expect(h.cloud.events('ASSESSMENT_RUN_COMPLETED', 'run-stop-skip')[0]?.body.state).toBe('CANCELED');

    // delete removes the run, its findings, its telemetry and its instances' results objects
    const deleted = await deleteAssessmentRun('run-stop-evaluate');
    expect(deleted).toMatchObject({ findings: 4, telemetryObjects: 2, resultObjects: 2 });
    const gone = await runState('run-stop-evaluate');
    expect(gone.run).toBeUndefined();
    expect(gone.instances).toHaveLength(0);
    expect(gone.findings).toHaveLength(0);
    expect(await lifecycleDeps().telemetry.get('run-stop-evaluate', 'i-st-1', 1 << 20)).toBeUndefined();
  });

  it('a retried evaluation writes no duplicate finding', async () => {
    h.cloud.add(healthy('i-rt-1', { group: 'retry' }), healthy('i-rt-2', { group: 'retry' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['retry'] }] });
    const { handler: evaluate } = await import('../../../functions/handlers/evaluate-instance');
    const attempts = new Map<string, number>();
    const out = await execute(
      h,
      { templateId: tpl.templateId },
      {
        executionName: 'retried-evaluation',
        handlers: {
          // The first attempt of the batch does all its work, then the Lambda "times out": the state
          // machine retries the whole batch, which evaluates both instances again.
          EvaluateInstances: async (input) => {
            const payload = (input as unknown as { Payload: EvaluateBatch }).Payload;
            const result = await evaluate(payload);
            for (const item of payload.Items)
              attempts.set(item.instanceId, (attempts.get(item.instanceId) ?? 0) + 1);
            if ((attempts.get(payload.Items[0]?.instanceId ?? '') ?? 0) === 1)
              throw Object.assign(new Error('Task timed out after 900.00 seconds'), {
                name: 'Lambda.Unknown',
              });
            return { Payload: { ...result }, StatusCode: 200 };
          },
        },
      },
    );
    expect(out.status).toBe('SUCCEEDED');
    expect([...attempts.values()]).toEqual([2, 2]);
    const { run, findings } = await runState('run-retried-evaluation');
    expect(run?.state).toBe('COMPLETED');
    expect(findings).toHaveLength(4);
    expect(new Set(findings.map((f) => f.id)).size).toBe(4);
    expect(run?.findingCounts).toEqual({ High: 2, Medium: 2, Low: 0, Informational: 0 });
  });

  it('a failure in a state ends the run FAILED, releases its locks and notifies', async () => {
    h.cloud.add(healthy('i-fl-1', { group: 'fails' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['fails'] }] });
    const out = await execute(
      h,
      { templateId: tpl.templateId },
      {
        executionName: 'dispatch-breaks',
        handlers: {
          DispatchCommands: async () => {
            throw Object.assign(
              new Error('AccessDeniedException: not authorized to perform ssm:SendCommand'),
              { name: 'AccessDeniedException' },
            );
          },
        },
      },
    );
    expect(out.status).toBe('FAILED');
    expect(out.error?.name).toBe('AccessDeniedException');
    const { run } = await runState('run-dispatch-breaks');
    expect(run?.state).toBe('FAILED');
    expect(run?.failure?.cause).toMatch(/ssm:SendCommand/);
    expect(h.cloud.events('ASSESSMENT_RUN_COMPLETED', 'run-dispatch-breaks')[0]?.body.state).toBe('FAILED');
    // locks released
    await lifecycleDeps().locks.acquire('probe', ['i-fl-1'], {
      now: new Date(),
      expiresAt: new Date(Date.now() + 60_000),
    });
    await lifecycleDeps().locks.release('probe', ['i-fl-1']);
  });

  it('a mixed x86_64 + arm64 fleet: one SendCommand per architecture batch with its artifact; i386 excluded', async () => {
    const root = makeRoot(insecureRootSpec);
    h.cloud.templateTelemetry ??= await collectTelemetry({ root, runId: 'template', instanceId: 'template' });
    const x86 = ['i-mx-x86-1', 'i-mx-x86-2'];
    // 52 arm64 instances: two SendCommand calls (50 + 2); two run the real agent, the rest a template.
    const arm = Array.from({ length: 52 }, (_, n) => `i-mx-arm-${String(n).padStart(2, '0')}`);
    h.cloud.add(
      ...x86.map((id, n) => healthy(id, { group: 'mixed' }, { behaviour: n === 0 ? 'collect' : 'template' })),
      ...arm.map((id, n) =>
        healthy(id, { group: 'mixed' }, { architecture: 'arm64', behaviour: n < 2 ? 'collect' : 'template' }),
      ),
      healthy('i-mx-i386', { group: 'mixed' }, { architecture: 'i386' }),
    );
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['mixed'] }] });
    const out = await execute(h, { templateId: tpl.templateId }, { executionName: 'mixed-arch' });
    expect(out.status).toBe('SUCCEEDED');
    const runId = 'run-mixed-arch';
    const { run, instances, byId, findings } = await runState(runId);
    expect(run?.state).toBe('COMPLETED_WITH_ERRORS');

    const commands = [...h.cloud.commands.entries()].filter(([, c]) => c.parameters.runId?.[0] === runId);
    const of = (key: string) => commands.filter(([, c]) => c.parameters.agentKey?.[0] === key);
    expect(commands.every(([, c]) => c.instanceIds.length <= 50)).toBe(true);
    const x86Commands = of(AGENT_ARTIFACTS.x86_64.key);
    const armCommands = of(AGENT_ARTIFACTS.arm64.key);
    expect(x86Commands.length + armCommands.length).toBe(commands.length);
    expect(x86Commands.map(([, c]) => c.instanceIds.length)).toEqual([2]);
    expect(x86Commands.flatMap(([, c]) => c.instanceIds).sort()).toEqual(x86);
    expect(armCommands.map(([, c]) => c.instanceIds.length)).toEqual([50, 2]);
    expect(armCommands.flatMap(([, c]) => c.instanceIds).sort()).toEqual(arm);
    for (const [, c] of x86Commands) {
      expect(c.parameters).toMatchObject({
        agentKey: [AGENT_ARTIFACTS.x86_64.key],
        agentSha256: [AGENT_ARTIFACTS.x86_64.sha256],
        runId: [runId],
        uploadPrefix: [`telemetry/${runId}/`],
      });
    }
    for (const [, c] of armCommands) {
      expect(c.parameters).toMatchObject({
        agentKey: [AGENT_ARTIFACTS.arm64.key],
        agentSha256: [AGENT_ARTIFACTS.arm64.sha256],
        runId: [runId],
        uploadPrefix: [`telemetry/${runId}/`],
      });
    }
    // the document accepted every artifact (no exit 11/12/13) and every agent ran
    for (const [commandId, c] of commands)
      for (const id of c.instanceIds) expect(h.cloud.exitCode(commandId, id), id).toBeUndefined();
    for (const id of [...x86, ...arm]) {
      expect(byId.get(id), id).toMatchObject({
        agentHealth: 'HEALTHY',
        collection: 'SUCCEEDED',
        evaluation: 'EVALUATED',
        exclusions: [],
        architecture: x86.includes(id) ? 'x86_64' : 'arm64',
      });
    }

    // i386: no artifact, a clear exclusion, no command
    expect(instances).toHaveLength(55);
    const i386 = byId.get('i-mx-i386');
    expect(i386).toMatchObject({
      architecture: 'i386',
      agentHealth: 'HEALTHY',
      collection: 'SKIPPED',
      evaluation: 'EXCLUDED',
    });
    expect(i386?.commandId).toBeUndefined();
    expect(i386?.exclusions).toEqual([
      {
        instanceId: 'i-mx-i386',
        reason: 'UNSUPPORTED_OS',
        message: "the agent runs on linux x86_64 and arm64; this instance's architecture is i386",
      },
    ]);
    expect(commands.some(([, c]) => c.instanceIds.includes('i-mx-i386'))).toBe(false);
    expect(findings).toHaveLength(54 * 2);
    expect(findings.some((f) => f.instanceId === 'i-mx-i386')).toBe(false);
    expect(run?.findingCounts).toEqual({ High: 54, Medium: 54, Low: 0, Informational: 0 });
    expect(h.cloud.events('ASSESSMENT_RUN_COMPLETED', runId)[0]?.body.state).toBe('COMPLETED_WITH_ERRORS');
  });

  it('arm64 without an arm64 artifact is excluded, never sent the x86_64 default (which exits 13)', async () => {
    h.cloud.add(
      healthy('i-na64-x86', { group: 'noarm' }),
      healthy('i-na64-arm', { group: 'noarm' }, { architecture: 'arm64' }),
    );
    const tpl = await seedTemplate(h, { tags: [{ key: 'group', values: ['noarm'] }] });
    const base = lifecycleDeps().config;
    const withConfig = (config: typeof base) =>
      configureLifecycle({ resolveRulesPackages: async () => [testRulesPackage], config });
    try {
      // Dispatch knows only the x86_64 artifact: the arm64 instance is excluded with the reason.
      withConfig({ ...base, agentArtifacts: { x86_64: AGENT_ARTIFACTS.x86_64 } });
      expect(
        (await execute(h, { templateId: tpl.templateId }, { executionName: 'no-arm-artifact' })).status,
      ).toBe('SUCCEEDED');
      const a = await runState('run-no-arm-artifact');
      expect(a.run?.state).toBe('COMPLETED_WITH_ERRORS');
      expect(a.byId.get('i-na64-x86')).toMatchObject({ collection: 'SUCCEEDED', evaluation: 'EVALUATED' });
      expect(a.byId.get('i-na64-arm')).toMatchObject({ collection: 'SKIPPED', evaluation: 'EXCLUDED' });
      expect(a.byId.get('i-na64-arm')?.exclusions.map((e) => e.reason)).toEqual(['UNSUPPORTED_OS']);
      expect(a.byId.get('i-na64-arm')?.exclusions[0]?.message).toMatch(
        /no agent artifact for arm64 \(it has x86_64\); build the executables/,
      );
      expect(
        [...h.cloud.commands.values()].some(
          (c) => c.parameters.runId?.[0] === 'run-no-arm-artifact' && c.instanceIds.includes('i-na64-arm'),
        ),
      ).toBe(false);

      // What happened before: no artifact parameters, so the document's default (x86_64) reaches the
      // arm64 instance, which refuses it with exit 13; the run records an AGENT_FAILED exclusion.
      const { agentArtifacts: _none, ...legacy } = base;
      withConfig(legacy);
      expect(
        (await execute(h, { templateId: tpl.templateId }, { executionName: 'default-artifact' })).status,
      ).toBe('SUCCEEDED');
      const b = await runState('run-default-artifact');
      expect(b.byId.get('i-na64-arm')).toMatchObject({ collection: 'FAILED', evaluation: 'EXCLUDED' });
      expect(b.byId.get('i-na64-arm')?.exclusions.map((e) => e.reason)).toEqual(['AGENT_FAILED']);
      const armCommand = b.byId.get('i-na64-arm')?.commandId as string;
      expect(h.cloud.commands.get(armCommand)?.parameters.agentKey).toBeUndefined();
      expect(h.cloud.exitCode(armCommand, 'i-na64-arm')).toBe(13);
      expect(b.byId.get('i-na64-x86')).toMatchObject({ collection: 'SUCCEEDED', evaluation: 'EVALUATED' });
    } finally {
      configureLifecycle({ resolveRulesPackages: async () => [testRulesPackage] });
    }
  });
});
