import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ConnectionOptions,
  ControlPlaneCallError,
  LambdaTransport,
  setTransportFactory,
} from '../../../functions/cli/aws-client';
import { parseTargetTag } from '../../../functions/cli/commands/control-plane';
import { main } from '../../../functions/cli/main';
import { OPERATIONS } from '../../../functions/core/control-plane/operations';

interface Call {
  group: string;
  operation: string;
  input: Record<string, unknown>;
  options: ConnectionOptions;
}

let calls: Call[];
let answer: (c: Call) => unknown;
let out: string;
let err: string;

beforeEach(() => {
  calls = [];
  out = '';
  err = '';
  answer = () => ({});
  setTransportFactory((options) => ({
    call: async (group, operation, input) => {
      const c = { group, operation, input, options };
      calls.push(c);
      return answer(c);
    },
  }));
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
});

const run = (...args: string[]) => main(['node', 'inspector', ...args]);

describe('inspector <operation> parses options into the operation input', () => {
  it('create-assessment-target with repeatable tags and connection options', async () => {
    answer = () => ({ targetId: 'target-1' });
    const code = await run(
      'create-assessment-target',
      '--name',
      'web',
      '--tag',
      'Role=web,api',
      '--tag',
      'Scan',
      '--region',
      'eu-west-1',
      '--stack-name',
      'MyInspector',
    );
    expect(code).toBe(0);
    expect(calls).toEqual([
      {
        group: 'targets',
        operation: 'create-assessment-target',
        input: { name: 'web', tags: [{ key: 'Role', values: ['web', 'api'] }, { key: 'Scan' }] },
        options: { region: 'eu-west-1', stackName: 'MyInspector' },
      },
    ]);
    expect(out).toBe('targetId  target-1\n');
  });

  it('create-assessment-template with packages, attributes, topics, tags, schedule', async () => {
    answer = () => ({ templateId: 'template-1' });
    await run(
      'create-assessment-template',
      '--name',
      'weekly',
      '--target-id',
      'target-1',
      '--rules-packages',
      'cve,security-best-practices',
      '--duration',
      '3600',
      '--user-attribute',
      'team=sec',
      '--topic',
      'ASSESSMENT_RUN_COMPLETED=arn:aws:sns:us-east-1:123456789012:t',
      '--tag',
      'env=prod',
      '--schedule',
      'rate(7 days)',
      '--output',
      'json',
    );
    expect(calls[0]!.input).toEqual({
      name: 'weekly',
      targetId: 'target-1',
      rulesPackages: ['cve', 'security-best-practices'],
      durationSeconds: 3600,
      userAttributes: [{ key: 'team', value: 'sec' }],
      topics: [{ event: 'ASSESSMENT_RUN_COMPLETED', topicArn: 'arn:aws:sns:us-east-1:123456789012:t' }],
      tags: [{ key: 'env', value: 'prod' }],
      schedule: 'rate(7 days)',
    });
    expect(JSON.parse(out)).toEqual({ templateId: 'template-1' });
  });

  it('list-findings filters and --cli-input-json merge', async () => {
    answer = () => ({ items: [] });
    await run(
      'list-findings',
      '--run-ids',
      'run-1',
      'run-2',
      '--severities',
      'High',
      'Medium',
      '--attribute',
      'team=a',
      '--created-after',
      '2026-11-01T00:00:00Z',
      '--max-results',
      '10',
      '--cli-input-json',
      '{"rulesPackages":["cve"],"maxResults":99}',
    );
    expect(calls[0]).toMatchObject({
      group: 'findings',
      input: {
        runIds: ['run-1', 'run-2'],
        severities: ['High', 'Medium'],
        attributes: [{ key: 'team', value: 'a' }],
        createdAfter: '2026-11-01T00:00:00Z',
        rulesPackages: ['cve'],
        maxResults: 10,
      },
    });
    expect(out).toBe('(none)\n');
  });

  it('stop-assessment-run defaults to START_EVALUATION and checks the choice', async () => {
    await run('stop-assessment-run', '--run-id', 'run-1');
    expect(calls[0]!.input).toEqual({ runId: 'run-1', stopAction: 'START_EVALUATION' });
    const code = await run('stop-assessment-run', '--run-id', 'run-1', '--stop-action', 'LATER');
    expect(code).not.toBe(0);
    expect(err).toMatch(/Allowed choices are START_EVALUATION, SKIP_EVALUATION/);
    expect(calls).toHaveLength(1);
  });

  it('every control-plane operation is a command', async () => {
    const { buildProgram } = await import('../../../functions/cli/main');
    const names = buildProgram().commands.map((c) => c.name());
    for (const op of Object.keys(OPERATIONS).filter((o) => o !== 'update-assessment-template')) {
      expect(names).toContain(op);
    }
  });

  it('parses target tags', () => {
    expect(parseTargetTag('Role')).toEqual({ key: 'Role' });
    expect(parseTargetTag('Role=')).toEqual({ key: 'Role' });
    expect(parseTargetTag('Role=a, b')).toEqual({ key: 'Role', values: ['a', 'b'] });
  });
});

