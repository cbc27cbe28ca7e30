/**
 * The installed-package inventory: which package manager the host uses, its installed packages with the
 * source package each was built from, the distribution (os-release), and which installed packages are the
 * running kernel.
 *
 * The manager is chosen from what the agent collected: a non-empty dpkg status database (or the status.d
 * files of distroless images) → dpkg; else `rpm -qa` output → rpm; else a non-empty apk installed database →
 * apk. Packages dpkg has not fully installed (half-installed, unpacked, half-configured) are not assessed
 * and are listed in `errors`, as are malformed stanzas and lines.
 */
import { type ApkPackageRecord, parseApkInstalled } from '../../parsers/apk-installed';
import { isInstalledState, type ParseError, parseDpkgStatus } from '../../parsers/dpkg-status';
import { parseRpmQa, type RpmPackageRecord } from '../../parsers/rpm-qa';
import type { VersionFormat } from '../versions';
import { type Fact, type Facts, fact, noFact } from './facts';
import { kernelRelease, osRelease } from './host';

export type PackageManager = 'dpkg' | 'rpm' | 'apk';

export interface InstalledPackage {
  manager: PackageManager;
  name: string;
  /** Full version as the manager compares it: dpkg "[epoch:]upstream[-revision]", rpm "[epoch:]version-release", apk "ver-rN". */
  version: string;
  arch?: string;
  sourceName: string;
  sourceVersion: string;
  /** dpkg's Status field ("install ok installed", "hold ok installed"...), when the database has one. */
  status?: string;
  /**
   * rpm: the module stream the package was built for (`name:stream`, from rpm's MODULARITYLABEL); '' for a
   * package of no module; undefined when the agent did not record labels (older agents, rpm < 4.14).
   */
  module?: string;
}

export interface Distro {
  /** os-release ID: debian, ubuntu, amzn, almalinux, rocky, rhel, alpine, ... */
  id: string;
  /** os-release VERSION_ID ("" when the file has none, e.g. Debian testing). */
  versionId: string;
  codename?: string;
}

export interface Inventory {
  manager: PackageManager;
  format: VersionFormat;
  distro: Distro;
  packages: InstalledPackage[];
  /** Packages that could not be read or are not fully installed, one sentence each. */
  errors: string[];
  runningKernel?: {
    /** `uname -r` as the agent recorded it (kernel.osrelease). */
    release: string;
    /** Installed packages that are the running kernel's image (empty when none matches: not installed by the manager, or removed since boot). */
    packages: InstalledPackage[];
  };
}

const DPKG_STATUS = '/var/lib/dpkg/status';
const DPKG_STATUS_D = '/var/lib/dpkg/status.d';
const APK_INSTALLED = '/lib/apk/db/installed';

export function inventory(facts: Facts): Fact<Inventory> {
  return facts.memo('inventory', () => {
    const os = osRelease(facts);
    if (!os.ok) return noFact(`the distribution is unknown: ${os.reason}`);
    const id = os.value.ID?.trim().toLowerCase();
    if (!id) return noFact(`${os.value.source} has no ID`);
    const distro: Distro = { id, versionId: os.value.VERSION_ID?.trim() ?? '' };
    const codename = os.value.VERSION_CODENAME?.trim();
    if (codename) distro.codename = codename;

    const collected = collectPackages(facts);
    if (!collected.ok) return collected;
    const { manager, packages, errors } = collected.value;
    const inv: Inventory = { manager, format: manager, distro, packages, errors };
    const release = kernelRelease(facts);
    if (release) inv.runningKernel = { release, packages: runningKernelPackages(manager, release, packages) };
    return fact(inv);
  });
}

interface Collected {
  manager: PackageManager;
  packages: InstalledPackage[];
  errors: string[];
}

const where = (file: string, e: ParseError): string => `${file}:${e.line}: ${e.message}`;

