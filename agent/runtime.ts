/**
 * Runtime behaviour sampling (issue 9, items 1, 2 and 4): what runs, listens and connects during the run's
 * window, and the ELF facts of every executable and mapped library seen running. Everything is read under
 * the agent's root (`--root DIR` reads DIR/proc).
 *
 * Each sample reads /proc/net/{tcp,tcp6,udp,udp6} and, per process, stat (identity: pid + start time, so a
 * reused pid is a new process), status (uid, euid, ppid), cmdline (secrets masked), the exe link, maps
 * (executable file mappings) and fd (socket inodes), then joins sockets to processes. Nothing is kept per
 * sample: it is aggregated as it goes into bounded tables (RUNTIME_LIMITS) with first/last seen and sample
 * counts; a full table drops and counts, and `truncated` says so. Memory stays bounded however long the
 * window: the tables are capped and the only per-sample state carried over is the previous sample's set of
 * connection tuples (bounded by the per-table socket cap), used to count each connection once.
 *
 * A process, or any of its files, vanishing mid-sample (ENOENT, ESRCH) is normal: what was read is kept,
 * the rest counted in `unreadable`. Kernel threads are skipped and only counted. ELF facts are read once
 * per path + inode + mtime for the run, at most 16 MiB per file and RUNTIME_LIMITS.maxElfBytesPerRun in all.
 *
 * An interpreter process (sh, python, perl, ruby, node, php, java -jar, lua) also names the script it runs
 * (agent/interpreter.ts), which becomes an object like the executable. After the last sample, finish()
 * records every directory above each object and script (who may replace what a root process runs) and looks
 * up, once, which package owns each object (agent/package-owners.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  type ElfRecordTelemetry,
  RUNTIME_LIMITS,
  type RuntimeTelemetry,
  type Sample,
} from '../functions/core/telemetry/schema';
import { ELF_MAX_BYTES, type ElfRecord, readElfFacts } from './elf';
import { interpreterOf, scriptArgumentIndex } from './interpreter';
import { lookUpPackageOwners, type OwnerOptions } from './package-owners';
import {
  maskArguments,
  type NetSocket,
  PF_KTHREAD,
  parseCmdline,
  parseExeLink,
  parseMaps,
  parseNetTable,
  parseStat,
  parseStatus,
  type SocketProtocol,
  socketInode,
  TCP_LISTEN,
  UDP_UNCONNECTED,
} from './proc-parse';
import { type RootFs, reasonOf } from './root-fs';

type Limits = { -readonly [K in keyof typeof RUNTIME_LIMITS]: number };
type RuntimeProcess = RuntimeTelemetry['processes'][number];
type RuntimeObject = RuntimeTelemetry['objects'][number];
type Listener = RuntimeTelemetry['listeners'][number];
type Connection = RuntimeTelemetry['connections'][number];
type Directory = NonNullable<RuntimeTelemetry['directories']>[number];

const PROTOCOLS: readonly SocketProtocol[] = ['tcp', 'tcp6', 'udp', 'udp6'];
const CONCURRENCY = 16;
const MAX_PROC_FILE_BYTES = 1024 * 1024;
const SCRATCH_BYTES = 64 * 1024;
const ELF_CONCURRENCY = 4;
/** Below this much of the run's ELF budget, files are recorded as not read. */
const MIN_ELF_BUDGET = 64 * 1024;

interface ProcState {
  index: number;
  mapSet: Set<string>;
}

interface ListenerState {
  index: number;
  processes: Set<number>;
  lastSample: number;
}

