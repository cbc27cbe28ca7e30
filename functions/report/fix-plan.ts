/**
 * Fix plan per host: from the CVE findings of one instance, the smallest set of package upgrades (one per source
 * package, each binary to the highest fixed version any closable finding needs) that closes every finding that
 * can be closed, ordered by what each upgrade closes: network exposure (the EXPOSURE attribute, when the
 * network-reachability package set one), findings known exploited (CISA KEV), the highest EPSS, the highest
 * severity, then how many. Each upgrade has the exact command for the host's package manager, whether it needs
 * a reboot (kernel, C library, init system) and which running services map a package it replaces (from the
 * listening processes the agent saw, when runtime telemetry exists). What no upgrade closes stays open, with why.
 *
 * Why this set is the smallest: a finding is closed only when every vulnerable package it names is upgraded, so
 * the plan is exactly the union of the packages closable findings need; dropping any upgrade leaves at least one
 * of them open, and no other upgrade closes anything.
 */
import type { Finding, InstanceSummary } from '../core/model';
import { compareVersions, type VersionFormat } from '../core/versions';
import { FAMILY_INFO } from '../feeds/ecosystems';
import type { Family } from '../feeds/model';
import { compareStrings } from './model';

export type PackageManager = 'apt' | 'dnf' | 'yum' | 'apk';

export interface ClosedFinding {
  findingId: string;
  vulnerabilityId: string;
  title: string;
  severity: string;
  numericSeverity: number;
  kev: boolean;
  epss?: number;
  exposure?: string;
}

export interface UpgradePackage {
  name: string;
  arch?: string;
  installedVersion: string;
  /** The highest fixed version the findings this upgrade closes need. */
  targetVersion: string;
}

export interface ServiceRestart {
  comm: string;
  pid: number;
  exe?: string;
  /** `tcp 0.0.0.0:22` etc. */
  listening: string[];
  /** The upgraded packages the process runs or maps. */
  packages: string[];
}

export interface PlannedUpgrade {
  /** The source package (binary name when no source is known). */
  source: string;
  packages: UpgradePackage[];
  closes: ClosedFinding[];
  /** Ordering keys, highest first. */
  exposureRank: number;
  exposure?: string;
  kevCount: number;
  maxEpss?: number;
  maxNumericSeverity: number;
  /** The exact command (undefined when the package manager is not known). */
  command?: string;
  /** Set when the upgrade replaces the kernel, the C library or the init system. */
  reboot?: string;
  restarts: ServiceRestart[];
  notes: string[];
}

export interface OpenFinding {
  findingId: string;
  vulnerabilityId: string;
  title: string;
  severity: string;
  numericSeverity: number;
  fixState: string;
  reason: string;
  packages: string[];
}

export interface HostFixPlan {
  instanceId: string;
  hostname?: string;
  ecosystem?: string;
  manager?: PackageManager;
  upgrades: PlannedUpgrade[];
  /** Findings no upgrade closes (no fix yet, will not be fixed, fix only in Ubuntu Pro, unknown). */
  open: OpenFinding[];
  reboot: { needed: boolean; reasons: string[] };
  restarts: ServiceRestart[];
  /** Whether the agent's runtime telemetry (listening processes) was there to find the services to restart. */
  runtimeTelemetry: boolean;
  cveFindings: number;
  closable: number;
}

// ---------------------------------------------------------------------------------------------------------------

/** The host's package manager from a CVE finding's ecosystem label ("Debian 12", "Amazon Linux 2"). */
export function packageManagerOf(
  ecosystem: string,
): { manager: PackageManager; format: VersionFormat } | undefined {
  for (const [family, info] of Object.entries(FAMILY_INFO) as Array<[Family, (typeof FAMILY_INFO)[Family]]>) {
    if (!ecosystem.startsWith(`${info.label} `)) continue;
    const release = ecosystem.slice(info.label.length + 1);
    switch (info.versionFormat) {
      case 'dpkg':
        return { manager: 'apt', format: 'dpkg' };
      case 'apk':
        return { manager: 'apk', format: 'apk' };
      case 'rpm': {
        const major = Number(/^\d+/.exec(release)?.[0] ?? '0');
        const yum =
          (family === 'amazon' && (release === '1' || release === '2')) || (family !== 'amazon' && major < 8);
        return { manager: yum ? 'yum' : 'dnf', format: 'rpm' };
      }
    }
  }
  return undefined;
}

