import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import { walkFileSystems } from '../../../agent/fs-walk';
import { RootFs } from '../../../agent/root-fs';
import { HOST_CONFIG_LIMITS, parseTelemetry, parseTelemetryJson } from '../../../functions/core/telemetry';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';

afterAll(cleanupRoots);

const collect = (
  root: string,
  walk: { maxEntries?: number; maxSeconds?: number } | false = { maxSeconds: 5 },
) => collectTelemetry({ root, runId: 'run-t', instanceId: 'i-t', walk });

// Real-looking crypt(3) strings: salts and hashes that must never appear in a telemetry document.
const SHA512_SALT = 'Qm9vdHN0cmFwU2FsdA';
const SHA512_HASH = 'kB3u7f0VbXz0mY5c3t1ZqQ2aW6yHn9Jp4L8sD2fG7hK1jM5nB3vC6xZ0qW9eR4tY8uI2oP7aS1dF5gH3jK6lZ9';
const YESCRYPT_SALT = 'j9T$Xq1a2B3c4D5e6F7g8H9i0';
const YESCRYPT_HASH = 'Zb4RkX9sQm2LpV7nT3yW8eC1uH6oJ5aF0dG9iK2lM4n';
const MD5_SALT = 'sAlT5678';
const MD5_HASH = 'a1B2c3D4e5F6g7H8i9J0k.';
const GROUP_HASH = 'Gr0uPh4sHv4lu3Z';
const PASSWD_DES = 'abJnggxhB/yWI';
const GRUB_HASH =
  'grub.pbkdf2.sha512.10000.9F2B1E0C7A3D5E8F1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D7E8F9A0B1C2D3E4F.0A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8A9B0C1D2E3F4A5B6C7D8E9F0A1B2C3D';

const SHADOW = [
  `root:$6$${SHA512_SALT}$${SHA512_HASH}:19800:0:99999:7:::`,
  'daemon:*:19800:0:99999:7:::',
  `alice:$y$${YESCRYPT_SALT}$${YESCRYPT_HASH}:19850:1:365:14:30::`,
  `bob:!$1$${MD5_SALT}$${MD5_HASH}:19000:0:99999:7::20000:`,
  'carol::19900:0:99999:7:::',
  'dave:!!:19900::::::',
  `mallory:$6$${SHA512_SALT}:x:broken`,
  `garbage line with $6$${SHA512_SALT}$${SHA512_HASH}`,
  '',
].join('\n');
const GSHADOW = [
  'root:*::',
  `admins:$6$${SHA512_SALT}$${GROUP_HASH}:alice:bob,carol`,
  'sudo:!::alice',
  `bad:${GROUP_HASH}`,
  '',
].join('\n');

