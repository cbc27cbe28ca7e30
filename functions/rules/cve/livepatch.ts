/**
 * Amazon Linux kernel live patches. A live patch package is built for one kernel (kernel-livepatch-5.10.102-99.473
 * patches 5.10.102-99.473.amzn2.x86_64) and its advisories (ALAS2LIVEPATCH-…, ALAS2023LIVEPATCH-…) name the CVEs
 * its versions fix. A CVE of the running kernel is fixed by live patch when three things hold:
 *
 * 1. the live patch package of the running kernel is installed (only that kernel's counts: see
 *    runningKernelPackages),
 * 2. its installed version is at or above the fixed version of a live patch advisory naming the CVE,
 * 3. the patch is loaded: /sys/kernel/livepatch holds an enabled patch module named for the CVE (Amazon Linux
 *    names its modules so: `livepatch_CVE_2019_20096`). Installed but not loaded (kpatch.service not running,
 *    patch disabled) does not protect the running kernel, and the finding stays, saying so.
 *
 * Pure: facts and the index in, verdicts out.
 */
import type { Facts } from '../../core/facts/facts';
import { type InstalledPackage, type Inventory, livepatchKernel } from '../../core/facts/packages';
import type { Evidence, RuleResult } from '../../core/model';
import type { ReleaseIndex } from '../../feeds/index-format';
import { livepatchModuleCve, parseLivepatchEnabled } from '../../parsers/livepatch-sysfs';
import type { Compare, MatchedPackage, Vulnerability } from './match';

export const LIVEPATCH_SYSFS = '/sys/kernel/livepatch';
const ENABLED_FILE = /^\/sys\/kernel\/livepatch\/([^/]+)\/enabled$/;

export interface LoadedLivepatches {
  /** The agent looked at /sys/kernel/livepatch (it may not exist: no patch loaded, or no live patching). */
  collected: boolean;
  /** Enabled patch modules named for a CVE: CVE id → module name. */
  enabledByCve: ReadonlyMap<string, string>;
  /** Every patch module the agent saw, with its state (true enabled, false disabled, undefined unreadable). */
  modules: ReadonlyArray<{ name: string; enabled: boolean | undefined }>;
}

export function loadedLivepatches(facts: Facts): LoadedLivepatches {
  return facts.memo('cve.livepatches', () => {
    const collected = facts.pathStat(LIVEPATCH_SYSFS) !== undefined;
    const enabledByCve = new Map<string, string>();
    const modules: Array<{ name: string; enabled: boolean | undefined }> = [];
    for (const path of Object.keys(facts.telemetry.files).sort()) {
      const name = ENABLED_FILE.exec(path)?.[1];
      if (!name) continue;
      const t = facts.text(path);
      const enabled = t.ok ? parseLivepatchEnabled(t.value.text) : undefined;
      modules.push({ name, enabled });
      const cve = livepatchModuleCve(name);
      if (cve && enabled === true) enabledByCve.set(cve, name);
    }
    return { collected, enabledByCve, modules };
  });
}

export interface LivepatchCoverage {
  /** The running kernel's live patch package. */
  pkg: InstalledPackage;
  advisoryId: string;
  fixedVersion: string;
  /** The enabled patch module named for the CVE; undefined when none is loaded. */
  module?: string;
}

/** The installed live patch packages of the running kernel. */
export function runningLivepatches(inv: Inventory): InstalledPackage[] {
  return (inv.runningKernel?.packages ?? []).filter((p) => livepatchKernel(p.name) !== undefined);
}

/** Does an installed live patch of the running kernel carry the fix for vulnerability `id`, and is it loaded? */
export function livepatchCoverage(
  id: string,
  livepatches: readonly InstalledPackage[],
  rel: ReleaseIndex,
  compare: Compare,
  loaded: LoadedLivepatches,
): LivepatchCoverage | undefined {
  let best: LivepatchCoverage | undefined;
  for (const pkg of livepatches) {
    for (const { advisory, pkg: entry } of rel.lookup(pkg.name)) {
      if (!advisory.cves.includes(id)) continue;
      for (const range of entry.ranges)
        for (const e of range) {
          if (e.kind !== 'fixed') continue;
          let atOrAbove: boolean;
          try {
            atOrAbove = compare(pkg.version, e.version) >= 0;
          } catch {
            continue;
          }
          if (!atOrAbove) continue;
          const c: LivepatchCoverage = { pkg, advisoryId: advisory.id, fixedVersion: e.version };
          const module = loaded.enabledByCve.get(id);
          if (module) c.module = module;
          if (!best || (c.module && !best.module)) best = c;
        }
    }
  }
  return best;
}

/** Packages of a vulnerability a loaded live patch fixes: the running kernel's image packages. */
const patchedByLivepatch = (p: MatchedPackage) => p.kernel && livepatchKernel(p.pkg.name) === undefined;