export class RuntimeSampler {
  private readonly limits: Limits;
  private readonly processes: RuntimeProcess[] = [];
  private readonly procIndex = new Map<string, ProcState>();
  private readonly objects: RuntimeObject[] = [];
  private readonly objectIndex = new Map<string, number>();
  private readonly listeners: Listener[] = [];
  private readonly listenerIndex = new Map<string, ListenerState>();
  private readonly connections: Connection[] = [];
  private readonly connectionIndex = new Map<string, number>();
  private readonly connectionLastSample: number[] = [];
  /** Connection tuples of the previous sample: a connection still open is not counted again. */
  private previousTuples = new Set<string>();
  private readonly dropped: RuntimeTelemetry['dropped'] = {
    processSightings: 0,
    maps: 0,
    objects: 0,
    longPaths: 0,
    args: 0,
    listeners: 0,
    listenerProcesses: 0,
    connections: 0,
    sockets: 0,
    fds: 0,
    sampleProcessLists: 0,
    directories: 0,
  };
  /** Set by finish(). */
  private directories?: Directory[];
  private packageOwners?: RuntimeTelemetry['packageOwners'];
  private proc: RuntimeTelemetry['proc'] = { status: 'ok' };
  private sampleCount = 0;
  private firstAt?: string;
  private lastAt?: string;
  private kernelThreadsMax = 0;
  private unreadable = 0;
  private elfBytesRead = 0;
  private sampleProcessBytes = 0;
  private sampleListsSpent = false;
  /**
   * Device and inode of pid 1's root directory (/proc/1/root), read once: a process whose root is another
   * directory (a container's, a chroot) names its files in its own tree, so the files at those paths here
   * are other files. A private mount namespace alone (systemd's ProtectSystem=, PrivateTmp=) keeps the
   * same root and the same files. undefined: not known (then every process is taken to share it, as when
   * the agent cannot read other processes' roots).
   */
  private hostRoot?: Promise<string | undefined>;
  /** Pending ELF reads, one per new object, run ELF_CONCURRENCY at a time by readPendingElf(). */
  private elfQueue: Array<{ index: number; path: string }> = [];

  constructor(
    private readonly rootFs: RootFs,
    private readonly intervalSeconds: number,
    limits: Partial<Limits> = {},
  ) {
    this.limits = { ...RUNTIME_LIMITS, ...limits };
  }

  /** Take one sample; returns the legacy per-sample record (`samples[]`). Never throws on /proc content. */
  async sample(): Promise<Sample> {
    const at = new Date().toISOString();
    this.sampleCount++;
    this.sampleObjects = new Map();
    this.firstAt ??= at;
    this.lastAt = at;
    let procDir: string;
    let pids: number[];
    try {
      procDir = await this.rootFs.resolve('/proc');
      pids = (await fs.readdir(procDir)).filter((n) => /^\d+$/.test(n)).map(Number);
    } catch (err) {
      this.proc = { status: 'missing', ...reasonOf(err) };
      return { at };
    }
    this.proc = { status: 'ok' };
    const sockets = await this.readSockets(procDir);
    /** Socket inode → indexes of the recorded processes holding it. */
    const owners = new Map<number, number[]>();
    const listed: NonNullable<Sample['processes']> = [];
    // Once the budget of the per-sample process lists is spent, they are not even built.
    const listing = !this.sampleListsSpent;
    let kernelThreads = 0;

    await pool(pids, CONCURRENCY, async (pid) => {
      const r = await this.readProcess(procDir, pid, at, sockets);
      if (!r) return;
      if (r.kernelThread) kernelThreads++;
      if (r.listed && listing) listed.push(r.listed);
      if (r.index !== undefined)
        for (const inode of r.sockets) {
          const list = owners.get(inode);
          if (list) list.push(r.index);
          else owners.set(inode, [r.index]);
        }
    });
    this.kernelThreadsMax = Math.max(this.kernelThreadsMax, kernelThreads);
    this.joinSockets([...sockets.values()], owners, at);

    listed.sort((a, b) => a.pid - b.pid);
    const bytes = listed.reduce((n, p) => n + 48 + p.comm.length + (p.exe?.length ?? 0), 0);
    if (!listing || this.sampleProcessBytes + bytes > this.limits.maxSampleProcessBytes) {
      this.sampleListsSpent = true;
      this.dropped.sampleProcessLists++;
      return { at };
    }
    this.sampleProcessBytes += bytes;
    return { at, processes: listed };
  }

  /** The aggregate (call readPendingElf() first). */
  result(): RuntimeTelemetry {
    const d = this.dropped;
    return {
      proc: this.proc,
      sampling: {
        samples: this.sampleCount,
        intervalSeconds: this.intervalSeconds,
        ...(this.firstAt ? { firstAt: this.firstAt } : {}),
        ...(this.lastAt ? { lastAt: this.lastAt } : {}),
      },
      kernelThreads: { recorded: 'skipped', maxPerSample: this.kernelThreadsMax },
      processes: this.processes,
      objects: this.objects,
      listeners: this.listeners,
      connections: this.connections,
      ...(this.directories ? { directories: this.directories } : {}),
      ...(this.packageOwners ? { packageOwners: this.packageOwners } : {}),
      elfBytesRead: this.elfBytesRead,
      truncated: Object.values(d).some((n) => n > 0),
      dropped: { ...d },
      unreadable: this.unreadable,
    };
  }

