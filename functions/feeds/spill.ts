/**
 * Advisories of one feed download kept on disk, one JSON-lines file per release, while the download is read;
 * then compiled one release at a time. OSV's Ubuntu export holds ~60,000 records that become ~580,000
 * advisories over 16 releases (about 800 MB of objects at once, and twice that while compiling); spilled, at
 * most one release's advisories are in memory (bench/feed-sync.ts measures both). The files go in a
 * temporary folder of the feeds directory (same file system as the index) and are removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, promises as fs, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { FeedBundle } from './import';
import { type Advisory, emptyRead, releaseKeyString } from './model';
import { feedsDir, type StoreReport, writeBundle } from './store';

/** Buffered text per release is written out past this many characters. */
const FLUSH_AT = 1 << 20;

export class AdvisorySpill {
  private readonly files = new Map<string, { file: string; fd: number; buffered: string[]; size: number }>();
  /** Advisories added. */
  count = 0;

  private constructor(readonly dir: string) {}

  /** A spill in a new temporary folder under `<dataDir>/feeds/`. */
  static async create(dataDir: string): Promise<AdvisorySpill> {
    const parent = feedsDir(dataDir);
    await fs.mkdir(parent, { recursive: true });
    const dir = path.join(parent, `.spill-${process.pid}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(dir);
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
