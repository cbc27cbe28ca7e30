/**
 * The agent's /proc parsers on real file contents copied from a Debian 12 machine (test/fixtures/proc:
 * /proc/net tables captured while a node process held a TCP and a TCP6 listener, a connection to each, UDP
 * and UDP6 bound sockets and a connected UDP socket, recorded in ports.json; its status and maps; a stat
 * of a program named `a b) (c`; kthreadd's and a kernel thread's stat; a python cmdline with secrets).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatIpv6,
  MASK,
  maskArguments,
  PF_KTHREAD,
  parseCmdline,
  parseExeLink,
  parseMaps,
  parseNetTable,
  parseStat,
  parseStatus,
  socketInode,
  TCP_ESTABLISHED,
  TCP_LISTEN,
  UDP_UNCONNECTED,
} from '../../../agent/proc-parse';

const dir = path.join(import.meta.dirname, '../../fixtures/proc');
const fixture = (name: string) => readFileSync(path.join(dir, name), 'utf8');
const ports = JSON.parse(fixture('ports.json')) as Record<string, number>;

describe('/proc/PID/stat', () => {
  it.each([
    ['stat-comm-parens.txt', { pid: 32161, comm: 'a b) (c', state: 'S', ppid: 1, startTime: 513411 }, false],
    ['stat-kthreadd.txt', { pid: 2, comm: 'kthreadd', ppid: 0, startTime: 25 }, true],
    ['stat-kworker.txt', { pid: 3, comm: 'pool_workqueue_release', ppid: 2, startTime: 25 }, true],
  ])('%s', (file, expected, kernelThread) => {
    const st = parseStat(fixture(file))!;
    expect(st).toMatchObject(expected);
    expect((st.flags & PF_KTHREAD) !== 0).toBe(kernelThread);
  });

  it.each([
    ['empty', ''],
    ['no parentheses', '12 bash S 1 2 3'],
    ['cut after the comm', '12 (bash) S 1 2 3 4'],
    ['non-numeric start time', `12 (x) S 1 ${'0 '.repeat(17)}zz 0 0`],
    ['pid 0', `0 (x) S 1 ${'0 '.repeat(20)}`],
  ])('garbage: %s gives undefined', (_name, text) => {
    expect(parseStat(text)).toBeUndefined();
  });
});

describe('/proc/PID/status', () => {
  it('reads Name, PPid, real and effective uid from a real file', () => {
    expect(parseStatus(fixture('status.txt'))).toEqual({ name: 'node', ppid: 32045, uid: 0, euid: 0 });
  });
  it.each([
    [
      'setuid',
      'Name:\tpasswd\nUid:\t1000\t0\t0\t0\nPPid:\t7\n',
      { name: 'passwd', ppid: 7, uid: 1000, euid: 0 },
    ],
    ['truncated', 'Name:\tx\nUi', { name: 'x' }],
    ['garbage', '\0\0\xff:::\n:', {}],
  ])('%s', (_n, text, expected) => {
    expect(parseStatus(text)).toEqual(expected);
  });
});

describe('/proc/PID/cmdline and masking', () => {
  it('splits on NULs, keeps empty arguments and masks the secrets', () => {
    const args = parseCmdline(readFileSync(path.join(dir, 'cmdline-python.bin')));
    expect(args).toEqual([
      '/root/.pyenv/versions/3.11.7/bin/python3',
      '-c',
      'import time; time.sleep(5)',
      '--password',
      's3cr3t',
      '-p',
      'hunter2',
      'db.password=x',
      'https://u:pw@host/',
      'arg with space',
      '',
      'last',
    ]);
    const masked = maskArguments(args);
    expect(masked).toEqual([
      '/root/.pyenv/versions/3.11.7/bin/python3',
      '-c',
      'import time; time.sleep(5)',
      '--password',
      MASK,
      '-p',
      MASK,
      `db.password=${MASK}`,
      `https://u:${MASK}@host/`,
      'arg with space',
      '',
      'last',
    ]);
    expect(masked.join(' ')).not.toMatch(/s3cr3t|hunter2|pw@/);
  });

  it.each([
    [
      ['--token=abc', '--secret', 'x', '--api-key=k'],
      ['--token=***', '--secret', '***', '--api-key=***'],
    ],
    [
      ['mysql', '-psecret', '-u', 'root'],
      ['mysql', '-p***', '-u', 'root'],
    ],
    [
      ['env', 'PGPASSWORD=x', 'AWS_SECRET_ACCESS_KEY=y', 'HOME=/root'],
      ['env', 'PGPASSWORD=***', 'AWS_SECRET_ACCESS_KEY=***', 'HOME=/root'],
    ],
    [
      ['sh', '-c', 'PGPASSWORD=x psql --password y'],
      ['sh', '-c', 'PGPASSWORD=*** psql --password ***'],
    ],
    [
      ['--env', '{"API_TOKEN": "t\\"x", "NAME": "n"}'],
      ['--env', '{"API_TOKEN": "***", "NAME": "n"}'],
    ],
    [
      ['curl', '-H', 'Authorization: Bearer abc', 'ftp://user:pw@h/f'],
      ['curl', '-H', 'Authorization: ***', 'ftp://user:***@h/f'],
    ],
    [
      ['nginx', '-g', 'daemon off;', '--port=80', 'name=value'],
      ['nginx', '-g', 'daemon off;', '--port=80', 'name=value'],
    ],
    [['--password'], ['--password']],
    // Passwords with an unencoded / or @, and a token as the URL's user name.
    [
      ['git', 'clone', 'https://user:pa/ss@host/r', 'https://u:p@ss@host/', 'https://ghp_t0k@github.com/o/r'],
      ['git', 'clone', 'https://user:***@host/r', 'https://u:***@host/', 'https://***@github.com/o/r'],
    ],
    // Any option whose name says secret takes a masked value, not only the listed ones.
    [
      ['app', '--db-pass', 'a1', '--vault-token', 'a2', '--new-password', 'a3', '-passin', 'pass:a4'],
      ['app', '--db-pass', '***', '--vault-token', '***', '--new-password', '***', '-p***', '***'],
    ],
    // ... unless what follows is another option (a flag such as --no-auth takes no value).
    [
      ['app', '--no-auth', '--port', '80', 'python', '-u', 'app.py'],
      ['app', '--no-auth', '--port', '80', 'python', '-u', 'app.py'],
    ],
    // user:password option values and secret headers.
    [
      ['curl', '-u', 'admin:a5', '--proxy-user', 'p:a6', '-H', 'X-Api-Key: a7', '-H', 'PRIVATE-TOKEN: a8'],
      [
        'curl',
        '-u',
        'admin:***',
        '--proxy-user',
        'p:***',
        '-H',
        'X-Api-Key: ***',
        '-H',
        'PRIVATE-TOKEN: ***',
      ],
    ],
    [
      [
        'sh',
        '-c',
        "curl -u admin:a9 -H 'X-Auth-Token: b1' https://b2@h/ && sshpass -p b3 ssh h --db-pass b4",
      ],
      [
        'sh',
        '-c',
        "curl -u admin:*** -H 'X-Auth-Token: ***' https://***@h/ && sshpass -p *** ssh h --db-pass ***",
      ],
    ],
  ])('%j', (args, expected) => {
    expect(maskArguments(args)).toEqual(expected);
  });

  it('an empty cmdline (kernel thread, zombie) has no arguments', () => {
    expect(parseCmdline('')).toEqual([]);
    expect(parseCmdline('a\0b')).toEqual(['a', 'b']);
  });
});

describe('/proc/PID/maps', () => {
  it('keeps the unique executable file mappings of a real node process', () => {
    expect(parseMaps(fixture('maps.txt')).map((m) => m.path)).toEqual(
      [
        '/usr/bin/node',
        '/usr/lib/x86_64-linux-gnu/libc.so.6',
        '/usr/lib/x86_64-linux-gnu/libgcc_s.so.1',
        '/usr/lib/x86_64-linux-gnu/libm.so.6',
        '/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30',
        '/usr/lib/x86_64-linux-gnu/libpthread.so.0',
        '/usr/lib/x86_64-linux-gnu/libdl.so.2',
        '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
      ].sort((a, b) => fixture('maps.txt').indexOf(a) - fixture('maps.txt').indexOf(b)),
    );
  });
  it('deleted files, paths with spaces, special mappings and garbage', () => {
    const text = [
      '7f00-7f10 r-xp 00000000 fe:00 12 /opt/my app/lib x.so (deleted)',
      '7f10-7f20 r-xp 00000000 fe:00 13 /opt/my app/lib x.so (deleted)',
      '7f20-7f30 r-xp 00000000 00:01 14 /memfd:jit (deleted)',
      '7f30-7f40 r-xp 00000000 00:05 15 /dev/zero',
      '7f40-7f50 r-xp 00000000 00:00 0 [vdso]',
      '7f50-7f60 r--p 00000000 fe:00 16 /usr/lib/locale/locale-archive',
      '7f60-7f70 r-x',
      'garbage',
    ].join('\n');
    expect(parseMaps(text)).toEqual([{ path: '/opt/my app/lib x.so', deleted: true }]);
  });

  it('a newline in a path, which the kernel writes as \\012 (as this kernel does for a mapped /tmp/nl<LF>lib.so)', () => {
    const text =
      '7f066ccdc000-7f066cce5000 r-xp 00000000 fe:00 2147408                    /tmp/nl\\012lib.so\n';
    expect(parseMaps(text)).toEqual([{ path: '/tmp/nl\nlib.so', deleted: false }]);
  });
  it('exe links and fd links', () => {
    expect(parseExeLink('/usr/bin/x (deleted)')).toEqual({ path: '/usr/bin/x', deleted: true });
    expect(parseExeLink('/usr/bin/x')).toEqual({ path: '/usr/bin/x', deleted: false });
    expect(socketInode('socket:[258516]')).toBe(258516);
    expect(socketInode('pipe:[1]')).toBeUndefined();
    expect(socketInode('/dev/null')).toBeUndefined();
  });
});

describe('/proc/net tables', () => {
  it('tcp: the listener on 127.0.0.1 and both ends of the connection to it', () => {
    const { sockets } = parseNetTable(fixture('net-tcp.txt'), 'tcp');
    expect(sockets.length).toBeGreaterThan(0);
    const listener = sockets.find((s) => s.localPort === ports.tcp4 && s.state === TCP_LISTEN)!;
    expect(listener).toMatchObject({ localAddress: '127.0.0.1', remoteAddress: '0.0.0.0', remotePort: 0 });
    expect(listener.inode).toBeGreaterThan(0);
    expect(sockets.find((s) => s.localPort === ports.client)).toMatchObject({
      state: TCP_ESTABLISHED,
      remoteAddress: '127.0.0.1',
      remotePort: ports.tcp4,
    });
    expect(sockets.find((s) => s.localPort === ports.tcp4 && s.remotePort === ports.client)).toMatchObject({
      state: TCP_ESTABLISHED,
    });
  });
  it('tcp6: the listener on ::1, the connection, and IPv4-mapped TIME_WAIT sockets without an inode', () => {
    const { sockets } = parseNetTable(fixture('net-tcp6.txt'), 'tcp6');
    expect(sockets.find((s) => s.localPort === ports.tcp6 && s.state === TCP_LISTEN)).toMatchObject({
      localAddress: '::1',
      remoteAddress: '::',
    });
    expect(sockets.find((s) => s.localPort === ports.client6)).toMatchObject({
      remoteAddress: '::1',
      remotePort: ports.tcp6,
      state: TCP_ESTABLISHED,
    });
    const timeWait = sockets.find((s) => s.state === 0x06)!;
    expect(timeWait.localAddress).toBe('::ffff:127.0.0.1');
    expect(timeWait.inode).toBe(0);
  });
  it('udp and udp6: bound sockets and a connected one', () => {
    const udp = parseNetTable(fixture('net-udp.txt'), 'udp').sockets;
    expect(udp.find((s) => s.localPort === ports.udp4)).toMatchObject({
      localAddress: '127.0.0.1',
      state: UDP_UNCONNECTED,
      remotePort: 0,
    });
    expect(udp.find((s) => s.localPort === ports.udpConnectedLocal)).toMatchObject({
      remoteAddress: '127.0.0.1',
      remotePort: 53,
      state: TCP_ESTABLISHED,
    });
    const udp6 = parseNetTable(fixture('net-udp6.txt'), 'udp6').sockets;
    expect(udp6).toEqual([
      expect.objectContaining({ localAddress: '::1', localPort: ports.udp6, state: UDP_UNCONNECTED }),
    ]);
  });
  it('big-endian hosts, the cap, and garbage lines', () => {
    const line =
      '   0: 7F000001:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1';
    expect(parseNetTable(`header\n${line}\n`, 'tcp', 10, false).sockets[0]).toMatchObject({
      localAddress: '127.0.0.1',
      localPort: 22,
      inode: 99,
    });
    const many = `header\n${`${line}\n`.repeat(5)}`;
    expect(parseNetTable(many, 'tcp', 2)).toMatchObject({ dropped: 3 });
    expect(
      parseNetTable(`header\n${line.slice(0, 40)}\nzz\n   1: GG:1 00:0 0A a b c d e f\n`, 'tcp').sockets,
    ).toEqual([]);
  });
  it('formats IPv6 addresses as RFC 5952 text', () => {
    const b = (hex: string) => Buffer.from(hex, 'hex');
    expect(formatIpv6(b('20010db8000000000000000000000001'))).toBe('2001:db8::1');
    expect(formatIpv6(b('00000000000000000000000000000000'))).toBe('::');
    expect(formatIpv6(b('fe800000000000000000000000000000'))).toBe('fe80::');
    expect(formatIpv6(b('20010db8000100000001000000000001'))).toBe('2001:db8:1:0:1::1');
  });
});
