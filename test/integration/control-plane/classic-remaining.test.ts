/**
 * Classic's remaining operations through the CLI (issue 17), in-process over DynamoDB Local and the service
 * mocks, as cli.test.ts: exclusions and their preview, run agents, telemetry metadata, removing finding
 * attributes; each with Classic's error codes for bad input.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setTransportFactory, unwrap } from '../../../functions/cli/aws-client';
import { main } from '../../../functions/cli/main';
import { dispatch } from '../../../functions/core/control-plane/operations';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../helpers/dynamodb-local';
import { finding, type Harness, makeHarness } from './harness';

let ddb: DynamoDbLocal;
let h: Harness;
let out = '';
let err = '';

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
});
afterAll(async () => {
  await ddb?.stop();
});

function useHarness(harness: Harness): void {
  h = harness;
  setTransportFactory(() => ({
    call: async (group, operation, input) =>
      unwrap(
        JSON.parse(
          JSON.stringify(await dispatch(h.deps, group, JSON.parse(JSON.stringify({ operation, input })))),
        ),
      ),
  }));
}

beforeEach(async () => {
  useHarness(await makeHarness(ddb));
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
});
afterEach(() => {
  setTransportFactory(undefined);
  vi.restoreAllMocks();
  h.restore();
});

async function run(...args: string[]): Promise<string> {
  out = '';
  err = '';
  const code = await main(['node', 'inspector', ...args]);
  if (code !== 0) throw new Error(`exit ${code}: ${err}`);
  return out;
}

const json = async (...args: string[]) => JSON.parse(await run(...args, '--output', 'json'));

/** The one-line error the CLI prints for a refused call. */
async function refused(...args: string[]): Promise<string> {
  out = '';
  err = '';
  expect(await main(['node', 'inspector', ...args])).toBe(1);
  return err.trim();
}

async function webTemplate(): Promise<string> {
  const { targetId } = await json('create-assessment-target', '--name', 'web', '--tag', 'Role=web');
  const { templateId } = await json(
    'create-assessment-template',
    '--name',
    'weekly',
    '--target-id',
    targetId,
    '--rules-packages',
    'security-best-practices',
    '--duration',
    '3600',
  );
  return templateId;
}

