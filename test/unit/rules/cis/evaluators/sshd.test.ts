import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sshdLineinfile, sshdSeconds } from '../../../../../functions/rules/cis/evaluators/sshd';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const fixture = (p: string) => readFileSync(path.join(__dirname, '../../../../fixtures/config', p), 'utf8');
/** Debian 12's shipped sshd_config (Include /etc/ssh/sshd_config.d/*.conf at the top). */
const DEBIAN_SSHD = fixture('debian-12/etc/ssh/sshd_config');
const SSHD_BIN = { content: '', mode: 0o755 };

const root = (files: Record<string, string>) =>
  factsOf({ files: { '/usr/sbin/sshd': SSHD_BIN, '/etc/ssh/sshd_config': DEBIAN_SSHD, ...files } });

describe('sshd_lineinfile', () => {
  it.each([
    // [case, rule, drop-in files, expected result]
    [
      'root login off in a drop-in',
      'sshd_disable_root_login',
      { '/etc/ssh/sshd_config.d/50-cis.conf': 'PermitRootLogin no\n' },
      'PASS',
    ],
    ['root login unset: default prohibit-password', 'sshd_disable_root_login', {}, 'FAIL'],
    ["X11Forwarding yes in Debian's file", 'sshd_disable_x11_forwarding', {}, 'FAIL'],
    [
      'X11Forwarding no in a drop-in read before the main file (first value wins)',
      'sshd_disable_x11_forwarding',
      { '/etc/ssh/sshd_config.d/10-x11.conf': 'X11Forwarding no\n' },
      'PASS',
    ],
    ['IgnoreRhosts unset: default yes', 'sshd_disable_rhosts', {}, 'PASS'],
    ['PermitEmptyPasswords unset: default no', 'sshd_disable_empty_passwords', {}, 'PASS'],
    ["UsePAM yes in Debian's file", 'sshd_enable_pam', {}, 'PASS'],
    ['MaxAuthTries unset: default 6 > 4', 'sshd_set_max_auth_tries', {}, 'FAIL'],
    [
      'MaxAuthTries 4',
      'sshd_set_max_auth_tries',
      { '/etc/ssh/sshd_config.d/cis.conf': 'MaxAuthTries 4\n' },
      'PASS',
    ],
    [
      'MaxAuthTries 3',
      'sshd_set_max_auth_tries',
      { '/etc/ssh/sshd_config.d/cis.conf': 'maxauthtries 3\n' },
      'PASS',
    ],
    [
      'ClientAliveInterval 5m (300 s)',
      'sshd_set_idle_timeout',
      { '/etc/ssh/sshd_config.d/cis.conf': 'ClientAliveInterval 5m\n' },
      'PASS',
    ],
    [
      'ClientAliveInterval 0 (off)',
      'sshd_set_idle_timeout',
      { '/etc/ssh/sshd_config.d/cis.conf': 'ClientAliveInterval 0\n' },
      'FAIL',
    ],
    [
      'LoginGraceTime 1m',
      'sshd_set_login_grace_time',
      { '/etc/ssh/sshd_config.d/cis.conf': 'LoginGraceTime 1m\n' },
      'PASS',
    ],
    ['LoginGraceTime default 120', 'sshd_set_login_grace_time', {}, 'FAIL'],
    [
      'MaxStartups 10:30:60',
      'sshd_set_maxstartups',
      { '/etc/ssh/sshd_config.d/cis.conf': 'MaxStartups 10:30:60\n' },
      'PASS',
    ],
    ['MaxStartups default 10:30:100', 'sshd_set_maxstartups', {}, 'FAIL'],
    [
      'Banner /etc/issue.net',
      'sshd_enable_warning_banner_net',
      { '/etc/ssh/sshd_config.d/cis.conf': 'Banner /etc/issue.net\n' },
      'PASS',
    ],
    ['Banner unset', 'sshd_enable_warning_banner_net', {}, 'FAIL'],
    [
      'DisableForwarding yes',
      'sshd_disable_forwarding',
      { '/etc/ssh/sshd_config.d/cis.conf': 'DisableForwarding yes\n' },
      'PASS',
    ],
    [
      'a later drop-in cannot undo the first value',
      'sshd_disable_root_login',
      {
        '/etc/ssh/sshd_config.d/10-a.conf': 'PermitRootLogin yes\n',
        '/etc/ssh/sshd_config.d/20-b.conf': 'PermitRootLogin no\n',
      },
      'FAIL',
    ],
  ] as const)('%s: %s → %s', async (_case, rule, files, expected) => {
    const facts = await root(files);
    const out = evaluate(sshdLineinfile, facts, rule);
    expect(out.result, out.message).toBe(expected);
    expect(out.evidence.length).toBeGreaterThan(0);
  });

  it('names the drop-in that set the value (evidence source and line)', async () => {
    const facts = await root({
      '/etc/ssh/sshd_config.d/50-cloud-init.conf': '# cloud-init\nPermitRootLogin yes\n',
    });
    const out = evaluate(sshdLineinfile, facts, 'sshd_disable_root_login');
    expect(out.result).toBe('FAIL');
    expect(out.evidence[0]).toMatchObject({
      source: '/etc/ssh/sshd_config.d/50-cloud-init.conf',
      line: 2,
      value: 'yes',
    });
    expect(out.recommendation).toContain('PermitRootLogin no');
  });

  it('a Match block that permits root login fails the check', async () => {
    const facts = await root({
      '/etc/ssh/sshd_config.d/50-cis.conf':
        'PermitRootLogin no\nMatch Address 10.0.0.0/8\n  PermitRootLogin yes\n',
    });
    const out = evaluate(sshdLineinfile, facts, 'sshd_disable_root_login');
    expect(out.result).toBe('FAIL');
    expect(out.message).toContain('Match');
  });

  it('sshd not installed is NOT_APPLICABLE', async () => {
    const facts = await factsOf({ files: { '/etc/os-release': 'ID=debian\n' } });
    expect(evaluate(sshdLineinfile, facts, 'sshd_disable_root_login').result).toBe('NOT_APPLICABLE');
  });

  it('an unreadable drop-in is ERROR, not a pass on defaults', async () => {
    const facts = await root({ '/etc/ssh/sshd_config.d/50-cis.conf': 'PermitRootLogin no\n' });
    const t = facts.telemetry;
    t.files['/etc/ssh/sshd_config.d/50-cis.conf'] = {
      status: 'missing',
      reason: 'permission-denied',
      detail: 'EACCES',
    };
    const out = evaluate(sshdLineinfile, facts, 'sshd_disable_root_login');
    expect(out.result).toBe('ERROR');
  });

  it('reads sshd time values', () => {
    expect(sshdSeconds('90')).toBe(90);
    expect(sshdSeconds('1h30m')).toBe(5400);
    expect(sshdSeconds('x')).toBeUndefined();
  });
});