function collectPackages(facts: Facts): Fact<Collected> {
  const tried: string[] = [];

  // dpkg: the status database, plus the one-package files of status.d (distroless images).
  const status = facts.text(DPKG_STATUS);
  const statusD = facts
    .filesUnder(DPKG_STATUS_D)
    .filter(([p]) => !p.endsWith('.md5sums'))
    .map(([p]) => [p, facts.text(p)] as const);
  const statusText = status.ok ? status.value.text : '';
  if (statusText.trim() !== '' || statusD.length > 0) {
    const packages: InstalledPackage[] = [];
    const errors: string[] = [];
    const sources: Array<[string, string, boolean]> = [];
    if (statusText.trim() !== '') sources.push([DPKG_STATUS, statusText, true]);
    for (const [p, t] of statusD) {
      if (t.ok) sources.push([p, t.value.text, false]);
      else errors.push(`${p}: ${t.reason}`);
    }
    for (const [file, text, needsStatus] of sources) {
      const parsed = parseDpkgStatus(text);
      errors.push(...parsed.errors.map((e) => where(file, e)));
      for (const r of parsed.records) {
        if (r.status === undefined && needsStatus) {
          errors.push(`${file}:${r.line}: package ${r.package} has no Status field: not assessed`);
          continue;
        }
        if (r.status && (r.status.state === 'not-installed' || r.status.state === 'config-files')) continue;
        if (!isInstalledState(r.status) || r.version === undefined) {
          errors.push(
            `${file}:${r.line}: package ${r.package} is ${r.status?.state ?? 'not installed'} (Status "${r.status?.text}"): not assessed`,
          );
          continue;
        }
        const pkg: InstalledPackage = {
          manager: 'dpkg',
          name: r.package,
          version: r.version,
          sourceName: r.source,
          sourceVersion: r.sourceVersion ?? r.version,
        };
        if (r.architecture) pkg.arch = r.architecture;
        // status.d stanzas carry no Status: they are installed by construction.
        pkg.status = r.status?.text ?? 'install ok installed';
        packages.push(pkg);
      }
    }
    return fact({ manager: 'dpkg', packages: packages.map(ownStrings), errors });
  }
  tried.push(status.ok ? `${DPKG_STATUS} is empty` : status.reason);

  // rpm: the agent ran `rpm -qa` when an rpm database exists.
  const rpm = facts.telemetry.commands.rpm;
  if (rpm?.status === 'ok' && rpm.exitCode !== 0) {
    return noFact(
      `rpm -qa exited with status ${rpm.exitCode}: ${rpm.stderr.trim().slice(0, 300) || 'no message'}`,
    );
  }
  if (rpm?.status === 'ok' && rpm.stdout.trim() !== '') {
    const parsed = parseRpmQa(rpm.stdout);
    const errors = parsed.errors.map((e) => where('rpm -qa', e));
    const packages = parsed.records
      .filter((r) => r.name !== 'gpg-pubkey')
      .map(fromRpm)
      .map(ownStrings);
    return fact({ manager: 'rpm', packages, errors });
  }
  if (rpm?.status === 'missing') tried.push(`rpm -qa could not run: ${rpm.reason} (${rpm.detail})`);
  else if (rpm) tried.push('rpm -qa listed no package');
  else tried.push('no rpm database was found');

  const apk = facts.text(APK_INSTALLED);
  if (apk.ok && apk.value.text.trim() !== '') {
    const parsed = parseApkInstalled(apk.value.text);
    const errors = parsed.errors.map((e) => where(APK_INSTALLED, e));
    return fact({ manager: 'apk', packages: parsed.records.map(fromApk).map(ownStrings), errors });
  }
  tried.push(apk.ok ? `${APK_INSTALLED} is empty` : apk.reason);
  return noFact(`no package database was found: ${tried.join('; ')}`);
}

/**
 * The package with its own copies of its strings. A parser's substrings (split, slice, a regex group) of 13 or
 * more characters are, in V8, views that keep the whole text they were cut from alive: a package name or version
 * that a finding keeps would keep the whole database text (this host's dpkg status: 1.4 MB, found by a heap
 * snapshot of `inspector assess`) alive until the findings are written. Copied once here, where packages become
 * facts, so no parser has to care.
 */
function ownStrings(p: InstalledPackage): InstalledPackage {
  const own: InstalledPackage = {
    manager: p.manager,
    name: ownString(p.name),
    version: ownString(p.version),
    sourceName: ownString(p.sourceName),
    sourceVersion: ownString(p.sourceVersion),
  };
  if (p.arch !== undefined) own.arch = ownString(p.arch);
  if (p.status !== undefined) own.status = ownString(p.status);
  if (p.module !== undefined) own.module = ownString(p.module);
  return own;
}

/** A flat copy of `s` (every UTF-16 code unit as it is, lone surrogates too), sharing no memory with it. */
function ownString(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf16le').toString('utf16le');
}

function fromRpm(r: RpmPackageRecord): InstalledPackage {
  const pkg: InstalledPackage = {
    manager: 'rpm',
    name: r.name,
    version: r.evr,
    sourceName: r.sourceName,
    sourceVersion: r.sourceVersion,
  };
  if (r.arch) pkg.arch = r.arch;
  if (r.module !== undefined) pkg.module = r.module;
  return pkg;
}

function fromApk(r: ApkPackageRecord): InstalledPackage {
  const pkg: InstalledPackage = {
    manager: 'apk',
    name: r.name,
    version: r.version,
    sourceName: r.origin,
    sourceVersion: r.version,
  };
  if (r.arch) pkg.arch = r.arch;
  return pkg;
}

