/**
 * modprobe.d(5) files: `install MODULE COMMAND...`, `blacklist MODULE`, `options`, `alias`, `remove`,
 * `softdep`; `#` starts a comment line; a line ending in `\` continues on the next. Module names compare
 * with `-` and `_` as one (normalizeModuleName).
 */
export type ModprobeKind = 'install' | 'blacklist' | 'options' | 'alias' | 'remove' | 'softdep';

export interface ModprobeDirective {
  kind: ModprobeKind;
  /** Normalized (`-` → `_`). For `alias`, the alias's target module. */
  module: string;
  /** The rest of the line (the command of `install`, the options of `options`...). */
  args: string;
  line: number;
  text: string;
}

export interface ParsedModprobe {
  directives: ModprobeDirective[];
  errors: Array<{ line: number; message: string }>;
}

export const normalizeModuleName = (n: string): string => n.replace(/-/g, '_');

const KINDS = new Set<ModprobeKind>(['install', 'blacklist', 'options', 'alias', 'remove', 'softdep']);

export function parseModprobeConf(text: string): ParsedModprobe {
  const out: ParsedModprobe = { directives: [], errors: [] };
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const start = i;
    let t = all[i]!.trimEnd();
    while (t.endsWith('\\') && i + 1 < all.length) t = `${t.slice(0, -1)} ${all[++i]!.trimEnd()}`;
    t = t.trim();
    if (t === '' || t.startsWith('#')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(t)!;
    const kind = m[1]! as ModprobeKind;
    if (!KINDS.has(kind)) {
      out.errors.push({ line: start + 1, message: `unknown keyword ${m[1]}` });
      continue;
    }
    const rest = m[2]!.trim();
    if (kind === 'alias') {
      const a = rest.split(/\s+/);
      if (a.length < 2) {
        out.errors.push({ line: start + 1, message: 'alias needs a wildcard and a module' });
        continue;
      }
      out.directives.push({
        kind,
        module: normalizeModuleName(a[1]!),
        args: a[0]!,
        line: start + 1,
        text: t,
      });
      continue;
    }
    const a = /^(\S+)\s*(.*)$/.exec(rest);
    if (!a) {
      out.errors.push({ line: start + 1, message: `${kind} needs a module name` });
      continue;
    }
    out.directives.push({
      kind,
      module: normalizeModuleName(a[1]!),
      args: a[2]!.trim(),
      line: start + 1,
      text: t,
    });
  }
  return out;
}

/**
 * Whether an `install` command keeps the module from loading: it runs `true` or `false` (any path, e.g.
 * /bin/true, /usr/bin/false) and nothing that loads the module (no `modprobe`/`insmod` of it).
 */
export function installCommandDisables(command: string): boolean {
  const c = command.trim().replace(/;\s*$/, '').trim();
  return /^(?:\/(?:usr\/)?bin\/)?(?:true|false)$/.test(c);
}
