import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlaneError } from '../../../functions/core/control-plane/errors';
import { dispatch, OPERATIONS, type OperationName } from '../../../functions/core/control-plane/operations';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../helpers/dynamodb-local';
import { finding, type Harness, makeHarness, STATE_MACHINE_ARN } from './harness';

let ddb: DynamoDbLocal;
let h: Harness;

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
});
afterAll(async () => {
  await ddb?.stop();
});
afterEach(() => h?.restore());

/** Runs an operation as its Lambda would (dispatch) and returns the result, or throws the error body. */
async function call<N extends OperationName>(operation: N, input: Record<string, unknown> = {}) {
  const res = await dispatch(h.deps, OPERATIONS[operation].group, { operation, input });
  if (!res.ok) throw new ControlPlaneError(res.error.code, res.error.message);
  // biome-ignore lint/suspicious/noExplicitAny: test convenience over many result shapes
  return res.result as any;
}

async function refused(operation: OperationName, input: Record<string, unknown> = {}) {
  const res = await dispatch(h.deps, OPERATIONS[operation].group, { operation, input });
  if (res.ok) throw new Error(`${operation} succeeded`);
  return res.error;
}

async function targetAndTemplate(extra: Record<string, unknown> = {}) {
  const { targetId } = await call('create-assessment-target', {
    name: 'web',
    tags: [{ key: 'Role', values: ['web'] }],
  });
  const { templateId } = await call('create-assessment-template', {
    name: 'weekly',
    targetId,
    rulesPackages: ['security-best-practices'],
    durationSeconds: 3600,
    ...extra,
  });
  return { targetId, templateId };
}