describe('host configuration material on a fixture root', () => {
  const root = makeRoot({
    files: {
      '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
      '/etc/shadow': { content: SHADOW, mode: 0o640 },
      '/etc/gshadow': { content: GSHADOW, mode: 0o640 },
      '/etc/passwd': `root:x:0:0:root:/root:/bin/bash\nlegacy:${PASSWD_DES}:1001:1001::/home/legacy:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/bash\n`,
      '/etc/group': `root:x:0:\nlegacy:${GROUP_HASH}:1001:\nalice:x:1000:\n`,
      '/boot/grub/grub.cfg': {
        content: `set superusers="admin"\npassword_pbkdf2 admin ${GRUB_HASH}\npassword plain s3cretPlain\nmenuentry 'Debian' {\n}\n`,
        mode: 0o400,
      },
      '/boot/grub2/user.cfg': `GRUB2_PASSWORD=${GRUB_HASH}\n`,
      '/etc/modprobe.d/cramfs.conf': 'install cramfs /bin/false\nblacklist cramfs\n',
      '/usr/lib/modprobe.d/systemd.conf': 'options bonding max_bonds=0\n',
      '/etc/sysctl.d/60-net.conf': 'net.ipv4.ip_forward = 0\n',
      '/usr/lib/sysctl.d/50-default.conf': 'kernel.sysrq = 16\n',
      '/etc/sysctl.conf': '#net.ipv4.ip_forward=1\n',
      '/etc/audit/rules.d/50-identity.rules': '-w /etc/passwd -p wa -k identity\n',
      '/etc/audit/auditd.conf': 'max_log_file = 8\n',
      '/etc/systemd/system/tmp.mount':
        '[Mount]\nWhat=tmpfs\nWhere=/tmp\nType=tmpfs\nOptions=mode=1777,nodev,nosuid\n',
      '/usr/lib/systemd/system/auditd.service': '[Unit]\n',
      '/usr/lib/systemd/system/avahi-daemon.service': '[Unit]\n',
      '/etc/fstab': 'tmpfs /dev/shm tmpfs defaults,nodev 0 0\n',
      '/etc/crontab': { content: '# crontab\n', mode: 0o600 },
      '/etc/issue': 'Authorized uses only.\n',
      '/etc/sudoers.d/10-admins': '%admins ALL=(ALL) ALL\n',
      '/var/lib/aide/aide.db': 'db',
      '/lib/modules/6.1.0-9-amd64/modules.dep':
        'kernel/fs/cramfs/cramfs.ko.xz:\nkernel/drivers/usb/storage/usb-storage.ko.xz: kernel/drivers/usb/core/usbcore.ko.xz\nkernel/fs/ext4/ext4.ko.xz: kernel/fs/jbd2/jbd2.ko.xz\n',
      '/lib/modules/6.1.0-9-amd64/modules.builtin': 'kernel/fs/vfat/vfat.ko\n',
      '/lib/modules/5.10.0-1-amd64/kernel/net/sctp/sctp.ko': 'elf',
    },
    dirs: { '/etc/cron.d': 0o700, '/etc/systemd/system/multi-user.target.wants': 0o755 },
    symlinks: {
      '/etc/systemd/system/multi-user.target.wants/auditd.service': '/usr/lib/systemd/system/auditd.service',
      '/etc/systemd/system/avahi-daemon.service': '/dev/null',
    },
    sysctl: { 'kernel.osrelease': '6.1.0-9-amd64', 'kernel.ostype': 'Linux' },
  });

  it('produces a schema-valid document', async () => {
    const doc = await collect(root);
    expect(() => parseTelemetryJson(JSON.stringify(doc))).not.toThrow();
  });

  it('never records a password hash or a salt anywhere in the document', async () => {
    const json = JSON.stringify(await collect(root));
    for (const secret of [
      SHA512_SALT,
      SHA512_HASH,
      YESCRYPT_SALT,
      YESCRYPT_HASH,
      MD5_SALT,
      MD5_HASH,
      GROUP_HASH,
      PASSWD_DES,
      GRUB_HASH,
      'grub.pbkdf2',
      's3cretPlain',
      '$6$',
      '$y$',
      '$1$',
    ])
      expect(json, secret).not.toContain(secret);
  });

  it('reduces shadow lines to name, password state and aging fields', async () => {
    const doc = await collect(root);
    const shadow = doc.accounts?.shadow;
    expect(shadow).toMatchObject({ status: 'ok', mode: 0o100640, malformed: 2, truncated: false });
    if (shadow?.status !== 'ok') throw new Error('no shadow');
    expect(shadow.entries).toEqual([
      {
        name: 'root',
        password: { state: 'hash', scheme: 'sha512' },
        lastChange: 19800,
        minDays: 0,
        maxDays: 99999,
        warnDays: 7,
        inactiveDays: null,
        expireDate: null,
      },
      expect.objectContaining({ name: 'daemon', password: { state: 'locked', lock: '*' } }),
      expect.objectContaining({
        name: 'alice',
        password: { state: 'hash', scheme: 'yescrypt' },
        minDays: 1,
        maxDays: 365,
        warnDays: 14,
        inactiveDays: 30,
      }),
      expect.objectContaining({
        name: 'bob',
        password: { state: 'locked', lock: '!', scheme: 'md5' },
        expireDate: 20000,
      }),
      expect.objectContaining({ name: 'carol', password: { state: 'empty' } }),
      expect.objectContaining({ name: 'dave', password: { state: 'locked', lock: '!!' }, minDays: null }),
    ]);
    expect(doc.accounts?.gshadow).toMatchObject({
      status: 'ok',
      malformed: 1,
      entries: [
        { name: 'root', password: { state: 'locked', lock: '*' }, administrators: [], members: [] },
        {
          name: 'admins',
          password: { state: 'hash', scheme: 'sha512' },
          administrators: ['alice'],
          members: ['bob', 'carol'],
        },
        { name: 'sudo', password: { state: 'locked', lock: '!' }, administrators: [], members: ['alice'] },
      ],
    });
    // Nothing reads the secret files as plain files.
    expect(doc.files['/etc/shadow']).toBeUndefined();
    expect(doc.files['/etc/gshadow']).toBeUndefined();
    expect(doc.paths['/etc/shadow']).toMatchObject({ status: 'ok', mode: 0o100640 });
  });

  it('redacts a hash kept in passwd or group and GRUB passwords, keeping the rest', async () => {
    const doc = await collect(root);
    expect(doc.files['/etc/passwd']).toMatchObject({
      status: 'ok',
      content:
        'root:x:0:0:root:/root:/bin/bash\nlegacy:<redacted>:1001:1001::/home/legacy:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/bash\n',
    });
    expect(doc.files['/etc/group']).toMatchObject({
      content: 'root:x:0:\nlegacy:<redacted>:1001:\nalice:x:1000:\n',
    });
    expect(doc.files['/boot/grub/grub.cfg']).toMatchObject({
      status: 'ok',
      mode: 0o100400,
      content: `set superusers="admin"\npassword_pbkdf2 admin <redacted>\npassword plain <redacted>\nmenuentry 'Debian' {\n}\n`,
    });
    expect(doc.files['/boot/grub2/user.cfg']).toMatchObject({ content: 'GRUB2_PASSWORD=<redacted>\n' });
  });

  it('reads modprobe.d, sysctl.d, audit, mount units and lists systemd units with wants and mask links', async () => {
    const doc = await collect(root);
    for (const p of [
      '/etc/modprobe.d/cramfs.conf',
      '/usr/lib/modprobe.d/systemd.conf',
      '/etc/sysctl.d/60-net.conf',
      '/usr/lib/sysctl.d/50-default.conf',
      '/etc/sysctl.conf',
      '/etc/audit/rules.d/50-identity.rules',
      '/etc/audit/auditd.conf',
      '/etc/systemd/system/tmp.mount',
      '/etc/fstab',
      '/etc/issue',
      '/etc/sudoers.d/10-admins',
    ])
      expect(doc.files[p], p).toMatchObject({ status: 'ok' });
    expect(doc.files['/etc/selinux/config']).toMatchObject({ status: 'missing', reason: 'not-found' });
    const etc = doc.listings?.['/etc/systemd/system'];
    expect(etc).toMatchObject({ status: 'ok', truncated: false });
    if (etc?.status !== 'ok') throw new Error('no listing');
    expect(etc.entries.find((e) => e.name === 'avahi-daemon.service')).toMatchObject({
      type: 'symlink',
      target: '/dev/null',
    });
    expect(doc.listings?.['/etc/systemd/system/multi-user.target.wants']).toMatchObject({
      status: 'ok',
      entries: [
        { name: 'auditd.service', type: 'symlink', target: '/usr/lib/systemd/system/auditd.service' },
      ],
    });
    expect(doc.listings?.['/var/lib/aide']).toMatchObject({
      status: 'ok',
      entries: [{ name: 'aide.db', type: 'file' }],
    });
    expect(doc.paths['/etc/crontab']).toMatchObject({ status: 'ok', mode: 0o100600, uid: 0 });
    expect(doc.paths['/etc/cron.d']).toMatchObject({ status: 'ok', type: 'directory', mode: 0o40700 });
  });

  it('records live-host-only material as not collected on a root that is not /', async () => {
    const doc = await collect(root);
    for (const key of [
      'systemctl-unit-files',
      'systemctl-units',
      'auditctl-rules',
      'auditctl-status',
      'nft-ruleset',
      'iptables',
      'ip6tables',
    ])
      expect(doc.commands[key], key).toMatchObject({ status: 'missing', reason: 'not-live-host' });
    expect(doc.files['/proc/modules']).toMatchObject({ status: 'missing', reason: 'not-live-host' });
    expect(doc.files['/proc/self/mounts']).toMatchObject({ status: 'missing', reason: 'not-live-host' });
  });

  it('reads /proc/modules where the root has one (a mounted live system)', async () => {
    const r = makeRoot({ files: { '/proc/modules': 'cramfs 16384 0 - Live 0x0000000000000000\n' } });
    const doc = await collect(r, false);
    expect(doc.files['/proc/modules']).toMatchObject({
      status: 'ok',
      content: expect.stringContaining('cramfs'),
    });
    expect(doc.fileSystemWalk).toMatchObject({
      status: 'missing',
      detail: expect.stringContaining('turned off'),
    });
  });

  it('records which CIS kernel modules have files, per installed kernel, the running one first', async () => {
    const doc = await collect(root);
    expect(doc.kernelModules).toMatchObject({
      status: 'ok',
      releasesSkipped: 0,
      releases: [
        {
          release: '6.1.0-9-amd64',
          running: true,
          index: { status: 'ok', source: 'modules.dep' },
          modules: {
            cramfs: { files: ['kernel/fs/cramfs/cramfs.ko.xz'], builtin: false },
            'usb-storage': { files: ['kernel/drivers/usb/storage/usb-storage.ko.xz'], builtin: false },
            vfat: { files: [], builtin: true },
          },
        },
        {
          release: '5.10.0-1-amd64',
          running: false,
          index: { status: 'ok', source: 'walk' },
          modules: { sctp: { files: ['kernel/net/sctp/sctp.ko'], builtin: false } },
        },
      ],
    });
    const first = doc.kernelModules?.status === 'ok' ? doc.kernelModules.releases[0]! : undefined;
    expect(Object.keys(first?.modules ?? {})).not.toContain('ext4');
  });
});

