/**
 * sysctl.d(5) files: `key = value` (key with `.` or `/` separators, `/` read as `.`), `#` and `;` comment
 * lines, a leading `-` means a failure to set the key is ignored. The value is the rest of the line, blanks
 * around it dropped.
 */
export interface SysctlAssignment {
  key: string;
  value: string;
  /** `-key = value`: errors setting it are ignored by systemd-sysctl. */
  ignoreFailure: boolean;
  line: number;
  text: string;
}

export interface ParsedSysctl {
  assignments: SysctlAssignment[];
  errors: Array<{ line: number; message: string }>;
}

export const normalizeSysctlKey = (k: string): string => {
  const key = k.trim();
  // sysctl.d(5): a key whose first separator is `/` uses `/` throughout (dots are then part of names).
  const slash = key.indexOf('/');
  const dot = key.indexOf('.');
  if (slash >= 0 && (dot < 0 || slash < dot)) return key.replace(/^\/+/, '').split('/').join('.');
  return key;
};

export function parseSysctlConf(text: string): ParsedSysctl {
  const out: ParsedSysctl = { assignments: [], errors: [] };
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const t = all[i]!.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) continue;
    const eq = t.indexOf('=');
    if (eq < 0) {
      out.errors.push({ line: i + 1, message: 'no "=" in the line' });
      continue;
    }
    let key = t.slice(0, eq).trim();
    const ignoreFailure = key.startsWith('-');
    if (ignoreFailure) key = key.slice(1).trim();
    if (key === '') {
      out.errors.push({ line: i + 1, message: 'empty key' });
      continue;
    }
    out.assignments.push({
      key: normalizeSysctlKey(key),
      value: t.slice(eq + 1).trim(),
      ignoreFailure,
      line: i + 1,
      text: t,
    });
  }
  return out;
}

/** systemd-sysctl's directories, highest precedence first; /etc/sysctl.conf is read last (`sysctl --system`). */
export const SYSCTL_DIRECTORIES = [
  '/etc/sysctl.d',
  '/run/sysctl.d',
  '/usr/local/lib/sysctl.d',
  '/usr/lib/sysctl.d',
  '/lib/sysctl.d',
] as const;
export const SYSCTL_CONF = '/etc/sysctl.conf';

/**
 * The files applied, in order, from the paths that exist: per basename the file of the highest-precedence
 * directory wins (the others are masked), all winners sorted by basename, then /etc/sysctl.conf unless a
 * winner already is it (Debian's /etc/sysctl.d/99-sysctl.conf links to it).
 */
export function sysctlFileOrder(existing: ReadonlyArray<{ path: string; resolvedPath?: string }>): {
  order: string[];
  masked: Array<{ path: string; by: string }>;
} {
  const winners = new Map<string, string>();
  const masked: Array<{ path: string; by: string }> = [];
  for (const dir of SYSCTL_DIRECTORIES) {
    for (const f of existing) {
      if (!f.path.startsWith(`${dir}/`)) continue;
      const base = f.path.slice(dir.length + 1);
      if (base.includes('/') || !base.endsWith('.conf')) continue;
      const by = winners.get(base);
      if (by) masked.push({ path: f.path, by });
      else winners.set(base, f.path);
    }
  }
  const order = [...winners.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
  const conf = existing.find((f) => f.path === SYSCTL_CONF);
  const alreadyRead = existing.some((f) => order.includes(f.path) && f.resolvedPath === SYSCTL_CONF);
  if (conf && !alreadyRead) order.push(SYSCTL_CONF);
  return { order, masked };
}
