/**
 * auditctl(8) rule lines, as in /etc/audit/rules.d/*.rules, /etc/audit/audit.rules and `auditctl -l`
 * output: file watches (`-w PATH -p PERMS -k KEY`), syscall rules (`-a LIST,ACTION` or `-A`, with `-F`
 * fields, `-S` syscalls, comma-separated or repeated, `-k KEY`), and control lines (`-D`, `-b`, `-f`, `-e`,
 * `--backlog_wait_time`, ...). A key given as `-k KEY` and as `-F key=KEY` is the same thing (both are
 * returned in `keys`); a watch is the same rule as `-a always,exit -F path=PATH -F perm=PERMS` (or `dir=`).
 */
export interface AuditField {
  name: string;
  op: '=' | '!=' | '<' | '>' | '<=' | '>=' | '&' | '&=';
  value: string;
}

export type AuditRule =
  | {
      type: 'watch';
      path: string;
      perms: string;
      keys: string[];
      line: number;
      text: string;
    }
  | {
      type: 'syscall';
      list: string;
      action: string;
      /** `-A` (prepend) instead of `-a`. */
      prepend: boolean;
      syscalls: string[];
      /** `-C` comparisons between fields, as written (`uid!=euid`). */
      comparisons?: string[];
      fields: AuditField[];
      keys: string[];
      line: number;
      text: string;
    }
  | {
      type: 'control';
      option: string;
      value?: string;
      line: number;
      text: string;
    };

export interface ParsedAuditRules {
  rules: AuditRule[];
  errors: Array<{ line: number; message: string }>;
}

const OPS = ['<=', '>=', '!=', '&=', '=', '<', '>', '&'] as const;

function field(spec: string): AuditField | undefined {
  for (const op of OPS) {
    const i = spec.indexOf(op);
    if (i > 0) return { name: spec.slice(0, i), op, value: spec.slice(i + op.length) };
  }
  return undefined;
}

function tokens(line: string): string[] {
  return line.match(/"[^"]*"|\S+/g)?.map((t) => t.replace(/^"(.*)"$/, '$1')) ?? [];
}

export function parseAuditRules(text: string): ParsedAuditRules {
  const out: ParsedAuditRules = { rules: [], errors: [] };
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const t = all[i]!.trim();
    if (t === '' || t.startsWith('#')) continue;
    const line = i + 1;
    const tok = tokens(t);
    const first = tok[0]!;
    if (first === '-w' || first === '-W') {
      let path = '';
      let perms = 'rwxa';
      const keys: string[] = [];
      for (let j = 0; j < tok.length; j++) {
        if (tok[j] === '-w' || tok[j] === '-W') path = tok[++j] ?? '';
        else if (tok[j] === '-p') perms = tok[++j] ?? '';
        else if (tok[j] === '-k') keys.push(tok[++j] ?? '');
      }
      if (!path) out.errors.push({ line, message: 'watch without a path' });
      else if (first === '-w') out.rules.push({ type: 'watch', path, perms, keys, line, text: t });
      continue;
    }
    if (first === '-a' || first === '-A') {
      const la = (tok[1] ?? '').split(',');
      // Either order is accepted by auditctl: `always,exit` or `exit,always`.
      const actions = ['always', 'never'];
      const [list, action] = actions.includes(la[0]!) ? [la[1] ?? '', la[0]!] : [la[0]!, la[1] ?? ''];
      const syscalls: string[] = [];
      const fields: AuditField[] = [];
      const keys: string[] = [];
      const comparisons: string[] = [];
      let bad: string | undefined;
      for (let j = 2; j < tok.length; j++) {
        const o = tok[j]!;
        if (o === '-S') syscalls.push(...(tok[++j] ?? '').split(',').filter(Boolean));
        else if (o === '-F' || (o.startsWith('-F') && o.length > 2)) {
          const spec = o === '-F' ? (tok[++j] ?? '') : o.slice(2);
          const f = field(spec);
          if (!f) bad = `bad field ${spec}`;
          else if (f.name === 'key' && f.op === '=') keys.push(f.value);
          else fields.push(f);
        } else if (o === '-k') keys.push(tok[++j] ?? '');
        else if (o === '-C') comparisons.push(tok[++j] ?? '');
        else bad = `unexpected ${o}`;
      }
      if (bad) out.errors.push({ line, message: bad });
      out.rules.push({
        type: 'syscall',
        list,
        action,
        prepend: first === '-A',
        syscalls,
        ...(comparisons.length ? { comparisons } : {}),
        fields,
        keys,
        line,
        text: t,
      });
      continue;
    }
    if (first.startsWith('-')) {
      const eq = first.indexOf('=');
      const option = eq > 0 ? first.slice(0, eq) : first;
      const value = eq > 0 ? first.slice(eq + 1) : tok[1];
      out.rules.push({ type: 'control', option, ...(value !== undefined ? { value } : {}), line, text: t });
      continue;
    }
    out.errors.push({ line, message: `not an auditctl rule: ${first}` });
  }
  return out;
}

/** A syscall rule on the exit list with action always and a key: the shape every CIS audit rule has. */
export function isKeyedExitRule<R extends AuditRule>(rule: R): rule is Extract<R, { type: 'syscall' }> {
  return rule.type === 'syscall' && rule.list === 'exit' && rule.action === 'always' && rule.keys.length > 0;
}

/** The value of a field of a syscall rule (the first with the name and operator). */
export function auditField(rule: AuditRule, name: string, op: AuditField['op'] = '='): string | undefined {
  if (rule.type !== 'syscall') return undefined;
  return rule.fields.find((f) => f.name === name && f.op === op)?.value;
}

/** A watch as the syscall rule auditctl -l prints for it: the path and permissions it watches. */
export function watchedPath(rule: AuditRule): { path: string; perms: string; dir: boolean } | undefined {
  if (rule.type === 'watch') return { path: rule.path, perms: rule.perms, dir: false };
  if (rule.type !== 'syscall' || rule.syscalls.length > 0) return undefined;
  const p = auditField(rule, 'path');
  const d = auditField(rule, 'dir');
  const perms = auditField(rule, 'perm') ?? 'rwxa';
  if (p) return { path: p, perms, dir: false };
  if (d) return { path: d, perms, dir: true };
  return undefined;
}
