/** Suppression rules: what a rule matches, when it is in force (an injected clock), and how findings are marked. */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../functions/core/model';
import {
  applySuppressions,
  checkExpiry,
  countBySuppression,
  isActive,
  newSuppressionRule,
  ruleMatches,
  SuppressionInputError,
  type SuppressionRule,
} from '../../../functions/core/suppressions';

const NOW = new Date('2026-12-02T13:00:00.000Z');

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: 'f-1',
    runId: 'run-1',
    instanceId: 'i-0abc',
    rulesPackage: 'cve',
    ruleId: 'cve.CVE-2024-3094',
    title: 'CVE-2024-3094 in xz-utils',
    description: 'd',
    recommendation: 'r',
    severity: 'High',
    numericSeverity: 10,
    attributes: [],
    evidence: [],
    createdAt: '2026-12-01T00:00:00.000Z',
    vulnerability: {
      vulnerabilityId: 'CVE-2024-3094',
      aliases: ['DSA-5649-1'],
      advisoryIds: [],
      ecosystem: 'debian:12',
      packages: [{ name: 'liblzma5', installedVersion: '5.6.0-0.2', sourcePackage: 'xz-utils' }],
      fixState: 'fixed',
      references: [],
    },
    ...over,
  };
}

function rule(match: SuppressionRule['match'], expiresOn = '2026-12-10', id = 'sup-1'): SuppressionRule {
  return newSuppressionRule(
    { match, owner: 'sec-team', reason: 'accepted until the rebuild', expiresOn },
    { id, now: NOW, actor: 'alice' },
  );
}

describe('ruleMatches: each criterion, and all given must hold', () => {
  const f = finding();
  const tags = (id: string) => (id === 'i-0abc' ? { Env: 'prod', Team: 'web' } : undefined);
  it.each([
    [{ rulesPackage: 'cve' }, true],
    [{ rulesPackage: 'cis' }, false],
    [{ ruleId: 'cve.CVE-2024-3094' }, true],
    [{ ruleId: 'sbp.aslr' }, false],
    [{ cve: 'CVE-2024-3094' }, true],
    [{ cve: 'CVE-2023-0001' }, false],
    [{ packageName: 'liblzma5' }, true],
    [{ packageName: 'xz-utils' }, true], // the source package
    [{ packageName: 'openssl' }, false],
    [{ instanceId: 'i-0abc' }, true],
    [{ instanceId: 'i-0def' }, false],
    [{ instanceTag: { key: 'Env' } }, true],
    [{ instanceTag: { key: 'Env', value: 'prod' } }, true],
    [{ instanceTag: { key: 'Env', value: 'dev' } }, false],
    [{ instanceTag: { key: 'Owner' } }, false],
    [{ cve: 'CVE-2024-3094', instanceId: 'i-0abc' }, true],
    [{ cve: 'CVE-2024-3094', instanceId: 'i-0def' }, false],
  ])('%j → %s', (match, expected) => {
    expect(ruleMatches(match, f, tags)).toBe(expected);
  });

  it('matches a CVE by alias, and never a finding without vulnerability details', () => {
    const aliased = finding({
      vulnerability: { ...finding().vulnerability!, vulnerabilityId: 'GHSA-x', aliases: ['CVE-2024-3094'] },
    });
    expect(ruleMatches({ cve: 'CVE-2024-3094' }, aliased)).toBe(true);
    const sbp = finding({
      rulesPackage: 'security-best-practices',
      ruleId: 'sbp.aslr',
      vulnerability: undefined,
    });
    expect(ruleMatches({ cve: 'CVE-2024-3094' }, sbp)).toBe(false);
    expect(ruleMatches({ packageName: 'liblzma5' }, sbp)).toBe(false);
  });

  it('a tag rule does not match where tags are unknown (local runs)', () => {
    expect(ruleMatches({ instanceTag: { key: 'Env' } }, f)).toBe(false);
  });
});