describe('create-exclusions-preview / get-exclusions-preview', () => {
  it('WORK_IN_PROGRESS, then COMPLETED: agentless, unhealthy, unsupported OS and architecture, locked', async () => {
    h.fleet.push(
      { instanceId: 'i-healthy', tags: { Role: 'web' }, ping: 'Online' },
      { instanceId: 'i-unhealthy', tags: { Role: 'web' }, ping: 'ConnectionLost' },
      { instanceId: 'i-agentless', tags: { Role: 'web' } },
      { instanceId: 'i-agentless-2', tags: { Role: 'web' } },
      { instanceId: 'i-windows', tags: { Role: 'web' }, ping: 'Online', platformType: 'Windows' },
      { instanceId: 'i-i386', tags: { Role: 'web' }, ping: 'Online', architecture: 'i386' },
      { instanceId: 'i-locked', tags: { Role: 'web' }, ping: 'Online' },
      { instanceId: 'i-db', tags: { Role: 'db' } },
    );
    await h.putRun({ runId: 'run-busy', state: 'COLLECTING_DATA', instanceCount: 1 });
    await h.putLock('i-locked', 'run-busy');
    const templateId = await webTemplate();

    const { previewToken } = await json('create-exclusions-preview', '--template-id', templateId);
    expect(previewToken).toBe('preview-0003');
    expect(h.previewJobs).toEqual([{ templateId, previewToken }]);
    // One preview of a template at a time, as in Classic.
    expect(await refused('create-exclusions-preview', '--template-id', templateId)).toBe(
      `inspector: PreviewGenerationInProgressException: the exclusions preview ${previewToken} of template ${templateId} is still being generated; get it with get-exclusions-preview`,
    );
    expect(
      await run('get-exclusions-preview', '--template-id', templateId, '--preview-token', previewToken),
    ).toBe('Preview status  WORK_IN_PROGRESS\n\n(not ready yet: ask again)\n');

    await h.runPreviewJobs();
    const done = await json(
      'get-exclusions-preview',
      '--template-id',
      templateId,
      '--preview-token',
      previewToken,
    );
    expect(done.previewStatus).toBe('COMPLETED');
    expect(done.nextToken).toBeUndefined();
    const byReason = (reason: string) =>
      done.exclusionPreviews.filter((e: { attributes: Array<{ key: string; value: string }> }) =>
        e.attributes.some((a) => a.key === 'REASON' && a.value === reason),
      );
    const scopes = (e: { scopes: Array<{ value: string }> }) => e.scopes.map((s) => s.value);
    expect(done.exclusionPreviews).toHaveLength(5);
    const [noAgent] = byReason('NO_AGENT');
    expect(noAgent).toMatchObject({
      title: 'No SSM agent found on the instance',
      description: expect.stringMatching(/no SSM agent registered/),
      recommendation: expect.stringMatching(/AgentInstancePolicyArn/),
      scopes: [
        { key: 'INSTANCE_ID', value: 'i-agentless' },
        { key: 'INSTANCE_ID', value: 'i-agentless-2' },
      ],
    });
    expect(noAgent.attributes).toContainEqual({ key: 'INSTANCE_COUNT', value: '2' });
    const [unhealthy] = byReason('AGENT_UNHEALTHY');
    expect(unhealthy).toMatchObject({
      description: 'the SSM agent is not online (ping status ConnectionLost)',
    });
    expect(scopes(unhealthy)).toEqual(['i-unhealthy']);
    const unsupported = byReason('UNSUPPORTED_OS');
    expect(unsupported.map(scopes)).toEqual([['i-i386'], ['i-windows']]);
    expect(unsupported[0].description).toMatch(/architecture is i386/);
    expect(unsupported[1].description).toMatch(/this instance runs Windows Microsoft Windows Server 2022/);
    const [locked] = byReason('INSTANCE_LOCKED');
    expect(scopes(locked)).toEqual(['i-locked']);
    expect(locked.description).toBe('the instance is in the active assessment run run-busy');
    expect(locked.attributes).toContainEqual({ key: 'RUN_ID', value: 'run-busy' });
    const excluded = done.exclusionPreviews.flatMap(scopes);
    expect(excluded).not.toContain('i-healthy');
    expect(excluded).not.toContain('i-db');

    // Table output, paging.
    const text = await run(
      'get-exclusions-preview',
      '--template-id',
      templateId,
      '--preview-token',
      previewToken,
    );
    expect(text).toMatch(
      /^Preview status {2}COMPLETED\n\nTitle +The instance is in an active assessment run\n/,
    );
    expect(text).toContain('Scopes          INSTANCE_ID=i-agentless, INSTANCE_ID=i-agentless-2');
    const first = await json(
      'get-exclusions-preview',
      '--template-id',
      templateId,
      '--preview-token',
      previewToken,
      '--max-results',
      '2',
    );
    expect(first.exclusionPreviews).toHaveLength(2);
    const rest = await json(
      'get-exclusions-preview',
      '--template-id',
      templateId,
      '--preview-token',
      previewToken,
      '--next-token',
      first.nextToken,
    );
    expect([...first.exclusionPreviews, ...rest.exclusionPreviews]).toEqual(done.exclusionPreviews);

    // Once complete, a new preview may start.
    expect((await json('create-exclusions-preview', '--template-id', templateId)).previewToken).toBe(
      'preview-0005',
    );

    // Classic's errors.
    expect(await refused('create-exclusions-preview', '--template-id', 'template-nope')).toBe(
      'inspector: NoSuchEntityException: assessment template template-nope does not exist',
    );
    expect(await refused('create-exclusions-preview', '--template-id', 'bad id')).toMatch(
      /^inspector: InvalidInputException: create-exclusions-preview: templateId: must be letters/,
    );
    expect(
      await refused('get-exclusions-preview', '--template-id', templateId, '--preview-token', 'preview-9'),
    ).toMatch(/^inspector: NoSuchEntityException: no exclusions preview preview-9 of template/);
    expect(
      await refused(
        'get-exclusions-preview',
        '--template-id',
        templateId,
        '--preview-token',
        previewToken,
        '--max-results',
        '501',
      ),
    ).toMatch(/^inspector: InvalidInputException: get-exclusions-preview: maxResults: /);
  });

  it('a run over a limit excludes the whole target (LIMIT_EXCEEDED); no instance: nothing excluded', async () => {
    h.restore();
    useHarness(await makeHarness(ddb, { maxInstancesPerRun: 2 }));
    h.fleet.push(
      { instanceId: 'i-1', tags: { Role: 'web' }, ping: 'Online' },
      { instanceId: 'i-2', tags: { Role: 'web' }, ping: 'Online' },
      { instanceId: 'i-3', tags: { Role: 'web' }, ping: 'Online' },
    );
    const templateId = await webTemplate();
    const { previewToken } = await json('create-exclusions-preview', '--template-id', templateId);
    await h.runPreviewJobs();
    const done = await json(
      'get-exclusions-preview',
      '--template-id',
      templateId,
      '--preview-token',
      previewToken,
    );
    expect(done.exclusionPreviews).toEqual([
      {
        title: 'A run of this template would exceed a limit',
        description: 'assessment target target-0001 matches 3 instances, over the limit of 2 per run',
        recommendation: expect.stringMatching(/LimitExceededException/),
        scopes: ['i-1', 'i-2', 'i-3'].map((value) => ({ key: 'INSTANCE_ID', value })),
        attributes: [
          { key: 'REASON', value: 'LIMIT_EXCEEDED' },
          { key: 'INSTANCE_COUNT', value: '3' },
        ],
      },
    ]);
    h.fleet.splice(0);
    const next = await json('create-exclusions-preview', '--template-id', templateId);
    await h.runPreviewJobs();
    expect(
      await json('get-exclusions-preview', '--template-id', templateId, '--preview-token', next.previewToken),
    ).toEqual({ previewStatus: 'COMPLETED', exclusionPreviews: [] });

    // A preview whose computation died (never finished): after 15 minutes it is reported lost, and a new
    // one may start.
    const lost = await json('create-exclusions-preview', '--template-id', templateId);
    h.previewJobs.splice(0);
    h.deps.now = () => new Date('2026-11-30T10:16:00.000Z');
    expect(
      await refused(
        'get-exclusions-preview',
        '--template-id',
        templateId,
        '--preview-token',
        lost.previewToken,
      ),
    ).toBe(
      `inspector: InternalException: the exclusions preview ${lost.previewToken} was not completed within 15 minutes; create a new one`,
    );
    const fresh = await json('create-exclusions-preview', '--template-id', templateId);
    expect(fresh.previewToken).not.toBe(lost.previewToken);
  });
});

