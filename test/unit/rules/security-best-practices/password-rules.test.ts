import { afterAll, describe, expect, it } from 'vitest';
import { cleanupRoots } from '../../../helpers/fixture-root';
import { ruleResult, variant } from './harness';

afterAll(cleanupRoots);

const MAX_AGE = 'sbp.password-max-age';
const MIN_LEN = 'sbp.password-min-length';
const COMPLEXITY = 'sbp.password-complexity';

const loginDefs = (text: string) => variant({ files: { '/etc/login.defs': text } });
const commonPassword = (primary: string, files: Record<string, string> = {}, omit: string[] = []) =>
  variant({
    files: {
      '/etc/login.defs': 'PASS_MAX_DAYS 90\nPASS_MIN_LEN 8\n',
      '/etc/pam.d/common-password':
        '# here are the per-package modules (the "Primary" block)\n' +
        `${primary}\n` +
        'password\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt\n' +
        'password\trequisite\t\t\tpam_deny.so\npassword\trequired\t\t\tpam_permit.so\n',
      '/etc/security/pwquality.conf': '# minlen = 8\n',
      ...files,
    },
    omit,
  });

describe('sbp.password-max-age', () => {
  it('passes for PASS_MAX_DAYS 90 with file, line, value and expected in the evidence', async () => {
    const r = await ruleResult(MAX_AGE, loginDefs('# comment\nPASS_MAX_DAYS\t90\n'));
    expect(r.result).toBe('PASS');
    expect(r.evidence[0]).toMatchObject({
      source: '/etc/login.defs',
      line: 2,
      key: 'PASS_MAX_DAYS',
      value: '90',
      expected: '0 to 365',
    });
  });

  it('fails for 99999 (the shadow default) and names the line to change', async () => {
    const r = await ruleResult(MAX_AGE, loginDefs('PASS_MAX_DAYS\t99999\n'));
    expect(r.result).toBe('FAIL');
    expect(r.recommendation).toMatch(
      /Change line 1 of \/etc\/login.defs from "PASS_MAX_DAYS\t99999" to "PASS_MAX_DAYS 365"/,
    );
  });

  it.each([
    ['unset', 'PASS_MIN_DAYS 0\n'],
    ['negative', 'PASS_MAX_DAYS -1\n'],
    ['not a number (getdef keeps a trailing # comment)', 'PASS_MAX_DAYS 90 # three months\n'],
    ['overridden by a later line', 'PASS_MAX_DAYS 30\nPASS_MAX_DAYS 400\n'],
  ])('fails when %s', async (_name, text) => {
    expect((await ruleResult(MAX_AGE, loginDefs(text))).result).toBe('FAIL');
  });

  it('takes the threshold as a rule parameter', async () => {
    const r = await ruleResult(MAX_AGE, loginDefs('PASS_MAX_DAYS 90\n'), {
      parameters: { [MAX_AGE]: { maxDays: 60 } },
    });
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]!.expected).toBe('0 to 60');
  });

  it('is ERROR when /etc/login.defs does not exist', async () => {
    const r = await ruleResult(MAX_AGE, variant({ omit: ['/etc/login.defs'] }));
    expect(r.result).toBe('ERROR');
    expect(r.message).toMatch(/\/etc\/login.defs does not exist/);
  });
});

describe('sbp.password-min-length', () => {
  it('passes from PASS_MIN_LEN and says so', async () => {
    const r = await ruleResult(MIN_LEN, loginDefs('PASS_MAX_DAYS 90\nPASS_MIN_LEN 14\n'));
    expect(r.result).toBe('PASS');
    expect(r.message).toMatch(/PASS_MIN_LEN is 14 in \/etc\/login.defs line 2/);
  });

  it('passes from minlen in pwquality.conf when pam_pwquality is active', async () => {
    const r = await ruleResult(
      MIN_LEN,
      commonPassword('password\trequisite\t\t\tpam_pwquality.so retry=3', {
        '/etc/security/pwquality.conf': '# minlen = 8\nminlen = 14\n',
      }),
    );
    expect(r.result).toBe('PASS');
    expect(r.message).toMatch(/pam_pwquality minlen 14 \(\/etc\/security\/pwquality.conf line 2\)/);
    expect(r.evidence).toContainEqual(
      expect.objectContaining({
        source: '/etc/security/pwquality.conf',
        line: 2,
        value: '14',
        expected: '>= 14',
      }),
    );
  });

  it('the module argument overrides pwquality.conf', async () => {
    const r = await ruleResult(
      MIN_LEN,
      commonPassword('password requisite pam_pwquality.so retry=3 minlen=15', {
        '/etc/security/pwquality.conf': 'minlen = 8\n',
      }),
    );
    expect(r.result).toBe('PASS');
    expect(r.message).toMatch(/minlen 15 \(\/etc\/pam.d\/common-password line 2\)/);
  });

  it('pwquality.conf is read after pwquality.conf.d, which is read in ASCII order', async () => {
    const dropIns = {
      '/etc/security/pwquality.conf.d/10-cis.conf': 'minlen = 14\n',
      '/etc/security/pwquality.conf.d/20-site.conf': 'minlen = 16\n',
    };
    const r = await ruleResult(
      MIN_LEN,
      commonPassword('password requisite pam_pwquality.so', {
        ...dropIns,
        '/etc/security/pwquality.conf': 'minlen = 9\n',
      }),
    );
    expect(r.result).toBe('FAIL');
    const r2 = await ruleResult(MIN_LEN, commonPassword('password requisite pam_pwquality.so', dropIns));
    expect(r2.result).toBe('PASS');
    expect(r2.message).toMatch(/20-site.conf line 1/);
  });

  it('a commented-out pam_pwquality line with minlen=14 does not count', async () => {
    const r = await ruleResult(
      MIN_LEN,
      commonPassword('#password requisite pam_pwquality.so retry=3 minlen=14'),
    );
    expect(r.result).toBe('FAIL');
    expect(r.recommendation).toMatch(/PASS_MIN_LEN 14/);
  });

  it('pam_cracklib takes minlen from its arguments only', async () => {
    const ok = await ruleResult(
      MIN_LEN,
      commonPassword('password required pam_cracklib.so retry=3 minlen=14'),
    );
    expect(ok.result).toBe('PASS');
    const ko = await ruleResult(
      MIN_LEN,
      commonPassword('password required pam_cracklib.so retry=3', {
        '/etc/security/pwquality.conf': 'minlen = 20\n',
      }),
    );
    expect(ko.result).toBe('FAIL');
    expect(ko.evidence).toContainEqual(expect.objectContaining({ key: 'minlen (pam_cracklib)', value: '9' }));
  });

  it('fails with a short PASS_MIN_LEN and no quality module', async () => {
    const r2 = await ruleResult(
      MIN_LEN,
      variant({ files: { '/etc/login.defs': 'PASS_MIN_LEN 5\n' }, omit: ['/etc/security/pwquality.conf'] }),
    );
    expect(r2.result).toBe('FAIL');
    expect(r2.evidence).toContainEqual(expect.objectContaining({ key: 'PASS_MIN_LEN', value: '5', line: 1 }));
  });

  it('is ERROR when login.defs is missing and PAM does not enforce the length', async () => {
    const r = await ruleResult(
      MIN_LEN,
      variant({ omit: ['/etc/login.defs', '/etc/security/pwquality.conf'] }),
    );
    expect(r.result).toBe('ERROR');
  });
});

