import { afterAll, describe, expect, it } from 'vitest';
import type { BenchmarkId } from '../../../../../functions/rules/cis/data';
import { PAM_HAND_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/pam-hand';
import { configFixture, DEBIAN_PAM, HARDENED_PAM } from '../../../../helpers/cis-material';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const fixture = configFixture;
const COMMON = DEBIAN_PAM;
const HARDENED = HARDENED_PAM;
const RHEL = {
  '/etc/pam.d/system-auth': fixture('rhel-9/etc/pam.d/system-auth'),
  '/etc/pam.d/password-auth': fixture('rhel-9/etc/pam.d/password-auth'),
};

const debianRoot = (stacks: Record<string, string>, extra: Record<string, string> = {}) =>
  factsOf({
    files: Object.fromEntries([
      ...Object.entries(stacks).map(([t, text]) => [`/etc/pam.d/common-${t}`, text]),
      ...Object.entries(extra),
    ]),
  });

const run = async (
  rule: string,
  facts: Awaited<ReturnType<typeof factsOf>>,
  benchmark: BenchmarkId = 'debian12',
) => evaluate(PAM_HAND_EVALUATORS[`rule:${rule}`]!, facts, rule, benchmark);

describe('Debian/Ubuntu stacks as pam-auth-update generates them', () => {
  const DEBIAN_RULES: Array<[string, 'PASS' | 'FAIL', 'PASS' | 'FAIL']> = [
    // [rule, on Debian's default stacks, on the hardened stacks]
    ['accounts_password_pam_unix_enabled', 'PASS', 'PASS'],
    ['accounts_passwords_pam_faillock_enabled', 'FAIL', 'PASS'],
    ['accounts_password_pam_pwquality_enabled', 'FAIL', 'PASS'],
    ['accounts_password_pam_pwhistory_enabled', 'FAIL', 'PASS'],
    ['accounts_password_pam_pwhistory_enforce_root', 'FAIL', 'PASS'],
    ['accounts_password_pam_pwhistory_use_authtok', 'FAIL', 'PASS'],
    // Debian's common-auth has "pam_unix.so nullok".
    ['no_empty_passwords_unix', 'FAIL', 'PASS'],
    ['accounts_password_pam_unix_no_remember', 'PASS', 'PASS'],
    ['set_password_hashing_algorithm_systemauth', 'PASS', 'PASS'],
    ['accounts_password_pam_unix_authtok', 'FAIL', 'PASS'],
  ];
  it.each(DEBIAN_RULES)('%s: default %s, hardened %s', async (rule, dflt, hardened) => {
    const d = await run(rule, await debianRoot(COMMON));
    expect(d.result, d.message).toBe(dflt);
    const h = await run(rule, await debianRoot(HARDENED), 'ubuntu2204');
    expect(h.result, h.message).toBe(hardened);
  });

  it('enforce_for_root from /etc/security/pwhistory.conf counts', async () => {
    const stacks = { ...HARDENED, password: HARDENED.password.replace(' enforce_for_root', '') };
    expect((await run('accounts_password_pam_pwhistory_enforce_root', await debianRoot(stacks))).result).toBe(
      'FAIL',
    );
    const conf = await debianRoot(stacks, {
      '/etc/security/pwhistory.conf': '# pwhistory\nenforce_for_root\nremember = 24\n',
    });
    expect((await run('accounts_password_pam_pwhistory_enforce_root', conf)).result).toBe('PASS');
  });

  it('remember= on pam_unix and another hash fail; a missing stack file is a failure, not a pass', async () => {
    const remember = {
      ...COMMON,
      password: COMMON.password.replace('obscure yescrypt', 'obscure sha512 remember=5'),
    };
    const f = await debianRoot(remember);
    expect((await run('accounts_password_pam_unix_no_remember', f)).result).toBe('FAIL');
    const hash = await run('set_password_hashing_algorithm_systemauth', f);
    expect(hash.result).toBe('FAIL');
    expect(hash.evidence[0]?.value).toBe('sha512');
    const { account: _a, ...noAccount } = COMMON;
    const out = await run('accounts_password_pam_unix_enabled', await debianRoot(noAccount));
    expect(out.result).toBe('FAIL');
    expect(out.message).toMatch(/common-account does not exist/);
  });

  it('a commented module line does not count', async () => {
    const stacks = {
      ...HARDENED,
      password: HARDENED.password.replace(
        'password\trequisite\t\t\tpam_pwhistory.so',
        '#password\trequisite\t\t\tpam_pwhistory.so',
      ),
    };
    expect((await run('accounts_password_pam_pwhistory_enabled', await debianRoot(stacks))).result).toBe(
      'FAIL',
    );
  });
});

describe('RHEL stacks as authselect generates them (profile sssd)', () => {
  it.each([
    ['account_password_pam_faillock_system_auth', 'FAIL'],
    ['account_password_pam_faillock_password_auth', 'FAIL'],
    ['accounts_password_pam_pwquality_system_auth', 'PASS'],
    ['accounts_password_pam_pwquality_password_auth', 'PASS'],
    ['accounts_password_pam_pwhistory_remember_system_auth', 'FAIL'],
    ['set_password_hashing_algorithm_systemauth', 'FAIL'],
    ['no_empty_passwords', 'FAIL'],
  ] as const)('%s → %s', async (rule, expected) => {
    const out = await run(rule, await factsOf({ files: RHEL }), 'rhel9');
    expect(out.result, out.message).toBe(expected);
  });

  it('with-faillock, with-pwhistory and without-nullok features', async () => {
    const feature = (t: string) =>
      t
        .replace(/ nullok/g, '')
        .replace(
          'auth        required                                     pam_faildelay.so delay=2000000',
          'auth        required                                     pam_faildelay.so delay=2000000\nauth        required                                     pam_faillock.so preauth silent',
        )
        .replace(
          'account     required                                     pam_unix.so',
          'account     required                                     pam_faillock.so\naccount     required                                     pam_unix.so',
        )
        .replace(
          'password    requisite                                    pam_pwquality.so local_users_only',
          'password    requisite                                    pam_pwquality.so local_users_only\npassword    required                                     pam_pwhistory.so use_authtok',
        );
    const files = Object.fromEntries(Object.entries(RHEL).map(([p, t]) => [p, feature(t)]));
    const f = await factsOf({ files: { ...files, '/etc/security/pwhistory.conf': 'remember = 24\n' } });
    for (const rule of [
      'account_password_pam_faillock_system_auth',
      'account_password_pam_faillock_password_auth',
      'accounts_password_pam_pwhistory_remember_system_auth',
      'accounts_password_pam_pwhistory_remember_password_auth',
      'no_empty_passwords',
    ])
      expect((await run(rule, f, 'rhel9')).result, rule).toBe('PASS');
    const short = await factsOf({ files: { ...files, '/etc/security/pwhistory.conf': 'remember = 5\n' } });
    expect((await run('accounts_password_pam_pwhistory_remember_system_auth', short, 'rhel9')).result).toBe(
      'FAIL',
    );
  });
});

describe('ensure_pam_wheel_group_empty', () => {
  const GROUP = 'root:x:0:\nsudo:x:27:alice\n';
  const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n';
  it.each([
    ['sugroup absent', GROUP, 'FAIL'],
    ['sugroup empty', `${GROUP}sugroup:x:1001:\n`, 'PASS'],
    ['sugroup with a member', `${GROUP}sugroup:x:1001:alice\n`, 'FAIL'],
    ['sugroup as a primary group', `${GROUP}sugroup:x:1000:\n`, 'FAIL'],
  ] as const)('%s → %s', async (_c, group, expected) => {
    const f = await factsOf({ files: { '/etc/group': group, '/etc/passwd': PASSWD } });
    expect((await run('ensure_pam_wheel_group_empty', f)).result).toBe(expected);
  });
});

describe('accounts_password with a variable the benchmark does not select', () => {
  it("falls back to upstream's default (var_password_pam_maxsequence 3), never ERROR", async () => {
    const { PAM_EVALUATORS } = await import('../../../../../functions/rules/cis/evaluators/pam');
    const stacks = { '/etc/pam.d/common-password': HARDENED.password };
    const set = await factsOf({ files: { ...stacks, '/etc/security/pwquality.conf': 'maxsequence = 3\n' } });
    const rule = 'accounts_password_pam_maxsequence';
    expect(evaluate(PAM_EVALUATORS.accounts_password!, set, rule).result).toBe('PASS');
    const unset = await factsOf({ files: stacks });
    expect(evaluate(PAM_EVALUATORS.accounts_password!, unset, rule).result).toBe('FAIL');
  });
});