async function seedRun(): Promise<void> {
  await h.putRun({ runId: 'run-1', state: 'COMPLETED_WITH_ERRORS', instanceCount: 5 });
  const metadata = (files: number, bytes: number) => [
    { messageType: 'files', count: files, dataSize: bytes },
    { messageType: 'samples', count: 2, dataSize: 100 },
    { messageType: 'encryptedTelemetry', count: 1, dataSize: bytes + 500 },
  ];
  await h.putRunInstance('run-1', {
    instanceId: 'i-1',
    agentHealth: 'HEALTHY',
    agentHealthDetail: 'SSM agent 3.3.0.0 on Ubuntu 22.04',
    collection: 'SUCCEEDED',
    commandId: 'cmd-1',
    evaluation: 'EVALUATED',
    autoScalingGroup: 'web-asg',
    exclusions: [
      { instanceId: 'i-1', scope: 'cve', reason: 'EVALUATION_ERROR', message: 'no feed published' },
    ],
    telemetryMetadata: metadata(10, 4000),
  });
  await h.putRunInstance('run-1', {
    instanceId: 'i-2',
    agentHealth: 'UNKNOWN',
    agentHealthDetail: 'no SSM agent registered',
    collection: 'SKIPPED',
    evaluation: 'EXCLUDED',
    exclusions: [
      { instanceId: 'i-2', reason: 'NO_AGENT', message: 'the instance has no SSM agent registered' },
    ],
  });
  await h.putRunInstance('run-1', {
    instanceId: 'i-3',
    agentHealth: 'UNHEALTHY',
    agentHealthDetail: 'SSM agent ping status Inactive',
    collection: 'SKIPPED',
    evaluation: 'EXCLUDED',
    exclusions: [
      {
        instanceId: 'i-3',
        reason: 'AGENT_UNHEALTHY',
        message: 'the SSM agent is not online (ping status Inactive)',
      },
    ],
  });
  await h.putRunInstance('run-1', {
    instanceId: 'i-4',
    agentHealth: 'HEALTHY',
    collection: 'FAILED',
    collectionDetail: 'ThrottlingException: Rate exceeded',
    commandId: 'cmd-1',
    evaluation: 'EXCLUDED',
    exclusions: [
      { instanceId: 'i-4', reason: 'AGENT_FAILED', message: 'first' },
      { instanceId: 'i-4', reason: 'AGENT_FAILED', message: 'second' },
    ],
  });
  await h.putRunInstance('run-1', {
    instanceId: 'i-5',
    agentHealth: 'HEALTHY',
    collection: 'SUCCEEDED',
    commandId: 'cmd-1',
    evaluation: 'EVALUATED',
    exclusions: [],
    telemetryMetadata: metadata(5, 1000),
  });
}