describe('sbp.password-complexity', () => {
  it('passes with pam_pwquality requisite in common-password', async () => {
    const r = await ruleResult(
      COMPLEXITY,
      commonPassword('password\trequisite\t\t\tpam_pwquality.so retry=3'),
    );
    expect(r.result).toBe('PASS');
    expect(r.evidence[0]).toMatchObject({ source: '/etc/pam.d/common-password', line: 2, key: 'password' });
  });

  it('a -password line is active (the dash only silences a missing module)', async () => {
    const r = await ruleResult(COMPLEXITY, commonPassword('-password requisite pam_pwquality.so retry=3'));
    expect(r.result).toBe('PASS');
    expect(r.evidence[0]!.note).toMatch(/silently skipped if not/);
  });

  it('fails when the pam_pwquality line is commented out', async () => {
    const r = await ruleResult(COMPLEXITY, commonPassword('#password requisite pam_pwquality.so retry=3'));
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]!.value).toMatch(/no active pam_pwquality\/pam_cracklib line/);
    expect(r.recommendation).toMatch(/libpam-pwquality/);
  });

  it.each([
    ['optional', 'password optional pam_pwquality.so'],
    ['[default=ignore]', 'password [success=ok default=ignore] pam_pwquality.so'],
  ])('fails when the stack ignores its failure (%s)', async (_n, line) => {
    const r = await ruleResult(COMPLEXITY, commonPassword(line));
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]!.note).toMatch(/not enforcing/);
  });

  it('fails when pwquality.conf sets enforcing = 0', async () => {
    const r = await ruleResult(
      COMPLEXITY,
      commonPassword('password requisite pam_pwquality.so', {
        '/etc/security/pwquality.conf': 'enforcing = 0\n',
      }),
    );
    expect(r.result).toBe('FAIL');
  });

  it('follows include and substack (RHEL stacks) and @include (Debian)', async () => {
    const rhel = variant({
      omit: ['/etc/pam.d/common-password'],
      files: {
        '/etc/pam.d/system-auth':
          'auth required pam_env.so\npassword substack password-quality\npassword sufficient pam_unix.so\n',
        '/etc/pam.d/password-auth': '@include password-quality\npassword required pam_deny.so\n',
        '/etc/pam.d/password-quality':
          'password    requisite     pam_pwquality.so local_users_only \\\n    retry=3\n',
      },
    });
    const r = await ruleResult(COMPLEXITY, rhel);
    expect(r.result).toBe('PASS');
    expect(r.evidence[0]).toMatchObject({ source: '/etc/pam.d/password-quality', line: 1 });
    expect(r.evidence[0]!.note).toMatch(/included via \/etc\/pam.d\/system-auth/);
  });

  it('fails naming the RHEL stack that lacks a quality module', async () => {
    const r = await ruleResult(
      COMPLEXITY,
      variant({
        omit: ['/etc/pam.d/common-password'],
        files: {
          '/etc/pam.d/system-auth': 'password requisite pam_pwquality.so local_users_only\n',
          '/etc/pam.d/password-auth': 'password sufficient pam_unix.so yescrypt shadow\n',
        },
      }),
    );
    expect(r.result).toBe('FAIL');
    expect(r.message).toMatch(/\/etc\/pam.d\/password-auth/);
    expect(r.message).not.toMatch(/system-auth/);
  });

  it('is ERROR when no PAM password stack exists', async () => {
    const r = await ruleResult(COMPLEXITY, variant({ omit: ['/etc/pam.d/common-password'] }));
    expect(r.result).toBe('ERROR');
    expect(r.message).toMatch(/none of .*common-password.*exists/);
  });
});
