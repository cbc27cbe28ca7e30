/**
 * iptables_rules_for_open_ports, ip6tables_rules_for_open_ports, ufw_rules_for_open_ports: listening sockets
 * from a fixture /proc/net (kernel format, collected by the real agent) judged against real `iptables -S` /
 * `ip6tables -S` output (iptables 1.8.9) and real ufw 0.36.2 rule files (test/fixtures/config/README.md).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Facts } from '../../../../../functions/core/facts/facts';
import type { Telemetry } from '../../../../../functions/core/telemetry';
import {
  iptablesTokens,
  parseIptablesRules,
  parsePortList,
  reachableRules,
  ruleGovernsPort,
} from '../../../../../functions/parsers/iptables-rules';
import { OPEN_PORT_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/open-ports';
import { configFixture } from '../../../../helpers/cis-material';
import { type FakeSocket, writeProcess, writeSockets } from '../../../../helpers/fixture-proc';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { asLiveHost, collectRoot, evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const IPTABLES_S = configFixture('debian-12/iptables/iptables-S');
const IP6TABLES_S = configFixture('debian-12/iptables/ip6tables-S');
const UFW = {
  '/etc/ufw/user.rules': configFixture('debian-12/ufw-rules/user.rules'),
  '/etc/ufw/user6.rules': configFixture('debian-12/ufw-rules/user6.rules'),
  '/etc/ufw/before.rules': configFixture('debian-12/ufw-rules/before.rules'),
  '/etc/ufw/before6.rules': configFixture('debian-12/ufw-rules/before6.rules'),
};
const UFW_SHIPPED = {
  ...UFW,
  '/etc/ufw/user.rules': configFixture('debian-12/ufw-rules/user.rules.shipped'),
  '/etc/ufw/user6.rules': configFixture('debian-12/ufw-rules/user6.rules.shipped'),
};
const UFW_CONF = configFixture('debian-12/etc/ufw/ufw.conf');
const UFW_ON = UFW_CONF.replace('ENABLED=no', 'ENABLED=yes');

const LISTEN = 0x0a;
const UDP_BOUND = 0x07;

/** A root whose /proc/net holds the sockets, sshd (pid 500) holding the first. */
async function withSockets(sockets: FakeSocket[], files: Record<string, string> = {}): Promise<Telemetry> {
  return collectRoot(
    { files },
    {
      prepare: (root) => {
        writeSockets(root, sockets);
        writeProcess(root, {
          pid: 500,
          comm: 'sshd',
          exe: '/usr/sbin/sshd',
          sockets: sockets.slice(0, 1).map((s) => s.inode),
        });
      },
    },
  );
}

const cmd = (argv: string[], stdout: string, exitCode = 0) => ({
  status: 'ok' as const,
  argv,
  exitCode,
  stdout,
  stderr: exitCode
    ? 'iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n'
    : '',
});

const live = (t: Telemetry, v4 = IPTABLES_S, v6 = IP6TABLES_S) =>
  asLiveHost(t, {
    iptables: cmd(['iptables', '-S'], v4),
    ip6tables: cmd(['ip6tables', '-S'], v6),
  });

const run = (rule: string, facts: Facts) =>
  evaluate(OPEN_PORT_EVALUATORS[`rule:${rule}`]!, facts, rule, 'debian12');

const SERVER: FakeSocket[] = [
  { protocol: 'tcp', local: ['0.0.0.0', 22], state: LISTEN, inode: 1001 },
  { protocol: 'tcp', local: ['0.0.0.0', 443], state: LISTEN, inode: 1002 },
  { protocol: 'udp', local: ['0.0.0.0', 123], state: UDP_BOUND, inode: 1003 },
  { protocol: 'tcp', local: ['127.0.0.1', 631], state: LISTEN, inode: 1004 },
  { protocol: 'tcp6', local: ['::', 22], state: LISTEN, inode: 1005 },
  { protocol: 'tcp6', local: ['::1', 631], state: LISTEN, inode: 1006 },
];

