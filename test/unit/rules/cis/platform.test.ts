/**
 * Upstream's platforms (rule-level and group-level) applied: a rule whose platform is false here is
 * NOT_APPLICABLE with the platform named (regression for the OpenSCAP comparison's applicability class:
 * the auditing group's package[audit] on a root without auditd was FAIL here, notapplicable upstream).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Facts } from '../../../../functions/core/facts/facts';
import { EVALUATORS } from '../../../../functions/rules/cis/evaluators';
import { CAC_RULES, evaluateBenchmark } from '../../../../functions/rules/cis/index';
import { evaluatePlatform, platformNotApplicable } from '../../../../functions/rules/cis/platform';
import { configFixture } from '../../../helpers/cis-material';
import { type CisRootSpec, cisTelemetry } from '../../../helpers/cis-roots';
import { cleanupRoots } from '../../../helpers/fixture-root';

afterAll(cleanupRoots);

describe('evaluatePlatform (three-valued: unknown atoms never decide)', () => {
  const atoms: Record<string, boolean | undefined> = { a: true, b: false, u: undefined };
  const at = (x: string) => atoms[x];
  it.each([
    ['a', true],
    ['b', false],
    ['u', undefined],
    ['not b', true],
    ['not u', undefined],
    ['a and b', false],
    ['u and b', false],
    ['u and a', undefined],
    ['u or a', true],
    ['u or b', undefined],
    ['not (a and b) and a', true],
    ['a and', undefined],
    ['(a', undefined],
    ['', undefined],
  ] as const)('%s → %s', (expr, want) => {
    expect(evaluatePlatform(expr, at)).toBe(want);
  });
});

const facts = async (spec: CisRootSpec) => new Facts(await cisTelemetry(spec));
const AUDITD_CONF = configFixture('debian-12/audit/auditd.conf');

describe('platforms on collected roots (ubuntu2204)', () => {
  it('the auditing group platform package[audit]: auditd absent → NOT_APPLICABLE naming it', async () => {
    const f = await facts({ os: 'ubuntu2204', files: { '/etc/audit/auditd.conf': AUDITD_CONF } });
    const meta = CAC_RULES.rules.auditd_data_retention_space_left_action!;
    expect(meta.groupPlatforms).toContain('package[audit]');
    const v = platformNotApplicable(f, meta, CAC_RULES.platformPackages.ubuntu2204);
    expect(v?.message).toBe(
      'platform package[audit]: auditd not installed, so upstream does not apply the rule',
    );
    const r = evaluateBenchmark(f, 'ubuntu2204', { profile: 'level2-server' }, EVALUATORS).find((x) =>
      x.checks?.some((c) => c.id === 'service_auditd_enabled'),
    );
    expect(r?.result).toBe('NOT_APPLICABLE');
    expect(r?.checks?.[0]?.message).toMatch(/^platform package\[audit\]: auditd not installed/);
  });

  it('auditd installed: the rule is judged (auditd.conf as Debian ships it fails space_left_action)', async () => {
    const f = await facts({
      os: 'ubuntu2204',
      packages: ['auditd'],
      files: { '/etc/audit/auditd.conf': AUDITD_CONF },
    });
    const meta = CAC_RULES.rules.auditd_data_retention_space_left_action!;
    expect(platformNotApplicable(f, meta, CAC_RULES.platformPackages.ubuntu2204)).toBeUndefined();
  });

  it('grub2 (grub2-common) and machine-type atoms: unknown atoms leave the rule judged', async () => {
    const f = await facts({ os: 'ubuntu2204', packages: ['grub2-common'] });
    const meta = CAC_RULES.rules.grub2_password!;
    expect(meta.groupPlatforms?.some((p) => p.includes('grub2'))).toBe(true);
    expect(platformNotApplicable(f, meta, CAC_RULES.platformPackages.ubuntu2204)).toBeUndefined();
    const without = await facts({ os: 'ubuntu2204' });
    expect(platformNotApplicable(without, meta, CAC_RULES.platformPackages.ubuntu2204)?.message).toMatch(
      /^platform grub2 and system_with_kernel: grub2-common not installed/,
    );
  });

  it("the product's package names: package[pam] is libpam-runtime on Ubuntu, pam on RHEL", () => {
    expect(CAC_RULES.platformPackages.ubuntu2204?.pam).toBe('libpam-runtime');
    expect(CAC_RULES.platformPackages.rhel9?.pam).toBe('pam');
    expect(CAC_RULES.platformPackages.ubuntu2204?.audit).toBe('auditd');
  });
});
