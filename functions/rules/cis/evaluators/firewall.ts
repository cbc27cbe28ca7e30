/**
 * Hand-written firewall rules. Each is judged on the persistent configuration (what the host loads at boot)
 * and, on a live host where the agent ran the tool, on the loaded rules too (a setting written but not
 * loaded fails):
 * - ufw: check_ufw_active (ENABLED=yes in /etc/ufw/ufw.conf and ufw.service not disabled/masked),
 *   set_ufw_default_rule (DEFAULT_INPUT/OUTPUT/FORWARD_POLICY DROP or REJECT in /etc/default/ufw),
 *   set_ufw_loopback_traffic (before.rules accepts lo in and out; user.rules drops 127.0.0.0/8 and
 *   user6.rules ::1 as `ufw deny in from …` writes them).
 * - nftables (/etc/nftables.conf, RHEL's /etc/sysconfig/nftables.conf; live: `nft list ruleset`):
 *   set_nftables_table (the benchmark's family and table), set_nftables_base_chain (base chains hooked on
 *   input, forward and output), nftables_ensure_default_deny_policy (each of them `policy drop`),
 *   set_nftables_loopback_traffic (`iif "lo" accept` and drops of 127.0.0.0/8 and ::1 sources),
 *   nftables_rules_permanent (the configuration holds a table and nftables.service is enabled).
 * - iptables (/etc/iptables/rules.v4|v6, /etc/sysconfig/iptables|ip6tables; live: `iptables -S`,
 *   `ip6tables -S`): set_iptables_default_rule / set_ip6tables_default_rule (INPUT, FORWARD, OUTPUT policy
 *   DROP), set_loopback_traffic / set_ipv6_loopback_traffic (accept lo in and out, drop the loopback
 *   network arriving elsewhere).
 * - firewall_single_service_active: at most one of ufw, nftables, iptables-persistent/netfilter-persistent,
 *   firewalld is enabled.
 * No configuration for the firewall a rule names: FAIL (that firewall is not configured); the benchmark's
 * sections for the other firewalls are alternatives, as the benchmark says.
 */
import type { Facts } from '../../../core/facts/facts';
import { commandOutput, isLiveHost, optionalText } from '../../../core/facts/host-config';
import { unitFileState } from '../../../core/facts/systemd';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, pass } from '../../../core/rule';
import type { Evaluator } from './index';
import { xccdfVariable } from './template-helpers';

interface Source {
  source: string;
  text: string;
}

/** The persistent text, and the loaded one on a live host where the command answered. */
function sources(
  facts: Facts,
  files: string[],
  command: string,
): { ok: true; list: Source[] } | { ok: false; reason: string } {
  const list: Source[] = [];
  for (const p of files) {
    const t = optionalText(facts, p);
    if (!t.ok) return { ok: false, reason: t.reason };
    if (t.value) {
      list.push({ source: p, text: t.value.text });
      break;
    }
  }
  if (isLiveHost(facts)) {
    const o = commandOutput(facts, command);
    if (o.ok && o.value.exitCode === 0) list.push({ source: o.value.argv.join(' '), text: o.value.stdout });
  }
  return { ok: true, list };
}

function judgeSources(
  facts: Facts,
  files: string[],
  command: string,
  what: string,
  check: (text: string) => string[],
  fix: string,
): CheckOutcome {
  const s = sources(facts, files, command);
  if (!s.ok) return error(s.reason);
  if (s.list.length === 0)
    return {
      ...fail(`${what}: no configuration (${files.join(', ')})`, [{ source: files[0]!, value: '(absent)' }]),
      recommendation: fix,
    };
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  for (const src of s.list) {
    const p = check(src.text);
    evidence.push({ source: src.source, value: p.length ? p.join('; ') : 'as required' });
    if (p.length) problems.push(`${src.source}: ${p.join('; ')}`);
  }
  if (problems.length) return { ...fail(`${what}: ${problems.join(' | ')}`, evidence), recommendation: fix };
  return pass(`${what}: as required in ${s.list.map((x) => x.source).join(' and ')}`, evidence);
}

const strip = (text: string) =>
  text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);

// ---------- ufw ----------

const keyValue = (text: string, key: string) => {
  let v: string | undefined;
  for (const l of strip(text)) {
    const m = new RegExp(`^${key}\\s*=\\s*"?([^"]*)"?`).exec(l);
    if (m) v = m[1];
  }
  return v;
};

