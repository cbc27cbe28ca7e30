/**
 * Suppression rules in the stack: the control-plane operations over DynamoDB Local (the real adapter, one
 * transaction per change with its audit item), list-findings and describe-findings marking findings with the
 * rules in force at the (injected) clock, tag rules through the EC2 mock, and the CLI's stack path stating
 * the caller's identity (STS mocked as the service answers).
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoSuppressionStore } from '../../../functions/adapters/aws/dynamo-suppression-store';
import { setTransportFactory, unwrap } from '../../../functions/cli/aws-client';
import { main } from '../../../functions/cli/main';
import { dispatch } from '../../../functions/core/control-plane/operations';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../helpers/dynamodb-local';
import { finding, type Harness, makeHarness } from './harness';

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
afterEach(() => {
  h.restore();
});

async function call(operation: string, input: Record<string, unknown>) {
  return JSON.parse(JSON.stringify(await dispatch(h.deps, 'findings', { operation, input })));
}

const waiver = (over: Record<string, unknown> = {}) => ({
  match: { ruleId: 'sbp.ssh-root-login', instanceId: 'i-1' },
  owner: 'platform',
  reason: 'bastion, until migration',
  expiresOn: '2026-12-03',
  requestedBy: 'arn:aws:iam::123456789012:user/alice',
  ...over,
});

describe('create/list/delete-suppression-rule', () => {
  it('stores the rule with an audit item in one transaction; delete audits the rule as it was', async () => {
    const created = await call('create-suppression-rule', waiver());
    expect(created.ok).toBe(true);
    const id = created.result.suppressionRule.suppressionRuleId as string;
    expect(created.result.suppressionRule).toMatchObject({
      createdBy: 'arn:aws:iam::123456789012:user/alice',
      createdAt: '2026-11-30T10:00:00.000Z',
    });

    const listed = await call('list-suppression-rules', {});
    expect(listed.result.items).toHaveLength(1);
    expect(listed.result.items[0]).toMatchObject({ suppressionRuleId: id, status: 'ACTIVE' });

    h.deps.now = () => new Date('2026-12-03T00:00:00.000Z');
    expect((await call('list-suppression-rules', { status: 'EXPIRED' })).result.items).toHaveLength(1);
    expect((await call('list-suppression-rules', { status: 'ACTIVE' })).result.items).toHaveLength(0);

    const deleted = await call('delete-suppression-rule', {
      suppressionRuleId: id,
      requestedBy: 'arn:aws:iam::123456789012:user/bob',
    });
    expect(deleted).toEqual({ ok: true, result: { suppressionRuleId: id } });
    expect((await call('delete-suppression-rule', { suppressionRuleId: id })).error.code).toBe(
      'NoSuchEntityException',
    );

    const audit = await new DynamoSuppressionStore(ddb.doc, h.tables.suppressions).audit();
    expect(audit.map((a) => [a.action, a.actor, a.at])).toEqual([
      ['CREATE', 'arn:aws:iam::123456789012:user/alice', '2026-11-30T10:00:00.000Z'],
      ['DELETE', 'arn:aws:iam::123456789012:user/bob', '2026-12-03T00:00:00.000Z'],
    ]);
    expect(audit[1]?.rule.suppressionRuleId).toBe(id);
  });

  it("refuses bad input with Classic's InvalidInputException", async () => {
    for (const bad of [
      waiver({ expiresOn: '2028-01-01' }),
      waiver({ expiresOn: '2026-11-30' }),
      waiver({ expiresOn: undefined }),
      waiver({ match: {} }),
      waiver({ owner: '' }),
      waiver({ vex: { status: 'affected' } }),
    ]) {
      const r = await call('create-suppression-rule', bad);
      expect(r.ok, JSON.stringify(bad)).toBe(false);
      expect(r.error.code).toBe('InvalidInputException');
    }
    expect((await call('list-suppression-rules', {})).result.items).toEqual([]);
  });
});

describe('list-findings and describe-findings mark suppressed findings at the clock', () => {
  it('suppressed while the waiver is in force, active again from its expiry day; never deleted', async () => {
    await h.putRun({ runId: 'run-1', state: 'COMPLETED' });
    await h.putRun({ runId: 'run-2', state: 'COMPLETED' });
    await h.putFinding(finding({ id: 'f-1', runId: 'run-1', instanceId: 'i-1' }));
    await h.putFinding(finding({ id: 'f-1', runId: 'run-2', instanceId: 'i-1' }));
    await h.putFinding(finding({ id: 'f-2', runId: 'run-1', instanceId: 'i-2' }));
    const id = (await call('create-suppression-rule', waiver())).result.suppressionRule.suppressionRuleId;

    // Run 1 listed on 2026-12-01: waived.
    h.deps.now = () => new Date('2026-12-01T12:00:00.000Z');
    const first = (await call('list-findings', { runIds: ['run-1'] })).result.items;
    expect(
      first.map((f: { findingId: string; suppressionRuleId?: string }) => [f.findingId, f.suppressionRuleId]),
    ).toEqual(
      expect.arrayContaining([
        ['run-1/f-1', id],
        ['run-1/f-2', undefined],
      ]),
    );
    const described = (await call('describe-findings', { findingIds: ['run-1/f-1'] })).result.findings[0];
    expect(described.suppression).toMatchObject({ suppressionRuleId: id, expiresOn: '2026-12-03' });

    // Run 2 listed on the expiry day: active again (and so is run 1's, seen now).
    h.deps.now = () => new Date('2026-12-03T00:00:00.000Z');
    const second = (await call('list-findings', { runIds: ['run-2'] })).result.items;
    expect(second).toHaveLength(1);
    expect(second[0].suppressionRuleId).toBeUndefined();
    expect((await call('list-findings', { runIds: ['run-1'] })).result.items).toHaveLength(2);
  });

  it('a tag rule matches the running instances carrying the tag (EC2)', async () => {
    h.fleet.push({ instanceId: 'i-1', tags: { Env: 'prod' } }, { instanceId: 'i-2', tags: { Env: 'dev' } });
    await h.putRun({ runId: 'run-1', state: 'COMPLETED' });
    await h.putFinding(finding({ id: 'f-1', runId: 'run-1', instanceId: 'i-1' }));
    await h.putFinding(finding({ id: 'f-2', runId: 'run-1', instanceId: 'i-2' }));
    await call('create-suppression-rule', waiver({ match: { instanceTag: { key: 'Env', value: 'prod' } } }));
    const items = (await call('list-findings', { runIds: ['run-1'] })).result.items as Array<{
      instanceId: string;
      suppressionRuleId?: string;
    }>;
    expect(items.find((f) => f.instanceId === 'i-1')?.suppressionRuleId).toBeDefined();
    expect(items.find((f) => f.instanceId === 'i-2')?.suppressionRuleId).toBeUndefined();
  });
});

describe('list-suppression-audit (the audit items in DynamoDB)', () => {
  type Entry = { action: string; actor: string; at: string; suppressionRuleId: string; rule: unknown };
  const audit = async (input: Record<string, unknown>) => {
    const r = await call('list-suppression-audit', input);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.result as { items: Entry[]; nextToken?: string };
  };

  /** Three rules created on three days, the second deleted on the fourth. */
  async function seedChanges(): Promise<string[]> {
    const ids: string[] = [];
    for (const [n, at] of [
      '2026-11-30T10:00:00.000Z',
      '2026-12-01T10:00:00.000Z',
      '2026-12-02T10:00:00.000Z',
    ].entries()) {
      h.deps.now = () => new Date(at);
      const who = `arn:aws:iam::123456789012:user/u${n}`;
      ids.push(
        (await call('create-suppression-rule', waiver({ requestedBy: who }))).result.suppressionRule
          .suppressionRuleId,
      );
    }
    h.deps.now = () => new Date('2026-12-03T08:00:00.000Z');
    await call('delete-suppression-rule', {
      suppressionRuleId: ids[1],
      requestedBy: 'arn:aws:iam::123456789012:user/bob',
    });
    return ids;
  }

  it('who, when, what: every change oldest first, with the rule as it was', async () => {
    const ids = await seedChanges();
    const { items, nextToken } = await audit({});
    expect(nextToken).toBeUndefined();
    expect(items.map((e) => [e.action, e.suppressionRuleId, e.actor, e.at])).toEqual([
      ['CREATE', ids[0], 'arn:aws:iam::123456789012:user/u0', '2026-11-30T10:00:00.000Z'],
      ['CREATE', ids[1], 'arn:aws:iam::123456789012:user/u1', '2026-12-01T10:00:00.000Z'],
      ['CREATE', ids[2], 'arn:aws:iam::123456789012:user/u2', '2026-12-02T10:00:00.000Z'],
      ['DELETE', ids[1], 'arn:aws:iam::123456789012:user/bob', '2026-12-03T08:00:00.000Z'],
    ]);
    expect(items[3]?.rule).toMatchObject({ suppressionRuleId: ids[1], owner: 'platform' });
  });

  it('pages (a page may end inside a DynamoDB page), one rule, a time window', async () => {
    const ids = await seedChanges();
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await audit({ maxResults: 1, ...(token ? { nextToken: token } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((e) => `${e.action} ${e.suppressionRuleId}`));
      token = page.nextToken;
      pages++;
    } while (token && pages < 10);
    expect(seen).toEqual([`CREATE ${ids[0]}`, `CREATE ${ids[1]}`, `CREATE ${ids[2]}`, `DELETE ${ids[1]}`]);
    expect((await audit({ suppressionRuleId: ids[1] })).items.map((e) => e.action)).toEqual([
      'CREATE',
      'DELETE',
    ]);
    const filteredPage = await audit({ suppressionRuleId: ids[1], maxResults: 1 });
    expect(filteredPage.items.map((e) => e.action)).toEqual(['CREATE']);
    expect(
      (await audit({ suppressionRuleId: ids[1], nextToken: filteredPage.nextToken })).items.map(
        (e) => e.action,
      ),
    ).toEqual(['DELETE']);
    // since inclusive, until exclusive; a date-time with an offset means its UTC instant.
    expect(
      (await audit({ since: '2026-12-01', until: '2026-12-03' })).items.map((e) => e.suppressionRuleId),
    ).toEqual([ids[1], ids[2]]);
    expect((await audit({ since: '2026-12-03T09:00:00+01:00' })).items.map((e) => e.action)).toEqual([
      'DELETE',
    ]);
    expect((await audit({ since: '2026-12-04' })).items).toEqual([]);
  });

  it('refuses a bad time, a forged token, an oversized page', async () => {
    for (const bad of [
      { since: 'yesterday' },
      { until: '2026-13-45' },
      { nextToken: 'AUDIT' },
      { maxResults: 501 },
    ]) {
      const r = await call('list-suppression-audit', bad);
      expect(r.ok, JSON.stringify(bad)).toBe(false);
      expect(r.error.code).toBe('InvalidInputException');
    }
  });
});