describe('expiry: in force until 00:00 UTC of the expiry day', () => {
  const r = rule({ cve: 'CVE-2024-3094' }, '2026-12-10');
  it.each([
    ['2026-12-09T23:59:59.999Z', true],
    ['2026-12-10T00:00:00.000Z', false],
    ['2027-01-01T00:00:00.000Z', false],
  ])('at %s active=%s', (at, active) => {
    expect(isActive(r, new Date(at))).toBe(active);
  });

  it('refuses an expiry today or earlier, more than a year ahead, or not a calendar date', () => {
    expect(() => checkExpiry('2026-12-02', NOW)).toThrow(/not after today/);
    expect(() => checkExpiry('2026-11-30', NOW)).toThrow(/not after today/);
    expect(() => checkExpiry('2027-12-04', NOW)).toThrow(/more than 366 days ahead/);
    expect(() => checkExpiry('2027-02-30', NOW)).toThrow(/not a calendar date/);
    expect(() => checkExpiry('2026-12-03', NOW)).not.toThrow();
    expect(() => checkExpiry('2027-12-03', NOW)).not.toThrow();
    expect(() => checkExpiry('2027-06-01', NOW, 30)).toThrow(/more than 30 days/);
  });

  it('refuses a rule without criterion, owner, reason or expiry, a malformed CVE and control characters', () => {
    const make = (raw: unknown) => () => newSuppressionRule(raw, { id: 's', now: NOW, actor: 'a' });
    const ok = { match: { cve: 'CVE-2024-3094' }, owner: 'o', reason: 'r', expiresOn: '2026-12-10' };
    expect(make(ok)).not.toThrow();
    expect(make({ ...ok, match: {} })).toThrow(SuppressionInputError);
    expect(make({ ...ok, match: {} })).toThrow(/at least one of/);
    expect(make({ ...ok, owner: undefined })).toThrow(/owner/);
    expect(make({ ...ok, reason: ' ' })).toThrow(/reason/);
    expect(make({ ...ok, expiresOn: undefined })).toThrow(/expiresOn/);
    expect(make({ ...ok, match: { cve: 'cve 2024' } })).toThrow(/CVE id/);
    expect(make({ ...ok, owner: 'x\u001b[31m' })).toThrow(/control characters/);
    expect(make({ ...ok, match: { cve: 'CVE-2024-3094', other: 1 } })).toThrow(SuppressionInputError);
    expect(make({ ...ok, vex: { status: 'not_affected', justification: 'because' } })).toThrow(
      /justification/,
    );
  });
});

describe('applySuppressions', () => {
  const findings = [
    finding(),
    finding({
      id: 'f-2',
      severity: 'Medium',
      ruleId: 'sbp.aslr',
      rulesPackage: 'security-best-practices',
      vulnerability: undefined,
    }),
  ];

  it('marks matching findings and keeps every finding', () => {
    const marked = applySuppressions(findings, [rule({ cve: 'CVE-2024-3094' })], NOW);
    expect(marked).toHaveLength(2);
    expect(marked[0]?.suppression).toEqual({
      suppressionRuleId: 'sup-1',
      owner: 'sec-team',
      reason: 'accepted until the rebuild',
      expiresOn: '2026-12-10',
    });
    expect(marked[1]?.suppression).toBeUndefined();
    expect(countBySuppression(marked)).toEqual({
      active: { High: 0, Medium: 1, Low: 0, Informational: 0 },
      suppressed: { High: 1, Medium: 0, Low: 0, Informational: 0 },
    });
  });

  it('takes a mark away once the rule expired or is gone (the finding is active again)', () => {
    const marked = applySuppressions(findings, [rule({ cve: 'CVE-2024-3094' })], NOW);
    expect(
      applySuppressions(marked, [rule({ cve: 'CVE-2024-3094' })], new Date('2026-12-10T00:00:00Z'))[0]
        ?.suppression,
    ).toBeUndefined();
    expect(applySuppressions(marked, [], NOW)[0]?.suppression).toBeUndefined();
  });

  it('of several rules in force, names the one expiring last', () => {
    const marked = applySuppressions(
      findings,
      [
        rule({ cve: 'CVE-2024-3094' }, '2026-12-10', 'sup-a'),
        rule({ instanceId: 'i-0abc' }, '2027-03-01', 'sup-b'),
      ],
      NOW,
    );
    expect(marked[0]?.suppression?.suppressionRuleId).toBe('sup-b');
    expect(marked[1]?.suppression?.suppressionRuleId).toBe('sup-b');
  });
});