describe('file system walk', () => {
  const spec = () => {
    const r = makeRoot({
      files: {
        '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n',
        '/etc/group': 'root:x:0:\n',
        '/srv/ww.txt': { content: 'x', mode: 0o666 },
        '/usr/bin/su-like': { content: 'x', mode: 0o4755 },
        '/usr/bin/sg-like': { content: 'x', mode: 0o2755 },
        '/srv/orphan': 'x',
        '/proc/ignored-ww': { content: 'x', mode: 0o666 },
      },
      dirs: { '/srv/open': 0o777, '/srv/sticky': 0o1777 },
      symlinks: { '/srv/loop-a': 'loop-b', '/srv/loop-b': 'loop-a', '/srv/up': '/', '/srv/self': '.' },
    });
    chownSync(path.join(r, 'srv/orphan'), 4242, 4343);
    return r;
  };

  it('finds world-writable files, open directories without the sticky bit, unowned, SUID and SGID files', async () => {
    const doc = parseTelemetry(await collect(spec()));
    const w = doc.fileSystemWalk;
    expect(w).toMatchObject({
      status: 'ok',
      complete: true,
      mountSource: 'device-of-root',
      roots: ['/'],
      ownership: { status: 'ok' },
    });
    if (w?.status !== 'ok') throw new Error('no walk');
    const paths = (c: keyof typeof w.categories) => w.categories[c].items.map((i) => i.path);
    expect(paths('worldWritableFiles')).toEqual(['/srv/ww.txt']);
    expect(paths('worldWritableDirectoriesWithoutSticky')).toEqual(['/srv/open']);
    expect(paths('suidFiles')).toEqual(['/usr/bin/su-like']);
    expect(paths('sgidFiles')).toEqual(['/usr/bin/sg-like']);
    expect(paths('unownedFiles')).toEqual(['/srv/orphan']);
    expect(w.categories.unownedFiles.items[0]).toMatchObject({ uid: 4242, gid: 4343 });
    expect(paths('ungroupedFiles')).toEqual(['/srv/orphan']);
    // Symlink loops and links to / are not followed; /proc under the root is not walked.
    expect(w.entriesVisited).toBeLessThan(40);
  });

  it('stops at its entry budget and says so', async () => {
    const w = await walkFileSystems({
      rootFs: new RootFs(spec()),
      budget: { maxEntries: 5, maxSeconds: 10 },
      ownership: { missing: 'test' },
    });
    expect(w).toMatchObject({
      status: 'ok',
      complete: false,
      stoppedBy: 'entries',
      entriesVisited: 5,
      ownership: { status: 'missing' },
    });
  });

  it('stops at its time budget', async () => {
    const w = await walkFileSystems({
      rootFs: new RootFs(spec()),
      budget: { maxEntries: 1000, maxSeconds: 0 },
      ownership: { missing: 'test' },
    });
    expect(w).toMatchObject({ status: 'ok', complete: false, stoppedBy: 'time' });
  });

  it('caps the paths recorded per category, counts them all, and walks deep trees', async () => {
    const r = makeRoot({
      files: { '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n', '/etc/group': 'root:x:0:\n' },
    });
    mkdirSync(path.join(r, 'many'));
    for (let i = 0; i < 600; i++) {
      writeFileSync(path.join(r, 'many', `f${i}`), '');
      chmodSync(path.join(r, 'many', `f${i}`), 0o666);
    }
    let deep = path.join(r, 'deep');
    for (let i = 0; i < 300; i++) deep = path.join(deep, 'd');
    mkdirSync(deep, { recursive: true });
    writeFileSync(path.join(deep, 'bottom'), '');
    chmodSync(path.join(deep, 'bottom'), 0o4755);
    symlinkSync(path.join(r, 'deep'), path.join(deep, 'back-to-top'));
    const doc = parseTelemetry(await collect(r, { maxSeconds: 10 }));
    const w = doc.fileSystemWalk;
    if (w?.status !== 'ok') throw new Error('no walk');
    expect(w.complete).toBe(true);
    expect(w.categories.worldWritableFiles).toMatchObject({ count: 600, truncated: true });
    expect(w.categories.worldWritableFiles.items).toHaveLength(HOST_CONFIG_LIMITS.maxWalkPathsPerCategory);
    expect(w.categories.suidFiles.items[0]?.path).toMatch(/^\/deep(\/d){300}\/bottom$/);
  });
});

