/**
 * The collector: reads raw material under a root directory into a telemetry document. It never stops on a
 * missing or unreadable item: each is recorded with its reason. Interpretation belongs to functions/parsers.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type CommandRecord,
  type FileRecord,
  HOST_CONFIG_LIMITS,
  LIMITS,
  type ListingEntry,
  type ListingRecord,
  type MissingReason,
  type PathStat,
  type Sample,
  SYSTEM_DIRECTORIES,
  TELEMETRY_SCHEMA_VERSION,
  type Telemetry,
} from '../functions/core/telemetry/schema';
import { collectCisFiles } from './cis-files';
import type { WalkEngine } from './fs-walk';
import { expandGlob } from './glob';
import { collectHostConfig, startFileSystemWalk } from './host-config';
import { readCapped } from './read-capped';
import { RootFs, reasonOf } from './root-fs';
import { RuntimeSampler } from './runtime';
import { AGENT_NAME, AGENT_VERSION } from './version';

export interface CollectOptions {
  root?: string;
  runId: string;
  instanceId: string;
  /** Sampling window in seconds; 0 takes one sample. */
  durationSeconds?: number;
  /** Seconds between samples (default: the window split in up to 60 samples, at least 1 s apart). */
  sampleIntervalSeconds?: number;
  /** Called between steps, for progress on a terminal. */
  onProgress?: (step: string) => void;
  /** Stop sampling early (SSM cancel, Ctrl-C). */
  signal?: AbortSignal;
  /**
   * Budget of the file system walk (world-writable, unowned, SUID/SGID files): at most `maxEntries`
   * entries (default 1,000,000) and `maxSeconds` (default: the sampling window, at least 1 s, at most
   * 20 s; the walk runs while the agent samples). `false` skips it. `engine: 'node'` walks without GNU find.
   */
  walk?: { maxEntries?: number; maxSeconds?: number; engine?: WalkEngine } | false;
}

const SINGLE_FILES: ReadonlyArray<[string, number]> = [
  ['/etc/os-release', LIMITS.maxConfigFileBytes],
  ['/usr/lib/os-release', LIMITS.maxConfigFileBytes],
  ['/etc/hostname', LIMITS.maxConfigFileBytes],
  ['/etc/machine-id', LIMITS.maxConfigFileBytes],
  ['/var/lib/dbus/machine-id', LIMITS.maxConfigFileBytes],
  ['/etc/login.defs', LIMITS.maxConfigFileBytes],
  ['/etc/security/pwquality.conf', LIMITS.maxConfigFileBytes],
  ['/proc/cpuinfo', LIMITS.maxConfigFileBytes],
  ['/var/lib/dpkg/status', LIMITS.maxFileBytes],
  ['/lib/apk/db/installed', LIMITS.maxFileBytes],
  // Ubuntu Pro client's status cache (world-readable): whether ESM fixes can be installed on this host.
  ['/var/lib/ubuntu-advantage/status.json', LIMITS.maxConfigFileBytes],
];

const SSHD_CONFIG = '/etc/ssh/sshd_config';
const SSHD_BINARIES = ['/usr/sbin/sshd', '/usr/bin/sshd', '/sbin/sshd'];
const RPM_DATABASES = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'];
const RPM_BASE_FORMAT = '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}';
/** With each package's module stream (rpm >= 4.14; RHEL 8 and later); older rpm refuses the unknown tag. */
const RPM_QUERY_FORMAT = `${RPM_BASE_FORMAT}\\t%{MODULARITYLABEL}\\n`;
const RPM_QUERY_FORMAT_OLD = `${RPM_BASE_FORMAT}\\n`;
/** Loaded kernel live patches: one directory per patch module, with an `enabled` file (0 or 1). */
const LIVEPATCH_SYSFS = '/sys/kernel/livepatch';
const MAX_DIR_ENTRIES = 500;
const MAX_INCLUDE_DEPTH = 16;

