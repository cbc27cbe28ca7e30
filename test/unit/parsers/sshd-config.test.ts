import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSshdConfig, splitArgs } from '../../../functions/parsers/sshd-config';

const fixture = (p: string) => readFileSync(path.join(__dirname, '../../fixtures/config', p), 'utf8');
const summary = (text: string) => parseSshdConfig(text).directives.map((d) => [d.keyword, d.args, d.line]);

describe('parseSshdConfig on real files', () => {
  it('Debian 12 sshd_config: the Include line first, everything else commented out but a few', () => {
    const parsed = parseSshdConfig(fixture('debian-12/etc/ssh/sshd_config'));
    expect(parsed.errors).toEqual([]);
    expect(parsed.directives.map((d) => [d.keyword, d.args, d.line])).toEqual([
      ['include', ['/etc/ssh/sshd_config.d/*.conf'], 12],
      ['kbdinteractiveauthentication', ['no'], 62],
      ['usepam', ['yes'], 85],
      ['x11forwarding', ['yes'], 90],
      ['printmotd', ['no'], 94],
      ['acceptenv', ['LANG', 'LC_*'], 112],
      ['subsystem', ['sftp', '/usr/lib/openssh/sftp-server'], 115],
    ]);
    expect(parsed.directives[1]!.rawKeyword).toBe('KbdInteractiveAuthentication');
  });

  it('upstream OpenSSH sshd_config: only two active directives; the commented Match block is not one', () => {
    expect(summary(fixture('upstream/openssh/sshd_config'))).toEqual([
      ['authorizedkeysfile', ['.ssh/authorized_keys'], 42],
      ['subsystem', ['sftp', '/usr/libexec/sftp-server'], 112],
    ]);
  });

  it("the same syntax in the machine's ssh_config (Include, Host, multi-word SendEnv)", () => {
    expect(summary(fixture('debian-12/etc/ssh/ssh_config'))).toEqual([
      ['include', ['/etc/ssh/ssh_config.d/*.conf'], 19],
      ['host', ['*'], 21],
      ['sendenv', ['LANG', 'LC_*'], 51],
      ['hashknownhosts', ['yes'], 52],
      ['gssapiauthentication', ['yes'], 53],
    ]);
  });
});

describe('parseSshdConfig line syntax (servconf.c strdelim + argv_split)', () => {
  it.each([
    ['PermitRootLogin no', 'permitrootlogin', ['no']],
    ['  permitrootlogin\tno  ', 'permitrootlogin', ['no']],
    ['PermitRootLogin=no', 'permitrootlogin', ['no']],
    ['PermitRootLogin = no', 'permitrootlogin', ['no']],
    ['PermitRootLogin =no', 'permitrootlogin', ['no']],
    ['PERMITROOTLOGIN no\r', 'permitrootlogin', ['no']],
    ['PermitRootLogin no # not a value', 'permitrootlogin', ['no']],
    ['PermitRootLogin no#still-part-of-the-word', 'permitrootlogin', ['no#still-part-of-the-word']],
    ['AcceptEnv "LANG LC_*" TZ', 'acceptenv', ['LANG LC_*', 'TZ']],
    ["Banner '/etc/issue net'", 'banner', ['/etc/issue net']],
    ['ForceCommand echo\\ hi \\"x\\"', 'forcecommand', ['echo hi', '"x"']],
    ['Match User backup Address 10.0.0.0/8', 'match', ['User', 'backup', 'Address', '10.0.0.0/8']],
    [
      'Include sshd_config.d/*.conf /etc/ssh/extra.conf',
      'include',
      ['sshd_config.d/*.conf', '/etc/ssh/extra.conf'],
    ],
  ])('%j', (line, keyword, args) => {
    const p = parseSshdConfig(line);
    expect(p.errors).toEqual([]);
    expect(p.directives).toEqual([expect.objectContaining({ keyword, args, line: 1 })]);
  });

  it.each(['', '   ', '# PermitRootLogin yes', '   #PermitRootLogin yes', '#'])(
    '%j is not a directive',
    (line) => {
      const p = parseSshdConfig(line);
      expect(p.directives).toEqual([]);
      expect(p.errors).toEqual([]);
    },
  );

  it.each([
    ['PermitRootLogin', /no argument/],
    ['PermitRootLogin =', /no argument/],
    ['AcceptEnv "LANG', /invalid quotes/],
  ])('%j is an error sshd would refuse', (line, message) => {
    const p = parseSshdConfig(line);
    expect(p.directives).toEqual([]);
    expect(p.errors[0]).toMatchObject({ line: 1, message: expect.stringMatching(message) });
  });

  it('keeps line numbers across comments and blank lines', () => {
    expect(summary('# a\n\nPort 22\n  # b\nProtocol 2\n')).toEqual([
      ['port', ['22'], 3],
      ['protocol', ['2'], 5],
    ]);
  });

  it('splitArgs stops at a word starting with #', () => {
    expect(splitArgs('a b #c d')).toEqual(['a', 'b']);
  });

  it('reads a line with a long run of blanks in linear time (untrusted telemetry)', () => {
    const started = performance.now();
    const p = parseSshdConfig(`PermitRootLogin${' '.repeat(200_000)}no\nPort 22${'\t'.repeat(200_000)}#`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(p.directives.map((d) => [d.keyword, d.args])).toEqual([
      ['permitrootlogin', ['no']],
      ['port', ['22']],
    ]);
  });
});
