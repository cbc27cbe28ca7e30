/**
 * The CLI end to end in-process: `main(argv)` → commands → a transport that calls the control-plane
 * dispatcher (as each group's Lambda would) over DynamoDB Local and the service mocks → printed output.
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
beforeEach(async () => {
  h = await makeHarness(ddb);
  setTransportFactory(() => ({
    // Through JSON both ways, as over Lambda.
    call: async (group, operation, input) =>
      unwrap(
        JSON.parse(
          JSON.stringify(await dispatch(h.deps, group, JSON.parse(JSON.stringify({ operation, input })))),
        ),
      ),
  }));
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

describe('inspector CLI over the control plane', () => {
  it('target → preview → template → start run, in table and JSON output', async () => {
    h.fleet.push(
      { instanceId: 'i-aaa', tags: { Role: 'web' }, ping: 'Online' },
      { instanceId: 'i-bbb', tags: { Role: 'web' } },
      { instanceId: 'i-ccc', tags: { Role: 'db' }, ping: 'Online' },
    );
    expect(await run('create-assessment-target', '--name', 'web servers', '--tag', 'Role=web')).toBe(
      'targetId  target-0001\n',
    );
    expect(await run('list-assessment-targets')).toBe(
      [
        'TARGET ID    NAME         TAGS      UPDATED',
        '-----------  -----------  --------  ------------------------',
        'target-0001  web servers  Role=web  2026-11-30T10:00:00.000Z',
        '',
      ].join('\n'),
    );
    expect(await run('preview-agents', '--target-id', 'target-0001')).toBe(
      [
        'INSTANCE  AGENT HEALTH  SSM STATUS  OS            AGENT VERSION  ASG',
        '--------  ------------  ----------  ------------  -------------  ---',
        'i-aaa     HEALTHY       Online      Ubuntu 22.04  3.3.0.0        -',
        'i-bbb     UNKNOWN       NO_AGENT    Linux/UNIX    -              -',
        '',
      ].join('\n'),
    );
    const json = JSON.parse(await run('preview-agents', '--target-id', 'target-0001', '--output', 'json'));
    expect(json.items.map((a: { instanceId: string }) => a.instanceId)).toEqual(['i-aaa', 'i-bbb']);

    await run(
      'create-assessment-template',
      '--name',
      'weekly',
      '--target-id',
      'target-0001',
      '--rules-packages',
      'security-best-practices',
      'cve',
      '--duration',
      '3600',
    );
    expect(await run('list-assessment-templates')).toContain(
      'template-0002  weekly  target-0001  security-best-practices,cve  3600s     -',
    );
    const started = JSON.parse(
      await run('start-assessment-run', '--template-id', 'template-0002', '--output', 'json'),
    );
    expect(started).toMatchObject({ runId: 'run-0003', instanceCount: 2 });
    expect(h.executions[0]!.input).toEqual({
      templateId: 'template-0002',
      runId: 'run-0003',
      name: started.name,
    });
  });

  it('runs and findings: describe with state history and instances, list, add attributes', async () => {
    await h.putRun({
      runId: 'run-1',
      templateId: 'template-a',
      name: 'nightly',
      state: 'COMPLETED',
      stateHistory: [
        { state: 'CREATED', at: '2026-11-30T01:00:00.000Z' },
        { state: 'COMPLETED', at: '2026-11-30T02:00:00.000Z' },
      ],
      findingCounts: { High: 1, Medium: 1, Low: 0, Informational: 0 },
    });
    await h.putRunInstance('run-1', {
      instanceId: 'i-1',
      agentHealth: 'HEALTHY',
      collection: 'SUCCEEDED',
      evaluation: 'EVALUATED',
      exclusions: [],
    });
    await h.putRunInstance('run-1', {
      instanceId: 'i-2',
      agentHealth: 'UNKNOWN',
      collection: 'SKIPPED',
      evaluation: 'EXCLUDED',
      exclusions: [{ instanceId: 'i-2', reason: 'NO_AGENT', message: 'no SSM agent' }],
    });
    await h.putFinding(
      finding({
        id: 'f-high',
        runId: 'run-1',
        instanceId: 'i-1',
        severity: 'High',
        numericSeverity: 9,
        title: 'Old openssl',
      }),
    );
    await h.putFinding(finding({ id: 'f-med', runId: 'run-1', instanceId: 'i-1' }));

    expect(await run('list-assessment-runs')).toContain(
      'run-1   nightly  COMPLETED  template-a  2026-11-30T09:00:00.000Z  1/1/0/0',
    );
    const described = await run('describe-assessment-runs', '--run-ids', 'run-1', 'run-9');
    expect(described).toContain(
      'State history\nSTATE      AT\n---------  ------------------------\nCREATED    2026-11-30T01:00:00.000Z',
    );
    expect(described).toContain('i-2       UNKNOWN  SKIPPED     EXCLUDED    NO_AGENT');
    expect(described).toMatch(/failed: run-9 \(ITEM_DOES_NOT_EXIST\)\n$/);

    expect(await run('list-findings', '--run-ids', 'run-1', '--severities', 'High')).toBe(
      [
        'FINDING       SEVERITY  INSTANCE  RULE                TITLE',
        '------------  --------  --------  ------------------  -----------',
        'run-1/f-high  High      i-1       sbp.ssh-root-login  Old openssl',
        '',
      ].join('\n'),
    );
    expect(
      await run('add-attributes-to-findings', '--finding-ids', 'run-1/f-high', '--attribute', 'ticket=SEC-7'),
    ).toBe('attributes added\n');
    const d = await run('describe-findings', '--finding-ids', 'run-1/f-high');
    expect(d).toContain('Severity        High (9)');
    expect(d).toContain('Attributes      ticket=SEC-7');
    expect(d).toContain('Evidence        /etc/ssh/sshd_config PermitRootLogin=yes');
    const j = JSON.parse(await run('list-findings', '--attribute', 'ticket=SEC-7', '--output', 'json'));
    expect(j).toEqual({
      items: [
        {
          findingId: 'run-1/f-high',
          runId: 'run-1',
          instanceId: 'i-1',
          severity: 'High',
          rulesPackage: 'security-best-practices',
          ruleId: 'sbp.ssh-root-login',
          title: 'Old openssl',
          createdAt: '2026-11-30T09:30:00.000Z',
        },
      ],
    });
  });

  it('event subscriptions and rules packages', async () => {
    await run('create-assessment-target', '--name', 'all');
    await run(
      'create-assessment-template',
      '--name',
      't',
      '--target-id',
      'target-0001',
      '--rules-packages',
      'cve',
      '--duration',
      '600',
    );
    const arn = 'arn:aws:sns:us-east-1:123456789012:sec';
    await run(
      'subscribe-to-event',
      '--template-id',
      'template-0002',
      '--event',
      'ASSESSMENT_RUN_COMPLETED',
      '--topic-arn',
      arn,
    );
    expect(await run('list-event-subscriptions')).toContain(
      `template-0002  ASSESSMENT_RUN_COMPLETED  ${arn}`,
    );
    const packages = await run('list-rules-packages');
    expect(packages).toMatch(/network-reachability +Network Reachability +1\.0\.0 +no +yes/);
    expect(packages).toMatch(/security-best-practices +Security Best Practices +1\.0\.0 +yes +yes/);
  });

  it('prints a one-line error with the code and exits 1', async () => {
    const code = await main(['node', 'inspector', 'describe-assessment-runs', '--run-ids', 'bad id']);
    expect(code).toBe(1);
    expect(err).toMatch(
      /^inspector: InvalidInputException: describe-assessment-runs: runIds\.0: must be letters/,
    );
    expect(err.trim().split('\n')).toHaveLength(1);
    err = '';
    expect(
      await main(['node', 'inspector', 'update-assessment-target', '--target-id', 'nope', '--name', 'x']),
    ).toBe(1);
    expect(err).toBe('inspector: NoSuchEntityException: assessment target nope does not exist\n');
  });
});