export async function collectTelemetry(opts: CollectOptions): Promise<Telemetry> {
  const rootFs = new RootFs(opts.root ?? '/');
  const startedAt = new Date();
  const progress = opts.onProgress ?? (() => {});
  const c = new Collector(rootFs);

  // The walk first: the longest step, it runs beside everything else (GNU find in its own process).
  const durationSeconds = Math.max(0, opts.durationSeconds ?? 0);
  const walk = await startFileSystemWalk(c, {
    durationSeconds,
    ...(opts.walk !== undefined ? { walk: opts.walk } : {}),
  });

  progress('reading system files');
  await Promise.all(SINGLE_FILES.map(([p, max]) => c.file(p, max)));
  await Promise.all([
    c.directoryFiles('/etc/pam.d'),
    c.directoryFiles('/etc/security/pwquality.conf.d', '.conf'),
  ]);
  await c.directoryFiles('/var/lib/dpkg/status.d', undefined, LIMITS.maxFileBytes);

  progress('reading host configuration');
  const hostConfig = await collectHostConfig(c, walk);

  progress('reading sshd configuration');
  await c.sshdConfig();
  await Promise.all([...SSHD_BINARIES, ...SYSTEM_DIRECTORIES, ...RPM_DATABASES].map((p) => c.stat(p)));
  await collectCisFiles(c);

  progress('reading package databases');
  await c.rpm(RPM_DATABASES);
  await c.livepatches();

  progress('reading kernel parameters');
  const kernelParameters = await readKernelParameters(rootFs);
  const host = await hostIdentity(rootFs, kernelParameters, c);

  const samples: Sample[] = [];
  const interval = opts.sampleIntervalSeconds ?? Math.max(1, durationSeconds / 60);
  const sampler = new RuntimeSampler(rootFs, interval);
  progress(durationSeconds > 0 ? `sampling for ${durationSeconds} s` : 'taking one sample');
  await sampleFor(sampler, durationSeconds, interval, samples, opts.signal);
  progress('looking up directories and package owners of running programs');
  const finished = await sampler.finish();
  for (const w of finished.warnings) c.warnings.push(`runtime: ${w}`.slice(0, 2048));
  const runtime = sampler.result();
  if (runtime.proc.status !== 'ok')
    c.warnings.push(`runtime sampling: /proc not readable (${runtime.proc.detail})`);
  if (runtime.truncated)
    c.warnings.push(
      `runtime sampling hit its caps; dropped: ${JSON.stringify(runtime.dropped)}`.slice(0, 2048),
    );
  progress('finishing the file system walk');
  const { accounts, kernelModules, fileSystemWalk, userEnvironment } = await hostConfig.done;
  if (fileSystemWalk.status === 'ok' && !fileSystemWalk.complete)
    c.warnings.push(
      `file system walk stopped by its ${fileSystemWalk.stoppedBy} budget after ${fileSystemWalk.entriesVisited} entries (${fileSystemWalk.elapsedMs} ms): absences of world-writable, unowned and SUID/SGID files are not established`,
    );

  return {
    schemaVersion: TELEMETRY_SCHEMA_VERSION,
    agent: { name: AGENT_NAME, version: AGENT_VERSION },
    runId: opts.runId,
    instanceId: opts.instanceId,
    root: rootFs.root,
    collection: {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      durationSeconds,
    },
    host,
    files: c.files,
    paths: c.paths,
    commands: c.commands,
    kernelParameters,
    samples,
    warnings: c.warnings.slice(0, 1000),
    runtime,
    listings: c.listings,
    accounts,
    kernelModules,
    fileSystemWalk,
    userEnvironment,
  };
}

/** Rewrites a file's text before it is recorded (redaction); returns the text and how many items it cut. */
export type FileTransform = (text: string) => { text: string; redacted: number };

export class Collector {
  readonly files: Record<string, FileRecord> = {};
  readonly paths: Record<string, PathStat> = {};
  readonly commands: Record<string, CommandRecord> = {};
  readonly listings: Record<string, ListingRecord> = {};
  readonly warnings: string[] = [];
  constructor(readonly rootFs: RootFs) {}

  async file(
    p: string,
    maxBytes: number = LIMITS.maxConfigFileBytes,
    transform?: FileTransform,
  ): Promise<FileRecord> {
    if (this.files[p]) return this.files[p];
    if (Object.keys(this.files).length >= LIMITS.maxFiles) {
      const rec: FileRecord = { status: 'missing', reason: 'too-large', detail: 'file count limit reached' };
      this.warnings.push(`not recorded ${p}: the agent's file count limit was reached`);
      return rec;
    }
    let rec = await readRecord(this.rootFs, p, maxBytes);
    if (transform && rec.status === 'ok') rec = transformRecord(rec, transform);
    this.files[p] = rec;
    return rec;
  }

  /** Records an item the agent did not read, with the reason (e.g. live-host-only material). */
  notCollected(p: string, reason: MissingReason, detail: string): void {
    this.files[p] = { status: 'missing', reason, detail: detail.slice(0, 2048) };
  }

