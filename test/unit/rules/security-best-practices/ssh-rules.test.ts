import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupRoots } from '../../../helpers/fixture-root';
import { ruleResult, variant } from './harness';

afterAll(cleanupRoots);

const ROOT = 'sbp.ssh-root-login';
const PROTO = 'sbp.ssh-protocol-2';
const PWD = 'sbp.ssh-password-auth';

const withSshd = (config: string, extra: Record<string, string> = {}) =>
  variant({
    files: { '/etc/ssh/sshd_config': config, ...extra },
    omit: ['/etc/ssh/sshd_config.d/50-cloud-init.conf'],
  });
const noSshd = () =>
  variant({ omit: ['/etc/ssh/sshd_config', '/usr/sbin/sshd', '/etc/ssh/sshd_config.d/50-cloud-init.conf'] });

describe('sbp.ssh-root-login', () => {
  it('passes for PermitRootLogin no', async () => {
    const r = await ruleResult(ROOT, withSshd('PermitRootLogin no\n'));
    expect(r.result).toBe('PASS');
    expect(r.evidence[0]).toMatchObject({
      source: '/etc/ssh/sshd_config',
      line: 1,
      key: 'PermitRootLogin',
      value: 'no',
      expected: 'no',
    });
  });

  it('fails for the default (prohibit-password) and says the default applies', async () => {
    const r = await ruleResult(ROOT, withSshd('UsePAM yes\n'));
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ value: 'prohibit-password', expected: 'no' });
    expect(r.evidence[0]!.note).toMatch(/built-in default/);
    expect(r.recommendation).toMatch(/Add the line "PermitRootLogin no" to \/etc\/ssh\/sshd_config/);
  });

  it('fails for PermitRootLogin yes and names the line to change', async () => {
    const r = await ruleResult(ROOT, withSshd('# comment\nPermitRootLogin yes\n'));
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ line: 2, value: 'yes' });
    expect(r.recommendation).toMatch(
      /Change line 2 of \/etc\/ssh\/sshd_config from "PermitRootLogin yes" to "PermitRootLogin no"/,
    );
  });

  it('expands Include in place: the first value read wins across included files', async () => {
    const r = await ruleResult(
      ROOT,
      withSshd('Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n', {
        '/etc/ssh/sshd_config.d/20-b.conf': 'PermitRootLogin no\n',
        '/etc/ssh/sshd_config.d/10-a.conf': '# cloud image\nPermitRootLogin yes\n',
      }),
    );
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({
      source: '/etc/ssh/sshd_config.d/10-a.conf',
      line: 2,
      value: 'yes',
    });
    expect(r.evidence[0]!.note).toContain(
      '/etc/ssh/sshd_config, /etc/ssh/sshd_config.d/10-a.conf, /etc/ssh/sshd_config.d/20-b.conf',
    );
  });

  it('a value set before the Include line wins over the included files (relative Include under /etc/ssh)', async () => {
    const r = await ruleResult(
      ROOT,
      withSshd('PermitRootLogin no\nInclude sshd_config.d/*.conf\n', {
        '/etc/ssh/sshd_config.d/10-a.conf': 'PermitRootLogin yes\n',
      }),
    );
    expect(r.result).toBe('PASS');
    expect(r.evidence[0]).toMatchObject({ source: '/etc/ssh/sshd_config', line: 1 });
  });

  it('keyword case and `=` syntax are accepted like sshd does', async () => {
    const r = await ruleResult(ROOT, withSshd('  permitrootlogin=NO\n'));
    expect(r.result).toBe('PASS');
    const r2 = await ruleResult(ROOT, withSshd('PERMITROOTLOGIN = "no" # trailing comment\n'));
    expect(r2.result).toBe('PASS');
  });

  it('a Match block does not change the global value, and is reported', async () => {
    const r = await ruleResult(
      ROOT,
      withSshd('PermitRootLogin no\nMatch User backup\n  PermitRootLogin yes\n'),
    );
    expect(r.result).toBe('PASS');
    expect(r.evidence[1]).toMatchObject({ line: 3, value: 'yes' });
    expect(r.evidence[1]!.note).toMatch(/Match User backup/);

    const r2 = await ruleResult(ROOT, withSshd('Match Address 10.0.0.0/8\n  PermitRootLogin no\n'));
    expect(r2.result).toBe('FAIL');
    expect(r2.evidence[0]).toMatchObject({ value: 'prohibit-password' });
  });

  it('an Include inside a Match block only affects that Match; `Match all` is global again', async () => {
    const r = await ruleResult(
      ROOT,
      withSshd('Match User admin\n  Include /etc/ssh/admin.d/*.conf\nMatch all\nPermitRootLogin no\n', {
        '/etc/ssh/admin.d/root.conf': 'PermitRootLogin yes\n',
      }),
    );
    expect(r.result).toBe('PASS');
    expect(r.evidence[0]).toMatchObject({ source: '/etc/ssh/sshd_config', line: 4, value: 'no' });
    expect(r.evidence[1]).toMatchObject({ source: '/etc/ssh/admin.d/root.conf', value: 'yes' });
  });

  it('an Include pattern that matches nothing (a backwards range, a huge set) is skipped, not an error', async () => {
    const r = await ruleResult(
      ROOT,
      withSshd(`Include /etc/ssh/[z-a]*\nInclude /etc/ssh/${'[a'.repeat(40_000)}]\nPermitRootLogin no\n`),
    );
    expect(r.result).toBe('PASS');
    expect(r.evidence[0]).toMatchObject({ source: '/etc/ssh/sshd_config', line: 3, value: 'no' });
  });

  it('a Match block inside an included file ends with that file', async () => {
    const r = await ruleResult(
      ROOT,
      withSshd('Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n', {
        '/etc/ssh/sshd_config.d/10-sftp.conf': 'Match Group sftp\n  ForceCommand internal-sftp\n',
      }),
    );
    expect(r.result).toBe('PASS');
  });

  it('sshd counts as present with only its binary: defaults apply and fail', async () => {
    const r = await ruleResult(
      ROOT,
      variant({ omit: ['/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/50-cloud-init.conf'] }),
    );
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]!.note).toMatch(/does not exist: sshd's built-in defaults apply/);
  });

  it('is NOT_APPLICABLE without sshd_config and without an sshd binary', async () => {
    const r = await ruleResult(ROOT, noSshd());
    expect(r.result).toBe('NOT_APPLICABLE');
    expect(r.evidence.length).toBeGreaterThan(0);
  });

  it('is ERROR when sshd_config cannot be read (a directory in its place)', async () => {
    const r = await ruleResult(ROOT, noSshd(), {
      prepare: (root) => mkdirSync(path.join(root, 'etc/ssh/sshd_config'), { recursive: true }),
    });
    expect(r.result).toBe('ERROR');
    expect(r.message).toMatch(/not-a-file/);
  });
});

