/**
 * Issue 12, item 4: Amazon Linux kernel live patches. Advisory ids, package names and patch module names are
 * those of AWS's documentation (AL2 user guide "Kernel Live Patching on AL2": `yum updateinfo list` shows
 * ALAS2LIVEPATCH-2020-002 for kernel-livepatch-5.10.102-99.473-1.0-3.amzn2.x86_64, `kpatch list` shows
 * livepatch_CVE_2019_20096 [enabled]; the AL2023 guide's ALAS…LIVEPATCH-2023-003 for
 * kernel-livepatch-6.1.15-28.43-1.0-1.amzn2023), in the updateinfo shape of the real AL2 file; see
 * test/fixtures/cve-extra/README.md (amazon-livepatch/al2-livepatch-derived-updateinfo.xml).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type InstalledPackage,
  isKernelPackage,
  livepatchKernel,
  runningKernelPackages,
} from '../../../functions/core/facts/packages';
import { compareVersions } from '../../../functions/core/versions';
import { ReleaseIndex } from '../../../functions/feeds/index-format';
import { alasRelease, readUpdateinfo } from '../../../functions/feeds/readers/updateinfo';
import { type LoadedLivepatches, livepatchCoverage } from '../../../functions/rules/cve/livepatch';

const FIX = path.resolve(__dirname, '../../fixtures/cve-extra/amazon-livepatch');
const rpm = (a: string, b: string) => compareVersions('rpm', a, b);
const feed = () =>
  readUpdateinfo(readFileSync(path.join(FIX, 'al2-livepatch-derived-updateinfo.xml'), 'utf8'), 'lp');

const rpmPkg = (name: string, version: string, src = name): InstalledPackage => ({
  manager: 'rpm',
  name,
  version,
  arch: 'x86_64',
  sourceName: src,
  sourceVersion: version,
});

describe('live patch advisories in updateinfo', () => {
  it.each([
    ['ALAS2LIVEPATCH-2020-002', '2', 'LIVEPATCH'],
    ['ALAS2023LIVEPATCH-2023-003', '2023', undefined],
    ['ALAS2023-2023-001', '2023', undefined],
    ['ALAS2KERNEL-5.10-2022-011', '2', 'KERNEL-5.10'],
  ])('%s → Amazon Linux %s (extra %s)', (id, release, extra) => {
    expect(alasRelease(id)).toEqual({ key: { family: 'amazon', release }, ...(extra ? { extra } : {}) });
  });

  it('a live patch package is judged by its own version (1.0-3.amzn2), not as a "1.0" Extras stream', () => {
    const r = feed();
    expect(r.errors).toEqual([]);
    const lp = r.advisories.find((a) => a.id === 'ALAS2LIVEPATCH-2020-002')!;
    expect(lp.cves).toEqual(['CVE-2019-15918', 'CVE-2019-20096']);
    expect(lp.packages).toEqual([
      {
        name: 'kernel-livepatch-5.10.102-99.473',
        ranges: [
          [
            { kind: 'introduced', version: '0' },
            { kind: 'fixed', version: '1.0-3.amzn2' },
          ],
        ],
        versions: [],
        arches: ['x86_64'],
        wontFix: false,
      },
    ]);
    // The kernel-5.10 Extras advisory keeps its stream.
    expect(r.advisories.find((a) => a.id === 'ALAS2KERNEL-5.10-2099-001')!.packages[0]!.stream).toBe('5.10');
  });
});

describe('live patch packages belong to the kernel they patch', () => {
  const lp473 = rpmPkg('kernel-livepatch-5.10.102-99.473', '1.0-3.amzn2', 'kernel-livepatch-5.10.102-99.473');
  const lp444 = rpmPkg('kernel-livepatch-5.10.93-87.444', '1.0-0.amzn2', 'kernel-livepatch-5.10.93-87.444');
  const kernel = rpmPkg('kernel', '5.10.102-99.473.amzn2');
  it('kernel-livepatch-<version-release> names its kernel', () => {
    expect(livepatchKernel(lp473.name)).toBe('5.10.102-99.473');
    expect(livepatchKernel('kernel-livepatch-6.1.15-28.43')).toBe('6.1.15-28.43');
    expect(livepatchKernel('yum-plugin-kernel-livepatch')).toBeUndefined();
    expect(livepatchKernel('kernel-livepatch')).toBeUndefined();
    expect(isKernelPackage(lp473)).toBe(true);
  });
  it('only the running kernel’s live patch is the running kernel’s', () => {
    expect(
      runningKernelPackages('rpm', '5.10.102-99.473.amzn2.x86_64', [kernel, lp473, lp444]).map((p) => p.name),
    ).toEqual(['kernel', 'kernel-livepatch-5.10.102-99.473']);
  });
});

describe('livepatchCoverage', () => {
  const r = feed();
  const rel = ReleaseIndex.fromAdvisories({ family: 'amazon', release: '2' }, r.advisories, 'T');
  const loaded = (modules: Record<string, boolean>): LoadedLivepatches => ({
    collected: true,
    enabledByCve: new Map(
      Object.entries(modules)
        .filter(([, on]) => on)
        .map(([m]) => [m.replace(/^livepatch_/, '').replace(/_/g, '-'), m]),
    ),
    modules: Object.entries(modules).map(([name, enabled]) => ({ name, enabled })),
  });
  const at = (version: string) => [rpmPkg('kernel-livepatch-5.10.102-99.473', version)];

  it.each([
    // live patch version, CVE, modules, → advisory, loaded module
    [
      '1.0-3.amzn2',
      'CVE-2019-20096',
      { livepatch_CVE_2019_20096: true },
      'ALAS2LIVEPATCH-2020-002',
      'livepatch_CVE_2019_20096',
    ],
    [
      '1.0-3.amzn2',
      'CVE-2019-20096',
      { livepatch_CVE_2019_20096: false },
      'ALAS2LIVEPATCH-2020-002',
      undefined,
    ],
    ['1.0-3.amzn2', 'CVE-2019-20096', {}, 'ALAS2LIVEPATCH-2020-002', undefined],
    [
      '1.0-4.amzn2',
      'CVE-2019-20096',
      { livepatch_CVE_2019_20096: true },
      'ALAS2LIVEPATCH-2020-002',
      'livepatch_CVE_2019_20096',
    ],
    ['1.0-3.amzn2', 'CVE-2020-8648', { livepatch_CVE_2020_8648: true }, undefined, undefined], // fixed in 1.0-4
    ['1.0-0.amzn2', 'CVE-2019-20096', { livepatch_CVE_2019_20096: true }, undefined, undefined], // the empty patch
  ])('kernel-livepatch %s, %s, modules %j → %s / %s', (version, cve, modules, advisory, module) => {
    const c = livepatchCoverage(cve, at(version), rel, rpm, loaded(modules));
    expect(c?.advisoryId).toBe(advisory);
    expect(c?.module).toBe(module);
  });
});
