/**
 * A bounded walk of the local file systems under the root (issue 8): world-writable files, world-writable
 * directories without the sticky bit, files whose owner or group is in neither /etc/passwd nor /etc/group,
 * SUID and SGID files. It never crosses into another mount (each local mount is walked on its own), skips
 * pseudo and network file systems by their type and /proc, /sys, /dev, /run by path, and stops at an entry
 * and a time budget, saying so: a stopped walk's findings are facts, its absences are not.
 */
import { promises as fs, lstatSync, readdirSync, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type FileSystemWalkTelemetry,
  HOST_CONFIG_LIMITS,
  WALK_CATEGORIES,
  type WalkCategory,
} from '../functions/core/telemetry/schema';
import { FIND, type FindCounter, findArguments, isGnuFind, runFindWalk } from './fs-walk-find';
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

interface Item {
  path: string;
  mode: number;
  uid: number;
  gid: number;
}

/**
 * Matches per category: all counted; the recorded items are the first maxWalkPathsPerCategory in path
 * order, whatever order the entries came in, so both walks (GNU find's and Node's) record the same ones.
 */
class Tally {
  readonly categories = Object.fromEntries(
    WALK_CATEGORIES.map((c) => [c, { count: 0, items: [] as Item[] }]),
  ) as Record<WalkCategory, { count: number; items: Item[] }>;

  constructor(private readonly own: { uids: Set<number>; gids: Set<number> } | undefined) {}

  /** The categories an entry falls in, from its st_mode, owner and group. */
  judge(p: string, mode: number, uid: number, gid: number): void {
    const type = mode & S_IFMT;
    if (type === S_IFREG) {
      if (mode & 0o002) this.record('worldWritableFiles', p, mode, uid, gid);
      if (mode & 0o4000) this.record('suidFiles', p, mode, uid, gid);
      if (mode & 0o2000) this.record('sgidFiles', p, mode, uid, gid);
    } else if (type === S_IFDIR) {
      if (mode & 0o002 && !(mode & 0o1000))
        this.record('worldWritableDirectoriesWithoutSticky', p, mode, uid, gid);
    }
    if (this.own) {
      if (!this.own.uids.has(uid)) this.record('unownedFiles', p, mode, uid, gid);
      if (!this.own.gids.has(gid)) this.record('ungroupedFiles', p, mode, uid, gid);
    }
  }

  private record(cat: WalkCategory, path: string, mode: number, uid: number, gid: number): void {
    const c = this.categories[cat];
    c.count++;
    if (path.length > HOST_CONFIG_LIMITS.maxWalkPathChars) return;
    c.items.push({ path, mode, uid, gid });
    if (c.items.length >= 2 * HOST_CONFIG_LIMITS.maxWalkPathsPerCategory) keepFirst(c.items);
  }

