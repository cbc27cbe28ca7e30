/**
 * Writes a fake /proc under a fixture root for the runtime sampler: per process stat, status, cmdline, maps,
 * exe and cwd links, fd links to sockets, and /proc/net/{tcp,tcp6,udp,udp6} lines in the kernel's format
 * (little-endian host). Rewriting a process (same pid, other start time) stands for pid reuse.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface FakeProcess {
  pid: number;
  ppid?: number;
  startTime?: number;
  comm?: string;
  uid?: number;
  euid?: number;
  /** PF_KTHREAD etc. */
  flags?: number;
  args?: string[];
  exe?: string;
  /** Working directory (the cwd link), inside the root. */
  cwd?: string;
  /** Executable mapped paths (written as r-xp mappings). */
  maps?: string[];
  /** Socket inodes held (fd links). */
  sockets?: number[];
  /** Where the root link points (a host path: the kernel follows it, not the sampler); none when undefined. */
  rootDir?: string;
}

export interface FakeSocket {
  protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  local: [string, number];
  remote?: [string, number];
  /** 0x0A listen, 0x01 established, 0x06 time-wait, 0x07 UDP unconnected. */
  state: number;
  inode: number;
}

export function writeProcess(root: string, p: FakeProcess): void {
  const dir = path.join(root, 'proc', String(p.pid));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'fd'), { recursive: true });
  const comm = p.comm ?? `proc${p.pid}`;
  const zeros = Array(12).fill('0').join(' ');
  writeFileSync(
    path.join(dir, 'stat'),
    `${p.pid} (${comm}) S ${p.ppid ?? 1} 0 0 0 -1 ${p.flags ?? 4194304} ${zeros} ${p.startTime ?? 100} 0 0 0\n`,
  );
  writeFileSync(
    path.join(dir, 'status'),
    `Name:\t${comm}\nState:\tS (sleeping)\nPPid:\t${p.ppid ?? 1}\nUid:\t${p.uid ?? 0}\t${p.euid ?? p.uid ?? 0}\t0\t0\n`,
  );
  writeFileSync(path.join(dir, 'cmdline'), p.args ? `${p.args.join('\0')}\0` : '');
  writeFileSync(
    path.join(dir, 'maps'),
    (p.maps ?? [])
      .map(
        (m, i) =>
          `${(0x1000 * (i + 1)).toString(16)}-${(0x1000 * (i + 2)).toString(16)} r-xp 00000000 fe:00 ${i + 10} ${m}\n`,
      )
      .join(''),
  );
  if (p.exe) symlinkSync(p.exe, path.join(dir, 'exe'));
  if (p.cwd) symlinkSync(p.cwd, path.join(dir, 'cwd'));
  if (p.rootDir) symlinkSync(p.rootDir, path.join(dir, 'root'));
  for (const [i, inode] of (p.sockets ?? []).entries())
    symlinkSync(`socket:[${inode}]`, path.join(dir, 'fd', String(i + 3)));
}

export function removeProcess(root: string, pid: number): void {
  rmSync(path.join(root, 'proc', String(pid)), { recursive: true, force: true });
}

export function writeSockets(root: string, sockets: readonly FakeSocket[]): void {
  mkdirSync(path.join(root, 'proc/net'), { recursive: true });
  for (const protocol of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
    const lines = sockets
      .filter((s) => s.protocol === protocol)
      .map((s, i) => {
        const v6 = protocol.endsWith('6');
        const remote = s.remote ?? [v6 ? '::' : '0.0.0.0', 0];
        return `${String(i).padStart(4)}: ${endpoint(s.local, v6)} ${endpoint(remote, v6)} ${s.state.toString(16).toUpperCase().padStart(2, '0')} 00000000:00000000 00:00000000 00000000     0        0 ${s.inode} 1 0000000000000000 100 0 0 10 0`;
      });
    writeFileSync(
      path.join(root, 'proc/net', protocol),
      `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n${lines.join('\n')}\n`,
    );
  }
}

function endpoint([address, port]: [string, number], v6: boolean): string {
  let bytes: Buffer;
  if (!v6) bytes = Buffer.from(address.split('.').map(Number));
  else if (address === '::') bytes = Buffer.alloc(16);
  else if (address === '::1') bytes = Buffer.from('00000000000000000000000000000001', 'hex');
  else throw new Error(`fixture-proc: unsupported address ${address}`);
  let hex = '';
  for (let w = 0; w < bytes.length / 4; w++)
    hex += bytes
      .readUInt32LE(w * 4)
      .toString(16)
      .toUpperCase()
      .padStart(8, '0');
  return `${hex}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
}