describe('sbp.ssh-protocol-2', () => {
  it('passes when Protocol is unset (modern sshd speaks only 2)', async () => {
    const r = await ruleResult(PROTO, withSshd('PermitRootLogin no\n'));
    expect(r.result).toBe('PASS');
    expect(r.evidence[0]).toMatchObject({ key: 'Protocol', value: '2', expected: '2' });
  });

  it('passes for Protocol 2', async () => {
    expect((await ruleResult(PROTO, withSshd('Protocol 2\n'))).result).toBe('PASS');
  });

  it.each(['1', '2,1', '1,2'])('fails for Protocol %s', async (v) => {
    const r = await ruleResult(PROTO, withSshd(`protocol ${v}\n`));
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ line: 1, value: v });
    expect(r.recommendation).toMatch(/to "Protocol 2"/);
  });

  it('is NOT_APPLICABLE without sshd', async () => {
    expect((await ruleResult(PROTO, noSshd())).result).toBe('NOT_APPLICABLE');
  });
});

describe('sbp.ssh-password-auth', () => {
  it('passes for PasswordAuthentication no (quoted argument too)', async () => {
    expect((await ruleResult(PWD, withSshd('PasswordAuthentication no\n'))).result).toBe('PASS');
    expect((await ruleResult(PWD, withSshd('PasswordAuthentication "no"\n'))).result).toBe('PASS');
  });

  it('fails when unset (the default is yes)', async () => {
    const r = await ruleResult(PWD, withSshd('PermitRootLogin no\n'));
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ value: 'yes', expected: 'no' });
  });

  it('fails for PasswordAuthentication=yes in an included file read first', async () => {
    const r = await ruleResult(
      PWD,
      withSshd('Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\n', {
        '/etc/ssh/sshd_config.d/50-cloud-init.conf': 'PasswordAuthentication=yes\n',
      }),
    );
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ source: '/etc/ssh/sshd_config.d/50-cloud-init.conf', line: 1 });
  });

  it('is NOT_APPLICABLE without sshd', async () => {
    expect((await ruleResult(PWD, noSshd())).result).toBe('NOT_APPLICABLE');
  });
});
