/**
 * A template's ruleParameters through the control plane: validated against the rules' parameter metadata,
 * stored in DynamoDB Local (an additive attribute) and returned by describe/list; the CLI's
 * --rule-parameter option turns RULE:NAME=VALUE into typed values.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DynamoTemplatesRepository } from '../../../functions/adapters/aws/templates-repository';
import { setTransportFactory, unwrap } from '../../../functions/cli/aws-client';
import { main } from '../../../functions/cli/main';
import { ControlPlaneError } from '../../../functions/core/control-plane/errors';
import { dispatch, OPERATIONS, type OperationName } from '../../../functions/core/control-plane/operations';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../helpers/dynamodb-local';
import { type Harness, makeHarness } from './harness';

let ddb: DynamoDbLocal;
let h: Harness;

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
});
afterAll(async () => {
  await ddb?.stop();
});
beforeEach(async () => {
  h = await makeHarness(ddb);
});
afterEach(() => h?.restore());

/** The run lifecycle's view of the templates table (getTemplate), the same repository. */
const reader = () => h.deps.templates as DynamoTemplatesRepository;

async function call(operation: OperationName, input: Record<string, unknown> = {}) {
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

async function template(ruleParameters?: unknown) {
  const { targetId } = await call('create-assessment-target', { name: 'web' });
  return {
    targetId,
    create: (rp: unknown = ruleParameters) =>
      call('create-assessment-template', {
        name: 'with parameters',
        targetId,
        rulesPackages: ['security-best-practices'],
        durationSeconds: 3600,
        ...(rp === undefined ? {} : { ruleParameters: rp }),
      }),
    refuse: (rp: unknown) =>
      refused('create-assessment-template', {
        name: 'with parameters',
        targetId,
        rulesPackages: ['security-best-practices'],
        durationSeconds: 3600,
        ruleParameters: rp,
      }),
  };
}

describe('create-assessment-template ruleParameters', () => {
  it('stores the overrides and describe/list return them; a template without them has none', async () => {
    const t = await template();
    const ruleParameters = {
      'sbp.password-min-length': { minLength: 16 },
      'sbp.password-max-age': { maxDays: 90 },
    };
    const { templateId } = await t.create(ruleParameters);
    const { templateId: plainId } = await t.create(undefined);
    const { templates } = await call('describe-assessment-templates', { templateIds: [templateId, plainId] });
    expect(templates[0]).toMatchObject({ templateId, ruleParameters });
    expect(templates[1].templateId).toBe(plainId);
    expect(templates[1]).not.toHaveProperty('ruleParameters');
    const listed = await call('list-assessment-templates', { targetId: t.targetId });
    expect(
      listed.items.find((x: { templateId: string }) => x.templateId === templateId).ruleParameters,
    ).toEqual(ruleParameters);
    // The lifecycle's reader sees the same item.
    expect((await reader().getTemplate(templateId))?.ruleParameters).toEqual(ruleParameters);
    // An empty object is the same as none.
    const { templateId: emptyId } = await t.create({});
    expect(await reader().getTemplate(emptyId)).not.toHaveProperty('ruleParameters');
  });

  it('accepts the runtime behaviour parameters (number, boolean, listed string) on a template with that package', async () => {
    const { targetId } = await call('create-assessment-target', { name: 'rt' });
    const base = {
      name: 'runtime',
      targetId,
      rulesPackages: ['security-best-practices', 'runtime-behavior-analysis'],
      durationSeconds: 3600,
    };
    const ruleParameters = {
      'rba.unused-listening-tcp-ports': { minDurationSeconds: 600, includeLoopback: true },
      'rba.software-without-stack-cookies': { scope: 'all' },
      'sbp.aslr': { requiredValue: 2 },
    };
    const { templateId } = await call('create-assessment-template', { ...base, ruleParameters });
    expect((await reader().getTemplate(templateId))?.ruleParameters).toEqual(ruleParameters);
    const scope = await refused('create-assessment-template', {
      ...base,
      ruleParameters: { 'rba.software-without-stack-cookies': { scope: 'some' } },
    });
    expect(scope).toEqual({
      code: 'InvalidInputException',
      message:
        'ruleParameters: rba.software-without-stack-cookies:scope must be one of third-party, all, got "some"',
    });
    const loopback = await refused('create-assessment-template', {
      ...base,
      ruleParameters: { 'rba.unused-listening-tcp-ports': { includeLoopback: 'yes' } },
    });
    expect(loopback.message).toBe(
      'ruleParameters: rba.unused-listening-tcp-ports:includeLoopback must be true or false, got "yes"',
    );
  });

  it('refuses a rule outside the template packages, an unknown rule or parameter, naming the known ones', async () => {
    const t = await template();
    const otherPackage = await t.refuse({ 'rba.unused-listening-tcp-ports': { minDurationSeconds: 600 } });
    expect(otherPackage.code).toBe('InvalidInputException');
    expect(otherPackage.message).toBe(
      'ruleParameters: rule rba.unused-listening-tcp-ports belongs to rules package runtime-behavior-analysis, ' +
        'which is not among security-best-practices; known parameters: ' +
        'sbp.password-max-age:maxDays (number, default 365), sbp.password-min-length:minLength (number, default 14), ' +
        'sbp.aslr:requiredValue (number, default 2)',
    );
    const unknownRule = await t.refuse({ 'sbp.no-such-rule': { minLength: 1 } });
    expect(unknownRule.code).toBe('InvalidInputException');
    expect(unknownRule.message).toMatch(/^ruleParameters: rule sbp\.no-such-rule has no parameters in/);
    const badName = await t.refuse({ 'sbp.password-min-length': { minLen: 16 } });
    expect(badName.code).toBe('InvalidInputException');
    expect(badName.message).toMatch(
      /^ruleParameters: rule sbp\.password-min-length has no parameter "minLen"; known parameters: .*sbp\.password-min-length:minLength/,
    );
    // Nothing was stored.
    expect((await call('list-assessment-templates', {})).items).toEqual([]);
  });

  it('refuses values of the wrong type and malformed shapes', async () => {
    const t = await template();
    const wrongType = await t.refuse({ 'sbp.password-min-length': { minLength: '16' } });
    expect(wrongType).toEqual({
      code: 'InvalidInputException',
      message: 'ruleParameters: sbp.password-min-length:minLength must be a finite number, got "16"',
    });
    const bool = await t.refuse({ 'sbp.aslr': { requiredValue: true } });
    expect(bool.message).toBe(
      'ruleParameters: sbp.aslr:requiredValue must be a finite number, got true (boolean)',
    );
    for (const shape of [{ 'sbp.aslr': 2 }, { 'sbp.aslr': { requiredValue: null } }, ['sbp.aslr'], 'x']) {
      const e = await t.refuse(shape);
      expect(e.code, JSON.stringify(shape)).toBe('InvalidInputException');
      expect(e.message).toMatch(/^create-assessment-template: ruleParameters/);
    }
  });
});

describe('inspector create-assessment-template --rule-parameter', () => {
  let out = '';
  let err = '';
  beforeEach(() => {
    setTransportFactory(() => ({
      // Through JSON both ways, as over Lambda.
      call: async (group, operation, input) =>
        unwrap(
          JSON.parse(
            JSON.stringify(await dispatch(h.deps, group, JSON.parse(JSON.stringify({ operation, input })))),
          ),
        ),
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

  async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    out = '';
    err = '';
    const code = await main(['node', 'inspector', ...args]);
    return { code, out, err };
  }

  it('sends typed values (repeatable) and describe shows them', async () => {
    const { targetId } = await call('create-assessment-target', { name: 'web' });
    const created = await run(
      'create-assessment-template',
      ...['--name', 'p', '--target-id', targetId, '--rules-packages', 'security-best-practices'],
      ...['--duration', '3600', '--output', 'json'],
      ...['--rule-parameter', 'sbp.password-min-length:minLength=16'],
      ...['--rule-parameter', 'sbp.aslr:requiredValue=1'],
    );
    expect(created.err).toBe('');
    const runtime = await run(
      'create-assessment-template',
      ...['--name', 'rt', '--target-id', targetId, '--output', 'json'],
      ...['--rules-packages', 'runtime-behavior-analysis', '--duration', '3600'],
      ...['--rule-parameter', 'rba.unused-listening-tcp-ports:minDurationSeconds=600'],
      ...['--rule-parameter', 'rba.unused-listening-tcp-ports:includeLoopback=true'],
      ...['--rule-parameter', 'rba.software-without-stack-cookies:scope=all'],
    );
    expect(runtime.err).toBe('');
    const runtimeId = (JSON.parse(runtime.out) as { templateId: string }).templateId;
    expect((await reader().getTemplate(runtimeId))?.ruleParameters).toEqual({
      'rba.unused-listening-tcp-ports': { minDurationSeconds: 600, includeLoopback: true },
      'rba.software-without-stack-cookies': { scope: 'all' },
    });
    expect(created.err).toBe('');
    const { templateId } = JSON.parse(created.out) as { templateId: string };
    expect((await reader().getTemplate(templateId))?.ruleParameters).toEqual({
      'sbp.password-min-length': { minLength: 16 },
      'sbp.aslr': { requiredValue: 1 },
    });
    const described = await run('describe-assessment-templates', '--template-ids', templateId);
    expect(described.out).toContain(
      'rule parameters sbp.password-min-length:minLength=16, sbp.aslr:requiredValue=1',
    );
  });

  it('refuses a malformed option or a wrong value in one line', async () => {
    const { targetId } = await call('create-assessment-target', { name: 'web' });
    const base = [
      'create-assessment-template',
      ...['--name', 'p', '--target-id', targetId, '--rules-packages', 'security-best-practices'],
      ...['--duration', '3600'],
    ];
    const malformed = await run(...base, '--rule-parameter', 'sbp.aslr=1');
    expect(malformed.code).toBe(1);
    expect(malformed.err).toBe('inspector: --rule-parameter takes RULE:NAME=VALUE, got "sbp.aslr=1"\n');
    const notNumber = await run(...base, '--rule-parameter', 'sbp.password-min-length:minLength=long');
    expect(notNumber.code).toBe(1);
    expect(notNumber.err).toBe(
      'inspector: InvalidInputException: ruleParameters: sbp.password-min-length:minLength must be a finite number, got "long"\n',
    );
  });
});
