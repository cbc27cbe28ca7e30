/**
 * A /etc/pam.d service file (pam.d(5)), read the way Linux-PAM's pam_handlers.c and its line assembler do:
 * everything from the first `#` of a physical line is a comment (a commented-out module line is simply not
 * there); a line ending in `\` continues on the next one; tokens are separated by blanks, and a token that
 * starts with `[` runs to the matching `]` (`\]` escapes one; the brackets are dropped), which is how the
 * `[value=action ...]` control and bracketed module arguments are written.
 *
 * A line is `type control module-path args...`: the type (auth, account, password, session) may carry a
 * leading `-`, which only tells PAM not to log when the module file is missing; the line is otherwise as
 * active as any other. The control `include` or `substack` takes a service name instead of a module path.
 * Debian's `@include name` pulls in every line of another service file.
 */
export const PAM_TYPES = ['auth', 'account', 'password', 'session'] as const;
export type PamType = (typeof PAM_TYPES)[number];

export type PamControl =
  | { kind: 'keyword'; value: 'required' | 'requisite' | 'sufficient' | 'optional' | 'include' | 'substack' }
  /** `[value=action ...]`: return value (success, authtok_err, default...) → action (ok, ignore, bad, die, done, reset, N). */
  | { kind: 'actions'; actions: Record<string, string> };

export interface PamRule {
  kind: 'rule';
  type: PamType;
  /** The line's type was written with a leading `-`. */
  silentIfMissing: boolean;
  control: PamControl;
  /** Module path (`pam_unix.so`, `/lib/security/pam_x.so`) or, for include/substack, the service name. */
  module: string;
  args: string[];
  /** 1-based line where the (possibly continued) line starts. */
  line: number;
  text: string;
}

export interface PamAtInclude {
  kind: '@include';
  target: string;
  line: number;
  text: string;
}

export interface PamInvalid {
  kind: 'invalid';
  message: string;
  line: number;
  text: string;
}

export type PamLine = PamRule | PamAtInclude | PamInvalid;

const KEYWORD_CONTROLS = ['required', 'requisite', 'sufficient', 'optional', 'include', 'substack'] as const;

export function parsePamFile(text: string): PamLine[] {
  const out: PamLine[] = [];
  for (const { line, text: logical } of assembleLines(text)) {
    const tokens = tokenize(logical);
    if (tokens.length === 0) continue;
    const shown = logical.trim();
    const first = tokens[0]!;
    if (first.toLowerCase() === '@include') {
      if (tokens[1] === undefined)
        out.push({ kind: 'invalid', message: '@include without a file', line, text: shown });
      else out.push({ kind: '@include', target: tokens[1], line, text: shown });
      continue;
    }
    const silentIfMissing = first.startsWith('-');
    const type = (silentIfMissing ? first.slice(1) : first).toLowerCase();
    if (!(PAM_TYPES as readonly string[]).includes(type)) {
      out.push({ kind: 'invalid', message: `illegal module type: ${first}`, line, text: shown });
      continue;
    }
    const [controlToken, module, ...args] = tokens.slice(1);
    if (controlToken === undefined || module === undefined) {
      out.push({ kind: 'invalid', message: 'missing control or module path', line, text: shown });
      continue;
    }
    out.push({
      kind: 'rule',
      type: type as PamType,
      silentIfMissing,
      control: parseControl(controlToken),
      module,
      args,
      line,
      text: shown,
    });
  }
  return out;
}

function parseControl(token: string): PamControl {
  const lower = token.toLowerCase();
  const keyword = KEYWORD_CONTROLS.find((k) => k === lower);
  if (keyword) return { kind: 'keyword', value: keyword };
  const actions: Record<string, string> = {};
  for (const pair of token.split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq > 0) actions[pair.slice(0, eq).toLowerCase()] = pair.slice(eq + 1).toLowerCase();
  }
  return { kind: 'actions', actions };
}

/** Physical lines → logical lines: comments cut, `\`-continued lines joined, with the starting line. */
function assembleLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const physical = text.split('\n');
  let buffer = '';
  let start = 0;
  for (let i = 0; i < physical.length; i++) {
    let l = physical[i]!;
    const hash = l.indexOf('#');
    const hasComment = hash !== -1;
    // A backslash before the (optional) trailing blanks continues the line, unless the line has a comment.
    const continued = !hasComment && /\\[ \t\r]*$/.test(l);
    if (hasComment) l = l.slice(0, hash);
    if (continued) l = `${l.replace(/\\[ \t\r]*$/, '')} `;
    if (buffer === '') start = i + 1;
    buffer += l;
    if (!continued) {
      if (buffer.trim() !== '') out.push({ line: start, text: buffer });
      buffer = '';
    }
  }
  if (buffer.trim() !== '') out.push({ line: start, text: buffer });
  return out;
}

/** Blank-separated tokens; `[...]` is one token with the brackets dropped and `\]` unescaped. */
function tokenize(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i++;
      continue;
    }
    if (ch === '[') {
      let tok = '';
      i++;
      while (i < line.length && line[i] !== ']') {
        if (line[i] === '\\' && line[i + 1] === ']') i++;
        tok += line[i];
        i++;
      }
      i++; // past ']'
      out.push(tok);
      continue;
    }
    let tok = '';
    while (i < line.length && !/[ \t\r\n]/.test(line[i]!)) tok += line[i++];
    out.push(tok);
  }
  return out;
}

/** `pam_pwquality.so`, `/usr/lib64/security/pam_pwquality.so`, `$ISA/pam_x.so` → `pam_pwquality`. */
export function pamModuleName(modulePath: string): string {
  const base = modulePath.slice(modulePath.lastIndexOf('/') + 1);
  return base.endsWith('.so') ? base.slice(0, -3) : base;
}
