/**
 * Issue 12, item 2: RHEL-family module streams. Real Rocky Linux and AlmaLinux OSV records (test/fixtures/cve/osv)
 * name module builds only by their release (`.module+el9.4.0+…`, `.module_el8.8.0+…`) and the advisory title
 * ("Moderate: ruby:3.3 security…"); Red Hat purls carry an `rpmmod` qualifier. An entry for a stream applies only
 * to packages of that stream (rpm's MODULARITYLABEL, recorded by the agent), and packages of no module only to
 * entries of no module.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InstalledPackage, Inventory } from '../../../functions/core/facts/packages';
import { compareVersions } from '../../../functions/core/versions';
import { encodeRelease, ReleaseIndex } from '../../../functions/feeds/index-format';
import { legacyRelease } from '../../../functions/feeds/index-legacy';
import type { Advisory, AffectedPackage } from '../../../functions/feeds/model';
import { moduleStreams, readOsvJson } from '../../../functions/feeds/readers/osv';
import {
  entryModules,
  installedModule,
  matchInventory,
  moduleApplies,
} from '../../../functions/rules/cve/match';
import { encodeRelease as encodeLegacyRelease } from '../../helpers/legacy-release-index';

const FIX = path.resolve(__dirname, '../../fixtures/cve');
const read = (p: string) => readOsvJson(readFileSync(path.join(FIX, p), 'utf8'), p);
const rpm = (a: string, b: string) => compareVersions('rpm', a, b);

describe('OSV reader: module streams of real RHEL-family records', () => {
  it('Rocky RLSA-2024:3671 ("ruby:3.3 security…", fixed 0:3.3.1-2.module+el9.4.0+…): every entry is for ruby:3.3', () => {
    const r = read('osv/rocky/RLSA-2024_3671.json');
    expect(r.errors).toEqual([]);
    expect(r.advisories[0]!.packages.map((p) => [p.name, p.modules])).toEqual([
      ['ruby', ['ruby:3.3']],
      ['rubygem-mysql2', ['ruby:3.3']],
      ['rubygem-pg', ['ruby:3.3']],
    ]);
  });

  it('AlmaLinux ALSA-2023:5259 ("mariadb:10.3 security…", fixed 3:10.3.39-1.module_el8.8.0+…): mariadb:10.3', () => {
    const r = read('osv/almalinux/almalinux8_ALSA-2023:5259.json');
    expect(r.advisories[0]!.packages.map((p) => p.modules)).toEqual([['mariadb:10.3'], ['mariadb:10.3']]);
  });

  it.each([
    'osv/almalinux/almalinux9_ALSA-2024:2433.json',
    'osv/almalinux/almalinux9_ALSA-2022:8194.json',
    'osv/rocky/RLSA-2023_3220.json',
    'osv/rocky/RLSA-2021_3891.json',
  ])('%s: builds of no module carry no module', (file) => {
    const r = read(file);
    expect(r.advisories.flatMap((a) => a.packages).every((p) => p.modules === undefined)).toBe(true);
  });

  it('the rpmmod qualifier of Red Hat purls names the stream (name:stream of name:stream:version:context)', () => {
    expect(
      moduleStreams(
        'pkg:rpm/redhat/389-ds-base?arch=src&rpmmod=389-ds:1.4:8100020240613122040:25e700aa',
        [],
        [],
        undefined,
      ),
    ).toEqual(['389-ds:1.4']);
    expect(
      moduleStreams('pkg:rpm/redhat/perl-libs?arch=x86_64&epoch=4&rpmmod=perl%3A5.32', [], [], undefined),
    ).toEqual(['perl:5.32']);
  });

  it('titles naming several streams, or none, of a module build', () => {
    const modular = [
      [
        { kind: 'introduced' as const, version: '0' },
        { kind: 'fixed' as const, version: '8.0.30-1.module+el9.3.0+1+a' },
      ],
    ];
    expect(moduleStreams(undefined, modular, [], 'Important: php:8.1 and php:8.2 security update')).toEqual([
      'php:8.1',
      'php:8.2',
    ]);
    expect(moduleStreams(undefined, modular, [], 'Important: php security update (RLSA-2024:1234)')).toEqual(
      [],
    );
    expect(moduleStreams(undefined, [], [], 'Moderate: ruby:3.3 security update')).toBeUndefined();
  });

  it('the compiled index keeps the streams (and reads older indexes without them)', () => {
    const r = read('osv/rocky/RLSA-2024_3671.json');
    const idx = ReleaseIndex.fromAdvisories({ family: 'rocky', release: '9' }, r.advisories, 'T');
    const again = ReleaseIndex.fromBytes(encodeRelease(idx.key, r.advisories, 'T'), 'bytes');
    expect(again.lookup('ruby')[0]!.pkg.modules).toEqual(['ruby:3.3']);
    // A schema-1 index written before entries had streams (rows of 3 fields), as feeds convert reads it.
    const old = JSON.parse(JSON.stringify(encodeLegacyRelease(idx.key, r.advisories, 'T')));
    for (const rows of Object.values(old.packages) as unknown[][][]) for (const row of rows) row.length = 3;
    const converted = legacyRelease(old, 'old');
    const oldIdx = ReleaseIndex.fromAdvisories(converted.key, converted.advisories, converted.compiledAt);
    expect(oldIdx.lookup('ruby')[0]!.pkg.modules).toBeUndefined();
    expect(entryModules(oldIdx.lookup('ruby')[0]!.pkg)).toEqual([]); // a module build, stream unknown
  });
});

describe('which entries apply to which installed rpm', () => {
  const ruby33: AffectedPackage = {
    name: 'ruby',
    ranges: [
      [
        { kind: 'introduced', version: '0' },
        { kind: 'fixed', version: '0:3.3.1-2.module+el9.4.0+20787+4c237fd3' },
      ],
    ],
    versions: [],
    arches: [],
    wontFix: false,
    modules: ['ruby:3.3'],
  };
  const { modules: _, ...ruby33FromOldIndex } = ruby33;
  const plain: AffectedPackage = {
    ...ruby33FromOldIndex,
    ranges: [
      [
        { kind: 'introduced', version: '0' },
        { kind: 'fixed', version: '3.0.7-162.el9_4' },
      ],
    ],
  };
  const unfixed: AffectedPackage = {
    ...ruby33FromOldIndex,
    ranges: [[{ kind: 'introduced', version: '0' }]],
  };
  const inst = (version: string, module?: string): InstalledPackage => ({
    manager: 'rpm',
    name: 'ruby',
    version,
    arch: 'x86_64',
    sourceName: 'ruby',
    sourceVersion: version,
    ...(module !== undefined ? { module } : {}),
  });
  it.each([
    // installed, label, entry, applies
    ['3.0.4-160.el9_0', '', ruby33, false], // the issue: Rocky 9's default ruby 3.0 against ruby:3.3
    ['3.0.4-160.el9_0', undefined, ruby33, false], // no label recorded: the release says no module
    ['3.1.4-143.module+el9.2.0+14765+4f1e4bb6', 'ruby:3.1', ruby33, false], // another stream
    ['3.3.0-1.module+el9.3.0+100+abcdef12', 'ruby:3.3', ruby33, true],
    ['3.3.0-1.module+el9.3.0+100+abcdef12', undefined, ruby33, true], // stream unknown: judged
    ['3.1.4-143.module+el9.2.0+14765+4f1e4bb6', 'ruby:3.1', ruby33FromOldIndex, true], // entry's stream unknown
    ['3.0.4-160.el9_0', '', ruby33FromOldIndex, false],
    ['3.0.4-160.el9_0', '', plain, true],
    ['3.3.0-1.module+el9.3.0+100+abcdef12', 'ruby:3.3', plain, false], // a module build against no module
    ['3.3.0-1.module+el9.3.0+100+abcdef12', 'ruby:3.3', unfixed, true], // nothing tells: judged
  ])('installed %s (label %s) → applies %s', (version, label, entry, applies) => {
    expect(
      moduleApplies(installedModule(inst(version, label as string | undefined)), entry as AffectedPackage),
    ).toBe(applies);
  });

  it('matchInventory on the real RLSA-2024:3671: only the ruby:3.3 build is affected', () => {
    const r = read('osv/rocky/RLSA-2024_3671.json');
    const rel = ReleaseIndex.fromAdvisories(
      { family: 'rocky', release: '9' },
      r.advisories as Advisory[],
      'T',
    );
    const inv: Inventory = {
      manager: 'rpm',
      format: 'rpm',
      distro: { id: 'rocky', versionId: '9.3' },
      packages: [
        inst('3.0.4-160.el9_0', ''),
        {
          ...inst('3.3.0-1.module+el9.3.0+100+abcdef12', 'ruby:3.3'),
          name: 'rubygem-mysql2',
          version: '0.5.4-1.module+el9.3.0+100+abcdef12',
        },
      ],
      errors: [],
    };
    const out = matchInventory(inv, rel, { compare: rpm, isKernelPackage: () => false });
    expect(out.vulnerabilities.map((v) => [v.id, v.packages.map((p) => p.pkg.name)])).toEqual([
      ['CVE-2024-27280', ['rubygem-mysql2']],
      ['CVE-2024-27281', ['rubygem-mysql2']],
      ['CVE-2024-27282', ['rubygem-mysql2']],
    ]);
  });
});