/** Debian and Ubuntu kernel source packages (the image, headers, linux-libc-dev, tools are built from them). */
const DEB_KERNEL_SOURCE =
  /^linux(-signed)?(-(aws|azure|gcp|gke|gkeop|ibm|kvm|lowlatency|oracle|raspi|riscv|hwe|oem|intel|nvidia|realtime|xilinx|bluefield|fips|iot|starfive|allwinner|lts|meta|latest|amd64|arm64|i386|armhf|ppc64el|s390x)[\w.+-]*)?$/;
const DEB_NOT_KERNEL = new Set(['linux-base', 'linux-firmware', 'linux-atm', 'linux-meta-firmware']);
/** rpm kernel source packages: kernel, kernel-rt, kernel-uek, kernel-lt/ml (ELRepo), kernel6.12 (AL2023)... */
const RPM_KERNEL_SOURCE = /^kernel(\d+\.\d+)?(-(rt|uek|lt|ml|64k|debug|aws|azure))?$/;
/**
 * Amazon Linux kernel live patches: one package per kernel build, named after it
 * (kernel-livepatch-5.10.102-99.473 1.0-3.amzn2 patches the running kernel 5.10.102-99.473.amzn2.x86_64).
 */
const RPM_LIVEPATCH = /^kernel-livepatch-(\d[^-]*-[^-]+)$/;

/** The kernel build (version-release without the dist tag) an Amazon Linux live patch package is for. */
export function livepatchKernel(name: string): string | undefined {
  return RPM_LIVEPATCH.exec(name)?.[1];
}
/** Alpine kernel origins (linux-headers is built from the kernel tarball too). */
const APK_KERNEL_ORIGIN =
  /^linux-(lts|virt|edge|rpi\d?|stable|asahi|headers|tools|elm|gru|hardened|vanilla)$/;

/** Packages built from the kernel source: image, modules, headers, libc development headers, tools. */
export function isKernelPackage(pkg: InstalledPackage): boolean {
  switch (pkg.manager) {
    case 'dpkg':
      return DEB_KERNEL_SOURCE.test(pkg.sourceName) && !DEB_NOT_KERNEL.has(pkg.sourceName);
    case 'rpm':
      return RPM_KERNEL_SOURCE.test(pkg.sourceName) || RPM_LIVEPATCH.test(pkg.name);
    case 'apk':
      return APK_KERNEL_ORIGIN.test(pkg.sourceName);
  }
}

/**
 * The installed packages that are the image of the running kernel `release` (`uname -r`), and on Amazon Linux
 * its live patch package (kernel-livepatch-<version-release>): live patches for other kernels are not the
 * running kernel's.
 */
export function runningKernelPackages(
  manager: PackageManager,
  release: string,
  packages: readonly InstalledPackage[],
): InstalledPackage[] {
  const rel = release.trim();
  switch (manager) {
    case 'dpkg': {
      // Debian: linux-image-6.1.0-28-amd64 (signed) or linux-image-6.1.0-28-amd64-unsigned;
      // Ubuntu: linux-image-5.15.0-91-generic or linux-image-unsigned-5.15.0-91-generic.
      const names = new Set([
        `linux-image-${rel}`,
        `linux-image-${rel}-unsigned`,
        `linux-image-unsigned-${rel}`,
      ]);
      return packages.filter((p) => names.has(p.name) && isKernelPackage(p));
    }
    case 'rpm': {
      // uname -r is version-release.arch, with +variant for debug/64k/rt builds (5.14.0-427.el9.x86_64+debug).
      const m = /^(.*?)(?:\+(\w+))?$/.exec(rel)!;
      const vra = m[1]!;
      const variant = m[2];
      const image = variant
        ? new RegExp(`^kernel-${variant}(-core)?$`)
        : /^kernel(\d+\.\d+)?(-(uek|lt|ml|aws|azure))?(-core)?$/;
      return packages.filter((p) => {
        const lp = livepatchKernel(p.name);
        if (lp) return vra.startsWith(`${lp}.`);
        if (!image.test(p.name) || !isKernelPackage(p)) return false;
        const vr = p.version.replace(/^\d+:/, '');
        return `${vr}.${p.arch ?? ''}` === vra;
      });
    }
    case 'apk': {
      // Alpine: 6.6.31-0-lts is linux-lts 6.6.31-r0.
      const m = /^(.+)-(\d+)-([a-z0-9]+)$/.exec(rel);
      if (!m) return [];
      const [, ver, rev, flavor] = m;
      return packages.filter((p) => p.name === `linux-${flavor}` && p.version === `${ver}-r${rev}`);
    }
  }
}
