/**
 * Package ownership on fixture roots: dpkg lists and status on a split-/usr root and on merged-/usr roots
 * (the database listing /lib/... while /proc shows /usr/lib/..., and the other way round), Multi-Arch list
 * names, a path two packages list (dpkg-divert), apk's installed database (Alpine's real stanza shape), no
 * database at all, an rpm database without the rpm command, and bad input: a huge list, a binary list, a
 * FIFO and a link where a list should be, a garbage status file, broken apk stanzas.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lookUpPackageOwners, scanLines, usrAlias } from '../../../agent/package-owners';
import { RootFs } from '../../../agent/root-fs';
import { cleanupRoots, makeRoot, type RootSpec } from '../../helpers/fixture-root';

afterAll(cleanupRoots);

const INFO = '/var/lib/dpkg/info';

/** A dpkg status stanza as dpkg writes it (fields the lookup ignores included). */
function stanza(name: string, version: string, arch = 'amd64', status = 'install ok installed'): string {
  return [
    `Package: ${name}`,
    `Status: ${status}`,
    'Priority: optional',
    'Section: libs',
    'Installed-Size: 12990',
    'Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>',
    `Architecture: ${arch}`,
    'Multi-Arch: same',
    `Version: ${version}`,
    'Description: GNU C Library: Shared libraries',
    ' Contains the standard libraries that are used by nearly all programs on',
    ' the system.',
    '',
  ].join('\n');
}

/** libc6's list as Debian 12 ships it (directories first, then files, under /lib). */
const LIBC6_LIST = [
  '/.',
  '/etc',
  '/etc/ld.so.conf.d',
  '/etc/ld.so.conf.d/x86_64-linux-gnu.conf',
  '/lib',
  '/lib/x86_64-linux-gnu',
  '/lib/x86_64-linux-gnu/libc.so.6',
  '/lib/x86_64-linux-gnu/libm.so.6',
  '/lib64',
  '/lib64/ld-linux-x86-64.so.2',
  '/usr',
  '/usr/share/doc/libc6/copyright',
  '',
].join('\n');

/** bash's list in the moved-to-/usr layout of newer releases (/usr/bin/bash, /bin absent). */
const BASH_LIST = ['/.', '/usr', '/usr/bin', '/usr/bin/bash', '/usr/share/man/man1/bash.1.gz', ''].join('\n');

function dpkgRoot(extra: RootSpec = {}, merged = true): string {
  return makeRoot({
    ...extra,
    files: {
      [`${INFO}/libc6:amd64.list`]: LIBC6_LIST,
      [`${INFO}/libc6:amd64.md5sums`]: 'd41d8cd98f00b204e9800998ecf8427e  lib/x86_64-linux-gnu/libc.so.6\n',
      [`${INFO}/bash.list`]: BASH_LIST,
      '/var/lib/dpkg/status': `${stanza('bash', '5.2.15-2+b8')}\n${stanza('libc6', '2.36-9+deb12u14')}`,
      ...(extra.files ?? {}),
    },
    dirs: merged ? { '/usr/bin': 0o755, '/usr/lib': 0o755, '/usr/lib64': 0o755, '/usr/sbin': 0o755 } : {},
    symlinks: merged
      ? {
          '/bin': 'usr/bin',
          '/lib': 'usr/lib',
          '/lib64': 'usr/lib64',
          '/sbin': '/usr/sbin',
          ...extra.symlinks,
        }
      : { ...extra.symlinks },
  });
}

const owners = async (root: string, paths: string[], opts = {}) =>
  lookUpPackageOwners(new RootFs(root), paths, opts);