describe('assessment targets', () => {
  it('creates, describes, lists, updates and deletes a target', async () => {
    h = await makeHarness(ddb);
    const { targetId } = await call('create-assessment-target', {
      name: 'web servers',
      tags: [{ key: 'Role', values: ['web', 'api'] }, { key: 'Scan' }],
    });
    expect(targetId).toBe('target-0001');
    const described = await call('describe-assessment-targets', { targetIds: [targetId, 'target-none'] });
    expect(described.targets).toEqual([
      {
        targetId,
        name: 'web servers',
        tags: [{ key: 'Role', values: ['web', 'api'] }, { key: 'Scan' }],
        createdAt: '2026-11-30T10:00:00.000Z',
        updatedAt: '2026-11-30T10:00:00.000Z',
      },
    ]);
    expect(described.failedItems).toEqual([{ id: 'target-none', failureCode: 'ITEM_DOES_NOT_EXIST' }]);

    await call('update-assessment-target', { targetId, name: 'all', tags: [] });
    const list = await call('list-assessment-targets');
    expect(list.items.map((t: { name: string; tags: unknown[] }) => [t.name, t.tags])).toEqual([['all', []]]);
    expect((await call('list-assessment-targets', { namePattern: 'a*' })).items).toHaveLength(1);
    expect((await call('list-assessment-targets', { namePattern: 'web*' })).items).toHaveLength(0);

    await call('delete-assessment-target', { targetId });
    expect((await refused('delete-assessment-target', { targetId })).code).toBe('NoSuchEntityException');
    expect((await refused('update-assessment-target', { targetId, name: 'x' })).code).toBe(
      'NoSuchEntityException',
    );
  });

  it('refuses bad input with InvalidInputException naming the field', async () => {
    h = await makeHarness(ddb);
    const e1 = await refused('create-assessment-target', { name: '' });
    expect(e1.code).toBe('InvalidInputException');
    expect(e1.message).toMatch(/^create-assessment-target: name:/);
    const e2 = await refused('create-assessment-target', { name: 'x', tags: [{ key: 'a' }, { key: 'a' }] });
    expect(e2.message).toMatch(/each tag key may appear once/);
    const e3 = await refused('create-assessment-target', { name: 'x', extra: 1 });
    expect(e3.message).toMatch(/extra/);
    const e4 = await refused('describe-assessment-targets', { targetIds: ['bad id!'] });
    expect(e4.code).toBe('InvalidInputException');
  });

  it('enforces the targets limit', async () => {
    h = await makeHarness(ddb, { maxTargets: 2 });
    await call('create-assessment-target', { name: 'a' });
    await call('create-assessment-target', { name: 'b' });
    const e = await refused('create-assessment-target', { name: 'c' });
    expect(e.code).toBe('LimitExceededException');
  });

  it('pages list-assessment-targets with nextToken without repeating or skipping', async () => {
    h = await makeHarness(ddb);
    for (let i = 0; i < 7; i++) await call('create-assessment-target', { name: `t${i}` });
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await call(
        'list-assessment-targets',
        nextToken ? { maxResults: 3, nextToken } : { maxResults: 3 },
      );
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((t: { name: string }) => t.name));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen.sort()).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6']);
    expect((await refused('list-assessment-targets', { nextToken: 'garbage!' })).code).toBe(
      'InvalidInputException',
    );
  });

  it('preview-agents resolves the target by tags (any key, one of its values) with agent health', async () => {
    h = await makeHarness(ddb);
    h.fleet.push(
      { instanceId: 'i-01', tags: { Role: 'web' }, ping: 'Online' },
      { instanceId: 'i-02', tags: { Role: 'db' }, ping: 'Online' },
      {
        instanceId: 'i-03',
        tags: { Scan: 'yes', 'aws:autoscaling:groupName': 'asg-1' },
        ping: 'ConnectionLost',
      },
      { instanceId: 'i-04', tags: { Role: 'api' } },
      { instanceId: 'i-05', tags: { Role: 'web' }, state: 'stopped', ping: 'Inactive' },
      { instanceId: 'i-06', tags: {} },
    );
    const { targetId } = await call('create-assessment-target', {
      name: 'web',
      tags: [{ key: 'Role', values: ['web', 'api'] }, { key: 'Scan' }],
    });
    const preview = await call('preview-agents', { targetId });
    expect(preview.items).toEqual([
      {
        instanceId: 'i-01',
        agentHealth: 'HEALTHY',
        agentStatus: 'Online',
        instanceState: 'running',
        agentVersion: '3.3.0.0',
        operatingSystem: 'Ubuntu 22.04',
      },
      {
        instanceId: 'i-03',
        agentHealth: 'UNHEALTHY',
        agentStatus: 'ConnectionLost',
        instanceState: 'running',
        autoScalingGroup: 'asg-1',
        agentVersion: '3.3.0.0',
        operatingSystem: 'Ubuntu 22.04',
      },
      {
        instanceId: 'i-04',
        agentHealth: 'UNKNOWN',
        agentStatus: 'NO_AGENT',
        instanceState: 'running',
        operatingSystem: 'Linux/UNIX',
      },
    ]);
    const all = await call('create-assessment-target', { name: 'all' });
    const everything = await call('preview-agents', { targetId: all.targetId, maxResults: 2 });
    expect(everything.items.map((p: { instanceId: string }) => p.instanceId)).toEqual(['i-01', 'i-02']);
    const rest = await call('preview-agents', {
      targetId: all.targetId,
      maxResults: 2,
      nextToken: everything.nextToken,
    });
    expect(rest.items.map((p: { instanceId: string }) => p.instanceId)).toEqual(['i-03', 'i-04']);
    expect(rest.nextToken).toBeDefined();
    expect((await refused('preview-agents', { targetId: 'target-none' })).code).toBe('NoSuchEntityException');
  });

  it('refuses to delete a target used by a template, and one with a run in progress', async () => {
    h = await makeHarness(ddb);
    const { targetId, templateId } = await targetAndTemplate();
    expect((await refused('delete-assessment-target', { targetId })).code).toBe('InvalidInputException');
    await h.putRun({ runId: 'run-a', templateId, state: 'COLLECTING_DATA' });
    expect((await refused('delete-assessment-target', { targetId })).code).toBe(
      'AssessmentRunInProgressException',
    );
  });
});

