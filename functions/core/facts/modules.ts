/**
 * Kernel modules: modprobe.d configuration read the way kmod does (a file name in a higher-precedence
 * directory hides the same name in lower ones; all files then in name order), loaded modules
 * (/proc/modules, live hosts only) and which module files exist per kernel release.
 */
import {
  installCommandDisables,
  type ModprobeDirective,
  normalizeModuleName,
  parseModprobeConf,
} from '../../parsers/modprobe';
import { type Fact, type Facts, fact, noFact } from './facts';
import { directoryTexts, notLiveHost } from './host-config';

/** kmod's configuration directories, highest precedence first. */
export const MODPROBE_DIRECTORIES = [
  '/etc/modprobe.d',
  '/run/modprobe.d',
  '/usr/local/lib/modprobe.d',
  '/usr/lib/modprobe.d',
  '/lib/modprobe.d',
] as const;
export const PROC_MODULES_PATH = '/proc/modules';

export interface ModprobeDirectiveAt extends ModprobeDirective {
  file: string;
}

export interface ModprobeConfig {
  /** Files read, in kmod's order. */
  files: string[];
  /** Files hidden by a same-named file in a higher-precedence directory. */
  hidden: Array<{ path: string; by: string }>;
  directives: ModprobeDirectiveAt[];
  problems: string[];
}

export function modprobeConfig(facts: Facts): Fact<ModprobeConfig> {
  return facts.memo('modprobe-config', () => {
    const winners = new Map<string, { path: string; text: string }>();
    const hidden: Array<{ path: string; by: string }> = [];
    for (const dir of MODPROBE_DIRECTORIES) {
      const files = directoryTexts(facts, dir, '.conf');
      if (!files.ok) return noFact(files.reason);
      for (const f of files.value) {
        const base = f.path.slice(dir.length + 1);
        const by = winners.get(base);
        if (by) hidden.push({ path: f.path, by: by.path });
        else winners.set(base, f);
      }
    }
    const ordered = [...winners.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f);
    const out: ModprobeConfig = { files: [], hidden, directives: [], problems: [] };
    for (const f of ordered) {
      out.files.push(f.path);
      const p = parseModprobeConf(f.text);
      for (const d of p.directives) out.directives.push({ ...d, file: f.path });
      for (const e of p.errors) out.problems.push(`${f.path} line ${e.line}: ${e.message}`);
    }
    return fact(out);
  });
}

export interface ModuleLoadConfig {
  module: string;
  /** The `install` line that applies (modprobe uses the first one it reads) and whether it disables loading. */
  install?: ModprobeDirectiveAt & { disables: boolean };
  /** `blacklist` lines for the module (they stop loading by alias, not an explicit modprobe). */
  blacklist: ModprobeDirectiveAt[];
}

/** How modprobe.d treats a module (names compare with `-` and `_` as one). */
export function moduleLoadConfig(facts: Facts, module: string): Fact<ModuleLoadConfig> {
  const c = modprobeConfig(facts);
  if (!c.ok) return c;
  const name = normalizeModuleName(module);
  const mine = c.value.directives.filter((d) => d.module === name);
  const install = mine.find((d) => d.kind === 'install');
  return fact({
    module: name,
    ...(install ? { install: { ...install, disables: installCommandDisables(install.args) } } : {}),
    blacklist: mine.filter((d) => d.kind === 'blacklist'),
  });
}

/** Loaded modules (normalized names); "could not be established" on a root that is not a running system. */
export function loadedModules(facts: Facts): Fact<Set<string>> {
  return facts.memo('modules-loaded', () => {
    const rec = facts.file(PROC_MODULES_PATH);
    if (!rec) return noFact(`${PROC_MODULES_PATH} was not collected by the agent`);
    if (rec.status === 'missing')
      return noFact(
        rec.reason === 'not-live-host'
          ? notLiveHost(rec.detail)
          : `${PROC_MODULES_PATH}: ${rec.reason} (${rec.detail})`,
      );
    const t = facts.text(PROC_MODULES_PATH);
    if (!t.ok) return t;
    const names = new Set<string>();
    for (const line of t.value.text.split('\n')) {
      const n = line.split(' ')[0];
      if (n) names.add(normalizeModuleName(n));
    }
    return fact(names);
  });
}

export interface ModuleFiles {
  release: string;
  running: boolean;
  files: string[];
  builtin: boolean;
}

/**
 * Files of a CIS-watched module per kernel release (an empty `files` and `builtin: false` when there are
 * none). "Could not be established" when /lib/modules was not read or the module is not one the agent
 * looks for.
 */
export function moduleFiles(facts: Facts, module: string): Fact<ModuleFiles[]> {
  const km = facts.telemetry.kernelModules;
  if (!km) return noFact('kernel module files were not collected (an agent before module presence)');
  if (km.status === 'missing') return noFact(`/lib/modules: ${km.reason} (${km.detail})`);
  const wanted = km.wanted.find((w) => normalizeModuleName(w) === normalizeModuleName(module));
  if (!wanted) return noFact(`the agent does not look for module ${module}`);
  const out: ModuleFiles[] = [];
  for (const r of km.releases) {
    if (r.index.status === 'missing')
      return noFact(`/lib/modules/${r.release}: ${r.index.reason} (${r.index.detail})`);
    const m = r.modules[wanted];
    out.push({ release: r.release, running: r.running, files: m?.files ?? [], builtin: m?.builtin ?? false });
  }
  return fact(out);
}
