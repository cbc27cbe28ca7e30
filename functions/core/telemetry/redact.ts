/**
 * Redaction the agent applies on the host, before anything leaves it (issue 8): a telemetry document never
 * holds a password hash or a salt. Part of the telemetry contract (the agent imports it), and pure.
 *
 * - /etc/shadow, /etc/gshadow: each line becomes its name, the state of its password field (hash, locked,
 *   empty; the lock characters; the crypt(3) scheme) and its other fields (aging; gshadow's administrators
 *   and members). A line that is not a record is counted, never kept.
 * - /etc/passwd, /etc/group: a password field other than `x`, `*`, `!`, `!!` or empty (a hash kept there
 *   by a system without shadow files) is replaced by `<redacted>`.
 * - GRUB files: the argument after the user of `password_pbkdf2` and `password` becomes `<redacted>`.
 */
import type { GshadowEntry, PasswordField, ShadowEntry } from './schema';

/** The caps redaction keeps to (HOST_CONFIG_LIMITS in the agent). */
export interface RedactionLimits {
  maxAccountEntries: number;
  maxGroupMembers: number;
}

export const REDACTED = '<redacted>';

type Scheme = NonNullable<PasswordField['scheme']>;

/** crypt(3) prefixes (libxcrypt's list) → scheme. */
const PREFIXES: ReadonlyArray<[string, Scheme]> = [
  ['$6$', 'sha512'],
  ['$5$', 'sha256'],
  ['$y$', 'yescrypt'],
  ['$gy$', 'gost-yescrypt'],
  ['$7$', 'scrypt'],
  ['$2b$', 'bcrypt'],
  ['$2a$', 'bcrypt'],
  ['$2y$', 'bcrypt'],
  ['$2x$', 'bcrypt'],
  ['$1$', 'md5'],
  ['$md5', 'sunmd5'],
];

/** Classify a password field; returns only the lock characters and the scheme, never the hash. */
export function classifyPassword(field: string): PasswordField {
  const lockMatch = /^[!*]+/.exec(field);
  const lock = lockMatch ? lockMatch[0].slice(0, 4) : '';
  const rest = field.slice(lockMatch ? lockMatch[0].length : 0);
  if (field === '') return { state: 'empty' };
  const out: PasswordField = { state: lock ? 'locked' : 'hash' };
  if (lock) out.lock = lock;
  if (rest !== '') out.scheme = schemeOf(rest);
  return out;
}

function schemeOf(hash: string): Scheme {
  for (const [prefix, scheme] of PREFIXES) if (hash.startsWith(prefix)) return scheme;
  // Traditional DES crypt: 13 characters of [./0-9A-Za-z].
  if (/^[./0-9A-Za-z]{13}$/.test(hash)) return 'des';
  return 'unknown';
}

function aging(v: string | undefined): number | null | 'invalid' {
  if (v === undefined || v === '') return null;
  if (!/^-?\d{1,9}$/.test(v)) return 'invalid';
  const n = Number(v);
  return n < -1 ? 'invalid' : n;
}

const NAME = /^[A-Za-z0-9._][A-Za-z0-9._@-]{0,254}\$?$/;

function listOf(field: string | undefined, max: number): string[] {
  if (!field) return [];
  return field
    .split(',')
    .map((x) => x.trim())
    .filter((x) => NAME.test(x))
    .slice(0, max);
}

export interface RedactedLines<T> {
  entries: T[];
  malformed: number;
  truncated: boolean;
}

/** shadow(5): name:password:lastchg:min:max:warn:inactive:expire:reserved. */
export function redactShadow(text: string, limits: RedactionLimits): RedactedLines<ShadowEntry> {
  const out: RedactedLines<ShadowEntry> = { entries: [], malformed: 0, truncated: false };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.split(':');
    if (f.length < 8 || f.length > 9 || !NAME.test(f[0]!)) {
      out.malformed++;
      continue;
    }
    if (out.entries.length >= limits.maxAccountEntries) {
      out.truncated = true;
      continue;
    }
    out.entries.push({
      name: f[0]!,
      password: classifyPassword(f[1]!),
      lastChange: aging(f[2]),
      minDays: aging(f[3]),
      maxDays: aging(f[4]),
      warnDays: aging(f[5]),
      inactiveDays: aging(f[6]),
      expireDate: aging(f[7]),
    });
  }
  return out;
}

