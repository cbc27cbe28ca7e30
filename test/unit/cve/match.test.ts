import { describe, expect, it } from 'vitest';
import type { InstalledPackage, Inventory } from '../../../functions/core/facts/packages';
import { compareVersions } from '../../../functions/core/versions';
import { ReleaseIndex } from '../../../functions/feeds/index-format';
import type { Advisory, AffectedPackage, RangeEvent, ReleaseKey } from '../../../functions/feeds/model';
import { isInstalled, judge, matchInventory } from '../../../functions/rules/cve/match';

const dpkg = (a: string, b: string) => compareVersions('dpkg', a, b);
const rpm = (a: string, b: string) => compareVersions('rpm', a, b);
const ev = (kind: RangeEvent['kind'], version: string): RangeEvent => ({ kind, version });
const entry = (ranges: RangeEvent[][], extra: Partial<AffectedPackage> = {}): AffectedPackage => ({
  name: 'x',
  ranges,
  versions: [],
  arches: [],
  wontFix: false,
  ...extra,
});

describe('OSV range semantics with dpkg versions', () => {
  const fixedAt = entry([[ev('introduced', '0'), ev('fixed', '1:9.2p1-2+deb12u5')]]);
  it.each([
    ['1:9.2p1-2+deb12u4', true],
    ['1:9.2p1-2+deb12u5', false], // exactly the fixed version: not vulnerable
    ['1:9.2p1-2+deb12u6', false],
    ['9.9-1', true], // no epoch = epoch 0, older than any 1:
  ])('fixed 1:9.2p1-2+deb12u5, installed %s → affected %s', (v, affected) => {
    expect(judge(v, fixedAt, dpkg).affected).toBe(affected);
  });

  it('tilde sorts before the release: 3.0.15-1~deb12u1 < 3.0.15-1', () => {
    const e = entry([[ev('introduced', '0'), ev('fixed', '3.0.15-1~deb12u1')]]);
    expect(judge('3.0.14-1~deb12u2', e, dpkg)).toEqual({ affected: true, fixedVersion: '3.0.15-1~deb12u1' });
    expect(judge('3.0.15-1~deb12u1', e, dpkg).affected).toBe(false);
    expect(judge('3.0.15-1', e, dpkg).affected).toBe(false);
  });

  it('introduced-only means no fix; last_affected includes itself; a later introduced re-opens', () => {
    expect(judge('1.0-1', entry([[ev('introduced', '0')]]), dpkg)).toEqual({ affected: true });
    const la = entry([[ev('introduced', '2.0-1'), ev('last_affected', '2.5-1')]]);
    expect(judge('1.9-1', la, dpkg).affected).toBe(false);
    expect(judge('2.5-1', la, dpkg)).toEqual({ affected: true });
    expect(judge('2.5-2', la, dpkg).affected).toBe(false);
    const two = entry([
      [ev('introduced', '0'), ev('fixed', '1.5-1'), ev('introduced', '2.0-1'), ev('fixed', '2.3-1')],
    ]);
    expect(judge('1.4-1', two, dpkg)).toEqual({ affected: true, fixedVersion: '1.5-1' });
    expect(judge('1.6-1', two, dpkg).affected).toBe(false);
    expect(judge('2.1-1', two, dpkg)).toEqual({ affected: true, fixedVersion: '2.3-1' });
    // Events out of order are sorted with the format's own comparison.
    const shuffled = entry([
      [ev('fixed', '2.3-1'), ev('introduced', '2.0-1'), ev('fixed', '1.5-1'), ev('introduced', '0')],
    ]);
    expect(judge('2.1-1', shuffled, dpkg)).toEqual({ affected: true, fixedVersion: '2.3-1' });
    expect(judge('1.7-1', shuffled, dpkg).affected).toBe(false);
  });

  it('listed versions are affected outright', () => {
    const e = entry([], { versions: ['8.5.8+dfsg-5'] });
    expect(judge('8.5.8+dfsg-5', e, dpkg)).toEqual({ affected: true });
    expect(judge('8.5.8+dfsg-6', e, dpkg).affected).toBe(false);
  });

  it('rpm: epoch 0: prefix and module releases', () => {
    const e = entry([[ev('introduced', '0'), ev('fixed', '0:3.3.1-2.module+el9.4.0+20787+4c237fd3')]]);
    expect(judge('3.3.0-1.module+el9.3.0+1+aaaa', e, rpm).affected).toBe(true);
    expect(judge('3.3.1-2.module+el9.4.0+20787+4c237fd3', e, rpm).affected).toBe(false);
  });
});

