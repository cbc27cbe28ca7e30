import { afterAll, describe, expect, it } from 'vitest';
import { parseAuditRules } from '../../../../../functions/parsers/audit-rules';
import type { BenchmarkId } from '../../../../../functions/rules/cis/data';
import { AUDIT_HAND_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/audit-hand';
import { configFixture } from '../../../../helpers/cis-material';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { asLiveHost, collectRoot, evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

/** Debian 12 auditd 1:3.0.9-1's example rules and its shipped auditd.conf. */
const STIG = configFixture('debian-12/audit/30-stig.rules');
const PCI = configFixture('debian-12/audit/30-pci-dss-v31.rules');
const FINALIZE = configFixture('debian-12/audit/99-finalize.rules');
const AUDITD_CONF = configFixture('debian-12/audit/auditd.conf');
/** The utmp/wtmp lines 30-stig.rules leaves commented, and a btmp watch (CIS's session rules). */
const SESSION =
  '-w /var/run/utmp -p wa -k session\n-w /var/log/wtmp -p wa -k session\n-w /var/log/btmp -p wa -k session\n';

const rules = (files: Record<string, string>) =>
  factsOf({
    files: {
      '/etc/audit/auditd.conf': AUDITD_CONF,
      ...Object.fromEntries(Object.entries(files).map(([n, t]) => [`/etc/audit/rules.d/${n}`, t])),
    },
  });
const run = (rule: string, facts: Awaited<ReturnType<typeof factsOf>>, benchmark: BenchmarkId = 'debian12') =>
  evaluate(AUDIT_HAND_EVALUATORS[`rule:${rule}`]!, facts, rule, benchmark);

describe('audit rules (hand-written)', () => {
  it.each([
    // [rule, with 30-stig.rules, with 30-stig + session watches + network + finalize with -e 2]
    ['audit_rules_time_adjtimex', 'PASS', 'PASS'],
    ['audit_rules_time_settimeofday', 'PASS', 'PASS'],
    ['audit_rules_time_clock_settime', 'PASS', 'PASS'],
    ['audit_rules_sysadmin_actions', 'PASS', 'PASS'],
    // 30-stig.rules watches /etc/sysconfig/network, not Debian's /etc/network.
    ['audit_rules_networkconfig_modification', 'FAIL', 'PASS'],
    // Its utmp/wtmp watches are comments.
    ['audit_rules_session_events', 'FAIL', 'PASS'],
    ['audit_rules_immutable', 'FAIL', 'PASS'],
    ['audit_rules_suid_auid_privilege_function', 'FAIL', 'PASS'],
  ] as const)('%s: %s, then %s', async (rule, stigOnly, full) => {
    const a = run(rule, await rules({ '30-stig.rules': STIG }));
    expect(a.result, a.message).toBe(stigOnly);
    const b = run(
      rule,
      await rules({
        '30-pci-dss-v31.rules': PCI,
        '30-stig.rules': STIG,
        '50-cis.rules': `${SESSION}-w /etc/network -p wa -k system-locale\n`,
        '99-finalize.rules': FINALIZE.replace('#-e 2', '-e 2'),
      }),
    );
    expect(b.result, b.message).toBe(full);
  });

  it('stime is judged on the 32-bit table only; on arm64 it is not applicable', async () => {
    const t = await collectRoot({ files: { '/etc/audit/rules.d/30-stig.rules': STIG } });
    const { Facts } = await import('../../../../../functions/core/facts/facts');
    expect(run('audit_rules_time_stime', new Facts(t)).result).toBe('PASS');
    const arm = new Facts({ ...t, host: { ...t.host, arch: 'aarch64' } });
    expect(run('audit_rules_time_stime', arm).result).toBe('NOT_APPLICABLE');
  });

  it('-e 2 followed by another rule fails; rules split across files count', async () => {
    const f = await rules({ '10-a.rules': '-e 2\n', '20-b.rules': '-w /etc/hosts -p wa -k x\n' });
    expect(run('audit_rules_immutable', f).result).toBe('FAIL');
  });

  it('a live host whose loaded rules lack them fails', async () => {
    const t = await collectRoot({ files: { '/etc/audit/rules.d/30-stig.rules': STIG } });
    const live = asLiveHost(t, {
      'auditctl-rules': {
        status: 'ok',
        argv: ['auditctl', '-l'],
        exitCode: 0,
        stdout: 'No rules\n',
        stderr: '',
      },
    });
    expect(run('audit_rules_time_adjtimex', live).result).toBe('FAIL');
  });

  it('parses -C comparisons', () => {
    const r = parseAuditRules(
      '-a always,exit -F arch=b64 -C euid!=uid -F auid!=unset -S execve -k user_emulation\n',
    ).rules[0];
    expect(r).toMatchObject({ type: 'syscall', comparisons: ['euid!=uid'] });
  });
});

describe('auditd.conf settings', () => {
  it.each([
    // [rule, Debian's shipped auditd.conf, with CIS's values]
    ['auditd_data_retention_max_log_file', 'PASS', 'PASS'],
    ['auditd_data_retention_max_log_file_action', 'FAIL', 'PASS'],
    ['auditd_data_retention_space_left_action', 'FAIL', 'PASS'],
    ['auditd_data_retention_admin_space_left_action', 'FAIL', 'PASS'],
    ['auditd_data_retention_action_mail_acct', 'PASS', 'PASS'],
    ['auditd_data_disk_error_action', 'FAIL', 'PASS'],
    ['auditd_data_disk_full_action', 'FAIL', 'PASS'],
  ] as const)('%s: shipped %s, hardened %s', async (rule, shipped, hardened) => {
    const a = run(rule, await factsOf({ files: { '/etc/audit/auditd.conf': AUDITD_CONF } }));
    expect(a.result, a.message).toBe(shipped);
    const conf = AUDITD_CONF.replace('max_log_file_action = ROTATE', 'max_log_file_action = keep_logs')
      .replace('space_left_action = SYSLOG', 'space_left_action = email')
      .replace('admin_space_left_action = SUSPEND', 'admin_space_left_action = halt')
      .replace('disk_full_action = SUSPEND', 'disk_full_action = HALT')
      .replace('disk_error_action = SUSPEND', 'disk_error_action = syslog');
    const b = run(rule, await factsOf({ files: { '/etc/audit/auditd.conf': conf } }));
    expect(b.result, b.message).toBe(hardened);
  });
  it('no auditd.conf → NOT_APPLICABLE', async () => {
    const f = await factsOf({ files: { '/etc/hostname': 'h\n' } });
    expect(run('auditd_data_disk_full_action', f).result).toBe('NOT_APPLICABLE');
    expect(run('file_permissions_var_log_audit', f).result).toBe('NOT_APPLICABLE');
  });
});

describe('/var/log/audit', () => {
  const root = (mode: number, dirMode = 0o750) =>
    factsOf({
      files: { '/etc/audit/auditd.conf': AUDITD_CONF, '/var/log/audit/audit.log': { content: '', mode } },
      dirs: { '/var/log/audit': dirMode },
    });
  it('0600 root files in a 0750 directory pass; 0644 and 0755 fail', async () => {
    const good = await root(0o600);
    for (const r of [
      'file_permissions_var_log_audit',
      'file_ownership_var_log_audit_stig',
      'file_group_ownership_var_log_audit',
      'directory_permissions_var_log_audit',
    ])
      expect(run(r, good).result, r).toBe('PASS');
    const bad = await root(0o644, 0o755);
    expect(run('file_permissions_var_log_audit', bad).result).toBe('FAIL');
    expect(run('directory_permissions_var_log_audit', bad).result).toBe('FAIL');
  });
});