  /** Names, types, owner, mode and link targets of a directory's entries (bounded), not their contents. */
  async listing(dir: string): Promise<ListingRecord> {
    if (this.listings[dir]) return this.listings[dir];
    if (Object.keys(this.listings).length >= HOST_CONFIG_LIMITS.maxListings) {
      this.warnings.push(
        `${dir}: not listed, the agent's listing limit (${HOST_CONFIG_LIMITS.maxListings}) was reached`,
      );
      return { status: 'missing', reason: 'too-large', detail: 'listing limit reached' };
    }
    const rec = await listingRecord(this.rootFs, dir);
    if (rec.status === 'ok' && rec.truncated)
      this.warnings.push(`${dir}: only the first ${rec.entries.length} of ${rec.total} entries listed`);
    this.listings[dir] = rec;
    return rec;
  }

  /**
   * Runs a command of the live host (bounded output, timeout); under another root it is recorded as not
   * collected (the command would describe the host running the agent, not the root).
   */
  async command(
    key: string,
    argv: string[],
    opts: { timeoutMs?: number; maxBytes?: number } = {},
  ): Promise<void> {
    if (!this.rootFs.isHostRoot) {
      this.commands[key] = {
        status: 'missing',
        argv,
        reason: 'not-live-host',
        detail: `not a live host: the root is ${this.rootFs.root}`.slice(0, 2048),
      };
      return;
    }
    this.commands[key] = await runCommand(argv, opts);
  }

  async stat(p: string): Promise<void> {
    this.paths[p] = await statRecord(this.rootFs, p);
  }

  /** Every regular file directly in a directory (sorted), optionally only those ending in `suffix`. */
  async directoryFiles(
    dir: string,
    suffix?: string,
    maxBytes?: number,
    /** Bytes left for a group of directories: files are then read one by one and stop when it is spent. */
    budget?: { remaining: number; what: string; cut: number },
    /** Redaction applied to each file before it is recorded. */
    transform?: FileTransform,
  ): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(await this.rootFs.resolve(dir));
    } catch (err) {
      const { reason, detail } = reasonOf(err);
      this.paths[dir] = { status: 'missing', reason, detail };
      return;
    }
    this.paths[dir] = await statRecord(this.rootFs, dir);
    const picked = names
      .filter((n) => !suffix || n.endsWith(suffix))
      .sort()
      .slice(0, MAX_DIR_ENTRIES);
    if (names.length > MAX_DIR_ENTRIES)
      this.warnings.push(`${dir}: only the first ${MAX_DIR_ENTRIES} entries read`);
    if (!budget) {
      await Promise.all(picked.map((n) => this.file(path.posix.join(dir, n), maxBytes, transform)));
      return;
    }
    for (const n of picked) {
      const p = path.posix.join(dir, n);
      const cap = Math.min(maxBytes ?? LIMITS.maxConfigFileBytes, budget.remaining);
      if (cap <= 0) {
        this.notCollected(p, 'too-large', `not read: the agent's ${budget.what} byte budget is spent`);
        budget.cut++;
        continue;
      }
      const rec = await this.file(p, cap, transform);
      if (rec.status === 'ok') budget.remaining -= rec.size;
      else if (rec.reason === 'too-large' && cap < (maxBytes ?? LIMITS.maxConfigFileBytes)) budget.cut++;
    }
  }

  /** sshd_config and, recursively, every file its Include directives name (glob-expanded like sshd). */
  async sshdConfig(): Promise<void> {
    const queue: Array<[string, number]> = [[SSHD_CONFIG, 0]];
    // Each file is read and scanned once, however often it is included (includes repeated at every level
    // would otherwise grow the queue exponentially).
    const seen = new Set<string>([SSHD_CONFIG]);
    while (queue.length > 0) {
      const [p, depth] = queue.shift()!;
      const rec = await this.file(p);
      if (rec.status !== 'ok' || rec.encoding !== 'utf8') continue;
      if (depth >= MAX_INCLUDE_DEPTH) {
        this.warnings.push(`${p}: Include nesting deeper than ${MAX_INCLUDE_DEPTH} not followed`);
        continue;
      }
      for (const pattern of new Set(includePatterns(rec.content))) {
        const absolute = pattern.startsWith('/') ? pattern : path.posix.join('/etc/ssh', pattern);
        for (const m of await expandGlob(this.rootFs, absolute)) {
          if (seen.has(m)) continue;
          seen.add(m);
          queue.push([m, depth + 1]);
        }
      }
    }
  }

  /** rpm has no documented on-disk format to read directly: ask the rpm command, when both exist. */
  async rpm(databases: readonly string[]): Promise<void> {
    const hasDb = databases.some((d) => this.paths[d]?.status === 'ok');
    if (!hasDb) return;
    const argv = ['rpm', '--root', this.rootFs.root, '-qa', '--queryformat', RPM_QUERY_FORMAT];
    let rec = await runCommand(argv);
    if (rec.status === 'ok' && rec.exitCode !== 0 && /unknown tag/i.test(rec.stderr)) {
      // rpm < 4.14 (Amazon Linux 2, EL7) has no MODULARITYLABEL tag (and no module streams either).
      this.warnings.push('rpm does not know the MODULARITYLABEL tag: packages listed without module streams');
      rec = await runCommand([
        'rpm',
        '--root',
        this.rootFs.root,
        '-qa',
        '--queryformat',
        RPM_QUERY_FORMAT_OLD,
      ]);
    }
    this.commands.rpm = rec;
  }

  /** Which kernel live patches are loaded: /sys/kernel/livepatch/<patch>/enabled (under the root). */
  async livepatches(): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(await this.rootFs.resolve(LIVEPATCH_SYSFS));
    } catch (err) {
      const { reason, detail } = reasonOf(err);
      this.paths[LIVEPATCH_SYSFS] = { status: 'missing', reason, detail };
      return;
    }
    this.paths[LIVEPATCH_SYSFS] = await statRecord(this.rootFs, LIVEPATCH_SYSFS);
    if (names.length > MAX_DIR_ENTRIES)
      this.warnings.push(`${LIVEPATCH_SYSFS}: only the first ${MAX_DIR_ENTRIES} entries read`);
    const picked = names.sort().slice(0, MAX_DIR_ENTRIES);
    // One after the other: the files are recorded in name order.
    for (const n of picked) await this.file(path.posix.join(LIVEPATCH_SYSFS, n, 'enabled'));
  }
}

