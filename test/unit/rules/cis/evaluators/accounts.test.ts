import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ACCOUNT_RULE_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/accounts';
import { ACCOUNT_HAND_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/accounts-hand';
import type { RootSpec } from '../../../../helpers/fixture-root';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const fixture = (p: string) => readFileSync(path.join(__dirname, '../../../../fixtures/config', p), 'utf8');
/** base-passwd's master files as update-passwd installs them with shadow passwords (x in the password field). */
const PASSWD = fixture('debian-12/base-passwd/passwd.master').replace(/^([^:]+):\*:/gm, '$1:x:');
const GROUP = fixture('debian-12/base-passwd/group.master').replace(/^([^:]+):\*:/gm, '$1:x:');
const LOGIN_DEFS = fixture('debian-12/etc/login.defs');
const ALICE = 'alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n';
const ALICE_GROUP = 'alice:x:1000:\n';
const HASH = '$y$j9T$abcdefghijklmnopqrstu.$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg';
const shadowLine = (name: string, pw: string, max = '365', inactive = '30') =>
  `${name}:${pw}:19800:1:${max}:7:${inactive}::\n`;
const SHADOW = `${shadowLine('root', '*', '99999', '')}${shadowLine('daemon', '*', '99999', '')}${shadowLine('alice', HASH)}`;

const base: RootSpec['files'] = {
  '/etc/passwd': PASSWD + ALICE,
  '/etc/group': GROUP + ALICE_GROUP,
  '/etc/shadow': SHADOW,
  '/etc/login.defs': LOGIN_DEFS,
};
const run = async (rule: string, files: RootSpec['files'] = {}) =>
  evaluate(ACCOUNT_RULE_EVALUATORS[`rule:${rule}`]!, await factsOf({ files: { ...base, ...files } }), rule);

describe('hand-written account rules', () => {
  it.each([
    ['accounts_no_uid_except_zero', {}, 'PASS'],
    ['accounts_no_uid_except_zero', { '/etc/passwd': `${PASSWD}toor:x:0:0::/root:/bin/bash\n` }, 'FAIL'],
    ['accounts_root_gid_zero', {}, 'PASS'],
    ['accounts_root_gid_zero', { '/etc/passwd': PASSWD.replace('root:x:0:0:', 'root:x:0:10:') }, 'FAIL'],
    ['groups_no_zero_gid_except_root', {}, 'PASS'],
    ['groups_no_zero_gid_except_root', { '/etc/group': `${GROUP}wheel:x:0:\n` }, 'FAIL'],
    ['accounts_password_all_shadowed', {}, 'PASS'],
    [
      'accounts_password_all_shadowed',
      { '/etc/passwd': `${PASSWD}bob::1001:1001::/home/bob:/bin/bash\n` },
      'FAIL',
    ],
    ['no_empty_passwords_etc_shadow', {}, 'PASS'],
    ['no_empty_passwords_etc_shadow', { '/etc/shadow': SHADOW + shadowLine('bob', '') }, 'FAIL'],
    ['gid_passwd_group_same', {}, 'PASS'],
    ['gid_passwd_group_same', { '/etc/group': GROUP }, 'FAIL'],
    ['ensure_shadow_group_empty', {}, 'PASS'],
    [
      'ensure_shadow_group_empty',
      { '/etc/group': GROUP.replace('shadow:x:42:', 'shadow:x:42:alice') + ALICE_GROUP },
      'FAIL',
    ],
    ['account_unique_id', {}, 'PASS'],
    [
      'account_unique_id',
      { '/etc/passwd': `${PASSWD + ALICE}bob:x:1000:1000::/home/bob:/bin/bash\n` },
      'FAIL',
    ],
    [
      'account_unique_name',
      { '/etc/passwd': PASSWD + ALICE + ALICE.replace(':1000:1000:', ':1001:1000:') },
      'FAIL',
    ],
    ['group_unique_id', { '/etc/group': `${GROUP + ALICE_GROUP}bob:x:1000:\n` }, 'FAIL'],
    ['group_unique_name', {}, 'PASS'],
    ['accounts_password_set_max_life_existing', {}, 'PASS'],
    [
      'accounts_password_set_max_life_existing',
      { '/etc/shadow': SHADOW.replace(':365:', ':99999:') },
      'FAIL',
    ],
    ['accounts_set_post_pw_existing', {}, 'PASS'],
    ['accounts_set_post_pw_existing', { '/etc/shadow': SHADOW.replace(':7:30::', ':7:::') }, 'FAIL'],
    ["accounts_maximum_age_login_defs (Debian's 99999)", {}, 'FAIL'],
    [
      'accounts_maximum_age_login_defs',
      { '/etc/login.defs': LOGIN_DEFS.replace('PASS_MAX_DAYS\t99999', 'PASS_MAX_DAYS\t365') },
      'PASS',
    ],
    ['accounts_password_warn_age_login_defs', {}, 'PASS'],
    ["set_password_hashing_algorithm_logindefs (Debian's SHA512, yescrypt wanted)", {}, 'FAIL'],
    [
      'set_password_hashing_algorithm_logindefs',
      { '/etc/login.defs': LOGIN_DEFS.replace('ENCRYPT_METHOD SHA512', 'ENCRYPT_METHOD YESCRYPT') },
      'PASS',
    ],
    ["no_shelllogin_for_systemaccounts (base-passwd's accounts)", {}, 'PASS'],
    [
      'no_shelllogin_for_systemaccounts',
      {
        '/etc/passwd': PASSWD.replace(
          'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
          'daemon:x:1:1:daemon:/usr/sbin:/bin/bash',
        ),
      },
      'FAIL',
    ],
  ] as const)('%s %j → %s', async (rule, files, expected) => {
    const out = await run(rule.split(' ')[0]!, files);
    expect(out.result, out.message).toBe(expected);
    expect(out.evidence.length).toBeGreaterThan(0);
  });

  it('a missing /etc/shadow record is ERROR, never a pass', async () => {
    const facts = await factsOf({ files: { '/etc/passwd': PASSWD, '/etc/group': GROUP } });
    const out = evaluate(
      ACCOUNT_RULE_EVALUATORS['rule:no_empty_passwords_etc_shadow']!,
      facts,
      'no_empty_passwords_etc_shadow',
    );
    expect(out.result).toBe('ERROR');
  });

  it('names the offending account with its line', async () => {
    const out = await run('accounts_no_uid_except_zero', {
      '/etc/passwd': `${PASSWD}toor:x:0:0::/root:/bin/bash\n`,
    });
    expect(out.evidence[0]).toMatchObject({
      source: '/etc/passwd',
      key: 'toor',
      line: PASSWD.split('\n').length,
    });
  });
});

describe('a root without /etc/login.defs (regression: was ERROR): shadow compiled-in defaults apply', () => {
  const { '/etc/login.defs': _defs, ...noDefs } = base;
  const runWithout = async (rule: string) =>
    evaluate(ACCOUNT_RULE_EVALUATORS[`rule:${rule}`]!, await factsOf({ files: noDefs }), rule);
  it.each([
    ['accounts_maximum_age_login_defs', 'no maximum'],
    ['accounts_minimum_age_login_defs', 'no minimum'],
    ['accounts_password_warn_age_login_defs', 'no warning'],
    ['set_password_hashing_algorithm_logindefs', 'DES'],
  ])('%s is FAIL and says the default applies', async (rule, what) => {
    const out = await runWithout(rule);
    expect(out.result, out.message).toBe('FAIL');
    expect(out.message).toContain("/etc/login.defs does not exist, so shadow's compiled-in default applies");
    expect(out.message).toContain(what);
    expect(out.evidence[0]?.value).toMatch(/^\(file absent: default /);
  });

  it('accounts_umask_etc_login_defs: UMASK 022 by default, FAIL', async () => {
    const facts = await factsOf({ files: noDefs });
    const out = evaluate(
      ACCOUNT_HAND_EVALUATORS['rule:accounts_umask_etc_login_defs']!,
      facts,
      'accounts_umask_etc_login_defs',
    );
    expect(out.result, out.message).toBe('FAIL');
    expect(out.message).toContain('default applies: 022');
  });
});