describe('assessment templates', () => {
  it('creates an immutable template; update is refused; tags can be set', async () => {
    h = await makeHarness(ddb);
    const { targetId, templateId } = await targetAndTemplate({
      userAttributes: [{ key: 'team', value: 'sec' }],
      tags: [{ key: 'env', value: 'prod' }],
    });
    const { templates } = await call('describe-assessment-templates', { templateIds: [templateId] });
    expect(templates[0]).toMatchObject({
      templateId,
      targetId,
      name: 'weekly',
      rulesPackages: ['security-best-practices'],
      durationSeconds: 3600,
      userAttributes: [{ key: 'team', value: 'sec' }],
      topics: [],
      tags: [{ key: 'env', value: 'prod' }],
    });
    const upd = await refused('update-assessment-template', { templateId, durationSeconds: 600 });
    expect(upd.code).toBe('InvalidInputException');
    expect(upd.message).toMatch(/immutable/);

    expect(await call('list-tags-for-resource', { resourceId: templateId })).toEqual({
      tags: [{ key: 'env', value: 'prod' }],
    });
    await call('set-tags-for-resource', { resourceId: templateId, tags: [{ key: 'owner', value: 'ops' }] });
    expect((await call('list-tags-for-resource', { resourceId: templateId })).tags).toEqual([
      { key: 'owner', value: 'ops' },
    ]);
    const again = await call('describe-assessment-templates', { templateIds: [templateId] });
    expect(again.templates[0].durationSeconds).toBe(3600);
    expect((await refused('set-tags-for-resource', { resourceId: 'template-none', tags: [] })).code).toBe(
      'NoSuchEntityException',
    );

    const listed = await call('list-assessment-templates', { targetId });
    expect(listed.items.map((t: { templateId: string }) => t.templateId)).toEqual([templateId]);
    expect((await call('list-assessment-templates', { targetId: 'target-other' })).items).toEqual([]);
  });

  it('validates rules packages, duration, target and limits', async () => {
    h = await makeHarness(ddb, { maxTemplates: 1 });
    const { targetId } = await call('create-assessment-target', { name: 't' });
    const base = { name: 'n', targetId, rulesPackages: ['cve'], durationSeconds: 3600 };
    expect((await refused('create-assessment-template', { ...base, rulesPackages: ['nope'] })).code).toBe(
      'NoSuchEntityException',
    );
    // Every package of the catalogue is available now: network-reachability (once per run) is accepted.
    const withNetwork = await call('create-assessment-template', {
      ...base,
      name: 'with network reachability',
      rulesPackages: ['cve', 'network-reachability'],
    });
    expect(withNetwork.templateId).toBeDefined();
    await call('delete-assessment-template', { templateId: withNetwork.templateId });
    expect((await refused('create-assessment-template', { ...base, durationSeconds: 60 })).message).toMatch(
      /between 180 and 86400/,
    );
    expect((await refused('create-assessment-template', { ...base, targetId: 'target-none' })).code).toBe(
      'NoSuchEntityException',
    );
    expect(
      (await refused('create-assessment-template', { ...base, rulesPackages: ['cve', 'cve'] })).code,
    ).toBe('InvalidInputException');
    expect((await refused('create-assessment-template', { ...base, schedule: 'every day' })).code).toBe(
      'InvalidInputException',
    );
    await call('create-assessment-template', base);
    expect((await refused('create-assessment-template', base)).code).toBe('LimitExceededException');
  });

  it('creates an EventBridge schedule that starts the state machine, and removes it with the template', async () => {
    h = await makeHarness(ddb);
    const { templateId } = await targetAndTemplate({ schedule: 'rate(7 days)' });
    expect(h.schedules.get(`inspector-${templateId}`)).toEqual({
      expression: 'rate(7 days)',
      input: { templateId },
      roleArn: 'arn:aws:iam::123456789012:role/scheduler',
      targetArn: STATE_MACHINE_ARN,
    });
    await call('delete-assessment-template', { templateId });
    expect(h.schedules.size).toBe(0);
    expect(
      (await call('describe-assessment-templates', { templateIds: [templateId] })).failedItems,
    ).toHaveLength(1);
  });

  it('leaves no template behind when Scheduler refuses its expression', async () => {
    h = await makeHarness(ddb);
    const { targetId } = await call('create-assessment-target', { name: 't' });
    const e = await refused('create-assessment-template', {
      name: 'n',
      targetId,
      rulesPackages: ['cve'],
      durationSeconds: 3600,
      schedule: 'rate(soon)',
    });
    expect(e).toEqual({
      code: 'InvalidInputException',
      message: expect.stringMatching(/schedule rate\(soon\) was refused/),
    });
    expect((await call('list-assessment-templates')).items).toEqual([]);
  });

  it('refuses to delete a template with a run in progress', async () => {
    h = await makeHarness(ddb);
    const { templateId } = await targetAndTemplate();
    await h.putRun({ runId: 'run-live', templateId, state: 'EVALUATING_RULES' });
    expect((await refused('delete-assessment-template', { templateId })).code).toBe(
      'AssessmentRunInProgressException',
    );
    await h.putRun({ runId: 'run-live', templateId, state: 'COMPLETED' });
    await call('delete-assessment-template', { templateId });
  });

  it('subscribes, lists and unsubscribes template topics per event', async () => {
    h = await makeHarness(ddb);
    const { templateId } = await targetAndTemplate();
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:security-events';
    await call('subscribe-to-event', { templateId, event: 'ASSESSMENT_RUN_COMPLETED', topicArn });
    await call('subscribe-to-event', { templateId, event: 'ASSESSMENT_RUN_COMPLETED', topicArn });
    await call('subscribe-to-event', { templateId, event: 'FINDING_REPORTED', topicArn });
    expect((await call('list-event-subscriptions', { templateId })).items).toEqual([
      { templateId, event: 'ASSESSMENT_RUN_COMPLETED', topicArn },
      { templateId, event: 'FINDING_REPORTED', topicArn },
    ]);
    const { templates } = await call('describe-assessment-templates', { templateIds: [templateId] });
    expect(templates[0].topics).toHaveLength(2);
    await call('unsubscribe-from-event', { templateId, event: 'FINDING_REPORTED', topicArn });
    expect((await call('list-event-subscriptions')).items).toEqual([
      { templateId, event: 'ASSESSMENT_RUN_COMPLETED', topicArn },
    ]);
    expect(
      (await refused('unsubscribe-from-event', { templateId, event: 'FINDING_REPORTED', topicArn })).code,
    ).toBe('NoSuchEntityException');
    expect((await refused('subscribe-to-event', { templateId, event: 'NOPE', topicArn })).code).toBe(
      'InvalidInputException',
    );
    expect(
      (
        await refused('subscribe-to-event', {
          templateId,
          event: 'FINDING_REPORTED',
          topicArn: 'arn:aws:s3:::b',
        })
      ).message,
    ).toMatch(/SNS topic ARN/);
  });
  it('keeps every change when subscriptions of one template change at the same time', async () => {
    h = await makeHarness(ddb);
    const { templateId } = await targetAndTemplate();
    const arn = (i: number) => `arn:aws:sns:us-east-1:123456789012:topic-${i}`;
    await call('subscribe-to-event', { templateId, event: 'FINDING_REPORTED', topicArn: arn(0) });
    await Promise.all([
      ...[1, 2, 3, 4, 5, 6].map((i) =>
        call('subscribe-to-event', { templateId, event: 'ASSESSMENT_RUN_COMPLETED', topicArn: arn(i) }),
      ),
      call('unsubscribe-from-event', { templateId, event: 'FINDING_REPORTED', topicArn: arn(0) }),
    ]);
    const { items } = await call('list-event-subscriptions', { templateId });
    expect(items.map((s: { topicArn: string }) => s.topicArn).sort()).toEqual(
      [1, 2, 3, 4, 5, 6].map(arn).sort(),
    );
  });
});

