import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  InvalidVersionError,
  type VersionFormat,
  validateVersion,
  versionComparator,
} from '../../../functions/core/versions';

describe('compareVersions', () => {
  it.each<[VersionFormat, string, string, number]>([
    ['dpkg', '1:9.2p1-2+deb12u3', '1:9.2p1-2+deb12u6', -1],
    ['dpkg', '3.0.19-1~deb12u2', '3.0.19-1', -1],
    ['rpm', '1:3.0.7-28.el9', '1:3.0.7-27.el9', 1],
    ['rpm', '1.0^git1-1', '1.0-1', 1],
    ['apk', '3.1.4-r5', '3.1.4-r10', -1],
    ['apk', '1.0_rc1-r0', '1.0-r0', -1],
    ['dpkg', '1.0', '1.0-0', 0],
    ['rpm', '0:1.0-1', '1.0-1', 0],
  ])('%s: %s vs %s', (format, a, b, cmp) => {
    expect(Math.sign(compareVersions(format, a, b))).toBe(cmp);
  });

  it('the same strings order differently per format', () => {
    // dpkg and apk: 1.0 < 1.0a; rpm: a letter segment after the end is newer too, but 1.0 > 1.a in rpm.
    expect(compareVersions('rpm', '1.0', '1.a')).toBe(1);
    expect(compareVersions('dpkg', '1.0', '1.a')).toBe(-1);
    // A leading zero: equal for dpkg and rpm, a string comparison for apk.
    expect(compareVersions('dpkg', '1.01', '1.1')).toBe(0);
    expect(compareVersions('rpm', '1.01', '1.1')).toBe(0);
    expect(compareVersions('apk', '1.01', '1.1')).toBe(-1);
  });

  it('throws InvalidVersionError naming the format and the version', () => {
    expect(() => compareVersions('dpkg', '1.0-', '1.0')).toThrow(InvalidVersionError);
    expect(() => compareVersions('rpm', '1.0', ':1')).toThrow(/invalid rpm version ":1"/);
    expect(() => compareVersions('apk', '1.0-1', '1.0')).toThrow(/invalid apk version "1.0-1"/);
    expect(() => validateVersion('apk', '1.0_x')).toThrow(InvalidVersionError);
    expect(() => validateVersion('dpkg', '1:1.0-1')).not.toThrow();
  });
});

describe('versionComparator (parses each version once)', () => {
  const pairs: Array<[VersionFormat, string, string]> = [
    ['dpkg', '1:9.2p1-2+deb12u3', '1:9.2p1-2+deb12u6'],
    ['dpkg', '3.0.19-1~deb12u2', '3.0.19-1'],
    ['dpkg', '1.0', '1.0-0'],
    ['rpm', '1:3.0.7-28.el9', '1:3.0.7-27.el9'],
    ['rpm', '0:1.0-1', '1.0-1'],
    ['rpm', '1.0^git1-1', '1.0-1'],
    ['apk', '3.1.4-r5', '3.1.4-r10'],
    ['apk', '1.01', '1.1'],
  ];
  it('agrees with compareVersions, asked again and in both orders', () => {
    for (const format of ['dpkg', 'rpm', 'apk'] as const) {
      const cmp = versionComparator(format);
      for (let round = 0; round < 2; round++) {
        for (const [f, a, b] of pairs) {
          if (f !== format) continue;
          expect(cmp(a, b)).toBe(compareVersions(format, a, b));
          expect(cmp(b, a)).toBe(compareVersions(format, b, a));
          expect(cmp(a, a)).toBe(0);
        }
      }
    }
  });

  it('throws for an invalid version every time, as compareVersions does', () => {
    const cmp = versionComparator('dpkg');
    expect(() => cmp('1.0-', '1.0')).toThrow(InvalidVersionError);
    expect(() => cmp('1.0', '1.0-')).toThrow(/invalid dpkg version "1.0-"/);
    expect(cmp('1.0', '1.0-0')).toBe(0);
  });
});
