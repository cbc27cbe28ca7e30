/**
 * Issue 12, item 1: Ubuntu Pro records. Real Canonical OSV records (test/fixtures/cve/osv/ubuntu): the Pro
 * entries (`Ubuntu:Pro:<release>`) say which Pro archive has the fix in `ecosystem_specific.availability`; they
 * are compiled as `pro-<release>` and matched beside the release's public index.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InstalledPackage, Inventory } from '../../../functions/core/facts/packages';
import { compareVersions } from '../../../functions/core/versions';
import { groupByRelease } from '../../../functions/feeds/compile';
import { encodeRelease, ReleaseIndex } from '../../../functions/feeds/index-format';
import { emptyRead, mergeReads, type ReadResult } from '../../../functions/feeds/model';
import { proServiceOf, readOsvJson } from '../../../functions/feeds/readers/osv';
import { isEsmBuild, matchInventory } from '../../../functions/rules/cve/match';
import { proEnableSteps, proFixInstallable } from '../../../functions/rules/cve/ubuntu-pro';

const FIX = path.resolve(__dirname, '../../fixtures/cve/osv/ubuntu');
/** Derived records (test/fixtures/cve-extra/README.md), kept out of the feed tree the store tests import. */
const EXTRA = path.resolve(__dirname, '../../fixtures/cve-extra/ubuntu-pro');
const dpkg = (a: string, b: string) => compareVersions('dpkg', a, b);

function indexes(files: string[], dir = FIX): Map<string, ReleaseIndex> {
  const all: ReadResult = emptyRead();
  for (const f of files) mergeReads(all, readOsvJson(readFileSync(path.join(dir, f), 'utf8'), f));
  const out = new Map<string, ReleaseIndex>();
  for (const [k, g] of groupByRelease(all.advisories))
    out.set(k, ReleaseIndex.fromAdvisories(g.key, g.advisories, 'T'));
  return out;
}

describe('OSV reader: Ubuntu Pro entries and their archive', () => {
  it.each([
    ['Available with Ubuntu Pro: https://ubuntu.com/pro', 'esm-apps'],
    ['Available with Ubuntu Pro (Infra-only): https://ubuntu.com/pro', 'esm-infra'],
    ['Available with Ubuntu Pro with Legacy support add-on: https://ubuntu.com/pro', 'esm-infra'],
    ['No subscription required', undefined],
    [undefined, undefined],
  ])('availability %j → %s', (text, service) => {
    expect(proServiceOf(text)).toBe(service);
  });

  it('UBUNTU-CVE-2022-24823 (netty): 22.04 has only a Pro entry, esm-apps; 14.04 Pro names no archive', () => {
    const r = readOsvJson(readFileSync(path.join(FIX, 'UBUNTU-CVE-2022-24823.json'), 'utf8'), 'n');
    const pro = (rel: string) => r.advisories.find((a) => a.key.release === rel)!.packages[0]!;
    expect(r.advisories.some((a) => a.key.release === '22.04')).toBe(false);
    expect(pro('pro-22.04')).toMatchObject({ name: 'netty', proService: 'esm-apps' });
    expect(pro('pro-22.04').ranges[0]!.at(-1)).toEqual({
      kind: 'fixed',
      version: '1:4.1.48-4+deb11u2ubuntu0.1~esm1',
    });
    expect(pro('pro-14.04').proService).toBeUndefined();
  });

  it('UBUNTU-CVE-2021-3782 (wayland): the 16.04 Pro fix is esm-infra; public entries carry no Pro service', () => {
    const r = readOsvJson(readFileSync(path.join(FIX, 'UBUNTU-CVE-2021-3782.json'), 'utf8'), 'w');
    expect(r.advisories.find((a) => a.key.release === 'pro-16.04')!.packages[0]!.proService).toBe(
      'esm-infra',
    );
    expect(r.advisories.find((a) => a.key.release === '22.04')!.packages[0]!.proService).toBeUndefined();
  });

  it('the compiled index keeps the Pro service (a flag bit)', () => {
    const idx = indexes(['UBUNTU-CVE-2022-24823.json', 'UBUNTU-CVE-2021-3782.json']);
    const again = (k: string) =>
      ReleaseIndex.fromBytes(encodeRelease(idx.get(k)!.key, idx.get(k)!.allAdvisories(), 'T'), k);
    expect(again('ubuntu:pro-22.04').lookup('netty')[0]!.pkg.proService).toBe('esm-apps');
    expect(again('ubuntu:pro-16.04').lookup('wayland')[0]!.pkg).toMatchObject({
      proService: 'esm-infra',
      wontFix: false,
    });
  });
});

