/**
 * Feed sync for the cloud: download and compile every source into a fresh working directory (syncFeeds, one
 * source at a time so peak memory is one feed, not all of them), validate what was compiled, and publish it
 * as a new generation of the feed bucket (pointer.ts describes the layout):
 *
 * 1. every refreshed object is uploaded under feeds/<generation>/; what could not be refreshed (download
 *    failed, records invalid, compiled index refused) is copied from the previous generation, so the new
 *    generation is complete on its own;
 * 2. only when every upload and copy succeeded is feeds/CURRENT.json overwritten (one PUT: atomic for
 *    readers); a failure before that leaves the pointer, and so every evaluator, on the previous generation;
 * 3. generations other than the new one and the one it replaced are deleted (readers that cached the
 *    previous pointer a few minutes ago still find their objects).
 *
 * When nothing at all could be refreshed nothing is published: the pointer stays as it was.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CveScoreTable } from '../../feeds/cve-scores';
import { DebianUrgencyTable } from '../../feeds/debian-urgency';
import { IndexFormatError, ReleaseIndex, withCompiledAt } from '../../feeds/index-format';
import { claimFolder, releaseFolder, sweepStaleFolders } from '../../feeds/spill';
import { feedsDir, parseEpssFile, parseKevFile, readManifest } from '../../feeds/store';
import { type FeedSource, type Getter, syncFeeds } from '../../feeds/sync';
import type { FeedObjectStore } from './object-store';
import {
  FEEDS_PREFIX,
  type FeedPointer,
  generationPrefix,
  isGeneration,
  newGeneration,
  objectName,
  POINTER_KEY,
  POINTER_KIND,
  type PointerObject,
  parsePointer,
} from './pointer';

export interface FeedLog {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** The work folder: `feed-sync-<pid>-<random>` in the work root. */
const WORK_PREFIX = 'feed-sync-';

const silent: FeedLog = { info() {}, warn() {}, error() {} };

export interface FeedSyncOptions {
  store: FeedObjectStore;
  get: Getter;
  sources: readonly FeedSource[];
  /** Parent of the working directory (default: the OS temporary directory, /tmp on Lambda). */
  workRoot?: string;
  now?: () => Date;
  log?: FeedLog;
  /**
   * A refreshed release holding fewer advisories than this share of the previous generation's is refused
   * (a truncated but well-formed download); the previous index is kept. Default 0.5.
   */
  minShrinkRatio?: number;
  /** Uploads and copies in flight at once (default 4). */
  concurrency?: number;
  /**
   * Called after every object of the new generation is written and before the pointer is: a throw stops the
   * publish there (the pointer and old generations untouched). The feed-sync Lambda confirms its single-flight
   * lease here (sync-lease.ts).
   */
  beforePointer?: () => Promise<void>;
}

export interface FeedSyncReport {
  /** `published`: a new generation is current; `unchanged`: nothing could be refreshed, the pointer is as it was. */
  outcome: 'published' | 'unchanged';
  /** The generation current after this sync (undefined: none has ever been published). */
  generation?: string;
  previousGeneration?: string;
  /** Sources refreshed, with the objects they produced. */
  refreshed: Array<{ source: string; objects: string[] }>;
  /** Sources (or single compiled objects) that could not be refreshed, and why. */
  failed: Array<{ source: string; reason: string }>;
  /** Sources refreshed with something left out (invalid CVE records too few to refuse the source). */
  warnings: Array<{ source: string; message: string }>;
  /** Objects copied from the previous generation because their source could not be refreshed. */
  carried: string[];
  /** Refreshed releases whose advisories did not change: the published object is copied, not re-uploaded. */
  reused: string[];
  /** Objects of the previous generation that this one no longer holds (their source succeeded without them). */
  dropped: string[];
  deletedGenerations: string[];
  timings: { syncMs: number; publishMs: number };
}

