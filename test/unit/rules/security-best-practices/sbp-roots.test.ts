import { afterAll, describe, expect, it } from 'vitest';
import { securityBestPracticesPackage } from '../../../../functions/rules/security-best-practices';
import { cleanupRoots, makeRoot } from '../../../helpers/fixture-root';
import { SBP_RULE_IDS, sbpFailingRoot, sbpPassingRoot } from '../../../helpers/sbp-roots';
import { assessRoot } from './harness';

afterAll(cleanupRoots);

describe('security best practices package on whole roots', () => {
  it('lists exactly the nine rule ids of the contract', () => {
    expect(securityBestPracticesPackage.id).toBe('security-best-practices');
    expect(securityBestPracticesPackage.rules.map((r) => r.id)).toEqual([...SBP_RULE_IDS]);
    for (const r of securityBestPracticesPackage.rules) {
      expect(r.severity).toBe(r.id === 'sbp.system-dir-permissions' ? 'High' : 'Medium');
    }
  });

  it('the passing root gives 9 × PASS', async () => {
    const ev = await assessRoot(makeRoot(sbpPassingRoot()));
    expect(Object.fromEntries(ev.results.map((r) => [r.ruleId, r.result]))).toEqual(
      Object.fromEntries(SBP_RULE_IDS.map((id) => [id, 'PASS'])),
    );
    expect(ev.findings).toEqual([]);
    for (const r of ev.results) expect(r.evidence.length).toBeGreaterThan(0);
  });

  it('the failing root gives 9 × FAIL, each finding with evidence and a recommendation', async () => {
    const ev = await assessRoot(makeRoot(sbpFailingRoot()));
    expect(Object.fromEntries(ev.results.map((r) => [r.ruleId, r.result]))).toEqual(
      Object.fromEntries(SBP_RULE_IDS.map((id) => [id, 'FAIL'])),
    );
    expect(ev.findings.map((f) => f.ruleId)).toEqual([...SBP_RULE_IDS]);
    for (const f of ev.findings) {
      expect(f.evidence.length).toBeGreaterThan(0);
      expect(f.evidence.some((e) => e.source.startsWith('/'))).toBe(true);
      expect(f.recommendation.length).toBeGreaterThan(20);
    }
  });

  it('a non-Linux root (no os-release, no /proc) is NOT_APPLICABLE for the whole package', async () => {
    const ev = await assessRoot(makeRoot({ files: { '/README': 'not a Linux tree\n' } }));
    expect(ev.results.map((r) => r.result)).toEqual(SBP_RULE_IDS.map(() => 'NOT_APPLICABLE'));
    expect(ev.findings).toEqual([]);
  });
});
