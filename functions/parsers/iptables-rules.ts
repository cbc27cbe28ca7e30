/**
 * iptables rules of the filter table, as `iptables -S` prints them (`-P INPUT DROP`, `-N chain`, `-A …`) or as
 * iptables-save / iptables-restore files hold them (`*filter`, `:INPUT DROP [0:0]`, `-A …`, `COMMIT`; ufw's
 * user.rules and before.rules are such files). Only what the open-ports rules need is read from a rule: its
 * chain, protocol (`-p`), destination ports (`--dport`/`--destination-port`, multiport's `--dports`/
 * `--destination-ports`, single ports and `first:last` ranges), negations and target (`-j`/`-g`). Quoted
 * arguments (`--log-prefix "[UFW BLOCK] "`) are one token. Other tables are skipped.
 */

export interface IptablesRule {
  chain: string;
  /** `tcp`, `udp`… (numbers 6 and 17 read as tcp and udp); undefined when the rule names none. */
  protocol?: string;
  protocolNegated: boolean;
  /** Destination port ranges, inclusive; undefined when the rule matches no destination port. */
  dports?: Array<[number, number]>;
  dportsNegated: boolean;
  /** A port specification that is not numeric (a service name): the rule's ports are unknown. */
  unreadablePorts?: string;
  /** `-j` or `-g` target. */
  target?: string;
  /** 1-based line of the text. */
  line: number;
  text: string;
}

export interface IptablesRuleset {
  policies: Map<string, string>;
  /** Chains declared (`-N`, `:name`) or used with `-A`/`-I`. */
  chains: Set<string>;
  rules: IptablesRule[];
}

const PROTOCOL_NUMBERS: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '132': 'sctp' };

/** Splits a rule line into arguments: blanks separate, double or single quotes group. */
export function iptablesTokens(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** `22`, `1000:2000`, `80,443,8000:8080` → ranges; undefined when a part is not a port number. */
export function parsePortList(spec: string): Array<[number, number]> | undefined {
  const out: Array<[number, number]> = [];
  for (const part of spec.split(',')) {
    const m = /^(\d{1,5})?(?::(\d{1,5})?)?$/.exec(part);
    if (!m || part === '' || part === ':') return undefined;
    const first = m[1] === undefined ? 0 : Number(m[1]);
    const last = part.includes(':') ? (m[2] === undefined ? 65_535 : Number(m[2])) : first;
    if (first > 65_535 || last > 65_535) return undefined;
    out.push(first <= last ? [first, last] : [last, first]);
  }
  return out;
}

const DPORT_OPTIONS = new Set(['--dport', '--destination-port', '--dports', '--destination-ports']);

export function parseIptablesRules(text: string): IptablesRuleset {
  const policies = new Map<string, string>();
  const chains = new Set<string>();
  const rules: IptablesRule[] = [];
  let table = 'filter';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === '' || l.startsWith('#')) continue;
    if (l.startsWith('*')) {
      table = l.slice(1).trim();
      continue;
    }
    if (table !== 'filter' || l === 'COMMIT') continue;
    const decl = /^:(\S+)\s+(\S+)/.exec(l);
    if (decl) {
      chains.add(decl[1]!);
      if (decl[2] !== '-') policies.set(decl[1]!, decl[2]!);
      continue;
    }
    const t = iptablesTokens(l);
    const op = t[0];
    if (op === '-P' && t[1] && t[2]) {
      chains.add(t[1]);
      policies.set(t[1], t[2]);
      continue;
    }
    if (op === '-N' && t[1]) {
      chains.add(t[1]);
      continue;
    }
    if ((op !== '-A' && op !== '-I' && op !== '--append' && op !== '--insert') || !t[1]) continue;
    const rule: IptablesRule = {
      chain: t[1],
      protocolNegated: false,
      dportsNegated: false,
      line: i + 1,
      text: l.replace(/\s+/g, ' '),
    };
    chains.add(t[1]);
    // `-I chain N`: an optional rule number follows the chain.
    let k = op === '-I' || op === '--insert' ? (/^\d+$/.test(t[2] ?? '') ? 3 : 2) : 2;
    let negate = false;
    for (; k < t.length; k++) {
      const tok = t[k]!;
      if (tok === '!') {
        negate = true;
        continue;
      }
      const arg = t[k + 1];
      if ((tok === '-p' || tok === '--protocol') && arg !== undefined) {
        rule.protocol = PROTOCOL_NUMBERS[arg] ?? arg.toLowerCase();
        rule.protocolNegated = negate;
        k++;
      } else if (DPORT_OPTIONS.has(tok) && arg !== undefined) {
        // `--dport ! 22` (the old placement of the negation) is read too.
        let spec = arg;
        if (spec === '!' && t[k + 2] !== undefined) {
          negate = true;
          spec = t[k + 2]!;
          k++;
        }
        const ports = parsePortList(spec);
        if (ports) rule.dports = [...(rule.dports ?? []), ...ports];
        else rule.unreadablePorts = spec;
        rule.dportsNegated = rule.dportsNegated || negate;
        k++;
      } else if (
        (tok === '-j' || tok === '--jump' || tok === '-g' || tok === '--goto') &&
        arg !== undefined
      ) {
        rule.target = arg;
        k++;
      }
      negate = false;
    }
    rules.push(rule);
  }
  return { policies, chains, rules };
}

const BUILTIN_TARGETS = new Set([
  'ACCEPT',
  'DROP',
  'REJECT',
  'RETURN',
  'LOG',
  'NFLOG',
  'ULOG',
  'QUEUE',
  'NFQUEUE',
  'MARK',
  'CONNMARK',
  'CT',
  'TRACE',
  'AUDIT',
]);

/**
 * The rules reached from `start` chains: their own and, through `-j`/`-g` to user-defined chains, those of
 * the chains they jump to (each chain once).
 */
export function reachableRules(set: IptablesRuleset, start: readonly string[]): IptablesRule[] {
  const seen = new Set<string>();
  const queue = start.filter((c) => set.chains.has(c));
  const out: IptablesRule[] = [];
  for (const c of queue) seen.add(c);
  while (queue.length) {
    const chain = queue.shift()!;
    for (const r of set.rules) {
      if (r.chain !== chain) continue;
      out.push(r);
      const t = r.target;
      if (t && !BUILTIN_TARGETS.has(t) && set.chains.has(t) && !seen.has(t)) {
        seen.add(t);
        queue.push(t);
      }
    }
  }
  return out;
}

/**
 * Whether a rule decides traffic to `protocol`/`port`: it names that protocol and a destination port range
 * holding the port (neither negated), and accepts, drops or rejects it, or hands it to a user-defined chain
 * (ufw's `ufw-user-limit-accept`). A logging rule (`-j LOG`) or one without a destination port is not a rule
 * for the port.
 */
export function ruleGovernsPort(
  set: IptablesRuleset,
  rule: IptablesRule,
  protocol: string,
  port: number,
): boolean {
  if (rule.protocol !== protocol || rule.protocolNegated || rule.dportsNegated || !rule.dports) return false;
  if (!rule.dports.some(([a, b]) => port >= a && port <= b)) return false;
  const t = rule.target;
  if (!t) return false;
  return t === 'ACCEPT' || t === 'DROP' || t === 'REJECT' || (!BUILTIN_TARGETS.has(t) && set.chains.has(t));
}