interface Fresh {
  name: string;
  bytes: Buffer;
  source: string;
  compiledAt: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The current pointer, or undefined when there is none (or it cannot be read as one: it is replaced). */
export async function readPointer(store: FeedObjectStore): Promise<FeedPointer | undefined> {
  const bytes = await store.get(POINTER_KEY);
  return bytes ? parsePointer(bytes, `${store.location}/${POINTER_KEY}`) : undefined;
}

export async function syncAndPublish(opts: FeedSyncOptions): Promise<FeedSyncReport> {
  const log = opts.log ?? silent;
  const now = opts.now ?? (() => new Date());
  const ratio = opts.minShrinkRatio ?? 0.5;
  const { store } = opts;

  let previous: FeedPointer | undefined;
  try {
    previous = await readPointer(store);
  } catch (err) {
    if (!(err instanceof IndexFormatError)) throw err;
    log.error('the current feed pointer is unreadable; publishing a new one without carry-over', {
      reason: (err as Error).message,
    });
  }

  const t0 = performance.now();
  // A sync killed before its `finally` (a Lambda timeout: the next invocation of the sandbox keeps /tmp, and
  // its runtime the same pid) left its work folder; those no running sync uses go first (spill.ts says how
  // that is told).
  const workRoot = opts.workRoot ?? os.tmpdir();
  await sweepStaleFolders(workRoot, WORK_PREFIX);
  const work = await fs.mkdtemp(path.join(workRoot, `${WORK_PREFIX}${process.pid}-`));
  claimFolder(work);
  try {
    const failed: FeedSyncReport['failed'] = [];
    const warnings: FeedSyncReport['warnings'] = [];
    const failedSources = new Set<string>();
    /** Compiled object name (debian-12.json, kev.json) → the source that produced it. */
    const producedBy = new Map<string, string>();
    for (const source of opts.sources) {
      const r = await syncFeeds({ dataDir: work, get: opts.get, sources: [source] });
      for (const f of r.failed) {
        failed.push(f);
        failedSources.add(f.source);
        log.warn('feed source could not be refreshed; its previous index is kept', {
          source: f.source,
          reason: f.reason,
        });
      }
      for (const w of r.warnings) {
        warnings.push(w);
        log.warn('feed source refreshed with records left out', { source: w.source, warning: w.message });
      }
      for (const w of r.written) {
        for (const rel of w.releases) producedBy.set(rel.key, source.name);
        if (w.kev) producedBy.set('kev', source.name);
        if (w.epss) producedBy.set('epss', source.name);
        if (w.cveScores) producedBy.set('cveScores', source.name);
        if (w.debianUrgency) producedBy.set('debianUrgency', source.name);
      }
    }
    const syncMs = performance.now() - t0;

    // Validate what was compiled, as an evaluator will read it.
    const dir = feedsDir(work);
    const manifest = await readManifest(dir);
    const fresh: Fresh[] = [];
    const reused: Array<{ from: PointerObject; name: string; source: string }> = [];
    const next: Pick<FeedPointer, 'releases' | 'kev' | 'epss' | 'cveScores' | 'debianUrgency'> = {
      releases: {},
    };
    const refuse = (source: string, reason: string) => {
      failed.push({ source, reason });
      failedSources.add(source);
      log.warn('compiled feed object refused; the previous one is kept', { source, reason });
    };
    for (const [key, entry] of Object.entries(manifest?.releases ?? {})) {
      const source = producedBy.get(key) ?? 'unknown';
      const bytes = await fs.readFile(path.join(dir, entry.file));
      try {
        const idx = ReleaseIndex.fromBytes(bytes, entry.file);
        idx.verify();
        if (idx.advisoryCount === 0) throw new Error('it holds no advisories');
        const before = previous?.releases[key]?.advisories ?? 0;
        if (idx.advisoryCount < before * ratio) {
          throw new Error(
            `${idx.advisoryCount} advisories where the previous generation had ${before} (below ${Math.round(ratio * 100)}%): a truncated feed?`,
          );
        }
        const prev = previous?.releases[key];
        if (prev && sameContent(bytes, prev)) {
          // Same advisories as the published object (only the compile time differs): reuse it, so
          // evaluators that cached it by its sha256 do not download it again.
          reused.push({ from: prev, name: objectName(prev.key), source });
          next.releases[key] = { ...prev, source };
          continue;
        }
        fresh.push({ name: entry.file, bytes, source, compiledAt: entry.compiledAt });
        next.releases[key] = {
          key: entry.file, // replaced by the generation's key below
          size: bytes.length,
          sha256: sha256(bytes),
          source,
          compiledAt: entry.compiledAt,
          family: entry.family,
          release: entry.release,
          advisories: idx.advisoryCount,
          packages: idx.packageCount,
        };
      } catch (err) {
        refuse(source, `${key}: ${(err as Error).message}`);
      }
    }
    // The threat and severity data files: each is checked as an evaluator reads it; a bad one is refused and
    // the previous generation's is kept.
    type DataField = 'kev' | 'epss' | 'cveScores' | 'debianUrgency';
    const publishData = async (
      field: DataField,
      name: string,
      label: string,
      check: (
        doc: unknown,
        file: string,
        updatedAt: string,
      ) => { compiledAt: string; facts: Record<string, unknown> },
    ) => {
      const entry = manifest?.[field];
      if (!manifest || !entry) return;
      const source = producedBy.get(field) ?? 'unknown';
      const bytes = await fs.readFile(path.join(dir, entry.file));
      try {
        const { compiledAt, facts } = check(
          JSON.parse(bytes.toString('utf8')),
          entry.file,
          manifest.updatedAt,
        );
        fresh.push({ name, bytes, source, compiledAt });
        const ref = { key: name, size: bytes.length, sha256: sha256(bytes), source, compiledAt };
        // Each check returns the facts its own pointer entry holds.
        (next as Record<DataField, unknown>)[field] = { ...ref, ...facts };
      } catch (err) {
        refuse(source, `${label}: ${(err as Error).message}`);
      }
    };
    await publishData('kev', 'kev.json', 'kev', (doc, file, updatedAt) => {
      const kev = parseKevFile(doc, file);
      if (kev.entries.length === 0) throw new Error('the catalogue has no entries');
      return {
        compiledAt: updatedAt,
        facts: { catalogVersion: kev.catalogVersion, entries: kev.entries.length },
      };
    });
    await publishData('epss', 'epss.json', 'epss', (doc, file, updatedAt) => {
      const epss = parseEpssFile(doc, file);
      if (epss.cves.length === 0) throw new Error('no scores');
      if (epss.scores.length !== epss.cves.length || epss.percentiles.length !== epss.cves.length)
        throw new Error('score arrays of different lengths');
      return {
        compiledAt: updatedAt,
        facts: {
          entries: epss.cves.length,
          ...(epss.scoreDate ? { scoreDate: epss.scoreDate } : {}),
          ...(epss.modelVersion ? { modelVersion: epss.modelVersion } : {}),
        },
      };
    });
    // Severity data (CVSS by CVE, Debian tracker urgencies): checked as an evaluator reads it, and refused
    // when it shrank below the share of the previous generation's that a truncated download would give.
    const shrank = (n: number, before: number | undefined) =>
      before !== undefined && n < before * ratio
        ? `${n} entries where the previous generation had ${before} (below ${Math.round(ratio * 100)}%): a truncated feed?`
        : undefined;
    await publishData('cveScores', 'cve-scores.json', 'cve-scores', (doc, file) => {
      const table = CveScoreTable.parse(doc, file);
      if (table.size === 0) throw new Error('no scores');
      const why = shrank(table.size, previous?.cveScores?.entries);
      if (why) throw new Error(why);
      return { compiledAt: table.compiledAt, facts: { entries: table.size } };
    });
    await publishData('debianUrgency', 'debian-urgency.json', 'debian-urgency', (doc, file) => {
      const table = DebianUrgencyTable.parse(doc, file);
      if (table.size === 0) throw new Error('no urgencies');
      const why = shrank(table.size, previous?.debianUrgency?.entries);
      if (why) throw new Error(why);
      return { compiledAt: table.compiledAt, facts: { entries: table.size, releases: table.releases() } };
    });

    const refreshed = opts.sources
      .filter((s) => !failedSources.has(s.name))
      .map((s) => ({
        source: s.name,
        objects: [
          ...fresh.filter((f) => f.source === s.name).map((f) => f.name),
          ...reused.filter((r) => r.source === s.name).map((r) => r.name),
        ].sort(),
      }));

    if (fresh.length === 0 && reused.length === 0) {
      log.error('no feed could be refreshed; the published feed is unchanged', {
        generation: previous?.generation,
        failed,
      });
      return {
        outcome: 'unchanged',
        ...(previous ? { generation: previous.generation } : {}),
        refreshed: [],
        failed,
        warnings,
        carried: [],
        reused: [],
        dropped: [],
        deletedGenerations: [],
        timings: { syncMs, publishMs: 0 },
      };
    }

    // What the new generation takes over from the previous one: objects whose source failed this time.
    const carried: Array<{ from: PointerObject; name: string }> = [];
    const dropped: string[] = [];
    const carry = <T extends PointerObject>(
      name: string,
      old: T | undefined,
      has: boolean,
    ): T | undefined => {
      if (!old || has) return undefined;
      if (failedSources.has(old.source)) {
        carried.push({ from: old, name });
        return old;
      }
      dropped.push(name);
      return undefined;
    };
    for (const [key, old] of Object.entries(previous?.releases ?? {})) {
      const kept = carry(objectName(old.key), old, key in next.releases);
      if (kept) next.releases[key] = kept;
    }
    const kev = carry('kev.json', previous?.kev, Boolean(next.kev));
    if (kev) next.kev = kev;
    const epss = carry('epss.json', previous?.epss, Boolean(next.epss));
    if (epss) next.epss = epss;
    const cveScores = carry('cve-scores.json', previous?.cveScores, Boolean(next.cveScores));
    if (cveScores) next.cveScores = cveScores;
    const debianUrgency = carry('debian-urgency.json', previous?.debianUrgency, Boolean(next.debianUrgency));
    if (debianUrgency) next.debianUrgency = debianUrgency;

    const t1 = performance.now();
    const generation = newGeneration(now());
    const prefix = generationPrefix(generation);
    const rekey = <T extends PointerObject>(o: T): T => ({ ...o, key: `${prefix}${objectName(o.key)}` });
    const pointer: FeedPointer = {
      kind: POINTER_KIND,
      schema: 1,
      generation,
      publishedAt: now().toISOString(),
      ...(previous ? { previousGeneration: previous.generation } : {}),
      releases: Object.fromEntries(
        Object.entries(next.releases)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => [k, rekey(v)]),
      ),
      ...(next.kev ? { kev: rekey(next.kev) } : {}),
      ...(next.epss ? { epss: rekey(next.epss) } : {}),
      ...(next.cveScores ? { cveScores: rekey(next.cveScores) } : {}),
      ...(next.debianUrgency ? { debianUrgency: rekey(next.debianUrgency) } : {}),
      sources: opts.sources.map((s) => {
        const reasons = failed.filter((f) => f.source === s.name).map((f) => f.reason);
        const notes = warnings.filter((w) => w.source === s.name).map((w) => w.message);
        return reasons.length > 0
          ? { name: s.name, status: 'failed' as const, reason: reasons.join('; ') }
          : {
              name: s.name,
              status: 'refreshed' as const,
              ...(notes.length > 0 ? { warning: notes.join('; ') } : {}),
            };
      }),
    };
    const pointerBytes = Buffer.from(`${JSON.stringify(pointer, null, 2)}\n`);
    parsePointer(pointerBytes, 'the new pointer'); // what readers will check, checked before anything is written

    const tasks: Array<() => Promise<void>> = [
      ...fresh.map((f) => () => store.put(`${prefix}${f.name}`, f.bytes, contentTypeOf(f.name))),
      ...[...carried, ...reused].map((c) => () => store.copy(c.from.key, `${prefix}${c.name}`)),
    ];
    try {
      await runLimited(tasks, opts.concurrency ?? 4);
    } catch (err) {
      const reason = (err as Error).message;
      log.error('publishing the new generation failed; the pointer still names the previous one', {
        generation,
        previousGeneration: previous?.generation,
        reason,
      });
      await store.deletePrefix(prefix).catch(() => 0); // best effort; the next publish deletes it anyway
      throw new Error(
        `publishing feed generation ${generation} failed (the pointer still names ${previous?.generation ?? 'no generation'}): ${reason}`,
      );
    }
    if (opts.beforePointer) {
      try {
        await opts.beforePointer();
      } catch (err) {
        await store.deletePrefix(prefix).catch(() => 0); // never pointed at; the next publish deletes it anyway
        throw err;
      }
    }
    // Last: the single write that switches every reader to the new generation. If it fails the generation is
    // left in place (a PUT that timed out may still have landed); the next publish deletes it if unused.
    try {
      await store.put(POINTER_KEY, pointerBytes, 'application/json');
    } catch (err) {
      throw new Error(
        `publishing feed generation ${generation} failed writing ${POINTER_KEY} (it should still name ${previous?.generation ?? 'no generation'}): ${(err as Error).message}`,
      );
    }
    log.info('feed generation published', {
      generation,
      previousGeneration: previous?.generation,
      releases: Object.keys(pointer.releases),
      carried: carried.map((c) => c.name),
    });

    const deletedGenerations: string[] = [];
    const keep = new Set([generation, previous?.generation]);
    try {
      for (const folder of await store.listFolders(FEEDS_PREFIX)) {
        const g = folder.slice(FEEDS_PREFIX.length).replace(/\/$/, '');
        if (!isGeneration(g) || keep.has(g)) continue;
        await store.deletePrefix(folder);
        deletedGenerations.push(g);
      }
    } catch (err) {
      log.warn('old feed generations could not all be deleted; the next sync retries', {
        reason: (err as Error).message,
      });
    }
    return {
      outcome: 'published',
      generation,
      ...(previous ? { previousGeneration: previous.generation } : {}),
      refreshed,
      failed,
      warnings,
      carried: carried.map((c) => c.name),
      reused: reused.map((r) => r.name),
      dropped,
      deletedGenerations,
      timings: { syncMs, publishMs: performance.now() - t1 },
    };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
    releaseFolder(work);
  }
}

/** Whether a compiled release document equals the published object but for its compile time. */
/** The compiled release indexes (`.idx`) are not JSON documents; the other objects are. */
function contentTypeOf(name: string): string {
  return name.endsWith('.json') ? 'application/json' : 'application/octet-stream';
}

function sameContent(bytes: Uint8Array, published: PointerObject): boolean {
  let again: Buffer;
  try {
    again = withCompiledAt(bytes, published.compiledAt);
  } catch {
    return false;
  }
  return again.length === published.size && sha256(again) === published.sha256;
}

/** Run tasks with at most `limit` in flight; the first failure is thrown once the running ones settle. */
async function runLimited(tasks: ReadonlyArray<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < tasks.length) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure !== undefined) throw failure;
}
