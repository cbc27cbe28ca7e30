import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Facts } from '../../../../../functions/core/facts/facts';
import type { Telemetry } from '../../../../../functions/core/telemetry';
import { CAC_RULES, templateName } from '../../../../../functions/rules/cis/data';
import { AUDIT_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/audit';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { asLiveHost, collectRoot, evaluate } from './harness';

afterAll(cleanupRoots);

const fixture = (p: string) => readFileSync(path.join(__dirname, '../../../../fixtures/config', p), 'utf8');
/** Debian 12 auditd's example rules: base config and the STIG set (split across two files). */
const BASE = fixture('debian-12/audit/10-base-config.rules');
const STIG = fixture('debian-12/audit/30-stig.rules');

const withArch = (t: Telemetry, arch: string) => new Facts({ ...t, host: { ...t.host, arch } });
const ev = (facts: Facts, rule: string, benchmark: 'debian12' | 'ubuntu2204' = 'debian12') =>
  evaluate(AUDIT_EVALUATORS[templateName(CAC_RULES.rules[rule]!, benchmark)!]!, facts, rule, benchmark);

describe('audit rule templates on the files', () => {
  it.each([
    // [case, rule, files, arch, expected]
    [
      'watch of /etc/passwd (-k, STIG file)',
      'audit_rules_usergroup_modification_passwd',
      { '30-stig.rules': STIG },
      'x86_64',
      'PASS',
    ],
    [
      'watch of /etc/pam.d/ missing from STIG',
      'audit_rules_usergroup_modification_pamd',
      { '30-stig.rules': STIG },
      'x86_64',
      'FAIL',
    ],
    [
      '-F dir=/etc/NetworkManager/ -F perm=wa -F key= counts as a watch',
      'audit_rules_networkconfig_modification_networkmanager',
      { '30-stig.rules': STIG },
      'x86_64',
      'PASS',
    ],
    [
      'watch with -p w only',
      'audit_rules_usergroup_modification_passwd',
      { '50.rules': '-w /etc/passwd -p w -k identity\n' },
      'x86_64',
      'FAIL',
    ],
    [
      'watch in the -F path= form with -F key=',
      'audit_rules_usergroup_modification_group',
      { '50.rules': '-a always,exit -F arch=b64 -F path=/etc/group -F perm=wa -F key=identity\n' },
      'x86_64',
      'PASS',
    ],
    [
      'apparmor.d watch absent',
      'audit_rules_mac_modification_etc_apparmor_d',
      { '10-base-config.rules': BASE, '30-stig.rules': STIG },
      'x86_64',
      'FAIL',
    ],
    [
      'faillock directory from the benchmark variable',
      'audit_rules_login_events_faillock',
      { '50-logins.rules': '-w /var/run/faillock -p wa -k logins\n' },
      'x86_64',
      'PASS',
    ],
    [
      'chmod b32+b64 with auid filters (STIG)',
      'audit_rules_dac_modification_chmod',
      { '30-stig.rules': STIG },
      'x86_64',
      'PASS',
    ],
    [
      'chmod b32 only on x86_64',
      'audit_rules_dac_modification_chmod',
      { '50.rules': '-a always,exit -F arch=b32 -S chmod -F auid>=1000 -F auid!=unset -k perm_mod\n' },
      'x86_64',
      'FAIL',
    ],
    [
      'chmod b64 only on aarch64',
      'audit_rules_dac_modification_chmod',
      { '50.rules': '-a always,exit -F arch=b64 -S chmod -F auid>=1000 -F auid!=4294967295 -k perm_mod\n' },
      'aarch64',
      'PASS',
    ],
    [
      'chmod without auid!=unset',
      'audit_rules_dac_modification_chmod',
      {
        '50.rules':
          '-a always,exit -F arch=b64 -S chmod -F auid>=1000 -k perm_mod\n-a always,exit -F arch=b32 -S chmod -F auid>=1000 -k perm_mod\n',
      },
      'x86_64',
      'FAIL',
    ],
    [
      'chmod without a key',
      'audit_rules_dac_modification_chmod',
      { '50.rules': '-a always,exit -F arch=b64 -S chmod -F auid>=1000 -F auid!=unset\n' },
      'aarch64',
      'FAIL',
    ],
    ['unlink (STIG)', 'audit_rules_file_deletion_events_unlink', { '30-stig.rules': STIG }, 'x86_64', 'PASS'],
    [
      'init_module absent from STIG',
      'audit_rules_kernel_module_loading_init',
      { '30-stig.rules': STIG },
      'x86_64',
      'FAIL',
    ],
    [
      'open EACCES and EPERM (STIG)',
      'audit_rules_unsuccessful_file_modification_open',
      { '30-stig.rules': STIG },
      'x86_64',
      'PASS',
    ],
    [
      'open EACCES only',
      'audit_rules_unsuccessful_file_modification_open',
      {
        '50.rules':
          '-a always,exit -F arch=b64 -S open -F exit=-EACCES -F auid>=1000 -F auid!=unset -k access\n',
      },
      'aarch64',
      'FAIL',
    ],
    [
      'usermod execution',
      'audit_rules_privileged_commands_usermod',
      {
        '50.rules':
          '-a always,exit -F path=/usr/sbin/usermod -F perm=x -F auid>=1000 -F auid!=unset -k usermod\n',
      },
      'x86_64',
      'PASS',
    ],
    [
      'usermod execution without perm=x',
      'audit_rules_privileged_commands_usermod',
      { '50.rules': '-a always,exit -F path=/usr/sbin/usermod -F auid>=1000 -F auid!=unset -k usermod\n' },
      'x86_64',
      'FAIL',
    ],
  ] as const)('%s: %s → %s', async (_case, rule, files, arch, expected) => {
    const t = await collectRoot({
      files: Object.fromEntries(Object.entries(files).map(([n, c]) => [`/etc/audit/rules.d/${n}`, c])),
    });
    const out = ev(withArch(t, arch), rule);
    expect(out.result, out.message).toBe(expected);
    expect(out.evidence.length).toBeGreaterThan(0);
  });

  it('a key in one file and the rest of the watches in another: split files are one list', async () => {
    const t = await collectRoot({
      files: {
        '/etc/audit/rules.d/50-identity.rules': '-w /etc/passwd -p wa -k identity\n',
        '/etc/audit/rules.d/51-identity.rules':
          '-a always,exit -F path=/etc/group -F perm=wa -F key=identity\n',
      },
    });
    const f = withArch(t, 'x86_64');
    expect(ev(f, 'audit_rules_usergroup_modification_passwd').result).toBe('PASS');
    const g = ev(f, 'audit_rules_usergroup_modification_group');
    expect(g.result).toBe('PASS');
    expect(g.evidence[0]).toMatchObject({ source: '/etc/audit/rules.d/51-identity.rules', line: 1 });
  });

  it('Ubuntu 22.04 xattr rules also need the auid=0 rule (check_root_user)', async () => {
    const t = await collectRoot({ files: { '/etc/audit/rules.d/30-stig.rules': STIG } });
    const f = withArch(t, 'x86_64');
    expect(ev(f, 'audit_rules_dac_modification_setxattr', 'debian12').result).toBe('PASS');
    expect(ev(f, 'audit_rules_dac_modification_setxattr', 'ubuntu2204').result).toBe('FAIL');
    const t2 = await collectRoot({
      files: {
        '/etc/audit/rules.d/30-stig.rules': STIG,
        '/etc/audit/rules.d/50-root.rules':
          '-a always,exit -F arch=b32 -S setxattr -F auid=0 -k perm_mod\n-a always,exit -F arch=b64 -S setxattr -F auid=0 -k perm_mod\n',
      },
    });
    expect(ev(withArch(t2, 'x86_64'), 'audit_rules_dac_modification_setxattr', 'ubuntu2204').result).toBe(
      'PASS',
    );
  });

  it('/etc/audit/audit.rules is read when rules.d holds no rules', async () => {
    const t = await collectRoot({ files: { '/etc/audit/audit.rules': STIG } });
    const out = ev(withArch(t, 'x86_64'), 'audit_rules_usergroup_modification_passwd');
    expect(out.result).toBe('PASS');
    expect(out.evidence[0]?.source).toBe('/etc/audit/audit.rules');
  });

  it('no audit rules at all: FAIL', async () => {
    const t = await collectRoot({ files: { '/etc/os-release': 'ID=debian\n' } });
    expect(ev(withArch(t, 'x86_64'), 'audit_rules_usergroup_modification_passwd').result).toBe('FAIL');
  });

  it('an unreadable rules file: ERROR', async () => {
    const t = await collectRoot({ files: { '/etc/audit/rules.d/30-stig.rules': STIG } });
    t.files['/etc/audit/rules.d/30-stig.rules'] = {
      status: 'missing',
      reason: 'permission-denied',
      detail: 'EACCES',
    };
    expect(ev(withArch(t, 'x86_64'), 'audit_rules_usergroup_modification_passwd').result).toBe('ERROR');
  });
});

describe('loaded rules (auditctl -l)', () => {
  const files = { '/etc/audit/rules.d/30-stig.rules': STIG };
  const auditctl = (stdout: string): Telemetry['commands'] => ({
    'auditctl-rules': { status: 'ok', argv: ['auditctl', '-l'], exitCode: 0, stdout, stderr: '' },
  });

  it('an image root: judged on the files, says the loaded rules were not judged (never claims them)', async () => {
    const t = await collectRoot({ files });
    const out = ev(withArch(t, 'x86_64'), 'audit_rules_usergroup_modification_passwd');
    expect(out.result).toBe('PASS');
    expect(out.message).toMatch(/loaded rules were not judged: not a live host/);
  });

  it('a live host whose kernel lacks the rule: FAIL (written, never loaded)', async () => {
    const t = await collectRoot({ files });
    const live = asLiveHost(withArch(t, 'x86_64').telemetry, auditctl('No rules\n'));
    const out = ev(live, 'audit_rules_usergroup_modification_passwd');
    expect(out.result).toBe('FAIL');
    expect(out.recommendation).toMatch(/augenrules --load/);
  });

  it('a live host with the rule loaded (as auditctl -l prints a watch): PASS', async () => {
    const t = await collectRoot({ files });
    const live = asLiveHost(
      withArch(t, 'x86_64').telemetry,
      auditctl(
        '-w /etc/passwd -p wa -k identity\n-a always,exit -F arch=b64 -S chmod,fchmod,fchmodat -F auid>=1000 -F auid!=-1 -F key=perm_mod\n',
      ),
    );
    expect(ev(live, 'audit_rules_usergroup_modification_passwd').result).toBe('PASS');
  });
});
