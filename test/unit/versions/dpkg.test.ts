import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  compareDpkgFragments,
  compareDpkgVersions,
  parseDpkgVersion,
  validateDpkgVersion,
} from '../../../functions/core/versions/dpkg';
import { InvalidVersionError } from '../../../functions/core/versions/errors';
import { type Random, seededRandom, testSeed } from '../../helpers/seeded-random';
import { dpkgOracle, type Pair, requireOracle } from '../../helpers/version-oracles';

const SEED = testSeed(20261130);
const PAIRS = 10_000;

interface Vector {
  a: string;
  b: string;
  cmp: number;
}
const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/version-vectors/dpkg-vectors.json', import.meta.url), 'utf8'),
).vectors as Vector[];

const NUMBERS = ['0', '1', '2', '3', '9', '10', '11', '99', '100', '007', '00', '010', '2023', '20230123'];
const LONG = ['12345678901234567890', '123456789012345678901234567890', '000000000000000000001'];
const WORDS = [
  'a',
  'b',
  'z',
  'A',
  'Z',
  'rc',
  'beta',
  'dfsg',
  'git',
  'ubuntu',
  'deb',
  'p',
  'bpo',
  'nmu',
  'build',
];
const SEPS = ['.', '.', '.', '+', '~', '-'];
const REVISIONS = [
  '1',
  '0',
  '2',
  '1.1',
  '2+deb12u1',
  '1~deb12u1',
  '9+deb12u14',
  '0ubuntu0.22.04.1',
  '1+b1',
  '3.1',
];

function number(r: Random): string {
  return r.chance(0.04) ? r.pick(LONG) : r.pick(NUMBERS);
}

function piece(r: Random): string {
  const k = r.int(10);
  if (k < 5) return number(r);
  if (k < 7) return r.pick(WORDS);
  if (k < 9) return `${r.pick(WORDS)}${number(r)}`;
  return `${number(r)}${r.pick(WORDS)}`;
}

function fragment(r: Random, allowHyphen: boolean): string {
  let s = number(r);
  const n = r.int(5);
  for (let i = 0; i < n; i++) {
    let sep = r.pick(SEPS);
    if (sep === '-' && !allowHyphen) sep = '.';
    s += sep + piece(r);
  }
  if (r.chance(0.08)) s += r.pick(['~', '~~', '~rc1', '~beta2', '+', '.']);
  return s;
}

function revision(r: Random): string {
  if (r.chance(0.5)) return r.pick(REVISIONS);
  let s = r.chance(0.9) ? number(r) : r.pick(WORDS);
  const n = r.int(3);
  for (let i = 0; i < n; i++) s += r.pick(['.', '+', '~']) + piece(r);
  return s;
}

/** A Debian version; about 3% are versions dpkg only warns about (letter start, "_" characters). */
function version(r: Random): string {
  const epoch = r.chance(0.25) ? `${r.pick(['0', '1', '2', '10', '01', '3'])}:` : '';
  const hasRev = r.chance(0.65);
  let up = fragment(r, hasRev);
  if (r.chance(0.015)) up = `${r.pick(WORDS)}${up}`;
  if (r.chance(0.015)) up = up.replace('.', '_');
  if (epoch && r.chance(0.05)) up += ':1';
  return `${epoch}${up}${hasRev ? `-${revision(r)}` : ''}`;
}

/** A close relative of v, so comparisons reach the later components. */
function mutate(r: Random, v: string): string {
  switch (r.int(12)) {
    case 0:
      return `${v}~rc1`;
    case 1:
      return `${v}+b1`;
    case 2:
      return v.replace(/\d+(?!.*\d)/, (d) => String(Number(d) + 1));
    case 3:
      return v.replace(/(^|[^\d])(\d)/, '$10$2');
    case 4:
      return v.includes('-') ? v.slice(0, v.lastIndexOf('-')) : `${v}-0`;
    case 5:
      return v.includes(':') ? v.slice(v.indexOf(':') + 1) : `1:${v}`;
    case 6:
      return `${v}.0`;
    case 7:
      return `${v}a`;
    case 8:
      return v.replace(/[a-z]/, (c) => c.toUpperCase());
    case 9:
      return v.replace('.', '+');
    case 10:
      return `${v}~`;
    default:
      return v.replace(/\d(?!.*\d)/, '');
  }
}

function corpus(r: Random, n: number): Pair[] {
  const pairs: Pair[] = [];
  while (pairs.length < n) {
    const a = version(r);
    const b = r.chance(0.55) ? mutate(r, a) : version(r);
    if (!b) continue;
    pairs.push(r.chance(0.5) ? { a, b } : { a: b, b: a });
  }
  return pairs;
}

function ours(a: string, b: string): number | 'error' {
  try {
    return compareDpkgVersions(a, b);
  } catch (err) {
    if (err instanceof InvalidVersionError) return 'error';
    throw err;
  }
}