const KERNEL =
  /^(linux-image|linux-modules|linux-headers|linux-signed|kernel|kernel-core|kernel-modules|linux-lts|linux-virt)(-|$)/;
const KERNEL_SOURCE = /^(linux|linux-signed(-.+)?|kernel|linux-lts|linux-virt)$/;
const LIBC = /^(libc6|libc-bin|glibc|glibc-common|glibc-minimal-langpack|glibc-langpack-.+|musl)$/;
const LIBC_SOURCE = /^(glibc|musl)$/;
const INIT = /^(systemd|systemd-libs|systemd-sysv|libsystemd0|systemd-udev)$/;

export function isKernelPackage(name: string, source?: string): boolean {
  return (
    KERNEL.test(name) ||
    (source !== undefined && KERNEL_SOURCE.test(source) && name.startsWith('linux-image'))
  );
}

function rebootReason(source: string, names: readonly string[]): string | undefined {
  if (names.some((n) => isKernelPackage(n, source))) return 'kernel: reboot into the new kernel';
  if (LIBC_SOURCE.test(source) || names.some((n) => LIBC.test(n)))
    return 'C library: every running program maps it; reboot (or restart every service)';
  if (source === 'systemd' || names.some((n) => INIT.test(n)))
    return 'init system: reboot (or systemctl daemon-reexec and restart the services)';
  return undefined;
}

/** The exact command upgrading these packages to (at least) the target versions. */
export function upgradeCommand(
  manager: PackageManager,
  packages: readonly UpgradePackage[],
  kernel: boolean,
): string {
  const sorted = [...packages].sort((a, b) => compareStrings(a.name, b.name));
  switch (manager) {
    case 'apt':
      // A fixed kernel comes as a new ABI package (new name): upgrade the installed ones and let the
      // meta-package pull the new image; pinning the old name to the new version would not resolve.
      return kernel
        ? `apt-get install --only-upgrade ${sorted.map((p) => p.name).join(' ')}`
        : `apt-get install --only-upgrade ${sorted.map((p) => `${p.name}=${p.targetVersion}`).join(' ')}`;
    case 'dnf':
      return `dnf upgrade ${sorted.map((p) => `${p.name}-${p.targetVersion}`).join(' ')}`;
    case 'yum':
      return `yum update ${sorted.map((p) => `${p.name}-${p.targetVersion}`).join(' ')}`;
    case 'apk':
      return `apk add ${sorted.map((p) => `${p.name}=${p.targetVersion}`).join(' ')}`;
  }
}

// Exposure: network-reachability's EXPOSURE attribute when present. Unknown values still rank above none.
const EXPOSURE_RANK: Readonly<Record<string, number>> = {
  INTERNET: 4,
  PUBLIC: 4,
  VPC: 3,
  PRIVATE: 3,
  NETWORK: 3,
  LOCAL: 1,
  LOOPBACK: 1,
  HOST: 1,
  NONE: 0,
  NOT_EXPOSED: 0,
  NOT_REACHABLE: 0,
  UNREACHABLE: 0,
};

export function exposureRank(value: string | undefined): number {
  if (!value) return 0;
  const v = value.trim().toUpperCase();
  const direct = EXPOSURE_RANK[v];
  if (direct !== undefined) return direct;
  for (const [k, r] of Object.entries(EXPOSURE_RANK)) if (v.includes(k)) return r;
  return 2;
}

function attribute(f: Finding, key: string): string | undefined {
  return f.attributes.find((a) => a.key === key)?.value;
}

const OPEN_REASON: Readonly<Record<string, string>> = {
  'not-fixed': 'no fix yet',
  'wont-fix': 'will not be fixed in this release',
  'ubuntu-pro': 'fix only in Ubuntu Pro (not enabled on this host)',
  unknown: 'fix state unknown',
};

function compareVersionsSafe(format: VersionFormat | undefined, a: string, b: string): number {
  if (format) {
    try {
      return compareVersions(format, a, b);
    } catch {
      // An invalid version string (the feed's or the host's) falls back to text order.
    }
  }
  return compareStrings(a, b);
}

