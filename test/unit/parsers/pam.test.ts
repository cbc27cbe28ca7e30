import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type PamRule, pamModuleName, parsePamFile } from '../../../functions/parsers/pam';

const fixture = (p: string) => readFileSync(path.join(__dirname, '../../fixtures/config', p), 'utf8');
const rules = (text: string) => parsePamFile(text).filter((l): l is PamRule => l.kind === 'rule');

describe('parsePamFile on real files', () => {
  it('Debian 12 common-password: three password lines, the [value=action] control parsed', () => {
    const lines = parsePamFile(fixture('debian-12/etc/pam.d/common-password'));
    expect(lines.map((l) => (l.kind === 'rule' ? [l.type, l.control, l.module, l.args, l.line] : l))).toEqual(
      [
        [
          'password',
          { kind: 'actions', actions: { success: '1', default: 'ignore' } },
          'pam_unix.so',
          ['obscure', 'yescrypt'],
          25,
        ],
        ['password', { kind: 'keyword', value: 'requisite' }, 'pam_deny.so', [], 27],
        ['password', { kind: 'keyword', value: 'required' }, 'pam_permit.so', [], 31],
      ],
    );
  });

  it('Debian 12 passwd: @include common-password', () => {
    expect(parsePamFile(fixture('debian-12/etc/pam.d/passwd'))).toEqual([
      { kind: '@include', target: 'common-password', line: 5, text: '@include common-password' },
    ]);
  });

  it('the libpam-pwquality pam-auth-update snippet line parses as a module line', () => {
    const snippet = fixture('debian-12/pam-configs-pwquality')
      .split('\n')
      .find((l) => l.includes('pam_pwquality'))!;
    expect(rules(`password ${snippet.trim()}`)[0]).toMatchObject({
      control: { kind: 'keyword', value: 'requisite' },
      module: 'pam_pwquality.so',
      args: ['retry=3'],
    });
  });

  it.each(['system-auth', 'password-auth'])('RHEL 9 (authselect sssd) %s', (name) => {
    const all = rules(fixture(`rhel-9/etc/pam.d/${name}`));
    const password = all.filter((r) => r.type === 'password');
    expect(password.map((r) => [r.control, pamModuleName(r.module), r.args])).toEqual([
      [{ kind: 'keyword', value: 'requisite' }, 'pam_pwquality', ['local_users_only']],
      [{ kind: 'keyword', value: 'sufficient' }, 'pam_unix', ['yescrypt', 'shadow', 'nullok', 'use_authtok']],
      [{ kind: 'keyword', value: 'sufficient' }, 'pam_sss', ['use_authtok']],
      [{ kind: 'keyword', value: 'required' }, 'pam_deny', []],
    ]);
    expect(all.find((r) => r.module === 'pam_systemd.so')).toMatchObject({
      type: 'session',
      silentIfMissing: true,
    });
    expect(all.find((r) => r.module === 'pam_succeed_if.so' && r.type === 'session')).toMatchObject({
      control: { kind: 'actions', actions: { success: '1', default: 'ignore' } },
      args: ['service', 'in', 'crond', 'quiet', 'use_uid'],
    });
    expect(parsePamFile(fixture(`rhel-9/etc/pam.d/${name}`)).filter((l) => l.kind !== 'rule')).toEqual([]);
  });
});

describe('parsePamFile line syntax (Linux-PAM pam_handlers.c)', () => {
  it.each([
    ['#password requisite pam_pwquality.so', 0],
    ['   # password requisite pam_pwquality.so', 0],
    ['', 0],
    ['password requisite pam_pwquality.so # retry=3', 1],
  ])('%j has %i module line(s)', (line, n) => {
    expect(rules(line)).toHaveLength(n);
  });

  it('a # anywhere ends the line', () => {
    expect(rules('password requisite pam_pwquality.so retry=3 # minlen=14')[0]!.args).toEqual(['retry=3']);
  });

  it('-password: active, marked silent-if-missing', () => {
    expect(rules('-password requisite pam_pwquality.so')[0]).toMatchObject({
      type: 'password',
      silentIfMissing: true,
      module: 'pam_pwquality.so',
    });
  });

  it('type and control keywords are case-insensitive', () => {
    expect(rules('PASSWORD Requisite pam_pwquality.so')[0]).toMatchObject({
      type: 'password',
      control: { kind: 'keyword', value: 'requisite' },
    });
  });

  it('include and substack name a service', () => {
    expect(
      rules('password include system-auth\npassword substack password-auth\n').map((r) => [
        r.control,
        r.module,
      ]),
    ).toEqual([
      [{ kind: 'keyword', value: 'include' }, 'system-auth'],
      [{ kind: 'keyword', value: 'substack' }, 'password-auth'],
    ]);
  });

  it('a backslash at the end of a line continues it, keeping the first line number', () => {
    const r = rules(
      '# x\npassword requisite \\\n   pam_pwquality.so retry=3 \\\n   minlen=14\npassword required pam_deny.so\n',
    );
    expect(r.map((x) => [x.module, x.args, x.line])).toEqual([
      ['pam_pwquality.so', ['retry=3', 'minlen=14'], 2],
      ['pam_deny.so', [], 5],
    ]);
  });

  it('a commented line ending in a backslash does not continue', () => {
    expect(rules('# comment \\\npassword required pam_deny.so\n')).toHaveLength(1);
  });

  it('bracketed arguments keep their spaces; \\] escapes a bracket', () => {
    expect(rules('auth required pam_mysql.so [query=select a from b where c=\\]d] user=x')[0]!.args).toEqual([
      'query=select a from b where c=]d',
      'user=x',
    ]);
  });

  it.each([
    [
      'account [default=bad success=ok user_unknown=ignore] pam_sss.so',
      { default: 'bad', success: 'ok', user_unknown: 'ignore' },
    ],
    [
      'auth [success=done ignore=ignore default=die] pam_sss.so',
      { success: 'done', ignore: 'ignore', default: 'die' },
    ],
  ])('%j control', (line, actions) => {
    expect(rules(line)[0]!.control).toEqual({ kind: 'actions', actions });
  });

  it.each([
    ['bogus required pam_deny.so', /illegal module type/],
    ['password required', /missing control or module path/],
    ['@include', /without a file/],
  ])('%j is reported invalid', (line, message) => {
    expect(parsePamFile(line)[0]).toMatchObject({ kind: 'invalid', message: expect.stringMatching(message) });
  });

  it.each([
    ['pam_pwquality.so', 'pam_pwquality'],
    ['/usr/lib64/security/pam_pwquality.so', 'pam_pwquality'],
    ['$ISA/pam_cracklib.so', 'pam_cracklib'],
  ])('module name of %s', (p, n) => {
    expect(pamModuleName(p)).toBe(n);
  });
});
