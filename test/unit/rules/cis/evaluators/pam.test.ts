import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchmarkId } from '../../../../../functions/rules/cis/data';
import { CAC_RULES, templateName } from '../../../../../functions/rules/cis/data';
import { PAM_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/pam';
import type { RootSpec } from '../../../../helpers/fixture-root';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const fixture = (p: string) => readFileSync(path.join(__dirname, '../../../../fixtures/config', p), 'utf8');
/** pam-auth-update's common-password without and with libpam-pwquality's block (its pam-configs file). */
const COMMON_PASSWORD = fixture('debian-12/etc/pam.d/common-password');
const PWQ_COMMON_PASSWORD = COMMON_PASSWORD.replace(
  'password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt',
  'password\trequisite\t\t\tpam_pwquality.so retry=3\npassword\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt',
);
const COMMON_AUTH = fixture('debian-12/etc/pam.d/common-auth');
/** common-auth as pam-auth-update writes it with a faillock profile (preauth, authfail, authsucc). */
const FAILLOCK_COMMON_AUTH = COMMON_AUTH.replace(
  'auth\t[success=1 default=ignore]\tpam_unix.so nullok',
  'auth\trequisite\t\t\tpam_faillock.so preauth\nauth\t[success=2 default=ignore]\tpam_unix.so nullok\nauth\t[default=die]\t\t\tpam_faillock.so authfail\nauth\tsufficient\t\t\tpam_faillock.so authsucc',
);
const SU = fixture('debian-12/etc/pam.d/su');
const PWQ_CONF = fixture('debian-12/etc/security/pwquality.conf');
const RHEL_SYSTEM_AUTH = fixture('rhel-9/etc/pam.d/system-auth');
const RHEL_PASSWORD_AUTH = fixture('rhel-9/etc/pam.d/password-auth');

const run = async (rule: string, files: RootSpec['files'], benchmark: BenchmarkId = 'debian12') => {
  const facts = await factsOf({ files });
  const template = templateName(CAC_RULES.rules[rule]!, benchmark)!;
  return evaluate(PAM_EVALUATORS[template]!, facts, rule, benchmark);
};

describe('accounts_password (pwquality settings)', () => {
  it.each([
    [
      'minlen 14 in pwquality.conf',
      'accounts_password_pam_minlen',
      {
        '/etc/pam.d/common-password': PWQ_COMMON_PASSWORD,
        '/etc/security/pwquality.conf': `${PWQ_CONF}minlen = 14\n`,
      },
      'debian12',
      'PASS',
    ],
    [
      'pwquality.conf (read last) undoes a drop-in',
      'accounts_password_pam_minlen',
      {
        '/etc/pam.d/common-password': PWQ_COMMON_PASSWORD,
        '/etc/security/pwquality.conf.d/50-cis.conf': 'minlen = 14\n',
        '/etc/security/pwquality.conf': `${PWQ_CONF}minlen = 8\n`,
      },
      'debian12',
      'FAIL',
    ],
    [
      'a drop-in alone',
      'accounts_password_pam_minlen',
      {
        '/etc/pam.d/common-password': PWQ_COMMON_PASSWORD,
        '/etc/security/pwquality.conf.d/50-cis.conf': 'minlen = 14\n',
        '/etc/security/pwquality.conf': PWQ_CONF,
      },
      'debian12',
      'PASS',
    ],
    [
      'a module argument overrides the file',
      'accounts_password_pam_minlen',
      {
        '/etc/pam.d/common-password': PWQ_COMMON_PASSWORD.replace('retry=3', 'retry=3 minlen=8'),
        '/etc/security/pwquality.conf': `${PWQ_CONF}minlen = 14\n`,
      },
      'debian12',
      'FAIL',
    ],
    [
      'pam_pwquality not in the stack (Debian default)',
      'accounts_password_pam_minlen',
      {
        '/etc/pam.d/common-password': COMMON_PASSWORD,
        '/etc/security/pwquality.conf': `${PWQ_CONF}minlen = 14\n`,
      },
      'debian12',
      'FAIL',
    ],
    [
      'dcredit -1',
      'accounts_password_pam_dcredit',
      {
        '/etc/pam.d/common-password': PWQ_COMMON_PASSWORD,
        '/etc/security/pwquality.conf': `${PWQ_CONF}dcredit = -1\n`,
      },
      'debian12',
      'PASS',
    ],
    [
      'dcredit default 0',
      'accounts_password_pam_dcredit',
      { '/etc/pam.d/common-password': PWQ_COMMON_PASSWORD, '/etc/security/pwquality.conf': PWQ_CONF },
      'debian12',
      'FAIL',
    ],
    [
      'maxrepeat 0 (off) refused by the zero comparison',
      'accounts_password_pam_maxrepeat',
      {
        '/etc/pam.d/common-password': PWQ_COMMON_PASSWORD,
        '/etc/security/pwquality.conf': `${PWQ_CONF}maxrepeat = 0\n`,
      },
      'ubuntu2404',
      'FAIL',
    ],
    [
      'maxrepeat 3',
      'accounts_password_pam_maxrepeat',
      {
        '/etc/pam.d/common-password': PWQ_COMMON_PASSWORD,
        '/etc/security/pwquality.conf': `${PWQ_CONF}maxrepeat = 3\n`,
      },
      'ubuntu2404',
      'PASS',
    ],
    [
      'authselect system-auth and password-auth (RHEL 9)',
      'accounts_password_pam_minlen',
      {
        '/etc/pam.d/system-auth': RHEL_SYSTEM_AUTH,
        '/etc/pam.d/password-auth': RHEL_PASSWORD_AUTH,
        '/etc/security/pwquality.conf': `${PWQ_CONF}minlen = 14\n`,
      },
      'rhel9',
      'PASS',
    ],
    [
      'authselect stacks with the default minlen',
      'accounts_password_pam_minlen',
      {
        '/etc/pam.d/system-auth': RHEL_SYSTEM_AUTH,
        '/etc/pam.d/password-auth': RHEL_PASSWORD_AUTH,
        '/etc/security/pwquality.conf': PWQ_CONF,
      },
      'rhel9',
      'FAIL',
    ],
  ] as const)('%s: %s → %s', async (_c, rule, files, benchmark, expected) => {
    const out = await run(rule, files, benchmark);
    expect(out.result, out.message).toBe(expected);
    expect(out.evidence.length).toBeGreaterThan(0);
  });

  it('names the file that set the value', async () => {
    const out = await run('accounts_password_pam_minlen', {
      '/etc/pam.d/common-password': PWQ_COMMON_PASSWORD,
      '/etc/security/pwquality.conf.d/50-cis.conf': 'minlen = 14\n',
      '/etc/security/pwquality.conf': `${PWQ_CONF}minlen = 8\n`,
    });
    expect(out.evidence[0]).toMatchObject({ source: '/etc/security/pwquality.conf', value: '8' });
  });

  it('an unreadable common-password is ERROR', async () => {
    const facts = await factsOf({ files: { '/etc/pam.d/common-password': PWQ_COMMON_PASSWORD } });
    facts.telemetry.files['/etc/pam.d/common-password'] = {
      status: 'missing',
      reason: 'permission-denied',
      detail: 'EACCES',
    };
    expect(evaluate(PAM_EVALUATORS.accounts_password!, facts, 'accounts_password_pam_minlen').result).toBe(
      'ERROR',
    );
  });
});

describe('pam_options', () => {
  const pwhistory = (args: string) =>
    PWQ_COMMON_PASSWORD.replace(
      'pam_pwquality.so retry=3\n',
      `pam_pwquality.so retry=3\npassword\trequisite\t\t\tpam_pwhistory.so ${args}\n`,
    );
  it.each([
    [
      'pwhistory remember=24 use_authtok',
      'accounts_password_pam_pwhistory_remember',
      { '/etc/pam.d/common-password': pwhistory('remember=24 enforce_for_root try_first_pass use_authtok') },
      'PASS',
    ],
    [
      'pwhistory remember=5',
      'accounts_password_pam_pwhistory_remember',
      { '/etc/pam.d/common-password': pwhistory('remember=5 use_authtok') },
      'FAIL',
    ],
    [
      'remember from pwhistory.conf',
      'accounts_password_pam_pwhistory_remember',
      {
        '/etc/pam.d/common-password': pwhistory('use_authtok'),
        '/etc/security/pwhistory.conf': 'remember = 24\n',
      },
      'PASS',
    ],
    [
      'without use_authtok',
      'accounts_password_pam_pwhistory_remember',
      { '/etc/pam.d/common-password': pwhistory('remember=24') },
      'FAIL',
    ],
    [
      'no pam_pwhistory',
      'accounts_password_pam_pwhistory_remember',
      { '/etc/pam.d/common-password': PWQ_COMMON_PASSWORD },
      'FAIL',
    ],
    ['Debian su: pam_wheel only in comments', 'use_pam_wheel_group_for_su', { '/etc/pam.d/su': SU }, 'FAIL'],
    [
      'su with pam_wheel use_uid group=sugroup',
      'use_pam_wheel_group_for_su',
      {
        '/etc/pam.d/su': SU.replace(
          '# auth       required   pam_wheel.so\n',
          'auth       required   pam_wheel.so use_uid group=sugroup\n',
        ),
      },
      'PASS',
    ],
    [
      'su with pam_wheel of another group',
      'use_pam_wheel_group_for_su',
      {
        '/etc/pam.d/su': SU.replace(
          '# auth       required   pam_wheel.so\n',
          'auth       required   pam_wheel.so use_uid group=wheel\n',
        ),
      },
      'FAIL',
    ],
    [
      'su with pam_wheel optional',
      'use_pam_wheel_group_for_su',
      {
        '/etc/pam.d/su': SU.replace(
          '# auth       required   pam_wheel.so\n',
          'auth       optional   pam_wheel.so use_uid group=sugroup\n',
        ),
      },
      'FAIL',
    ],
  ] as const)('%s: %s → %s', async (_c, rule, files, expected) => {
    const out = await run(rule, files);
    expect(out.result, out.message).toBe(expected);
  });
});

describe('a root without /etc/pam.d (regression: was ERROR "not collected by the agent")', () => {
  it.each([
    ['accounts_password_pam_pwhistory_remember', '/etc/pam.d/common-password does not exist'],
    ['use_pam_wheel_group_for_su', '/etc/pam.d/su does not exist'],
  ])('%s is FAIL: the file is absent, so the module is not configured', async (rule, message) => {
    const out = await run(rule, { '/etc/hostname': 'h\n' });
    expect(out.result, out.message).toBe('FAIL');
    expect(out.message).toContain(message);
  });

  it('an include of a file that the agent did not record, with /etc/pam.d unread, stays ERROR', async () => {
    const facts = await factsOf({ files: { '/etc/hostname': 'h\n' } });
    delete facts.telemetry.paths['/etc/pam.d'];
    expect(evaluate(PAM_EVALUATORS.pam_options!, facts, 'use_pam_wheel_group_for_su').result).toBe('ERROR');
  });
});

describe('pam_account_password_faillock', () => {
  it.each([
    [
      'deny = 4 in faillock.conf',
      'accounts_passwords_pam_faillock_deny',
      { '/etc/pam.d/common-auth': FAILLOCK_COMMON_AUTH, '/etc/security/faillock.conf': 'deny = 4\n' },
      'PASS',
    ],
    [
      'deny = 5',
      'accounts_passwords_pam_faillock_deny',
      { '/etc/pam.d/common-auth': FAILLOCK_COMMON_AUTH, '/etc/security/faillock.conf': 'deny = 5\n' },
      'FAIL',
    ],
    [
      'deny=10 as an argument overrides the file',
      'accounts_passwords_pam_faillock_deny',
      {
        '/etc/pam.d/common-auth': FAILLOCK_COMMON_AUTH.replace(
          'pam_faillock.so preauth',
          'pam_faillock.so preauth deny=10',
        ),
        '/etc/security/faillock.conf': 'deny = 4\n',
      },
      'FAIL',
    ],
    [
      'pam_faillock not in common-auth (Debian default)',
      'accounts_passwords_pam_faillock_deny',
      { '/etc/pam.d/common-auth': COMMON_AUTH, '/etc/security/faillock.conf': 'deny = 4\n' },
      'FAIL',
    ],
    [
      'unlock_time 900',
      'accounts_passwords_pam_faillock_unlock_time',
      {
        '/etc/pam.d/common-auth': FAILLOCK_COMMON_AUTH,
        '/etc/security/faillock.conf': 'unlock_time = 900\n',
      },
      'PASS',
    ],
    [
      'unlock_time 0 (administrator unlocks)',
      'accounts_passwords_pam_faillock_unlock_time',
      { '/etc/pam.d/common-auth': FAILLOCK_COMMON_AUTH, '/etc/security/faillock.conf': 'unlock_time = 0\n' },
      'PASS',
    ],
    [
      'unlock_time default 600',
      'accounts_passwords_pam_faillock_unlock_time',
      { '/etc/pam.d/common-auth': FAILLOCK_COMMON_AUTH, '/etc/security/faillock.conf': '# deny = 3\n' },
      'FAIL',
    ],
  ] as const)('%s: %s → %s', async (_c, rule, files, expected) => {
    const out = await run(rule, files);
    expect(out.result, out.message).toBe(expected);
    expect(out.evidence.length).toBeGreaterThan(0);
  });
});

describe('lineinfile', () => {
  it.each([
    [
      'enforce_for_root in pwquality.conf',
      'accounts_password_pam_enforce_root',
      { '/etc/security/pwquality.conf': `${PWQ_CONF}enforce_for_root\n` },
      'PASS',
    ],
    [
      'enforce_for_root only as a comment (shipped file)',
      'accounts_password_pam_enforce_root',
      { '/etc/security/pwquality.conf': PWQ_CONF },
      'FAIL',
    ],
    [
      'enforce_for_root in a pwquality.conf.d drop-in',
      'accounts_password_pam_enforce_root',
      {
        '/etc/security/pwquality.conf': PWQ_CONF,
        '/etc/security/pwquality.conf.d/cis.conf': 'enforce_for_root\n',
      },
      'PASS',
    ],
    [
      'enforcing = 1',
      'accounts_password_pam_enforcing',
      { '/etc/security/pwquality.conf': `${PWQ_CONF}enforcing=1\n` },
      'PASS',
    ],
    [
      'enforcing = 0',
      'accounts_password_pam_enforcing',
      { '/etc/security/pwquality.conf': `${PWQ_CONF}enforcing = 0\n` },
      'FAIL',
    ],
    [
      'pwhistory.conf enforce_for_root',
      'accounts_password_pam_pwhistory_enforce_for_root',
      { '/etc/security/pwhistory.conf': 'enforce_for_root\nremember = 24\n' },
      'PASS',
    ],
    [
      'pwhistory.conf absent',
      'accounts_password_pam_pwhistory_enforce_for_root',
      { '/etc/os-release': 'ID=debian\n' },
      'FAIL',
    ],
  ] as const)('%s: %s → %s', async (_c, rule, files, expected) => {
    const out = await run(rule, files);
    expect(out.result, out.message).toBe(expected);
  });
});