describe('matching with the release’s Pro index', () => {
  const idx = indexes(['UBUNTU-CVE-2022-24823.json', 'UBUNTU-CVE-2021-3782.json', 'USN-5614-1.json']);
  const pkg = (name: string, version: string, src: string): InstalledPackage => ({
    manager: 'dpkg',
    name,
    version,
    arch: 'all',
    sourceName: src,
    sourceVersion: version,
    status: 'install ok installed',
  });
  const inv = (versionId: string, packages: InstalledPackage[]): Inventory => ({
    manager: 'dpkg',
    format: 'dpkg',
    distro: { id: 'ubuntu', versionId },
    packages,
    errors: [],
  });
  const empty22 = ReleaseIndex.fromAdvisories({ family: 'ubuntu', release: '22.04' }, [], 'T');

  it('22.04 netty: missed without the Pro index (the false negative), found with it, marked as a Pro fix', () => {
    const host = inv('22.04', [pkg('libnetty-java', '1:4.1.48-4', 'netty')]);
    const rel = idx.get('ubuntu:22.04') ?? empty22;
    expect(
      matchInventory(host, rel, { compare: dpkg, isKernelPackage: () => false }).vulnerabilities,
    ).toEqual([]);
    const out = matchInventory(host, rel, {
      compare: dpkg,
      isKernelPackage: () => false,
      pro: idx.get('ubuntu:pro-22.04')!,
    });
    expect(out.vulnerabilities.map((v) => v.id)).toEqual(['CVE-2022-24823']);
    expect(out.vulnerabilities[0]!.packages[0]).toMatchObject({
      fixState: 'fixed',
      fixedVersion: '1:4.1.48-4+deb11u2ubuntu0.1~esm1',
      fromPro: true,
      proService: 'esm-apps',
    });
  });

  it('an installed ~esm build at the Pro fix is judged against it: not affected', () => {
    const host = inv('22.04', [pkg('libnetty-java', '1:4.1.48-4+deb11u2ubuntu0.1~esm1', 'netty')]);
    const out = matchInventory(host, empty22, {
      compare: dpkg,
      isKernelPackage: () => false,
      pro: idx.get('ubuntu:pro-22.04')!,
    });
    expect(out.vulnerabilities).toEqual([]);
  });

  it('a public fix stays a public fix; a higher Pro fix takes over and says so', () => {
    // 18.04 wayland is fixed in the public archive (USN-5614-1): no Pro marking.
    const bionic = inv('18.04', [pkg('libwayland-client0', '1.16.0-1ubuntu1.1~18.04.3', 'wayland')]);
    const out = matchInventory(bionic, idx.get('ubuntu:18.04')!, {
      compare: dpkg,
      isKernelPackage: () => false,
    });
    expect(out.vulnerabilities[0]!.packages[0]).toMatchObject({ fixedVersion: '1.16.0-1ubuntu1.1~18.04.4' });
    expect(out.vulnerabilities[0]!.packages[0]!.fromPro).toBeUndefined();
    // 16.04 wayland: fixed only in esm-infra (+esm1 build).
    const xenial = inv('16.04', [pkg('libwayland-client0', '1.12.0-1~ubuntu16.04.3', 'wayland')]);
    const x = matchInventory(xenial, idx.get('ubuntu:16.04') ?? empty22, {
      compare: dpkg,
      isKernelPackage: () => false,
      pro: idx.get('ubuntu:pro-16.04')!,
    });
    expect(x.vulnerabilities[0]!.packages[0]).toMatchObject({
      fixedVersion: '1.12.0-1~ubuntu16.04.3+esm1',
      fromPro: true,
      proService: 'esm-infra',
    });
  });

  it('ESM builds are told by +esm<n> / ~esm<n> (the forms of the real records)', () => {
    for (const v of [
      '1.12.0-1~ubuntu16.04.3+esm1',
      '1:4.1.48-4+deb11u2ubuntu0.1~esm1',
      '1:4.1.7-4ubuntu0.1+esm3',
      '1:4.0.34-1ubuntu0.1~esm2',
      '1:3.2.6.Final-2+deb8u2build0.14.04.1~esm1',
      '2.23-0ubuntu11.3+esm9',
    ])
      expect(isEsmBuild(v), v).toBe(true);
    for (const v of [
      '6.0-9ubuntu1.6',
      '1.16.0-1ubuntu1.1~18.04.4',
      '1.20.0-1ubuntu0.1',
      '1.0-1esmeralda1',
      '2.0+esm',
    ])
      expect(isEsmBuild(v), v).toBe(false);
  });

  it('14.04 unzip: a Pro record’s fix that is no ESM build (6.0-9ubuntu1.6, trusty-security) is a public fix', () => {
    const trusty = inv('14.04', [pkg('unzip', '6.0-9ubuntu1.5', 'unzip')]);
    const i = indexes(['UBUNTU-CVE-2014-9913.json']);
    const empty14 = ReleaseIndex.fromAdvisories({ family: 'ubuntu', release: '14.04' }, [], 'T');
    const out = matchInventory(trusty, empty14, {
      compare: dpkg,
      isKernelPackage: () => false,
      pro: i.get('ubuntu:pro-14.04')!,
    });
    expect(out.vulnerabilities.map((v) => v.id)).toEqual(['CVE-2014-9913']);
    const m = out.vulnerabilities[0]!.packages[0]!;
    expect(m).toMatchObject({ fixState: 'fixed', fixedVersion: '6.0-9ubuntu1.6' });
    expect(m.fromPro).toBeUndefined();
    expect(m.proService).toBeUndefined();
  });

  describe('a package in Ubuntu:22.04 without a fix and in Ubuntu:Pro:22.04 with an ESM fix (DERIVED record)', () => {
    const d = indexes(['UBUNTU-CVE-2022-24823-jammy-public-nofix-derived.json'], EXTRA);
    const match = (version: string) =>
      matchInventory(inv('22.04', [pkg('libnetty-java', version, 'netty')]), d.get('ubuntu:22.04')!, {
        compare: dpkg,
        isKernelPackage: () => false,
        pro: d.get('ubuntu:pro-22.04')!,
      }).vulnerabilities;

    it('the record has both entries', () => {
      expect(d.get('ubuntu:22.04')!.lookup('netty')).toHaveLength(1);
      expect(d.get('ubuntu:pro-22.04')!.lookup('netty')).toHaveLength(1);
    });

    it('below the ESM fix: the Pro fix is the fix (public entry alone: no fix)', () => {
      const v = match('1:4.1.48-4+deb11u2build0.22.04.1');
      expect(v.map((x) => x.id)).toEqual(['CVE-2022-24823']);
      expect(v[0]!.packages[0]).toMatchObject({
        fixState: 'fixed',
        fixedVersion: '1:4.1.48-4+deb11u2ubuntu0.1~esm1',
        fromPro: true,
        proService: 'esm-apps',
      });
    });

    it.each(['1:4.1.48-4+deb11u2ubuntu0.1~esm1', '1:4.1.48-4+deb11u2ubuntu0.1~esm2'])(
      'the ESM build %s (or later) installed: not reported, the public no-fix match is cleared',
      (version) => {
        expect(match(version)).toEqual([]);
      },
    );

    it('without the Pro index the public entry alone still reports it, with no fix', () => {
      const v = matchInventory(
        inv('22.04', [pkg('libnetty-java', '1:4.1.48-4+deb11u2ubuntu0.1~esm1', 'netty')]),
        d.get('ubuntu:22.04')!,
        { compare: dpkg, isKernelPackage: () => false },
      ).vulnerabilities;
      expect(v[0]!.packages[0]).toMatchObject({ fixState: 'not-fixed' });
    });
  });

  it('whether the host can install a Pro fix: attached with the service enabled', () => {
    const host = (attached: boolean, enabled: string[]) => ({
      attached,
      enabled: new Set(enabled),
      note: '',
    });
    expect(proFixInstallable(undefined, 'esm-apps')).toBe(false);
    expect(proFixInstallable(host(false, ['esm-apps']), 'esm-apps')).toBe(false);
    expect(proFixInstallable(host(true, ['esm-infra']), 'esm-apps')).toBe(false);
    expect(proFixInstallable(host(true, ['esm-infra', 'esm-apps']), 'esm-apps')).toBe(true);
    expect(proFixInstallable(host(true, ['esm-infra']), undefined)).toBe(false);
    expect(proFixInstallable(host(true, ['esm-infra', 'esm-apps']), undefined)).toBe(true);
    // Attached, but the contract had ended when the telemetry was collected.
    const expired = { ...host(true, ['esm-infra', 'esm-apps']), expired: '2025-04-10T09:12:44+00:00' };
    expect(proFixInstallable(expired, 'esm-apps')).toBe(false);
    expect(proEnableSteps(expired, ['esm-apps'])).toMatch(
      /^renew the Ubuntu Pro subscription \(it expired on 2025-04-10T09:12:44\+00:00\).*`pro refresh`/,
    );
  });
});