describe('assessment runs', () => {
  it('start-assessment-run calls StartExecution with {templateId, runId, name}', async () => {
    h = await makeHarness(ddb);
    h.fleet.push({ instanceId: 'i-1', tags: { Role: 'web' }, ping: 'Online' });
    const { templateId } = await targetAndTemplate();
    const started = await call('start-assessment-run', { templateId, name: 'first run' });
    expect(started).toEqual({
      runId: 'run-0003',
      name: 'first run',
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:AssessmentRun:run-0003',
      instanceCount: 1,
    });
    expect(h.executions).toEqual([
      {
        stateMachineArn: STATE_MACHINE_ARN,
        name: 'run-0003',
        input: { templateId, runId: 'run-0003', name: 'first run' },
      },
    ]);
    const second = await call('start-assessment-run', { templateId });
    expect(second.name).toBe('weekly-2026-11-30T10-00-00-000Z');
    expect((await refused('start-assessment-run', { templateId: 'template-none' })).code).toBe(
      'NoSuchEntityException',
    );
  });

  it('refuses a start when agents are already in a run, too many instances, or none match', async () => {
    h = await makeHarness(ddb, { maxInstancesPerRun: 2 });
    const { templateId } = await targetAndTemplate();
    expect((await refused('start-assessment-run', { templateId })).message).toMatch(/matches no instance/);
    h.fleet.push(
      { instanceId: 'i-1', tags: { Role: 'web' }, ping: 'Online' },
      { instanceId: 'i-2', tags: { Role: 'web' }, ping: 'Online' },
    );
    await h.putLock('i-2', 'run-other');
    const busy = await refused('start-assessment-run', { templateId });
    expect(busy.code).toBe('AgentsAlreadyRunningAssessmentException');
    expect(busy.message).toMatch(/i-2 in run-other/);
    await h.putLock('i-2', 'run-old', -10); // expired locks do not count
    await call('start-assessment-run', { templateId });
    h.fleet.push({ instanceId: 'i-3', tags: { Role: 'web' } });
    expect((await refused('start-assessment-run', { templateId })).code).toBe('LimitExceededException');
    expect(h.executions).toHaveLength(1);
  });

  it('refuses a start beyond the active-runs and agents-per-account limits', async () => {
    h = await makeHarness(ddb, { maxActiveRuns: 1, maxAgentsPerAccount: 3 });
    h.fleet.push({ instanceId: 'i-1', tags: { Role: 'web' } }, { instanceId: 'i-2', tags: { Role: 'web' } });
    const { templateId } = await targetAndTemplate();
    await h.putRun({
      runId: 'run-busy',
      templateId: 'template-z',
      state: 'COLLECTING_DATA',
      instanceCount: 2,
    });
    expect((await refused('start-assessment-run', { templateId })).message).toMatch(/at most 1/);
    h.deps.limits = { ...h.deps.limits, maxActiveRuns: 5 };
    expect((await refused('start-assessment-run', { templateId })).message).toMatch(/would exceed 3/);
  });

  it('stops, deletes, lists and describes runs with state history and per-instance agent status', async () => {
    h = await makeHarness(ddb);
    await h.putRun({
      runId: 'run-1',
      templateId: 'template-a',
      name: 'nightly-1',
      state: 'COLLECTING_DATA',
      createdAt: '2026-11-29T01:00:00.000Z',
      stateHistory: [
        { state: 'CREATED', at: '2026-11-29T01:00:00.000Z' },
        { state: 'COLLECTING_DATA', at: '2026-11-29T01:00:05.000Z' },
      ],
    });
    await h.putRun({
      runId: 'run-2',
      templateId: 'template-a',
      name: 'nightly-2',
      state: 'COMPLETED',
      createdAt: '2026-11-30T01:00:00.000Z',
    });
    await h.putRun({
      runId: 'run-3',
      templateId: 'template-b',
      name: 'adhoc',
      state: 'FAILED',
      createdAt: '2026-11-30T02:00:00.000Z',
    });
    await h.putRunInstance('run-1', {
      instanceId: 'i-1',
      agentHealth: 'HEALTHY',
      collection: 'IN_PROGRESS',
      evaluation: 'PENDING',
      exclusions: [],
    });
    await h.putRunInstance('run-1', {
      instanceId: 'i-2',
      agentHealth: 'UNKNOWN',
      collection: 'SKIPPED',
      evaluation: 'EXCLUDED',
      exclusions: [{ instanceId: 'i-2', reason: 'NO_AGENT', message: 'no SSM agent' }],
    });

    const { runs, failedItems } = await call('describe-assessment-runs', { runIds: ['run-1', 'run-9'] });
    expect(runs[0].stateHistory.map((s: { state: string }) => s.state)).toEqual([
      'CREATED',
      'COLLECTING_DATA',
    ]);
    expect(
      runs[0].instances.map((i: { instanceId: string; agentHealth: string }) => [
        i.instanceId,
        i.agentHealth,
      ]),
    ).toEqual([
      ['i-1', 'HEALTHY'],
      ['i-2', 'UNKNOWN'],
    ]);
    expect(runs[0].sk).toBeUndefined();
    expect(failedItems).toEqual([{ id: 'run-9', failureCode: 'ITEM_DOES_NOT_EXIST' }]);

    const ids = async (input: Record<string, unknown>) =>
      (await call('list-assessment-runs', input)).items.map((r: { runId: string }) => r.runId);
    expect((await ids({})).sort()).toEqual(['run-1', 'run-2', 'run-3']);
    expect(await ids({ templateId: 'template-a' })).toEqual(['run-2', 'run-1']);
    expect(await ids({ states: ['COMPLETED', 'FAILED'] })).toEqual(['run-2', 'run-3']);
    expect(await ids({ namePattern: 'nightly-*', createdAfter: '2026-11-30T00:00:00Z' })).toEqual(['run-2']);
    expect(await ids({ templateId: 'template-a', createdBefore: '2026-11-29T23:00:00Z' })).toEqual(['run-1']);
    const first = await call('list-assessment-runs', { templateId: 'template-a', maxResults: 1 });
    const second = await call('list-assessment-runs', {
      templateId: 'template-a',
      maxResults: 1,
      nextToken: first.nextToken,
    });
    expect([first.items[0].runId, second.items[0].runId]).toEqual(['run-2', 'run-1']);

    await call('stop-assessment-run', { runId: 'run-1', stopAction: 'SKIP_EVALUATION' });
    await call('stop-assessment-run', { runId: 'run-1' });
    expect(h.stops).toEqual([
      { runId: 'run-1', action: 'SKIP_EVALUATION' },
      { runId: 'run-1', action: 'START_EVALUATION' },
    ]);
    expect((await refused('stop-assessment-run', { runId: 'run-2' })).message).toMatch(
      /already ended \(COMPLETED\)/,
    );
    expect((await refused('stop-assessment-run', { runId: 'run-1', stopAction: 'NOW' })).code).toBe(
      'InvalidInputException',
    );
    expect((await refused('delete-assessment-run', { runId: 'run-1' })).code).toBe(
      'AssessmentRunInProgressException',
    );
    await call('delete-assessment-run', { runId: 'run-2' });
    expect(h.deletes).toEqual(['run-2']);
    expect((await refused('delete-assessment-run', { runId: 'run-none' })).code).toBe(
      'NoSuchEntityException',
    );
  });
});