export interface LivepatchSplit {
  /** Vulnerabilities still to report (kernel packages a loaded live patch fixes removed). */
  remaining: Vulnerability[];
  /** Vulnerabilities a loaded live patch fixes entirely. */
  fixed: Array<{ vulnerability: Vulnerability; coverage: LivepatchCoverage }>;
  /** Coverage of the vulnerabilities reported anyway (patch not loaded, or other packages affected too). */
  notes: Map<string, LivepatchCoverage>;
}

export function splitLivepatched(
  vulns: readonly Vulnerability[],
  livepatches: readonly InstalledPackage[],
  rel: ReleaseIndex,
  compare: Compare,
  loaded: LoadedLivepatches,
): LivepatchSplit {
  const out: LivepatchSplit = { remaining: [], fixed: [], notes: new Map() };
  for (const v of vulns) {
    const kernelPkgs = v.packages.filter(patchedByLivepatch);
    const coverage = kernelPkgs.length
      ? livepatchCoverage(v.id, livepatches, rel, compare, loaded)
      : undefined;
    if (!coverage) {
      out.remaining.push(v);
      continue;
    }
    if (!coverage.module) {
      out.notes.set(v.id, coverage);
      out.remaining.push(v);
      continue;
    }
    const others = v.packages.filter((p) => !patchedByLivepatch(p));
    if (others.length === 0) {
      out.fixed.push({ vulnerability: v, coverage });
      continue;
    }
    out.notes.set(v.id, coverage);
    out.remaining.push({ ...v, packages: others });
  }
  return out;
}

/** Evidence of a live patch: the package (rpm -qa), the advisory's fix, and the loaded module (sysfs). */
export function livepatchEvidence(c: LivepatchCoverage, cve: string): Evidence[] {
  const e: Evidence[] = [
    {
      source: 'rpm -qa',
      key: c.pkg.arch ? `${c.pkg.name}:${c.pkg.arch}` : c.pkg.name,
      value: c.pkg.version,
      note: `live patch for the running kernel; ${c.advisoryId} fixes ${cve} in ${c.fixedVersion}`,
    },
  ];
  e.push(
    c.module
      ? {
          source: `${LIVEPATCH_SYSFS}/${c.module}/enabled`,
          key: c.module,
          value: '1',
          note: 'patch module loaded and enabled',
        }
      : {
          source: LIVEPATCH_SYSFS,
          key: `livepatch_${cve.replace(/-/g, '_')}`,
          value: '(not loaded)',
          note: 'no enabled live patch module named for this CVE',
        },
  );
  return e;
}

/** The result of a vulnerability a loaded live patch fixes: not vulnerable, with the patch as evidence. */
export function livepatchedResult(
  v: Vulnerability,
  c: LivepatchCoverage,
  base: { rulesPackage: string; instanceId: string },
  severity: RuleResult['severity'],
): RuleResult {
  const kernels = v.packages.map((p) => `${p.pkg.name} ${p.pkg.version}`).join(', ');
  return {
    rulesPackage: base.rulesPackage,
    instanceId: base.instanceId,
    ruleId: `cve.${v.id}`,
    result: 'PASS',
    severity,
    title: `${v.id} in the running kernel: fixed by live patch`,
    message: `fixed by live patch: ${c.pkg.name} ${c.pkg.version} (${c.advisoryId}, fixed in ${c.fixedVersion}) is installed for the running kernel (${kernels}) and ${c.module} is enabled`,
    evidence: [
      ...v.packages.map((p) => ({
        source: 'rpm -qa',
        key: p.pkg.arch ? `${p.pkg.name}:${p.pkg.arch}` : p.pkg.name,
        value: p.pkg.version,
        note: `running kernel; ${p.fixedVersion ? `kernel fixed in ${p.fixedVersion}` : 'no fixed kernel yet'}`,
      })),
      ...livepatchEvidence(c, v.id),
    ],
  };
}

/** A reported vulnerability with a live patch that does not (yet) protect the running kernel, or only it. */
export function annotateLivepatch(r: RuleResult, c: LivepatchCoverage, cve: string): RuleResult {
  const text = c.module
    ? ` The running kernel is fixed by live patch ${c.pkg.name} ${c.pkg.version} (${c.advisoryId}, ${c.module} enabled); the other packages listed are not.`
    : ` ${c.pkg.name} ${c.pkg.version} carries the live patch for this CVE (${c.advisoryId}, fixed in ${c.fixedVersion}), but no enabled live patch module named for it was found under ${LIVEPATCH_SYSFS}: check \`kpatch list\` and the kpatch service, or reboot into a fixed kernel.`;
  r.evidence.push(...livepatchEvidence(c, cve));
  if (r.finding) r.finding.description = `${r.finding.description ?? ''}${text}`;
  return r;
}
