import { describe, expect, it } from 'vitest';
import { RULES_PACKAGE_CATALOG, RUN_LEVEL_PACKAGES } from '../../../functions/rules/catalog';
import { CIS_PACKAGE_VERSION, cisPackage } from '../../../functions/rules/cis/index';
import { CVE_PACKAGE_VERSION } from '../../../functions/rules/cve';
import { defaultRulesPackageIds, resolveRulesPackages } from '../../../functions/rules/registry';
import { runtimeBehaviorAnalysisPackage } from '../../../functions/rules/runtime-behavior-analysis';
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
    const rba = RULES_PACKAGE_CATALOG.find((p) => p.id === 'runtime-behavior-analysis')!;
    expect(rba).toMatchObject({
      name: runtimeBehaviorAnalysisPackage.name,
      version: runtimeBehaviorAnalysisPackage.version,
      available: true,
      requiresAgent: true,
    });
    expect(await resolveRulesPackages(['runtime-behavior-analysis'])).toEqual([
      runtimeBehaviorAnalysisPackage,
    ]);
  });

  it('resolves cis through the loader its caller passes (only the evaluation carries its code and data)', async () => {
    expect(RULES_PACKAGE_CATALOG.find((p) => p.id === 'cis')).toMatchObject({
      name: cisPackage.name,
      version: CIS_PACKAGE_VERSION,
      available: true,
      requiresAgent: true,
    });
    expect(cisPackage.version).toBe(CIS_PACKAGE_VERSION);
    expect(await resolveRulesPackages(['cis'], { loadCis: async () => cisPackage })).toEqual([cisPackage]);
    await expect(resolveRulesPackages(['cis'])).rejects.toThrow(
      /rules package cis is not loaded in this process/,
    );
    // Not a default package yet: part of its controls have no evaluator in this version.
    expect(defaultRulesPackageIds({ loadCis: async () => cisPackage })).not.toContain('cis');
  });

  it('runs every available package that needs nothing more than telemetry by default; cve only with a feed', async () => {
    expect(defaultRulesPackageIds({})).toEqual(['security-best-practices', 'runtime-behavior-analysis']);
    const loadCve = async () => securityBestPracticesPackage;
    expect(defaultRulesPackageIds({ loadCve })).toEqual([
      'security-best-practices',
      'runtime-behavior-analysis',
      'cve',
    ]);
    for (const id of defaultRulesPackageIds({ loadCve }))
      expect(RULES_PACKAGE_CATALOG.find((p) => p.id === id)?.available).toBe(true);
  });

  it('refuses unavailable packages by name and unknown ones with the known list', async () => {
    for (const p of RULES_PACKAGE_CATALOG.filter((x) => !x.available)) {
      await expect(resolveRulesPackages([p.id])).rejects.toThrow(`rules package ${p.id} is not available`);
    }
    await expect(resolveRulesPackages(['cve'])).rejects.toThrow(/needs a vulnerability feed/);
    // The run-level package is not built per instance: the registry says where it runs instead.
    expect(RUN_LEVEL_PACKAGES).toEqual(['network-reachability']);
    await expect(resolveRulesPackages(['network-reachability'])).rejects.toThrow(
      /evaluated once per run over the EC2 configuration/,
    );
    await expect(resolveRulesPackages(['nope'])).rejects.toThrow(/known: cve, cis, security-best-practices/);
  });
});