const ufwActive: Evaluator = (facts) => {
  const conf = optionalText(facts, '/etc/ufw/ufw.conf');
  if (!conf.ok) return error(conf.reason);
  if (!conf.value)
    return fail('ufw is not installed (no /etc/ufw/ufw.conf)', [
      { source: '/etc/ufw/ufw.conf', value: '(absent)' },
    ]);
  const enabled = keyValue(conf.value.text, 'ENABLED');
  const unit = unitFileState(facts, 'ufw.service');
  const evidence: Evidence[] = [
    { source: '/etc/ufw/ufw.conf', key: 'ENABLED', value: enabled ?? '(unset)', expected: 'yes' },
  ];
  if (unit.ok) evidence.push({ source: 'ufw.service', value: unit.value.state.state, expected: 'enabled' });
  const unitOff = unit.ok && ['disabled', 'masked'].includes(unit.value.state.state);
  if (enabled?.toLowerCase() !== 'yes' || unitOff)
    return {
      ...fail(
        `ufw is not active (ENABLED=${enabled ?? 'unset'}${unit.ok ? `, ufw.service ${unit.value.state.state}` : ''})`,
        evidence,
      ),
      recommendation: 'systemctl unmask ufw.service && systemctl enable --now ufw.service && ufw enable',
    };
  return pass('ufw is enabled', evidence);
};

const ufwDefault: Evaluator = (facts) =>
  judgeSources(
    facts,
    ['/etc/default/ufw'],
    'none',
    'ufw default policies',
    (text) =>
      ['INPUT', 'OUTPUT', 'FORWARD'].flatMap((c) => {
        const v = keyValue(text, `DEFAULT_${c}_POLICY`);
        return v && ['DROP', 'REJECT'].includes(v.toUpperCase())
          ? []
          : [`DEFAULT_${c}_POLICY is ${v ?? 'unset'}`];
      }),
    'ufw default deny incoming; ufw default deny outgoing; ufw default deny routed (allow what is needed first).',
  );

const ufwLoopback: Evaluator = (facts) => {
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  const need: Array<[string, RegExp, string]> = [
    ['/etc/ufw/before.rules', /^-A ufw-before-input -i lo -j ACCEPT$/m, 'accept input on lo'],
    ['/etc/ufw/before.rules', /^-A ufw-before-output -o lo -j ACCEPT$/m, 'accept output on lo'],
    [
      '/etc/ufw/user.rules',
      /^-A ufw-user-input -s 127\.0\.0\.0\/8 -j DROP$/m,
      'drop 127.0.0.0/8 (ufw deny in from 127.0.0.0/8)',
    ],
    ['/etc/ufw/user6.rules', /^-A ufw6-user-input -s ::1 -j DROP$/m, 'drop ::1 (ufw deny in from ::1)'],
  ];
  for (const [file, re, label] of need) {
    const t = optionalText(facts, file);
    if (!t.ok) return error(t.reason);
    const ok = Boolean(t.value && re.test(t.value.text));
    evidence.push({ source: file, value: ok ? 'present' : '(missing)', expected: label });
    if (!ok) problems.push(`${file}: ${label} missing`);
  }
  if (problems.length)
    return {
      ...fail(`ufw loopback rules: ${problems.join('; ')}`, evidence),
      recommendation:
        'ufw allow in on lo; ufw allow out on lo; ufw deny in from 127.0.0.0/8; ufw deny in from ::1',
    };
  return pass('ufw accepts loopback traffic on lo and drops it elsewhere', evidence);
};

// ---------- nftables ----------

const NFT_FILES = ['/etc/nftables.conf', '/etc/sysconfig/nftables.conf'];

interface NftChain {
  table: string;
  family: string;
  name: string;
  hook?: string;
  policy?: string;
  body: string;
}

/** The text between the brace at `open` and its matching brace, and the index after it. */
function braced(text: string, open: number): { body: string; end: number } {
  let depth = 1;
  let i = open + 1;
  for (; i < text.length && depth > 0; i++) depth += text[i] === '{' ? 1 : text[i] === '}' ? -1 : 0;
  return { body: text.slice(open + 1, i - 1), end: i };
}

/**
 * Tables and chains of an nft script or `nft list ruleset`, braces matched (chain bodies may hold sets such
 * as `tcp dport { 22, 80 }`); `include` is not followed.
 */
