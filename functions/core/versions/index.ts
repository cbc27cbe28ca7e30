/**
 * Version comparison per package manager. Each format follows its manager's own implementation exactly
 * (dpkg 1.21 verrevcmp, rpm 4.18 rpmvercmp + labelCompare, apk-tools version.c) and throws
 * InvalidVersionError for a string the manager would reject.
 */
import { compareApkVersions, compareParsedApkVersions, parseApkVersion } from './apk';
import { compareDpkgVersions, compareParsedDpkgVersions, parseDpkgVersion } from './dpkg';
import { compareParsedRpmEvr, compareRpmVersions, parseRpmEvr } from './rpm';

export { InvalidVersionError } from './errors';

export type VersionFormat = 'dpkg' | 'rpm' | 'apk';

/** Negative when a is older than b, 0 when the manager treats them as equal, positive when a is newer. */
export function compareVersions(format: VersionFormat, a: string, b: string): number {
  switch (format) {
    case 'dpkg':
      return compareDpkgVersions(a, b);
    case 'rpm':
      return compareRpmVersions(a, b);
    case 'apk':
      return compareApkVersions(a, b);
  }
}

/**
 * compareVersions for one format, parsing each distinct version string once: matching one instance compares
 * the same installed and fixed versions again and again. Same results and errors as compareVersions; the
 * cache lives as long as the returned function (make one per evaluation).
 */
export function versionComparator(format: VersionFormat): (a: string, b: string) => number {
  switch (format) {
    case 'dpkg':
      return memoized(parseDpkgVersion, compareParsedDpkgVersions);
    case 'rpm':
      return memoized(parseRpmEvr, compareParsedRpmEvr);
    case 'apk':
      return memoized(parseApkVersion, compareParsedApkVersions);
  }
}

function memoized<T>(parse: (v: string) => T, compare: (a: T, b: T) => number) {
  const parsed = new Map<string, T>();
  const get = (v: string): T => {
    let p = parsed.get(v);
    if (p === undefined) {
      p = parse(v); // an invalid version throws, every time it is asked for
      parsed.set(v, p);
    }
    return p;
  };
  return (a: string, b: string): number => compare(get(a), get(b));
}

/** Throws InvalidVersionError when the version is not one the manager accepts. */
export function validateVersion(format: VersionFormat, version: string): void {
  switch (format) {
    case 'dpkg':
      parseDpkgVersion(version);
      return;
    case 'rpm':
      parseRpmEvr(version);
      return;
    case 'apk':
      parseApkVersion(version);
      return;
  }
}
