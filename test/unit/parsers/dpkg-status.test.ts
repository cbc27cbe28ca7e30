import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isInstalledState, parseDpkgStatus } from '../../../functions/parsers/dpkg-status';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/inventory/${name}`, import.meta.url), 'utf8');

const summary = (text: string) =>
  parseDpkgStatus(text).records.map((r) => [r.package, r.version, r.source, r.sourceVersion, r.architecture]);

describe('parseDpkgStatus', () => {
  it('reads the shared Debian 12 excerpt: binNMU, glibc → libc6, linux → linux-libc-dev, epochs', () => {
    const parsed = parseDpkgStatus(fixture('dpkg-status-excerpt.txt'));
    expect(parsed.errors).toEqual([]);
    expect(summary(fixture('dpkg-status-excerpt.txt'))).toEqual([
      ['bash', '5.2.15-2+b8', 'bash', '5.2.15-2', 'amd64'],
      ['libc6', '2.36-9+deb12u14', 'glibc', '2.36-9+deb12u14', 'amd64'],
      ['libssl3', '3.0.19-1~deb12u2', 'openssl', '3.0.19-1~deb12u2', 'amd64'],
      ['linux-libc-dev', '6.1.187-1', 'linux', '6.1.187-1', 'amd64'],
      ['openssh-client', '1:9.2p1-2+deb12u6', 'openssh', '1:9.2p1-2+deb12u6', 'amd64'],
    ]);
    expect(parsed.records[0]).toMatchObject({
      status: { want: 'install', flag: 'ok', state: 'installed', text: 'install ok installed' },
      line: 1,
    });
  });

  it('reads real stanzas of this build machine (Conffiles, Description continuation lines included)', () => {
    const parsed = parseDpkgStatus(fixture('dpkg-status-this-host.txt'));
    expect(parsed.errors).toEqual([]);
    expect(summary(fixture('dpkg-status-this-host.txt'))).toEqual([
      ['bash', '5.2.15-2+b8', 'bash', '5.2.15-2', 'amd64'],
      ['bc', '1.07.1-3+b1', 'bc', '1.07.1-3', 'amd64'],
      // The binary carries an epoch the source does not: Source gives the source's own version.
      ['bsdutils', '1:2.38.1-5+deb12u3', 'util-linux', '2.38.1-5+deb12u3', 'amd64'],
      ['libc6', '2.36-9+deb12u14', 'glibc', '2.36-9+deb12u14', 'amd64'],
      ['libgcc-s1', '12.2.0-14+deb12u1', 'gcc-12', '12.2.0-14+deb12u1', 'amd64'],
      ['linux-libc-dev', '6.1.187-1', 'linux', '6.1.187-1', 'amd64'],
      ['perl-base', '5.36.0-7+deb12u2', 'perl', '5.36.0-7+deb12u2', 'amd64'],
      ['tzdata', '2025b-0+deb12u2', 'tzdata', '2025b-0+deb12u2', 'all'],
    ]);
  });

  it('agrees with dpkg-query on the whole status database of the machine running the tests', () => {
    const path = '/var/lib/dpkg/status';
    expect(existsSync(path), 'this test runs on Debian: /var/lib/dpkg/status must exist').toBe(true);
    const q = spawnSync(
      'dpkg-query',
      [
        '-W',
        '-f',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format, not a template
        '${Package}\t${Version}\t${source:Package}\t${source:Version}\t${Architecture}\t${Status}\n',
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    expect(q.status, q.stderr).toBe(0);
    const expected = q.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
      .filter((f) => f[1] !== '')
      .map(([p, v, sp, sv, a, s]) => [p, v, sp, sv, a, s].join('\t'))
      .sort();
    const parsed = parseDpkgStatus(readFileSync(path, 'utf8'));
    expect(parsed.errors).toEqual([]);
    const ours = parsed.records
      .filter((r) => r.version !== undefined)
      .map((r) =>
        [r.package, r.version, r.source, r.sourceVersion, r.architecture ?? '', r.status?.text].join('\t'),
      )
      .sort();
    expect(ours.length).toBeGreaterThan(50);
    expect(ours).toEqual(expected);
  });

  it('keeps the status of packages that are not (fully) installed', () => {
    const text = [
      'Package: old-lib',
      'Status: deinstall ok config-files',
      'Version: 1.0-1',
      '',
      'Package: gone',
      'Status: purge ok not-installed',
      '',
      'Package: broken',
      'Status: install reinstreq half-installed',
      'Version: 2.0-1',
      '',
      'Package: held',
      'Status: hold ok installed',
      'Version: 3.0-1',
      'Architecture: arm64',
      '',
      'Package: pending',
      'Status: install ok triggers-pending',
      'Version: 4.0-1',
    ].join('\n');
    const parsed = parseDpkgStatus(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.records.map((r) => [r.package, r.status?.state, isInstalledState(r.status)])).toEqual([
      ['old-lib', 'config-files', false],
      ['gone', 'not-installed', false],
      ['broken', 'half-installed', false],
      ['held', 'installed', true],
      ['pending', 'triggers-pending', true],
    ]);
    expect(parsed.records[1]!.version).toBeUndefined();
  });

  it('reads status.d stanzas without a Status field', () => {
    const parsed = parseDpkgStatus('Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n');
    expect(parsed.records).toEqual([
      {
        package: 'base-files',
        version: '12.4+deb12u5',
        source: 'base-files',
        sourceVersion: '12.4+deb12u5',
        architecture: 'amd64',
        line: 1,
      },
    ]);
    expect(isInstalledState(parsed.records[0]!.status)).toBe(true);
  });

  it('reports malformed stanzas with their line numbers and keeps the good ones', () => {
    const text = [
      'Package: good1', // 1
      'Status: install ok installed',
      'Version: 1.0-1',
      '',
      ' orphan continuation', // 5
      'Package: bad-continuation',
      '',
      'Package: no-version', // 8
      'Status: install ok installed',
      '',
      'Package: bad-version', // 11
      'Status: install ok installed',
      'Version: 1.0-',
      '',
      'Package: bad-status', // 15
      'Status: install ok',
      'Version: 1.0',
      '',
      'Package: bad-line', // 19
      'this is not a field',
      'Version: 1.0',
      '',
      'Package: dup', // 23
      'Version: 1.0',
      'Version: 2.0',
      '',
      'Package: bad-source', // 27
      'Status: install ok installed',
      'Version: 1.0',
      'Source: foo (1.0',
      '',
      'Status: install ok installed', // 32
      'Version: 1.0',
      '',
      'Package: good2', // 35
      'Status: install ok installed',
      'Source: src2 (2:1.0-1)',
      'Version: 1.0-1+b1',
    ].join('\r\n');
    const parsed = parseDpkgStatus(text);
    expect(parsed.records.map((r) => [r.package, r.source, r.sourceVersion])).toEqual([
      ['good1', 'good1', '1.0-1'],
      ['good2', 'src2', '2:1.0-1'],
    ]);
    expect(parsed.errors.map((e) => e.line)).toEqual([5, 8, 11, 15, 20, 25, 27, 32]);
    expect(parsed.errors[2]!.message).toMatch(
      /bad-version: invalid dpkg version "1.0-": revision number is empty/,
    );
    expect(parsed.errors[3]!.message).toMatch(/invalid Status "install ok"/);
  });

  it('returns nothing for an empty database', () => {
    expect(parseDpkgStatus('')).toEqual({ records: [], errors: [] });
    expect(parseDpkgStatus('\n\n')).toEqual({ records: [], errors: [] });
  });
});
