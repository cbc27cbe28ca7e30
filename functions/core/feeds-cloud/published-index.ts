/**
 * The published feed (pointer.ts) as the `cve` rules package's CveIndex, for the Evaluate Lambda. Built
 * once per container and kept in module scope, so warm invocations reuse what earlier ones loaded:
 * - the pointer is re-read at most every `ttlMs` (default 10 minutes);
 * - a release index is downloaded only when an instance of that release is evaluated, checked against the
 *   pointer's size and sha256, and cached by its sha256: an unchanged release in a new generation is not
 *   downloaded again; releases the new pointer no longer names are dropped from the cache; the index keeps the
 *   object's bytes and decodes only the packages instances have (index-format.ts);
 * - KEV and EPSS likewise, together with the severity data (CVSS by CVE, Debian tracker urgencies);
 * - no pointer at all is never cached: the first evaluation after the first sync finds it.
 */
import { createHash } from 'node:crypto';
import { type CveIndex, type SeverityData, type ThreatData, threatDataOf } from '../../feeds/compile';
import { CveScoreTable } from '../../feeds/cve-scores';
import { DebianUrgencyTable } from '../../feeds/debian-urgency';
import { IndexFormatError, isSchema1, ReleaseIndex } from '../../feeds/index-format';
import { legacyRelease } from '../../feeds/index-legacy';
import { type ReleaseKey, releaseKeyString } from '../../feeds/model';
import { parseEpssFile, parseKevFile } from '../../feeds/store';
import { FeedNotPublishedError, type FeedObjectStore } from './object-store';
import { type FeedPointer, POINTER_KEY, type PointerObject, parsePointer } from './pointer';
import type { FeedLog } from './publish';

export const DEFAULT_POINTER_TTL_MS = 10 * 60_000;

export interface PublishedIndexOptions {
  ttlMs?: number;
  /** Milliseconds clock (tests move it). */
  clock?: () => number;
  log?: FeedLog;
}

export class PublishedCveIndex implements CveIndex {
  private current?: { pointer: FeedPointer; fetchedAt: number };
  private refreshing?: Promise<FeedPointer>;
  private readonly releases = new Map<string, Promise<ReleaseIndex>>();
  private threat?: { id: string; data: Promise<ThreatData> };
  private readonly ttlMs: number;
  private readonly clock: () => number;
  /** Reads from the store, for tests and logs. */
  readonly reads = { pointer: 0, objects: 0 };

  constructor(
    private readonly store: FeedObjectStore,
    private readonly opts: PublishedIndexOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_POINTER_TTL_MS;
    this.clock = opts.clock ?? Date.now;
  }

  get description(): string {
    const g = this.current?.pointer.generation;
    return `vulnerability feed ${this.store.location}/${POINTER_KEY}${g ? ` (generation ${g})` : ''}`;
  }

  /** The generation in use (after the first load). */
  get generation(): string | undefined {
    return this.current?.pointer.generation;
  }

  releaseKeys(): string[] {
    return Object.keys(this.current?.pointer.releases ?? {}).sort();
  }

  async release(key: ReleaseKey): Promise<ReleaseIndex | undefined> {
    const k = releaseKeyString(key);
    const entry = (await this.pointer()).releases[k];
    if (!entry) return undefined;
    let p = this.releases.get(entry.sha256);
    if (!p) {
      p = this.load(entry, (ptr) => ptr.releases[k]).then((bytes) => releaseOf(bytes, this.where(entry)));
      this.releases.set(entry.sha256, p);
      p.catch(() => this.releases.delete(entry.sha256));
    }
    return p;
  }

  async threatData(): Promise<ThreatData> {
    const ptr = await this.pointer();
    const id = [ptr.kev, ptr.epss, ptr.cveScores, ptr.debianUrgency].map((o) => o?.sha256 ?? '-').join('/');
    if (this.threat?.id !== id) {
      const data = (async () => {
        const kev = ptr.kev
          ? parseKevFile(
              json(await this.load(ptr.kev, (p) => p.kev), this.where(ptr.kev)),
              this.where(ptr.kev),
            )
          : undefined;
        const epss = ptr.epss
          ? parseEpssFile(
              json(await this.load(ptr.epss, (p) => p.epss), this.where(ptr.epss)),
              this.where(ptr.epss),
            )
          : undefined;
        const severity: SeverityData = {};
        if (ptr.cveScores) {
          const where = this.where(ptr.cveScores);
          severity.cvss = CveScoreTable.parse(
            json(await this.load(ptr.cveScores, (p) => p.cveScores), where),
            where,
          );
        }
        if (ptr.debianUrgency) {
          const where = this.where(ptr.debianUrgency);
          severity.debianUrgency = DebianUrgencyTable.parse(
            json(await this.load(ptr.debianUrgency, (p) => p.debianUrgency), where),
            where,
          );
        }
        return threatDataOf(kev, epss, severity);
      })();
      const entry = { id, data };
      this.threat = entry;
      data.catch(() => {
        if (this.threat === entry) this.threat = undefined;
      });
    }
    return this.threat.data;
  }

