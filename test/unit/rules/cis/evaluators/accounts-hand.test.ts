import { afterAll, describe, expect, it } from 'vitest';
import type { Facts } from '../../../../../functions/core/facts/facts';
import { ACCOUNT_HAND_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/accounts-hand';
import {
  DEBIAN_BASH_BASHRC,
  DEBIAN_LIMITS,
  DEBIAN_LOGIN_DEFS,
  DEBIAN_PROFILE,
  DEBIAN_RSYSLOG_CONF,
  DEBIAN_USERADD,
} from '../../../../helpers/cis-material';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { asLiveHost, collectRoot, evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const run = (rule: string, facts: Facts) =>
  evaluate(ACCOUNT_HAND_EVALUATORS[`rule:${rule}`]!, facts, rule, 'debian12');

const PASSWD =
  'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\nbackup:x:34:34:backup:/var/backups:/usr/sbin/nologin\n';
const shadow = (alice: string, backup = 'backup:*:19800:0:99999:7:::') =>
  `root:*:19800:0:99999:7:::\ndaemon:*:19800:0:99999:7:::\n${alice}\n${backup}\n`;
const HASH = '$y$j9T$abcdefghijklmnop$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

describe('shadow aging and locks', () => {
  const root = (sh: string) =>
    factsOf({
      files: {
        '/etc/passwd': PASSWD,
        '/etc/shadow': { content: sh, mode: 0o640 },
        '/etc/shells': '/bin/sh\n/bin/bash\n',
      },
    });
  it('min life and warn age of accounts with a password', async () => {
    const good = await root(shadow(`alice:${HASH}:19800:1:365:7:45::`));
    expect(run('accounts_password_set_min_life_existing', good).result).toBe('PASS');
    expect(run('accounts_password_set_warn_age_existing', good).result).toBe('PASS');
    const bad = await root(shadow(`alice:${HASH}:19800:0:99999::45::`));
    expect(run('accounts_password_set_min_life_existing', bad).result).toBe('FAIL');
    expect(run('accounts_password_set_warn_age_existing', bad).result).toBe('FAIL');
  });
  it('last change in the future fails', async () => {
    expect(
      run('accounts_password_last_change_is_in_past', await root(shadow(`alice:${HASH}:19800:1:365:7:::`)))
        .result,
    ).toBe('PASS');
    expect(
      run('accounts_password_last_change_is_in_past', await root(shadow(`alice:${HASH}:99999:1:365:7:::`)))
        .result,
    ).toBe('FAIL');
  });
  it('an account with nologin and a usable password fails', async () => {
    expect(
      run('no_invalid_shell_accounts_unlocked', await root(shadow(`alice:${HASH}:19800:1:365:7:::`))).result,
    ).toBe('PASS');
    const f = await root(shadow(`alice:${HASH}:19800:1:365:7:::`, `backup:${HASH}:19800:0:99999:7:::`));
    expect(run('no_invalid_shell_accounts_unlocked', f).result).toBe('FAIL');
  });
});

describe('useradd, shells, umask, TMOUT, core dumps (Debian 12 files as installed)', () => {
  const base = {
    '/etc/login.defs': DEBIAN_LOGIN_DEFS,
    '/etc/profile': DEBIAN_PROFILE,
    '/etc/bash.bashrc': DEBIAN_BASH_BASHRC,
    '/etc/default/useradd': DEBIAN_USERADD,
    '/etc/security/limits.conf': DEBIAN_LIMITS,
    '/etc/shells': '/bin/sh\n/bin/bash\n/usr/sbin/nologin\n',
  };
  it.each([
    ['account_disable_post_pw_expiration', 'FAIL', 'PASS'],
    ['no_nologin_in_shells', 'FAIL', 'PASS'],
    // Debian's login.defs has UMASK 022.
    ['accounts_umask_etc_login_defs', 'FAIL', 'PASS'],
    // Its /etc/profile and bash.bashrc set no umask.
    ['accounts_umask_etc_profile', 'FAIL', 'PASS'],
    ['accounts_umask_etc_bashrc', 'FAIL', 'PASS'],
    ['accounts_tmout', 'FAIL', 'PASS'],
    ['disable_users_coredumps', 'FAIL', 'PASS'],
  ] as const)('%s: installed %s, hardened %s', async (rule, installed, hardened) => {
    const a = run(rule, await factsOf({ files: base }));
    expect(a.result, a.message).toBe(installed);
    const h = await factsOf({
      files: {
        ...base,
        '/etc/login.defs': DEBIAN_LOGIN_DEFS.replace(/^UMASK\t\t022$/m, 'UMASK\t\t027'),
        '/etc/bash.bashrc': `${DEBIAN_BASH_BASHRC}umask 027\n`,
        '/etc/default/useradd': `${DEBIAN_USERADD}INACTIVE=45\n`,
        '/etc/shells': '/bin/sh\n/bin/bash\n',
        '/etc/profile.d/50-cis.sh': 'umask 027\nreadonly TMOUT=900 ; export TMOUT\n',
        '/etc/security/limits.d/60-coredump.conf': '* hard core 0\n',
      },
    });
    const b = run(rule, h);
    expect(b.result, b.message).toBe(hardened);
  });
  it('a weaker umask anywhere fails; symbolic umask is understood', async () => {
    const f = await factsOf({
      files: { '/etc/profile': 'umask 027\n', '/etc/profile.d/x.sh': 'umask 002\n' },
    });
    expect(run('accounts_umask_etc_profile', f).result).toBe('FAIL');
    const s = await factsOf({ files: { '/etc/profile': 'umask u=rwx,g=rx,o=\n' } });
    expect(run('accounts_umask_etc_profile', s).result).toBe('PASS');
    const big = await factsOf({
      files: { '/etc/profile': 'TMOUT=900\n', '/etc/profile.d/t.sh': 'TMOUT=3600\n' },
    });
    expect(run('accounts_tmout', big).result).toBe('FAIL');
  });
});

describe('rsyslog and logging (Debian 12 rsyslog 8.2302.0-1+deb12u2 rsyslog.conf)', () => {
  it('FileCreateMode 0640 as shipped; no network input; imtcp fails', async () => {
    const f = await factsOf({ files: { '/etc/rsyslog.conf': DEBIAN_RSYSLOG_CONF } });
    expect(run('rsyslog_filecreatemode', f).result).toBe('PASS');
    expect(run('rsyslog_nolisten', f).result).toBe('PASS');
    const listen = await factsOf({
      files: {
        '/etc/rsyslog.conf': DEBIAN_RSYSLOG_CONF.replace('#module(load="imtcp")', 'module(load="imtcp")'),
      },
    });
    expect(run('rsyslog_nolisten', listen).result).toBe('FAIL');
    const open = await factsOf({
      files: {
        '/etc/rsyslog.conf': DEBIAN_RSYSLOG_CONF,
        '/etc/rsyslog.d/10-mode.conf': '$FileCreateMode 0644\n',
      },
    });
    expect(run('rsyslog_filecreatemode', open).result).toBe('FAIL');
    expect(run('rsyslog_nolisten', await factsOf({ files: { '/etc/hostname': 'h' } })).result).toBe(
      'NOT_APPLICABLE',
    );
  });
  it('logging_services_active: runtime-only', async () => {
    const t = await collectRoot({ files: { '/etc/hostname': 'h' } });
    const { Facts } = await import('../../../../../functions/core/facts/facts');
    expect(run('logging_services_active', new Facts(t)).result).toBe('NOT_APPLICABLE');
    const units = (a: string) => ({
      'systemctl-units': {
        status: 'ok' as const,
        argv: ['systemctl', 'list-units', '--all', '--no-pager', '--no-legend'],
        exitCode: 0,
        stdout: `systemd-journald.service loaded ${a} ${a === 'active' ? 'running' : 'dead'} Journal Service\n`,
        stderr: '',
      },
    });
    expect(run('logging_services_active', asLiveHost(t, units('active'))).result).toBe('PASS');
    expect(run('logging_services_active', asLiveHost(t, units('inactive'))).result).toBe('FAIL');
  });
});
