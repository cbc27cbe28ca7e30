/**
 * One path component against one glob(3) pattern component, as sshd's `Include` expands it: `*` any run,
 * `?` one character, `[...]` a set (`!` negates, `a-z` ranges; a range written backwards matches nothing;
 * a `[` without its `]` is literal), and a name starting with `.` only matched by a pattern that does.
 *
 * Shared by the agent (which expands Include on disk) and the evaluator (which expands it over the
 * collected files) so both agree. No RegExp is built: the pattern comes from untrusted input, and a
 * pattern like `[z-a]` or one of 100k characters must not throw, nor a run of `*` backtrack for long.
 */
type Token =
  | { kind: 'star' }
  | { kind: 'any' }
  | { kind: 'char'; ch: string }
  | { kind: 'set'; negate: boolean; members: string[]; ranges: Array<[string, string]> };

function tokenize(pattern: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (out.at(-1)?.kind !== 'star') out.push({ kind: 'star' });
    } else if (ch === '?') out.push({ kind: 'any' });
    else if (ch === '[') {
      let start = i + 1;
      const negate = pattern[start] === '!';
      if (negate) start++;
      // A `]` right after `[` or `[!` is a member, not the end.
      const close = pattern.indexOf(']', start + 1);
      if (close === -1) {
        out.push({ kind: 'char', ch });
        continue;
      }
      const body = pattern.slice(start, close);
      const members: string[] = [];
      const ranges: Array<[string, string]> = [];
      for (let j = 0; j < body.length; j++) {
        if (body[j + 1] === '-' && j + 2 < body.length) {
          ranges.push([body[j]!, body[j + 2]!]);
          j += 2;
        } else members.push(body[j]!);
      }
      out.push({ kind: 'set', negate, members, ranges });
      i = close;
    } else out.push({ kind: 'char', ch });
  }
  return out;
}

function matchesOne(t: Token, ch: string): boolean {
  switch (t.kind) {
    case 'any':
      return true;
    case 'char':
      return t.ch === ch;
    case 'set': {
      const hit = t.members.includes(ch) || t.ranges.some(([lo, hi]) => lo <= ch && ch <= hi);
      return hit !== t.negate;
    }
    default:
      return false;
  }
}

/** Whether `name` (one path component) matches `pattern` (one glob component). */
export function globMatch(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  const tokens = tokenize(pattern);
  // Linear scan that backtracks only to the last `*` (O(pattern × name) at worst).
  let t = 0;
  let n = 0;
  let starT = -1;
  let starN = 0;
  while (n < name.length) {
    const tok = tokens[t];
    if (tok?.kind === 'star') {
      starT = t++;
      starN = n;
    } else if (tok && matchesOne(tok, name[n]!)) {
      t++;
      n++;
    } else if (starT !== -1) {
      t = starT + 1;
      n = ++starN;
    } else return false;
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

/** Whether a pattern component has glob magic (otherwise it names one path as is). */
export function hasGlobMagic(part: string): boolean {
  return /[*?[]/.test(part);
}
