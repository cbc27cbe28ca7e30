/**
 * Package URLs (purl spec, PURL-TYPES: deb, rpm, apk) of installed OS packages, built with packageurl-js
 * (the purl project's JavaScript implementation: canonical encoding, qualifiers sorted):
 *   pkg:deb/debian/libc6@2.36-9+deb12u7?arch=amd64&distro=debian-12     (deb: the full version, epoch included)
 *   pkg:rpm/redhat/openssl@3.0.7-27.el9?arch=x86_64&distro=rhel-9.4&epoch=1  (rpm: epoch as a qualifier)
 *   pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1
 * The namespace is the distribution's vendor (purl spec: `redhat` for RHEL, `amzn`, `rocky`, `almalinux`,
 * `debian`, `ubuntu`, `alpine`); `distro` is `<os-release ID>-<VERSION_ID>` (or the codename without one).
 */
import { PackageURL } from 'packageurl-js';
import type { Distro, InstalledPackage } from '../core/facts/packages';

/** os-release ID → purl namespace, where they differ. */
const NAMESPACE: Readonly<Record<string, string>> = {
  rhel: 'redhat',
  ol: 'oracle',
  'opensuse-leap': 'opensuse',
};

export function purlNamespace(distro: Distro): string {
  return NAMESPACE[distro.id] ?? distro.id;
}

export function distroQualifier(distro: Distro): string | undefined {
  if (distro.versionId) return `${distro.id}-${distro.versionId}`;
  return distro.codename ? `${distro.id}-${distro.codename}` : undefined;
}

/** rpm "[epoch:]version-release" → epoch and the rest. */
export function splitEpoch(version: string): { epoch?: string; version: string } {
  const m = /^(\d+):(.+)$/.exec(version);
  return m ? { epoch: m[1] as string, version: m[2] as string } : { version };
}

export function packagePurl(pkg: InstalledPackage, distro: Distro): string {
  const qualifiers: Record<string, string> = {};
  if (pkg.arch) qualifiers.arch = pkg.arch;
  const d = distroQualifier(distro);
  if (d) qualifiers.distro = d;
  let version = pkg.version;
  let type: string;
  if (pkg.manager === 'dpkg') type = 'deb';
  else if (pkg.manager === 'rpm') {
    type = 'rpm';
    const split = splitEpoch(pkg.version);
    version = split.version;
    // Epoch 0 is rpm's default: said only when set to something else (as the purl spec's examples do).
    if (split.epoch && split.epoch !== '0') qualifiers.epoch = split.epoch;
  } else type = 'apk';
  return encodePlus(
    new PackageURL(type, purlNamespace(distro), pkg.name, version, qualifiers, undefined).toString(),
  );
}

/**
 * packageurl-js leaves `+` as is in the version; the purl spec's own deb example writes it percent-encoded
 * (`pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64`), as other SBOM tools do. Both decode to the same purl.
 */
function encodePlus(purl: string): string {
  const at = purl.indexOf('@');
  if (at < 0) return purl;
  const end = purl.slice(at).search(/[?#]/);
  const stop = end < 0 ? purl.length : at + end;
  return purl.slice(0, at) + purl.slice(at, stop).replace(/\+/g, '%2B') + purl.slice(stop);
}
