/**
 * Debian version comparison, as Debian Policy 5.6.12 describes it and as dpkg 1.21 implements it
 * (lib/dpkg/version.c `verrevcmp`, lib/dpkg/parsehelp.c `parseversion`).
 *
 * A version is `[epoch:]upstream_version[-debian_revision]`: the epoch is an unsigned integer (0 when
 * absent), the revision is everything after the LAST hyphen ("" when there is none, which compares equal to
 * "0"). Upstream and revision are compared with the same algorithm: alternate non-digit and digit runs;
 * non-digit runs compare character by character where `~` sorts before everything (even the end of the
 * string), then the end, then letters (ASCII order), then every other character; digit runs compare
 * numerically (leading zeros ignored, any length).
 *
 * Strings dpkg rejects (empty, embedded blanks, bad epoch, empty upstream or revision) throw
 * InvalidVersionError. Strings dpkg only warns about (not starting with a digit, characters outside
 * Policy's set) are accepted and compared exactly as dpkg compares them; the warning is returned.
 */
import { InvalidVersionError } from './errors';

export interface DpkgVersion {
  epoch: number;
  upstream: string;
  /** "" when the version has no hyphen. */
  revision: string;
  /** What dpkg would warn about for this version (it still compares it); empty for a Policy-valid version. */
  warnings: string[];
}

const INT_MAX = 2_147_483_647;
const isBlank = (c: string): boolean => c === ' ' || c === '\t';

function invalid(version: string, problem: string): never {
  throw new InvalidVersionError('dpkg', version, problem);
}

/** Parse a Debian version; throws InvalidVersionError where dpkg reports an error. */
export function parseDpkgVersion(version: string): DpkgVersion {
  let start = 0;
  let end = version.length;
  while (start < end && isBlank(version[start]!)) start++;
  while (end > start && isBlank(version[end - 1]!)) end--;
  const s = version.slice(start, end);
  if (s === '') invalid(version, 'version string is empty');
  if (/[ \t]/.test(s)) invalid(version, 'version string has embedded spaces');

  let epoch = 0;
  let rest = s;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    const epochText = s.slice(0, colon);
    if (epochText === '') invalid(version, 'epoch in version is empty');
    if (!/^[0-9]+$/.test(epochText)) invalid(version, 'epoch in version is not number');
    epoch = Number(epochText);
    if (!Number.isSafeInteger(epoch) || epoch > INT_MAX) invalid(version, 'epoch in version is too big');
    rest = s.slice(colon + 1);
    if (rest === '') invalid(version, 'nothing after colon in version number');
  }

  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : '';
  if (hyphen >= 0 && revision === '') invalid(version, 'revision number is empty');
  if (upstream === '') invalid(version, 'version number is empty');

  const warnings: string[] = [];
  if (!/^[0-9]/.test(upstream)) warnings.push('version number does not start with digit');
  else if (!/^[A-Za-z0-9.+~:-]*$/.test(upstream)) warnings.push('invalid character in version number');
  else if (!/^[A-Za-z0-9.+~]*$/.test(revision)) warnings.push('invalid character in revision number');
  return { epoch, upstream, revision, warnings };
}

/** Throws InvalidVersionError unless the version is valid by Debian Policy (dpkg's warnings included). */
export function validateDpkgVersion(version: string): DpkgVersion {
  const v = parseDpkgVersion(version);
  if (v.warnings.length > 0) invalid(version, v.warnings[0]!);
  return v;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** dpkg's `order`: digits and the end 0, `~` -1, letters their code, anything else its code + 256. */
function order(c: number): number {
  if (Number.isNaN(c) || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126) return -1;
  return c + 256;
}

/** Compare two upstream versions or two revisions (dpkg's verrevcmp); returns -1, 0 or 1. */
export function compareDpkgFragments(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const at = (s: string, k: number): number => (k < s.length ? s.charCodeAt(k) : Number.NaN);
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(at(a, i));
      const bc = order(at(b, j));
      if (ac !== bc) return Math.sign(ac - bc);
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    let firstDiff = 0;
    while (i < a.length && j < b.length && isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && isDigit(a.charCodeAt(i))) return 1;
    if (j < b.length && isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return Math.sign(firstDiff);
  }
  return 0;
}

export function compareParsedDpkgVersions(a: DpkgVersion, b: DpkgVersion): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return compareDpkgFragments(a.upstream, b.upstream) || compareDpkgFragments(a.revision, b.revision);
}

/** Compare two Debian versions as `dpkg --compare-versions` does; returns -1, 0 or 1. */
export function compareDpkgVersions(a: string, b: string): number {
  return compareParsedDpkgVersions(parseDpkgVersion(a), parseDpkgVersion(b));
}