  /** The pointer, re-read when older than the TTL (or when `force`d); concurrent callers share one read. */
  private async pointer(force = false): Promise<FeedPointer> {
    const c = this.current;
    if (!force && c && this.clock() - c.fetchedAt < this.ttlMs) return c.pointer;
    if (!this.refreshing) {
      this.refreshing = this.readPointer().finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  private async readPointer(): Promise<FeedPointer> {
    this.reads.pointer++;
    const where = `${this.store.location}/${POINTER_KEY}`;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.store.get(POINTER_KEY);
    } catch (err) {
      // The bucket is unreachable right now: keep evaluating with the pointer already in hand (its objects
      // stay for one more generation); the next call tries again.
      if (this.current) {
        this.opts.log?.warn('the feed pointer could not be re-read; using the one loaded before', {
          generation: this.current.pointer.generation,
          reason: (err as Error).message,
        });
        return this.current.pointer;
      }
      throw err;
    }
    if (!bytes) {
      throw new FeedNotPublishedError(
        `the vulnerability feed has not been synced yet: ${where} does not exist. The feed-sync Lambda publishes it on its daily schedule; invoke it once after deploying`,
      );
    }
    const pointer = parsePointer(bytes, where);
    if (pointer.generation !== this.current?.pointer.generation) {
      const live = new Set(Object.values(pointer.releases).map((r) => r.sha256));
      for (const sha of this.releases.keys()) if (!live.has(sha)) this.releases.delete(sha);
      this.opts.log?.info('feed pointer loaded', {
        generation: pointer.generation,
        previousGeneration: this.current?.pointer.generation,
      });
    }
    this.current = { pointer, fetchedAt: this.clock() };
    return pointer;
  }

  /**
   * An object the pointer names, verified. When it is gone (deleted two publishes later while this
   * container still held an old pointer) the pointer is re-read once and its current object is used.
   */
  private async load(
    ref: PointerObject,
    pick: (p: FeedPointer) => PointerObject | undefined,
  ): Promise<Uint8Array> {
    let obj = ref;
    this.reads.objects++;
    let bytes = await this.store.get(obj.key);
    if (!bytes) {
      const fresh = pick(await this.pointer(true));
      if (fresh && fresh.key !== obj.key) {
        obj = fresh;
        this.reads.objects++;
        bytes = await this.store.get(obj.key);
      }
    }
    if (!bytes) throw new IndexFormatError(`${this.where(obj)}, named by the feed pointer, does not exist`);
    if (bytes.byteLength !== obj.size) {
      throw new IndexFormatError(
        `${this.where(obj)} is ${bytes.byteLength} bytes where the feed pointer says ${obj.size}`,
      );
    }
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== obj.sha256) {
      throw new IndexFormatError(
        `${this.where(obj)} does not match the feed pointer's sha256 (${sha.slice(0, 12)}… where ${obj.sha256.slice(0, 12)}… was published)`,
      );
    }
    return bytes;
  }

  private where(o: PointerObject): string {
    return `${this.store.location}/${o.key}`;
  }
}

/**
 * A release object of the feed: the index is read from the downloaded bytes (verified against the pointer as a
 * whole, so the object is fetched whole rather than by range requests). An object an older feed-sync published
 * (schema 1, one JSON document; carried into later generations while its source fails) is converted here, in
 * memory, at that format's cost.
 */
function releaseOf(bytes: Uint8Array, source: string): ReleaseIndex {
  if (!isSchema1(bytes)) return ReleaseIndex.fromBytes(bytes, source);
  const legacy = legacyRelease(json(bytes, source), source);
  return ReleaseIndex.fromAdvisories(legacy.key, legacy.advisories, legacy.compiledAt);
}

function json(bytes: Uint8Array, source: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw new IndexFormatError(`${source} is not JSON: ${(err as Error).message}`);
  }
}
