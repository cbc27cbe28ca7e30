/**
 * The runtime behaviour package end to end on real processes, as a user runs it: `inspector assess
 * --rules-packages runtime-behavior-analysis --duration 4` (the real bin) inside a network namespace this
 * test creates (`ip netns`), so the well-known ports are free and the sockets the agent sees are only
 * these:
 *   - a real FTP server (vsftpd, Debian's package) on 21, and a client (busybox telnet) connected to it;
 *   - a server on the telnet port 23, and a client (busybox telnet) connected to it;
 *   - a TCP server on 8081 nobody connects to, and one on 8082 a client connects to;
 *   - as root: a copy of sleep made writable by others, and a shell script in a directory others can write;
 *   - a program built here with `gcc -z execstack -fno-stack-protector`, and a hardened twin.
 * Each rule's verdict and evidence is checked against the pids, ports and paths the test made, and the
 * instance's listening inventory against dpkg's own answer for vsftpd.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evidence, InstanceSummary } from '../../../functions/core/model';

const run = promisify(execFile);
const BIN = path.resolve(__dirname, '../../../functions/cli/bin.mjs');
const NS = `rba${process.pid}`;
const children: ChildProcess[] = [];
/** dpkg's own version string for an installed package (`${Version}` is dpkg-query's format field). */
const DPKG_VERSION_FORMAT = ['$', '{Version}'].join('');
const dpkgVersion = (pkg: string) =>
  execFileSync('dpkg-query', ['-W', '-f', DPKG_VERSION_FORMAT, pkg]).toString();
let dir: string;
let dataDir: string;

interface Result {
  ruleId: string;
  result: string;
  severity: string;
  message: string;
  evidence: Evidence[];
}
interface Output {
  instances: InstanceSummary[];
  results: Result[];
  findings: Array<{ ruleId: string; severity: string; recommendation: string; evidence: Evidence[] }>;
  exclusions: unknown[];
}
let out: Output;
const pids: Record<string, number> = {};

/** Run a program inside the namespace (ip netns exec execs it: the pid is the program's). */
function startInNs(name: string, argv: string[], stdin: 'pipe' | 'ignore' = 'ignore'): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', NS, ...argv], { stdio: [stdin, 'ignore', 'inherit'] });
  children.push(child);
  pids[name] = child.pid!;
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited early (${code ?? signal})`);
  });
  return child;
}
let stopping = false;

const nodeServer = (port: number, banner = '') =>
  `require('net').createServer((c) => { c.write(${JSON.stringify(banner)}); }).listen(${port}, '0.0.0.0'); setInterval(() => {}, 1e9);`;
const nodeClient = (port: number) =>
  `const c = require('net').connect(${port}, '127.0.0.1'); c.on('error', (e) => { console.error(e); process.exit(3); }); setInterval(() => {}, 1e9);`;

/** Lines of the namespace's /proc/net/tcp: [local port, remote port, state]. */
async function tcpTable(): Promise<Array<[number, number, string]>> {
  const { stdout } = await run('ip', ['netns', 'exec', NS, 'cat', '/proc/net/tcp']);
  return stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const f = l.trim().split(/\s+/);
      return [Number.parseInt(f[1]!.split(':')[1]!, 16), Number.parseInt(f[2]!.split(':')[1]!, 16), f[3]!];
    });
}

async function waitFor(what: string, ok: (t: Array<[number, number, string]>) => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (ok(await tcpTable())) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await tcpTable())}`);
}
const listening = (port: number) => (t: Array<[number, number, string]>) =>
  t.some(([l, , st]) => l === port && st === '0A');
