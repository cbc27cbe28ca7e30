/**
 * pwquality.conf(5), read like libpwquality's read_config_file(): everything from the first `#` is a
 * comment; the name ends at a blank or `=`; blanks and at most one `=` separate it from the value; a name
 * alone (enforce_for_root, local_users_only) is a switch. Names are case-insensitive (kept lower-cased).
 * Within one file a later line overrides an earlier one.
 */
export interface PwqualitySetting {
  key: string;
  value: string;
  line: number;
  text: string;
}

export function parsePwqualityConf(text: string): PwqualitySetting[] {
  const out: PwqualitySetting[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const hash = raw.indexOf('#');
    const line = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (line === '') continue;
    const m = /^([^\s=]+)\s*(?:=\s*)?(.*)$/.exec(line);
    if (!m) continue;
    out.push({ key: m[1]!.toLowerCase(), value: m[2]!, line: i + 1, text: line });
  }
  return out;
}

/** A `name=value` PAM module argument, the way pwquality_set_option() splits it. */
export function pwqualityOption(arg: string): { key: string; value: string } {
  const eq = arg.indexOf('=');
  return eq === -1
    ? { key: arg.toLowerCase(), value: '' }
    : { key: arg.slice(0, eq).toLowerCase(), value: arg.slice(eq + 1) };
}

/** strtol(value, 10) with the whole string consumed, as libpwquality requires for integer settings. */
export function pwqualityInteger(value: string): number | undefined {
  return /^\s*[+-]?\d+$/.test(value) ? Number.parseInt(value, 10) : undefined;
}