describe('iptables rule parser (iptables 1.8.9 -S and iptables-save output)', () => {
  it('tokens keep quoted arguments whole', () => {
    expect(iptablesTokens('-A ufw-logging-deny -j LOG --log-prefix "[UFW BLOCK] " -m limit')).toEqual([
      '-A',
      'ufw-logging-deny',
      '-j',
      'LOG',
      '--log-prefix',
      '[UFW BLOCK] ',
      '-m',
      'limit',
    ]);
  });
  it.each([
    ['22', [[22, 22]]],
    ['6000:6007', [[6000, 6007]]],
    [
      '80,443,8000:8080',
      [
        [80, 80],
        [443, 443],
        [8000, 8080],
      ],
    ],
    [':1023', [[0, 1023]]],
    ['1024:', [[1024, 65535]]],
    ['ssh', undefined],
    ['70000', undefined],
  ] as const)('port list %s', (spec, want) => {
    expect(parsePortList(spec)).toEqual(want);
  });
  it('reads policies, chains, ports, negations and targets of `iptables -S`', () => {
    const set = parseIptablesRules(IPTABLES_S);
    expect(Object.fromEntries(set.policies)).toEqual({ INPUT: 'DROP', FORWARD: 'DROP', OUTPUT: 'DROP' });
    expect([...set.chains].sort()).toEqual(['FORWARD', 'INPUT', 'OUTPUT', 'ssh-in']);
    const byLine = (n: string) => set.rules.find((r) => r.text.includes(n))!;
    expect(byLine('--dports 80,443')).toMatchObject({
      chain: 'INPUT',
      protocol: 'tcp',
      dports: [
        [80, 80],
        [443, 443],
        [8000, 8080],
      ],
      target: 'ACCEPT',
    });
    expect(byLine('! --dport 9000')).toMatchObject({ dportsNegated: true, target: 'LOG' });
    // Rules reached from INPUT include the user chain it jumps to.
    const reached = reachableRules(set, ['INPUT']);
    expect(reached.some((r) => r.chain === 'ssh-in')).toBe(true);
    expect(reached.some((r) => r.chain === 'OUTPUT')).toBe(false);
    const governs = (proto: string, port: number) =>
      reached.some((r) => ruleGovernsPort(set, r, proto, port));
    expect([governs('tcp', 22), governs('tcp', 8080), governs('udp', 123), governs('tcp', 25)]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    // The LOG rule (`! --dport 9000`) governs nothing; udp 22 has no rule.
    expect([governs('tcp', 9000), governs('tcp', 9001), governs('udp', 22)]).toEqual([false, false, false]);
  });
  it('reads iptables-save files (ufw user.rules as ufw 0.36.2 writes them), skipping other tables', () => {
    const set = parseIptablesRules(UFW['/etc/ufw/user.rules']);
    const reached = reachableRules(set, ['ufw-user-input']);
    const governs = (proto: string, port: number) =>
      reached.some((r) => ruleGovernsPort(set, r, proto, port));
    // allow 22/tcp, allow 53 (tcp and udp), limit 2222/tcp, allow 6000:6007/tcp, deny 25/tcp, allow 80,443/tcp.
    expect([22, 53, 2222, 6003, 25, 443].map((p) => governs('tcp', p))).toEqual(Array(6).fill(true));
    expect([governs('udp', 53), governs('udp', 22), governs('tcp', 8080)]).toEqual([true, false, false]);
    expect(parseIptablesRules('*nat\n-A PREROUTING -p tcp --dport 80 -j REDIRECT\nCOMMIT\n').rules).toEqual(
      [],
    );
  });
});

describe('iptables_rules_for_open_ports / ip6tables_rules_for_open_ports', () => {
  it('pass: every non-loopback port has an INPUT rule (ssh-in chain, multiport, udp); loopback ignored', async () => {
    const f = live(await withSockets(SERVER));
    const r4 = run('iptables_rules_for_open_ports', f);
    expect(r4.result).toBe('PASS');
    expect(r4.message).toMatch(/each of the 3 IPv4 ports/);
    expect(r4.evidence).toContainEqual(
      expect.objectContaining({
        key: '22/tcp',
        value: '-A ssh-in -p tcp -m tcp --dport 22 -m state --state NEW -j ACCEPT',
        note: '0.0.0.0:22 (sshd)',
      }),
    );
    expect(run('ip6tables_rules_for_open_ports', f).result).toBe('PASS');
  });
  it('fail: names the ports without a rule, with the program listening', async () => {
    const f = live(
      await withSockets([
        { protocol: 'tcp', local: ['0.0.0.0', 5432], state: LISTEN, inode: 2001 },
        ...SERVER,
        { protocol: 'udp', local: ['0.0.0.0', 68], state: UDP_BOUND, inode: 2002 },
      ]),
    );
    const r = run('iptables_rules_for_open_ports', f);
    expect(r.result).toBe('FAIL');
    expect(r.message).toMatch(/2 of 5 IPv4 ports .* no rule .*: 68\/udp, 5432\/tcp/);
    expect(r.evidence).toContainEqual({
      source: 'listening sockets',
      key: '5432/tcp',
      value: '0.0.0.0:5432 (sshd)',
      expected: 'an iptables INPUT rule for the port',
    });
    expect(r.recommendation).toMatch(/iptables -A INPUT -p udp --dport 68/);
  });
  it('ip6tables: a v6 port without rule fails; IPv6 disabled passes as upstream', async () => {
    const sockets: FakeSocket[] = [
      ...SERVER,
      { protocol: 'udp6', local: ['::', 5353], state: UDP_BOUND, inode: 3001 },
    ];
    const t = await withSockets(sockets);
    const r = run('ip6tables_rules_for_open_ports', live(t));
    expect(r.result).toBe('FAIL');
    expect(r.message).toMatch(/5353\/udp/);
    const off: Telemetry = {
      ...t,
      kernelParameters: {
        status: 'ok',
        values: { 'net.ipv6.conf.all.disable_ipv6': '1' },
        unreadable: {},
      },
    };
    expect(run('ip6tables_rules_for_open_ports', live(off)).result).toBe('PASS');
  });
  it('an empty loaded rule set fails every port; no listener outside loopback passes', async () => {
    const t = await withSockets(SERVER);
    expect(run('iptables_rules_for_open_ports', live(t, '-P INPUT ACCEPT\n-P FORWARD ACCEPT\n')).result).toBe(
      'FAIL',
    );
    const lo = await withSockets([SERVER[3]!, SERVER[5]!]);
    const r = run('iptables_rules_for_open_ports', live(lo, ''));
    expect(r.result).toBe('PASS');
    expect(r.message).toMatch(/no IPv4 port listens outside loopback/);
  });
  it('not applicable on a root that is not a running system; ERROR when the rules could not be listed', async () => {
    const t = await withSockets(SERVER);
    const image = run('iptables_rules_for_open_ports', await factsOf({ files: { '/etc/hostname': 'h' } }));
    expect(image.result).toBe('NOT_APPLICABLE');
    expect(image.message).toMatch(/not a live host: listening ports are runtime state/);
    const denied = asLiveHost(t, { iptables: cmd(['iptables', '-S'], '', 4) });
    expect(run('iptables_rules_for_open_ports', denied).result).toBe('ERROR');
    const noRuntime = asLiveHost({ ...t, runtime: undefined });
    expect(run('iptables_rules_for_open_ports', noRuntime).message).toMatch(
      /listening sockets are not known/,
    );
  });
});

describe('ufw_rules_for_open_ports (ufw 0.36.2 rule files)', () => {
  it('pass: each port has a user rule (or before.rules: DHCP client 68/udp)', async () => {
    const t = await withSockets(
      [
        ...SERVER.filter((s) => s.local[1] !== 123),
        { protocol: 'udp', local: ['0.0.0.0', 68], state: UDP_BOUND, inode: 4001 },
      ],
      { ...UFW, '/etc/ufw/ufw.conf': UFW_ON },
    );
    const r = run('ufw_rules_for_open_ports', asLiveHost(t));
    expect(r.result).toBe('PASS');
    expect(r.evidence).toContainEqual(
      expect.objectContaining({ source: '/etc/ufw/before.rules', key: '68/udp' }),
    );
    expect(r.evidence).toContainEqual(
      expect.objectContaining({ source: '/etc/ufw/user6.rules', key: '22/tcp' }),
    );
  });
  it('fail: the shipped rule files (no user rule), and a port ufw has no rule for', async () => {
    const shipped = await withSockets(SERVER, { ...UFW_SHIPPED, '/etc/ufw/ufw.conf': UFW_ON });
    const r = run('ufw_rules_for_open_ports', asLiveHost(shipped));
    expect(r.result).toBe('FAIL');
    expect(r.message).toMatch(/22\/tcp, 123\/udp, 443\/tcp/);
    expect(r.recommendation).toMatch(/ufw allow in 22\/tcp/);
    const extra = await withSockets(
      [...SERVER, { protocol: 'tcp', local: ['0.0.0.0', 8443], state: LISTEN, inode: 4002 }],
      { ...UFW, '/etc/ufw/ufw.conf': UFW_ON },
    );
    const e = run('ufw_rules_for_open_ports', asLiveHost(extra));
    expect(e.result).toBe('FAIL');
    // 123/udp: ufw allow 53 wrote udp 53 only.
    expect(e.message).toMatch(/2 of 4 IPv4 ports .*: 123\/udp, 8443\/tcp/);
  });
  it('fail: ufw not enabled (shipped ufw.conf, ENABLED=no) loads none of its rules', async () => {
    const t = await withSockets(SERVER, { ...UFW, '/etc/ufw/ufw.conf': UFW_CONF });
    const r = run('ufw_rules_for_open_ports', asLiveHost(t));
    expect(r.result).toBe('FAIL');
    expect(r.message).toMatch(/ufw is not enabled \(ENABLED=no/);
  });
  it('not applicable on an image', async () => {
    const r = run(
      'ufw_rules_for_open_ports',
      await factsOf({ files: { ...UFW, '/etc/ufw/ufw.conf': UFW_ON } }),
    );
    expect(r.result).toBe('NOT_APPLICABLE');
  });
});
