/**
 * sudoers(5) lines the CIS checks read: `Defaults` entries (with their optional qualifier `:user`, `@host`,
 * `!cmnd`, `>runas`) and their settings (`use_pty`, `!authenticate`, `logfile="/var/log/sudo.log"`,
 * `timestamp_timeout=15`), include directives (`@include`, `@includedir` and the older `#include`,
 * `#includedir`), and user specifications with the tags they carry (`NOPASSWD:`, `PASSWD:`).
 * Backslash-continued lines are joined; `#` starts a comment except in the include directives.
 */

export interface SudoersSetting {
  name: string;
  negated: boolean;
  value?: string;
  /** `+=` or `-=` on a list setting. */
  op?: '=' | '+=' | '-=';
}

export type SudoersLine =
  | { kind: 'defaults'; qualifier?: string; settings: SudoersSetting[]; line: number; text: string }
  | { kind: 'include'; dir: boolean; path: string; line: number; text: string }
  | { kind: 'spec'; tags: string[]; line: number; text: string };

/** Splits at commas outside double quotes. */
function splitSettings(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\' && i + 1 < s.length) {
      cur += ch + s[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out.filter(Boolean);
}

function setting(raw: string): SudoersSetting {
  const m = /^(!*)\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:(\+=|-=|=)\s*(.*))?$/.exec(raw);
  if (!m) return { name: raw, negated: false };
  const value = m[4]?.trim().replace(/^"(.*)"$/, '$1');
  return {
    name: m[2]!,
    negated: m[1]!.length % 2 === 1,
    ...(m[3] ? { op: m[3] as SudoersSetting['op'], value: value ?? '' } : {}),
  };
}

/** Strips a trailing comment that is not inside quotes. */
function stripComment(s: string): string {
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === '#' && !quoted) return s.slice(0, i);
  }
  return s;
}

export function parseSudoers(text: string): SudoersLine[] {
  const out: SudoersLine[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const start = i + 1;
    let logical = raw[i]!;
    while (logical.endsWith('\\') && i + 1 < raw.length) logical = `${logical.slice(0, -1)} ${raw[++i]}`;
    const t = logical.trim();
    const inc = /^[@#](includedir|include)\s+(.+)$/.exec(t);
    if (inc) {
      out.push({
        kind: 'include',
        dir: inc[1] === 'includedir',
        path: inc[2]!.trim().replace(/^"(.*)"$/, '$1'),
        line: start,
        text: t,
      });
      continue;
    }
    const body = stripComment(t).trim();
    if (!body) continue;
    const d = /^Defaults([:@!>]\S+)?\s+(.*)$/.exec(body);
    if (d) {
      out.push({
        kind: 'defaults',
        ...(d[1] ? { qualifier: d[1] } : {}),
        settings: splitSettings(d[2]!).map(setting),
        line: start,
        text: body,
      });
      continue;
    }
    // Aliases declare names; everything else is a user specification.
    if (/^(User|Runas|Host|Cmnd|Cmd)_Alias\s/.test(body)) continue;
    const tags = [
      ...body.matchAll(
        /\b(NOPASSWD|PASSWD|NOEXEC|EXEC|SETENV|NOSETENV|LOG_INPUT|NOLOG_INPUT|LOG_OUTPUT|NOLOG_OUTPUT|MAIL|NOMAIL|FOLLOW|NOFOLLOW|INTERCEPT|NOINTERCEPT)\s*:/g,
      ),
    ].map((m) => m[1]!);
    out.push({ kind: 'spec', tags, line: start, text: body });
  }
  return out;
}