describe('errors', () => {
  it('prints one line with the Classic code and exits non-zero', async () => {
    answer = () => {
      throw new ControlPlaneCallError('NoSuchEntityException', 'assessment target target-9 does not exist');
    };
    expect(await run('delete-assessment-target', '--target-id', 'target-9')).toBe(1);
    expect(err).toBe('inspector: NoSuchEntityException: assessment target target-9 does not exist\n');
    expect(out).toBe('');
  });

  it('refuses malformed option values before calling', async () => {
    expect(
      await run(
        'create-assessment-template',
        '--name',
        'n',
        '--target-id',
        't',
        '--rules-packages',
        'cve',
        '--duration',
        'long',
      ),
    ).toBe(1);
    expect(err).toBe('inspector: --duration must be a whole number, got "long"\n');
    expect(await run('set-tags-for-resource', '--resource-id', 't', '--tag', 'novalue')).toBe(1);
    expect(err).toMatch(/expected KEY=VALUE, got "novalue"/);
    expect(await run('list-assessment-targets', '--cli-input-json', '[1]')).toBe(1);
    expect(calls).toHaveLength(0);
  });
});

describe('LambdaTransport', () => {
  const lambda = mockClient(LambdaClient);
  const cfn = mockClient(CloudFormationClient);
  afterEach(() => {
    lambda.reset();
    cfn.reset();
  });
  const opts = { region: 'us-east-1' };
  const env = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' };
  /** Lambda's Payload is a Uint8Array with helpers; the transport reads it only as bytes. */
  const payload = (v: unknown) =>
    new TextEncoder().encode(JSON.stringify(v)) as unknown as InvokeCommandOutput['Payload'];

  it('finds function names in the stack outputs (once) and invokes with {operation, input}', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'InspectorClassic',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'ControlPlaneTargetsFunctionName', OutputValue: 'fn-targets' },
            { OutputKey: 'ControlPlaneRunsFunctionName', OutputValue: 'fn-runs' },
          ],
        },
      ],
    });
    lambda
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, Payload: payload({ ok: true, result: { items: [] } }) });
    const t = new LambdaTransport(opts, env);
    expect(await t.call('targets', 'list-assessment-targets', {})).toEqual({ items: [] });
    expect(await t.call('runs', 'list-assessment-runs', { maxResults: 5 })).toEqual({ items: [] });
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(1);
    expect(cfn.commandCalls(DescribeStacksCommand)[0]!.args[0].input).toEqual({
      StackName: 'InspectorClassic',
    });
    const invokes = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(invokes.map((i) => i.FunctionName)).toEqual(['fn-targets', 'fn-runs']);
    expect(JSON.parse(new TextDecoder().decode(invokes[1]!.Payload as Uint8Array))).toEqual({
      operation: 'list-assessment-runs',
      input: { maxResults: 5 },
    });
    await expect(t.call('findings', 'list-findings', {})).rejects.toThrow(
      /has no output ControlPlaneFindingsFunctionName; set INSPECTOR_FINDINGS_FUNCTION/,
    );
  });

  it('uses INSPECTOR_<GROUP>_FUNCTION without reading the stack, and surfaces refusals and crashes', async () => {
    lambda
      .on(InvokeCommand)
      .resolvesOnce({
        StatusCode: 200,
        Payload: payload({ ok: false, error: { code: 'LimitExceededException', message: 'too many' } }),
      })
      .resolvesOnce({
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: payload({ errorMessage: 'Task timed out' }),
      });
    const t = new LambdaTransport(opts, { ...env, INSPECTOR_TARGETS_FUNCTION: 'my-fn' });
    const refused = await t
      .call('targets', 'create-assessment-target', { name: 'x' })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'LimitExceededException', message: 'too many' });
    await expect(t.call('targets', 'list-assessment-targets', {})).rejects.toThrow(
      'my-fn failed: Task timed out',
    );
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });
});