/** Listening processes whose executable's package or mapped libraries' packages are among `names`. */
function restartsFor(instance: InstanceSummary | undefined, names: ReadonlySet<string>): ServiceRestart[] {
  const byPid = new Map<number, ServiceRestart>();
  for (const l of instance?.listeners?.services ?? []) {
    const libs = l.libraryPackages.map((p) => p.split(' ')[0] ?? p).filter((n) => names.has(n));
    for (const p of l.processes) {
      const exePkg = p.package?.split(' ')[0];
      const hit = [...new Set([...(exePkg && names.has(exePkg) ? [exePkg] : []), ...libs])].sort();
      if (hit.length === 0) continue;
      let r = byPid.get(p.pid);
      if (!r) {
        r = { comm: p.comm, pid: p.pid, listening: [], packages: [] };
        if (p.exe) r.exe = p.exe;
        byPid.set(p.pid, r);
      }
      const where = `${l.protocol} ${l.address}:${l.port}`;
      if (!r.listening.includes(where)) r.listening.push(where);
      r.packages = [...new Set([...r.packages, ...hit])].sort();
    }
  }
  return [...byPid.values()].sort((a, b) => compareStrings(a.comm, b.comm) || a.pid - b.pid);
}

/** The fix plan of one instance from its findings (only CVE findings with vulnerability details count). */
export function buildHostFixPlan(
  instanceId: string,
  findings: readonly Finding[],
  instance?: InstanceSummary,
): HostFixPlan {
  const cve = findings.filter((f) => f.instanceId === instanceId && f.vulnerability);
  const ecosystem = cve.find((f) => f.vulnerability?.ecosystem)?.vulnerability?.ecosystem;
  const pm = ecosystem ? packageManagerOf(ecosystem) : undefined;
  const open: OpenFinding[] = [];
  const bySource = new Map<string, PlannedUpgrade & { byName: Map<string, UpgradePackage> }>();
  for (const f of cve) {
    const v = f.vulnerability!;
    const closable = v.packages.length > 0 && v.packages.every((p) => p.fixedVersion && !p.fixedInUbuntuPro);
    if (!closable) {
      const blocked = v.packages.filter((p) => !p.fixedVersion || p.fixedInUbuntuPro).map((p) => p.name);
      open.push({
        findingId: f.id,
        vulnerabilityId: v.vulnerabilityId,
        title: f.title,
        severity: f.severity,
        numericSeverity: f.numericSeverity,
        fixState: v.fixState,
        reason:
          v.packages.length === 0
            ? 'no package named'
            : v.fixState === 'fixed'
              ? `no fixed version for ${blocked.join(', ')}`
              : (OPEN_REASON[v.fixState] ?? v.fixState),
        packages: [...new Set(v.packages.map((p) => p.name))].sort(),
      });
      continue;
    }
    const exposure = attribute(f, 'EXPOSURE');
    const closed: ClosedFinding = {
      findingId: f.id,
      vulnerabilityId: v.vulnerabilityId,
      title: f.title,
      severity: f.severity,
      numericSeverity: f.numericSeverity,
      kev: !!v.kev,
      ...(v.epss ? { epss: v.epss.score } : {}),
      ...(exposure ? { exposure } : {}),
    };
    for (const p of v.packages) {
      const source = p.sourcePackage ?? p.name;
      let u = bySource.get(source);
      if (!u) {
        u = {
          source,
          packages: [],
          byName: new Map(),
          closes: [],
          exposureRank: 0,
          kevCount: 0,
          maxNumericSeverity: 0,
          restarts: [],
          notes: [],
        };
        bySource.set(source, u);
      }
      const key = p.arch ? `${p.name}:${p.arch}` : p.name;
      const have = u.byName.get(key);
      const fixed = p.fixedVersion!;
      if (!have) {
        const up: UpgradePackage = {
          name: p.name,
          installedVersion: p.installedVersion,
          targetVersion: fixed,
        };
        if (p.arch) up.arch = p.arch;
        u.byName.set(key, up);
      } else if (compareVersionsSafe(pm?.format, fixed, have.targetVersion) > 0) have.targetVersion = fixed;
      // Findings are visited one at a time: a repeat is always the last one pushed.
      if (u.closes[u.closes.length - 1]?.findingId !== f.id) u.closes.push(closed);
    }
  }
  const sourcesPerFinding = new Map<string, number>();
  for (const u of bySource.values())
    for (const c of u.closes)
      sourcesPerFinding.set(c.findingId, (sourcesPerFinding.get(c.findingId) ?? 0) + 1);
  const upgrades: PlannedUpgrade[] = [];
  for (const { byName, ...u } of bySource.values()) {
    u.packages = [...byName.values()].sort((a, b) => compareStrings(a.name, b.name));
    // Two arches of one binary are upgraded by one name in the command.
    const names = [...new Set(u.packages.map((p) => p.name))];
    for (const c of u.closes) {
      const r = exposureRank(c.exposure);
      if (r > u.exposureRank || (r === u.exposureRank && c.exposure && !u.exposure)) {
        u.exposureRank = r;
        if (c.exposure) u.exposure = c.exposure;
      }
      if (c.kev) u.kevCount++;
      if (c.epss !== undefined && (u.maxEpss === undefined || c.epss > u.maxEpss)) u.maxEpss = c.epss;
      u.maxNumericSeverity = Math.max(u.maxNumericSeverity, c.numericSeverity);
    }
    u.closes.sort(
      (a, b) => b.numericSeverity - a.numericSeverity || compareStrings(a.vulnerabilityId, b.vulnerabilityId),
    );
    const kernel = u.packages.some((p) => isKernelPackage(p.name, u.source));
    if (pm) {
      const unique = names.map((n) => {
        const same = u.packages.filter((p) => p.name === n);
        return same.reduce((best, p) =>
          compareVersionsSafe(pm.format, p.targetVersion, best.targetVersion) > 0 ? p : best,
        );
      });
      u.command = upgradeCommand(pm.manager, unique, kernel);
    } else u.notes.push(`package manager of ${ecosystem ?? 'this host'} not known: upgrade by hand`);
    if (kernel && pm?.manager === 'apt')
      u.notes.push(
        `the fixed kernel (${u.packages[0]?.targetVersion} or later) is a new package: make sure the kernel meta-package (linux-image-<flavour>) is installed`,
      );
    if (u.closes.some((c) => (sourcesPerFinding.get(c.findingId) ?? 0) > 1))
      u.notes.push('some findings it closes also need another upgrade of this plan');
    const reboot = rebootReason(u.source, names);
    if (reboot) u.reboot = reboot;
    u.restarts = reboot ? [] : restartsFor(instance, new Set(names));
    upgrades.push(u);
  }
  upgrades.sort(
    (a, b) =>
      b.exposureRank - a.exposureRank ||
      b.kevCount - a.kevCount ||
      (b.maxEpss ?? -1) - (a.maxEpss ?? -1) ||
      b.maxNumericSeverity - a.maxNumericSeverity ||
      b.closes.length - a.closes.length ||
      compareStrings(a.source, b.source),
  );
  open.sort(
    (a, b) => b.numericSeverity - a.numericSeverity || compareStrings(a.vulnerabilityId, b.vulnerabilityId),
  );
  const reasons = [...new Set(upgrades.flatMap((u) => (u.reboot ? [`${u.source}: ${u.reboot}`] : [])))];
  const restarts = new Map<number, ServiceRestart>();
  for (const u of upgrades)
    for (const r of u.restarts) {
      const have = restarts.get(r.pid);
      if (have) have.packages = [...new Set([...have.packages, ...r.packages])].sort();
      else restarts.set(r.pid, { ...r, packages: [...r.packages] });
    }
  const plan: HostFixPlan = {
    instanceId,
    upgrades,
    open,
    reboot: { needed: reasons.length > 0, reasons },
    restarts: [...restarts.values()].sort((a, b) => compareStrings(a.comm, b.comm) || a.pid - b.pid),
    runtimeTelemetry: !!instance?.listeners,
    cveFindings: cve.length,
    closable: cve.length - open.length,
  };
  const hostname = instance?.hostname ?? cve[0]?.hostname;
  if (hostname) plan.hostname = hostname;
  if (ecosystem) plan.ecosystem = ecosystem;
  if (pm) plan.manager = pm.manager;
  return plan;
}

/** A fix plan for every instance with CVE findings (or only `instanceId`). */
export function buildFixPlans(
  findings: readonly Finding[],
  instances: readonly InstanceSummary[],
  instanceId?: string,
): HostFixPlan[] {
  const ids = [...new Set(findings.filter((f) => f.vulnerability).map((f) => f.instanceId))]
    .filter((id) => instanceId === undefined || id === instanceId)
    .sort(compareStrings);
  const byId = new Map(instances.map((i) => [i.instanceId, i]));
  return ids.map((id) => buildHostFixPlan(id, findings, byId.get(id)));
}
