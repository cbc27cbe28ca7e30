import { describe, expect, it } from 'vitest';
import { RULES_PACKAGE_CATALOG } from '../../../functions/rules/catalog';
import { CVE_PACKAGE_VERSION } from '../../../functions/rules/cve';
import { resolveRulesPackages } from '../../../functions/rules/registry';
import { securityBestPracticesPackage } from '../../../functions/rules/security-best-practices';

describe('rules package catalogue', () => {
  it('matches the packages the registry builds', async () => {
    const sbp = RULES_PACKAGE_CATALOG.find((p) => p.id === 'security-best-practices')!;
    expect(sbp).toMatchObject({
      name: securityBestPracticesPackage.name,
      version: securityBestPracticesPackage.version,
    });
    expect(RULES_PACKAGE_CATALOG.find((p) => p.id === 'cve')?.version).toBe(CVE_PACKAGE_VERSION);
    const [resolved] = await resolveRulesPackages(['security-best-practices']);
    expect(resolved).toBe(securityBestPracticesPackage);
  });

  it('refuses unavailable packages by name and unknown ones with the known list', async () => {
    for (const p of RULES_PACKAGE_CATALOG.filter((x) => !x.available)) {
      await expect(resolveRulesPackages([p.id])).rejects.toThrow(`rules package ${p.id} is not available`);
    }
    await expect(resolveRulesPackages(['cve'])).rejects.toThrow(/needs a vulnerability feed/);
    await expect(resolveRulesPackages(['nope'])).rejects.toThrow(/known: cve, cis, security-best-practices/);
  });
});