  private async readSockets(procDir: string): Promise<Map<number | string, NetSocket>> {
    const out = new Map<number | string, NetSocket>();
    const texts = await Promise.all(
      PROTOCOLS.map((protocol) =>
        // No IPv6, or no /proc/net under this root: nothing to read.
        fs.readFile(path.join(procDir, 'net', protocol), 'utf8').catch(() => undefined),
      ),
    );
    PROTOCOLS.forEach((protocol, i) => {
      if (texts[i] === undefined) return;
      const { sockets, dropped } = parseNetTable(texts[i]!, protocol, this.limits.maxSocketsPerTable);
      this.dropped.sockets += dropped;
      // Sockets without an inode (TIME_WAIT) are keyed by their tuple.
      for (const s of sockets) out.set(s.inode || tupleOf(s), s);
    });
    return out;
  }

  private async readProcess(
    procDir: string,
    pid: number,
    at: string,
    sockets: Map<number | string, NetSocket>,
  ): Promise<
    | {
        kernelThread: boolean;
        index?: number;
        sockets: number[];
        listed?: NonNullable<Sample['processes']>[number];
      }
    | undefined
  > {
    const dir = path.join(procDir, String(pid));
    const stat = parseStat((await this.read(path.join(dir, 'stat'))) ?? '');
    if (!stat || stat.pid !== pid) {
      this.unreadable++;
      return undefined;
    }
    const exeLink = await fs.readlink(path.join(dir, 'exe')).catch(() => undefined);
    const kernelThread =
      (stat.flags & PF_KTHREAD) !== 0 || ((stat.ppid === 2 || pid === 2) && exeLink === undefined);
    if (kernelThread) {
      return {
        kernelThread: true,
        sockets: [],
        listed: { pid, ppid: stat.ppid, uid: 0, comm: stat.comm.slice(0, 256) },
      };
    }
    const key = `${pid}:${stat.startTime}`;
    let state = this.procIndex.get(key);
    const exe = exeLink !== undefined ? parseExeLink(exeLink) : undefined;
    // A process with another root directory (a container, a chroot): its executable, libraries and script
    // are named in its own tree; the files at those paths here are not them. They are not recorded as
    // objects (never judged on the wrong file); the process keeps its exe path, so the rules count it as
    // not judged.
    const foreign = await this.hasOtherRoot(dir);
    let rec: RuntimeProcess | undefined;
    if (state) {
      rec = this.processes[state.index]!;
      rec.lastSeen = at;
      rec.samples++;
      if (exe && exe.path !== rec.exe) {
        // The process exec'd another program: record what it runs now.
        await this.describe(dir, rec, stat.comm, exe, foreign);
      }
    } else if (this.processes.length < this.limits.maxProcesses) {
      rec = {
        pid,
        startTime: stat.startTime,
        ppid: stat.ppid,
        uid: 0,
        euid: 0,
        comm: stat.comm.slice(0, 64),
        args: [],
        maps: [],
        firstSeen: at,
        lastSeen: at,
        samples: 1,
      };
      state = { index: this.processes.length, mapSet: new Set() };
      this.processes.push(rec);
      this.procIndex.set(key, state);
      await this.describe(dir, rec, stat.comm, exe, foreign);
    } else {
      this.dropped.processSightings++;
    }
    const status = rec ? undefined : parseStatus((await this.read(path.join(dir, 'status'))) ?? '');
    const listed = {
      pid,
      ppid: rec?.ppid ?? status?.ppid ?? stat.ppid,
      uid: rec?.uid ?? status?.uid ?? 0,
      comm: stat.comm.slice(0, 256),
      ...(exe ? { exe: exe.path.slice(0, 4096) } : {}),
    };
    if (!rec || !state) return { kernelThread: false, sockets: [], listed };

    const mapsText = foreign ? undefined : await this.read(path.join(dir, 'maps'));
    if (mapsText !== undefined) {
      for (const m of parseMaps(mapsText)) {
        if (state.mapSet.has(m.path)) continue;
        // Paths already judged are remembered up to twice the cap (memory stays bounded however many
        // files a process maps over the run); past that, each sighting of a new path counts as dropped.
        if (state.mapSet.size >= 2 * this.limits.maxMapsPerProcess) {
          this.dropped.maps++;
          continue;
        }
        state.mapSet.add(m.path);
        if (rec.maps.length >= this.limits.maxMapsPerProcess) {
          this.dropped.maps++;
          continue;
        }
        const obj = await this.object(m.path, m.deleted);
        if (obj === undefined) this.dropped.maps++;
        else if (!rec.maps.includes(obj)) rec.maps.push(obj);
      }
    }
    return { kernelThread: false, index: state.index, sockets: await this.socketsOf(dir, sockets), listed };
  }

