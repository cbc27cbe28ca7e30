/**
 * apk has no oracle on Debian (apk-tools is not packaged), so these tables come from apk-tools' rules
 * (src/version.c, 2.14 / 3.x: digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#}); each row says which rule
 * decides it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareApkVersions, parseApkVersion } from '../../../functions/core/versions/apk';
import { InvalidVersionError } from '../../../functions/core/versions/errors';

const shared = JSON.parse(
  readFileSync(new URL('../../fixtures/version-vectors/apk-pairs-no-oracle.json', import.meta.url), 'utf8'),
) as { pairs: Array<[string, string]>; real_versions_from_samples: string[] };

const sign = (op: string): number => (op === '<' ? -1 : op === '>' ? 1 : 0);

describe('apk version comparison', () => {
  it.each([
    // numbers
    ['1.0', '<', '1.1', 'numbers compare numerically'],
    ['1.9', '<', '1.10', 'numbers compare numerically, not as strings'],
    ['2.0', '>', '1.99.99', 'the first differing number decides'],
    ['006', '>', '1.0.0', 'the first number is always numeric, even with leading zeros'],
    ['1.0', '<', '1.0.0', 'a version that ends first is older'],
    ['1.0.1', '>', '1.0', 'a version that ends first is older'],
    ['1.01', '>', '1.001', 'a leading zero makes a string comparison: "01" > "001"'],
    ['1.0', '<', '1.00', 'string comparison: "0" is a prefix of "00"'],
    ['1.02', '<', '1.1', 'string comparison: "02" < "1"'],
    ['1.010', '>', '1.01', 'string comparison: longer with the same prefix is greater'],
    ['2.6.15.20060110', '<', '2.6.16.20060323', 'numbers compare numerically'],
    // letters
    ['1.0', '<', '1.0a', 'a letter after the numbers is newer than the end'],
    ['1.0a', '<', '1.0b', 'letters compare by character'],
    ['1.0a', '<', '1.0.1', 'a further number is newer than a letter'],
    ['2.3.0b-r1', '<', '2.3.0b-r2', 'then the revision decides'],
    // suffixes
    ['1.0_alpha', '<', '1.0_beta', '_alpha < _beta'],
    ['1.0_beta', '<', '1.0_pre', '_beta < _pre'],
    ['1.0_pre', '<', '1.0_rc', '_pre < _rc'],
    ['1.0_rc', '<', '1.0', 'pre-release suffixes sort before the bare version'],
    ['1.0', '<', '1.0_cvs', 'post-release suffixes sort after the bare version'],
    ['1.0_cvs', '<', '1.0_svn', '_cvs < _svn'],
    ['1.0_svn', '<', '1.0_git', '_svn < _git'],
    ['1.0_git', '<', '1.0_hg', '_git < _hg'],
    ['1.0_hg', '<', '1.0_p', '_hg < _p'],
    ['1.0_rc1', '<', '1.0_rc2', 'suffix numbers compare numerically'],
    ['1.0_p9', '<', '1.0_p10', 'suffix numbers compare numerically'],
    ['1.0_rc', '<', '1.0_rc1', 'a suffix with a number is newer than without'],
    ['0.1.0_alpha_pre2', '<', '0.1.0_alpha', 'a further pre-release suffix is older than the end'],
    ['0.1.0_alpha_p1', '>', '0.1.0_alpha', 'a further post-release suffix is newer than the end'],
    ['1.0_alpha', '<', '1.0.1', 'a pre-release suffix is older than anything else'],
    ['1.0_p1', '<', '1.0a', 'a letter is newer than a suffix'],
    ['1.0_p1', '<', '1.0.1', 'a number is newer than a suffix'],
    ['1.3_pre1-r1', '<', '1.3.2', 'a number is newer than a suffix'],
    ['1.0.0_pre20191002222144-r0', '<', '1.0.0_pre20210530193627-r0', 'long suffix numbers'],
    // commit hash
    ['1.0~abc', '>', '1.0', 'a commit hash is newer than the end'],
    ['1.0~abc', '<', '1.0~abd', 'hashes compare as strings'],
    ['1.0~abc', '<', '1.0_p1', 'a suffix is newer than a hash'],
    ['1.0~abc-r1', '>', '1.0-r1', 'a hash is newer than a revision'],
    // revisions
    ['1.0-r0', '<', '1.0-r1', 'revisions compare numerically'],
    ['3.1.4-r9', '<', '3.1.4-r10', 'revisions compare numerically'],
    ['1.0-r0', '>', '1.0', 'a revision is newer than the end'],
    ['1.0-r1', '<', '1.0_p1', 'a suffix is newer than a revision'],
    ['1.0-r5', '<', '1.0.1-r0', 'the version decides before the revision'],
    // equal
    ['1.0-r0', '=', '1.0-r0', 'identical'],
    ['1.0-r00', '=', '1.0-r0', 'revisions compare numerically'],
    ['1.0_rc01', '=', '1.0_rc1', 'suffix numbers compare numerically'],
    ['01.0', '=', '1.0', 'the first number is numeric'],
    ['18446744073709551616', '=', '0', 'numbers are read into 64-bit unsigned integers, as apk does'],
  ])('%s %s %s (%s)', (a, op, b) => {
    expect(compareApkVersions(a, b)).toBe(sign(op));
    expect(compareApkVersions(b, a)).toBe(-sign(op) || 0);
  });

  // The versions of apk-pairs-no-oracle.json, ascending; each step is justified by the rule beside it, so
  // every one of the file's pairs has a verdict that follows from the rules.
  const ORDER: Array<[string, string]> = [
    ['1.0_alpha1-r0', ''],
    ['1.0_beta2-r0', '_alpha < _beta'],
    ['1.0_pre1-r0', '_beta < _pre'],
    ['1.0_rc1-r0', '_pre < _rc'],
    ['1.0-r0', 'pre-release suffixes are older than the bare version'],
    ['1.0-r1', 'revisions compare numerically'],
    ['1.0_cvs-r0', 'a post-release suffix is newer than a revision'],
    ['1.0_svn-r0', '_cvs < _svn'],
    ['1.0_git20230101-r0', '_svn < _git'],
    ['1.0_hg-r0', '_git < _hg'],
    ['1.0_p1-r0', '_hg < _p'],
    ['1.0a-r0', 'a letter is newer than a suffix'],
    ['1.0.1-r0', 'a further number is newer than a letter'],
    ['1.001-r0', 'leading zero: string comparison, "0" is a prefix of "001"'],
    ['1.01-r0', 'leading zero: string comparison, "001" < "01"'],
    ['3.1.4-r1', 'the first number decides'],
    ['3.1.4-r9', 'revisions compare numerically'],
    ['3.1.4-r10', 'revisions compare numerically'],
  ];

  it('orders the versions of apk-pairs-no-oracle.json by the rules, and so every pair of it', () => {
    const rank = new Map(ORDER.map(([v], i) => [v, i]));
    for (let i = 1; i < ORDER.length; i++)
      expect(compareApkVersions(ORDER[i - 1]![0], ORDER[i]![0])).toBe(-1);
    expect(shared.pairs.length).toBe(153);
    const wrong = shared.pairs.filter(([a, b]) => {
      const ra = rank.get(a);
      const rb = rank.get(b);
      if (ra === undefined || rb === undefined) return true;
      return compareApkVersions(a, b) !== Math.sign(ra - rb);
    });
    expect(wrong).toEqual([]);
  });

  it('orders the real Alpine versions from the samples numerically', () => {
    const real = [...shared.real_versions_from_samples];
    expect(real.length).toBe(19);
    const expected = [
      '1.2.12-r0',
      '1.2.12-r2',
      '1.3.8-r0',
      '1.4.1-r0',
      '1.4.9-r0',
      '2.1-r2',
      '2.7.9-r0',
      '2.8.0-r0',
      '2.12.5-r0',
      '2.12.6-r0',
      '2.23-r0',
      '2.25-r0',
      '4.3.1-r0',
      '4.3.2-r0',
      '4.3.3-r0',
      '5.2.5-r1',
      '5.4.2-r1',
      '5.8-r0',
      '5.8.1-r0',
    ];
    expect(real.sort(compareApkVersions)).toEqual(expected);
  });

  it.each([
    ['', 'must start with a digit'],
    ['a1', 'must start with a digit'],
    ['.1', 'must start with a digit'],
    ['1.', 'expected a number'],
    ['1..0', 'expected a number'],
    ['1.0bc', 'unexpected letter'],
    ['1.0a1', 'unexpected digit'],
    ['1.0a.1', 'unexpected "."'],
    ['1.0_foo', 'unknown suffix "_foo"'],
    ['1.0_', 'unknown suffix "_"'],
    ['1.0_rc1.1', 'unexpected "."'],
    ['1.0-1', 'must start a "-rN" revision'],
    ['1.0-r', 'must be followed by a number'],
    ['1.0-r1-r2', 'unexpected "-"'],
    ['1.0-r1_p1', 'unexpected "_"'],
    ['1.0-r1a', 'unexpected letter'],
    ['1.0~', 'lowercase hex'],
    ['1.0~ABC', 'lowercase hex'],
    ['1.0~ab~cd', 'unexpected "~"'],
    ['1.0 ', 'unexpected character'],
    ['1.0A', 'unexpected character'],
    ['1:1.0', 'unexpected character'],
  ])('rejects %j (%s)', (v, problem) => {
    expect(() => parseApkVersion(v)).toThrow(InvalidVersionError);
    expect(() => parseApkVersion(v)).toThrow(problem);
  });

  it('accepts the full grammar', () => {
    expect(parseApkVersion('1.2.3b_alpha1_p2~0a1b-r10').tokens.map((t) => t.text)).toEqual([
      '1',
      '2',
      '3',
      'b',
      'alpha',
      '1',
      'p',
      '2',
      '0a1b',
      '10',
    ]);
  });
});
