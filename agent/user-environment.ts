/**
 * User environment material for the cis package (issue 8), bounded and redacted on the host:
 * - every distinct home directory /etc/passwd names (passwd order, at most USER_ENVIRONMENT_LIMITS.maxHomes):
 *   its stat and the owner, group and mode of its dot entries (names starting with "."), never contents;
 * - /root/.bashrc and /root/.profile: only their lines that mention umask;
 * - on a live host, the PATH of the agent's own process and the uid it runs as, with each directory's stat
 *   (what OpenSCAP's root_path_* checks read: the scanner's environment).
 * Which users are interactive, and what is wrong, is the evaluator's business.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  type FileRecord,
  fileText,
  HOST_CONFIG_LIMITS,
  LIMITS,
  type ListingEntry,
  USER_ENVIRONMENT_LIMITS as U,
  type UserEnvironmentTelemetry,
} from '../functions/core/telemetry/schema';
import { type Collector, statRecord } from './collect';
import { type MountEntry, parseMountsForWalk, remoteReason } from './fs-walk';
import { readCapped } from './read-capped';
import { reasonOf } from './root-fs';

const ROOT_STARTUP_FILES = ['/root/.bashrc', '/root/.profile'] as const;
/** Home directories looked at at once. */
const CONCURRENCY = 8;

type Home = Extract<UserEnvironmentTelemetry['homes'], { status: 'ok' }>['entries'][number];

/** Distinct absolute home directories of a passwd text, in order, with their users. */
export function homesOf(passwd: string): Map<string, string[]> {
  const homes = new Map<string, string[]>();
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || !f[0] || f[0].startsWith('+') || f[0].startsWith('-')) continue;
    const home = f[5]!;
    if (!home.startsWith('/') || home.length > HOST_CONFIG_LIMITS.maxWalkPathChars) continue;
    const normal = path.posix.normalize(home).replace(/(.)\/+$/, '$1');
    const users = homes.get(normal) ?? [];
    if (users.length < HOST_CONFIG_LIMITS.maxGroupMembers && f[0].length <= HOST_CONFIG_LIMITS.maxNameChars)
      users.push(f[0]);
    homes.set(normal, users);
  }
  return homes;
}

/**
 * The mount a path lies on (longest mount point that is a prefix), from /proc/self/mounts on a live host.
 * Homes on network, FUSE or automounted file systems are not read: a stat could hang or mount them.
 */
export function remoteMountOf(mounts: readonly MountEntry[], p: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const mp = m.mountPoint;
    if (p === mp || p.startsWith(mp === '/' ? '/' : `${mp}/`))
      if (!best || mp.length >= best.mountPoint.length) best = m;
  }
  return best && remoteReason(best.fsType) ? best : undefined;
}

export async function collectUserEnvironment(
  c: Collector,
  passwd: FileRecord,
  /** /proc/self/mounts text on a live host. */
  mounts?: string,
): Promise<UserEnvironmentTelemetry> {
  const mountList = mounts !== undefined && c.rootFs.isHostRoot ? parseMountsForWalk(mounts) : [];
  const [homes, rootUmaskLines, agentPath] = await Promise.all([
    collectHomes(c, passwd, mountList),
    Promise.all(ROOT_STARTUP_FILES.map(async (p) => ({ path: p, file: await umaskLines(c, p) }))),
    collectAgentPath(c),
  ]);
  return { homes, rootUmaskLines, agentPath };
}

