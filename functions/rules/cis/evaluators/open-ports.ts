/**
 * Firewall rules for every open port (`iptables_rules_for_open_ports`, `ip6tables_rules_for_open_ports`,
 * `ufw_rules_for_open_ports`): each port a process listens on outside loopback (TCP listening sockets and
 * bound UDP sockets the agent sampled from /proc/net, the material runtime-behavior-analysis and
 * network-reachability use) has a firewall rule that decides its traffic.
 *
 * - iptables / ip6tables: the rules loaded on the host (`iptables -S`, `ip6tables -S`), INPUT and the
 *   user-defined chains it jumps to. IPv4 sockets (/proc/net/tcp, udp) are judged by iptables, IPv6 sockets
 *   (tcp6, udp6) by ip6tables; ip6tables passes when IPv6 is off (net.ipv6.conf.all.disable_ipv6 = 1), as
 *   upstream's check does.
 * - ufw: the rules ufw loads, /etc/ufw/user.rules and before.rules (IPv4), user6.rules and before6.rules
 *   (IPv6), as `ufw allow|deny|reject|limit` writes them; ufw must be enabled (ENABLED=yes in ufw.conf),
 *   or none of them is loaded.
 *
 * A rule for a port names its protocol and a destination port or range holding it (`--dport`, multiport
 * `--dports`) and accepts, drops or rejects it (or hands it to a user chain such as ufw's limit chains), as
 * upstream's checks and the benchmark's own remediation ("accepting or denying") count it; logging rules and
 * rules without a port do not. Listening sockets are runtime state: on a root that is not a running system
 * (`--root` of an image) the rules are NOT_APPLICABLE with the reason, never PASS.
 */
import type { Facts } from '../../../core/facts/facts';
import { commandOutput, isLiveHost, optionalText } from '../../../core/facts/host-config';
import { endpoint, isLoopback, programName, runtimeSection } from '../../../core/facts/runtime';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, notApplicable, pass } from '../../../core/rule';
import {
  type IptablesRule,
  type IptablesRuleset,
  parseIptablesRules,
  reachableRules,
  ruleGovernsPort,
} from '../../../parsers/iptables-rules';
import type { Evaluator } from './index';

const MAX_EVIDENCE = 20;

type Family = 'ipv4' | 'ipv6';

interface OpenPort {
  protocol: 'tcp' | 'udp';
  port: number;
  /** Local endpoints and the programs holding them. */
  endpoints: string[];
  programs: string[];
}

/** Non-loopback listening ports of one address family, by protocol and port. */
function openPorts(
  facts: Facts,
  family: Family,
): { ok: true; ports: OpenPort[]; dropped: number } | { ok: false; outcome: CheckOutcome } {
  if (!isLiveHost(facts))
    return {
      ok: false,
      outcome: notApplicable(
        `not a live host: listening ports are runtime state, and ${facts.telemetry.root} is not a running system`,
      ),
    };
  const rt = runtimeSection(facts);
  if (!rt.ok) return { ok: false, outcome: error(`listening sockets are not known: ${rt.reason}`) };
  const byKey = new Map<string, OpenPort>();
  for (const l of rt.value.listeners) {
    const v6 = l.protocol.endsWith('6');
    if ((family === 'ipv6') !== v6 || isLoopback(l.address)) continue;
    const protocol = l.protocol.startsWith('tcp') ? 'tcp' : 'udp';
    const key = `${protocol}/${l.port}`;
    let p = byKey.get(key);
    if (!p) {
      p = { protocol, port: l.port, endpoints: [], programs: [] };
      byKey.set(key, p);
    }
    p.endpoints.push(endpoint(l.address, l.port));
    for (const i of l.processes) {
      const proc = rt.value.processes[i];
      const name = proc ? programName(proc) : undefined;
      if (name && !p.programs.includes(name)) p.programs.push(name);
    }
  }
  const ports = [...byKey.values()].sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : 1));
  return { ok: true, ports, dropped: rt.value.dropped.listeners ?? 0 };
}

interface RuleSource {
  source: string;
  set: IptablesRuleset;
  start: readonly string[];
}