describe('findings', () => {
  async function seedFindings() {
    await h.putFinding(
      finding({
        id: 'f1',
        runId: 'run-1',
        instanceId: 'i-1',
        severity: 'High',
        rulesPackage: 'cve',
        ruleId: 'cve.CVE-2024-1',
        createdAt: '2026-11-30T09:00:00.000Z',
      }),
    );
    await h.putFinding(
      finding({
        id: 'f2',
        runId: 'run-1',
        instanceId: 'i-2',
        severity: 'Medium',
        createdAt: '2026-11-30T09:10:00.000Z',
      }),
    );
    await h.putFinding(
      finding({
        id: 'f3',
        runId: 'run-1',
        instanceId: 'i-1',
        severity: 'Low',
        createdAt: '2026-11-30T09:20:00.000Z',
        attributes: [{ key: 'team', value: 'a' }],
      }),
    );
    await h.putFinding(
      finding({
        id: 'f1',
        runId: 'run-2',
        instanceId: 'i-1',
        severity: 'High',
        rulesPackage: 'cve',
        ruleId: 'cve.CVE-2024-1',
        createdAt: '2026-12-01T09:00:00.000Z',
      }),
    );
    await h.putFinding(
      finding({
        id: 'f4',
        runId: 'run-2',
        instanceId: 'i-3',
        severity: 'High',
        createdAt: '2026-12-01T09:05:00.000Z',
        attributes: [{ key: 'team', value: 'a' }],
      }),
    );
  }
  const refs = async (input: Record<string, unknown>) =>
    ((await call('list-findings', input)).items as Array<{ findingId: string }>)
      .map((f) => f.findingId)
      .sort();

  it('filters by run, instance, severity, rules package, attributes and time through the indexes', async () => {
    h = await makeHarness(ddb);
    await seedFindings();
    expect(await refs({})).toEqual(['run-1/f1', 'run-1/f2', 'run-1/f3', 'run-2/f1', 'run-2/f4']);
    expect(await refs({ runIds: ['run-1'] })).toEqual(['run-1/f1', 'run-1/f2', 'run-1/f3']);
    expect(await refs({ runIds: ['run-1'], severities: ['High', 'Low'] })).toEqual(['run-1/f1', 'run-1/f3']);
    expect(await refs({ instanceIds: ['i-1'] })).toEqual(['run-1/f1', 'run-1/f3', 'run-2/f1']);
    expect(await refs({ instanceIds: ['i-1'], createdAfter: '2026-11-30T09:05:00Z' })).toEqual([
      'run-1/f3',
      'run-2/f1',
    ]);
    expect(await refs({ severities: ['High'] })).toEqual(['run-1/f1', 'run-2/f1', 'run-2/f4']);
    expect(await refs({ rulesPackages: ['cve'] })).toEqual(['run-1/f1', 'run-2/f1']);
    expect(await refs({ severities: ['High'], rulesPackages: ['security-best-practices'] })).toEqual([
      'run-2/f4',
    ]);
    expect(await refs({ attributes: [{ key: 'team', value: 'a' }] })).toEqual(['run-1/f3', 'run-2/f4']);
    expect(
      await refs({
        severities: ['High'],
        createdAfter: '2026-12-01T00:00:00Z',
        createdBefore: '2026-12-01T09:01:00Z',
      }),
    ).toEqual(['run-2/f1']);
    expect((await refused('list-findings', { severities: ['Critical'] })).code).toBe('InvalidInputException');
    expect((await refused('list-findings', { createdAfter: 'yesterday' })).code).toBe(
      'InvalidInputException',
    );

    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await call('list-findings', {
        severities: ['High', 'Medium', 'Low'],
        maxResults: 2,
        ...(nextToken ? { nextToken } : {}),
      });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((f: { findingId: string }) => f.findingId));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen.sort()).toEqual(['run-1/f1', 'run-1/f2', 'run-1/f3', 'run-2/f1', 'run-2/f4']);
  });

  it('describes findings by <runId>/<findingId> and adds attributes', async () => {
    h = await makeHarness(ddb);
    await seedFindings();
    const d = await call('describe-findings', { findingIds: ['run-1/f3', 'run-1/f9'] });
    expect(d.findings[0]).toMatchObject({
      id: 'f3',
      runId: 'run-1',
      severity: 'Low',
      attributes: [{ key: 'team', value: 'a' }],
    });
    expect(d.findings[0].findingId).toBeUndefined();
    expect(d.failedItems).toEqual([{ id: 'run-1/f9', failureCode: 'ITEM_DOES_NOT_EXIST' }]);
    expect((await refused('describe-findings', { findingIds: ['f3'] })).message).toMatch(
      /<runId>\/<findingId>/,
    );

    const res = await call('add-attributes-to-findings', {
      findingIds: ['run-1/f3', 'run-2/f1', 'run-2/nope'],
      attributes: [
        { key: 'team', value: 'b' },
        { key: 'ticket', value: 'SEC-1' },
      ],
    });
    expect(res.failedItems).toEqual([{ id: 'run-2/nope', failureCode: 'ITEM_DOES_NOT_EXIST' }]);
    const after = await call('describe-findings', { findingIds: ['run-1/f3', 'run-2/f1', 'run-1/f1'] });
    expect(after.findings.map((f: { attributes: unknown }) => f.attributes)).toEqual([
      [
        { key: 'team', value: 'b' },
        { key: 'ticket', value: 'SEC-1' },
      ],
      [
        { key: 'team', value: 'b' },
        { key: 'ticket', value: 'SEC-1' },
      ],
      [],
    ]);
    expect(await refs({ attributes: [{ key: 'ticket', value: 'SEC-1' }] })).toEqual(['run-1/f3', 'run-2/f1']);
    expect(
      (await refused('add-attributes-to-findings', { findingIds: ['run-1/f3'], attributes: [] })).code,
    ).toBe('InvalidInputException');
  });

  it('lists and describes rules packages', async () => {
    h = await makeHarness(ddb);
    const list = await call('list-rules-packages');
    expect(list.items.map((p: { id: string }) => p.id)).toEqual([
      'cve',
      'cis',
      'security-best-practices',
      'runtime-behavior-analysis',
      'network-reachability',
    ]);
    const d = await call('describe-rules-packages', { rulesPackages: ['cis', 'nope'] });
    expect(d.rulesPackages[0].name).toMatch(/CIS/);
    expect(d.failedItems).toEqual([{ id: 'nope', failureCode: 'ITEM_DOES_NOT_EXIST' }]);
  });
});

