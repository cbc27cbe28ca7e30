import { afterAll, describe, expect, it } from 'vitest';
import type { EvaluatorInput } from '../../../../../functions/rules/cis/evaluators';
import { sysctlEvaluator } from '../../../../../functions/rules/cis/evaluators/sysctl';
import { type CisRootSpec, cisFacts } from '../../../../helpers/cis-roots';
import { cleanupRoots } from '../../../../helpers/fixture-root';

afterAll(cleanupRoots);

// systemd 252's /usr/lib/sysctl.d/50-default.conf (Debian 12), abridged to the keys judged here.
const SYSTEMD_DEFAULT = `#  This file is part of systemd.
# See sysctl.d(5) and sysctl(8) for more information.

# System Request functionality of the kernel (SYNC)
kernel.sysrq = 0x01b6

# Source route verification
net.ipv4.conf.default.rp_filter = 2
net.ipv4.conf.*.rp_filter = 2
-net.ipv4.conf.all.rp_filter

# Enable hard and soft link protection
fs.protected_hardlinks = 1
fs.protected_symlinks = 1
`;
// procps' /etc/sysctl.conf as Debian ships it (commented out), with one line uncommented.
const PROCPS_SYSCTL_CONF = `#
# /etc/sysctl.conf - Configuration file for setting system variables
# See /etc/sysctl.d/ for additional system variables.
# See sysctl.conf (5) for information.
#

#kernel.domainname = example.com

# Uncomment the following to stop low-level messages on console
#kernel.printk = 3 4 1 3

# Uncomment the next line to enable packet forwarding for IPv4
#net.ipv4.ip_forward=1
`;

const forward = (vars: Record<string, string> = {}): EvaluatorInput => ({
  ruleId: 'sysctl_net_ipv4_ip_forward',
  benchmark: 'debian12',
  vars: { datatype: 'int', sysctlval: '0', sysctlvar: 'net.ipv4.ip_forward', ...vars },
  variables: {},
});
const live = { units: {}, unitFiles: {} };

