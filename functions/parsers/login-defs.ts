/**
 * login.defs(5), read the way shadow's getdef.c does: blank lines and lines whose first non-blank character
 * is `#` are skipped; the name runs to the first blank; the value is the rest of the line with leading
 * blanks and double quotes dropped, cut at the next double quote, trailing blanks dropped. A `#` after the
 * value is NOT a comment (getdef keeps it, and a number followed by it no longer parses). When a name
 * appears twice, the later line wins.
 */
export interface LoginDefsEntry {
  key: string;
  value: string;
  line: number;
  text: string;
}

export interface LoginDefs {
  /** Every entry in file order. */
  entries: LoginDefsEntry[];
  /** The entry that applies per name (the last one). */
  values: Map<string, LoginDefsEntry>;
}

export function parseLoginDefs(text: string): LoginDefs {
  const entries: LoginDefsEntry[] = [];
  const values = new Map<string, LoginDefsEntry>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    // A loop, not /[ \t\r\n]+$/: that regex backtracks quadratically on a long run of blanks.
    let end = lines[i]!.length;
    while (end > 0 && ' \t\r\n'.includes(lines[i]![end - 1]!)) end--;
    const raw = lines[i]!.slice(0, end);
    const name = raw.replace(/^[ \t]+/, '');
    if (name === '' || name.startsWith('#')) continue;
    const m = /^([^ \t]+)[ \t]+(.*)$/.exec(name);
    if (!m) continue; // only one field: getdef ignores it
    const value = m[2]!.replace(/^[ \t"]+/, '').split('"')[0]!;
    const entry = { key: m[1]!, value, line: i + 1, text: name };
    entries.push(entry);
    values.set(entry.key, entry);
  }
  return { entries, values };
}

/** getdef_num-style integer: the whole value must be a decimal integer, else the setting is ignored. */
export function loginDefsInteger(value: string): number | undefined {
  return /^[+-]?\d+$/.test(value) ? Number.parseInt(value, 10) : undefined;
}
