/**
 * A bounded walk of the local file systems under the root (issue 8): world-writable files, world-writable
 * directories without the sticky bit, files whose owner or group is in neither /etc/passwd nor /etc/group,
 * SUID and SGID files. It never crosses into another mount (each local mount is walked on its own), skips
 * pseudo and network file systems by their type and /proc, /sys, /dev, /run by path, and stops at an entry
 * and a time budget, saying so: a stopped walk's findings are facts, its absences are not.
 */
import { promises as fs, lstatSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import {
  type FileSystemWalkTelemetry,
  HOST_CONFIG_LIMITS,
  WALK_CATEGORIES,
  type WalkCategory,
} from '../functions/core/telemetry/schema';
import type { RootFs } from './root-fs';

export interface WalkBudget {
  maxEntries: number;
  maxSeconds: number;
}

export const DEFAULT_WALK_MAX_ENTRIES = 1_000_000;
export const DEFAULT_WALK_MAX_SECONDS = 20;

/** Paths never walked (relative to the root): kernel and runtime state, not files on disk. */
const SKIP_PATHS = ['/proc', '/sys', '/dev', '/run'];

/** File system types that hold no files of the host's own disks. */
const PSEUDO_TYPES = new Set([
  'proc',
  'sysfs',
  'devtmpfs',
  'devpts',
  'cgroup',
  'cgroup2',
  'securityfs',
  'debugfs',
  'tracefs',
  'pstore',
  'bpf',
  'mqueue',
  'hugetlbfs',
  'configfs',
  'fusectl',
  'binfmt_misc',
  'autofs',
  'efivarfs',
  'selinuxfs',
  'nsfs',
  'rpc_pipefs',
  'nfsd',
  'ramfs',
]);
const NETWORK_TYPES = new Set([
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  'ceph',
  'glusterfs',
  'afs',
  'lustre',
  'davfs',
  '9p',
  'ncpfs',
  'gpfs',
  'ocfs2',
  'gfs2',
]);
/** Read-only images (snaps, ISO): their SUID files are the image's, and a host can mount hundreds. */
const IMAGE_TYPES = new Set(['squashfs', 'iso9660', 'udf', 'erofs']);

export interface MountEntry {
  mountPoint: string;
  fsType: string;
}

/** /proc/self/mounts lines → mount point (octal escapes decoded) and type. */
export function parseMountsForWalk(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3) continue;
    out.push({
      mountPoint: f[1]!.replace(/\\([0-7]{3})/g, (_m, o: string) =>
        String.fromCharCode(Number.parseInt(o, 8)),
      ),
      fsType: f[2]!,
    });
  }
  return out;
}

/** Why a file system is not read by a bounded collection: network or FUSE (may hang or be slow), autofs. */
export function remoteReason(fsType: string): string | undefined {
  if (NETWORK_TYPES.has(fsType)) return 'network file system';
  if (fsType.startsWith('fuse')) return 'FUSE file system (often remote)';
  if (fsType === 'autofs') return 'automounted (autofs): looking would mount it';
  return undefined;
}

function skipReason(m: MountEntry): string | undefined {
  if (SKIP_PATHS.some((p) => m.mountPoint === p || m.mountPoint.startsWith(`${p}/`)))
    return 'kernel or runtime state path';
  if (PSEUDO_TYPES.has(m.fsType)) return 'pseudo file system';
  if (NETWORK_TYPES.has(m.fsType)) return 'network file system';
  if (m.fsType.startsWith('fuse')) return 'FUSE file system (often remote)';
  if (IMAGE_TYPES.has(m.fsType)) return 'read-only image';
  return undefined;
}

interface Category {
  count: number;
  items: Array<{ path: string; mode: number; uid: number; gid: number }>;
}

export interface WalkInput {
  rootFs: RootFs;
  budget: WalkBudget;
  /** /proc/self/mounts text when it could be read under the root. */
  mounts?: string;
  /** uids and gids known to /etc/passwd and /etc/group, when they could be read. */
  ownership?: { uids: Set<number>; gids: Set<number> } | { missing: string };
}

const SLICE_MS = 5;

