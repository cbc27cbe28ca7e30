/**
 * Matching an inventory against one release's index, with the distribution's own version rules.
 *
 * - The name and version compared are the ones the data is keyed by: the SOURCE package and source version
 *   for Debian, Ubuntu and Alpine (so a binNMU binary `bash 5.2.15-2+b8` is judged as source bash 5.2.15-2);
 *   the BINARY name and version for rpm families (+ architecture for Amazon updateinfo entries).
 * - OSV range semantics: events sorted by version; `introduced` opens, `fixed` closes (the fixed version
 *   itself is not affected), `last_affected` closes after itself; an open range means no fix yet.
 * - Kernel: packages built from the kernel source are matched only when they belong to the running kernel;
 *   headers, linux-libc-dev and kernels installed but not running are left out (never reported as kernel
 *   vulnerabilities). Without a known running kernel no kernel package is matched, and the caller says so.
 * - RHEL-family module streams: an advisory entry for a module stream is judged only against packages built for
 *   that stream (rpm's modularity label), and packages of no module only against entries of no module; a
 *   module build is told by its `.module+el…` release when the record or the agent names no stream.
 * - Ubuntu Pro: the release's `pro-<release>` index (Ubuntu:Pro:<release> records) is matched too. Ubuntu files
 *   every entry of a release past standard support there, including fixes shipped in the public archive while
 *   the release was supported (UBUNTU-CVE-2014-9913: unzip 6.0-9ubuntu1.6 on 14.04): only a fix that is an ESM
 *   build (`+esm1`, `~esm2`) is marked as coming from Ubuntu Pro, for the caller to say whether the host can
 *   install it; any other is a public fix. A Pro entry whose fix the installed version has (at or above it, not
 *   affected) clears the same vulnerability's public match for that package (a public entry without a fix
 *   does not make an installed ESM build vulnerable).
 */
import type { InstalledPackage, Inventory } from '../../core/facts/packages';
import { MODULE_RELEASE } from '../../feeds/ecosystems';
import type { AdvisoryMeta, PackageAdvisory, ReleaseIndex } from '../../feeds/index-format';
import type { AffectedPackage, FixState, ProService, RangeEvent } from '../../feeds/model';
import { INSTALLED_STATES } from '../../parsers/dpkg-status';

export type Compare = (a: string, b: string) => number;

export interface MatchedPackage {
  pkg: InstalledPackage;
  fixedVersion?: string;
  fixState: FixState;
  kernel: boolean;
  /**
   * The fixed version is published in Ubuntu Pro only: an Ubuntu:Pro:<release> record's fix that is an ESM build
   * (isEsmBuild), not in the public archive.
   */
  fromPro?: boolean;
  /** Which Pro archive has it, when the record says. */
  proService?: ProService;
}

export interface Vulnerability {
  /** CVE id, or the advisory id when the advisory names no CVE. */
  id: string;
  advisories: AdvisoryMeta[];
  packages: MatchedPackage[];
}

export interface MatchOutcome {
  vulnerabilities: Vulnerability[];
  /** Feed entries or installed versions that could not be compared (with why). */
  problems: string[];
  /** Kernel packages left out because they are not the running kernel's (or it is unknown). */
  kernelSkipped: InstalledPackage[];
  /** Packages looked up. */
  scanned: number;
}

export interface MatchOptions {
  compare: Compare;
  isKernelPackage: (pkg: InstalledPackage) => boolean;
  /** Ubuntu: the release's Ubuntu Pro index (`pro-<release>`), matched alongside the public one. */
  pro?: ReleaseIndex;
}

/**
 * Is the package installed (dpkg keeps removed packages' config files: "deinstall ok config-files")? The
 * state word (the last one) decides, with the inventory's rule: files in place, triggers possibly pending.
 */
export function isInstalled(pkg: InstalledPackage): boolean {
  if (!pkg.status) return true;
  return INSTALLED_STATES.has(pkg.status.trim().split(/\s+/).at(-1)!);
}

const pkgKey = (p: InstalledPackage) => `${p.name}\u0000${p.arch ?? ''}\u0000${p.version}`;

type Verdict = { affected: false } | { affected: true; fixedVersion?: string };
const NOT_AFFECTED: Verdict = Object.freeze({ affected: false });

/** Verdict of one entry for one version: affected or not, and the fix when affected. */
export function judge(version: string, entry: AffectedPackage, compare: Compare): Verdict {
  if (entry.versions.includes(version)) {
    return { affected: true };
  }
  let verdict = NOT_AFFECTED;
  for (const range of entry.ranges) {
    const r = judgeRange(version, range, compare);
    if (!r.affected) continue;
    // Affected in several ranges (rare): keep the highest fix; no fix anywhere wins over a fix.
    if (!verdict.affected) verdict = r;
    else if (verdict.fixedVersion && (!r.fixedVersion || compare(r.fixedVersion, verdict.fixedVersion) > 0))
      verdict = r;
  }
  return verdict;
}

const isZero = (e: RangeEvent) => e.kind === 'introduced' && e.version === '0';

