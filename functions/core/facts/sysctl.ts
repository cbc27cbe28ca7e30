/**
 * Kernel parameters as configured (sysctl.d files in systemd's order, last assignment wins; a later file's
 * override of an earlier one is legitimate) and as running (/proc/sys, in kernelParameters).
 */
import {
  normalizeSysctlKey,
  parseSysctlConf,
  SYSCTL_CONF,
  SYSCTL_DIRECTORIES,
  type SysctlAssignment,
  sysctlFileOrder,
} from '../../parsers/sysctl-conf';
import { type Fact, type Facts, fact, noFact } from './facts';
import { directoryTexts, isLiveHost, optionalText } from './host-config';

export interface SysctlAssignmentAt extends SysctlAssignment {
  file: string;
}

export interface PersistentSysctl {
  /** Files applied, in order. */
  files: string[];
  /** Files hidden by a same-named file in a higher-precedence directory. */
  masked: Array<{ path: string; by: string }>;
  /** Every assignment in application order. */
  assignments: SysctlAssignmentAt[];
  /** The assignment that wins per key (the last one applied). */
  effective: Map<string, SysctlAssignmentAt>;
  problems: string[];
}

export function persistentSysctl(facts: Facts): Fact<PersistentSysctl> {
  return facts.memo('sysctl-persistent', () => {
    const texts = new Map<string, string>();
    const existing: Array<{ path: string; resolvedPath?: string }> = [];
    for (const dir of SYSCTL_DIRECTORIES) {
      const files = directoryTexts(facts, dir, '.conf');
      if (!files.ok) return noFact(files.reason);
      for (const f of files.value) {
        texts.set(f.path, f.text);
        existing.push({ path: f.path, ...(f.resolvedPath ? { resolvedPath: f.resolvedPath } : {}) });
      }
    }
    const conf = optionalText(facts, SYSCTL_CONF);
    if (!conf.ok) return conf;
    if (conf.value) {
      texts.set(SYSCTL_CONF, conf.value.text);
      existing.push({ path: SYSCTL_CONF });
    }
    const { order, masked } = sysctlFileOrder(existing);
    const out: PersistentSysctl = {
      files: order,
      masked,
      assignments: [],
      effective: new Map(),
      problems: [],
    };
    for (const p of order) {
      const parsed = parseSysctlConf(texts.get(p) ?? '');
      for (const a of parsed.assignments) {
        const at = { ...a, file: p };
        out.assignments.push(at);
        out.effective.set(a.key, at);
      }
      for (const e of parsed.errors) out.problems.push(`${p} line ${e.line}: ${e.message}`);
    }
    return fact(out);
  });
}

export interface SysctlSetting {
  key: string;
  /** The running value; on a root that is not a running system, why there is none. */
  runtime: Fact<string>;
  /** The persistent value that wins (undefined when no file sets the key), or why it is unknown. */
  persistent: Fact<SysctlAssignmentAt | undefined>;
  /** Earlier assignments of the key that a later one overrides. */
  overridden: SysctlAssignmentAt[];
}

export function sysctlSetting(facts: Facts, key: string): SysctlSetting {
  const k = normalizeSysctlKey(key);
  const rt = facts.kernelParameter(k);
  const runtime: Fact<string> =
    rt.ok || isLiveHost(facts)
      ? rt
      : noFact(`not a live host: the runtime value is not known (${rt.reason})`);
  const p = persistentSysctl(facts);
  if (!p.ok) return { key: k, runtime, persistent: p, overridden: [] };
  const all = p.value.assignments.filter((a) => a.key === k);
  return { key: k, runtime, persistent: fact(all.at(-1)), overridden: all.slice(0, -1) };
}
