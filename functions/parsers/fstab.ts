/**
 * fstab(5) and /proc/self/mounts (the same six fields): blank lines and `#` comments skipped, fields
 * separated by blanks, `\040` (and other octal escapes) decoded in the spec and mount point, options split
 * at commas. `freq` and `passno` are optional in fstab (0 when absent).
 */
export interface MountLine {
  spec: string;
  mountPoint: string;
  fsType: string;
  options: string[];
  freq: number;
  passno: number;
  line: number;
  text: string;
}

export interface ParsedMounts {
  entries: MountLine[];
  errors: Array<{ line: number; message: string }>;
}

const decodeOctal = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

export function parseFstab(text: string): ParsedMounts {
  const out: ParsedMounts = { entries: [], errors: [] };
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const t = all[i]!.trim();
    if (t === '' || t.startsWith('#')) continue;
    const f = t.split(/[ \t]+/);
    if (f.length < 3) {
      out.errors.push({ line: i + 1, message: `expected at least 3 fields, found ${f.length}` });
      continue;
    }
    const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : 0);
    out.entries.push({
      spec: decodeOctal(f[0]!),
      mountPoint: decodeOctal(f[1]!),
      fsType: f[2]!,
      options: (f[3] ?? 'defaults').split(',').filter(Boolean),
      freq: num(f[4]),
      passno: num(f[5]),
      line: i + 1,
      text: t,
    });
  }
  return out;
}

/** /proc/self/mounts: the same format; later lines mount over earlier ones at the same point. */
export const parseProcMounts = parseFstab;

/** The value of `name=value` options, or whether a flag option is present. */
export function mountOption(options: readonly string[], name: string): string | boolean {
  for (let i = options.length - 1; i >= 0; i--) {
    const o = options[i]!;
    if (o === name) return true;
    if (o.startsWith(`${name}=`)) return o.slice(name.length + 1);
  }
  return false;
}

/** Mount point → systemd mount unit name (systemd-escape --path --suffix=mount). */
export function mountUnitName(mountPoint: string): string {
  const trimmed = mountPoint.replace(/\/+/g, '/').replace(/^\/|\/$/g, '');
  if (trimmed === '') return '-.mount';
  const esc = trimmed
    .split('/')
    .map((seg) =>
      [...Buffer.from(seg, 'utf8')]
        .map((b, i) => {
          const c = String.fromCharCode(b);
          if (/[A-Za-z0-9:_]/.test(c) || (c === '.' && i > 0)) return c;
          return `\\x${b.toString(16).padStart(2, '0')}`;
        })
        .join(''),
    )
    .join('-');
  return `${esc}.mount`;
}

/** The [Mount] section of a systemd mount unit: What=, Where=, Type=, Options=. */
export function parseMountUnit(text: string): {
  what?: string;
  where?: string;
  type?: string;
  options: string[];
} {
  const out: { what?: string; where?: string; type?: string; options: string[] } = { options: [] };
  let section = '';
  for (const raw of text.split('\n')) {
    const t = raw.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(t);
    if (s) {
      section = s[1]!;
      continue;
    }
    if (section !== 'Mount') continue;
    const m = /^(\w+)\s*=\s*(.*)$/.exec(t);
    if (!m) continue;
    const [, key, value] = m;
    if (key === 'What') out.what = value!;
    else if (key === 'Where') out.where = value!;
    else if (key === 'Type') out.type = value!;
    else if (key === 'Options') out.options = value! === '' ? [] : value!.split(',').filter(Boolean);
  }
  return out;
}