const connectedTo = (port: number) => (t: Array<[number, number, string]>) =>
  t.some(([, r, st]) => r === port && st === '01');

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'inspector-rba-'));
  dataDir = path.join(dir, 'data');
  execFileSync('ip', ['netns', 'add', NS]);
  execFileSync('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);

  // A real FTP server: vsftpd standalone, anonymous only, no upload.
  mkdirSync(path.join(dir, 'ftp-root'));
  mkdirSync('/var/run/vsftpd/empty', { recursive: true });
  writeFileSync(
    path.join(dir, 'vsftpd.conf'),
    [
      'listen=YES',
      'listen_ipv6=NO',
      'background=NO',
      'anonymous_enable=YES',
      `anon_root=${path.join(dir, 'ftp-root')}`,
      'no_anon_password=YES',
      'local_enable=NO',
      'write_enable=NO',
      'secure_chroot_dir=/var/run/vsftpd/empty',
      'seccomp_sandbox=NO',
      'idle_session_timeout=600',
      '',
    ].join('\n'),
  );
  startInNs('vsftpd', ['/usr/sbin/vsftpd', path.join(dir, 'vsftpd.conf')]);
  startInNs('telnetServer', [process.execPath, '-e', nodeServer(23, 'login: ')]);
  startInNs('unused', [process.execPath, '-e', nodeServer(8081)]);
  startInNs('used', [process.execPath, '-e', nodeServer(8082)]);
  await Promise.all([21, 23, 8081, 8082].map((p) => waitFor(`a listener on ${p}`, listening(p))));
  // Clients: busybox telnet holds its connection while its stdin (a pipe the test never writes) is open.
  startInNs('telnetClient', ['busybox', 'telnet', '127.0.0.1', '23'], 'pipe');
  startInNs('ftpClient', ['busybox', 'telnet', '127.0.0.1', '21'], 'pipe');
  startInNs('usedClient', [process.execPath, '-e', nodeClient(8082)]);
  await Promise.all([21, 23, 8082].map((p) => waitFor(`a client of ${p}`, connectedTo(p))));

  // Root processes whose files others can change.
  mkdirSync(path.join(dir, 'wbin'));
  copyFileSync('/usr/bin/sleep', path.join(dir, 'wbin', 'sleep'));
  chmodSync(path.join(dir, 'wbin', 'sleep'), 0o757);
  startInNs('writableBinary', [path.join(dir, 'wbin', 'sleep'), '600']);
  mkdirSync(path.join(dir, 'wdir'));
  chmodSync(path.join(dir, 'wdir'), 0o777);
  writeFileSync(path.join(dir, 'wdir', 'loop.sh'), 'while :; do sleep 1; done\n', { mode: 0o755 });
  startInNs('script', ['/bin/sh', path.join(dir, 'wdir', 'loop.sh')]);

  // Unhardened and hardened builds of one program.
  writeFileSync(
    path.join(dir, 'spin.c'),
    '#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\n' +
      '__attribute__((noinline)) static void greet(const char *s){char buf[64];strncpy(buf,s,sizeof buf-1);buf[63]=0;puts(buf);fflush(stdout);}\n' +
      'int main(int c,char**v){greet(c>1?v[1]:"ready");for(;;)pause();}\n',
  );
  execFileSync('gcc', [
    '-O1',
    '-z',
    'execstack',
    '-fno-stack-protector',
    '-o',
    path.join(dir, 'unhardened'),
    path.join(dir, 'spin.c'),
  ]);
  execFileSync('gcc', [
    '-O1',
    '-fstack-protector-all',
    '-o',
    path.join(dir, 'hardened'),
    path.join(dir, 'spin.c'),
  ]);
  startInNs('unhardened', [path.join(dir, 'unhardened')]);
  startInNs('hardened', [path.join(dir, 'hardened')]);
  await new Promise((r) => setTimeout(r, 300));

  const { stdout } = await run(
    'ip',
    [
      'netns',
      'exec',
      NS,
      process.execPath,
      BIN,
      'assess',
      '--rules-packages',
      'runtime-behavior-analysis',
      '--duration',
      '4',
      '--rule-parameter',
      'rba.unused-listening-tcp-ports:minDurationSeconds=2',
      '--format',
      'json',
      '--full-report',
      '--report',
      path.join(dir, 'report.html'),
      '--data-dir',
      dataDir,
    ],
    { maxBuffer: 256 * 1024 * 1024, env: { ...process.env, INSPECTOR_DATA_DIR: '' } },
  );
  out = JSON.parse(stdout) as Output;
}, 120_000);

afterAll(() => {
  stopping = true;
  for (const c of children) c.kill('SIGKILL');
  try {
    execFileSync('ip', ['netns', 'del', NS]);
  } catch {
    // Already gone.
  }
  rmSync(dir, { recursive: true, force: true });
});

const result = (ruleId: string) => {
  const r = out.results.find((x) => x.ruleId === ruleId);
  expect(r, ruleId).toBeDefined();
  return r!;
};
/** Evidence entries of a result that mention `needle` in any field. */
const mentioning = (r: Result, needle: string | number) =>
  r.evidence.filter((e) => JSON.stringify(e).includes(String(needle)));

