/**
 * runtime-behavior-analysis on what the real agent records: a fixture root with a fake /proc (a telnet
 * server under inetd-style naming, a telnet client, an unused listener) and real ELF files copied from this
 * machine, collected with collectTelemetry and evaluated with the package, so the rules read the agent's
 * own address formats, indexes and ELF facts.
 */
import { chmodSync, chownSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import { evaluateTelemetry } from '../../../functions/core/evaluate';
import { parseTelemetryJson } from '../../../functions/core/telemetry/schema';
import { runtimeBehaviorAnalysisPackage } from '../../../functions/rules/runtime-behavior-analysis';
import { writeProcess, writeSockets } from '../../helpers/fixture-proc';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';

afterAll(cleanupRoots);

const LISTEN = 0x0a;
const ESTABLISHED = 0x01;

describe('runtime-behavior-analysis on telemetry collected by the agent from a fixture /proc', () => {
  it('finds the telnet client and server, judges the real ELF files and the writable root executable', async () => {
    const root = makeRoot({
      dirs: { '/proc/net': undefined, '/usr/bin': undefined, '/usr/sbin': undefined, '/opt/tool': undefined },
      sysctl: { 'kernel.ostype': 'Linux' },
    });
    copyFileSync('/usr/bin/true', path.join(root, 'usr/sbin/in.telnetd'));
    copyFileSync('/usr/bin/true', path.join(root, 'usr/bin/telnet'));
    mkdirSync(path.join(root, 'opt/tool'), { recursive: true });
    copyFileSync('/usr/bin/true', path.join(root, 'opt/tool/run'));
    chmodSync(path.join(root, 'opt/tool/run'), 0o757);
    writeProcess(root, {
      pid: 100,
      comm: 'in.telnetd',
      exe: '/usr/sbin/in.telnetd',
      args: ['/usr/sbin/in.telnetd'],
      maps: ['/usr/sbin/in.telnetd'],
      sockets: [1001],
    });
    writeProcess(root, {
      pid: 200,
      comm: 'telnet',
      uid: 1000,
      exe: '/usr/bin/telnet',
      args: ['telnet', '192.0.2.10'],
      maps: ['/usr/bin/telnet'],
      sockets: [2001],
    });
    writeProcess(root, {
      pid: 300,
      comm: 'run',
      exe: '/opt/tool/run',
      args: ['/opt/tool/run'],
      maps: ['/opt/tool/run'],
      sockets: [3001],
    });
    writeSockets(root, [
      { protocol: 'tcp6', local: ['::', 23], state: LISTEN, inode: 1001 },
      {
        protocol: 'tcp',
        local: ['10.0.0.5', 40_000],
        remote: ['192.0.2.10', 23],
        state: ESTABLISHED,
        inode: 2001,
      },
      { protocol: 'tcp', local: ['0.0.0.0', 9999], state: LISTEN, inode: 3001 },
    ]);
    const collected = await collectTelemetry({ root, runId: 'run-rba', instanceId: 'i-rba' });
    const telemetry = parseTelemetryJson(JSON.stringify(collected));
    expect(telemetry.runtime?.proc.status).toBe('ok');
    const ev = await evaluateTelemetry(telemetry, [runtimeBehaviorAnalysisPackage], {
      runId: 'run-rba',
      createdAt: '2026-11-30T11:00:00.000Z',
    });
    const by = Object.fromEntries(ev.results.map((r) => [r.ruleId, r]));

    const login = by['rba.insecure-client-protocols-login']!;
    expect(login.result).toBe('FAIL');
    expect(login.evidence[0]).toMatchObject({
      source: 'runtime:/proc/net/tcp',
      key: 'telnet (23/tcp)',
      value: '192.0.2.10:23',
      note: expect.stringMatching(/^telnet pid 200 uid 1000 exe \/usr\/bin\/telnet/),
    });

    const server = by['rba.insecure-server-protocols']!;
    expect(server.result).toBe('FAIL');
    expect(server.evidence[0]).toMatchObject({ key: 'telnet (23/tcp)', value: '[::]:23' });
    expect(server.evidence[0]!.note).toMatch(/in\.telnetd pid 100 uid 0 exe \/usr\/sbin\/in\.telnetd/);

    // One sample: no window to call a port unused.
    expect(by['rba.unused-listening-tcp-ports']!.result).toBe('NOT_APPLICABLE');
    expect(by['rba.insecure-client-protocols-general']!.result).toBe('PASS');
    // Debian's /usr/bin/true is built with a non-executable stack.
    expect(by['rba.software-without-dep']!.result).toBe('PASS');
    expect(by['rba.software-without-dep']!.message).toMatch(/all 3 running executables and libraries judged/);

    const perms = by['rba.root-process-insecure-permissions']!;
    expect(perms.result).toBe('FAIL');
    expect(perms.evidence[0]).toMatchObject({
      source: '/opt/tool/run',
      key: 'executable',
      value: '0757 uid 0 gid 0',
    });
    expect(perms.evidence[0]!.note).toMatch(/writable by others; run or mapped by run pid 300 uid 0/);
    expect(ev.findings.find((f) => f.ruleId === perms.ruleId)?.recommendation).toMatch(
      /^Run: chmod o-w \/opt\/tool\/run\./,
    );
  });

  it('judges the directories that really hold a script run through links, and those of the links', async () => {
    // Root runs two scripts, root-owned 0755, by names that go through links into uid 1000's home:
    // /usr/local/bin/job.sh is a link to /home/bob/job.sh; /srv/app is a link to /home/bob/app. Every
    // directory on the names is root's 0755; /home/bob (uid 1000) lets bob replace both files.
    const root = makeRoot({
      dirs: { '/proc/net': undefined, '/usr/bin': undefined, '/usr/local/bin': undefined, '/srv': undefined },
      sysctl: { 'kernel.ostype': 'Linux' },
    });
    copyFileSync('/usr/bin/bash', path.join(root, 'usr/bin/bash'));
    mkdirSync(path.join(root, 'home/bob/app'), { recursive: true });
    chownSync(path.join(root, 'home/bob'), 1000, 1000);
    chmodSync(path.join(root, 'home/bob'), 0o755);
    for (const f of ['home/bob/job.sh', 'home/bob/app/run.sh']) {
      writeFileSync(path.join(root, f), '#!/bin/sh\nsleep 1000\n');
      chmodSync(path.join(root, f), 0o755);
    }
    symlinkSync('/home/bob/job.sh', path.join(root, 'usr/local/bin/job.sh'));
    symlinkSync('../home/bob/app', path.join(root, 'srv/app'));
    writeProcess(root, { pid: 10, exe: '/usr/bin/bash', args: ['bash', '/usr/local/bin/job.sh'] });
    writeProcess(root, { pid: 11, exe: '/usr/bin/bash', cwd: '/srv/app', args: ['bash', './run.sh'] });
    const collected = await collectTelemetry({ root, runId: 'run-rba', instanceId: 'i-rba' });
    const telemetry = parseTelemetryJson(JSON.stringify(collected));
    const rt = telemetry.runtime!;
    const proc = (pid: number) => rt.processes.find((p) => p.pid === pid)!;
    // The name as given, and the object under the path the kernel runs.
    expect(proc(10).script).toBe('/usr/local/bin/job.sh');
    expect(rt.objects[proc(10).scriptObject!]!.path).toBe('/home/bob/job.sh');
    expect(rt.objects[proc(11).scriptObject!]!.path).toBe('/home/bob/app/run.sh');
    const ev = await evaluateTelemetry(telemetry, [runtimeBehaviorAnalysisPackage], {
      runId: 'run-rba',
      createdAt: '2026-11-30T11:00:00.000Z',
    });
    const perms = ev.results.find((r) => r.ruleId === 'rba.root-process-insecure-permissions')!;
    expect(perms.result).toBe('FAIL');
    const bob = perms.evidence.find((e) => e.source === '/home/bob')!;
    expect(bob).toMatchObject({ key: 'directory', value: '0755 uid 1000 gid 1000' });
    expect(bob.note).toMatch(/lets that user replace \/home\/bob\/app\/run\.sh, \/home\/bob\/job\.sh/);
  });

  it('judges the directories above the name a script was run by, when a link on it leads elsewhere', async () => {
    // /opt/drop is world-writable (no sticky bit) and holds the link /opt/drop/job.sh → /usr/share/job.sh
    // (root's, in root's directories): anyone may point the link elsewhere.
    const root = makeRoot({
      dirs: {
        '/proc/net': undefined,
        '/usr/bin': undefined,
        '/usr/share': undefined,
        '/opt/drop': undefined,
      },
      sysctl: { 'kernel.ostype': 'Linux' },
    });
    copyFileSync('/usr/bin/bash', path.join(root, 'usr/bin/bash'));
    writeFileSync(path.join(root, 'usr/share/job.sh'), '#!/bin/sh\n');
    chmodSync(path.join(root, 'usr/share/job.sh'), 0o755);
    chmodSync(path.join(root, 'opt/drop'), 0o777);
    symlinkSync('/usr/share/job.sh', path.join(root, 'opt/drop/job.sh'));
    writeProcess(root, { pid: 10, exe: '/usr/bin/bash', args: ['bash', '/opt/drop/job.sh'] });
    const telemetry = parseTelemetryJson(
      JSON.stringify(await collectTelemetry({ root, runId: 'run-rba', instanceId: 'i-rba' })),
    );
    const ev = await evaluateTelemetry(telemetry, [runtimeBehaviorAnalysisPackage], {
      runId: 'run-rba',
      createdAt: '2026-11-30T11:00:00.000Z',
    });
    const perms = ev.results.find((r) => r.ruleId === 'rba.root-process-insecure-permissions')!;
    expect(perms.result).toBe('FAIL');
    expect(perms.evidence.find((e) => e.source === '/opt/drop')).toMatchObject({
      key: 'directory',
      value: '0777 uid 0 gid 0',
    });
  });

  it('does not judge a container process on the host file that has its path, and counts it as not judged', async () => {
    // pid 1 and a root daemon in a private mount namespace (systemd's ProtectSystem=) share the host's
    // root directory; a root process in a container has another root, and its /usr/bin/app is its own:
    // the host's /usr/bin/app (world-writable) is another file.
    const root = makeRoot({
      dirs: { '/proc/net': undefined, '/usr/bin': undefined, '/usr/sbin': undefined },
      sysctl: { 'kernel.ostype': 'Linux' },
    });
    const container = makeRoot({ dirs: { '/usr/bin': undefined } });
    copyFileSync('/usr/bin/true', path.join(root, 'usr/sbin/init'));
    copyFileSync('/usr/bin/true', path.join(root, 'usr/sbin/logind'));
    copyFileSync('/usr/bin/true', path.join(root, 'usr/bin/app'));
    chmodSync(path.join(root, 'usr/bin/app'), 0o777);
    writeProcess(root, { pid: 1, exe: '/usr/sbin/init', args: ['/sbin/init'], rootDir: root });
    writeProcess(root, { pid: 300, exe: '/usr/sbin/logind', args: ['logind'], rootDir: root });
    writeProcess(root, {
      pid: 700,
      exe: '/usr/bin/app',
      args: ['/usr/bin/app'],
      maps: ['/usr/bin/app'],
      rootDir: container,
    });
    const telemetry = parseTelemetryJson(
      JSON.stringify(await collectTelemetry({ root, runId: 'run-rba', instanceId: 'i-rba' })),
    );
    const rt = telemetry.runtime!;
    const app = rt.processes.find((p) => p.pid === 700)!;
    expect(app.exe).toBe('/usr/bin/app');
    expect(app.exeObject).toBeUndefined();
    expect(app.maps).toEqual([]);
    expect(rt.objects.map((o) => o.path).sort()).toEqual(['/usr/sbin/init', '/usr/sbin/logind']);
    const ev = await evaluateTelemetry(telemetry, [runtimeBehaviorAnalysisPackage], {
      runId: 'run-rba',
      createdAt: '2026-11-30T11:00:00.000Z',
    });
    const perms = ev.results.find((r) => r.ruleId === 'rba.root-process-insecure-permissions')!;
    expect(perms.result).toBe('PASS');
    expect(perms.evidence).toContainEqual(
      expect.objectContaining({
        key: 'files of root processes not recorded',
        value: '1',
        note: expect.stringMatching(/another root directory/),
      }),
    );
    // The ELF rules do not judge the host's file either, and say a process's files were not recorded.
    for (const id of ['rba.software-without-dep', 'rba.software-without-stack-cookies']) {
      const r = ev.results.find((x) => x.ruleId === id)!;
      expect(r.evidence, id).toContainEqual(
        expect.objectContaining({ key: 'processes whose files were not recorded', value: '1 process' }),
      );
    }
  });
});