const pkg = (
  name: string,
  version: string,
  src: [string, string] = [name, version],
  extra: Partial<InstalledPackage> = {},
): InstalledPackage => ({
  manager: 'dpkg',
  name,
  version,
  arch: 'amd64',
  sourceName: src[0],
  sourceVersion: src[1],
  status: 'install ok installed',
  ...extra,
});
const advisory = (
  id: string,
  key: ReleaseKey,
  pkgs: AffectedPackage[],
  cves = [id.replace(/^[A-Z]+-(?=CVE)/, '')],
): Advisory => ({
  id,
  key,
  cves,
  references: [],
  packages: pkgs,
});
const fixed = (name: string, v: string, extra: Partial<AffectedPackage> = {}) =>
  entry([[ev('introduced', '0'), ev('fixed', v)]], { name, ...extra });
const KERNEL_SOURCES = new Set(['linux', 'linux-signed-amd64', 'kernel']);
const isKernelPackage = (p: InstalledPackage) =>
  KERNEL_SOURCES.has(p.sourceName) || p.name.startsWith('kernel');

describe('matching an inventory', () => {
  const deb12: ReleaseKey = { family: 'debian', release: '12' };
  const rel = ReleaseIndex.fromAdvisories(
    deb12,
    [
      advisory('DEBIAN-CVE-2024-0001', deb12, [fixed('bash', '5.2.15-2+deb12u1')]),
      advisory('DEBIAN-CVE-2024-0002', deb12, [fixed('openssl', '3.0.15-1~deb12u1')]),
      advisory('DEBIAN-CVE-2024-0003', deb12, [fixed('linux', '6.1.120-1')]),
      advisory('DEBIAN-CVE-2024-0004', deb12, [
        entry([[ev('introduced', '0')]], { name: 'tiff', wontFix: true }),
      ]),
      advisory(
        'DSA-5800-1',
        deb12,
        [fixed('openssl', '3.0.16-1~deb12u1')],
        ['CVE-2024-0002', 'CVE-2024-0005'],
      ),
    ],
    'T',
  );
  const inv = (packages: InstalledPackage[], running?: InstalledPackage[]): Inventory => ({
    manager: 'dpkg',
    format: 'dpkg',
    distro: { id: 'debian', versionId: '12' },
    packages,
    errors: [],
    ...(running ? { runningKernel: { release: '6.1.0-28-amd64', packages: running } } : {}),
  });

  it('keys by source: binNMU binaries judged by the source version; merges advisories per CVE', () => {
    const image = pkg('linux-image-6.1.0-28-amd64', '6.1.119-1', ['linux', '6.1.119-1']);
    const out = matchInventory(
      inv(
        [
          pkg('bash', '5.2.15-2+b8', ['bash', '5.2.15-2']),
          pkg('libssl3', '3.0.14-1~deb12u2', ['openssl', '3.0.14-1~deb12u2']),
          pkg('openssl', '3.0.14-1~deb12u2'),
          pkg('linux-libc-dev', '6.1.119-1', ['linux', '6.1.119-1']),
          image,
          pkg('libtiff6', '4.5.0-6', ['tiff', '4.5.0-6']),
          pkg('removed', '1.0-1', ['openssl', '1.0-1'], { status: 'deinstall ok config-files' }),
        ],
        [image],
      ),
      rel,
      { compare: dpkg, isKernelPackage },
    );
    const got = out.vulnerabilities.map((v) => [
      v.id,
      v.packages.map((p) => `${p.pkg.name}:${p.fixState}:${p.fixedVersion ?? '-'}`),
    ]);
    expect(got.sort()).toEqual([
      ['CVE-2024-0001', ['bash:fixed:5.2.15-2+deb12u1']],
      ['CVE-2024-0002', ['libssl3:fixed:3.0.16-1~deb12u1', 'openssl:fixed:3.0.16-1~deb12u1']],
      ['CVE-2024-0003', ['linux-image-6.1.0-28-amd64:fixed:6.1.120-1']],
      ['CVE-2024-0004', ['libtiff6:wont-fix:-']],
      ['CVE-2024-0005', ['libssl3:fixed:3.0.16-1~deb12u1', 'openssl:fixed:3.0.16-1~deb12u1']],
    ]);
    const c2 = out.vulnerabilities.find((v) => v.id === 'CVE-2024-0002')!;
    expect(c2.advisories.map((a) => a.id)).toEqual(['DEBIAN-CVE-2024-0002', 'DSA-5800-1']);
    expect(out.kernelSkipped.map((p) => p.name)).toEqual(['linux-libc-dev']);
  });

  it('without a known running kernel no kernel package is matched', () => {
    const out = matchInventory(
      inv([pkg('linux-image-6.1.0-28-amd64', '6.1.119-1', ['linux', '6.1.119-1'])]),
      rel,
      {
        compare: dpkg,
        isKernelPackage,
      },
    );
    expect(out.vulnerabilities).toEqual([]);
    expect(out.kernelSkipped).toHaveLength(1);
  });

  it('reports versions the package manager rejects instead of guessing', () => {
    const bad = ReleaseIndex.fromAdvisories(
      deb12,
      [advisory('DEBIAN-CVE-2024-0009', deb12, [fixed('bash', 'not a version!')])],
      'T',
    );
    const out = matchInventory(inv([pkg('bash', '5.2.15-2')]), bad, { compare: dpkg, isKernelPackage });
    expect(out.vulnerabilities).toEqual([]);
    expect(out.problems[0]).toMatch(/DEBIAN-CVE-2024-0009 bash: invalid dpkg version/);
  });

  it('binary keying with arch and AL2 Extras streams', () => {
    const al2: ReleaseKey = { family: 'amazon', release: '2' };
    const amz = ReleaseIndex.fromAdvisories(
      al2,
      [
        advisory(
          'ALAS2-2024-1',
          al2,
          [fixed('curl', '8.3.0-1.amzn2.0.5', { arches: ['x86_64'] })],
          ['CVE-2024-1'],
        ),
        advisory(
          'ALAS2KERNEL-5.10-2024-1',
          al2,
          [fixed('kernel', '5.10.210-201.852.amzn2', { arches: ['x86_64'], stream: '5.10' })],
          ['CVE-2024-2'],
        ),
        advisory(
          'ALAS2-2024-3',
          al2,
          [fixed('kernel', '4.14.336-257.562.amzn2', { arches: ['x86_64'] })],
          ['CVE-2024-3'],
        ),
      ],
      'T',
    );
    const rp = (name: string, version: string, arch: string): InstalledPackage => ({
      manager: 'rpm',
      name,
      version,
      arch,
      sourceName: `${name}-src`,
      sourceVersion: version,
    });
    const kernel414 = rp('kernel', '4.14.330-250.540.amzn2', 'x86_64');
    const out = matchInventory(
      {
        manager: 'rpm',
        format: 'rpm',
        distro: { id: 'amzn', versionId: '2' },
        packages: [
          rp('curl', '8.3.0-1.amzn2.0.4', 'x86_64'),
          rp('curl', '8.3.0-1.amzn2.0.4', 'aarch64'),
          kernel414,
          rp('kernel-headers', '4.14.330-250.540.amzn2', 'x86_64'),
        ],
        errors: [],
        runningKernel: { release: '4.14.330-250.540.amzn2.x86_64', packages: [kernel414] },
      },
      amz,
      { compare: rpm, isKernelPackage },
    );
    expect(
      out.vulnerabilities.map((v) => [v.id, v.packages.map((p) => `${p.pkg.name}.${p.pkg.arch}`)]),
    ).toEqual([
      ['CVE-2024-1', ['curl.x86_64']],
      ['CVE-2024-3', ['kernel.x86_64']],
    ]);
  });

  it('isInstalled reads dpkg status words', () => {
    expect(isInstalled(pkg('a', '1'))).toBe(true);
    expect(isInstalled(pkg('a', '1', ['a', '1'], { status: 'deinstall ok config-files' }))).toBe(false);
    expect(isInstalled(pkg('a', '1', ['a', '1'], { status: 'install ok not-installed' }))).toBe(false);
    expect(isInstalled(pkg('a', '1', ['a', '1'], { status: undefined }))).toBe(true);
    // Files in place, triggers not yet run: installed, as the inventory counts it (not silently skipped).
    expect(isInstalled(pkg('a', '1', ['a', '1'], { status: 'install ok triggers-pending' }))).toBe(true);
    expect(isInstalled(pkg('a', '1', ['a', '1'], { status: 'install ok triggers-awaited' }))).toBe(true);
    expect(isInstalled(pkg('a', '1', ['a', '1'], { status: 'install ok half-configured' }))).toBe(false);
  });

  it("an unfixed package's fix state does not depend on the order of its advisories' ids", () => {
    const state = (wontFixId: string, openId: string) =>
      matchInventory(
        inv([pkg('libtiff6', '4.5.0-6', ['tiff', '4.5.0-6'])]),
        ReleaseIndex.fromAdvisories(
          deb12,
          [
            advisory(
              wontFixId,
              deb12,
              [entry([[ev('introduced', '0')]], { name: 'tiff', wontFix: true })],
              ['CVE-2024-0100'],
            ),
            advisory(openId, deb12, [entry([[ev('introduced', '0')]], { name: 'tiff' })], ['CVE-2024-0100']),
          ],
          'T',
        ),
        { compare: dpkg, isKernelPackage },
      ).vulnerabilities.map((v) => v.packages.map((p) => p.fixState));
    expect(state('A-1', 'B-1')).toEqual([['not-fixed']]);
    expect(state('B-1', 'A-1')).toEqual([['not-fixed']]);
  });

  it('a package whose triggers are pending is matched (the inventory assesses it)', () => {
    const out = matchInventory(
      inv([pkg('bash', '5.2.15-2', ['bash', '5.2.15-2'], { status: 'install ok triggers-pending' })]),
      rel,
      { compare: dpkg, isKernelPackage },
    );
    expect(out.scanned).toBe(1);
    expect(out.vulnerabilities.map((v) => v.id)).toEqual(['CVE-2024-0001']);
  });
});
