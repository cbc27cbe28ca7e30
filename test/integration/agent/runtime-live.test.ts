/**
 * The runtime sampling on this machine's real /proc, with real processes: a TCP listener that a client
 * connects to, a listener nobody connects to (both child node processes), the client, and a program built
 * here with `gcc -z execstack`. The real agent (collectTelemetry on `/`, 1.5 s window, 0.25 s interval) must
 * show each listener with its pid, executable and port, one accepted connection on the first and none on the
 * second, the client's outbound connection, and the ELF facts of the execstack binary.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import {
  parseTelemetryJson,
  type RuntimeTelemetry,
  type Telemetry,
} from '../../../functions/core/telemetry/schema';

const children: ChildProcess[] = [];
let dir: string;
let doc: Telemetry;
let rt: RuntimeTelemetry;
const ids: Record<'used' | 'unused' | 'client' | 'execstack', number> = {
  used: 0,
  unused: 0,
  client: 0,
  execstack: 0,
};
const ports = { used: 0, unused: 0, clientLocal: 0 };

/** Start a child and resolve with the first line it prints (its port), once it is ready. */
function start(cmd: string, args: string[]): Promise<{ pid: number; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ pid: child.pid!, line: out.slice(0, nl) });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${cmd} exited early (${code})`)));
  });
}

const SERVER = `const s = require('net').createServer(() => {}); s.listen(0, '127.0.0.1', () => console.log(s.address().port)); setInterval(() => {}, 1e9);`;
const CLIENT = `const c = require('net').connect(Number(process.argv[1]), '127.0.0.1', () => console.log(c.localPort)); c.on('error', (e) => { console.error(e); process.exit(3); }); setInterval(() => {}, 1e9);`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'inspector-rt-'));
  writeFileSync(
    path.join(dir, 'spin.c'),
    '#include <stdio.h>\n#include <unistd.h>\nint main(void){puts("ready");fflush(stdout);for(;;)pause();}\n',
  );
  execFileSync('gcc', [
    '-O1',
    '-z',
    'execstack',
    '-o',
    path.join(dir, 'execstack-spin'),
    path.join(dir, 'spin.c'),
  ]);
  const [used, unused, spin] = await Promise.all([
    start(process.execPath, ['-e', SERVER]),
    start(process.execPath, ['-e', SERVER]),
    start(path.join(dir, 'execstack-spin'), []),
  ]);
  ids.used = used.pid;
  ids.unused = unused.pid;
  ids.execstack = spin.pid;
  ports.used = Number(used.line);
  ports.unused = Number(unused.line);
  const client = await start(process.execPath, ['-e', CLIENT, String(ports.used)]);
  ids.client = client.pid;
  ports.clientLocal = Number(client.line);
  const t0 = Date.now();
  doc = await collectTelemetry({
    root: '/',
    runId: 'run-rt',
    instanceId: 'i-rt',
    durationSeconds: 1.5,
    sampleIntervalSeconds: 0.25,
  });
  console.log(
    `runtime sampling on / took ${Date.now() - t0} ms: ${doc.runtime!.processes.length} processes, ${doc.runtime!.objects.length} objects, ${JSON.stringify(doc.runtime).length} bytes`,
  );
  rt = doc.runtime!;
}, 60_000);

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const processOf = (pid: number) => rt.processes.find((p) => p.pid === pid);

describe('runtime sampling of real processes', () => {
  it('validates, and sampled at the start, every interval and the end', () => {
    expect(() => parseTelemetryJson(JSON.stringify(doc))).not.toThrow();
    expect(rt.proc).toEqual({ status: 'ok' });
    expect(rt.sampling.samples).toBeGreaterThanOrEqual(2);
    expect(doc.samples).toHaveLength(rt.sampling.samples);
    expect(Date.parse(rt.sampling.lastAt!) - Date.parse(rt.sampling.firstAt!)).toBeGreaterThanOrEqual(1400);
  });

  it('shows each listener with its process, executable and port; accepted connections on the used one only', () => {
    const node = realpathSync(process.execPath);
    for (const [which, port, accepted] of [
      ['used', ports.used, 1],
      ['unused', ports.unused, 0],
    ] as const) {
      const l = rt.listeners.find((x) => x.protocol === 'tcp' && x.port === port);
      expect(l, which).toMatchObject({ address: '127.0.0.1', accepted });
      const owners = l!.processes.map((i) => rt.processes[i]!);
      expect(owners.map((p) => p.pid)).toEqual([ids[which]]);
      expect(owners[0]!.exe).toBe(node);
      expect(rt.objects[owners[0]!.exeObject!]).toMatchObject({ path: node, elf: { ok: true } });
      // Item 4: the mapped libraries through the process record.
      expect(owners[0]!.maps.map((m) => rt.objects[m]!.path)).toEqual(
        expect.arrayContaining([expect.stringMatching(/\/libc\.so\.6$/)]),
      );
      expect(owners[0]!.args).toEqual([expect.any(String), '-e', SERVER]);
    }
  });

  it("records the client's outbound connection once", () => {
    const c = rt.connections.filter((x) => x.remotePort === ports.used && x.remoteAddress === '127.0.0.1');
    expect(c).toHaveLength(1);
    expect(rt.processes[c[0]!.process!]!.pid).toBe(ids.client);
    expect(c[0]).toMatchObject({ protocol: 'tcp', connections: 1 });
    expect(c[0]!.samples).toBe(rt.sampling.samples);
    // The client's own ephemeral port is no listener.
    expect(rt.listeners.some((l) => l.port === ports.clientLocal)).toBe(false);
  });

  it('has the ELF facts of the execstack program', () => {
    const p = processOf(ids.execstack)!;
    expect(p).toMatchObject({
      comm: 'execstack-spin',
      uid: process.getuid!(),
      exe: realpathSync(path.join(dir, 'execstack-spin')),
    });
    const obj = rt.objects[p.exeObject!]!;
    expect(obj.stat).toMatchObject({ uid: process.getuid!(), mode: expect.any(Number) });
    expect(obj.elf).toMatchObject({
      ok: true,
      gnuStack: { present: true, executable: true },
      type: 'ET_DYN',
      interp: true,
    });
    expect(p.samples).toBe(rt.sampling.samples);
  });

  it('skips kernel threads and masks nothing it should not', () => {
    expect(rt.processes.some((p) => p.pid === 2)).toBe(false);
    expect(rt.processes.find((p) => p.pid === process.pid)).toBeDefined();
  });
});