describe('inspector assess --rules-packages runtime-behavior-analysis on real processes', () => {
  it('ran the seven rules, with Classic severities', () => {
    const severities = Object.fromEntries(
      out.results.filter((r) => r.ruleId.startsWith('rba.')).map((r) => [r.ruleId, r.severity]),
    );
    expect(severities).toEqual({
      'rba.insecure-client-protocols-login': 'Medium',
      'rba.insecure-client-protocols-general': 'Low',
      'rba.unused-listening-tcp-ports': 'Informational',
      'rba.insecure-server-protocols': 'Informational',
      'rba.software-without-dep': 'Medium',
      'rba.software-without-stack-cookies': 'Medium',
      'rba.root-process-insecure-permissions': 'High',
    });
    expect(out.exclusions).toEqual([]);
  });

  it('finds the telnet client (login) and the FTP client (general)', () => {
    const login = result('rba.insecure-client-protocols-login');
    expect(login.result).toBe('FAIL');
    expect(mentioning(login, pids.telnetClient!)).not.toHaveLength(0);
    expect(JSON.stringify(login.evidence)).toContain('127.0.0.1:23');
    expect(mentioning(login, pids.ftpClient!)).toHaveLength(0);
    const general = result('rba.insecure-client-protocols-general');
    expect(general.result).toBe('FAIL');
    expect(mentioning(general, pids.ftpClient!)).not.toHaveLength(0);
    expect(JSON.stringify(general.evidence)).toContain('127.0.0.1:21');
    expect(mentioning(general, pids.telnetClient!)).toHaveLength(0);
  });

  it('finds the FTP and telnet servers', () => {
    const servers = result('rba.insecure-server-protocols');
    expect(servers.result).toBe('FAIL');
    expect(mentioning(servers, pids.vsftpd!)).not.toHaveLength(0);
    expect(mentioning(servers, pids.telnetServer!)).not.toHaveLength(0);
    expect(mentioning(servers, 'vsftpd')).not.toHaveLength(0);
    expect(mentioning(servers, pids.unused!)).toHaveLength(0);
  });

  it('finds the listener nobody connected to, and only it', () => {
    const unused = result('rba.unused-listening-tcp-ports');
    expect(unused.result).toBe('FAIL');
    expect(mentioning(unused, pids.unused!)).not.toHaveLength(0);
    for (const busy of ['used', 'vsftpd', 'telnetServer'])
      expect(mentioning(unused, pids[busy]!), busy).toHaveLength(0);
    expect(JSON.stringify(unused.evidence)).toContain('8081');
    expect(JSON.stringify(unused.evidence)).not.toContain('8082');
  });

  it('finds the program built with an executable stack and without stack cookies, not its hardened twin', () => {
    const unhardened = path.join(dir, 'unhardened');
    const hardened = path.join(dir, 'hardened');
    // The premise, as checksec judges the two builds.
    const checksec = (file: string) =>
      execFileSync('checksec', [`--file=${file}`, '--output=csv'])
        .toString()
        .trim()
        .split(',');
    expect(checksec(unhardened).slice(1, 3)).toEqual(['No Canary found', 'NX disabled']);
    expect(checksec(hardened).slice(1, 3)).toEqual(['Canary found', 'NX enabled']);
    for (const ruleId of ['rba.software-without-dep', 'rba.software-without-stack-cookies']) {
      const r = result(ruleId);
      expect(r.result, ruleId).toBe('FAIL');
      expect(mentioning(r, unhardened), ruleId).not.toHaveLength(0);
      expect(mentioning(r, hardened), `${ruleId}: ${JSON.stringify(mentioning(r, hardened))}`).toHaveLength(
        0,
      );
    }
  });

  it('finds the root processes whose binary or script others can change', () => {
    const r = result('rba.root-process-insecure-permissions');
    expect(r.result).toBe('FAIL');
    expect(r.severity).toBe('High');
    expect(mentioning(r, path.join(dir, 'wbin', 'sleep'))).not.toHaveLength(0);
    expect(mentioning(r, pids.writableBinary!)).not.toHaveLength(0);
    expect(mentioning(r, path.join(dir, 'wdir'))).not.toHaveLength(0);
    expect(mentioning(r, pids.script!)).not.toHaveLength(0);
    // The hardened program is root's too, but nobody else can change it or its directory.
    expect(mentioning(r, pids.hardened!)).toHaveLength(0);
  });

  it("records what listened, who held it and the packages it runs (dpkg's own answer for vsftpd)", () => {
    const inventory = out.instances[0]!.listeners!;
    expect(inventory.services.map((s) => `${s.protocol}/${s.port}`).sort()).toEqual(
      ['tcp/21', 'tcp/23', 'tcp/8081', 'tcp/8082'].sort(),
    );
    const ftp = inventory.services.find((s) => s.port === 21)!;
    const version = dpkgVersion('vsftpd');
    expect(ftp.processes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          pid: pids.vsftpd,
          comm: 'vsftpd',
          uid: 0,
          exe: '/usr/sbin/vsftpd',
          package: `vsftpd ${version}`,
        }),
      ]),
    );
    const libc = dpkgVersion('libc6');
    expect(ftp.libraryPackages).toContain(`libc6 ${libc}`);
    expect(ftp.accepted).toBeGreaterThanOrEqual(1);
    expect(inventory.services.find((s) => s.port === 8081)!.accepted).toBe(0);
    // And the full report shows it.
    const report = readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(report).toContain('Listening during the run');
    expect(report).toContain(`vsftpd ${version}`);
    expect(report).toContain('data-port="8081"');
  });
});
