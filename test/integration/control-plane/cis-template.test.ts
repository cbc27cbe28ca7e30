/**
 * A template's cis profile and tailoring through the control plane: checked with the cis package's
 * tailoring rules (normalized: sorted, deduplicated), stored in DynamoDB Local and returned by describe; only
 * with the cis package; the CLI's --cis-profile/--cis-skip/--cis-variable build it.
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

describe('create-assessment-template cis', () => {
  it('stores the normalized profile and tailoring; describe and the lifecycle reader return it', async () => {
    const { targetId } = await call('create-assessment-target', { name: 'cis' });
    const base = { name: 'cis', targetId, rulesPackages: ['cis'], durationSeconds: 3600 };
    const { templateId } = await call('create-assessment-template', {
      ...base,
      cis: {
        profile: 'level2-server',
        skip: ['5.1.20', 'cis.debian12.1.1.1.1', '5.1.20'],
        variables: { var_password_pam_minlen: '16' },
      },
    });
    const cis = {
      profile: 'level2-server',
      skip: ['5.1.20', 'cis.debian12.1.1.1.1'],
      variables: { var_password_pam_minlen: '16' },
    };
    const { templates } = await call('describe-assessment-templates', { templateIds: [templateId] });
    expect(templates[0]).toMatchObject({ templateId, rulesPackages: ['cis'], cis });
    expect((await reader().getTemplate(templateId))?.cis).toEqual(cis);
    // Without tailoring: no cis attribute (the package's defaults).
    const { templateId: plain } = await call('create-assessment-template', base);
    expect(await reader().getTemplate(plain)).not.toHaveProperty('cis');
  });

  it('refuses bad tailoring with the tailoring message, and tailoring without the cis package', async () => {
    const { targetId } = await call('create-assessment-target', { name: 'cis' });
    const base = { name: 'cis', targetId, rulesPackages: ['cis'], durationSeconds: 3600 };
    expect(
      await refused('create-assessment-template', { ...base, cis: { profile: 'level3-server' } }),
    ).toEqual({
      code: 'InvalidInputException',
      message: 'cis: CIS profile must be one of level1-server, level2-server, got "level3-server"',
    });
    const variable = await refused('create-assessment-template', {
      ...base,
      cis: { profile: 'level1-server', variables: { var_no_such_thing: '1' } },
    });
    expect(variable.message).toMatch(/^cis: unknown ComplianceAsCode variable "var_no_such_thing"/);
    const skip = await refused('create-assessment-template', {
      ...base,
      cis: { profile: 'level1-server', skip: ['1.1;rm'] },
    });
    expect(skip.message).toMatch(/^cis: a skipped control is a section/);
    const withoutPackage = await refused('create-assessment-template', {
      ...base,
      rulesPackages: ['security-best-practices'],
      cis: { profile: 'level1-server' },
    });
    expect(withoutPackage).toEqual({
      code: 'InvalidInputException',
      message: 'cis: the template names no cis rules package (add cis to rulesPackages)',
    });
    const shape = await refused('create-assessment-template', { ...base, cis: { level: 2 } });
    expect(shape.code).toBe('InvalidInputException');
    expect((await call('list-assessment-templates', {})).items).toEqual([]);
  });
});

describe('inspector create-assessment-template --cis-*', () => {
  let out = '';
  let err = '';
  beforeEach(() => {
    setTransportFactory(() => ({
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

  it('sends the profile, skip list and variables; a bad profile is refused by the control plane', async () => {
    const { targetId } = await call('create-assessment-target', { name: 'web' });
    const created = await run(
      'create-assessment-template',
      ...['--name', 'c', '--target-id', targetId, '--rules-packages', 'cis', '--duration', '3600'],
      ...['--output', 'json', '--cis-profile', 'level2-server', '--cis-skip', '5.1.20, 1.1.1.1'],
      ...['--cis-variable', 'var_password_pam_minlen=16'],
    );
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    const id = (JSON.parse(created.out) as { templateId: string }).templateId;
    expect((await reader().getTemplate(id))?.cis).toEqual({
      profile: 'level2-server',
      skip: ['1.1.1.1', '5.1.20'],
      variables: { var_password_pam_minlen: '16' },
    });
    const skipOnly = await run(
      'create-assessment-template',
      ...['--name', 'd', '--target-id', targetId, '--rules-packages', 'cis', '--duration', '3600'],
      ...['--output', 'json', '--cis-skip', '1.1.1.1'],
    );
    expect(skipOnly.err).toBe('');
    const skipId = (JSON.parse(skipOnly.out) as { templateId: string }).templateId;
    expect((await reader().getTemplate(skipId))?.cis).toEqual({
      profile: 'level1-server',
      skip: ['1.1.1.1'],
    });
    const bad = await run(
      'create-assessment-template',
      ...['--name', 'e', '--target-id', targetId, '--rules-packages', 'cis', '--duration', '3600'],
      ...['--cis-profile', 'level3-server'],
    );
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/CIS profile must be one of level1-server, level2-server/);
  });
});