describe('bounds of the host configuration material', () => {
  it('refuses oversized files, reads at most 500 files of a directory and lists at most 2000 entries', async () => {
    const r = makeRoot({ files: { '/etc/modprobe.d/huge.conf': 'x'.repeat(2 * 1024 * 1024) } });
    mkdirSync(path.join(r, 'etc/sysctl.d'), { recursive: true });
    for (let i = 0; i < 600; i++)
      writeFileSync(path.join(r, 'etc/sysctl.d', `${String(i).padStart(3, '0')}.conf`), 'a.b = 1\n');
    mkdirSync(path.join(r, 'usr/lib/systemd/system'), { recursive: true });
    for (let i = 0; i < 2500; i++) writeFileSync(path.join(r, 'usr/lib/systemd/system', `u${i}.service`), '');
    const doc = await collect(r, false);
    expect(() => parseTelemetryJson(JSON.stringify(doc))).not.toThrow();
    expect(doc.files['/etc/modprobe.d/huge.conf']).toMatchObject({ status: 'missing', reason: 'too-large' });
    expect(Object.keys(doc.files).filter((p) => p.startsWith('/etc/sysctl.d/'))).toHaveLength(500);
    expect(doc.warnings).toContain('/etc/sysctl.d: only the first 500 entries read');
    expect(doc.listings?.['/usr/lib/systemd/system']).toMatchObject({
      status: 'ok',
      total: 2500,
      truncated: true,
    });
    const l = doc.listings?.['/usr/lib/systemd/system'];
    expect(l?.status === 'ok' && l.entries.length).toBe(HOST_CONFIG_LIMITS.maxListingEntries);
  });

  it('configuration directories share a byte budget; the files past it are recorded as not read', async () => {
    const r = makeRoot();
    mkdirSync(path.join(r, 'etc/profile.d'), { recursive: true });
    // 12 files of 1,000,000 bytes: 8 MiB covers 8 of them.
    for (let i = 0; i < 12; i++)
      writeFileSync(
        path.join(r, 'etc/profile.d', `p${String(i).padStart(2, '0')}.sh`),
        'x'.repeat(1_000_000),
      );
    const doc = await collect(r, false);
    const recs = Object.entries(doc.files).filter(([p]) => p.startsWith('/etc/profile.d/'));
    expect(recs.filter(([, v]) => v.status === 'ok')).toHaveLength(8);
    expect(recs.filter(([, v]) => v.status === 'missing' && v.reason === 'too-large')).toHaveLength(4);
    expect(doc.warnings.some((w) => w.startsWith('configuration directories hold more than'))).toBe(true);
  });

  it('a shadow file with more entries than the cap is recorded as truncated', async () => {
    const lines = Array.from(
      { length: HOST_CONFIG_LIMITS.maxAccountEntries + 5 },
      (_, i) => `u${i}:!:19000:0:99999:7:::`,
    );
    const r = makeRoot({ files: { '/etc/shadow': lines.join('\n') } });
    const doc = await collect(r, false);
    expect(doc.accounts?.shadow).toMatchObject({ status: 'ok', truncated: true });
    expect(doc.accounts?.shadow.status === 'ok' && doc.accounts.shadow.entries.length).toBe(
      HOST_CONFIG_LIMITS.maxAccountEntries,
    );
    expect(() => parseTelemetryJson(JSON.stringify(doc))).not.toThrow();
  });

  it('a symlinked config directory loop does not stop the collection', async () => {
    const r = makeRoot({
      symlinks: { '/etc/modprobe.d': '/etc/modprobe.d', '/etc/sysctl.d': '../etc/sysctl.d' },
    });
    const doc = await collect(r, false);
    expect(doc.paths['/etc/modprobe.d']).toMatchObject({ status: 'missing' });
    expect(() => parseTelemetry(doc)).not.toThrow();
  });
});

describe('agent command line: walk budget', () => {
  const local = ['--out', '/tmp/x', '--key-file', '/tmp/k'];
  it.each([
    [[], undefined],
    [['--walk-seconds', '0'], false],
    [['--walk-seconds', '30'], { maxSeconds: 30 }],
    [['--walk-entries', '5000', '--walk-seconds', '2.5'], { maxSeconds: 2.5, maxEntries: 5000 }],
  ])('%j → %j', async (extra, walk) => {
    const { parseAgentArgs } = await import('../../../agent/main');
    expect(parseAgentArgs([...local, ...extra]).walk).toEqual(walk);
  });
  it.each([['--walk-seconds=-1'], ['--walk-entries=0'], ['--walk-entries=1.5'], ['--walk-seconds=abc']])(
    '%s is refused',
    async (flag) => {
      const { parseAgentArgs, UsageError } = await import('../../../agent/main');
      expect(() => parseAgentArgs([...local, flag])).toThrow(UsageError);
    },
  );
});