type Case = [string, CisRootSpec, EvaluatorInput, string, RegExp];
const cases: Case[] = [
  [
    'persistent in /etc/sysctl.d and runtime right',
    {
      files: {
        '/etc/sysctl.d/60-cis.conf': 'net.ipv4.ip_forward = 0\n',
        '/etc/sysctl.conf': PROCPS_SYSCTL_CONF,
      },
      sysctl: { 'net.ipv4.ip_forward': '0' },
      live,
    },
    forward(),
    'PASS',
    /0 at runtime and 0 in \/etc\/sysctl.d\/60-cis.conf/,
  ],
  [
    'a wrong value a later file overrides is not a failure (systemd applies the last)',
    {
      files: {
        '/usr/lib/sysctl.d/50-default.conf': SYSTEMD_DEFAULT,
        '/etc/sysctl.d/10-bad.conf': 'fs.protected_symlinks = 0\n',
        '/etc/sysctl.d/99-good.conf': 'fs.protected_symlinks = 1\n',
      },
      sysctl: { 'fs.protected_symlinks': '1' },
      live,
    },
    {
      ...forward(),
      ruleId: 'sysctl_fs_protected_symlinks',
      vars: { datatype: 'int', sysctlval: '1', sysctlvar: 'fs.protected_symlinks' },
    },
    'PASS',
    /overrides \/etc\/sysctl.d\/10-bad.conf line 1/,
  ],
  [
    'the same name in /etc/sysctl.d hides /usr/lib/sysctl.d',
    {
      files: {
        '/usr/lib/sysctl.d/50-default.conf': SYSTEMD_DEFAULT,
        '/etc/sysctl.d/50-default.conf': 'kernel.sysrq = 0\n',
      },
      sysctl: { 'fs.protected_hardlinks': '1' },
      live,
    },
    {
      ...forward(),
      ruleId: 'sysctl_fs_protected_hardlinks',
      vars: { datatype: 'int', sysctlval: '1', sysctlvar: 'fs.protected_hardlinks' },
    },
    'FAIL',
    /no persistent setting/,
  ],
  [
    '/etc/sysctl.conf applies last: it overrides sysctl.d',
    {
      files: {
        '/etc/sysctl.d/60-cis.conf': 'net.ipv4.ip_forward = 0\n',
        '/etc/sysctl.conf': 'net.ipv4.ip_forward=1\n',
      },
      sysctl: { 'net.ipv4.ip_forward': '0' },
      live,
    },
    forward(),
    'FAIL',
    /persistently 1 \(\/etc\/sysctl.conf line 1\)/,
  ],
  [
    'commented line only: no persistent setting',
    { files: { '/etc/sysctl.conf': PROCPS_SYSCTL_CONF }, sysctl: { 'net.ipv4.ip_forward': '0' }, live },
    forward(),
    'FAIL',
    /no persistent setting/,
  ],
  [
    'runtime wrong, persistent right',
    {
      files: { '/etc/sysctl.d/60-cis.conf': 'net.ipv4.ip_forward = 0\n' },
      sysctl: { 'net.ipv4.ip_forward': '1' },
      live,
    },
    forward(),
    'FAIL',
    /1 at runtime/,
  ],
  [
    'not a live host, persistent right: NOT_APPLICABLE, never PASS',
    { files: { '/etc/sysctl.d/60-cis.conf': 'net.ipv4.ip_forward = 0\n' } },
    forward(),
    'NOT_APPLICABLE',
    /runtime value is not known: not a live host/,
  ],
  [
    'not a live host, persistent wrong: FAIL',
    { files: { '/etc/sysctl.d/60-cis.conf': 'net.ipv4.ip_forward = 1\n' } },
    forward(),
    'FAIL',
    /persistently 1/,
  ],
  [
    'a list of accepted values (kernel.yama.ptrace_scope 1, 2 or 3)',
    {
      files: { '/etc/sysctl.d/10-ptrace.conf': 'kernel.yama.ptrace_scope = 2\n' },
      sysctl: { 'kernel.yama.ptrace_scope': '2' },
      live,
    },
    {
      ...forward(),
      ruleId: 'sysctl_kernel_yama_ptrace_scope',
      vars: { datatype: 'int', sysctlval: '["1","2","3"]', sysctlvar: 'kernel.yama.ptrace_scope' },
    },
    'PASS',
    /2 at runtime/,
  ],
  [
    'no sysctlval: the XCCDF variable <rule>_value (upstream default 0) decides',
    {
      files: { '/etc/sysctl.d/60-net.conf': 'net.ipv4.conf.all.accept_redirects = 1\n' },
      sysctl: { 'net.ipv4.conf.all.accept_redirects': '1' },
      live,
    },
    {
      ...forward(),
      ruleId: 'sysctl_net_ipv4_conf_all_accept_redirects',
      vars: { datatype: 'int', sysctlvar: 'net.ipv4.conf.all.accept_redirects' },
    },
    'FAIL',
    /should be 0/,
  ],
  [
    'IPv6 disabled persistently and at runtime: net.ipv6 rules pass',
    {
      files: { '/etc/sysctl.d/60-ipv6.conf': 'net.ipv6.conf.all.disable_ipv6 = 1\n' },
      sysctl: { 'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv6.conf.all.accept_ra': '1' },
      live,
    },
    {
      ...forward(),
      ruleId: 'sysctl_net_ipv6_conf_all_accept_ra',
      vars: { datatype: 'int', sysctlvar: 'net.ipv6.conf.all.accept_ra' },
    },
    'PASS',
    /IPv6 is disabled/,
  ],
  [
    'Ubuntu: ufw’s own sysctl.conf (applied when ufw starts) sets a wrong value',
    {
      os: 'ubuntu2204',
      files: {
        '/etc/sysctl.d/60-cis.conf': 'net.ipv4.conf.all.log_martians = 1\n',
        // ufw 0.36.1's /etc/ufw/sysctl.conf (Ubuntu 22.04), abridged.
        '/etc/ufw/sysctl.conf':
          "#\n# Configuration file for setting network variables. Please note these settings\n# override /etc/sysctl.conf and /etc/sysctl.d.\n\n# Uncomment this to allow this host to route packets between interfaces\n#net/ipv4/ip_forward=1\n\n# Don't log Martian Packets (impossible packets)\nnet/ipv4/conf/all/log_martians=0\nnet/ipv4/conf/default/log_martians=0\n",
      },
      sysctl: { 'net.ipv4.conf.all.log_martians': '1' },
      live,
    },
    {
      ruleId: 'sysctl_net_ipv4_conf_all_log_martians',
      benchmark: 'ubuntu2204',
      vars: { datatype: 'int', sysctlvar: 'net.ipv4.conf.all.log_martians' },
      variables: {},
    },
    'FAIL',
    /0 in \/etc\/ufw\/sysctl.conf line 9 \(ufw applies it when it starts\)/,
  ],
];

describe('sysctl template', () => {
  it.each(cases)('%s', async (_name, spec, input, result, message) => {
    const facts = await cisFacts(spec);
    const out = sysctlEvaluator(facts, input);
    expect(out.result).toBe(result);
    expect(out.message).toMatch(message);
    if (result === 'FAIL') expect(out.recommendation).toMatch(/sysctl/);
  });

  it('ERROR when the sysctl.d directories were not collected', async () => {
    const facts = await cisFacts({ sysctl: { 'net.ipv4.ip_forward': '0' }, live });
    // Drop the agent's record of /etc/sysctl.d: the persistent configuration is then unknown.
    delete (facts.telemetry.paths as Record<string, unknown>)['/etc/sysctl.d'];
    const out = sysctlEvaluator(facts, forward());
    expect(out.result).toBe('ERROR');
    expect(out.message).toMatch(/\/etc\/sysctl.d was not looked at/);
  });
});
