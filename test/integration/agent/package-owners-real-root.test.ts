/**
 * Package owners, scripts and directories on this machine's real root (Debian 12, merged /usr: /lib links
 * to usr/lib, and dpkg lists /lib/x86_64-linux-gnu/libc.so.6 where /proc/PID/maps shows
 * /usr/lib/x86_64-linux-gnu/libc.so.6). The oracle is dpkg itself: `dpkg-query -S` (tried under both names)
 * and `dpkg-query -W` for the version. A binary copied to a temp directory and run there must be owned by
 * nothing, and a shell script run by a relative path must be recorded as the shell's script.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usrAlias } from '../../../agent/package-owners';
import { RootFs } from '../../../agent/root-fs';
import { RuntimeSampler } from '../../../agent/runtime';
import type { RuntimeTelemetry } from '../../../functions/core/telemetry/schema';

const children: ChildProcess[] = [];
let dir: string;
let rt: RuntimeTelemetry;
let finished: Awaited<ReturnType<RuntimeSampler['finish']>>;
const pids = { binary: 0, script: 0 };

/** dpkg's own answer: the package (without architecture) that owns `p` under either merged-/usr name. */
function dpkgOwner(p: string): { name: string; version: string } | undefined {
  const merged = new Set(['bin', 'sbin', 'lib', 'lib64']);
  for (const name of [p, usrAlias(p, merged)]) {
    if (!name) continue;
    try {
      const out = execFileSync('dpkg-query', ['-S', name], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      // "libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6"
      const pkg = out.split('\n')[0]!.split(': ')[0]!.split(', ')[0]!;
      const version = execFileSync('dpkg-query', ['-W', '-f', '$' + '{Version}', pkg], { encoding: 'utf8' });
      return { name: pkg.split(':')[0]!, version };
    } catch {}
  }
  return undefined;
}

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'inspector-owners-')));
  const binary = path.join(dir, 'my-sleeper');
  copyFileSync('/usr/bin/sleep', binary);
  chmodSync(binary, 0o755);
  writeFileSync(path.join(dir, 'job.sh'), '#!/bin/sh\nwhile :; do sleep 300; done\n');
  const a = spawn(binary, ['300'], { stdio: 'ignore' });
  // `sh job.sh` in dir: the script is named relative to the shell's working directory (the loop keeps the
  // shell itself running: a last `exec` would turn it into sleep).
  const b = spawn('/bin/sh', ['job.sh'], { cwd: dir, stdio: 'ignore' });
  children.push(a, b);
  pids.binary = a.pid!;
  pids.script = b.pid!;
  await new Promise((r) => setTimeout(r, 300));
  const s = new RuntimeSampler(new RootFs('/'), 1);
  await s.sample();
  await s.readPendingElf();
  finished = await s.finish();
  rt = s.result();
});

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('package owners on the real root (Debian 12, merged /usr)', () => {
  it('dpkg was consulted, once, with figures to show for it', () => {
    expect(rt.packageOwners).toEqual({ status: 'ok', managers: ['dpkg'] });
    expect(finished.ownerBytesRead).toBeGreaterThan(0);
    expect(finished.rpmInvocations).toBe(0);
    console.log(
      `owners: ${rt.objects.filter((o) => o.package).length}/${rt.objects.length} objects owned, ${finished.ownerBytesRead} bytes read in ${finished.ownerMs.toFixed(1)} ms`,
    );
  });

  it("this node process's libc.so.6 and libstdc++.so.6 belong to the packages and versions dpkg reports", () => {
    const me = rt.processes.find((p) => p.pid === process.pid)!;
    expect(me).toBeDefined();
    const mapped = me.maps.map((i) => rt.objects[i]!);
    for (const lib of ['libc.so.6', 'libstdc++.so.6']) {
      // maps names the file itself: libstdc++.so.6.0.30, not the soname link.
      const o = mapped.find((m) => path.posix.basename(m.path).startsWith(lib));
      expect(o, lib).toBeDefined();
      const oracle = dpkgOwner(o!.path);
      expect(oracle, `dpkg-query -S ${o!.path}`).toBeDefined();
      expect(o!.package).toEqual({ manager: 'dpkg', ...oracle });
    }
    expect(mapped.find((m) => path.posix.basename(m.path) === 'libc.so.6')!.package!.name).toBe('libc6');
  });

  it('every object owned per the agent is owned by the same package per dpkg-query (and vice versa)', () => {
    // Objects under /usr, /lib, /bin; not the temp copies.
    const system = rt.objects.filter((o) => /^\/(?:usr|lib|lib64|bin|sbin)\//.test(o.path) && o.stat);
    expect(system.length).toBeGreaterThan(3);
    for (const o of system) {
      const oracle = dpkgOwner(o.path);
      expect(o.package, o.path).toEqual(oracle ? { manager: 'dpkg', ...oracle } : undefined);
    }
  });

  it('a binary copied to a temp directory and run from there is owned by nothing', () => {
    const p = rt.processes.find((x) => x.pid === pids.binary)!;
    const exe = rt.objects[p.exeObject!]!;
    expect(exe.path).toBe(path.join(dir, 'my-sleeper'));
    expect(exe.package).toBeUndefined();
    expect(exe.elf.ok).toBe(true);
  });

  it('the shell running job.sh by a relative path names it as its script; its directory chain is recorded', () => {
    const p = rt.processes.find((x) => x.pid === pids.script)!;
    expect(p.script).toBe(path.join(dir, 'job.sh'));
    const script = rt.objects[p.scriptObject!]!;
    expect(script).toMatchObject({ path: path.join(dir, 'job.sh'), elf: { ok: false, reason: 'not-elf' } });
    expect(script.package).toBeUndefined();
    const dirs = new Map(rt.directories!.map((d) => [d.path, d]));
    // /tmp is sticky and world-writable; the temp directory is root's, 0700 (mkdtemp).
    expect((dirs.get('/tmp')!.mode & 0o7777).toString(8)).toBe('1777');
    expect(dirs.get(dir)).toMatchObject({ uid: 0 });
    expect(dirs.get(dir)!.mode & 0o777).toBe(0o700);
    // The merged-/usr link and the directories libc really lives in.
    expect(dirs.has('/usr/lib/x86_64-linux-gnu')).toBe(true);
    expect(dirs.get('/')).toMatchObject({ uid: 0 });
  });
});
