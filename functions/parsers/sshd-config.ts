/**
 * sshd_config(5), tokenized the way OpenSSH's servconf.c does it: trailing whitespace stripped; the keyword
 * ends at whitespace, a double quote or one `=` (so `Key value`, `Key=value` and `Key = value` are the same);
 * a line whose keyword starts with `#` is a comment; the arguments are split like argv_split(): single or
 * double quotes group words, a backslash escapes a quote, a backslash or a space, and a word that starts
 * with `#` ends the line. Keywords are case-insensitive (kept lower-cased in `keyword`).
 *
 * The parser does not interpret directives: `Match` and `Include` are returned like any other, in order,
 * with their line, so the effective configuration can be computed by facts/sshd.ts.
 */
export interface SshdDirective {
  /** Lower-cased keyword (`permitrootlogin`). */
  keyword: string;
  /** The keyword as written. */
  rawKeyword: string;
  args: string[];
  /** 1-based line number. */
  line: number;
  /** The line as written, trimmed. */
  text: string;
}

export interface SshdParseError {
  line: number;
  text: string;
  message: string;
}

export interface SshdConfigFile {
  directives: SshdDirective[];
  errors: SshdParseError[];
}

const WHITESPACE = ' \t\r\n';

export function parseSshdConfig(text: string): SshdConfigFile {
  const directives: SshdDirective[] = [];
  const errors: SshdParseError[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = trimTrailing(lines[i]!, ' \t\r\n\f');
    const parsed = parseLine(line);
    if (parsed === undefined) continue;
    if ('error' in parsed) {
      errors.push({ line: i + 1, text: line.trim(), message: parsed.error });
      continue;
    }
    directives.push({ ...parsed, line: i + 1, text: line.trim() });
  }
  return { directives, errors };
}

/**
 * The line without trailing `chars`, like servconf.c's loop. A loop, not `/[...]+$/`, which backtracks
 * quadratically on a long run of blanks followed by anything else.
 */
function trimTrailing(s: string, chars: string): string {
  let end = s.length;
  while (end > 0 && chars.includes(s[end - 1]!)) end--;
  return s.slice(0, end);
}

type Parsed = { keyword: string; rawKeyword: string; args: string[] } | { error: string } | undefined;

function parseLine(line: string): Parsed {
  let i = skip(line, 0);
  if (i >= line.length) return undefined;
  let rawKeyword: string;
  if (line[i] === '"') {
    const close = line.indexOf('"', i + 1);
    if (close === -1) return { error: 'unterminated quote in keyword' };
    rawKeyword = line.slice(i + 1, close);
    i = close + 1;
  } else {
    const start = i;
    while (i < line.length && !WHITESPACE.includes(line[i]!) && line[i] !== '=' && line[i] !== '"') i++;
    rawKeyword = line.slice(start, i);
  }
  if (rawKeyword === '' || rawKeyword.startsWith('#')) return undefined;
  // One `=` may separate the keyword from its arguments, with whitespace on either side.
  i = skip(line, i);
  if (line[i] === '=') i = skip(line, i + 1);
  const rest = line.slice(i);
  if (rest === '') return { error: `no argument after keyword "${rawKeyword}"` };
  const args = splitArgs(rest);
  if (args === undefined) return { error: 'invalid quotes' };
  return { keyword: rawKeyword.toLowerCase(), rawKeyword, args };
}

function skip(s: string, i: number): number {
  while (i < s.length && WHITESPACE.includes(s[i]!)) i++;
  return i;
}

/** argv_split(s, terminate_on_comment=1). Returns undefined on an unterminated quote. */
export function splitArgs(s: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ' || s[i] === '\t') {
      i++;
      continue;
    }
    if (s[i] === '#') break;
    let quote = '';
    let arg = '';
    for (; i < s.length; i++) {
      const ch = s[i]!;
      const next = s[i + 1];
      if (ch === '\\') {
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) {
          arg += next;
          i++;
        } else arg += ch;
      } else if (quote === '' && (ch === ' ' || ch === '\t')) break;
      else if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
      else if (quote !== '' && ch === quote) quote = '';
      else arg += ch;
    }
    if (quote !== '') return undefined;
    out.push(arg);
  }
  return out;
}