async function collectHomes(
  c: Collector,
  passwd: FileRecord,
  mounts: readonly MountEntry[],
): Promise<UserEnvironmentTelemetry['homes']> {
  if (passwd.status !== 'ok')
    return {
      status: 'missing',
      reason: passwd.reason,
      detail: `/etc/passwd: ${passwd.detail}`.slice(0, 2048),
    };
  const all = [...homesOf(fileText(passwd) ?? '')];
  const picked = all.slice(0, U.maxHomes);
  const entries: Home[] = new Array(picked.length);
  let next = 0;
  const worker = async () => {
    while (next < picked.length) {
      const i = next++;
      const [home, users] = picked[i]!;
      const remote = remoteMountOf(mounts, home);
      entries[i] = remote
        ? {
            path: home,
            users,
            stat: {
              status: 'missing',
              reason: 'error',
              detail: `not looked at: ${home} is on ${remote.mountPoint} (${remote.fsType.slice(0, 64)}), ${remoteReason(remote.fsType)}`,
            },
            dotEntries: [],
            dotTotal: 0,
          }
        : await homeRecord(c, home, users);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (all.length > picked.length)
    c.warnings.push(`home directories: only the first ${picked.length} of ${all.length} looked at`);
  return { status: 'ok', entries, total: all.length, truncated: all.length > picked.length };
}

async function homeRecord(c: Collector, home: string, users: string[]): Promise<Home> {
  const stat = await statRecord(c.rootFs, home);
  const rec: Home = { path: home, users, stat, dotEntries: [], dotTotal: 0 };
  if (stat.status !== 'ok' || stat.type !== 'directory') return rec;
  let host: string;
  let names: string[];
  try {
    host = await c.rootFs.resolve(home);
    names = (await fs.readdir(host)).filter((n) => n.startsWith('.'));
  } catch (err) {
    c.warnings.push(`home directory ${home}: not listed (${reasonOf(err).detail})`.slice(0, 2048));
    return rec;
  }
  names.sort();
  rec.dotTotal = names.length;
  const picked = names.filter((n) => n.length <= HOST_CONFIG_LIMITS.maxNameChars).slice(0, U.maxDotEntries);
  const seen = await Promise.all(
    picked.map(async (name): Promise<ListingEntry | undefined> => {
      try {
        const full = path.join(host, name);
        const l = await fs.lstat(full);
        const type = l.isDirectory()
          ? 'directory'
          : l.isFile()
            ? 'file'
            : l.isSymbolicLink()
              ? 'symlink'
              : 'other';
        const e: ListingEntry = { name, type, mode: l.mode, uid: l.uid, gid: l.gid };
        if (l.isSymbolicLink()) e.target = (await fs.readlink(full)).slice(0, 4096);
        return e;
      } catch {
        return undefined;
      }
    }),
  );
  rec.dotEntries = seen.filter((e): e is ListingEntry => e !== undefined);
  return rec;
}

/** A root start-up file's lines that mention umask (the rest, which may hold secrets, never leaves the host). */
async function umaskLines(
  c: Collector,
  p: string,
): Promise<UserEnvironmentTelemetry['rootUmaskLines'][number]['file']> {
  try {
    const host = await c.rootFs.resolve(p);
    const st = await fs.stat(host);
    if (!st.isFile())
      return { status: 'missing', reason: 'not-a-file', detail: `${p} is not a regular file` };
    const h = await fs.open(host, 'r');
    let buf: Buffer;
    try {
      buf = await readCapped(h, LIMITS.maxConfigFileBytes);
    } finally {
      await h.close();
    }
    if (buf.byteLength > LIMITS.maxConfigFileBytes)
      return {
        status: 'missing',
        reason: 'too-large',
        detail: `${p} is larger than ${LIMITS.maxConfigFileBytes} bytes`,
      };
    const lines: Array<{ line: number; text: string }> = [];
    let truncated = false;
    buf
      .toString('utf8')
      .split('\n')
      .forEach((text, i) => {
        if (!/umask/i.test(text)) return;
        if (lines.length >= U.maxUmaskLines || text.length > U.maxUmaskLineChars) {
          truncated = true;
          return;
        }
        lines.push({ line: i + 1, text });
      });
    return { status: 'ok', lines, truncated };
  } catch (err) {
    return { status: 'missing', ...reasonOf(err) };
  }
}

async function collectAgentPath(c: Collector): Promise<UserEnvironmentTelemetry['agentPath']> {
  if (!c.rootFs.isHostRoot)
    return {
      status: 'missing',
      reason: 'not-live-host',
      detail: `not a live host: the agent's PATH says nothing about ${c.rootFs.root}`,
    };
  const value = process.env.PATH;
  if (value === undefined) return { status: 'missing', reason: 'not-found', detail: 'the agent has no PATH' };
  if (value.length > U.maxPathChars)
    return {
      status: 'missing',
      reason: 'too-large',
      detail: `PATH is longer than ${U.maxPathChars} characters`,
    };
  const uid = process.getuid?.();
  if (uid === undefined)
    return { status: 'missing', reason: 'error', detail: 'the agent cannot tell its uid' };
  const dirs = [
    ...new Set(
      value.split(':').filter((d) => d.startsWith('/') && d.length <= HOST_CONFIG_LIMITS.maxWalkPathChars),
    ),
  ];
  const picked = dirs.slice(0, U.maxPathDirectories);
  const directories = await Promise.all(
    picked.map(async (d) => ({ path: d, stat: await statRecord(c.rootFs, d) })),
  );
  return {
    status: 'ok',
    uid,
    value,
    directories,
    truncated: dirs.length > picked.length,
  };
}
