/**
 * The runtime sampler on fixture /proc trees: pid reuse between samples, processes that vanish mid-sample,
 * kernel threads, truncated and garbage files, huge counts against the caps, and the socket join
 * (listeners, accepted connections, outbound connections) with its once-per-connection counting.
 */
import { chmodSync, chownSync, copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import { RootFs } from '../../../agent/root-fs';
import { RuntimeSampler } from '../../../agent/runtime';
import {
  LIMITS,
  parseTelemetry,
  parseTelemetryJson,
  RUNTIME_LIMITS,
  type Telemetry,
} from '../../../functions/core/telemetry/schema';
import { type FakeSocket, removeProcess, writeProcess, writeSockets } from '../../helpers/fixture-proc';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';

afterAll(cleanupRoots);

const LISTEN = 0x0a;
const ESTABLISHED = 0x01;
const TIME_WAIT = 0x06;
const UDP_BOUND = 0x07;

function rootWithBinary(): string {
  const root = makeRoot({ dirs: { '/proc/net': undefined, '/usr/bin': undefined, '/usr/lib': undefined } });
  copyFileSync('/usr/bin/true', path.join(root, 'usr/bin/app'));
  copyFileSync('/usr/lib/x86_64-linux-gnu/libc.so.6', path.join(root, 'usr/lib/libc.so.6'));
  writeSockets(root, []);
  return root;
}

async function validates(sampler: RuntimeSampler): Promise<void> {
  const doc = await collectTelemetry({ root: makeRoot(), runId: 'r', instanceId: 'i' });
  expect(() => parseTelemetry({ ...doc, runtime: sampler.result() })).not.toThrow();
}

describe('runtime sampler on fixture /proc trees', () => {
  it('pid reuse between samples gives two processes (identity is pid + start time)', async () => {
    const root = rootWithBinary();
    writeProcess(root, { pid: 100, startTime: 1000, comm: 'first', exe: '/usr/bin/app', args: ['first'] });
    const s = new RuntimeSampler(new RootFs(root), 1);
    await s.sample();
    await s.sample();
    writeProcess(root, {
      pid: 100,
      startTime: 2000,
      comm: 'second',
      exe: '/usr/bin/app',
      uid: 1000,
      args: ['second'],
    });
    await s.sample();
    await s.readPendingElf();
    const r = s.result();
    expect(r.processes.map((p) => [p.pid, p.startTime, p.comm, p.samples, p.uid])).toEqual([
      [100, 1000, 'first', 2, 0],
      [100, 2000, 'second', 1, 1000],
    ]);
    expect(r.processes[0]!.lastSeen <= r.processes[1]!.firstSeen).toBe(true);
    // Same file, same inode and mtime: one object shared, its ELF facts read once.
    expect(r.objects).toHaveLength(1);
    expect(r.processes[0]!.exeObject).toBe(0);
    expect(r.processes[1]!.exeObject).toBe(0);
    expect(r.objects[0]!.elf).toMatchObject({ ok: true, type: 'ET_DYN', interp: true });
    expect(r.objects[0]!.stat).toMatchObject({ uid: expect.any(Number), mode: expect.any(Number) });
    expect(r.sampling.samples).toBe(3);
    await validates(s);
  });

  it('a process whose files vanish mid-sample does not fail the sample; short-lived processes count', async () => {
    const root = rootWithBinary();
    writeProcess(root, { pid: 10, exe: '/usr/bin/app', args: ['a'] });
    writeProcess(root, { pid: 11, exe: '/usr/bin/app', args: ['b'] });
    // 12: only stat is left (status, cmdline, maps, fd gone); 13: an empty directory (ended after readdir).
    writeProcess(root, { pid: 12, exe: '/usr/bin/app' });
    for (const f of ['status', 'cmdline', 'maps', 'fd', 'exe'])
      rmSync(path.join(root, 'proc/12', f), { recursive: true });
    mkdirSync(path.join(root, 'proc/13'));
    const s = new RuntimeSampler(new RootFs(root), 1);
    const first = await s.sample();
    removeProcess(root, 11);
    const second = await s.sample();
    await s.readPendingElf();
    const r = s.result();
    expect(r.processes.map((p) => p.pid)).toEqual(expect.arrayContaining([10, 11, 12]));
    expect(r.processes.find((p) => p.pid === 11)!.samples).toBe(1);
    expect(r.processes.find((p) => p.pid === 10)!.samples).toBe(2);
    expect(r.processes.find((p) => p.pid === 12)).toMatchObject({ args: [], maps: [] });
    expect(r.unreadable).toBeGreaterThan(0);
    expect(first.processes!.map((p) => p.pid)).toEqual([10, 11, 12]);
    expect(second.processes!.map((p) => p.pid)).toEqual([10, 12]);
    await validates(s);
  });

  it('kernel threads are skipped and counted (PF_KTHREAD, or kthreadd children without an exe)', async () => {
    const root = rootWithBinary();
    writeProcess(root, { pid: 2, ppid: 0, comm: 'kthreadd', flags: 0x208040 });
    writeProcess(root, { pid: 3, ppid: 2, comm: 'kworker/0:0-events', flags: 0x4208060 });
    writeProcess(root, { pid: 4, ppid: 2, comm: 'old-kernel', flags: 0 });
    writeProcess(root, { pid: 50, ppid: 1, comm: 'sshd', exe: '/usr/bin/app', args: ['sshd'] });
    const s = new RuntimeSampler(new RootFs(root), 1);
    const legacy = await s.sample();
    await s.readPendingElf();
    const r = s.result();
    expect(r.processes.map((p) => p.pid)).toEqual([50]);
    expect(r.kernelThreads).toEqual({ recorded: 'skipped', maxPerSample: 3 });
    expect(legacy.processes!.map((p) => p.pid)).toEqual([2, 3, 4, 50]);
  });

  it('truncated and garbage files are skipped or read as far as they go', async () => {
    const root = rootWithBinary();
    writeProcess(root, { pid: 20, exe: '/usr/bin/app', args: ['x'] });
    writeFileSync(path.join(root, 'proc/20/stat'), '20 (trunc');
    writeProcess(root, { pid: 21, exe: '/usr/bin/app', args: ['y'] });
    writeFileSync(path.join(root, 'proc/21/status'), '\0\xff garbage');
    writeFileSync(path.join(root, 'proc/21/maps'), 'not maps\n0-1 r-x\n');
    writeFileSync(path.join(root, 'proc/21/cmdline'), Buffer.from([0xff, 0xfe, 0, 0x41]));
    writeProcess(root, { pid: 22, exe: '/usr/bin/app' });
    writeFileSync(
      path.join(root, 'proc/22/stat'),
      '999 (pid mismatch) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 0 0 0 0 5 0',
    );
    writeFileSync(path.join(root, 'proc/net/tcp'), 'header\n   0: zz\x00\n   1: 0100007F:0016\n');
    writeFileSync(path.join(root, 'proc/net/udp6'), Buffer.alloc(4096, 0xff));
    // A non-ELF "executable" and a mapped file that is gone.
    writeFileSync(path.join(root, 'usr/bin/script'), '#!/bin/sh\n');
    writeProcess(root, { pid: 23, exe: '/usr/bin/script', maps: ['/usr/lib/gone.so'] });
    const s = new RuntimeSampler(new RootFs(root), 1);
    await s.sample();
    await s.readPendingElf();
    const r = s.result();
    expect(r.processes.map((p) => p.pid).sort()).toEqual([21, 23]);
    expect(r.processes.find((p) => p.pid === 21)).toMatchObject({ args: ['\ufffd\ufffd', 'A'], maps: [] });
    const byPath = Object.fromEntries(r.objects.map((o) => [o.path, o]));
    expect(byPath['/usr/bin/script']!.elf).toMatchObject({ ok: false, reason: 'not-elf' });
    expect(byPath['/usr/lib/gone.so']!.elf).toMatchObject({ ok: false, reason: 'not-found' });
    expect(byPath['/usr/lib/gone.so']!.stat).toBeUndefined();
    expect(r.listeners).toEqual([]);
    await validates(s);
  });

  it('joins sockets: listeners with their processes, accepted connections once each, outbound connections', async () => {
    const root = rootWithBinary();
    writeProcess(root, {
      pid: 100,
      comm: 'server',
      exe: '/usr/bin/app',
      maps: ['/usr/lib/libc.so.6'],
      sockets: [1, 2, 5],
    });
    writeProcess(root, { pid: 101, comm: 'idle', exe: '/usr/bin/app', sockets: [3, 6] });
    writeProcess(root, { pid: 102, comm: 'client', exe: '/usr/bin/app', sockets: [4] });
    const base: FakeSocket[] = [
      { protocol: 'tcp', local: ['0.0.0.0', 8080], state: LISTEN, inode: 1 },
      {
        protocol: 'tcp',
        local: ['127.0.0.1', 8080],
        remote: ['127.0.0.1', 40000],
        state: ESTABLISHED,
        inode: 2,
      },
      { protocol: 'tcp6', local: ['::1', 9090], state: LISTEN, inode: 3 },
      {
        protocol: 'tcp',
        local: ['127.0.0.1', 40000],
        remote: ['127.0.0.1', 8080],
        state: ESTABLISHED,
        inode: 4,
      },
      { protocol: 'udp', local: ['0.0.0.0', 5353], state: UDP_BOUND, inode: 5 },
      { protocol: 'udp6', local: ['::1', 53], state: UDP_BOUND, inode: 6 },
    ];
    writeSockets(root, base);
    const s = new RuntimeSampler(new RootFs(root), 1);
    await s.sample();
    await s.sample(); // the same connection, still open: not counted again
    writeSockets(root, [
      ...base.filter((x) => x.inode !== 2 && x.inode !== 4),
      // It closed (TIME_WAIT, no inode) and a second one was accepted.
      {
        protocol: 'tcp',
        local: ['127.0.0.1', 8080],
        remote: ['127.0.0.1', 40000],
        state: TIME_WAIT,
        inode: 0,
      },
      {
        protocol: 'tcp',
        local: ['127.0.0.1', 8080],
        remote: ['127.0.0.1', 40002],
        state: ESTABLISHED,
        inode: 7,
      },
      {
        protocol: 'tcp',
        local: ['127.0.0.1', 40002],
        remote: ['127.0.0.1', 8080],
        state: ESTABLISHED,
        inode: 8,
      },
    ]);
    writeProcess(root, { pid: 102, comm: 'client', exe: '/usr/bin/app', sockets: [8] });
    await s.sample();
    await s.readPendingElf();
    const r = s.result();
    const pidOf = (i: number) => r.processes[i]!.pid;
    const l8080 = r.listeners.find((l) => l.port === 8080)!;
    expect(l8080).toMatchObject({ protocol: 'tcp', address: '0.0.0.0', accepted: 2, samples: 3 });
    expect(l8080.processes.map(pidOf)).toEqual([100]);
    const l9090 = r.listeners.find((l) => l.port === 9090)!;
    expect(l9090).toMatchObject({ protocol: 'tcp6', address: '::1', accepted: 0 });
    expect(l9090.processes.map(pidOf)).toEqual([101]);
    expect(
      r.listeners.filter((l) => l.protocol.startsWith('udp')).map((l) => [l.port, l.processes.map(pidOf)]),
    ).toEqual([
      [5353, [100]],
      [53, [101]],
    ]);
    // Item 4: from the listener to its process, executable and mapped libraries.
    const server = r.processes[l8080.processes[0]!]!;
    expect(r.objects[server.exeObject!]!.path).toBe('/usr/bin/app');
    expect(server.maps.map((m) => r.objects[m]!.path)).toEqual(['/usr/lib/libc.so.6']);
    expect(r.objects.find((o) => o.path === '/usr/lib/libc.so.6')!.elf).toMatchObject({
      ok: true,
      dynamic: { soname: 'libc.so.6' },
    });
    expect(r.connections).toEqual([
      expect.objectContaining({
        protocol: 'tcp',
        remoteAddress: '127.0.0.1',
        remotePort: 8080,
        connections: 2,
        samples: 3,
      }),
    ]);
    expect(pidOf(r.connections[0]!.process!)).toBe(102);
    expect(r.truncated).toBe(false);
    await validates(s);
  });

  it('huge counts: every table stops at its cap, says what it dropped, and the document stays valid', async () => {
    const root = rootWithBinary();
    const sockets: FakeSocket[] = [];
    for (let i = 0; i < 60; i++) {
      writeProcess(root, {
        pid: 1000 + i,
        exe: '/usr/bin/app',
        args: Array.from({ length: 40 }, (_, k) => `arg${k}`),
        maps: Array.from({ length: 8 }, (_, k) => `/usr/lib/lib${i}-${k}.so`),
        sockets: [10_000 + i, 20_000 + i],
      });
      sockets.push({ protocol: 'tcp', local: ['0.0.0.0', 1000 + i], state: LISTEN, inode: 10_000 + i });
      sockets.push({
        protocol: 'tcp',
        local: ['10.0.0.1', 30_000 + i],
        remote: ['10.0.0.2', 443 + i],
        state: ESTABLISHED,
        inode: 20_000 + i,
      });
    }
    writeSockets(root, sockets);
    const limits = {
      maxProcesses: 20,
      maxObjects: 30,
      maxMapsPerProcess: 4,
      maxListeners: 10,
      maxProcessesPerListener: 1,
      maxConnections: 5,
      maxSocketsPerTable: 100,
      maxFdsPerProcess: 1,
      maxSampleProcessBytes: 6000,
    };
    const s = new RuntimeSampler(new RootFs(root), 1, limits);
    await s.sample();
    await s.sample();
    await s.readPendingElf();
    const r = s.result();
    expect(r.truncated).toBe(true);
    expect(r.processes).toHaveLength(20);
    expect(r.objects).toHaveLength(30);
    expect(r.listeners).toHaveLength(10);
    expect(r.connections).toHaveLength(5);
    expect(r.processes.every((p) => p.maps.length <= 4 && p.args.length <= RUNTIME_LIMITS.maxArgs)).toBe(
      true,
    );
    expect(r.dropped).toMatchObject({
      processSightings: 80,
      // Sightings: 40 listeners over the cap in each of 2 samples; 20 tcp lines over the cap per sample.
      listeners: 80,
      sockets: 40,
      sampleProcessLists: 1,
    });
    expect(r.dropped.objects).toBeGreaterThan(0);
    expect(r.dropped.maps).toBeGreaterThan(0);
    expect(r.dropped.connections).toBeGreaterThan(0);
    expect(r.dropped.fds).toBeGreaterThan(0);
    expect(r.dropped.args).toBeGreaterThan(0);
    await validates(s);
  });
});

describe('runtime sampler memory bounds', () => {
  it('a process mapping ever more files: paths are remembered up to twice the cap, later ones counted', async () => {
    const root = rootWithBinary();
    const maps = Array.from({ length: 20 }, (_, k) => `/usr/lib/l${k}.so`);
    writeProcess(root, { pid: 30, exe: '/usr/bin/app', maps });
    const s = new RuntimeSampler(new RootFs(root), 1, { maxMapsPerProcess: 4 });
    await s.sample();
    await s.sample();
    await s.readPendingElf();
    const r = s.result();
    expect(r.processes[0]!.maps).toHaveLength(4);
    // Sample 1: 4 recorded, 4 remembered but over the cap, 12 past the bound; sample 2: the 12 again.
    expect(r.dropped.maps).toBe(4 + 12 + 12);
    expect(r.truncated).toBe(true);
  });
});

describe('runtime section in the telemetry document', () => {
  it('--duration 0 takes one sample; a root without /proc says so', async () => {
    const root = rootWithBinary();
    writeProcess(root, { pid: 7, exe: '/usr/bin/app', args: ['app', '--token', 'abc'] });
    const doc = await collectTelemetry({ root, runId: 'r', instanceId: 'i', durationSeconds: 0 });
    expect(doc.samples).toHaveLength(1);
    expect(doc.runtime!.sampling.samples).toBe(1);
    expect(doc.runtime!.processes[0]!.args).toEqual(['app', '--token', '***']);
    expect(() => parseTelemetryJson(JSON.stringify(doc))).not.toThrow();
    const none = await collectTelemetry({ root: makeRoot(), runId: 'r', instanceId: 'i' });
    expect(none.runtime!.proc).toMatchObject({ status: 'missing', reason: 'not-found' });
    expect(() => parseTelemetry(none)).not.toThrow();
  });

  it('documents without a runtime section still validate; the schema enforces the caps and the indexes', async () => {
    const doc = await collectTelemetry({ root: rootWithBinary(), runId: 'r', instanceId: 'i' });
    const { runtime, ...without } = doc;
    expect(() => parseTelemetry(without)).not.toThrow();
    const rt = runtime!;
    const proc = {
      pid: 1,
      startTime: 1,
      ppid: 0,
      uid: 0,
      euid: 0,
      comm: 'x',
      args: [],
      maps: [],
      firstSeen: rt.sampling.firstAt!,
      lastSeen: rt.sampling.firstAt!,
      samples: 1,
    };
    const bad: Array<[string, Telemetry['runtime']]> = [
      ['too many processes', { ...rt, processes: Array(RUNTIME_LIMITS.maxProcesses + 1).fill(proc) }],
      [
        'too many args',
        { ...rt, processes: [{ ...proc, args: Array(RUNTIME_LIMITS.maxArgs + 1).fill('a') }] },
      ],
      ['dangling exe index', { ...rt, processes: [{ ...proc, exeObject: 5 }] }],
      [
        'dangling listener process',
        {
          ...rt,
          listeners: [
            {
              protocol: 'tcp',
              address: '::',
              port: 1,
              processes: [3],
              accepted: 0,
              firstSeen: proc.firstSeen,
              lastSeen: proc.lastSeen,
              samples: 1,
            },
          ],
        },
      ],
      [
        'port out of range',
        {
          ...rt,
          connections: [
            {
              protocol: 'tcp',
              remoteAddress: 'x',
              remotePort: 70000,
              connections: 1,
              firstSeen: proc.firstSeen,
              lastSeen: proc.lastSeen,
              samples: 1,
            },
          ],
        },
      ],
    ];
    for (const [name, value] of bad) expect(() => parseTelemetry({ ...doc, runtime: value }), name).toThrow();
    expect(LIMITS.maxDocumentBytes).toBeGreaterThan(30 * 1024 * 1024);
  });
});

describe('scripts, directories and package owners (finish)', () => {
  /**
   * An executable in a directory owned by uid 1000, under a sticky world-writable directory, under a
   * world-writable one; a script reached through a link (/srv → opt/ww); a script named relative to the
   * process's working directory; a module, inline code, a missing script and a non-interpreter (none
   * recorded); a script behind an option the masking takes for a secret (recorded); dpkg owning
   * /usr/bin/app.
   */
  function scriptedRoot(): string {
    const root = rootWithBinary();
    for (const [d, mode] of [
      ['opt', 0o755],
      ['opt/ww', 0o777],
      ['opt/ww/sticky', 0o1777],
      ['opt/ww/sticky/u1000', 0o755],
    ] as const) {
      mkdirSync(path.join(root, d), { recursive: true });
      chmodSync(path.join(root, d), mode);
    }
    chownSync(path.join(root, 'opt/ww/sticky/u1000'), 1000, 1000);
    copyFileSync('/usr/bin/true', path.join(root, 'opt/ww/sticky/u1000/agent'));
    writeFileSync(path.join(root, 'opt/ww/job.sh'), '#!/bin/sh\nsleep 1000\n');
    writeFileSync(path.join(root, 'opt/ww/sticky/tool.py'), 'import time\ntime.sleep(1000)\n');
    symlinkSync('opt/ww', path.join(root, 'srv'));
    mkdirSync(path.join(root, 'var/lib/dpkg/info'), { recursive: true });
    writeFileSync(path.join(root, 'var/lib/dpkg/info/coreutils.list'), '/.\n/usr\n/usr/bin\n/usr/bin/app\n');
    writeFileSync(
      path.join(root, 'var/lib/dpkg/status'),
      'Package: coreutils\nStatus: install ok installed\nArchitecture: amd64\nVersion: 9.1-1\n\n',
    );
    writeProcess(root, { pid: 1, exe: '/opt/ww/sticky/u1000/agent', args: ['agent'] });
    writeProcess(root, { pid: 2, exe: '/usr/bin/bash', args: ['/bin/bash', '/srv/job.sh'] });
    const py = '/usr/bin/python3.11';
    writeProcess(root, { pid: 3, exe: py, cwd: '/opt/ww/sticky', args: ['python3', '-u', 'tool.py', 'x'] });
    writeProcess(root, { pid: 4, exe: py, cwd: '/opt/ww/sticky', args: ['python3', '-m', 'tool.py'] });
    writeProcess(root, { pid: 5, exe: py, cwd: '/opt/ww/sticky', args: ['python3', 'missing.py'] });
    writeProcess(root, { pid: 6, exe: '/usr/bin/bash', args: ['bash', '-c', 'exec /srv/job.sh'] });
    writeProcess(root, { pid: 7, exe: '/usr/bin/app', cwd: '/opt/ww', args: ['app', 'job.sh'] });
    // bash -p (privileged mode) before the script: the masking takes -p for a password flag and hides
    // job.sh in the arguments, but bash's own parsing says it is the script, and it is recorded.
    writeProcess(root, { pid: 8, exe: '/usr/bin/bash', cwd: '/opt/ww', args: ['bash', '-p', 'job.sh'] });
    return root;
  }

  it('records the script of interpreter processes, the directory chain above each object, and owners', async () => {
    const root = scriptedRoot();
    const s = new RuntimeSampler(new RootFs(root), 1);
    await s.sample();
    await s.readPendingElf();
    const done = await s.finish();
    const r = s.result();
    const proc = (pid: number) => r.processes.find((p) => p.pid === pid)!;
    const obj = (i: number | undefined) => r.objects[i!]!;

    // The name as given; the object under the path the kernel runs (the link /srv → opt/ww followed).
    expect(proc(2).script).toBe('/srv/job.sh');
    expect(obj(proc(2).scriptObject)).toMatchObject({
      path: '/opt/ww/job.sh',
      elf: { ok: false, reason: 'not-elf' },
    });
    expect(obj(proc(2).scriptObject).stat!.mode & 0o170000).toBe(0o100000);
    expect(proc(3).script).toBe('/opt/ww/sticky/tool.py');
    expect(obj(proc(3).scriptObject).path).toBe('/opt/ww/sticky/tool.py');
    expect(proc(8).args).toEqual(['bash', '-p', '***']);
    expect(proc(8).script).toBe('/opt/ww/job.sh');
    expect(obj(proc(8).scriptObject).path).toBe('/opt/ww/job.sh');
    for (const pid of [1, 4, 5, 6, 7]) {
      expect(proc(pid).script, `pid ${pid}`).toBeUndefined();
      expect(proc(pid).scriptObject, `pid ${pid}`).toBeUndefined();
    }

    const dirs = new Map(r.directories!.map((d) => [d.path, d]));
    const perms = (p: string) => {
      const d = dirs.get(p);
      return d && [(d.mode & 0o7777).toString(8), d.uid, d.gid];
    };
    expect(perms('/opt')).toEqual(['755', 0, 0]);
    expect(perms('/opt/ww')).toEqual(['777', 0, 0]);
    expect(perms('/opt/ww/sticky')).toEqual(['1777', 0, 0]);
    expect(perms('/opt/ww/sticky/u1000')).toEqual(['755', 1000, 1000]);
    // The link is recorded as the directory it resolves to; the chain of the directory itself too.
    expect(perms('/srv')).toEqual(['777', 0, 0]);
    expect(dirs.get('/srv')!.mode & 0o170000).toBe(0o040000);
    expect(dirs.has('/usr/bin')).toBe(true);
    expect(r.directories![0]!.path).toBe('/');
    // Each directory once; every chain from / down (a parent before its child).
    expect(dirs.size).toBe(r.directories!.length);
    const order = r.directories!.map((d) => d.path);
    for (const d of order)
      if (d !== '/') expect(order.indexOf(path.posix.dirname(d))).toBeLessThan(order.indexOf(d));
    expect(r.dropped.directories).toBe(0);

    expect(r.packageOwners).toEqual({ status: 'ok', managers: ['dpkg'] });
    const app = r.objects.find((o) => o.path === '/usr/bin/app')!;
    expect(app.package).toEqual({ manager: 'dpkg', name: 'coreutils', version: '9.1-1' });
    expect(r.objects.filter((o) => o.package)).toHaveLength(1);
    expect(done.warnings).toEqual([]);
    expect(done.ownerBytesRead).toBeGreaterThan(0);
    await validates(s);
    // The collector runs finish() too: the document carries the new fields and validates.
    const doc = await collectTelemetry({ root, runId: 'r', instanceId: 'i' });
    const parsed = parseTelemetryJson(JSON.stringify(doc));
    expect(parsed.runtime!.packageOwners).toEqual({ status: 'ok', managers: ['dpkg'] });
    expect(parsed.runtime!.processes.find((p) => p.pid === 3)!.script).toBe('/opt/ww/sticky/tool.py');
  });

  it("at the directory cap, root processes' directories come first, however many other users' files came before", async () => {
    const root = rootWithBinary();
    // uid 1000 runs programs from deep directories, seen a sample before root's program starts.
    for (let i = 0; i < 3; i++) {
      const d = `home/u/a${i}/b/c/d`;
      mkdirSync(path.join(root, d), { recursive: true });
      copyFileSync('/usr/bin/true', path.join(root, d, 'p'));
      writeProcess(root, { pid: 10 + i, uid: 1000, exe: `/${d}/p`, args: ['p'] });
    }
    const s = new RuntimeSampler(new RootFs(root), 1, { maxDirectories: 4 });
    await s.sample();
    mkdirSync(path.join(root, 'opt/svc/bin'), { recursive: true });
    copyFileSync('/usr/bin/true', path.join(root, 'opt/svc/bin/daemon'));
    writeProcess(root, { pid: 50, exe: '/opt/svc/bin/daemon', args: ['daemon'] });
    await s.sample();
    await s.readPendingElf();
    await s.finish();
    const r = s.result();
    expect(r.directories!.map((d) => d.path)).toEqual(['/', '/opt', '/opt/svc', '/opt/svc/bin']);
    expect(r.dropped.directories).toBeGreaterThan(0);
  });

  it('directories stop at the cap and count the rest; an exec into a non-interpreter drops the script', async () => {
    const root = scriptedRoot();
    const s = new RuntimeSampler(new RootFs(root), 1, { maxDirectories: 3 });
    await s.sample();
    writeProcess(root, { pid: 2, exe: '/usr/bin/app', args: ['app', '/srv/job.sh'] });
    await s.sample();
    await s.readPendingElf();
    await s.finish();
    const r = s.result();
    expect(r.directories).toHaveLength(3);
    expect(r.dropped.directories).toBeGreaterThan(0);
    expect(r.truncated).toBe(true);
    expect(r.processes.find((p) => p.pid === 2)!.script).toBeUndefined();
    await validates(s);
  });
});
