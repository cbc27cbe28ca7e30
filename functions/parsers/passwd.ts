/**
 * passwd(5) and group(5). Blank lines and `#` comments are skipped; NIS compat lines (`+`, `-`) are kept
 * apart, not as accounts; a line with the wrong number of fields or a non-numeric id is reported, not read.
 * The password field is as the agent recorded it (`x`, `*`, `!`, empty, or `<redacted>` where a hash stood).
 */
export interface PasswdEntry {
  name: string;
  password: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
  line: number;
}

export interface GroupEntry {
  name: string;
  password: string;
  gid: number;
  members: string[];
  line: number;
}

export interface Parsed<T> {
  entries: T[];
  /** NIS compat lines (`+name`, `-name`, `+`): not accounts of this file, but they pull accounts from NIS. */
  compat: Array<{ line: number; text: string }>;
  errors: Array<{ line: number; message: string }>;
}

const ID = /^\d{1,10}$/;

function lines<T>(text: string, fields: number, make: (f: string[], line: number) => T | string): Parsed<T> {
  const out: Parsed<T> = { entries: [], compat: [], errors: [] };
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const raw = all[i]!.replace(/\r$/, '');
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    if (raw.startsWith('+') || raw.startsWith('-')) {
      out.compat.push({ line: i + 1, text: raw });
      continue;
    }
    const f = raw.split(':');
    if (f.length !== fields) {
      out.errors.push({ line: i + 1, message: `expected ${fields} fields, found ${f.length}` });
      continue;
    }
    const r = make(f, i + 1);
    if (typeof r === 'string') out.errors.push({ line: i + 1, message: r });
    else out.entries.push(r);
  }
  return out;
}

export function parsePasswd(text: string): Parsed<PasswdEntry> {
  return lines(text, 7, (f, line) => {
    if (!f[0]) return 'empty user name';
    if (!ID.test(f[2]!) || !ID.test(f[3]!)) return `uid or gid is not a number (${f[2]}:${f[3]})`;
    return {
      name: f[0],
      password: f[1]!,
      uid: Number(f[2]),
      gid: Number(f[3]),
      gecos: f[4]!,
      home: f[5]!,
      shell: f[6]!,
      line,
    };
  });
}

export function parseGroup(text: string): Parsed<GroupEntry> {
  return lines(text, 4, (f, line) => {
    if (!f[0]) return 'empty group name';
    if (!ID.test(f[2]!)) return `gid is not a number (${f[2]})`;
    return {
      name: f[0],
      password: f[1]!,
      gid: Number(f[2]),
      members: f[3] ? f[3].split(',').filter(Boolean) : [],
      line,
    };
  });
}

/** Shells that do not give an interactive login (CIS: system accounts must have one of these). */
export const NOLOGIN_SHELLS = [
  '/usr/sbin/nologin',
  '/sbin/nologin',
  '/bin/false',
  '/usr/bin/false',
  '/bin/sync',
  '/usr/bin/sync',
  '/sbin/shutdown',
  '/usr/sbin/shutdown',
  '/sbin/halt',
  '/usr/sbin/halt',
] as const;