describe('dpkg owners', () => {
  it('merged /usr: /usr/lib/... from /proc matches /lib/... in the list, and /bin/bash matches /usr/bin/bash', async () => {
    const root = dpkgRoot();
    const r = await owners(root, [
      '/usr/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
      '/usr/lib64/ld-linux-x86-64.so.2',
      '/bin/bash',
      '/usr/bin/bash',
      '/usr/local/bin/mine',
    ]);
    expect(r.status).toEqual({ status: 'ok', managers: ['dpkg'] });
    expect(Object.fromEntries(r.owners)).toEqual({
      '/usr/lib/x86_64-linux-gnu/libc.so.6': { manager: 'dpkg', name: 'libc6', version: '2.36-9+deb12u14' },
      '/lib64/ld-linux-x86-64.so.2': { manager: 'dpkg', name: 'libc6', version: '2.36-9+deb12u14' },
      '/usr/lib64/ld-linux-x86-64.so.2': { manager: 'dpkg', name: 'libc6', version: '2.36-9+deb12u14' },
      '/bin/bash': { manager: 'dpkg', name: 'bash', version: '5.2.15-2+b8' },
      '/usr/bin/bash': { manager: 'dpkg', name: 'bash', version: '5.2.15-2+b8' },
    });
    expect(r.warnings).toEqual([]);
  });

  it('split /usr (no links): /lib and /usr/lib are different files, so only the listed name is owned', async () => {
    const root = dpkgRoot(
      { dirs: { '/lib/x86_64-linux-gnu': 0o755, '/usr/lib/x86_64-linux-gnu': 0o755 } },
      false,
    );
    const r = await owners(root, [
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/usr/lib/x86_64-linux-gnu/libc.so.6',
      '/bin/bash',
    ]);
    expect([...r.owners.keys()]).toEqual(['/lib/x86_64-linux-gnu/libc.so.6']);
    expect(r.status).toEqual({ status: 'ok', managers: ['dpkg'] });
  });

  it('a /lib that is a link somewhere else than /usr/lib is not merged /usr', async () => {
    const root = dpkgRoot({ dirs: { '/opt/lib': 0o755 } }, false);
    execFileSync('ln', ['-s', 'opt/lib', path.join(root, 'lib')]);
    const r = await owners(root, ['/usr/lib/x86_64-linux-gnu/libc.so.6']);
    expect(r.owners.size).toBe(0);
    expect(usrAlias('/usr/lib/x', new Set(['lib']))).toBe('/lib/x');
    expect(usrAlias('/lib64/x', new Set(['lib64']))).toBe('/usr/lib64/x');
    expect(usrAlias('/usr/libexec/x', new Set(['lib']))).toBeUndefined();
  });

  it('Multi-Arch: each architecture’s list gets its own version; a package not installed has no version', async () => {
    const root = dpkgRoot({
      files: {
        [`${INFO}/libc6:i386.list`]: '/lib/i386-linux-gnu/libc.so.6\n',
        [`${INFO}/oldlib.list`]: '/usr/lib/oldlib.so.1\n',
        '/var/lib/dpkg/status': [
          stanza('libc6', '2.36-9+deb12u14', 'amd64'),
          stanza('libc6', '2.36-9+deb12u13', 'i386'),
          stanza('oldlib', '1.0', 'amd64', 'deinstall ok config-files'),
        ].join('\n'),
      },
    });
    const r = await owners(root, [
      '/usr/lib/i386-linux-gnu/libc.so.6',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/usr/lib/oldlib.so.1',
    ]);
    expect(r.owners.get('/usr/lib/i386-linux-gnu/libc.so.6')).toEqual({
      manager: 'dpkg',
      name: 'libc6',
      version: '2.36-9+deb12u13',
    });
    expect(r.owners.get('/lib/x86_64-linux-gnu/libc.so.6')?.version).toBe('2.36-9+deb12u14');
    expect(r.owners.get('/usr/lib/oldlib.so.1')).toEqual({ manager: 'dpkg', name: 'oldlib' });
  });

  it('a diverted path that two lists name goes to the first list in name order; the diversions file is not read', async () => {
    const root = dpkgRoot({
      files: {
        [`${INFO}/postgresql-common.list`]: '/usr/bin/pg_config\n',
        [`${INFO}/libpq-dev.list`]: '/usr/bin/pg_config\n',
        '/var/lib/dpkg/diversions':
          '/usr/bin/pg_config\n/usr/bin/pg_config.libpq-dev\npostgresql-common\n\0\0garbage',
      },
    });
    const r = await owners(root, ['/usr/bin/pg_config']);
    expect(r.owners.get('/usr/bin/pg_config')?.name).toBe('libpq-dev');
    expect(r.status.status).toBe('ok');
  });

  it('no status file: owners without versions, and a warning', async () => {
    const root = makeRoot({ files: { [`${INFO}/bash.list`]: BASH_LIST } });
    const r = await owners(root, ['/usr/bin/bash']);
    expect(r.owners.get('/usr/bin/bash')).toEqual({ manager: 'dpkg', name: 'bash' });
    expect(r.warnings.join('\n')).toMatch(/status/);
    expect(r.status).toEqual({ status: 'ok', managers: ['dpkg'] });
  });
});