  /** status, cmdline and exe of a new (or newly exec'd) process. */
  private async describe(
    dir: string,
    rec: RuntimeProcess,
    comm: string,
    exe: { path: string; deleted: boolean } | undefined,
    foreign = false,
  ): Promise<void> {
    const status = parseStatus((await this.read(path.join(dir, 'status'))) ?? '');
    if (status.ppid !== undefined) rec.ppid = status.ppid;
    if (status.uid !== undefined) rec.uid = status.uid;
    if (status.euid !== undefined) rec.euid = status.euid;
    rec.comm = (status.name ?? comm).slice(0, 64);
    // The process's security label as its LSM reports it (SELinux context, AppArmor profile): the cis
    // rule selinux_confinement_of_daemons looks for unconfined services.
    const label = (await this.read(path.join(dir, 'attr', 'current')))?.replace(/[\0\s]+$/, '');
    if (label && label.length <= 256) rec.securityLabel = label;
    else delete rec.securityLabel;
    const cmdline = await this.read(path.join(dir, 'cmdline'), 'buffer');
    if (cmdline !== undefined) {
      const raw = parseCmdline(cmdline);
      const masked = maskArguments(raw);
      if (foreign) {
        delete rec.script;
        delete rec.scriptObject;
      } else await this.describeScript(dir, rec, exe, raw);
      const args: string[] = [];
      let chars = 0;
      let cut = masked.length > this.limits.maxArgs;
      for (const a of masked.slice(0, this.limits.maxArgs)) {
        const v = a.slice(0, this.limits.maxArgChars);
        if (v.length < a.length) cut = true;
        if (chars + v.length > this.limits.maxArgs * 64) {
          cut = true;
          break;
        }
        chars += v.length;
        args.push(v);
      }
      rec.args = args;
      if (cut) {
        rec.argsTruncated = true;
        this.dropped.args++;
      } else delete rec.argsTruncated;
    }
    if (exe) {
      if (exe.path.length > this.limits.maxPathChars || !exe.path.startsWith('/')) {
        this.dropped.longPaths++;
        delete rec.exe;
        delete rec.exeObject;
        return;
      }
      rec.exe = exe.path;
      if (exe.deleted) rec.exeDeleted = true;
      else delete rec.exeDeleted;
      const obj = foreign ? undefined : await this.object(exe.path, exe.deleted);
      if (obj !== undefined) rec.exeObject = obj;
      else delete rec.exeObject;
    }
  }

  /** Whether the process at `dir` has a root directory other than pid 1's (both readable). */
  private async hasOtherRoot(dir: string): Promise<boolean> {
    // /proc/PID/root is followed by the kernel (stat), not inside the agent's root: only /proc is resolved.
    const rootId = (p: string) =>
      fs.stat(p).then(
        (st) => `${st.dev}:${st.ino}`,
        () => undefined,
      );
    this.hostRoot ??= this.rootFs
      .resolve('/proc')
      .then((proc) => rootId(path.join(proc, '1', 'root')))
      .catch(() => undefined);
    const host = await this.hostRoot;
    if (host === undefined) return false;
    const own = await rootId(path.join(dir, 'root'));
    return own !== undefined && own !== host;
  }

