/**
 * Advisories of one feed download kept on disk, one JSON-lines file per release, while the download is read;
 * then compiled one release at a time. OSV's Ubuntu export holds ~60,000 records that become ~580,000
 * advisories over 16 releases (about 800 MB of objects at once, and twice that while compiling); spilled, at
 * most one release's advisories are in memory (bench/feed-sync.ts measures both). The files go in a
 * temporary folder of the feeds directory (same file system as the index) and are removed afterwards.
 *
 * A process killed mid-sync (`feeds sync` interrupted, a Lambda that timed out) cannot remove its folder, so
 * every new spill first removes the `.spill-<pid>-<hex>` folders of the same feeds directory that no live
 * sync owns (sweepStaleFolders): hundreds of MB of JSON lines would otherwise stay forever, and in the
 * feed-sync Lambda they would fill the next invocation's /tmp.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, promises as fs, openSync, utimesSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { FeedBundle } from './import';
import { type Advisory, emptyRead, releaseKeyString } from './model';
import { feedsDir, type StoreReport, writeBundle } from './store';

/** Buffered text per release is written out past this many characters. */
const FLUSH_AT = 1 << 20;

/** A spill's folder: `.spill-<pid>-<hex>` in the feeds directory. */
export const SPILL_PREFIX = '.spill-';

/** A folder not written to for this long is stale whatever its pid says (see sweepStaleFolders). */
export const STALE_FOLDER_MS = 3_600_000;

/** The working folders this process has open (spills not yet disposed, the feed-sync Lambda's work folder). */
const openFolders = new Set<string>();

/** Mark a folder as this process's, in use: sweepStaleFolders leaves it alone until `releaseFolder`. */
export function claimFolder(dir: string): void {
  openFolders.add(path.resolve(dir));
}
export function releaseFolder(dir: string): void {
  openFolders.delete(path.resolve(dir));
}

/** Whether a process with this pid exists on this host (EPERM: it exists, owned by another user). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Remove the working folders `<prefix><pid>-<random>` of `parent` that no running process uses (spills of a
 * killed `feeds sync`, the work folder of a feed-sync Lambda that timed out). One is removed when
 * - no process with that pid runs on this host (`process.kill(pid, 0)` fails with ESRCH): it was killed;
 * - the pid is this process's own but the folder is not one this process has open (claimFolder): a previous
 *   process with the same pid left it. Lambda restarts its runtime after a timeout in the same sandbox, whose
 *   /tmp the next invocation keeps, and pids repeat there (the runtime gets the same small pid);
 * - or neither it nor a folder directly in it has been modified for an hour (mtime; an open spill touches
 *   its folder at every write, a sync adds files to its folders): the pid was reused by an unrelated process,
 *   or the folder is another host's (a shared directory), where the pid says nothing.
 * Returns the names removed.
 */