describe('dpkg bad input: no crash, bounded', () => {
  it('a list over the per-file cap is read in part, and dpkg is then not claimed as consulted', async () => {
    const big = `${'/usr/share/doc/x/file-with-a-long-name\n'.repeat(50_000)}/usr/bin/late\n`;
    const root = dpkgRoot({ files: { [`${INFO}/aaa-huge.list`]: big } });
    const r = await owners(root, ['/usr/bin/late', '/usr/bin/bash'], { maxListFileBytes: 1024 * 1024 });
    expect(r.owners.has('/usr/bin/late')).toBe(false);
    // The other lists are still read.
    expect(r.owners.get('/usr/bin/bash')?.name).toBe('bash');
    expect(r.bytesRead).toBeLessThan(1024 * 1024 + 64 * 1024);
    expect(r.status).toMatchObject({ status: 'missing', reason: 'error' });
    expect(r.warnings.join('\n')).toMatch(/aaa-huge.list is larger than 1048576 bytes/);
  });

  it('the total byte cap stops the scan and says so', async () => {
    const root = dpkgRoot({ files: { [`${INFO}/aaa.list`]: '/usr/share/x\n'.repeat(10_000) } });
    const r = await owners(root, ['/usr/bin/bash'], { maxDpkgListBytes: 50_000 });
    expect(r.owners.size).toBe(0);
    expect(r.status).toMatchObject({ status: 'missing', reason: 'error' });
    expect(r.warnings.join('\n')).toMatch(/stopped after 50000 bytes/);
  });

  it('binary lists, a FIFO and a link where lists should be, and a garbage status file', async () => {
    const root = dpkgRoot({
      files: {
        // 1 MiB of random bytes (no usable line) and NULs around a real path.
        [`${INFO}/aaa-binary.list`]: { content: randomBytes(1024 * 1024) },
        [`${INFO}/aab-nul.list`]: { content: Buffer.from('\0\0\0\n/usr/bin/nul\n\0\xff\xfe\n') },
        '/var/lib/dpkg/status': {
          content: Buffer.concat([
            randomBytes(4096),
            Buffer.from('\n\nPackage:\nVersion\nStatus: install\n\nno colon here\n'),
            Buffer.from(stanza('bash', '5.2.15-2+b8')),
            Buffer.from('\nPackage: nul\nStatus: install ok installed\nVersion: 1\xff\n'),
          ]),
        },
      },
      symlinks: { [`${INFO}/aac-link.list`]: '/etc/hostname' },
    });
    execFileSync('mkfifo', [path.join(root, INFO, 'aad-fifo.list')]);
    const r = await owners(root, ['/usr/bin/bash', '/usr/bin/nul']);
    expect(r.owners.get('/usr/bin/bash')).toEqual({ manager: 'dpkg', name: 'bash', version: '5.2.15-2+b8' });
    expect(r.owners.get('/usr/bin/nul')).toMatchObject({ manager: 'dpkg', name: 'aab-nul' });
    expect(r.warnings.join('\n')).toMatch(/aad-fifo.list: not a regular file/);
    // The link is refused (it could lead out of the root); the scan is then incomplete and says so.
    expect(r.warnings.join('\n')).toMatch(/aac-link.list/);
  });

  it('scanLines: lines split across reads, overlong lines skipped, the last line without a newline', () => {
    const root = makeRoot({
      files: {
        '/f': `${'a'.repeat(70_000)}\nshort\n${'b'.repeat(65_530)}\nnext\n${'c'.repeat(4096)}\nlast`,
      },
    });
    const seen: string[] = [];
    const r = scanLines(path.join(root, 'f'), 1e9, (buf, s, e) => {
      seen.push(e - s > 10 ? `${buf.toString('latin1', s, s + 1)}×${e - s}` : buf.toString('utf8', s, e));
    });
    expect(seen).toEqual(['short', 'next', 'c×4096', 'last']);
    expect(r).toEqual({ bytes: 70_001 + 6 + 65_531 + 5 + 4097 + 4, cut: false });
    expect(scanLines(path.join(root, 'missing'), 10, () => {}).error).toMatch(/ENOENT/);
  });
});

/** Alpine's /lib/apk/db/installed, in the shape apk writes (fields trimmed to those that matter). */
const APK_INSTALLED = `C:Q1tyZW1nZcM4n7ivvHw7oK3W+M4VA=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:407278
I:663552
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
t:1705311564
c:ca7f2ab5e88794e4e654b40776f8a92256f50639
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1J6mTt8oP7sD7Jfn9J8d2yGg6Q7Y=
R:libc.musl-x86_64.so.1
a:0:0:777
Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=

C:Q1ZYw8WZbcpnzNs7lH8b+3AS+9F0o=
P:busybox
V:1.36.1-r15
A:x86_64
T:Size optimized toolbox of many common UNIX utilities
F:bin
R:busybox
a:0:0:755
Z:Q1Z6rj3Ghx1K1BdSyRlF8GUhbMNhE=
F:etc
R:securetty
F:usr/share/udhcpc
R:default.script

`;