describe('dpkg version comparison', () => {
  beforeAll(() => requireOracle('dpkg'));

  it('agrees with the recorded dpkg 1.21.22 verdicts on the shared vectors', () => {
    expect(vectors.length).toBeGreaterThan(900);
    const wrong = vectors.filter((v) => compareDpkgVersions(v.a, v.b) !== v.cmp);
    expect(wrong).toEqual([]);
  });

  it(`agrees with dpkg --compare-versions on ${PAIRS} generated pairs (seed ${SEED})`, async () => {
    const pairs = corpus(seededRandom(SEED), PAIRS);
    const claimed = pairs.map((p) => ours(p.a, p.b));
    const truth = await dpkgOracle(pairs, claimed);
    const wrong = pairs
      .map((p, i) => ({ ...p, dpkg: truth[i], ours: claimed[i] }))
      .filter((x) => x.dpkg !== x.ours);
    expect(wrong.slice(0, 20), `seed ${SEED}: ${wrong.length} disagreements`).toEqual([]);
    // The corpus exercises every verdict, not just the easy ones.
    for (const v of [-1, 0, 1, 'error'] as const)
      expect(truth.filter((t) => t === v).length).toBeGreaterThan(10);
  });

  it('sorts a pool of close versions in the order dpkg checks pair by pair', async () => {
    const r = seededRandom(SEED + 1);
    const pool = new Set<string>();
    while (pool.size < 1500) {
      const base = version(r);
      pool.add(base);
      for (let k = 0; k < 4; k++) pool.add(mutate(r, mutate(r, base)));
      pool.delete('');
    }
    const valid = [...pool].filter((v) => ours(v, v) !== 'error');
    valid.sort(compareDpkgVersions);
    const adjacent = valid.slice(1).map((b, i) => ({ a: valid[i]!, b }));
    const claimed = adjacent.map((p) => compareDpkgVersions(p.a, p.b));
    const truth = await dpkgOracle(adjacent, claimed);
    const wrong = adjacent.filter((_, i) => truth[i] !== claimed[i]);
    expect(wrong.slice(0, 20)).toEqual([]);
  });

  it.each([
    ['1.0~rc1', '1.0', -1],
    ['1.0~', '1.0', -1],
    ['1.0~~', '1.0~', -1],
    ['1.0', '1.0+b1', -1],
    ['1.0', '1.0a', -1],
    ['1.0a', '1.0+', -1],
    ['1.0', '1.0-0', 0],
    ['1:0.1', '2.0', 1],
    ['0:1.0', '1.0', 0],
    ['1.007', '1.7', 0],
    ['1.0-1', '1.0-1~bpo1', 1],
    ['2.36-9+deb12u14', '2.36-9+deb12u9', 1],
    ['1:9.2p1-2+deb12u6', '1:9.2p1-2+deb12u3', 1],
    ['12345678901234567890', '12345678901234567889', 1],
  ])('%s vs %s is %i', (a, b, cmp) => {
    expect(compareDpkgVersions(a, b)).toBe(cmp);
    expect(compareDpkgVersions(b, a)).toBe(cmp === 0 ? 0 : -cmp);
  });

  it('parses epoch, upstream and revision (the revision follows the last hyphen)', () => {
    expect(parseDpkgVersion('1:2.38.1-5+deb12u3')).toEqual({
      epoch: 1,
      upstream: '2.38.1',
      revision: '5+deb12u3',
      warnings: [],
    });
    expect(parseDpkgVersion('3.6.1+dfsg+~3.5.14-1')).toMatchObject({
      upstream: '3.6.1+dfsg+~3.5.14',
      revision: '1',
    });
    expect(parseDpkgVersion('1.2-3-4')).toMatchObject({ upstream: '1.2-3', revision: '4' });
    expect(parseDpkgVersion('  1.0  ')).toMatchObject({ upstream: '1.0' });
  });

  it.each([
    ['', 'version string is empty'],
    ['   ', 'version string is empty'],
    ['1.0 1', 'embedded spaces'],
    [':1.0', 'epoch in version is empty'],
    ['a:1.0', 'epoch in version is not number'],
    ['-1:1.0', 'epoch in version is not number'],
    ['99999999999:1.0', 'epoch in version is too big'],
    ['1:', 'nothing after colon'],
    ['1.0-', 'revision number is empty'],
    ['-1', 'version number is empty'],
  ])('rejects %j (%s) as dpkg does', async (v, problem) => {
    expect(() => parseDpkgVersion(v)).toThrow(InvalidVersionError);
    expect(() => parseDpkgVersion(v)).toThrow(problem);
  });

  it('accepts what dpkg only warns about, and validateDpkgVersion refuses it', () => {
    expect(parseDpkgVersion('a1.0').warnings).toEqual(['version number does not start with digit']);
    expect(parseDpkgVersion('1.0_1').warnings).toEqual(['invalid character in version number']);
    expect(parseDpkgVersion('1.0-1_1').warnings).toEqual(['invalid character in revision number']);
    expect(() => validateDpkgVersion('1.0_1')).toThrow(/invalid character in version number/);
    expect(validateDpkgVersion('1:1.0-1').epoch).toBe(1);
  });

  it('compares fragments with ~ before the end, letters before other characters', () => {
    const shuffled = ['a', '+', '~', '1', 'z', '~~a', '', 'A+', '.', '0', '~~'];
    // A digit ends a non-digit run (it sorts like the end); upper case before lower case (ASCII order);
    // letters before every other character.
    const ordered = [...shuffled].sort(compareDpkgFragments);
    expect(ordered).toEqual(['~~', '~~a', '~', '', '0', '1', 'A+', 'a', 'z', '+', '.']);
  });
});