  result(): FileSystemWalkOk['categories'] {
    return Object.fromEntries(
      WALK_CATEGORIES.map((c) => {
        const { count, items } = this.categories[c];
        keepFirst(items);
        return [c, { count, items, truncated: count > items.length }];
      }),
    ) as FileSystemWalkOk['categories'];
  }
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

/** Sorts items by path and keeps the first maxWalkPathsPerCategory. */
function keepFirst(items: Item[]): void {
  items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (items.length > HOST_CONFIG_LIMITS.maxWalkPathsPerCategory)
    items.length = HOST_CONFIG_LIMITS.maxWalkPathsPerCategory;
}

type FileSystemWalkOk = Extract<FileSystemWalkTelemetry, { status: 'ok' }>;

/** Which walk runs: GNU find where it is available (`auto`, the default), or Node's alone. */
export type WalkEngine = 'auto' | 'node';

export interface WalkInput {
  rootFs: RootFs;
  budget: WalkBudget;
  /** /proc/self/mounts text when it could be read under the root. */
  mounts?: string;
  /** uids and gids known to /etc/passwd and /etc/group, when they could be read. */
  ownership?: { uids: Set<number>; gids: Set<number> } | { missing: string };
  engine?: WalkEngine;
  /** The find program tried by `auto` (default `find` on the PATH). */
  findProgram?: string;
  /** find processes at once (default: 2 with two cores or more, else 1). */
  findProcesses?: number;
}

/** What a walk engine leaves for the telemetry: the rest is the plan's. */
interface Walked {
  tally: Tally;
  roots: string[];
  entriesVisited: number;
  unreadableDirectories: number;
  stoppedBy?: 'entries' | 'time';
}

interface Plan {
  rootFs: RootFs;
  budget: WalkBudget;
  deadline: number;
  /** In-root mount points to walk, sorted. */
  local: string[];
  /** In-root paths whose directories are judged but not entered. */
  skipPaths: Set<string>;
  own: { uids: Set<number>; gids: Set<number> } | undefined;
  findProcesses: number;
}

const SLICE_MS = 5;
const SLASH = Buffer.from('/');

export async function walkFileSystems(input: WalkInput): Promise<FileSystemWalkTelemetry> {
  const { rootFs, budget } = input;
  const started = performance.now();
  const deadline = started + budget.maxSeconds * 1000;
  const skipped: Array<{ path: string; fsType: string; why: string }> = [];

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
  const own = input.ownership && 'uids' in input.ownership ? input.ownership : undefined;
  const plan: Plan = {
    rootFs,
    budget,
    deadline,
    local,
    skipPaths: new Set([...SKIP_PATHS, ...skipped.map((s) => s.path)]),
    own,
    findProcesses: Math.max(
      1,
      input.findProcesses ?? Math.min(MAX_FIND_PROCESSES, os.availableParallelism()),
    ),
  };

  let engine: { name: 'gnu-find' | 'node'; note?: string } = { name: 'node' };
  let walked: Walked | undefined;
  const program = input.findProgram ?? FIND;
  const find = input.engine !== 'node' && (await isGnuFind(program)) ? program : undefined;
  if (find) {
    const r = await findWalk(plan, find);
    if ('failed' in r) engine = { name: 'node', note: `GNU find failed, the Node walk ran: ${r.failed}` };
    else {
      walked = r;
      engine = { name: 'gnu-find' };
    }
  } else if (input.engine !== 'node') engine = { name: 'node', note: `${program} is not GNU find` };
  walked ??= await nodeWalk(plan);

  const out: FileSystemWalkTelemetry = {
    status: 'ok',
    budget: { maxEntries: budget.maxEntries, maxSeconds: budget.maxSeconds },
    engine: { name: engine.name, ...(engine.note ? { note: engine.note.slice(0, 512) } : {}) },
    roots: walked.roots,
    skipped,
    mountSource,
    entriesVisited: walked.entriesVisited,
    elapsedMs: Math.round(performance.now() - started),
    complete: walked.stoppedBy === undefined,
    ...(walked.stoppedBy ? { stoppedBy: walked.stoppedBy } : {}),
    unreadableDirectories: walked.unreadableDirectories,
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
    categories: walked.tally.result(),
  };
  return out;
}

/** The walk in this process: readdir and one lstat per entry, system directories first. */
async function nodeWalk(plan: Plan): Promise<Walked> {
  const { rootFs, budget, deadline, skipPaths } = plan;
  const tally = new Tally(plan.own);
  const roots: string[] = [];
  let entriesVisited = 0;
  let unreadableDirectories = 0;
  let stoppedBy: 'entries' | 'time' | undefined;
  const overBudget = (): boolean => {
    if (stoppedBy) return true;
    if (entriesVisited >= budget.maxEntries) stoppedBy = 'entries';
    else if (performance.now() > deadline) stoppedBy = 'time';
    return stoppedBy !== undefined;
  };

  for (const mountPoint of plan.local) {
    if (overBudget()) break;
    let top: Stats;
    const hostTop = hostPathOf(rootFs, mountPoint);
    try {
      top = await fs.lstat(hostTop);
    } catch {
      continue;
    }
    if (!top.isDirectory()) continue;
    if (roots.length < HOST_CONFIG_LIMITS.maxWalkSkipped) roots.push(mountPoint);
    const dev = top.dev;
    entriesVisited++;
    tally.judge(mountPoint, top.mode, top.uid, top.gid);
    // Depth-first with an explicit stack: no recursion limit, memory grows with the number of pending dirs.
    // Synchronous calls in slices of SLICE_MS (then the event loop runs: sampling goes on): about twice
    // the throughput of promise-based lstat on a busy thread pool (bench/agent-walk.ts).
    // Host paths are strings, or bytes below a name that is not UTF-8 (its string form, with U+FFFD in
    // place of the bad bytes, names no file: it is recorded so, and read by its bytes).
    const stack: Array<{ p: string; host: string | Buffer }> = [{ p: mountPoint, host: hostTop }];
    let sliceStart = performance.now();
    while (stack.length > 0) {
      if (overBudget()) break;
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        sliceStart = performance.now();
      }
      const { p: dir, host: hostDir } = stack.pop()!;
      let names: Array<string | Buffer>;
      try {
        names = typeof hostDir === 'string' ? readdirSync(hostDir) : readdirSync(hostDir, 'buffer');
        if (typeof hostDir === 'string' && names.some((n) => (n as string).includes('\ufffd')))
          names = readdirSync(hostDir, 'buffer');
      } catch {
        unreadableDirectories++;
        continue;
      }
      // Children are pushed so that they pop in name order, the system directories of `/` first: a walk
      // cut short by its budget has covered what CIS looks at most (SUID programs, /etc, /var, /tmp).
      const subdirs: Array<{ p: string; host: string | Buffer }> = [];
      for (const n of names) {
        if (entriesVisited >= budget.maxEntries) {
          stoppedBy = 'entries';
          break;
        }
        entriesVisited++;
        const name = typeof n === 'string' ? n : n.toString('utf8');
        const p = dir === '/' ? `/${name}` : `${dir}/${name}`;
        const host =
          typeof hostDir === 'string' && typeof n === 'string'
            ? `${hostDir === '/' ? '' : hostDir}/${n}`
            : Buffer.concat([Buffer.from(hostDir === '/' ? '' : hostDir), SLASH, Buffer.from(n)]);
        const st = lstatSync(host, { throwIfNoEntry: false });
        if (!st) continue;
        tally.judge(p, st.mode, st.uid, st.gid);
        // Another mount (walked on its own if local) or a path never walked.
        if (st.isDirectory() && st.dev === dev && !skipPaths.has(p)) subdirs.push({ p, host });
      }
      subdirs.sort((a, b) => priority(a.p) - priority(b.p) || (a.p < b.p ? 1 : a.p > b.p ? -1 : 0));
      for (const d of subdirs) stack.push(d);
    }
  }
  return { tally, roots, entriesVisited, unreadableDirectories, ...(stoppedBy ? { stoppedBy } : {}) };
}