function sortEvents(events: readonly RangeEvent[], compare: Compare): readonly RangeEvent[] {
  // The common [introduced 0, fixed X] needs no comparison (nor a copy: the events are only read).
  if (events.length <= 2 && (events.length < 2 || isZero(events[0]!))) return events;
  return [...events].sort((a, b) => {
    if (isZero(a)) return isZero(b) ? 0 : -1;
    if (isZero(b)) return 1;
    return compare(a.version, b.version);
  });
}

function judgeRange(version: string, events: readonly RangeEvent[], compare: Compare): Verdict {
  const sorted = sortEvents(events, compare);
  let affected = false;
  let i = 0;
  for (; i < sorted.length; i++) {
    const e = sorted[i]!;
    if (e.kind === 'introduced') {
      if (isZero(e) || compare(version, e.version) >= 0) affected = true;
      else break;
    } else if (e.kind === 'fixed' || e.kind === 'limit') {
      if (compare(version, e.version) >= 0) affected = false;
      else break;
    } else if (compare(version, e.version) > 0) {
      affected = false;
    } else {
      break;
    }
  }
  if (!affected) return NOT_AFFECTED;
  // The next event above the version closes the interval: a `fixed` is the fix; anything else is no fix.
  const next = sorted[i];
  return next?.kind === 'fixed' ? { affected: true, fixedVersion: next.version } : { affected: true };
}

/**
 * Signed kernel images come from a wrapper source whose advisories are filed under the kernel source:
 * Debian linux-signed-amd64 (binary version = linux's version) → linux; Ubuntu linux-signed → linux,
 * linux-signed-hwe-6.5 → linux-hwe-6.5. The binary version is the kernel source's version.
 */
export function signedKernelSource(sourceName: string): string | undefined {
  const m = /^linux-signed(?:-(.+))?$/.exec(sourceName);
  if (!m) return undefined;
  const rest = m[1];
  if (!rest || /^(amd64|arm64|i386|armhf|ppc64el|s390x)$/.test(rest)) return 'linux';
  return `linux-${rest}`;
}

function streamOf(version: string): string {
  return version.replace(/^\d+:/, '');
}

/**
 * The module an installed rpm belongs to: its `name:stream`; false for no module; undefined for a module
 * build whose stream is unknown (telemetry without modularity labels).
 */
export function installedModule(pkg: InstalledPackage): string | false | undefined {
  if (pkg.module !== undefined) return pkg.module === '' ? false : pkg.module;
  return MODULE_RELEASE.test(pkg.version) ? undefined : false;
}

/**
 * The modules an advisory entry is for: its streams ([] = a module build of an unnamed stream); false for
 * builds of no module; undefined when nothing tells (no fixed or listed version to look at).
 */
export function entryModules(entry: AffectedPackage): readonly string[] | false | undefined {
  if (entry.modules) return entry.modules;
  let seen = false;
  for (const range of entry.ranges)
    for (const e of range) {
      if (e.kind === 'introduced' && e.version === '0') continue;
      if (MODULE_RELEASE.test(e.version)) return [];
      seen = true;
    }
  for (const v of entry.versions) {
    if (MODULE_RELEASE.test(v)) return [];
    seen = true;
  }
  return seen ? false : undefined;
}

/** Does an entry apply to an installed rpm, module-wise? Stream against stream; no module against no module. */
export function moduleApplies(installed: string | false | undefined, entry: AffectedPackage): boolean {
  const mods = entryModules(entry);
  if (mods === undefined) return true;
  if (installed === false) return mods === false;
  if (mods === false) return false;
  return installed === undefined || mods.length === 0 || mods.includes(installed);
}

const NO_HITS: readonly PackageAdvisory[] = [];

/**
 * Ubuntu's ESM builds, published only in the Pro archives, carry `+esm<n>` or `~esm<n>` in their version
 * (1.12.0-1~ubuntu16.04.3+esm1, 1:4.1.48-4+deb11u2ubuntu0.1~esm1, 2.23-0ubuntu11.3+esm9,
 * 1:3.2.6.Final-2+deb8u2build0.14.04.1~esm1).
 */
const ESM_BUILD = /[+~]esm\d/;
export function isEsmBuild(version: string): boolean {
  return ESM_BUILD.test(version);
}

/** Does the entry apply to this installed package at all (architecture, version stream, module stream)? */
function entryApplies(
  pkg: InstalledPackage,
  entry: AffectedPackage,
  version: string,
  rpmModule: string | false | undefined,
): boolean {
  if (
    entry.arches.length &&
    pkg.arch &&
    !entry.arches.includes(pkg.arch) &&
    !entry.arches.includes('noarch') &&
    pkg.arch !== 'noarch'
  )
    return false;
  if (entry.stream) {
    const v = streamOf(version);
    if (v !== entry.stream && !v.startsWith(`${entry.stream}.`)) return false;
  }
  return !(pkg.manager === 'rpm' && !moduleApplies(rpmModule, entry));
}

/**
 * The vulnerability ids whose Pro entry says this version is fixed (at or above one of its fixes and not
 * affected): their public matches for the package are not reported.
 */