  /**
   * The script an interpreter process runs (process.script, scriptObject), from its unmasked arguments. A
   * relative path is resolved against the process's working directory (/proc/PID/cwd). Only an existing
   * regular file counts (`python -W x app.py` with no app.py under that directory records nothing).
   *
   * The interpreter's own option parsing decides which argument is the script, even where the masking
   * heuristic hid it as a secret (`bash -p job.sh`, `perl -p job.pl`: -p is privileged mode or the print
   * loop there, not a password): a root process's script must not go unjudged because of a guess, and an
   * argument that names an existing file is a path, not a secret. The arguments stay masked.
   */
  private async describeScript(
    dir: string,
    rec: RuntimeProcess,
    exe: { path: string; deleted: boolean } | undefined,
    raw: readonly string[],
  ): Promise<void> {
    delete rec.script;
    delete rec.scriptObject;
    const kind = exe ? interpreterOf(exe.path, raw[0]) : undefined;
    const i = kind ? scriptArgumentIndex(kind, raw) : undefined;
    const arg = i === undefined ? undefined : raw[i];
    if (i === undefined || !arg || arg.includes('\0')) return;
    let p: string;
    let given: string;
    if (arg.startsWith('/')) {
      p = path.posix.normalize(arg);
      given = arg;
    } else {
      const cwd = await fs.readlink(path.join(dir, 'cwd')).catch(() => undefined);
      if (cwd === undefined || !cwd.startsWith('/') || cwd.endsWith(' (deleted)')) return;
      p = path.posix.resolve(cwd, arg);
      given = `${cwd}/${arg}`;
    }
    if (p.length > this.limits.maxPathChars) {
      this.dropped.longPaths++;
      return;
    }
    // The file that really runs, as the kernel finds it (links resolved, `..` after them): its object is
    // recorded under that path, as /proc/PID/exe names an executable, so the directories recorded above it
    // are the ones that hold it; the name as given stays in `script` and its directories are recorded too
    // (whoever may change a link on the way may change what runs).
    const host = await this.rootFs.resolve(given).catch(() => undefined);
    const st = host === undefined ? undefined : await fs.stat(host).catch(() => undefined);
    if (host === undefined || !st?.isFile()) return;
    const real = this.rootFs.inRoot(host);
    rec.script = p;
    if (real.length > this.limits.maxPathChars) {
      this.dropped.longPaths++;
      return;
    }
    const obj = await this.object(real, false);
    if (obj !== undefined) rec.scriptObject = obj;
  }

  /**
   * Once, after the last sample and readPendingElf(): record the directories above every object and script,
   * and look up which package owns each object. Never throws; returns the warnings for the document and
   * what the owner lookup cost.
   */
  async finish(
    opts: OwnerOptions = {},
  ): Promise<{ warnings: string[]; ownerBytesRead: number; ownerMs: number; rpmInvocations: number }> {
    // The files of root processes first (and their scripts under the name given too: it may go through
    // links the object's path does not), then the rest: only root processes' directories are judged, and
    // when the cap is reached it must not be by other users' processes crowding them out.
    const paths: string[] = [];
    const rootObjects = new Set<number>();
    for (const p of this.processes) {
      if (p.uid !== 0 && p.euid !== 0) continue;
      for (const i of [p.exeObject, p.scriptObject, ...p.maps]) if (i !== undefined) rootObjects.add(i);
    }
    for (const i of [...rootObjects].sort((a, b) => a - b)) paths.push(this.objects[i]!.path);
    for (const p of this.processes)
      if (p.script !== undefined && (p.uid === 0 || p.euid === 0)) paths.push(p.script);
    this.objects.forEach((o, i) => {
      if (!rootObjects.has(i)) paths.push(o.path);
    });
    for (const p of this.processes)
      if (p.script !== undefined && p.uid !== 0 && p.euid !== 0) paths.push(p.script);
    const warnings: string[] = [];
    try {
      await this.recordDirectories(paths);
    } catch (err) {
      // Nothing in it should throw (every stat is caught); if it does, the run still delivers.
      this.directories ??= [];
      warnings.push(`directories not recorded: ${(err as Error).message}`);
    }
    const started = performance.now();
    const lookup = await lookUpPackageOwners(
      this.rootFs,
      this.objects.map((o) => o.path),
      opts,
    );
    for (const o of this.objects) {
      const owner = lookup.owners.get(o.path);
      if (owner) o.package = owner;
      else delete o.package;
    }
    this.packageOwners = lookup.status;
    return {
      warnings: [...warnings, ...lookup.warnings],
      ownerBytesRead: lookup.bytesRead,
      ownerMs: performance.now() - started,
      rpmInvocations: lookup.rpmInvocations,
    };
  }