/** find processes at once: the walk is CPU-bound (one stat per entry), two cores halve its wall time. */
const MAX_FIND_PROCESSES = 2;
/** Start points given to one find process. */
const MAX_START_POINTS = 500;
/** Directories of `/` given a find process of their own (the large ones, largest first); the rest share one. */
const LARGE = ['/usr', '/root', '/home', '/var', '/opt', '/srv', '/snap', '/nix'];

/**
 * The same walk by GNU find in child processes, `-xdev` for "never cross into another mount", the skipped
 * paths pruned (judged, not entered), as the Node walk does. With two cores or more the agent lists each
 * mount's top directory itself (judging its entries as the Node walk does) and gives its subdirectories
 * to two find processes at a time (`-mindepth 1`: below them only): the large directories of `/` one each,
 * largest first, the others together. Entries come in find's order (directory order, depth first), so a
 * walk cut by its budget covers other entries than the Node walk would; a complete walk finds the same.
 */
async function findWalk(plan: Plan, find: string): Promise<Walked | { failed: string }> {
  const { rootFs, budget } = plan;
  const tally = new Tally(plan.own);
  const counter: FindCounter = {
    entries: 0,
    maxEntries: budget.maxEntries,
    deadline: plan.deadline,
    running: new Set(),
  };
  const prefix = rootFs.isHostRoot ? '' : rootFs.root;
  const onRecord = (hostPath: string, mode: number, uid: number, gid: number) =>
    tally.judge(hostPath.slice(prefix.length) || '/', mode, uid, gid);
  const roots: string[] = [];
  let unreadableDirectories = 0;
  const whole: string[] = [];
  const below: Array<{ p: string; host: string }> = [];
  const split = plan.findProcesses > 1;
  /** Whether find lists a mount's top directory (and so meets /proc, /sys, /dev, /run itself). */
  let topsToFind = !split;
  // The agent's own share: each mount's top directory, and (split) its entries.
  const count = (): boolean => {
    if (!counter.stoppedBy && performance.now() > plan.deadline) counter.stoppedBy = 'time';
    if (!counter.stoppedBy && counter.entries >= budget.maxEntries) counter.stoppedBy = 'entries';
    if (counter.stoppedBy) return false;
    counter.entries++;
    return true;
  };
  for (const mountPoint of plan.local) {
    // No trailing slash (path.join(root, '/') has one): find prints paths below it as given.
    const hostTop = hostPathOf(rootFs, mountPoint);
    let top: Stats;
    try {
      top = await fs.lstat(hostTop);
    } catch {
      continue;
    }
    if (!top.isDirectory()) continue;
    if (!split) {
      if (roots.length < HOST_CONFIG_LIMITS.maxWalkSkipped) roots.push(mountPoint);
      whole.push(hostTop);
      continue;
    }
    if (!count()) break;
    if (roots.length < HOST_CONFIG_LIMITS.maxWalkSkipped) roots.push(mountPoint);
    tally.judge(mountPoint, top.mode, top.uid, top.gid);
    let names: string[];
    try {
      names = readdirSync(hostTop);
    } catch {
      unreadableDirectories++;
      continue;
    }
    // A name that is not UTF-8 cannot be given to find as a string: find lists this top itself.
    if (names.some((n) => n.includes('\ufffd'))) {
      below.push({ p: mountPoint, host: hostTop });
      topsToFind = true;
      continue;
    }
    for (const n of names) {
      if (!count()) break;
      const p = mountPoint === '/' ? `/${n}` : `${mountPoint}/${n}`;
      const host = `${hostTop === '/' ? '' : hostTop}/${n}`;
      const st = lstatSync(host, { throwIfNoEntry: false });
      if (!st) continue;
      tally.judge(p, st.mode, st.uid, st.gid);
      if (st.isDirectory() && st.dev === top.dev && !plan.skipPaths.has(p)) below.push({ p, host });
    }
  }
  const prunePaths = await prunePathsOf(plan, topsToFind);
  const ownership = plan.own ? { ownership: plan.own } : {};
  const batches: Array<{ startPoints: string[]; belowStartPoints: boolean }> = [];
  if (whole.length > 0) batches.push({ startPoints: whole, belowStartPoints: false });
  const large = (p: string) => (LARGE.includes(p) ? LARGE.indexOf(p) : LARGE.length);
  below.sort((a, b) => large(a.p) - large(b.p));
  const rest = below.filter((b) => large(b.p) === LARGE.length).map((b) => b.host);
  for (const b of below)
    if (large(b.p) < LARGE.length) batches.push({ startPoints: [b.host], belowStartPoints: true });
  // A mount whose top holds many directories: start points in batches, well under the argument size limit.
  for (let i = 0; i < rest.length; i += MAX_START_POINTS)
    batches.push({ startPoints: rest.slice(i, i + MAX_START_POINTS), belowStartPoints: true });

  let failed: string | undefined;
  const worker = async () => {
    for (let b = batches.shift(); b && !failed && !counter.stoppedBy; b = batches.shift()) {
      const r = await runFindWalk({
        find,
        args: findArguments({ ...b, prunePaths, ...ownership }),
        counter,
        onRecord,
      });
      if (!r.ok) failed = r.detail;
      else unreadableDirectories += r.errors;
    }
  };
  await Promise.all(Array.from({ length: plan.findProcesses }, worker));
  if (failed) {
    for (const child of counter.running) child.kill('SIGKILL');
    return { failed };
  }
  return {
    tally,
    roots,
    entriesVisited: counter.entries,
    unreadableDirectories,
    ...(counter.stoppedBy ? { stoppedBy: counter.stoppedBy } : {}),
  };
}

