/**
 * Opening a feed for the `cve` rules package: a compiled data dir, or raw feed files compiled in memory for
 * one assessment (`inspector assess --feed PATH`).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type CveIndex, MemoryCveIndex } from './compile';
import { readFeedPath } from './import';
import { feedsDir, StoredCveIndex } from './store';

export interface OpenedFeed {
  index: CveIndex;
  /** Records rejected while compiling raw files (one line each); empty for a compiled index. */
  warnings: string[];
}

async function hasManifest(dir: string): Promise<boolean> {
  return fs
    .stat(path.join(dir, 'manifest.json'))
    .then((s) => s.isFile())
    .catch(() => false);
}

/**
 * PATH is a data dir (or its feeds/ folder) holding a compiled index → that index, loaded lazily.
 * Anything else `inspector feeds import` accepts (directory or zip of OSV JSON, JSONL, updateinfo.xml(.gz),
 * KEV JSON, EPSS CSV) → compiled in memory, nothing written.
 */
export async function openFeed(p: string): Promise<OpenedFeed> {
  const st = await fs.stat(p).catch(() => undefined);
  if (!st) throw new Error(`feed ${p}: no such file or directory`);
  if (st.isDirectory() && ((await hasManifest(p)) || (await hasManifest(feedsDir(p))))) {
    return { index: await StoredCveIndex.open(p), warnings: [] };
  }
  const bundle = await readFeedPath(p);
  const opts: Parameters<typeof MemoryCveIndex.compile>[2] = {};
  if (bundle.kev) opts.kev = bundle.kev;
  if (bundle.epss) opts.epss = bundle.epss;
  if (bundle.cvss) opts.cvss = bundle.cvss;
  if (bundle.debianTracker) opts.debianUrgency = bundle.debianTracker;
  const index = MemoryCveIndex.compile(`feed ${p}`, bundle.read, opts);
  if (bundle.read.advisories.length === 0 && !bundle.kev && !bundle.epss) {
    throw new Error(
      `feed ${p} holds no advisories${bundle.read.errors.length ? ` (${bundle.read.errors.length} rejected: ${bundle.read.errors[0]!.source}: ${bundle.read.errors[0]!.message})` : ''}`,
    );
  }
  return { index, warnings: bundle.read.errors.map((e) => `${e.source}: ${e.message}`) };
}

/** The compiled index in a data dir (default $INSPECTOR_DATA_DIR or ~/.local/share/inspector). */
export function openDataDir(dataDir: string): Promise<StoredCveIndex> {
  return StoredCveIndex.open(dataDir);
}
