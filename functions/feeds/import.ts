/**
 * Reading feed files from disk: a directory (walked recursively), a zip of OSV JSON, an OSV JSON or JSONL
 * file, an updateinfo.xml(.gz), a KEV JSON or an EPSS CSV(.gz); for severities, the Debian Security Tracker
 * JSON and CVE records (NVD API 2.0 / JSON 2.0 feeds, CVE List V5). Each file is dispatched to its reader by
 * name and content; everything a reader rejects is returned as an error with its file and record.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { CveScoreCollector } from './cve-scores';
import type { DebianUrgencyBuilder } from './debian-urgency';
import {
  type Advisory,
  countSkip,
  type EpssScores,
  emptyRead,
  type FeedError,
  type KevCatalog,
  mergeReads,
  type ReadResult,
} from './model';
import { NVD_FEED_FILE } from './readers/cve-records';
import { looksLikeEpss, readEpss } from './readers/epss';
import { looksLikeKev, readKev } from './readers/kev';
import { readOsvJsonl, readOsvValue } from './readers/osv';
import { readUpdateinfo } from './readers/updateinfo';
import { addNvdFeedFile, addSeverityJson } from './severity-feeds';
import { DECOMPRESSION_LIMITS, formatLimit, readZip } from './zip';

export interface FeedBundle {
  read: ReadResult;
  kev?: KevCatalog;
  epss?: EpssScores;
  /** CVSS base scores by CVE from NVD / CVE List V5 records (severity-feeds.ts). */
  cvss?: CveScoreCollector;
  /** Debian Security Tracker urgencies by release, source package and CVE (severity-feeds.ts). */
  debianTracker?: DebianUrgencyBuilder;
  /** Files read, by kind. */
  files: Record<'osv' | 'updateinfo' | 'kev' | 'epss' | 'zip', number>;
  /**
   * Where advisories go as they are read, instead of `read.advisories` (feeds sync spills them to disk by
   * release, so a large export is never held whole; see spill.ts). Errors, skips and counts stay in `read`.
   */
  sink?: (advisory: Advisory) => void;
}

const emptyBundle = (): FeedBundle => ({
  read: emptyRead(),
  files: { osv: 0, updateinfo: 0, kev: 0, epss: 0, zip: 0 },
});

/** Read a file or a directory tree of feed files. */
export async function readFeedPath(p: string): Promise<FeedBundle> {
  const st = await fs.stat(p).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${p}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`);
  });
  const bundle = emptyBundle();
  // NVD's yearly JSON 2.0 feed files inflate to hundreds of MB: read as streams, not whole.
  for (const f of st.isDirectory() ? await walk(p) : [p]) {
    if (NVD_FEED_FILE.test(f)) await addNvdFeedFile(bundle, f);
    else addFile(bundle, f, await fs.readFile(f));
  }
  return bundle;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else if (e.isFile()) out.push(full);
  }
  return out;
}

/**
 * What one top-level file (a file on disk, a download) may still decompress to, shared by everything nested
 * in it (a zip's entries, a .gz or a zip inside a zip), so nesting cannot multiply the archive limit.
 */
export interface DecompressionBudget {
  left: number;
}

/** Dispatch one file's bytes (also used for zip members and downloads). */
export function addFile(
  bundle: FeedBundle,
  name: string,
  data: Buffer,
  budget: DecompressionBudget = { left: DECOMPRESSION_LIMITS.maxArchiveBytes },
): void {
  const lower = name.toLowerCase();
  const err = (message: string) => bundle.read.errors.push({ source: name, message });
  try {
    if (lower.endsWith('.zip')) {
      bundle.files.zip++;
      const entries = readZip(data, {
        maxEntryBytes: DECOMPRESSION_LIMITS.maxFileBytes,
        maxTotalBytes: budget.left,
      });
      for (const entry of entries) {
        const bytes = entry.read();
        budget.left -= bytes.length;
        addFile(bundle, `${name}!${entry.name}`, bytes, budget);
      }
      return;
    }
    const gz = lower.endsWith('.gz');
    const base = gz ? lower.slice(0, -3) : lower;
    const bytes = gz ? gunzipCapped(data, budget) : data;
    if (base.endsWith('.jsonl') || base.endsWith('.ndjson')) {
      bundle.files.osv++;
      take(bundle, readOsvJsonl(bytes.toString('utf8'), name));
    } else if (base.endsWith('.json')) {
      addJson(bundle, name, bytes.toString('utf8'));
    } else if (base.endsWith('.xml')) {
      const text = bytes.toString('utf8');
      if (/<repomd[\s>]/.test(text.slice(0, 2048))) {
        countSkip(bundle.read.skipped, 'repomd.xml (not an updateinfo)');
        return;
      }
      bundle.files.updateinfo++;
      take(bundle, readUpdateinfo(text, name));
    } else if (base.endsWith('.csv')) {
      const text = bytes.toString('utf8');
      if (!looksLikeEpss(text))
        return void err('CSV file is not an EPSS score file (header cve,epss,percentile)');
      bundle.files.epss++;
      const r = readEpss(text, name);
      pushErrors(bundle.read.errors, r.errors);
      if (r.scores) bundle.epss = r.scores;
    } else {
      countSkip(bundle.read.skipped, 'file of unknown type');
    }
  } catch (e) {
    err((e as Error).message);
  }
}

/** Gunzips at most the limit for one file, or what is left of the archive's, refusing a gzip bomb. */
function gunzipCapped(data: Buffer, budget: DecompressionBudget): Buffer {
  const fileLimit = DECOMPRESSION_LIMITS.maxFileBytes;
  const limit = Math.max(1, Math.min(fileLimit, budget.left));
  let out: Buffer;
  try {
    out = gunzipSync(data, { maxOutputLength: limit });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw e;
    const which =
      limit === fileLimit
        ? 'the limit for one feed file'
        : `what is left of the ${formatLimit(DECOMPRESSION_LIMITS.maxArchiveBytes)} limit for one archive`;
    throw new Error(`gunzips to more than ${formatLimit(limit)} (${which}): refusing a possible gzip bomb`);
  }
  budget.left -= out.length;
  return out;
}

/** A reader's result into the bundle: advisories to its sink when it has one, the rest into `read`. */
function take(bundle: FeedBundle, r: ReadResult): void {
  if (!bundle.sink) {
    mergeReads(bundle.read, r);
    return;
  }
  for (const a of r.advisories) bundle.sink(a);
  mergeReads(bundle.read, { ...r, advisories: [] });
}

function addJson(bundle: FeedBundle, name: string, text: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    bundle.read.records++;
    bundle.read.errors.push({ source: name, message: `not JSON: ${(e as Error).message}` });
    return;
  }
  if (looksLikeKev(value)) {
    bundle.files.kev++;
    const r = readKev(value, name);
    pushErrors(bundle.read.errors, r.errors);
    if (r.catalog) bundle.kev = r.catalog;
    return;
  }
  if (addSeverityJson(bundle, name, value)) return;
  bundle.files.osv++;
  if (!Array.isArray(value)) {
    take(bundle, readOsvValue(value, name));
    return;
  }
  for (const [i, v] of value.entries()) take(bundle, readOsvValue(v, `${name}[${i}]`));
}

function pushErrors(into: FeedError[], from: readonly FeedError[]): void {
  for (const e of from) into.push(e);
}
