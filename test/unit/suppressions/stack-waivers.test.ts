/**
 * The pieces waivers use in the stack: the report cache's waiver fingerprint, the tags tag rules are judged
 * on (recorded at run start, EC2 only for instances without), the run lifecycle's marking and counting, the
 * FINDING_REPORTED selection, and the audit log's paging (the local file's store over a temporary directory).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalSuppressionStore } from '../../../functions/adapters/local/suppression-file';
import type { Finding } from '../../../functions/core/model';
import { findingMessages } from '../../../functions/core/run-lifecycle/events';
import type { StoredRun } from '../../../functions/core/run-lifecycle/model';
import { countWithSuppressed, markSuppressed } from '../../../functions/core/run-lifecycle/suppression-state';
import {
  createSuppression,
  deleteSuppression,
  listSuppressionAudit,
} from '../../../functions/core/suppression-service';
import { instanceTagsFor } from '../../../functions/core/suppression-tags';
import {
  newSuppressionRule,
  SuppressionInputError,
  type SuppressionRule,
  waiverFingerprint,
} from '../../../functions/core/suppressions';
import type { Fleet } from '../../../functions/ports/fleet';

const NOW = new Date('2026-12-02T13:00:00.000Z');

function rule(match: SuppressionRule['match'], expiresOn = '2026-12-10', id = 'sup-1'): SuppressionRule {
  return newSuppressionRule(
    { match, owner: 'sec', reason: 'accepted', expiresOn },
    { id, now: NOW, actor: 'alice' },
  );
}

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: 'f-1',
    runId: 'run-1',
    instanceId: 'i-1',
    rulesPackage: 'security-best-practices',
    ruleId: 'sbp.aslr',
    title: 'ASLR',
    description: 'd',
    recommendation: 'r',
    severity: 'Medium',
    numericSeverity: 6,
    attributes: [],
    evidence: [],
    createdAt: '2026-12-01T00:00:00.000Z',
    ...over,
  };
}

describe('waiverFingerprint: what a cached report depends on', () => {
  const a = rule({ ruleId: 'sbp.aslr' }, '2026-12-10', 'sup-a');
  const b = rule({ rulesPackage: 'cve' }, '2026-12-05', 'sup-b');
  const c = rule({ rulesPackage: 'security-best-practices' }, '2026-12-20', 'sup-c');

  it('the same for the same rules in any order; another rule, a deletion or an expiry changes it', () => {
    const pkgs = ['security-best-practices', 'cve'];
    const base = waiverFingerprint([a, b, c], NOW, pkgs);
    expect(waiverFingerprint([c, a, b], NOW, pkgs)).toBe(base);
    expect(waiverFingerprint([a, c], NOW, pkgs)).not.toBe(base);
    // b expires on 2026-12-05 (00:00 UTC): from then on the fingerprint is the one without it.
    expect(waiverFingerprint([a, b, c], new Date('2026-12-05T00:00:00.000Z'), pkgs)).toBe(
      waiverFingerprint([a, c], NOW, pkgs),
    );
  });

  it('ignores rules naming a rules package the run did not run; none in force is "none"', () => {
    const sbp = ['security-best-practices'];
    expect(waiverFingerprint([a, b, c], NOW, sbp)).toBe(waiverFingerprint([a, c], NOW, sbp));
    expect(waiverFingerprint([b], NOW, sbp)).toBe('none');
    expect(waiverFingerprint([a], new Date('2026-12-10T00:00:00.000Z'), sbp)).toBe('none');
    expect(waiverFingerprint([a], NOW, sbp)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('instanceTagsFor: recorded tags first, EC2 only for instances without', () => {
  const tagRule = rule({ instanceTag: { key: 'env', value: 'lab' } });
  function fleet(): Fleet & { calls: number } {
    const f = {
      calls: 0,
      async findInstances(tags: ReadonlyArray<{ key: string; values?: string[] }>) {
        f.calls++;
        expect(tags).toEqual([{ key: 'env', values: ['lab'] }]);
        return [
          { instanceId: 'i-old', state: 'running', tags: [{ key: 'env', value: 'lab' }] },
          { instanceId: 'i-1', state: 'running', tags: [{ key: 'env', value: 'lab' }] },
        ];
      },
    };
    return f;
  }

  it('no tag rule: nothing looked up', async () => {
    const f = fleet();
    expect(await instanceTagsFor([rule({ ruleId: 'x' })], [{ instanceId: 'i-1' }], f)).toBeUndefined();
    expect(f.calls).toBe(0);
  });

  it('recorded tags win over current ones, and EC2 is not asked when all are recorded', async () => {
    const f = fleet();
    const tags = await instanceTagsFor([tagRule], [{ instanceId: 'i-1', tags: { env: 'prod' } }], f);
    expect(tags?.('i-1')).toEqual({ env: 'prod' });
    expect(f.calls).toBe(0);
  });

  it('an instance recorded without tags (an older run) gets its current EC2 tags; without a fleet, none', async () => {
    const f = fleet();
    const tags = await instanceTagsFor(
      [tagRule],
      [{ instanceId: 'i-1', tags: { env: 'prod' } }, { instanceId: 'i-old' }],
      f,
    );
    expect(tags?.('i-old')).toEqual({ env: 'lab' });
    expect(tags?.('i-1')).toEqual({ env: 'prod' });
    expect(f.calls).toBe(1);
    expect((await instanceTagsFor([tagRule], [{ instanceId: 'i-old' }]))?.('i-old')).toBeUndefined();
  });
});

describe('the run lifecycle: marked when evaluated, counted apart, not announced', () => {
  const run = {
    runId: 'run-1',
    name: 'r',
    templateId: 't',
    state: 'EVALUATING_RULES',
    topics: [],
  } as unknown as StoredRun;

  it('marks with the rules in force at the lifecycle clock, tags from the instance record', async () => {
    const rules = [
      rule({ ruleId: 'sbp.aslr', instanceTag: { key: 'env', value: 'lab' } }, '2026-12-10', 'sup-tag'),
      rule({ ruleId: 'sbp.ssh-root-login' }, '2026-12-03', 'sup-ending'),
    ];
    const deps = { suppressions: { list: async () => rules }, now: () => NOW };
    let asked = 0;
    const instances = async () => {
      asked++;
      return [{ instanceId: 'i-1', tags: { env: 'lab' } }];
    };
    const findings = [
      finding(),
      finding({ id: 'f-2', ruleId: 'sbp.ssh-root-login', severity: 'High' }),
      finding({ id: 'f-3', ruleId: 'sbp.dep', severity: 'Low' }),
    ];
    const marked = await markSuppressed(deps, findings, instances);
    expect(marked.map((f) => f.suppression?.suppressionRuleId)).toEqual(['sup-tag', 'sup-ending', undefined]);
    expect(asked).toBe(1);
    expect(countWithSuppressed(marked)).toEqual({
      findingCounts: { High: 1, Medium: 1, Low: 1, Informational: 0 },
      suppressedFindingCounts: { High: 1, Medium: 1, Low: 0, Informational: 0 },
    });
    // FINDING_REPORTED: the active finding only.
    expect(findingMessages(run, marked, NOW.toISOString()).map((m) => JSON.parse(m.body).finding.id)).toEqual(
      ['f-3'],
    );
    // On the expiry day of sup-ending its finding is active again (and a stale mark is dropped).
    const later = await markSuppressed(
      { ...deps, now: () => new Date('2026-12-03T00:00:00.000Z') },
      marked,
      instances,
    );
    expect(later.map((f) => f.suppression?.suppressionRuleId)).toEqual(['sup-tag', undefined, undefined]);
  });

  it('without a rules store or rules in force: unchanged, and no tag lookup', async () => {
    const f = [finding()];
    const fail = async () => {
      throw new Error('not asked');
    };
    expect(await markSuppressed({ now: () => NOW }, f, fail)).toEqual(f);
    expect(await markSuppressed({ suppressions: { list: async () => [] }, now: () => NOW }, f, fail)).toEqual(
      f,
    );
  });
});

describe('the audit log, paged (local file store)', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function seeded() {
    dir = mkdtempSync(path.join(os.tmpdir(), 'audit-unit-'));
    const store = new LocalSuppressionStore(dir);
    const ids: string[] = [];
    for (const [n, at] of ['2026-12-02T10:00:00.000Z', '2026-12-03T10:00:00.000Z'].entries()) {
      const r = await createSuppression(
        store,
        { match: { ruleId: `sbp.rule-${n}` }, owner: 'o', reason: 'r', expiresOn: '2026-12-20' },
        { now: new Date(at), actor: `user-${n}`, actorSource: 'os-user' },
      );
      ids.push(r.suppressionRuleId);
    }
    await deleteSuppression(store, ids[0] as string, {
      now: new Date('2026-12-04T10:00:00.000Z'),
      actor: 'user-2',
      actorSource: 'os-user',
    });
    return { store, ids };
  }

  it('pages through every entry, filters by rule and by time', async () => {
    const { store, ids } = await seeded();
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await listSuppressionAudit(store, { maxResults: 2, ...(nextToken ? { nextToken } : {}) });
      seen.push(...page.items.map((e) => `${e.action} ${e.suppressionRuleId} ${e.actor}`));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen).toEqual([`CREATE ${ids[0]} user-0`, `CREATE ${ids[1]} user-1`, `DELETE ${ids[0]} user-2`]);
    const one = await listSuppressionAudit(store, { maxResults: 10, suppressionRuleId: ids[0] as string });
    expect(one.items.map((e) => e.action)).toEqual(['CREATE', 'DELETE']);
    const window = await listSuppressionAudit(store, {
      maxResults: 10,
      since: '2026-12-03',
      until: '2026-12-04',
    });
    expect(window.items.map((e) => e.actor)).toEqual(['user-1']);
  });

  it('refuses a forged token, an impossible time, a tampered log line', async () => {
    const { store } = await seeded();
    await expect(listSuppressionAudit(store, { maxResults: 5, nextToken: '../etc' })).rejects.toThrow(
      SuppressionInputError,
    );
    await expect(listSuppressionAudit(store, { maxResults: 5, since: '2026-02-30x' })).rejects.toThrow(
      /not an ISO 8601/,
    );
    await expect(listSuppressionAudit(store, { maxResults: 0 })).rejects.toThrow(/maxResults/);
    writeFileSync(path.join(dir as string, 'suppressions-audit.jsonl'), '{"auditId":1}\n');
    await expect(listSuppressionAudit(store, { maxResults: 5 })).rejects.toThrow(
      /line 1 is not an audit entry: auditId/,
    );
  });
});
