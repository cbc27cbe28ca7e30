/**
 * Version comparison per package manager. Each format follows its manager's own implementation exactly
 * (dpkg 1.21 verrevcmp, rpm 4.18 rpmvercmp + labelCompare, apk-tools version.c) and throws
 * InvalidVersionError for a string the manager would reject.
 */
import { compareApkVersions, parseApkVersion } from './apk';
import { compareDpkgVersions, parseDpkgVersion } from './dpkg';
import { compareRpmVersions, parseRpmEvr } from './rpm';

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
