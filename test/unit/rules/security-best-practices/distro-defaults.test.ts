/** The distributions' real default files (test/fixtures/config) in a root: what the package says of them. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupRoots, makeRoot } from '../../../helpers/fixture-root';
import { assessRoot, variant } from './harness';

afterAll(cleanupRoots);

const fixture = (p: string) => readFileSync(path.join(__dirname, '../../../fixtures/config', p), 'utf8');

async function results(spec: Parameters<typeof makeRoot>[0]) {
  const ev = await assessRoot(makeRoot(spec));
  return Object.fromEntries(ev.results.map((r) => [r.ruleId, r]));
}

describe('distribution defaults', () => {
  it('Debian 12 as installed: sshd defaults fail, no pwquality fails, 99999 days fails', async () => {
    const r = await results(
      variant({
        omit: ['/etc/ssh/sshd_config.d/50-cloud-init.conf', '/etc/security/pwquality.conf'],
        files: {
          '/etc/ssh/sshd_config': fixture('debian-12/etc/ssh/sshd_config'),
          '/etc/login.defs': fixture('debian-12/etc/login.defs'),
          '/etc/pam.d/common-password': fixture('debian-12/etc/pam.d/common-password'),
          '/etc/pam.d/passwd': fixture('debian-12/etc/pam.d/passwd'),
          '/proc/cpuinfo': fixture('debian-12/proc/cpuinfo-x86_64'),
        },
      }),
    );
    expect(r['sbp.ssh-root-login']).toMatchObject({
      result: 'FAIL',
      evidence: [expect.objectContaining({ value: 'prohibit-password' })],
    });
    expect(r['sbp.ssh-password-auth']?.result).toBe('FAIL');
    expect(r['sbp.ssh-protocol-2']?.result).toBe('PASS');
    expect(r['sbp.password-max-age']).toMatchObject({
      result: 'FAIL',
      evidence: [expect.objectContaining({ line: 165 })],
    });
    expect(r['sbp.password-min-length']?.result).toBe('FAIL');
    expect(r['sbp.password-complexity']?.result).toBe('FAIL');
    expect(r['sbp.dep']?.result).toBe('PASS');
  });

  it('Debian 12 with libpam-pwquality and the Debian pwquality.conf: complexity passes, length 8 fails', async () => {
    const line = fixture('debian-12/pam-configs-pwquality')
      .split('\n')
      .find((l) => l.includes('pam_pwquality'))!;
    const cp = fixture('debian-12/etc/pam.d/common-password').replace(
      '# here are the per-package modules (the "Primary" block)\n',
      `# here are the per-package modules (the "Primary" block)\npassword\t${line.trim()}\n`,
    );
    const r = await results(
      variant({
        files: {
          '/etc/login.defs': fixture('debian-12/etc/login.defs'),
          '/etc/pam.d/common-password': cp,
          '/etc/security/pwquality.conf': fixture('debian-12/etc/security/pwquality.conf'),
        },
      }),
    );
    expect(r['sbp.password-complexity']?.result).toBe('PASS');
    expect(r['sbp.password-min-length']).toMatchObject({ result: 'FAIL' });
    expect(r['sbp.password-min-length']?.evidence).toContainEqual(
      expect.objectContaining({ key: 'minlen (pam_pwquality)', value: '8' }),
    );
  });

  it('RHEL 9 authselect sssd stacks: complexity passes in both; minlen = 14 in pwquality.conf passes', async () => {
    const r = await results(
      variant({
        omit: ['/etc/pam.d/common-password'],
        files: {
          '/etc/login.defs': 'PASS_MAX_DAYS 99999\nPASS_MIN_LEN 5\n',
          '/etc/pam.d/system-auth': fixture('rhel-9/etc/pam.d/system-auth'),
          '/etc/pam.d/password-auth': fixture('rhel-9/etc/pam.d/password-auth'),
          '/etc/security/pwquality.conf': fixture('upstream/libpwquality/pwquality.conf').replace(
            '# minlen = 8',
            'minlen = 14',
          ),
        },
      }),
    );
    expect(r['sbp.password-complexity']?.result).toBe('PASS');
    expect(r['sbp.password-complexity']?.evidence.map((e) => e.source)).toEqual([
      '/etc/pam.d/system-auth',
      '/etc/pam.d/password-auth',
    ]);
    expect(r['sbp.password-min-length']?.result).toBe('PASS');
    expect(r['sbp.password-min-length']?.message).toMatch(/system-auth.*password-auth/);
  });

  it('an arm64 Raspberry Pi: sbp.dep is NOT_APPLICABLE', async () => {
    const r = await results(
      variant({
        sysctl: { 'kernel.arch': 'aarch64' },
        files: { '/proc/cpuinfo': fixture('raspberry-pi-3-arm64/proc/cpuinfo') },
      }),
    );
    expect(r['sbp.dep']?.result).toBe('NOT_APPLICABLE');
  });
});
