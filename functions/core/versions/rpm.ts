/**
 * RPM version comparison, as rpm 4.18 implements it: `rpmvercmp` (rpmio/rpmvercmp.c) on each of epoch,
 * version and release, in that order, the way `rpm.labelCompare` does (a missing epoch is "0"; a missing
 * release sorts before any release).
 *
 * rpmvercmp: equal strings are equal; otherwise both strings are walked in segments. Characters that are
 * not ASCII letters or digits, `~` or `^` only separate segments. `~` sorts before everything, the end of the
 * string included (1.0~rc1 < 1.0). `^` sorts after the end of the string but before any other segment
 * (1.0 < 1.0^git1 < 1.0.1). A digit segment is newer than a letter segment; digit segments compare
 * numerically (leading zeros dropped, any length), letter segments with strcmp. When every segment is equal,
 * the string with segments left over is newer; when only separators differ, they are equal (1.0 = 1_0).
 *
 * An EVR string is `[epoch:]version[-release]`: the epoch is the leading digits before a `:`, the release
 * what follows the last `-`.
 */
import { InvalidVersionError } from './errors';

export interface RpmEvr {
  /** Digits; undefined when the string had no epoch (compared as 0). */
  epoch?: string;
  version: string;
  /** undefined when the string had no `-release` part. */
  release?: string;
}

/** Characters rpmbuild accepts in Version and Release (letters, digits and `._+~^`). */
const VERREL = /^[A-Za-z0-9._+~^]+$/;

function invalid(evr: string, problem: string): never {
  throw new InvalidVersionError('rpm', evr, problem);
}

/** Parse `[epoch:]version[-release]`; throws InvalidVersionError for what rpm could not have built. */
export function parseRpmEvr(evr: string): RpmEvr {
  if (evr === '') invalid(evr, 'version string is empty');
  let rest = evr;
  let epoch: string | undefined;
  const m = /^([0-9]*):/.exec(evr);
  if (m) {
    if (m[1] === '') invalid(evr, 'epoch is empty');
    epoch = m[1];
    rest = evr.slice(m[0].length);
  }
  const hyphen = rest.lastIndexOf('-');
  const version = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const release = hyphen >= 0 ? rest.slice(hyphen + 1) : undefined;
  if (version === '') invalid(evr, 'version is empty');
  if (release === '') invalid(evr, 'release is empty');
  if (!VERREL.test(version)) {
    invalid(evr, version.includes('-') ? 'version contains "-"' : 'invalid character in version');
  }
  if (release !== undefined && !VERREL.test(release)) invalid(evr, 'invalid character in release');
  return release === undefined ? { epoch, version } : { epoch, version, release };
}

/** Format an EVR back to `[epoch:]version[-release]`. */
export function formatRpmEvr(evr: RpmEvr): string {
  return `${evr.epoch !== undefined ? `${evr.epoch}:` : ''}${evr.version}${evr.release !== undefined ? `-${evr.release}` : ''}`;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const TILDE = 126;
const CARET = 94;

/** rpm's rpmvercmp on two version (or release) strings; returns -1, 0 or 1. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  // charCodeAt past the end is NaN: every test below is false for it, like C's terminating NUL.
  let i = 0;
  let j = 0;
  const skip = (s: string, k: number): number => {
    let n = k;
    while (n < s.length) {
      const c = s.charCodeAt(n);
      if (isDigit(c) || isAlpha(c) || c === TILDE || c === CARET) break;
      n++;
    }
    return n;
  };
  while (i < a.length || j < b.length) {
    i = skip(a, i);
    j = skip(b, j);
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);

    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === CARET || cb === CARET) {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < a.length && j < b.length)) break;

    const isNum = isDigit(ca);
    const same = isNum ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (ei < a.length && same(a.charCodeAt(ei))) ei++;
    while (ej < b.length && same(b.charCodeAt(ej))) ej++;
    // Segments of different kinds: b's segment is empty. A number is newer than letters.
    if (ej === j) return isNum ? 1 : -1;

    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (isNum) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** labelCompare's treatment of one field: absent < present, then rpmvercmp. */
function compareField(a: string | undefined, b: string | undefined): number {
  if (a === undefined && b === undefined) return 0;
  if (b === undefined) return 1;
  if (a === undefined) return -1;
  return rpmvercmp(a, b);
}

export function compareParsedRpmEvr(a: RpmEvr, b: RpmEvr): number {
  return (
    rpmvercmp(a.epoch ?? '0', b.epoch ?? '0') ||
    compareField(a.version, b.version) ||
    compareField(a.release, b.release)
  );
}

/** Compare two `[epoch:]version[-release]` strings as rpm.labelCompare does; returns -1, 0 or 1. */
export function compareRpmVersions(a: string, b: string): number {
  return compareParsedRpmEvr(parseRpmEvr(a), parseRpmEvr(b));
}