describe('the CLI against the stack', () => {
  let out = '';
  let err = '';
  const sts = mockClient(STSClient);
  beforeEach(() => {
    setTransportFactory(() => ({
      call: async (group, operation, input) =>
        unwrap(
          JSON.parse(
            JSON.stringify(await dispatch(h.deps, group, JSON.parse(JSON.stringify({ operation, input })))),
          ),
        ),
    }));
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({
      Arn: 'arn:aws:sts::123456789012:assumed-role/SecOps/carol',
      Account: '123456789012',
      UserId: 'AROAEXAMPLE:carol',
    });
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
  const run = async (...args: string[]) => {
    out = '';
    err = '';
    return main(['node', 'inspector', ...args]);
  };

  it('create, list and delete go to the findings function, audited with the caller identity', async () => {
    expect(
      await run(
        'create-suppression-rule',
        '--cve',
        'CVE-2024-3094',
        '--owner',
        'sec',
        '--reason',
        'r',
        '--expires-on',
        '2026-12-20',
        '--output',
        'json',
      ),
    ).toBe(0);
    const rule = JSON.parse(out).suppressionRule;
    expect(rule.createdBy).toBe('arn:aws:sts::123456789012:assumed-role/SecOps/carol');
    expect(await run('list-suppression-rules')).toBe(0);
    expect(out).toContain(rule.suppressionRuleId);
    expect(out).toContain('cve=CVE-2024-3094');
    expect(await run('delete-suppression-rule', '--suppression-rule-id', rule.suppressionRuleId)).toBe(0);
    expect(await run('delete-suppression-rule', '--suppression-rule-id', rule.suppressionRuleId)).toBe(1);
    expect(err).toMatch(/NoSuchEntityException/);
    const audit = await new DynamoSuppressionStore(ddb.doc, h.tables.suppressions).audit();
    expect(audit.map((a) => a.actorSource)).toEqual([
      'caller-stated (sts:GetCallerIdentity of the CLI)',
      'caller-stated (sts:GetCallerIdentity of the CLI)',
    ]);
  });

  it('list-suppression-audit reads the audit log of the stack (every page) and of a data directory', async () => {
    for (const expiresOn of ['2026-12-20', '2026-12-21']) {
      await run(
        'create-suppression-rule',
        '--rule-id',
        'sbp.aslr',
        '--owner',
        'o',
        '--reason',
        'r',
        '--expires-on',
        expiresOn,
        '--output',
        'json',
      );
    }
    expect(await run('list-suppression-audit', '--output', 'json')).toBe(0);
    const items = JSON.parse(out).items as Array<{ action: string; actor: string }>;
    expect(items.map((e) => [e.action, e.actor])).toEqual([
      ['CREATE', 'arn:aws:sts::123456789012:assumed-role/SecOps/carol'],
      ['CREATE', 'arn:aws:sts::123456789012:assumed-role/SecOps/carol'],
    ]);
    expect(await run('list-suppression-audit')).toBe(0);
    expect(out).toMatch(/AT\s+ACTION\s+WHO/);
    expect(out).toContain('rule=sbp.aslr');
    expect(await run('list-suppression-audit', '--since', 'last week')).toBe(1);
    expect(err).toMatch(/InvalidInputException/);

    // Locally: the data directory's log, the OS user as the actor; a tampered line is a clear error.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'inspector-audit-'));
    try {
      expect(
        await run(
          'create-suppression-rule',
          '--data-dir',
          dir,
          '--rule-id',
          'sbp.aslr',
          '--owner',
          'o',
          '--reason',
          'r',
          '--expires-on',
          // Local changes are judged on the real clock: an expiry ten days from today.
          new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10),
        ),
      ).toBe(0);
      expect(await run('list-suppression-audit', '--data-dir', dir, '--output', 'json')).toBe(0);
      const local = JSON.parse(out).items as Array<{ action: string; actorSource: string }>;
      expect(local.map((e) => [e.action, e.actorSource])).toEqual([['CREATE', 'os-user']]);
      appendFileSync(path.join(dir, 'suppressions-audit.jsonl'), '{"auditId":"x","action":"CREATE"}\n');
      expect(await run('list-suppression-audit', '--data-dir', dir)).toBe(1);
      expect(err).toMatch(/suppressions-audit\.jsonl line 2 is not an audit entry/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without credentials to say who it is, changes nothing', async () => {
    sts.on(GetCallerIdentityCommand).rejects(new Error('Could not load credentials from any providers'));
    expect(
      await run(
        'create-suppression-rule',
        '--rule-id',
        'sbp.aslr',
        '--owner',
        'o',
        '--reason',
        'r',
        '--expires-on',
        '2026-12-20',
      ),
    ).toBe(1);
    expect(err).toMatch(/cannot tell who you are/);
    expect((await call('list-suppression-rules', {})).result.items).toEqual([]);
  });
});
