import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeSysctlKey, parseSysctlConf, sysctlFileOrder } from '../../../functions/parsers/sysctl-conf';

const fixture = (p: string) =>
  readFileSync(path.join(__dirname, '../../fixtures/config/debian-12/sysctl.d', p), 'utf8');

describe('parseSysctlConf on Debian 12 files', () => {
  it("systemd's 99-protect-links.conf and 50-pid-max.conf", () => {
    expect(
      parseSysctlConf(fixture('99-protect-links.conf')).assignments.map((a) => [a.key, a.value]),
    ).toEqual([
      ['fs.protected_fifos', '1'],
      ['fs.protected_hardlinks', '1'],
      ['fs.protected_regular', '2'],
      ['fs.protected_symlinks', '1'],
    ]);
    expect(parseSysctlConf(fixture('50-pid-max.conf')).assignments).toMatchObject([
      { key: 'kernel.pid_max', value: '4194304' },
    ]);
  });

  it("procps' /etc/sysctl.conf is all comments (#net.ipv4.ip_forward=1 sets nothing)", () => {
    const text = fixture('sysctl.conf');
    expect(text).toContain('#net.ipv4.ip_forward=1');
    expect(parseSysctlConf(text)).toEqual({ assignments: [], errors: [] });
  });
});

describe('sysctl.d line forms', () => {
  it.each([
    ['net.ipv4.ip_forward=0', 'net.ipv4.ip_forward', '0', false],
    ['  net.ipv4.ip_forward   =   0  ', 'net.ipv4.ip_forward', '0', false],
    ['net/ipv4/conf/all/rp_filter = 1', 'net.ipv4.conf.all.rp_filter', '1', false],
    ['-net.ipv6.conf.all.disable_ipv6 = 1', 'net.ipv6.conf.all.disable_ipv6', '1', true],
    [
      'kernel.core_pattern = |/usr/lib/systemd/systemd-coredump %P %u',
      'kernel.core_pattern',
      '|/usr/lib/systemd/systemd-coredump %P %u',
      false,
    ],
  ])('%s', (line, key, value, ignoreFailure) => {
    expect(parseSysctlConf(line).assignments[0]).toMatchObject({ key, value, ignoreFailure });
  });

  it('; comments and lines without = ', () => {
    expect(parseSysctlConf('; comment\nnonsense\n')).toMatchObject({
      assignments: [],
      errors: [{ line: 2 }],
    });
  });

  it('a slash key with dots in a name', () => {
    expect(normalizeSysctlKey('net/ipv4/conf/eth0.100/rp_filter')).toBe('net.ipv4.conf.eth0.100.rp_filter');
  });
});

describe("sysctlFileOrder (systemd-sysctl's order, then /etc/sysctl.conf)", () => {
  it('a name in /etc hides the same name in /usr/lib; all sorted by name; sysctl.conf last', () => {
    const r = sysctlFileOrder([
      { path: '/usr/lib/sysctl.d/50-default.conf' },
      { path: '/usr/lib/sysctl.d/99-protect-links.conf' },
      { path: '/etc/sysctl.d/50-default.conf' },
      { path: '/etc/sysctl.d/10-local.conf' },
      { path: '/run/sysctl.d/60-run.conf' },
      { path: '/lib/sysctl.d/50-default.conf' },
      { path: '/etc/sysctl.d/README.sysctl' },
      { path: '/etc/sysctl.conf' },
    ]);
    expect(r.order).toEqual([
      '/etc/sysctl.d/10-local.conf',
      '/etc/sysctl.d/50-default.conf',
      '/run/sysctl.d/60-run.conf',
      '/usr/lib/sysctl.d/99-protect-links.conf',
      '/etc/sysctl.conf',
    ]);
    expect(r.masked).toEqual([
      { path: '/usr/lib/sysctl.d/50-default.conf', by: '/etc/sysctl.d/50-default.conf' },
      { path: '/lib/sysctl.d/50-default.conf', by: '/etc/sysctl.d/50-default.conf' },
    ]);
  });

  it("Debian's 99-sysctl.conf link to /etc/sysctl.conf is not read twice", () => {
    const r = sysctlFileOrder([
      { path: '/etc/sysctl.d/99-sysctl.conf', resolvedPath: '/etc/sysctl.conf' },
      { path: '/etc/sysctl.conf' },
    ]);
    expect(r.order).toEqual(['/etc/sysctl.d/99-sysctl.conf']);
  });
});
