import { afterAll, describe, expect, it } from 'vitest';
import type { Facts } from '../../../../../functions/core/facts/facts';
import { FIREWALL_EVALUATORS, nftChains } from '../../../../../functions/rules/cis/evaluators/firewall';
import { DEBIAN_NFTABLES_CONF, DEBIAN_UFW_CONF, HARDENED_NFT } from '../../../../helpers/cis-material';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { asLiveHost, collectRoot, evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const run = (rule: string, facts: Facts) =>
  evaluate(FIREWALL_EVALUATORS[`rule:${rule}`]!, facts, rule, 'debian12');

describe('nftables (Debian 12 nftables 1.0.6-2+deb12u2 /etc/nftables.conf)', () => {
  it('parses tables and base chains', () => {
    const { tables, chains } = nftChains(DEBIAN_NFTABLES_CONF);
    expect(tables).toEqual([{ family: 'inet', name: 'filter' }]);
    expect(chains.map((c) => [c.name, c.hook, c.policy])).toEqual([
      ['input', 'input', undefined],
      ['forward', 'forward', undefined],
      ['output', 'output', undefined],
    ]);
  });
  it('chains holding sets and nested braces', () => {
    const { chains } = nftChains(
      'table inet filter {\n  chain input {\n    type filter hook input priority 0; policy drop;\n    tcp dport { 22, 80 } accept\n  }\n  chain output {\n    type filter hook output priority 0; policy drop;\n  }\n}\n',
    );
    expect(chains.map((c) => [c.name, c.hook, c.policy])).toEqual([
      ['input', 'input', 'drop'],
      ['output', 'output', 'drop'],
    ]);
  });
  it.each([
    ['set_nftables_table', 'PASS', 'PASS'],
    ['set_nftables_base_chain', 'PASS', 'PASS'],
    ['nftables_ensure_default_deny_policy', 'FAIL', 'PASS'],
    ['set_nftables_loopback_traffic', 'FAIL', 'PASS'],
  ] as const)('%s: shipped %s, hardened %s', async (rule, shipped, hardened) => {
    expect(run(rule, await factsOf({ files: { '/etc/nftables.conf': DEBIAN_NFTABLES_CONF } })).result).toBe(
      shipped,
    );
    expect(run(rule, await factsOf({ files: { '/etc/nftables.conf': HARDENED_NFT } })).result).toBe(hardened);
  });
  it('a live host whose loaded ruleset is empty fails even with a good file', async () => {
    const t = await collectRoot({ files: { '/etc/nftables.conf': HARDENED_NFT } });
    const live = asLiveHost(t, {
      'nft-ruleset': { status: 'ok', argv: ['nft', 'list', 'ruleset'], exitCode: 0, stdout: '', stderr: '' },
    });
    expect(run('nftables_ensure_default_deny_policy', live).result).toBe('FAIL');
  });
  it('permanent: the file and nftables.service enabled', async () => {
    const unit = {
      '/lib/systemd/system/nftables.service': '[Service]\n[Install]\nWantedBy=sysinit.target\n',
      '/etc/nftables.conf': HARDENED_NFT,
    };
    expect(run('nftables_rules_permanent', await factsOf({ files: unit })).result).toBe('FAIL');
    const on = await factsOf({
      files: unit,
      symlinks: {
        '/etc/systemd/system/sysinit.target.wants/nftables.service': '/lib/systemd/system/nftables.service',
      },
    });
    expect(run('nftables_rules_permanent', on).result).toBe('PASS');
    expect(run('nftables_rules_permanent', await factsOf({ files: { '/etc/hostname': 'h' } })).result).toBe(
      'FAIL',
    );
  });
});

describe('ufw (Debian 12 ufw 0.36.2-1)', () => {
  it('shipped ufw.conf (ENABLED=no) is not active; ENABLED=yes is', async () => {
    expect(
      run('check_ufw_active', await factsOf({ files: { '/etc/ufw/ufw.conf': DEBIAN_UFW_CONF } })).result,
    ).toBe('FAIL');
    expect(
      run(
        'check_ufw_active',
        await factsOf({
          files: { '/etc/ufw/ufw.conf': DEBIAN_UFW_CONF.replace('ENABLED=no', 'ENABLED=yes') },
        }),
      ).result,
    ).toBe('PASS');
  });
  it('default policies and loopback rules', async () => {
    const dflt =
      'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\nDEFAULT_FORWARD_POLICY="DROP"\n';
    expect(run('set_ufw_default_rule', await factsOf({ files: { '/etc/default/ufw': dflt } })).result).toBe(
      'FAIL',
    );
    expect(
      run(
        'set_ufw_default_rule',
        await factsOf({ files: { '/etc/default/ufw': dflt.replace('"ACCEPT"', '"REJECT"') } }),
      ).result,
    ).toBe('PASS');
    const before =
      '*filter\n-A ufw-before-input -i lo -j ACCEPT\n-A ufw-before-output -o lo -j ACCEPT\nCOMMIT\n';
    const files = {
      '/etc/ufw/before.rules': before,
      '/etc/ufw/user.rules':
        '*filter\n### tuple ### deny any any 0.0.0.0/0 any 127.0.0.0/8 in\n-A ufw-user-input -s 127.0.0.0/8 -j DROP\nCOMMIT\n',
    };
    expect(run('set_ufw_loopback_traffic', await factsOf({ files })).result).toBe('FAIL');
    const six = { ...files, '/etc/ufw/user6.rules': '*filter\n-A ufw6-user-input -s ::1 -j DROP\nCOMMIT\n' };
    expect(run('set_ufw_loopback_traffic', await factsOf({ files: six })).result).toBe('PASS');
  });
});

describe('iptables', () => {
  const SAVE =
    '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A OUTPUT -o lo -j ACCEPT\n-A INPUT -s 127.0.0.0/8 -j DROP\nCOMMIT\n';
  it('iptables-save files and iptables -S output', async () => {
    const f = await factsOf({ files: { '/etc/iptables/rules.v4': SAVE } });
    expect(run('set_iptables_default_rule', f).result).toBe('FAIL');
    expect(run('set_loopback_traffic', f).result).toBe('PASS');
    const all = await factsOf({
      files: { '/etc/iptables/rules.v4': SAVE.replace(':OUTPUT ACCEPT', ':OUTPUT DROP') },
    });
    expect(run('set_iptables_default_rule', all).result).toBe('PASS');
    const t = await collectRoot({
      files: { '/etc/iptables/rules.v4': SAVE.replace(':OUTPUT ACCEPT', ':OUTPUT DROP') },
    });
    const live = asLiveHost(t, {
      iptables: {
        status: 'ok',
        argv: ['iptables', '-S'],
        exitCode: 0,
        stdout: '-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n',
        stderr: '',
      },
    });
    expect(run('set_iptables_default_rule', live).result).toBe('FAIL');
    expect(run('set_ip6tables_default_rule', f).result).toBe('FAIL');
  });
});

describe('firewall_single_service_active', () => {
  const unit = (n: string) => ({
    [`/lib/systemd/system/${n}.service`]: '[Install]\nWantedBy=multi-user.target\n',
  });
  const want = (n: string) => ({
    [`/etc/systemd/system/multi-user.target.wants/${n}.service`]: `/lib/systemd/system/${n}.service`,
  });
  it('one, none, two', async () => {
    const files = { ...unit('ufw'), ...unit('nftables') };
    expect(
      run('firewall_single_service_active', await factsOf({ files, symlinks: want('nftables') })).result,
    ).toBe('PASS');
    expect(run('firewall_single_service_active', await factsOf({ files })).result).toBe('FAIL');
    expect(
      run(
        'firewall_single_service_active',
        await factsOf({ files, symlinks: { ...want('nftables'), ...want('ufw') } }),
      ).result,
    ).toBe('FAIL');
  });
});
