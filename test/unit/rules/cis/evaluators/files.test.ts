import { afterAll, describe, expect, it } from 'vitest';
import type { BenchmarkId } from '../../../../../functions/rules/cis/data';
import type { EvaluatorInput } from '../../../../../functions/rules/cis/evaluators';
import { FILE_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/files';
import { type CisRootSpec, cisFacts } from '../../../../helpers/cis-roots';
import { cleanupRoots } from '../../../../helpers/fixture-root';

afterAll(cleanupRoots);

const inp = (
  ruleId: string,
  vars: Record<string, string>,
  benchmark: BenchmarkId = 'debian12',
): EvaluatorInput => ({ ruleId, benchmark, vars, variables: {} });
// Debian 12's /etc/crontab (cron 3.0pl1-162), head.
const CRONTAB = `# /etc/crontab: system-wide crontab
# Unlike any other crontab you don't have to run the \`crontab'
# command to install the new version when you edit this file
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin

17 *	* * *	root    cd / && run-parts --report /etc/cron.hourly
`;
const SHADOW = 'root:*:19800:0:99999:7:::\n';
const f = (content: string, mode: number) => ({ content, mode });

type Case = [string, string, CisRootSpec, EvaluatorInput, string, RegExp];
const cases: Case[] = [
  [
    'permissions: 0600 crontab',
    'file_permissions',
    { files: { '/etc/crontab': f(CRONTAB, 0o600) } },
    inp('file_permissions_crontab', { filemode: '0600', filepath: '/etc/crontab' }),
    'PASS',
    /\/etc\/crontab 0600/,
  ],
  [
    'permissions: stricter than wanted passes (0400 for 0600)',
    'file_permissions',
    { files: { '/etc/crontab': f(CRONTAB, 0o400) } },
    inp('file_permissions_crontab', { filemode: '0600', filepath: '/etc/crontab' }),
    'PASS',
    /0400/,
  ],
  [
    'permissions: 0644 crontab fails',
    'file_permissions',
    { files: { '/etc/crontab': f(CRONTAB, 0o644) } },
    inp('file_permissions_crontab', { filemode: '0600', filepath: '/etc/crontab' }),
    'FAIL',
    /\/etc\/crontab is 0644: should be 0600 or stricter/,
  ],
  [
    'permissions: setuid bit beyond 0755 fails',
    'file_permissions',
    { files: { '/sbin/auditctl': f('ELF', 0o4755) } },
    inp('file_permissions_audit_binaries', { filemode: '0755', filepath: '{{{ audit_binaries }}}' }),
    'FAIL',
    /\/sbin\/auditctl is 04755/,
  ],
  [
    'permissions: missing file passes (nothing to judge)',
    'file_permissions',
    {},
    inp('file_permissions_etc_shadow_backup', { filemode: '0640', filepath: '/etc/shadow-' }),
    'PASS',
    /\/etc\/shadow- does not exist/,
  ],
  [
    'permissions: /etc/shadow 0640 with filemode 0640',
    'file_permissions',
    { files: { '/etc/shadow': f(SHADOW, 0o640) } },
    inp('file_permissions_etc_shadow', { filemode: '0640', filepath: '/etc/shadow' }),
    'PASS',
    /0640/,
  ],
  [
    'permissions: a directory (cron.d 0700)',
    'file_permissions',
    { dirs: { '/etc/cron.d': 0o755 } },
    inp('file_permissions_cron_d', { filemode: '0700', filepath: '/etc/cron.d/' }),
    'FAIL',
    /\/etc\/cron.d is 0755/,
  ],
  [
    'permissions: files of a directory by regex (sshd private keys)',
    'file_permissions',
    {
      files: {
        '/etc/ssh/ssh_host_ed25519_key': f('KEY', 0o600),
        '/etc/ssh/ssh_host_rsa_key': f('KEY', 0o644),
        '/etc/ssh/ssh_host_rsa_key.pub': f('PUB', 0o644),
      },
    },
    inp('file_permissions_sshd_private_key', {
      filemode: '0600',
      filepath: '["/etc/ssh/"]',
      file_regex: '["^.*_key$"]',
    }),
    'FAIL',
    /ssh_host_rsa_key is 0644/,
  ],
  [
    'permissions: recursive with excluded globs (/var/log)',
    'file_permissions',
    {
      files: {
        '/var/log/syslog': f('x', 0o640),
        '/var/log/wtmp': f('x', 0o664),
        '/var/log/journal/abc/system.journal': f('x', 0o640),
      },
    },
    inp('file_permissions_var_log', {
      filemode: '0640',
      filepath: '/var/log/',
      file_regex: '.*',
      recursive: 'true',
      excluded_files: '["[bw]tmp","lastlog"]',
    }),
    'PASS',
    /system.journal/,
  ],
  [
    'permissions: recursive finds a bad file in a subdirectory',
    'file_permissions',
    { files: { '/var/log/syslog': f('x', 0o640), '/var/log/apt/history.log': f('x', 0o644) } },
    inp('file_permissions_var_log', {
      filemode: '0640',
      filepath: '/var/log/',
      file_regex: '.*',
      recursive: 'true',
    }),
    'FAIL',
    /\/var\/log\/apt\/history.log is 0644/,
  ],
  [
    'owner: root',
    'file_owner',
    { files: { '/etc/crontab': CRONTAB } },
    inp('file_owner_crontab', { uid_or_name: '0', filepath: '/etc/crontab' }),
    'PASS',
    /uid 0/,
  ],
  [
    'owner: a user owns it',
    'file_owner',
    { files: { '/etc/crontab': CRONTAB }, owners: { '/etc/crontab': [1000, 0] } },
    inp('file_owner_crontab', { uid_or_name: '0', filepath: '/etc/crontab' }),
    'FAIL',
    /uid 1000/,
  ],
  [
    'owner: names resolved through /etc/passwd (syslog|root)',
    'file_owner',
    { files: { '/var/log/syslog': 'x' }, owners: { '/var/log/syslog': [104, 4] } },
    inp('file_owner_var_log_syslog', { uid_or_name: 'syslog|root', filepath: '/var/log/syslog' }),
    'PASS',
    /syslog or root \(104 or 0\)/,
  ],
  [
    'owner: a name no user has: ERROR',
    'file_owner',
    { files: { '/var/log/sssd/sssd.log': 'x' } },
    inp('file_ownerships_var_log_sssd', {
      uid_or_name: 'sssd',
      filepath: '/var/log/sssd/',
      file_regex: '.*',
    }),
    'ERROR',
    /no user named sssd/,
  ],
  [
    'group: shadow group (42) for /etc/shadow',
    'file_groupowner',
    { files: { '/etc/shadow': f(SHADOW, 0o640) }, owners: { '/etc/shadow': [0, 42] } },
    inp('file_groupowner_etc_shadow', { gid_or_name: 'shadow', filepath: '/etc/shadow' }),
    'PASS',
    /gid shadow \(42\)/,
  ],
  [
    'group: wrong group',
    'file_groupowner',
    { files: { '/etc/shadow': f(SHADOW, 0o640) }, owners: { '/etc/shadow': [0, 1000] } },
    inp('file_groupowner_etc_shadow', { gid_or_name: '0', filepath: '/etc/shadow' }),
    'FAIL',
    /\/etc\/shadow is gid 1000/,
  ],
  [
    'existence: cron.allow exists',
    'file_existence',
    { files: { '/etc/cron.allow': f('root\n', 0o640) } },
    inp('file_cron_allow_exists', { exists: 'true', filepath: '/etc/cron.allow' }),
    'PASS',
    /exists/,
  ],
  [
    'existence: cron.allow missing',
    'file_existence',
    {},
    inp('file_cron_allow_exists', { exists: 'true', filepath: '/etc/cron.allow' }),
    'FAIL',
    /does not exist/,
  ],
  [
    'existence: cron.deny must not exist',
    'file_existence',
    { files: { '/etc/cron.deny': '' } },
    inp('file_cron_deny_not_exist', { exists: 'false', filepath: '/etc/cron.deny' }),
    'FAIL',
    /\/etc\/cron.deny exists/,
  ],
];

describe('file templates', () => {
  it.each(cases)('%s', async (_n, template, spec, input, result, message) => {
    const out = FILE_EVALUATORS[template]!(await cisFacts(spec), input);
    expect(out.result).toBe(result);
    expect(out.message).toMatch(message);
    if (result === 'FAIL') expect(out.recommendation).toMatch(/ch(mod|own|grp)|Create|Remove/);
  });

  it('a symbolic link is not judged (upstream excludes links)', async () => {
    const facts = await cisFacts({
      files: { '/etc/real-crontab': f(CRONTAB, 0o666) },
      symlinks: { '/etc/crontab': 'real-crontab' },
    });
    const out = FILE_EVALUATORS.file_permissions!(
      facts,
      inp('file_permissions_crontab', { filemode: '0600', filepath: '/etc/crontab' }),
    );
    expect(out.result).toBe('PASS');
    expect(out.message).toMatch(/symbolic link/);
  });

  it('ERROR when the agent did not look at the path', async () => {
    const facts = await cisFacts({});
    const out = FILE_EVALUATORS.file_permissions!(
      facts,
      inp('x', { filemode: '0600', filepath: '/srv/not-in-the-contract' }),
    );
    expect(out.result).toBe('ERROR');
    expect(out.message).toMatch(/was not looked at by the agent/);
  });
});
