import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  mountOption,
  mountUnitName,
  parseFstab,
  parseMountUnit,
  parseProcMounts,
} from '../../../functions/parsers/fstab';

const fixture = (p: string) =>
  readFileSync(path.join(__dirname, '../../fixtures/config/debian-12/fstab', p), 'utf8');

describe('parseFstab', () => {
  it("Debian's unconfigured fstab holds no entry", () => {
    expect(parseFstab(fixture('fstab-unconfigured'))).toEqual({ entries: [], errors: [] });
  });

  it('an installer-style fstab: UUIDs, tabs, escapes, missing freq/passno', () => {
    const p = parseFstab(fixture('fstab-hand-made'));
    expect(p.errors).toEqual([]);
    expect(p.entries.map((e) => e.mountPoint)).toEqual([
      '/',
      '/boot/efi',
      '/home',
      '/var/tmp',
      '/tmp',
      '/dev/shm',
      'none',
      '/mnt/my data',
      '/srv/nfs',
    ]);
    expect(p.entries.find((e) => e.mountPoint === '/tmp')).toMatchObject({
      spec: 'tmpfs',
      fsType: 'tmpfs',
      options: ['defaults', 'rw', 'nosuid', 'nodev', 'noexec', 'relatime', 'size=2G'],
      freq: 0,
      passno: 0,
    });
    expect(p.entries.find((e) => e.mountPoint === '/')).toMatchObject({
      options: ['errors=remount-ro'],
      passno: 1,
    });
    expect(p.entries.find((e) => e.mountPoint === '/mnt/my data')).toMatchObject({
      spec: 'LABEL=My Data',
      freq: 0,
    });
    expect(p.entries.find((e) => e.mountPoint === '/srv/nfs')).toMatchObject({ options: ['ro'] });
  });

  it('/proc/self/mounts of the Debian 12 test machine', () => {
    const p = parseProcMounts(fixture('proc-self-mounts'));
    expect(p.errors).toEqual([]);
    expect(p.entries[0]).toMatchObject({
      spec: 'proc',
      mountPoint: '/proc',
      fsType: 'proc',
      options: ['rw', 'relatime'],
    });
    const shm = p.entries.find((e) => e.mountPoint === '/dev/shm');
    // This machine's /dev/shm lacks nodev/nosuid/noexec (what CIS would fail), and has a size.
    expect(shm && mountOption(shm.options, 'nosuid')).toBe(false);
    expect(shm && mountOption(shm.options, 'size')).toBe('24683584k');
  });
});

describe('mount options and units', () => {
  it.each([
    [['rw', 'nodev'], 'nodev', true],
    [['rw'], 'nodev', false],
    [['size=2G', 'mode=1777'], 'mode', '1777'],
  ] as const)('%j has %s → %j', (opts, name, v) => {
    expect(mountOption(opts, name)).toBe(v);
  });

  it.each([
    ['/', '-.mount'],
    ['/tmp', 'tmp.mount'],
    ['/var/tmp', 'var-tmp.mount'],
    ['/dev/shm', 'dev-shm.mount'],
    ['/home/my-dir', 'home-my\\x2ddir.mount'],
    ['/srv/.hidden', 'srv-\\x2ehidden.mount'],
  ])('%s → %s (systemd-escape --path)', (p, unit) => {
    expect(mountUnitName(p)).toBe(unit);
  });

  it("systemd's tmp.mount", () => {
    // systemd 252 units/tmp.mount.
    const unit = `[Unit]\nDescription=Temporary Directory /tmp\nConditionPathIsSymbolicLink=!/tmp\n\n[Mount]\nWhat=tmpfs\nWhere=/tmp\nType=tmpfs\nOptions=mode=1777,strictatime,nosuid,nodev,size=50%%,nr_inodes=1m\n`;
    expect(parseMountUnit(unit)).toEqual({
      what: 'tmpfs',
      where: '/tmp',
      type: 'tmpfs',
      options: ['mode=1777', 'strictatime', 'nosuid', 'nodev', 'size=50%%', 'nr_inodes=1m'],
    });
  });
});