describe("a run's agents, telemetry metadata and exclusions", () => {
  it('list-assessment-run-agents: health, health code, command, Auto Scaling group, telemetry; filters and pages', async () => {
    await seedRun();
    expect(await run('list-assessment-run-agents', '--run-id', 'run-1')).toBe(
      [
        'AGENT  HEALTH     CODE       COMMAND    ASG      TELEMETRY BYTES  DETAILS',
        '-----  ---------  ---------  ---------  -------  ---------------  ----------------------------------',
        'i-1    HEALTHY    IDLE       SUCCEEDED  web-asg  8600             SSM agent 3.3.0.0 on Ubuntu 22.04',
        'i-2    UNKNOWN    UNKNOWN    SKIPPED    -        -                no SSM agent registered',
        'i-3    UNHEALTHY  SHUTDOWN   SKIPPED    -        -                SSM agent ping status Inactive',
        'i-4    UNHEALTHY  THROTTLED  FAILED     -        -                ThrottlingException: Rate exceeded',
        'i-5    HEALTHY    IDLE       SUCCEEDED  -        2600             -',
        '',
      ].join('\n'),
    );
    const all = await json('list-assessment-run-agents', '--run-id', 'run-1');
    expect(all.items[0]).toEqual({
      agentId: 'i-1',
      runId: 'run-1',
      agentHealth: 'HEALTHY',
      agentHealthCode: 'IDLE',
      agentHealthDetails: 'SSM agent 3.3.0.0 on Ubuntu 22.04',
      autoScalingGroup: 'web-asg',
      commandId: 'cmd-1',
      commandStatus: 'SUCCEEDED',
      evaluation: 'EVALUATED',
      telemetryMetadata: [
        { messageType: 'files', count: 10, dataSize: 4000 },
        { messageType: 'samples', count: 2, dataSize: 100 },
        { messageType: 'encryptedTelemetry', count: 1, dataSize: 4500 },
      ],
    });
    const ids = (r: { items: Array<{ agentId: string }> }) => r.items.map((a) => a.agentId);
    expect(
      ids(await json('list-assessment-run-agents', '--run-id', 'run-1', '--agent-healths', 'UNHEALTHY')),
    ).toEqual(['i-3', 'i-4']);
    expect(
      ids(
        await json(
          'list-assessment-run-agents',
          '--run-id',
          'run-1',
          '--agent-healths',
          'UNHEALTHY',
          '--agent-health-codes',
          'SHUTDOWN',
        ),
      ),
    ).toEqual(['i-3']);
    const page1 = await json('list-assessment-run-agents', '--run-id', 'run-1', '--max-results', '3');
    const page2 = await json(
      'list-assessment-run-agents',
      '--run-id',
      'run-1',
      '--next-token',
      page1.nextToken,
    );
    expect([...ids(page1), ...ids(page2)]).toEqual(['i-1', 'i-2', 'i-3', 'i-4', 'i-5']);

    expect(await refused('list-assessment-run-agents', '--run-id', 'run-9')).toBe(
      'inspector: NoSuchEntityException: assessment run run-9 does not exist',
    );
    expect(
      await refused(
        'list-assessment-run-agents',
        '--run-id',
        'run-1',
        '--cli-input-json',
        '{"filter":{"agentHealths":["SICK"]}}',
      ),
    ).toMatch(/^inspector: InvalidInputException: list-assessment-run-agents: filter\.agentHealths\.0: /);
    expect(await refused('list-assessment-run-agents', '--run-id', 'run-1', '--max-results', '0')).toMatch(
      /^inspector: InvalidInputException: list-assessment-run-agents: maxResults: /,
    );
  });

  it('get-telemetry-metadata sums what the agents sent per message type', async () => {
    await seedRun();
    expect(await json('get-telemetry-metadata', '--run-id', 'run-1')).toEqual({
      telemetryMetadata: [
        { messageType: 'files', count: 15, dataSize: 5000 },
        { messageType: 'samples', count: 4, dataSize: 200 },
        { messageType: 'encryptedTelemetry', count: 2, dataSize: 6000 },
      ],
      instancesReported: 2,
    });
    expect(await run('get-telemetry-metadata', '--run-id', 'run-1')).toBe(
      [
        'MESSAGE TYPE        COUNT  BYTES',
        '------------------  -----  -----',
        'files               15     5000',
        'samples             4      200',
        'encryptedTelemetry  2      6000',
        '',
        'instances reported: 2',
        '',
      ].join('\n'),
    );
    expect(await refused('get-telemetry-metadata', '--run-id', 'run-9')).toBe(
      'inspector: NoSuchEntityException: assessment run run-9 does not exist',
    );
    expect(await refused('get-telemetry-metadata', '--run-id', 'run/1')).toMatch(
      /^inspector: InvalidInputException: get-telemetry-metadata: runId: /,
    );
  });

  it('list-exclusions and describe-exclusions in Classic shape, with failed items', async () => {
    await seedRun();
    expect(await run('list-exclusions', '--run-id', 'run-1')).toBe(
      [
        'EXCLUSION                   INSTANCE  REASON            TITLE',
        '--------------------------  --------  ----------------  -------------------------------------',
        'run-1/i-1/EVALUATION_ERROR  i-1       EVALUATION_ERROR  The rules could not be evaluated',
        'run-1/i-2/NO_AGENT          i-2       NO_AGENT          No SSM agent found on the instance',
        'run-1/i-3/AGENT_UNHEALTHY   i-3       AGENT_UNHEALTHY   The SSM agent is not online',
        'run-1/i-4/AGENT_FAILED      i-4       AGENT_FAILED      The agent failed to collect telemetry',
        'run-1/i-4/AGENT_FAILED.2    i-4       AGENT_FAILED      The agent failed to collect telemetry',
        '',
      ].join('\n'),
    );
    const page = await json('list-exclusions', '--run-id', 'run-1', '--max-results', '4');
    expect(page.items).toHaveLength(4);
    expect(page.nextToken).toBe('4');

    const described = await json(
      'describe-exclusions',
      '--exclusion-ids',
      'run-1/i-1/EVALUATION_ERROR',
      'run-1/i-4/AGENT_FAILED.2',
      'run-1/i-5/NO_AGENT',
      'run-7/i-1/NO_AGENT',
    );
    expect(described.exclusions).toEqual([
      {
        exclusionId: 'run-1/i-1/EVALUATION_ERROR',
        runId: 'run-1',
        instanceId: 'i-1',
        reason: 'EVALUATION_ERROR',
        title: 'The rules could not be evaluated',
        description: 'no feed published',
        recommendation: expect.any(String),
        scopes: [
          { key: 'INSTANCE_ID', value: 'i-1' },
          { key: 'RULES_PACKAGE', value: 'cve' },
        ],
        attributes: [{ key: 'REASON', value: 'EVALUATION_ERROR' }],
      },
      expect.objectContaining({ exclusionId: 'run-1/i-4/AGENT_FAILED.2', description: 'second' }),
    ]);
    expect(described.failedItems).toEqual([
      { id: 'run-1/i-5/NO_AGENT', failureCode: 'ITEM_DOES_NOT_EXIST' },
      { id: 'run-7/i-1/NO_AGENT', failureCode: 'ITEM_DOES_NOT_EXIST' },
    ]);
    const text = await run(
      'describe-exclusions',
      '--exclusion-ids',
      'run-1/i-2/NO_AGENT',
      'run-1/i-9/NO_AGENT',
    );
    expect(text).toContain(
      'Exclusion       run-1/i-2/NO_AGENT\nTitle           No SSM agent found on the instance',
    );
    expect(text).toMatch(/failed: run-1\/i-9\/NO_AGENT \(ITEM_DOES_NOT_EXIST\)\n$/);

    expect(await refused('list-exclusions', '--run-id', 'run-9')).toBe(
      'inspector: NoSuchEntityException: assessment run run-9 does not exist',
    );
    expect(await refused('describe-exclusions', '--exclusion-ids', 'run-1/i-1')).toMatch(
      /^inspector: InvalidInputException: describe-exclusions: exclusionIds\.0: must be <runId>\/<instanceId>\/<REASON>/,
    );
    const many = Array.from({ length: 101 }, (_, i) => `run-1/i-${i}/NO_AGENT`);
    expect(await refused('describe-exclusions', '--exclusion-ids', ...many)).toMatch(
      /^inspector: InvalidInputException: describe-exclusions: exclusionIds: /,
    );
  });
});

