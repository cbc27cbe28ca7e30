/**
 * Alpine (apk-tools) version comparison, written from the rules of apk-tools' src/version.c (2.14 / 3.x):
 *
 *   digit{.digit}...{letter}{_suffix{number}}...{~hash}{-rN}
 *
 * - The version starts with a number (compared numerically). Further numbers follow a `.`; when either of
 *   two compared `.` numbers has a leading zero, the two digit strings are compared as strings instead
 *   (1.01 > 1.001, 1.0 < 1.00).
 * - At most one lowercase letter may follow the numbers (1.0a > 1.0).
 * - Suffixes `_alpha` `_beta` `_pre` `_rc` sort before the bare version; `_cvs` `_svn` `_git` `_hg` `_p`
 *   after it, in that order; each may carry a number (_rc1 < _rc2). Suffixes may repeat (1.0_alpha_pre2).
 * - `~hash` (lowercase hex) is compared as a string.
 * - `-rN` is the package revision, compared numerically.
 * - When two versions agree on every common token, the one that ends first is older — unless the other
 *   continues with a pre-release suffix; and a token earlier in the grammar is newer than a later one
 *   (1.0.1 > 1.0a > 1.0_p1 > 1.0-r1 > 1.0).
 * Numbers are read as apk reads them, into 64-bit unsigned integers.
 */
import { InvalidVersionError } from './errors';

/** Token kinds, in apk's order: a version that continues with an earlier kind is the newer one. */
enum Token {
  InitialDigit = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNumber = 4,
  CommitHash = 5,
  Revision = 6,
  End = 7,
}

/** Suffix ranks; NONE (the bare version) sits between the pre-release and post-release suffixes. */
const SUFFIX_NONE = 5;
const SUFFIXES: Readonly<Record<string, number>> = {
  alpha: 1,
  beta: 2,
  pre: 3,
  rc: 4,
  cvs: 6,
  svn: 7,
  git: 8,
  hg: 9,
  p: 10,
};

export interface ApkToken {
  kind: Token;
  /** The token's text (digits, letter, suffix name, hash). */
  text: string;
  /** Numeric value for numbers (as apk's uint64), suffix rank for suffixes. */
  value: bigint;
}

export interface ApkVersion {
  /** Tokens up to (not including) the end. */
  tokens: ApkToken[];
}

function invalid(version: string, problem: string): never {
  throw new InvalidVersionError('apk', version, problem);
}

const uint64 = (digits: string): bigint => BigInt.asUintN(64, BigInt(digits));

/** Parse an apk version into tokens; throws InvalidVersionError where `apk version -c` says invalid. */
export function parseApkVersion(version: string): ApkVersion {
  const tokens: ApkToken[] = [];
  let pos = 0;
  const digitsAt = (p: number): string => /^[0-9]*/.exec(version.slice(p))![0];

  const first = digitsAt(0);
  if (first === '') invalid(version, 'must start with a digit');
  tokens.push({ kind: Token.InitialDigit, text: first, value: uint64(first) });
  pos = first.length;
  let last: Token = Token.InitialDigit;

  while (pos < version.length) {
    const c = version[pos]!;
    if (c >= 'a' && c <= 'z') {
      if (last > Token.Digit) invalid(version, `unexpected letter "${c}" at offset ${pos}`);
      tokens.push({ kind: Token.Letter, text: c, value: BigInt(c.charCodeAt(0)) });
      last = Token.Letter;
      pos++;
    } else if (c === '.' || (c >= '0' && c <= '9')) {
      if (c === '.') {
        if (last > Token.Digit) invalid(version, `unexpected "." at offset ${pos}`);
        pos++;
      }
      let kind: Token;
      if (last === Token.InitialDigit || last === Token.Digit) kind = Token.Digit;
      else if (last === Token.Suffix) kind = Token.SuffixNumber;
      else invalid(version, `unexpected digit at offset ${pos}`);
      const digits = digitsAt(pos);
      if (digits === '') invalid(version, `expected a number at offset ${pos}`);
      tokens.push({ kind, text: digits, value: uint64(digits) });
      last = kind;
      pos += digits.length;
    } else if (c === '_') {
      if (last > Token.SuffixNumber) invalid(version, `unexpected "_" at offset ${pos}`);
      const name = /^[a-z]*/.exec(version.slice(pos + 1))![0];
      const rank = SUFFIXES[name];
      if (rank === undefined) invalid(version, `unknown suffix "_${name}"`);
      tokens.push({ kind: Token.Suffix, text: name, value: BigInt(rank) });
      last = Token.Suffix;
      pos += 1 + name.length;
    } else if (c === '~') {
      if (last >= Token.CommitHash) invalid(version, `unexpected "~" at offset ${pos}`);
      const hash = /^[0-9a-f]*/.exec(version.slice(pos + 1))![0];
      if (hash === '') invalid(version, `"~" must be followed by a lowercase hex commit hash`);
      tokens.push({ kind: Token.CommitHash, text: hash, value: 0n });
      last = Token.CommitHash;
      pos += 1 + hash.length;
    } else if (c === '-') {
      if (last >= Token.Revision) invalid(version, `unexpected "-" at offset ${pos}`);
      if (version[pos + 1] !== 'r') invalid(version, `"-" must start a "-rN" revision`);
      const digits = digitsAt(pos + 2);
      if (digits === '') invalid(version, `"-r" must be followed by a number`);
      tokens.push({ kind: Token.Revision, text: digits, value: uint64(digits) });
      last = Token.Revision;
      pos += 2 + digits.length;
    } else {
      invalid(version, `unexpected character ${JSON.stringify(c)} at offset ${pos}`);
    }
  }
  return { tokens };
}

/** apk_blob_sort: bytewise on the common length, then the shorter first. */
function blobSort(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const d = a.charCodeAt(k) - b.charCodeAt(k);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareTokens(a: ApkToken, b: ApkToken): number {
  const useString =
    a.kind === Token.CommitHash || (a.kind === Token.Digit && (a.text[0] === '0' || b.text[0] === '0'));
  if (useString) return blobSort(a.text, b.text);
  return a.value === b.value ? 0 : a.value < b.value ? -1 : 1;
}

export function compareParsedApkVersions(a: ApkVersion, b: ApkVersion): number {
  const n = Math.min(a.tokens.length, b.tokens.length);
  let k = 0;
  for (; k < n; k++) {
    const ta = a.tokens[k]!;
    const tb = b.tokens[k]!;
    if (ta.kind !== tb.kind) break;
    const r = compareTokens(ta, tb);
    if (r !== 0) return r;
  }
  const ta = a.tokens[k];
  const tb = b.tokens[k];
  const ka = ta?.kind ?? Token.End;
  const kb = tb?.kind ?? Token.End;
  if (ka === kb) return 0;
  // The versions agree up to here: a pre-release suffix makes its side older...
  if (ta && ka === Token.Suffix && ta.value < SUFFIX_NONE) return -1;
  if (tb && kb === Token.Suffix && tb.value < SUFFIX_NONE) return 1;
  // ...otherwise the side that goes on with an earlier kind of token is newer.
  return ka > kb ? -1 : 1;
}

/** Compare two apk versions as apk-tools does; returns -1, 0 or 1. */
export function compareApkVersions(a: string, b: string): number {
  return compareParsedApkVersions(parseApkVersion(a), parseApkVersion(b));
}