function fixedByPro(
  version: string,
  pkg: InstalledPackage,
  proHits: readonly PackageAdvisory[],
  compare: Compare,
  rpmModule: string | false | undefined,
): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (const { advisory, pkg: entry } of proHits) {
    if (!entryApplies(pkg, entry, version, rpmModule)) continue;
    try {
      if (judge(version, entry, compare).affected) continue;
      const reached = entry.ranges.some((r) =>
        r.some((e) => e.kind === 'fixed' && compare(version, e.version) >= 0),
      );
      if (!reached) continue;
    } catch {
      continue; // reported by the main loop
    }
    out ??= new Set();
    for (const id of advisory.cves.length ? advisory.cves : [advisory.id]) out.add(id);
  }
  return out;
}

function setPro(m: MatchedPackage, entry: AffectedPackage): void {
  m.fromPro = true;
  if (entry.proService) m.proService = entry.proService;
  else delete m.proService;
}

export function matchInventory(inv: Inventory, rel: ReleaseIndex, opts: MatchOptions): MatchOutcome {
  const { compare } = opts;
  const running = new Set((inv.runningKernel?.packages ?? []).map(pkgKey));
  const problems: string[] = [];
  const kernelSkipped: InstalledPackage[] = [];
  const vulns = new Map<
    string,
    { advisories: Map<string, AdvisoryMeta>; packages: Map<string, MatchedPackage> }
  >();
  let scanned = 0;
  const bySource = rel.keyBy === 'source';

  for (const pkg of inv.packages) {
    if (!isInstalled(pkg)) continue;
    const kernel = opts.isKernelPackage(pkg);
    if (kernel && !running.has(pkgKey(pkg))) {
      kernelSkipped.push(pkg);
      continue;
    }
    scanned++;
    let k: string | undefined; // pkgKey(pkg), made on the first match
    const lookups: Array<[string, string]> = bySource
      ? [[pkg.sourceName || pkg.name, pkg.sourceVersion || pkg.version]]
      : [[pkg.name, pkg.version]];
    const signed = bySource ? signedKernelSource(pkg.sourceName) : undefined;
    if (signed) lookups.push([signed, pkg.version]);
    const rpmModule = pkg.manager === 'rpm' ? installedModule(pkg) : undefined;
    for (const [name, version] of lookups) {
      const publicHits = rel.lookup(name);
      const proHits = opts.pro ? opts.pro.lookup(name) : NO_HITS;
      const hits = proHits.length ? [...publicHits, ...proHits] : publicHits;
      const proFixed =
        proHits.length && publicHits.length
          ? fixedByPro(version, pkg, proHits, compare, rpmModule)
          : undefined;
      for (let h = 0; h < hits.length; h++) {
        const { advisory, pkg: entry } = hits[h]!;
        const proEntry = h >= publicHits.length;
        if (!entryApplies(pkg, entry, version, rpmModule)) continue;
        let verdict: Verdict;
        try {
          verdict = judge(version, entry, compare);
        } catch (err) {
          problems.push(`${advisory.id} ${name}: ${(err as Error).message}`);
          continue;
        }
        if (!verdict.affected) continue;
        // A fix from a Pro record is Pro-only when it is an ESM build; otherwise it shipped in the public archive.
        const fromPro = proEntry && !!verdict.fixedVersion && isEsmBuild(verdict.fixedVersion);
        const fixState: FixState = verdict.fixedVersion ? 'fixed' : entry.wontFix ? 'wont-fix' : 'not-fixed';
        for (const id of advisory.cves.length ? advisory.cves : [advisory.id]) {
          if (!proEntry && proFixed?.has(id)) continue;
          let v = vulns.get(id);
          if (!v) {
            v = { advisories: new Map(), packages: new Map() };
            vulns.set(id, v);
          }
          v.advisories.set(advisory.id, advisory);
          k ??= pkgKey(pkg);
          const prev = v.packages.get(k);
          if (!prev) {
            const m: MatchedPackage = { pkg, fixState, kernel };
            if (verdict.fixedVersion) m.fixedVersion = verdict.fixedVersion;
            if (fromPro) setPro(m, entry);
            v.packages.set(k, m);
            continue;
          }
          // Several advisories for one package: the highest fix is the one that fixes them all.
          if (
            verdict.fixedVersion &&
            (!prev.fixedVersion || compare(verdict.fixedVersion, prev.fixedVersion) > 0)
          ) {
            prev.fixedVersion = verdict.fixedVersion;
            prev.fixState = 'fixed';
            if (fromPro) setPro(prev, entry);
            else {
              delete prev.fromPro;
              delete prev.proService;
            }
          } else if (fixState === 'not-fixed' && prev.fixState === 'wont-fix') {
            // No fix from either: one advisory still expects a fix, so "will not fix" is not the last word
            // (whatever order the advisory ids sort in).
            prev.fixState = 'not-fixed';
          }
        }
      }
    }
  }

  const vulnerabilities: Vulnerability[] = [...vulns].map(([id, v]) => ({
    id,
    advisories: [...v.advisories.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    // By package key (the map's keys: no key is made again per comparison).
    packages: [...v.packages].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p),
  }));
  return { vulnerabilities, problems, kernelSkipped, scanned };
}