const portLabel = (p: OpenPort) => `${p.port}/${p.protocol}`;
const portNote = (p: OpenPort) =>
  `${p.endpoints.join(', ')}${p.programs.length ? ` (${p.programs.join(', ')})` : ''}`;

/** Judges each open port against the rule sources. */
function judgePorts(
  ports: OpenPort[],
  dropped: number,
  sources: RuleSource[],
  what: string,
  expected: string,
  fix: (missing: OpenPort[]) => string,
): CheckOutcome {
  if (ports.length === 0 && dropped === 0)
    return pass(`no ${what} port listens outside loopback`, [
      { source: 'listening sockets', value: '(none outside loopback)' },
    ]);
  const reach = sources.map((s) => ({ s, rules: reachableRules(s.set, s.start) }));
  const covered: Array<{ port: OpenPort; rule: IptablesRule; source: string }> = [];
  const missing: OpenPort[] = [];
  for (const port of ports) {
    let found: { rule: IptablesRule; source: string } | undefined;
    for (const { s, rules } of reach) {
      const rule = rules.find((r) => ruleGovernsPort(s.set, r, port.protocol, port.port));
      if (rule) {
        found = { rule, source: s.source };
        break;
      }
    }
    if (found) covered.push({ port, ...found });
    else missing.push(port);
  }
  const sourceNames = sources.map((s) => s.source).join(', ');
  if (missing.length) {
    const evidence: Evidence[] = missing.slice(0, MAX_EVIDENCE).map((p) => ({
      source: 'listening sockets',
      key: portLabel(p),
      value: portNote(p),
      expected,
    }));
    const more = missing.length > MAX_EVIDENCE ? ` (first ${MAX_EVIDENCE} shown)` : '';
    return {
      ...fail(
        `${missing.length} of ${ports.length} ${what} ports listening outside loopback have no rule in ${sourceNames || 'the firewall'}: ${missing.map(portLabel).join(', ')}${more}`,
        evidence,
      ),
      recommendation: fix(missing),
    };
  }
  if (dropped > 0)
    return error(
      `every recorded ${what} port has a rule, but the agent's listener cap dropped ${dropped} listening sockets that could not be judged`,
    );
  return pass(
    `each of the ${ports.length} ${what} ports listening outside loopback has a rule in ${sourceNames}`,
    covered.slice(0, MAX_EVIDENCE).map((c) => ({
      source: c.source,
      line: c.rule.line,
      key: portLabel(c.port),
      value: c.rule.text,
      note: portNote(c.port),
    })),
  );
}

function iptablesOpenPorts(v6: boolean): Evaluator {
  const tool = v6 ? 'ip6tables' : 'iptables';
  const family: Family = v6 ? 'ipv6' : 'ipv4';
  return (facts) => {
    const open = openPorts(facts, family);
    if (!open.ok) return open.outcome;
    if (v6) {
      const off = facts.kernelParameter('net.ipv6.conf.all.disable_ipv6');
      if (off.ok && off.value === '1')
        return pass('IPv6 is disabled on this host (net.ipv6.conf.all.disable_ipv6 = 1)', [
          { source: 'net.ipv6.conf.all.disable_ipv6', value: '1' },
        ]);
    }
    const out = commandOutput(facts, tool);
    if (!out.ok) return error(`the loaded ${tool} rules are not known: ${out.reason}`);
    if (out.value.exitCode !== 0)
      return error(
        `${out.value.argv.join(' ')} exited with ${out.value.exitCode}: the loaded rules are not known`,
      );
    return judgePorts(
      open.ports,
      open.dropped,
      [{ source: out.value.argv.join(' '), set: parseIptablesRules(out.value.stdout), start: ['INPUT'] }],
      family === 'ipv6' ? 'IPv6' : 'IPv4',
      `an ${tool} INPUT rule for the port`,
      (missing) =>
        `Add a rule for each port that should be reachable, e.g. ${missing
          .slice(0, 3)
          .map((p) => `${tool} -A INPUT -p ${p.protocol} --dport ${p.port} -m state --state NEW -j ACCEPT`)
          .join('; ')}; stop the services that should not listen; then save the rules.`,
    );
  };
}