describe('remove-attributes-from-findings', () => {
  it("removes attributes by key, with Classic's limits and failed items", async () => {
    await h.putFinding(
      finding({
        id: 'f-1',
        runId: 'run-1',
        instanceId: 'i-1',
        attributes: [
          { key: 'team', value: 'secops' },
          { key: 'ticket', value: 'SEC-7' },
          { key: 'owner', value: 'ana' },
        ],
      }),
    );
    await h.putFinding(
      finding({
        id: 'f-2',
        runId: 'run-1',
        instanceId: 'i-2',
        attributes: [{ key: 'team', value: 'secops' }],
      }),
    );
    expect(
      await run(
        'remove-attributes-from-findings',
        '--finding-ids',
        'run-1/f-1',
        'run-1/f-2',
        '--attribute-keys',
        'ticket',
        'owner',
      ),
    ).toBe('attributes removed\n');
    const d = await json('describe-findings', '--finding-ids', 'run-1/f-1', 'run-1/f-2');
    expect(d.findings.map((f: { attributes: unknown }) => f.attributes)).toEqual([
      [{ key: 'team', value: 'secops' }],
      [{ key: 'team', value: 'secops' }],
    ]);

    const r = await json(
      'remove-attributes-from-findings',
      '--finding-ids',
      'run-1/f-1',
      'run-1/f-1',
      'run-1/f-404',
      'not-a-finding',
      '--attribute-keys',
      'team',
    );
    expect(r).toEqual({
      failedItems: [
        { id: 'run-1/f-1', failureCode: 'DUPLICATE_ARN', retryable: false },
        { id: 'run-1/f-404', failureCode: 'ITEM_DOES_NOT_EXIST', retryable: false },
        {
          id: 'not-a-finding',
          failureCode: 'INVALID_ARN',
          retryable: false,
          message: 'must be <runId>/<findingId>',
        },
      ],
    });
    expect((await json('describe-findings', '--finding-ids', 'run-1/f-1')).findings[0].attributes).toEqual(
      [],
    );
    expect(
      await run('remove-attributes-from-findings', '--finding-ids', 'run-1/f-9', '--attribute-keys', 'team'),
    ).toBe('failed: run-1/f-9 (ITEM_DOES_NOT_EXIST)\n');

    const eleven = (p: string) => Array.from({ length: 11 }, (_, i) => `${p}${i}`);
    expect(
      await refused(
        'remove-attributes-from-findings',
        '--finding-ids',
        ...eleven('run-1/f-'),
        '--attribute-keys',
        'k',
      ),
    ).toMatch(/^inspector: InvalidInputException: remove-attributes-from-findings: findingIds: /);
    expect(
      await refused(
        'remove-attributes-from-findings',
        '--finding-ids',
        'run-1/f-1',
        '--attribute-keys',
        ...eleven('k'),
      ),
    ).toMatch(/^inspector: InvalidInputException: remove-attributes-from-findings: attributeKeys: /);
    expect(
      await refused('remove-attributes-from-findings', '--finding-ids', 'run-1/f-1', '--attribute-keys', ''),
    ).toMatch(/^inspector: InvalidInputException: remove-attributes-from-findings: attributeKeys: /);
  });
});