/** The patterns of every `Include` line (keyword case-insensitive, quoted or bare arguments). */
function includePatterns(config: string): string[] {
  const out: string[] = [];
  for (const raw of config.split('\n')) {
    const line = raw.trim();
    const m = /^include(?:\s+|\s*=\s*)(.+)$/i.exec(line);
    if (!m) continue;
    for (const tok of m[1]!.match(/"[^"]*"|\S+/g) ?? []) out.push(tok.replace(/^"|"$/g, ''));
  }
  return out;
}

async function readRecord(rootFs: RootFs, p: string, maxBytes: number): Promise<FileRecord> {
  try {
    const host = await rootFs.resolve(p);
    const st = await fs.stat(host);
    if (!st.isFile())
      return { status: 'missing', reason: 'not-a-file', detail: `${p} is not a regular file` };
    // /proc files report size 0: read with a cap instead of trusting st.size.
    const handle = await fs.open(host, 'r');
    let buf: Buffer;
    try {
      buf = await readCapped(handle, maxBytes);
    } finally {
      await handle.close();
    }
    if (buf.byteLength > maxBytes) {
      return { status: 'missing', reason: 'too-large', detail: `${p} is larger than ${maxBytes} bytes` };
    }
    const resolved = rootFs.inRoot(host);
    const base = { size: buf.byteLength, mode: st.mode, uid: st.uid, gid: st.gid };
    const extra = resolved !== p ? { resolvedPath: resolved } : {};
    const text = decodeUtf8(buf);
    return text === undefined
      ? { status: 'ok', encoding: 'base64', content: buf.toString('base64'), ...base, ...extra }
      : { status: 'ok', encoding: 'utf8', content: text, ...base, ...extra };
  } catch (err) {
    // A link to /dev/null masks a configuration file (systemd, sysctl.d, modprobe.d): say so also under a
    // root that has no /dev/null of its own.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && (await linksToDevNull(rootFs, p)))
      return { status: 'missing', reason: 'not-a-file', detail: `${p} links to /dev/null` };
    return { status: 'missing', ...reasonOf(err) };
  }
}

async function linksToDevNull(rootFs: RootFs, p: string): Promise<boolean> {
  try {
    const parent = await rootFs.resolve(path.posix.dirname(p));
    return (await fs.readlink(path.join(parent, path.posix.basename(p)))) === '/dev/null';
  } catch {
    return false;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function decodeUtf8(buf: Buffer): string | undefined {
  try {
    return utf8.decode(buf);
  } catch {
    return undefined;
  }
}

function transformRecord(rec: Extract<FileRecord, { status: 'ok' }>, transform: FileTransform): FileRecord {
  const utf8Text = rec.encoding === 'utf8';
  const text = utf8Text ? rec.content : Buffer.from(rec.content, 'base64').toString('latin1');
  const out = transform(text);
  const content = utf8Text ? out.text : Buffer.from(out.text, 'latin1').toString('base64');
  const size = utf8Text ? Buffer.byteLength(out.text) : Buffer.byteLength(out.text, 'latin1');
  return { ...rec, content, size };
}

async function listingRecord(rootFs: RootFs, dir: string): Promise<ListingRecord> {
  let host: string;
  let names: string[];
  try {
    host = await rootFs.resolve(dir);
    names = await fs.readdir(host);
  } catch (err) {
    return { status: 'missing', ...reasonOf(err) };
  }
  names.sort();
  const picked = names
    .filter((n) => n.length <= HOST_CONFIG_LIMITS.maxNameChars)
    .slice(0, HOST_CONFIG_LIMITS.maxListingEntries);
  const entries = (
    await Promise.all(
      picked.map(async (name): Promise<ListingEntry | undefined> => {
        try {
          const full = path.join(host, name);
          const l = await fs.lstat(full);
          const e: ListingEntry = { name, type: typeOf(l), mode: l.mode, uid: l.uid, gid: l.gid };
          if (l.isSymbolicLink()) e.target = (await fs.readlink(full)).slice(0, 4096);
          return e;
        } catch {
          return undefined;
        }
      }),
    )
  ).filter((e): e is ListingEntry => e !== undefined);
  const resolved = rootFs.inRoot(host);
  return {
    status: 'ok',
    entries,
    total: names.length,
    truncated: entries.length < names.length,
    ...(resolved !== dir ? { resolvedPath: resolved } : {}),
  };
}

export async function statRecord(rootFs: RootFs, p: string): Promise<PathStat> {
  try {
    const parent = await rootFs.resolve(path.posix.dirname(p));
    const own = path.join(parent, path.posix.basename(p));
    const l = await fs.lstat(own);
    if (!l.isSymbolicLink()) {
      return { status: 'ok', type: typeOf(l), mode: l.mode, uid: l.uid, gid: l.gid };
    }
    const linkTarget = await fs.readlink(own);
    const host = await rootFs.resolve(p);
    const st = await fs.stat(host);
    return {
      status: 'ok',
      type: typeOf(st),
      mode: st.mode,
      uid: st.uid,
      gid: st.gid,
      linkTarget,
      resolvedPath: rootFs.inRoot(host),
    };
  } catch (err) {
    return { status: 'missing', ...reasonOf(err) };
  }
}

function typeOf(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }) {
  if (st.isDirectory()) return 'directory' as const;
  if (st.isFile()) return 'file' as const;
  if (st.isSymbolicLink()) return 'symlink' as const;
  return 'other' as const;
}

const KERNEL_PARAMETER_READS = 16;

/** Runs the tasks given to it with at most `n` of them in flight at once, the others queued in order. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  return async (task) => {
    // A finishing task hands its slot to the first waiter (active unchanged), so at most `n` ever run.
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}

async function readKernelParameters(rootFs: RootFs): Promise<Telemetry['kernelParameters']> {
  let base: string;
  try {
    base = await rootFs.resolve('/proc/sys');
    await fs.access(base);
  } catch (err) {
    return { status: 'missing', ...reasonOf(err) };
  }
  const values: Record<string, string> = {};
  const unreadable: Record<string, string> = {};
  let count = 0;
  // At most KERNEL_PARAMETER_READS files open at once: /proc/sys files report size 0, so each read takes a 64 KiB
  // buffer, and the ~1,300 of them read at once held 80 MiB of buffers (and 15 MB more peak RSS) until a collection.
  const readParameter = limiter(KERNEL_PARAMETER_READS);
  const walk = async (dir: string, prefix: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (prefix) unreadable[prefix] = (err as NodeJS.ErrnoException).code ?? 'ERROR';
      return;
    }
    await Promise.all(
      entries.map(async (e) => {
        const key = prefix ? `${prefix}.${e.name}` : e.name;
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return walk(full, key);
        if (!e.isFile() || ++count > LIMITS.maxKernelParameters) return;
        try {
          const text = await readParameter(() => fs.readFile(full, 'utf8'));
          values[key] = text.replace(/\n$/, '').slice(0, 64 * 1024);
        } catch (err) {
          unreadable[key] = (err as NodeJS.ErrnoException).code ?? 'ERROR';
        }
      }),
    );
  };
  await walk(base, '');
  return { status: 'ok', values, unreadable };
}

async function hostIdentity(
  rootFs: RootFs,
  params: Telemetry['kernelParameters'],
  c: Collector,
): Promise<Telemetry['host']> {
  const values = params.status === 'ok' ? params.values : {};
  let kernelName: string;
  let kernelNameSource: Telemetry['host']['kernelNameSource'];
  if (values['kernel.ostype']) {
    kernelName = values['kernel.ostype'].trim();
    kernelNameSource = 'proc';
  } else if (c.files['/etc/os-release']?.status === 'ok' || c.files['/usr/lib/os-release']?.status === 'ok') {
    // os-release is a systemd/Linux convention; an unpacked Linux root without /proc still has it.
    kernelName = 'Linux';
    kernelNameSource = 'os-release';
  } else if (rootFs.isHostRoot) {
    kernelName = os.type();
    kernelNameSource = 'agent-platform';
  } else {
    kernelName = 'unknown';
    kernelNameSource = 'unknown';
  }
  if (values['kernel.arch'])
    return { kernelName, kernelNameSource, arch: values['kernel.arch'].trim(), archSource: 'proc' };
  if (rootFs.isHostRoot)
    return { kernelName, kernelNameSource, arch: os.machine(), archSource: 'agent-process' };
  return { kernelName, kernelNameSource };
}

function runCommand(
  argv: string[],
  opts: { timeoutMs?: number; maxBytes?: number } = {},
): Promise<CommandRecord> {
  const timeout = opts.timeoutMs ?? 120_000;
  return new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      {
        maxBuffer: opts.maxBytes ?? LIMITS.maxCommandOutputBytes,
        timeout,
        env: { ...process.env, LC_ALL: 'C', SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0' },
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean }) | null;
        if (e?.killed && !e.message.includes('maxBuffer')) {
          resolve({ status: 'missing', argv, reason: 'error', detail: `timed out after ${timeout} ms` });
          return;
        }
        if (e && typeof e.code === 'string' && !e.message.includes('maxBuffer')) {
          resolve({ status: 'missing', argv, ...reasonOf(e) });
          return;
        }
        if (e?.message.includes('maxBuffer')) {
          resolve({ status: 'missing', argv, reason: 'too-large', detail: 'command output over the limit' });
          return;
        }
        const exitCode = e ? (typeof e.code === 'number' ? e.code : 1) : 0;
        resolve({ status: 'ok', argv, exitCode, stdout, stderr: stderr.slice(0, 64 * 1024) });
      },
    );
  });
}

/**
 * Samples at the start, every `intervalSeconds`, and at the end of the window (`durationSeconds` 0: one
 * sample). An abort (SIGTERM, Ctrl-C) takes a last sample and stops.
 */
async function sampleFor(
  sampler: RuntimeSampler,
  durationSeconds: number,
  intervalSeconds: number,
  samples: Sample[],
  signal?: AbortSignal,
): Promise<void> {
  const requested = Date.now();
  samples.push(await sampler.sample());
  // The window runs from the start sample's time (a busy host, or the file system walk running beside the
  // sampler, can delay it): the last sample is at least the window after the first.
  const firstAt = Date.parse(samples[0]!.at);
  const deadline =
    (Number.isFinite(firstAt) ? Math.max(firstAt, requested) : requested) + durationSeconds * 1000;
  while (!signal?.aborted && samples.length < LIMITS.maxSamples) {
    const wait = Math.min(Math.max(intervalSeconds, 0.05) * 1000, deadline - Date.now());
    // A start sample that overran a short window is still followed by the end sample.
    if (wait <= 0 && (samples.length > 1 || durationSeconds === 0)) break;
    // ELF facts of what the last sample found are read while waiting for the next one.
    await Promise.all([sleep(Math.max(0, wait), signal), sampler.readPendingElf()]);
    samples.push(await sampler.sample());
  }
  await sampler.readPendingElf();
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
