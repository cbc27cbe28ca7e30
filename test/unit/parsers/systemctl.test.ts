import { describe, expect, it } from 'vitest';
import { parseListUnitFiles, parseListUnits } from '../../../functions/parsers/systemctl';

describe('systemctl list output', () => {
  it('list-unit-files (systemd 252 columns: UNIT FILE, STATE, PRESET)', () => {
    const out = [
      'proc-sys-fs-binfmt_misc.automount          static          -',
      'tmp.mount                                  disabled        disabled',
      'apt-daily.service                          static          -',
      'auditd.service                             enabled         enabled',
      'avahi-daemon.service                       masked          enabled',
      'ssh.service                                enabled         enabled',
      'old.service                                bad',
    ].join('\n');
    expect(parseListUnitFiles(out)).toEqual([
      { unit: 'proc-sys-fs-binfmt_misc.automount', state: 'static', preset: '-' },
      { unit: 'tmp.mount', state: 'disabled', preset: 'disabled' },
      { unit: 'apt-daily.service', state: 'static', preset: '-' },
      { unit: 'auditd.service', state: 'enabled', preset: 'enabled' },
      { unit: 'avahi-daemon.service', state: 'masked', preset: 'enabled' },
      { unit: 'ssh.service', state: 'enabled', preset: 'enabled' },
      { unit: 'old.service', state: 'bad' },
    ]);
  });

  it('list-units --all, failed and not-found units marked with ●', () => {
    const out = [
      '  auditd.service                     loaded    active   running OpenBSD Secure Shell server',
      '● rsyslog.service                    loaded    failed   failed  System Logging Service',
      '● avahi-daemon.service               masked    inactive dead    avahi-daemon.service',
      '  tmp.mount                          not-found inactive dead    tmp.mount',
    ].join('\n');
    expect(parseListUnits(out).map((u) => [u.unit, u.load, u.active, u.sub])).toEqual([
      ['auditd.service', 'loaded', 'active', 'running'],
      ['rsyslog.service', 'loaded', 'failed', 'failed'],
      ['avahi-daemon.service', 'masked', 'inactive', 'dead'],
      ['tmp.mount', 'not-found', 'inactive', 'dead'],
    ]);
  });
});