describe('apk owners', () => {
  it('musl and busybox from a real-shaped installed database', async () => {
    const root = makeRoot({ files: { '/lib/apk/db/installed': APK_INSTALLED } });
    const r = await owners(root, [
      '/lib/ld-musl-x86_64.so.1',
      '/bin/busybox',
      '/usr/share/udhcpc/default.script',
      '/usr/local/bin/app',
    ]);
    expect(r.status).toEqual({ status: 'ok', managers: ['apk'] });
    expect(Object.fromEntries(r.owners)).toEqual({
      '/lib/ld-musl-x86_64.so.1': { manager: 'apk', name: 'musl', version: '1.2.4_git20230717-r4' },
      '/bin/busybox': { manager: 'apk', name: 'busybox', version: '1.36.1-r15' },
      '/usr/share/udhcpc/default.script': { manager: 'apk', name: 'busybox', version: '1.36.1-r15' },
    });
  });

  it('broken stanzas: files before any P:, a stanza without V:, garbage and overlong lines', async () => {
    const broken = [
      'R:orphan',
      'F:usr/bin',
      'R:orphan2',
      '',
      'P:noversion',
      'F:usr/bin',
      'R:tool',
      `R:${'x'.repeat(10_000)}`,
      '\0\0\0',
      ':',
      'R',
      '',
      APK_INSTALLED,
    ].join('\n');
    const root = makeRoot({ files: { '/lib/apk/db/installed': broken } });
    const r = await owners(root, ['/orphan', '/usr/bin/orphan2', '/usr/bin/tool', '/bin/busybox']);
    expect(Object.fromEntries(r.owners)).toEqual({
      '/usr/bin/tool': { manager: 'apk', name: 'noversion' },
      '/bin/busybox': { manager: 'apk', name: 'busybox', version: '1.36.1-r15' },
    });
    expect(r.status).toEqual({ status: 'ok', managers: ['apk'] });
  });
});

describe('no database, or one that cannot be read', () => {
  it('no package database: status missing (not-found), nothing owned', async () => {
    const r = await owners(makeRoot({ dirs: { '/var/lib/rpm': 0o755 } }), ['/usr/bin/bash']);
    expect(r.status).toMatchObject({ status: 'missing', reason: 'not-found' });
    expect(r.owners.size).toBe(0);
    expect(r.rpmInvocations).toBe(0);
  });

  it('an rpm database without the rpm command: a warning, and status missing (error)', async () => {
    const root = makeRoot({ files: { '/var/lib/rpm/rpmdb.sqlite': 'SQLite format 3\0' } });
    const saved = process.env.PATH;
    process.env.PATH = makeRoot();
    try {
      const r = await owners(root, ['/usr/bin/bash']);
      expect(r.status).toMatchObject({
        status: 'missing',
        reason: 'error',
        detail: expect.stringMatching(/^rpm: .*ENOENT/),
      });
      expect(r.warnings).toHaveLength(1);
      expect(r.rpmInvocations).toBe(1);
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('rpm output that does not name the paths as asked', () => {
  it('a not-owned line under another name does not shift owners onto other paths', async () => {
    // A fake rpm: /lib/a is not owned but reported under its /usr name, /b is owned by two packages,
    // /c by one. Three owner lines for three paths: matched by position they would give /lib/a an owner.
    const bin = makeRoot();
    const script = [
      '#!/bin/sh',
      'while [ "$1" != "--queryformat" ]; do shift; done; shift 2',
      'for p in "$@"; do case "$p" in',
      '  /lib/a) echo "file /usr/lib/a is not owned by any package" ;;',
      '  /b) printf "owner\\tb-one\\t(none)\\t1\\t1\\nowner\\tb-two\\t(none)\\t1\\t1\\n" ;;',
      '  /c) printf "owner\\tc\\t(none)\\t2\\t1\\n" ;;',
      'esac; done',
      '',
    ].join('\n');
    writeFileSync(path.join(bin, 'rpm'), script, { mode: 0o755 });
    const root = makeRoot({ files: { '/var/lib/rpm/rpmdb.sqlite': 'SQLite format 3\0' } });
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved}`;
    try {
      const r = await owners(root, ['/lib/a', '/b', '/c']);
      expect(r.owners.get('/lib/a')).toBeUndefined();
      expect(r.owners.get('/b')).toEqual({ manager: 'rpm', name: 'b-one', version: '1-1' });
      expect(r.owners.get('/c')).toEqual({ manager: 'rpm', name: 'c', version: '2-1' });
    } finally {
      process.env.PATH = saved;
    }
  });
});