/**
 * The skipped paths find must prune itself: not those under another one (never reached), not /proc, /sys,
 * /dev, /run when the agent lists the top directories itself, and not a mount on another device than its
 * parent directory (-xdev does not enter it). Each pattern costs an fnmatch per directory: 21 patterns
 * took find 0.4 s of CPU more over /usr alone (142,000 entries).
 */
async function prunePathsOf(plan: Plan, topsToFind: boolean): Promise<string[]> {
  const under = (p: string, q: string) => p !== q && (q === '/' || p.startsWith(`${q}/`));
  const all = [...plan.skipPaths];
  const out: string[] = [];
  for (const p of all) {
    if (all.some((q) => under(p, q))) continue;
    if (!topsToFind && SKIP_PATHS.includes(p)) continue;
    try {
      const [st, parent] = await Promise.all([
        fs.lstat(hostPathOf(plan.rootFs, p)),
        fs.lstat(hostPathOf(plan.rootFs, path.posix.dirname(p))),
      ]);
      if (st.isDirectory() && st.dev === parent.dev) out.push(hostPathOf(plan.rootFs, p));
    } catch {
      // Not there: nothing to prune.
    }
  }
  return out;
}

function hostPathOf(rootFs: RootFs, p: string): string {
  return path.join(rootFs.root, p).replace(/(.)\/+$/, '$1');
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