export async function walkFileSystems(input: WalkInput): Promise<FileSystemWalkTelemetry> {
  const { rootFs, budget } = input;
  const started = performance.now();
  const deadline = started + budget.maxSeconds * 1000;
  const categories = Object.fromEntries(
    WALK_CATEGORIES.map((c) => [c, { count: 0, items: [] } as Category]),
  ) as Record<WalkCategory, Category>;
  const skipped: Array<{ path: string; fsType: string; why: string }> = [];
  const roots: string[] = [];
  let entriesVisited = 0;
  let unreadableDirectories = 0;
  let stoppedBy: 'entries' | 'time' | undefined;

  // Mount points to walk, in-root paths. A live host's mounts are absolute host paths; under another
  // root only the root's own device is walked (its /proc, if any, describes some other namespace).
  let mountSource: 'proc-mounts' | 'device-of-root' = 'device-of-root';
  const local: string[] = [];
  if (rootFs.isHostRoot && input.mounts !== undefined) {
    mountSource = 'proc-mounts';
    const seen = new Set<string>();
    for (const m of parseMountsForWalk(input.mounts)) {
      if (seen.has(m.mountPoint)) continue;
      seen.add(m.mountPoint);
      const why = skipReason(m);
      if (why) {
        if (skipped.length < HOST_CONFIG_LIMITS.maxWalkSkipped)
          skipped.push({
            path: m.mountPoint.slice(0, HOST_CONFIG_LIMITS.maxWalkPathChars),
            fsType: m.fsType.slice(0, 64),
            why,
          });
        continue;
      }
      local.push(m.mountPoint);
    }
    if (!local.includes('/')) local.unshift('/');
  } else {
    local.push('/');
  }
  local.sort();
  const skipPaths = new Set([...SKIP_PATHS, ...skipped.map((s) => s.path)]);

  const own = input.ownership && 'uids' in input.ownership ? input.ownership : undefined;
  const record = (cat: WalkCategory, p: string, st: Stats) => {
    const c = categories[cat];
    c.count++;
    if (
      c.items.length < HOST_CONFIG_LIMITS.maxWalkPathsPerCategory &&
      p.length <= HOST_CONFIG_LIMITS.maxWalkPathChars
    )
      c.items.push({ path: p, mode: st.mode, uid: st.uid, gid: st.gid });
  };
  const judge = (p: string, st: Stats) => {
    const mode = st.mode;
    if (st.isFile()) {
      if (mode & 0o002) record('worldWritableFiles', p, st);
      if (mode & 0o4000) record('suidFiles', p, st);
      if (mode & 0o2000) record('sgidFiles', p, st);
    } else if (st.isDirectory()) {
      if (mode & 0o002 && !(mode & 0o1000)) record('worldWritableDirectoriesWithoutSticky', p, st);
    }
    if (own) {
      if (!own.uids.has(st.uid)) record('unownedFiles', p, st);
      if (!own.gids.has(st.gid)) record('ungroupedFiles', p, st);
    }
  };

  const overBudget = (): boolean => {
    if (stoppedBy) return true;
    if (entriesVisited >= budget.maxEntries) stoppedBy = 'entries';
    else if (performance.now() > deadline) stoppedBy = 'time';
    return stoppedBy !== undefined;
  };

  for (const mountPoint of local) {
    if (overBudget()) break;
    let top: Stats;
    const hostTop = path.join(rootFs.root, mountPoint);
    try {
      top = await fs.lstat(hostTop);
    } catch {
      continue;
    }
    if (!top.isDirectory()) continue;
    if (roots.length < HOST_CONFIG_LIMITS.maxWalkSkipped) roots.push(mountPoint);
    const dev = top.dev;
    entriesVisited++;
    judge(mountPoint, top);
    // Depth-first with an explicit stack: no recursion limit, memory grows with the number of pending dirs.
    // Synchronous calls in slices of SLICE_MS (then the event loop runs: sampling goes on): about twice
    // the throughput of promise-based lstat on a busy thread pool (bench/agent-walk.ts).
    const stack: string[] = [mountPoint];
    let sliceStart = performance.now();
    while (stack.length > 0) {
      if (overBudget()) break;
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        sliceStart = performance.now();
      }
      const dir = stack.pop()!;
      let names: string[];
      const hostDir = dir === '/' ? rootFs.root : path.join(rootFs.root, dir);
      try {
        names = readdirSync(hostDir);
      } catch {
        unreadableDirectories++;
        continue;
      }
      // Children are pushed so that they pop in name order, the system directories of `/` first: a walk
      // cut short by its budget has covered what CIS looks at most (SUID programs, /etc, /var, /tmp).
      const subdirs: string[] = [];
      for (const n of names) {
        if (entriesVisited >= budget.maxEntries) {
          stoppedBy = 'entries';
          break;
        }
        entriesVisited++;
        const p = dir === '/' ? `/${n}` : `${dir}/${n}`;
        const st = lstatSync(`${hostDir}/${n}`, { throwIfNoEntry: false });
        if (!st) continue;
        judge(p, st);
        // Another mount (walked on its own if local) or a path never walked.
        if (st.isDirectory() && st.dev === dev && !skipPaths.has(p)) subdirs.push(p);
      }
      subdirs.sort((a, b) => priority(a) - priority(b) || (a < b ? 1 : a > b ? -1 : 0));
      for (const d of subdirs) stack.push(d);
    }
  }

  const out: FileSystemWalkTelemetry = {
    status: 'ok',
    budget: { maxEntries: budget.maxEntries, maxSeconds: budget.maxSeconds },
    roots,
    skipped,
    mountSource,
    entriesVisited,
    elapsedMs: Math.round(performance.now() - started),
    complete: stoppedBy === undefined,
    unreadableDirectories,
    ownership:
      own !== undefined
        ? { status: 'ok' }
        : {
            status: 'missing',
            reason: 'not-found',
            detail: (input.ownership && 'missing' in input.ownership
              ? input.ownership.missing
              : 'passwd/group not read'
            ).slice(0, 2048),
          },
    categories: Object.fromEntries(
      WALK_CATEGORIES.map((c) => [
        c,
        {
          count: categories[c].count,
          items: categories[c].items,
          truncated: categories[c].count > categories[c].items.length,
        },
      ]),
    ) as FileSystemWalkTelemetry extends { categories: infer C } ? C : never,
  };
  if (stoppedBy) (out as { stoppedBy?: 'entries' | 'time' }).stoppedBy = stoppedBy;
  return out;
}

/** Top-level directories walked first (higher first), in this order. */
const FIRST = [
  '/etc',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib64',
  '/boot',
  '/var',
  '/tmp',
  '/opt',
  '/root',
  '/home',
  '/srv',
];
function priority(p: string): number {
  const i = FIRST.indexOf(p);
  return i < 0 ? 0 : FIRST.length - i;
}

/** uids of /etc/passwd and gids of /etc/group lines (third field). */
export function idsOf(text: string): Set<number> {
  const ids = new Set<number>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && /^\d+$/.test(f[2]!)) ids.add(Number(f[2]));
  }
  return ids;
}