  /**
   * Every ancestor of each path up to `/`, deduplicated, in the order first met (each chain from `/` down),
   * at most maxDirectories; the rest counted in dropped.directories. A directory is recorded under the name
   * the path uses, with the mode and owner of what it resolves to inside the root (stat, not lstat: a
   * link's own mode means nothing on Linux, and who may replace the link is its parent's business, recorded
   * too). When a link on the way leads elsewhere (/lib → usr/lib on merged /usr), the chain of the resolved
   * directory (/usr, /usr/lib) is recorded as well: those are the directories that really hold the file.
   * Names are remembered up to twice the cap; past that each further sighting counts as dropped.
   */
  private async recordDirectories(paths: readonly string[]): Promise<void> {
    const max = this.limits.maxDirectories;
    const seen = new Set<string>();
    const candidates: string[] = [];
    const add = (dir: string) => {
      let cur = '';
      for (const part of ['', ...dir.split('/').filter((x) => x !== '')]) {
        cur = part === '' ? '/' : `${cur === '/' ? '' : cur}/${part}`;
        if (seen.has(cur)) continue;
        if (seen.size >= 2 * max) {
          this.dropped.directories!++;
          continue;
        }
        seen.add(cur);
        candidates.push(cur);
      }
    };
    for (const p of paths) {
      const dir = path.posix.dirname(path.posix.normalize(p));
      add(dir);
      const real = await this.rootFs.resolve(dir).catch(() => undefined);
      const inRoot = real === undefined ? undefined : this.rootFs.inRoot(real);
      if (inRoot !== undefined && inRoot !== dir) add(inRoot);
    }
    const out: Array<Directory | undefined> = new Array(Math.min(candidates.length, max));
    await pool(
      candidates.slice(0, max).map((d, i) => [d, i] as const),
      CONCURRENCY,
      async ([d, i]) => {
        const st = await this.rootFs
          .resolve(d)
          .then((host) => fs.stat(host))
          .catch(() => undefined);
        // A directory that vanished (or is not one, for a bad path) is left out.
        if (st?.isDirectory()) out[i] = { path: d, mode: st.mode, uid: st.uid, gid: st.gid };
      },
    );
    this.dropped.directories! += Math.max(0, candidates.length - max);
    this.directories = out.filter((d): d is Directory => d !== undefined);
  }

  /** Socket inodes among a process's open files. */
  private async socketsOf(dir: string, sockets: Map<number | string, NetSocket>): Promise<number[]> {
    const fdDir = path.join(dir, 'fd');
    let fds: string[];
    try {
      fds = await fs.readdir(fdDir);
    } catch {
      return []; // Another user's process (without root), or it ended.
    }
    if (fds.length > this.limits.maxFdsPerProcess) {
      this.dropped.fds += fds.length - this.limits.maxFdsPerProcess;
      fds = fds.slice(0, this.limits.maxFdsPerProcess);
    }
    const out: number[] = [];
    for (const fd of fds) {
      const link = await fs.readlink(path.join(fdDir, fd)).catch(() => undefined);
      const inode = link === undefined ? undefined : socketInode(link);
      if (inode !== undefined && sockets.has(inode)) out.push(inode);
    }
    return out;
  }

  /** Objects looked up in the current sample, by path: each path is resolved and stat'ed once a sample. */
  private sampleObjects = new Map<string, Promise<number | undefined>>();

  /** Index of the object for a path (stat now; ELF facts read by readPendingElf), or undefined. */
  private object(p: string, deleted: boolean): Promise<number | undefined> {
    let found = this.sampleObjects.get(p);
    if (!found) {
      found = this.lookUpObject(p, deleted);
      this.sampleObjects.set(p, found);
    }
    return found;
  }

  private async lookUpObject(p: string, deleted: boolean): Promise<number | undefined> {
    // Anonymous memory files have no path to read (memfd_create); the process record keeps the name.
    if (p.startsWith('/memfd:')) return undefined;
    if (p.length > this.limits.maxPathChars) {
      this.dropped.longPaths++;
      return undefined;
    }
    let stat: RuntimeObject['stat'];
    try {
      const st = await fs.stat(await this.rootFs.resolve(p));
      stat = { mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, inode: st.ino, mtimeMs: st.mtimeMs };
    } catch {
      stat = undefined;
    }
    const key = stat ? `${p}\0${stat.inode}\0${stat.mtimeMs}` : `${p}\0missing`;
    const known = this.objectIndex.get(key);
    if (known !== undefined) return known;
    if (this.objects.length >= this.limits.maxObjects) {
      this.dropped.objects++;
      return undefined;
    }
    const index = this.objects.length;
    this.objects.push({
      path: p,
      ...(deleted ? { deleted: true } : {}),
      ...(stat ? { stat } : {}),
      elf: { ok: false, reason: 'not-found', detail: `${p}: not read`, bytesRead: 0 },
    });
    this.objectIndex.set(key, index);
    this.elfQueue.push({ index, path: p });
    return index;
  }