export function nftChains(text: string): {
  tables: Array<{ family: string; name: string }>;
  chains: NftChain[];
} {
  const tables: Array<{ family: string; name: string }> = [];
  const chains: NftChain[] = [];
  const clean = strip(text).join('\n');
  const tableRe = /\btable\s+(?:(ip|ip6|inet|arp|bridge|netdev)\s+)?(\S+)\s*\{/g;
  for (let m = tableRe.exec(clean); m; m = tableRe.exec(clean)) {
    const family = m[1] ?? 'ip';
    const t = braced(clean, m.index + m[0].length - 1);
    tables.push({ family, name: m[2]! });
    const chainRe = /\bchain\s+(\S+)\s*\{/g;
    for (let c = chainRe.exec(t.body); c; c = chainRe.exec(t.body)) {
      const b = braced(t.body, c.index + c[0].length - 1);
      const hook = /\bhook\s+(\w+)/.exec(b.body)?.[1];
      const policy = /\bpolicy\s+(\w+)/.exec(b.body)?.[1];
      chains.push({
        table: m[2]!,
        family,
        name: c[1]!,
        ...(hook ? { hook } : {}),
        ...(policy ? { policy } : {}),
        body: b.body,
      });
      chainRe.lastIndex = b.end;
    }
    tableRe.lastIndex = t.end;
  }
  return { tables, chains };
}

const HOOKS = ['input', 'forward', 'output'];
const nftFix =
  'Write the ruleset to /etc/nftables.conf (table inet filter with input/forward/output base chains, policy drop, loopback rules) and systemctl enable nftables.';

function nftRule(
  what: string,
  check: (text: string, facts: Facts, input: Parameters<Evaluator>[1]) => string[],
): Evaluator {
  return (facts, input) =>
    judgeSources(facts, NFT_FILES, 'nft-ruleset', what, (t) => check(t, facts, input), nftFix);
}

const nftTable = nftRule('nftables table', (text, _f, input) => {
  const family = xccdfVariable(input, 'var_nftables_family') ?? 'inet';
  const name = xccdfVariable(input, 'var_nftables_table') ?? 'filter';
  return nftChains(text).tables.some((t) => t.family === family && t.name === name)
    ? []
    : [`no table ${family} ${name}`];
});
const nftBaseChains = nftRule('nftables base chains', (text) => {
  const hooks = new Set(nftChains(text).chains.flatMap((c) => (c.hook ? [c.hook] : [])));
  return HOOKS.filter((h) => !hooks.has(h)).map((h) => `no base chain on hook ${h}`);
});
const nftDefaultDeny = nftRule('nftables default policy', (text) => {
  const chains = nftChains(text).chains.filter((c) => c.hook && HOOKS.includes(c.hook));
  return HOOKS.flatMap((h) => {
    const cs = chains.filter((c) => c.hook === h);
    if (cs.length === 0) return [`no base chain on hook ${h}`];
    return cs
      .filter((c) => c.policy !== 'drop')
      .map((c) => `chain ${c.name} (hook ${h}) policy ${c.policy ?? 'accept (default)'}`);
  });
});
const nftLoopback = nftRule('nftables loopback traffic', (text) => {
  const input = nftChains(text)
    .chains.filter((c) => c.hook === 'input')
    .map((c) => c.body)
    .join('\n');
  const problems: string[] = [];
  if (!/iif\s+"?lo"?\s+accept/.test(input)) problems.push('no iif "lo" accept in the input chain');
  if (!/ip\s+saddr\s+127\.0\.0\.0\/8\s+(counter\s+(packets \d+ bytes \d+\s+)?)?drop/.test(input))
    problems.push('no drop of ip saddr 127.0.0.0/8');
  if (!/ip6\s+saddr\s+::1\s+(counter\s+(packets \d+ bytes \d+\s+)?)?drop/.test(input))
    problems.push('no drop of ip6 saddr ::1');
  return problems;
});
const nftPermanent: Evaluator = (facts) => {
  const r = judgeSources(
    facts,
    NFT_FILES,
    'none',
    'nftables persistent rules',
    (t) => (nftChains(t).tables.length ? [] : ['holds no table']),
    nftFix,
  );
  if (r.result !== 'PASS') return r;
  const u = unitFileState(facts, 'nftables.service');
  if (!u.ok) return error(u.reason);
  const e: Evidence = { source: 'nftables.service', value: u.value.state.state, expected: 'enabled' };
  if (u.value.state.state !== 'enabled')
    return {
      ...fail(`nftables.service is ${u.value.state.state}: the rules are not loaded at boot`, [
        ...r.evidence,
        e,
      ]),
      recommendation: 'systemctl enable nftables.service',
    };
  return pass('the nftables rules are loaded at boot by nftables.service', [...r.evidence, e]);
};

// ---------- iptables ----------

const V4 = ['/etc/iptables/rules.v4', '/etc/sysconfig/iptables'];
const V6 = ['/etc/iptables/rules.v6', '/etc/sysconfig/ip6tables'];

/** iptables-save (`:INPUT DROP [0:0]`, `-A …`) or `iptables -S` (`-P INPUT DROP`) of the filter table. */
function iptablesFilter(text: string): { policies: Map<string, string>; rules: string[] } {
  const policies = new Map<string, string>();
  const rules: string[] = [];
  let table = 'filter';
  for (const l of strip(text)) {
    if (l.startsWith('*')) table = l.slice(1);
    if (table !== 'filter') continue;
    const p = /^(?::(\S+)\s+(\S+)|-P\s+(\S+)\s+(\S+))/.exec(l);
    if (p) policies.set(p[1] ?? p[3]!, p[2] ?? p[4]!);
    else if (l.startsWith('-A ')) rules.push(l.replace(/\s+/g, ' '));
  }
  return { policies, rules };
}

const iptFix = (v6: boolean) => {
  const t = v6 ? 'ip6tables' : 'iptables';
  return `${t} -P INPUT DROP; ${t} -P FORWARD DROP; ${t} -P OUTPUT DROP (allow what is needed first), then save (netfilter-persistent save / service ${t} save).`;
};

function iptDefault(v6: boolean): Evaluator {
  return (facts) =>
    judgeSources(
      facts,
      v6 ? V6 : V4,
      v6 ? 'ip6tables' : 'iptables',
      `${v6 ? 'ip6tables' : 'iptables'} default policies`,
      (text) => {
        const { policies } = iptablesFilter(text);
        return ['INPUT', 'FORWARD', 'OUTPUT'].flatMap((c) =>
          policies.get(c) === 'DROP' ? [] : [`${c} policy ${policies.get(c) ?? 'ACCEPT (unset)'}`],
        );
      },
      iptFix(v6),
    );
}

function iptLoopback(v6: boolean): Evaluator {
  const net = v6 ? '::1(/128)?' : '127\\.0\\.0\\.0/8';
  return (facts) =>
    judgeSources(
      facts,
      v6 ? V6 : V4,
      v6 ? 'ip6tables' : 'iptables',
      `${v6 ? 'ip6tables' : 'iptables'} loopback traffic`,
      (text) => {
        const { rules } = iptablesFilter(text);
        const has = (re: RegExp) => rules.some((r) => re.test(r));
        return [
          ...(has(/^-A INPUT -i lo -j ACCEPT$/) ? [] : ['no -A INPUT -i lo -j ACCEPT']),
          ...(has(/^-A OUTPUT -o lo -j ACCEPT$/) ? [] : ['no -A OUTPUT -o lo -j ACCEPT']),
          ...(has(new RegExp(`^-A INPUT -s ${net} -j DROP$`))
            ? []
            : [`no -A INPUT -s ${v6 ? '::1' : '127.0.0.0/8'} -j DROP`]),
        ];
      },
      `${v6 ? 'ip6tables' : 'iptables'} -A INPUT -i lo -j ACCEPT; -A OUTPUT -o lo -j ACCEPT; -A INPUT -s ${v6 ? '::1' : '127.0.0.0/8'} -j DROP; then save the rules.`,
    );
}

// ---------- one firewall ----------

const FIREWALLS: Array<[string, string[]]> = [
  ['ufw', ['ufw.service']],
  ['nftables', ['nftables.service']],
  ['iptables', ['netfilter-persistent.service', 'iptables.service', 'ip6tables.service']],
  ['firewalld', ['firewalld.service']],
];

const singleFirewall: Evaluator = (facts) => {
  const on: string[] = [];
  const evidence: Evidence[] = [];
  for (const [name, units] of FIREWALLS)
    for (const unit of units) {
      const u = unitFileState(facts, unit);
      if (!u.ok) return error(u.reason);
      if (u.value.state.state === 'not-found') continue;
      evidence.push({ source: unit, value: u.value.state.state });
      if (u.value.state.state === 'enabled' && !on.includes(name)) on.push(name);
    }
  if (on.length === 1) return pass(`one firewall is enabled: ${on[0]}`, evidence);
  if (on.length === 0)
    return fail(
      'no firewall service is enabled (ufw, nftables, iptables, firewalld)',
      evidence.length ? evidence : [{ source: 'systemd', value: '(none)' }],
    );
  return {
    ...fail(
      `${on.length} firewall services are enabled: ${on.join(', ')}; their rules would conflict`,
      evidence,
    ),
    recommendation: `Keep the benchmark's choice and disable and mask the others (systemctl disable --now … && systemctl mask …).`,
  };
};

export const FIREWALL_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  'rule:check_ufw_active': ufwActive,
  'rule:set_ufw_default_rule': ufwDefault,
  'rule:set_ufw_loopback_traffic': ufwLoopback,
  'rule:set_nftables_table': nftTable,
  'rule:set_nftables_base_chain': nftBaseChains,
  'rule:nftables_ensure_default_deny_policy': nftDefaultDeny,
  'rule:set_nftables_loopback_traffic': nftLoopback,
  'rule:nftables_rules_permanent': nftPermanent,
  'rule:set_iptables_default_rule': iptDefault(false),
  'rule:set_ip6tables_default_rule': iptDefault(true),
  'rule:set_loopback_traffic': iptLoopback(false),
  'rule:set_ipv6_loopback_traffic': iptLoopback(true),
  'rule:firewall_single_service_active': singleFirewall,
};