/** gshadow(5): name:password:administrators:members. */
export function redactGshadow(text: string, limits: RedactionLimits): RedactedLines<GshadowEntry> {
  const out: RedactedLines<GshadowEntry> = { entries: [], malformed: 0, truncated: false };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.split(':');
    if (f.length !== 4 || !NAME.test(f[0]!)) {
      out.malformed++;
      continue;
    }
    if (out.entries.length >= limits.maxAccountEntries) {
      out.truncated = true;
      continue;
    }
    out.entries.push({
      name: f[0]!,
      password: classifyPassword(f[1]!),
      administrators: listOf(f[2], limits.maxGroupMembers),
      members: listOf(f[3], limits.maxGroupMembers),
    });
  }
  return out;
}

const HARMLESS_PASSWD_FIELDS = new Set(['x', '*', '!', '!!', '!*', '*NP*', '']);

/** /etc/passwd or /etc/group with any hash in the second field replaced by `<redacted>`. */
export function redactPasswdLike(text: string): { text: string; redacted: number } {
  let redacted = 0;
  const lines = text.split('\n').map((line) => {
    const i = line.indexOf(':');
    if (i < 0 || line.trimStart().startsWith('#') || line.startsWith('+') || line.startsWith('-'))
      return line;
    const j = line.indexOf(':', i + 1);
    const field = j < 0 ? line.slice(i + 1) : line.slice(i + 1, j);
    if (HARMLESS_PASSWD_FIELDS.has(field)) return line;
    redacted++;
    return `${line.slice(0, i + 1)}${REDACTED}${j < 0 ? '' : line.slice(j)}`;
  });
  return { text: lines.join('\n'), redacted };
}

/**
 * GRUB configuration with passwords reduced to `<redacted>`: `password_pbkdf2 USER HASH` and
 * `password USER PLAINTEXT` (grub.cfg, user.cfg's `GRUB2_PASSWORD=grub.pbkdf2...`, /etc/grub.d scripts).
 */
export function redactGrub(text: string): { text: string; redacted: number } {
  let redacted = 0;
  let out = text.replace(
    /^(\s*password(?:_pbkdf2)?[ \t]+("[^"\n]*"|'[^'\n]*'|\S+)[ \t]+)(\S.*)$/gm,
    (_m, head: string) => {
      redacted++;
      return `${head}${REDACTED}`;
    },
  );
  // user.cfg: GRUB2_PASSWORD=grub.pbkdf2.sha512...; any other stray PBKDF2 hash.
  out = out.replace(/^(\s*GRUB2?_PASSWORD\s*=\s*).*$/gm, (_m, head: string) => {
    redacted++;
    return `${head}${REDACTED}`;
  });
  out = out.replace(/grub\.pbkdf2\.[A-Za-z0-9.]+/g, () => {
    redacted++;
    return REDACTED;
  });
  return { text: out, redacted };
}

/**
 * yum/dnf configuration (dnf.conf, yum.conf, *.repo): the values of username, password, proxy_username,
 * proxy_password (any case) and credentials in a URL (`scheme://user:secret@host`) become `<redacted>`.
 */
export function redactRepoCredentials(text: string): { text: string; redacted: number } {
  let redacted = 0;
  let out = text.replace(/^(\s*(?:proxy_)?(?:username|password)\s*=\s*)(\S.*)$/gim, (_m, head: string) => {
    redacted++;
    return `${head}${REDACTED}`;
  });
  out = out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, (_m, scheme: string) => {
    redacted++;
    return `${scheme}${REDACTED}@`;
  });
  return { text: out, redacted };
}