  /**
   * Read the ELF facts of the objects found since the last call (the sampling loop runs it while it waits
   * for the next sample, and once at the end; `result()` before it leaves them marked not read).
   */
  async readPendingElf(): Promise<void> {
    const queue = this.elfQueue;
    this.elfQueue = [];
    await pool(queue, ELF_CONCURRENCY, async ({ index, path: p }) => {
      const left = this.limits.maxElfBytesPerRun - this.elfBytesRead;
      const obj = this.objects[index]!;
      if (left < MIN_ELF_BUDGET) {
        obj.elf = {
          ok: false,
          reason: 'too-large',
          detail: `${p}: the run's ELF byte budget is spent`,
          bytesRead: 0,
        };
        return;
      }
      // Reserve the budget before reading, so concurrent reads cannot overspend it.
      const budget = Math.min(ELF_MAX_BYTES, left);
      this.elfBytesRead += budget;
      const facts = await readElfFacts(this.rootFs, p, { maxBytes: budget });
      this.elfBytesRead -= budget - facts.bytesRead;
      obj.elf = trimElf(facts, this.limits);
    });
  }

  private joinSockets(sockets: NetSocket[], owners: Map<number, number[]>, at: string): void {
    const listening = sockets.filter(
      (s) =>
        (s.protocol.startsWith('tcp') && s.state === TCP_LISTEN) ||
        (s.protocol.startsWith('udp') &&
          s.state === UDP_UNCONNECTED &&
          s.remotePort === 0 &&
          s.localPort !== 0),
    );
    /** TCP listeners of this sample by port. */
    const tcpListeners = new Map<number, Array<{ s: NetSocket; state?: ListenerState }>>();
    const addTcp = (s: NetSocket, state?: ListenerState) => {
      const list = tcpListeners.get(s.localPort);
      if (list) list.push({ s, state });
      else tcpListeners.set(s.localPort, [{ s, state }]);
    };
    for (const s of listening) {
      const key = `${s.protocol}|${s.localAddress}|${s.localPort}`;
      let state = this.listenerIndex.get(key);
      if (!state) {
        if (this.listeners.length >= this.limits.maxListeners) {
          this.dropped.listeners++;
          if (s.protocol.startsWith('tcp')) addTcp(s);
          continue;
        }
        state = { index: this.listeners.length, processes: new Set(), lastSample: 0 };
        this.listenerIndex.set(key, state);
        this.listeners.push({
          protocol: s.protocol,
          address: s.localAddress,
          port: s.localPort,
          processes: [],
          accepted: 0,
          firstSeen: at,
          lastSeen: at,
          samples: 0,
        });
      }
      const rec = this.listeners[state.index]!;
      if (state.lastSample !== this.sampleCount) rec.samples++;
      state.lastSample = this.sampleCount;
      rec.lastSeen = at;
      for (const p of owners.get(s.inode) ?? []) {
        if (state.processes.has(p)) continue;
        // Past the cap, holders are not remembered: each sighting counts as dropped.
        if (rec.processes.length >= this.limits.maxProcessesPerListener) {
          this.dropped.listenerProcesses++;
          continue;
        }
        state.processes.add(p);
        rec.processes.push(p);
      }
      if (s.protocol.startsWith('tcp')) addTcp(s, state);
    }

    const tuples = new Set<string>();
    for (const s of sockets) {
      if (s.remotePort === 0 || s.state === TCP_LISTEN) continue;
      const tuple = tupleOf(s);
      tuples.add(tuple);
      const isNew = !this.previousTuples.has(tuple);
      const listener = s.protocol.startsWith('tcp')
        ? tcpListeners.get(s.localPort)?.find((l) => sameOrWildcard(l.s.localAddress, s.localAddress))
        : undefined;
      if (listener) {
        if (isNew && listener.state) this.listeners[listener.state.index]!.accepted++;
        continue;
      }
      const procs = owners.get(s.inode);
      for (const p of procs && procs.length > 0 ? procs : [undefined]) {
        const key = `${s.protocol}|${p ?? ''}|${s.remoteAddress}|${s.remotePort}`;
        let index = this.connectionIndex.get(key);
        if (index === undefined) {
          if (this.connections.length >= this.limits.maxConnections) {
            this.dropped.connections++;
            continue;
          }
          index = this.connections.length;
          this.connectionIndex.set(key, index);
          this.connections.push({
            protocol: s.protocol,
            ...(p !== undefined ? { process: p } : {}),
            remoteAddress: s.remoteAddress,
            remotePort: s.remotePort,
            connections: 0,
            firstSeen: at,
            lastSeen: at,
            samples: 0,
          });
        }
        const c = this.connections[index]!;
        if (isNew) c.connections++;
        if (this.connectionLastSample[index] !== this.sampleCount) c.samples++;
        this.connectionLastSample[index] = this.sampleCount;
        c.lastSeen = at;
      }
    }
    this.previousTuples = tuples;
  }