export async function sweepStaleFolders(
  parent: string,
  prefix: string,
  now: number = Date.now(),
): Promise<string[]> {
  const re = new RegExp(`^${escapeRe(prefix)}(\\d+)-[A-Za-z0-9]+$`);
  const removed: string[] = [];
  for (const name of await fs.readdir(parent).catch(() => [] as string[])) {
    const m = re.exec(name);
    if (!m) continue;
    const dir = path.resolve(parent, name);
    if (openFolders.has(dir)) continue;
    const pid = Number(m[1]);
    const stale = pid === process.pid || !pidAlive(pid) || now - (await lastModified(dir)) > STALE_FOLDER_MS;
    if (!stale) continue;
    await fs.rm(dir, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** The newest mtime of a folder and the folders directly in it (now when it cannot be read: kept). */
async function lastModified(dir: string): Promise<number> {
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st) return Date.now();
  let newest = st.mtimeMs;
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (!e.isDirectory()) continue;
    const sub = await fs.stat(path.join(dir, e.name)).catch(() => undefined);
    if (sub && sub.mtimeMs > newest) newest = sub.mtimeMs;
  }
  return newest;
}

export class AdvisorySpill {
  private readonly files = new Map<string, { file: string; fd: number; buffered: string[]; size: number }>();
  /** Advisories added. */
  count = 0;

  private constructor(readonly dir: string) {}

  /**
   * A spill in a new temporary folder under `<dataDir>/feeds/`, after removing the folders spills of killed
   * processes left there (sweepStaleFolders).
   */
  static async create(dataDir: string): Promise<AdvisorySpill> {
    const parent = feedsDir(dataDir);
    await fs.mkdir(parent, { recursive: true });
    await sweepStaleFolders(parent, SPILL_PREFIX);
    const dir = path.join(parent, `${SPILL_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(dir);
    claimFolder(dir);
    return new AdvisorySpill(dir);
  }

  /** Record one advisory (synchronous: this is a FeedBundle sink). */
  readonly add = (a: Advisory): void => {
    const key = releaseKeyString(a.key);
    let f = this.files.get(key);
    if (!f) {
      const file = path.join(this.dir, `${this.files.size}.jsonl`);
      f = { file, fd: openSync(file, 'a'), buffered: [], size: 0 };
      this.files.set(key, f);
    }
    const line = `${JSON.stringify(a)}\n`;
    f.buffered.push(line);
    f.size += line.length;
    this.count++;
    if (f.size >= FLUSH_AT) this.flush(f);
  };

  private flush(f: { fd: number; buffered: string[]; size: number }): void {
    if (f.buffered.length === 0) return;
    writeSync(f.fd, f.buffered.join(''));
    f.buffered = [];
    f.size = 0;
    this.touch();
  }

  /** Mark the folder as in use (its mtime), so sweepStaleFolders never takes it for a stale one. */
  private touch(): void {
    try {
      const now = new Date();
      utimesSync(this.dir, now, now);
    } catch {
      // removed under us: the read or the next write says so
    }
  }

  /** Release keys seen ("ubuntu:22.04"), sorted. */
  releaseKeys(): string[] {
    return [...this.files.keys()].sort();
  }

  /** The advisories of one release, in the order they were added. */
  async advisories(key: string): Promise<Advisory[]> {
    const f = this.files.get(key);
    if (!f) return [];
    this.flush(f);
    this.touch();
    const text = await fs.readFile(f.file, 'utf8');
    const out: Advisory[] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      out.push(JSON.parse(text.slice(start, end)) as Advisory);
      start = end + 1;
    }
    return out;
  }

  async dispose(): Promise<void> {
    for (const f of this.files.values()) {
      try {
        closeSync(f.fd);
      } catch {
        // already closed
      }
    }
    this.files.clear();
    await fs.rm(this.dir, { recursive: true, force: true });
    releaseFolder(this.dir);
  }
}

/**
 * Write what a spilled download holds into the data dir: its other data (KEV, EPSS, ...) as it is, then each
 * release rebuilt from its spilled advisories alone (`replace`, as feeds sync does), one release at a time.
 * Returns one report for all of it.
 */
export async function writeSpilled(
  dataDir: string,
  spill: AdvisorySpill,
  rest: Omit<FeedBundle, 'read' | 'files' | 'sink'>,
  opts: { now?: string } = {},
): Promise<StoreReport> {
  const now = opts.now ?? new Date().toISOString();
  // The download's other data (KEV, EPSS, severities) first, written as writeBundle writes it.
  const hasOther = Object.values(rest).some((v) => v !== undefined);
  const report: StoreReport = hasOther
    ? await writeBundle(dataDir, { ...rest, read: emptyRead() }, { replace: true, now })
    : { releases: [], dir: feedsDir(dataDir) };
  for (const key of spill.releaseKeys()) {
    const advisories = await spill.advisories(key);
    const r = await writeBundle(dataDir, { read: { ...emptyRead(), advisories } }, { replace: true, now });
    for (const rel of r.releases) report.releases.push(rel);
  }
  return report;
}