describe('dispatch', () => {
  it('refuses unknown operations, wrong groups and malformed requests', async () => {
    h = await makeHarness(ddb);
    expect(await dispatch(h.deps, 'targets', { operation: 'nope' })).toEqual({
      ok: false,
      error: { code: 'InvalidInputException', message: 'unknown operation nope' },
    });
    const wrong = await dispatch(h.deps, 'findings', {
      operation: 'create-assessment-target',
      input: { name: 'x' },
    });
    expect(wrong).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/served by the targets function/) },
    });
    expect(await dispatch(h.deps, 'targets', 'hello')).toMatchObject({
      ok: false,
      error: { code: 'InvalidInputException' },
    });
  });

  it('hides internal errors behind InternalException', async () => {
    h = await makeHarness(ddb);
    h.deps.targets.count = () => Promise.reject(new Error('secret detail'));
    const errors: string[] = [];
    const res = await dispatch(
      h.deps,
      'targets',
      { operation: 'create-assessment-target', input: { name: 'x' } },
      {
        info: () => {},
        error: (m) => errors.push(m),
      },
    );
    expect(res).toEqual({
      ok: false,
      error: { code: 'InternalException', message: 'internal error (see the function logs)' },
    });
    expect(errors).toEqual(['operation failed']);
  });
});