  /** Reusable read buffers (one per concurrent read): /proc reads allocate no off-heap memory per file. */
  private readonly scratch: Buffer[] = [];

  private async read(p: string): Promise<string | undefined>;
  private async read(p: string, as: 'buffer'): Promise<Buffer | undefined>;
  private async read(p: string, as?: 'buffer'): Promise<string | Buffer | undefined> {
    const buf = this.scratch.pop() ?? Buffer.allocUnsafe(SCRATCH_BYTES);
    try {
      // /proc files are small, but a fixture or hostile root could hold anything: read at most 1 MiB.
      const fh = await fs.open(p, 'r');
      try {
        const chunks: Buffer[] = [];
        let n = 0;
        let total = 0;
        while (total < MAX_PROC_FILE_BYTES) {
          if (n === buf.length) {
            chunks.push(Buffer.from(buf));
            n = 0;
          }
          const want = Math.min(buf.length - n, MAX_PROC_FILE_BYTES - total);
          const { bytesRead } = await fh.read(buf, n, want, null);
          if (bytesRead === 0) break;
          n += bytesRead;
          total += bytesRead;
        }
        if (chunks.length > 0) {
          const all = Buffer.concat([...chunks, buf.subarray(0, n)]);
          return as === 'buffer' ? all : all.toString('utf8');
        }
        return as === 'buffer' ? Buffer.from(buf.subarray(0, n)) : buf.toString('utf8', 0, n);
      } finally {
        await fh.close();
      }
    } catch {
      // ENOENT / ESRCH: the process ended; EACCES: another user's; counted, never fatal.
      this.unreadable++;
      return undefined;
    } finally {
      if (this.scratch.length < CONCURRENCY * 2) this.scratch.push(buf);
    }
  }
}

function tupleOf(s: NetSocket): string {
  return `${s.protocol}|${s.localAddress}|${s.localPort}|${s.remoteAddress}|${s.remotePort}`;
}

function sameOrWildcard(listener: string, local: string): boolean {
  return (
    listener === local ||
    listener === '0.0.0.0' ||
    listener === '::' ||
    `::ffff:${listener}` === local ||
    listener === `::ffff:${local}`
  );
}

/** ELF facts cut to the schema's caps (names and strings). */
export function trimElf(r: ElfRecord, limits: Limits = { ...RUNTIME_LIMITS }): ElfRecordTelemetry {
  const str = (s: string | undefined) => (s === undefined ? undefined : s.slice(0, limits.maxElfStringChars));
  const names = (xs: string[]) =>
    xs.slice(0, limits.maxElfNames).map((x) => x.slice(0, limits.maxElfNameChars));
  if (!r.ok) return { ...r, detail: r.detail.slice(0, limits.maxElfStringChars) };
  const { interpreter, dynamic, symbols, ...rest } = r;
  return {
    ...rest,
    resolvedPath: rest.resolvedPath.slice(0, limits.maxPathChars),
    machineName: rest.machineName.slice(0, 64),
    ...(interpreter !== undefined ? { interpreter: str(interpreter)! } : {}),
    ...(dynamic
      ? {
          dynamic: {
            ...dynamic,
            ...(dynamic.rpath !== undefined ? { rpath: str(dynamic.rpath)! } : {}),
            ...(dynamic.runpath !== undefined ? { runpath: str(dynamic.runpath)! } : {}),
            ...(dynamic.soname !== undefined ? { soname: str(dynamic.soname)! } : {}),
            needed: names(dynamic.needed),
            neededCount: dynamic.needed.length,
          },
        }
      : {}),
    symbols: {
      ...symbols,
      fortifiedReferenced: names(symbols.fortifiedReferenced),
      ...(symbols.unread !== undefined ? { unread: str(symbols.unread)! } : {}),
    },
  };
}

async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}