const UFW_FILES: Readonly<Record<Family, { files: string[]; start: string[] }>> = {
  ipv4: {
    files: ['/etc/ufw/before.rules', '/etc/ufw/user.rules'],
    start: ['ufw-before-input', 'ufw-user-input'],
  },
  ipv6: {
    files: ['/etc/ufw/before6.rules', '/etc/ufw/user6.rules'],
    start: ['ufw6-before-input', 'ufw6-user-input'],
  },
};

const ufwOpenPorts: Evaluator = (facts) => {
  const v4 = openPorts(facts, 'ipv4');
  if (!v4.ok) return v4.outcome;
  const v6 = openPorts(facts, 'ipv6');
  if (!v6.ok) return v6.outcome;
  const conf = optionalText(facts, '/etc/ufw/ufw.conf');
  if (!conf.ok) return error(conf.reason);
  let enabled: string | undefined;
  for (const l of (conf.value?.text ?? '').split('\n')) {
    const m = /^\s*ENABLED\s*=\s*"?([^"\s#]*)"?/.exec(l);
    if (m) enabled = m[1];
  }
  const ports = [
    ...v4.ports.map((p) => ({ p, f: 'ipv4' as Family })),
    ...v6.ports.map((p) => ({ p, f: 'ipv6' as Family })),
  ];
  const fix = (missing: OpenPort[]) =>
    `Add a rule for each port that should be reachable (${missing
      .slice(0, 3)
      .map((p) => `ufw allow in ${p.port}/${p.protocol}`)
      .join('; ')}), deny the others (ufw deny in PORT/PROTO) or stop the services that should not listen.`;
  if (enabled?.toLowerCase() !== 'yes' && ports.length > 0)
    return {
      ...fail(
        `ufw is not enabled (ENABLED=${enabled ?? 'unset'} in /etc/ufw/ufw.conf): none of its rules is loaded for the ${ports.length} ports listening outside loopback`,
        [
          { source: '/etc/ufw/ufw.conf', key: 'ENABLED', value: enabled ?? '(unset)', expected: 'yes' },
          ...ports
            .slice(0, MAX_EVIDENCE)
            .map(({ p }) => ({ source: 'listening sockets', key: portLabel(p), value: portNote(p) })),
        ],
      ),
      recommendation: `ufw enable, after adding the rules: ${fix(ports.map((x) => x.p))}`,
    };
  const outcomes: CheckOutcome[] = [];
  for (const [family, open] of [
    ['ipv4', v4],
    ['ipv6', v6],
  ] as const) {
    const sources: RuleSource[] = [];
    for (const file of UFW_FILES[family].files) {
      const t = optionalText(facts, file);
      if (!t.ok) return error(t.reason);
      if (t.value)
        sources.push({ source: file, set: parseIptablesRules(t.value.text), start: UFW_FILES[family].start });
    }
    outcomes.push(
      judgePorts(
        open.ports,
        open.dropped,
        sources,
        family === 'ipv6' ? 'IPv6' : 'IPv4',
        `a ufw rule for the port (${family === 'ipv6' ? 'user6.rules' : 'user.rules'})`,
        fix,
      ),
    );
  }
  const failed = outcomes.filter((o) => o.result === 'FAIL');
  if (failed.length)
    return {
      ...fail(
        failed.map((o) => o.message).join('; '),
        failed.flatMap((o) => o.evidence),
      ),
      recommendation: failed[0]!.recommendation ?? fix([]),
    };
  const errored = outcomes.find((o) => o.result === 'ERROR');
  if (errored) return errored;
  return pass(
    outcomes.map((o) => o.message).join('; '),
    outcomes.flatMap((o) => o.evidence),
  );
};

export const OPEN_PORT_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  'rule:iptables_rules_for_open_ports': iptablesOpenPorts(false),
  'rule:ip6tables_rules_for_open_ports': iptablesOpenPorts(true),
  'rule:ufw_rules_for_open_ports': ufwOpenPorts,
};
