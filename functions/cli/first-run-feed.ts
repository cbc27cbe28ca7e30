/**
 * A feed on first run: `inspector assess` on a machine whose data directory has no compiled feed syncs the
 * assessed host's own distribution first (its OSV export or Amazon Linux updateinfo, the Debian Security
 * Tracker on Debian, then CISA KEV and FIRST EPSS, which are small), so `npm start` runs the `cve` package on
 * the first try. Bounded: every download stops at the deadline (`--feed-sync-timeout`, 120 s by default);
 * compiling what arrived in time is not interrupted (its time grows with the export: bench/feed-sync.ts).
 * `--offline` skips it. The sync writes into a staging folder and moves the compiled files into the data
 * directory only when the distribution's own feed was written (the manifest last), so a failed first run
 * leaves no half feed behind and the next run tries again. When it cannot reach the sources the assessment
 * goes on: the message says why, and the `cve` package ends in an exclusion saying so.
 *
 * The distribution's own export decides whether the feed is kept; the other sources it asked for (the Debian
 * Security Tracker, KEV, EPSS) may fail without it. Those are recorded in the feed manifest
 * (`missingSources`), retried by every later `assess` (retryMissingSources: bounded the same way, skipped
 * with --offline) and reported by the `cve` package on every run until they arrive (withMissingSources: a
 * `cve.feed-sources` ERROR result, so it shows in --format json, the table and the report).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RootFs } from '../../agent/root-fs';
import type { RuleResult } from '../core/model';
import type { RulesPackage } from '../core/rule';
import { releaseKeyForDistro, releaseLabel } from '../feeds/ecosystems';
import type { ReleaseKey } from '../feeds/model';
import { feedsDir, type MissingSource, readManifest, setMissingSources } from '../feeds/store';
import { type Getter, httpGetter, type SyncProgress, syncFeeds } from '../feeds/sync';
import { configuredSources } from '../feeds/sync-config';
import { parseOsRelease } from '../parsers/os-release';
import { rulesPackageInfo } from '../rules/catalog';

export { FIRST_RUN_TIMEOUT_SECONDS } from './defaults';

/** Sources of the threat data every distribution uses (KEV ~1 MB, EPSS ~2 MB compressed). */
export const THREAT_SOURCES = ['cisa-kev', 'first-epss'];

/**
 * The sources that hold a release's advisories (and severities), by the names sync.ts gives them; undefined
 * when none is synced for that distribution.
 */
export function distributionSources(key: ReleaseKey): string[] | undefined {
  switch (key.family) {
    case 'debian':
      return ['osv:Debian', 'debian-security-tracker'];
    case 'ubuntu':
      return ['osv:Ubuntu'];
    case 'alpine':
      return ['osv:Alpine'];
    case 'almalinux':
      return ['osv:AlmaLinux'];
    case 'rocky':
      return ['osv:Rocky Linux'];
    case 'amazon':
      return key.release === '2023' || key.release === '2' ? [`alas:amazon-linux-${key.release}`] : undefined;
    default:
      return undefined;
  }
}

export interface FirstRunOptions {
  root: string;
  dataDir: string;
  offline: boolean;
  timeoutSeconds: number;
  /** Draw a progress bar on stderr when it is a terminal (never with --format json). */
  interactive: boolean;
  env?: NodeJS.ProcessEnv;
  stderr?: Pick<NodeJS.WriteStream, 'write'> & { isTTY?: boolean; columns?: number };
  fetchImpl?: typeof fetch;
}

/** What each secondary source writes (the manifest key), for recording it as missing. */
export const SECONDARY_SOURCE_DATA: Readonly<Record<string, MissingSource['data']>> = {
  'debian-security-tracker': 'debianUrgency',
  'cisa-kev': 'kev',
  'first-epss': 'epss',
  'cve-records': 'cveScores',
};

/** What a finding lacks while a source is missing. */
const MISSING_EFFECT: Readonly<Record<MissingSource['data'], string>> = {
  debianUrgency:
    "the Debian Security Tracker's urgencies: Debian findings are rated from CVSS scores, or unrated, instead",
  kev: 'CISA KEV: no finding is flagged as a known exploited vulnerability',
  epss: 'FIRST EPSS: findings carry no exploit prediction score',
  cveScores: "the CVE records' CVSS scores: findings the distribution does not rate stay unrated",
};

export interface FirstRunOutcome {
  synced: boolean;
  /** One line for the summary ("First run: …" or "Not run: cve (…)"). */
  message: string;
  /** When the host has a feed source but none could be had: why, for the cve package's exclusion. */
  unavailable?: string;
  /** Synced without these secondary sources (recorded in the manifest, retried by later runs). */
  missing?: MissingSource[];
}

const HOW =
  'run `inspector feeds sync` when the sources can be reached, `inspector feeds import PATH`, or pass --feed PATH';

/** The assessed root's release (from its os-release), or why there is none. */
async function hostRelease(root: string): Promise<{ key: ReleaseKey } | { reason: string }> {
  const rootFs = new RootFs(root);
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    let text: string;
    try {
      text = await fs.readFile(await rootFs.resolve(p), 'utf8');
    } catch {
      continue;
    }
    const os = parseOsRelease(text.slice(0, 64 * 1024));
    const r = releaseKeyForDistro({ id: os.ID ?? '', versionId: os.VERSION_ID ?? '' });
    return r.ok ? { key: r.key } : { reason: r.reason };
  }
  return {
    reason: 'neither /etc/os-release nor /usr/lib/os-release could be read, so the distribution is unknown',
  };
}

export async function firstRunFeed(o: FirstRunOptions): Promise<FirstRunOutcome> {
  const host = await hostRelease(o.root);
  if ('reason' in host)
    return {
      synced: false,
      message: `Not run: cve (no vulnerability feed in the data directory; ${host.reason})`,
    };
  const label = releaseLabel(host.key);
  const own = distributionSources(host.key);
  if (!own)
    return {
      synced: false,
      message: `Not run: cve (no vulnerability feed in the data directory, and none is downloaded for ${label}: import one with \`inspector feeds import PATH\` or pass --feed PATH)`,
    };
  if (o.offline) {
    const why = `no vulnerability feed in the data directory, and --offline skipped the first-run download of ${label}'s feed; ${HOW}`;
    return { synced: false, message: `Not run: cve (${why})`, unavailable: why };
  }
  const all = configuredSources(o.env);
  const sources = all.filter((s) => own.includes(s.name) || THREAT_SOURCES.includes(s.name));
  const ownNames = sources.map((s) => s.name).filter((n) => own.includes(n));

  const t0 = Date.now();
  const deadline = t0 + o.timeoutSeconds * 1000;
  const limit = `the first-run sync's ${o.timeoutSeconds} s (--feed-sync-timeout)`;
  const bar =
    o.interactive && o.stderr?.isTTY ? new ProgressBar(o.stderr, label, sources.length * 2, t0) : undefined;
  const get = boundedGetter(deadline, limit, o.fetchImpl ?? fetch, bar);

  await fs.mkdir(o.dataDir, { recursive: true });
  await removeStaleStaging(o.dataDir);
  const staging = await fs.mkdtemp(path.join(o.dataDir, STAGING_PREFIX));
  bar?.start();
  try {
    const r = await syncFeeds({
      dataDir: staging,
      get,
      sources,
      onProgress: (p: SyncProgress) => bar?.step(p),
    });
    bar?.end();
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    const ownFailed = r.failed.filter((f) => ownNames.includes(f.source));
    const primary = ownNames[0];
    const primaryFailed = ownFailed.find((f) => f.source === primary);
    if (!primary || primaryFailed) {
      const reason = primaryFailed
        ? `${primaryFailed.source}: ${primaryFailed.reason}`
        : 'no source is configured';
      const why = `no vulnerability feed in the data directory, and the first-run download of ${label}'s feed failed after ${seconds} s (${reason}); ${HOW}`;
      return { synced: false, message: `Not run: cve (${why})`, unavailable: why };
    }
    // The other sources that failed are recorded in the manifest before it is moved into place.
    const now = new Date().toISOString();
    const missing = missingOf(r.failed, now);
    if (missing.length) await setMissingSources(feedsDir(staging), missing);
    const moved = await moveFeeds(feedsDir(staging), feedsDir(o.dataDir));
    const releases = r.written.flatMap((w) => w.releases);
    const mine = releases.find((x) => x.key === `${host.key.family}:${host.key.release}`);
    const got = [
      mine ? `${label}: ${mine.advisories} advisories` : `${label}: no advisories in the export`,
      releases.length > 1 ? `${releases.length - 1} other releases` : '',
      ...r.written.flatMap((w) => [
        w.kev ? `CISA KEV: ${w.kev.entries} entries` : '',
        w.epss ? `EPSS: ${w.epss.entries} scores` : '',
      ]),
    ].filter(Boolean);
    const notSynced = r.failed.map((f) => `${f.source}: ${f.reason}`);
    return {
      synced: true,
      message: `First run: ${moved ? 'downloaded' : 'another process downloaded'} the vulnerability feed for ${label} in ${seconds} s (${got.join('; ')})${notSynced.length ? `; not synced: ${notSynced.join('; ')} (retried by the next runs)` : ''}`,
      ...(moved && missing.length ? { missing } : {}),
    };
  } finally {
    bar?.end();
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** The failed sources whose data can be recorded as missing (the primary export is never among them). */
function missingOf(failed: ReadonlyArray<{ source: string; reason: string }>, now: string): MissingSource[] {
  const out: MissingSource[] = [];
  for (const f of failed) {
    const data = SECONDARY_SOURCE_DATA[f.source];
    if (data) out.push({ source: f.source, data, reason: f.reason, since: now, triedAt: now });
  }
  return out;
}

/**
 * A getter whose downloads all end by `deadline` (ms since the epoch); `limit` names the bound in errors. With
 * a bar, the bytes received are counted on it.
 */
function boundedGetter(deadline: number, limit: string, fetchImpl: typeof fetch, bar?: ProgressBar): Getter {
  const counting: typeof fetch = async (input, init) => {
    const res = await fetchImpl(input, init);
    if (!bar || !res.ok || !res.body) return res;
    const count = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        bar.bytes += chunk.byteLength;
        c.enqueue(chunk);
      },
    });
    return new Response(res.body.pipeThrough(count), { status: res.status, headers: res.headers });
  };
  return async (url) => {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`${url}: not started, ${limit} were used up`);
    try {
      return await httpGetter(left, counting)(url);
    } catch (err) {
      if (Date.now() >= deadline - 50) throw new Error(`${url}: not downloaded within ${limit}`);
      throw err;
    }
  };
}

export interface RetryOptions {
  dataDir: string;
  offline: boolean;
  timeoutSeconds: number;
  env?: NodeJS.ProcessEnv;
  fetchImpl?: typeof fetch;
}

export interface RetryOutcome {
  /** Still missing after this run (empty: the feed is complete). */
  missing: MissingSource[];
  /** One line for the summary; none when nothing was missing. */
  message?: string;
}

/**
 * A feed in the data dir that a first run wrote without some of its sources (manifest `missingSources`):
 * download just those again, within `timeoutSeconds` (--feed-sync-timeout), into the data dir (each write
 * drops the entry its data fills); --offline skips it. What is still missing keeps its latest reason.
 */
export async function retryMissingSources(o: RetryOptions): Promise<RetryOutcome> {
  const dir = feedsDir(o.dataDir);
  const before = (await readManifest(dir).catch(() => undefined))?.missingSources ?? [];
  if (before.length === 0) return { missing: [] };
  const names = before.map((m) => m.source);
  if (o.offline)
    return {
      missing: before,
      message: `Feed incomplete: ${names.join(', ')} missing (--offline: not retried)`,
    };
  const sources = configuredSources(o.env).filter((s) => names.includes(s.name));
  const t0 = Date.now();
  const limit = `${o.timeoutSeconds} s (--feed-sync-timeout)`;
  const get = boundedGetter(t0 + o.timeoutSeconds * 1000, limit, o.fetchImpl ?? fetch);
  const r = sources.length
    ? await syncFeeds({ dataDir: o.dataDir, get, sources })
    : { written: [], failed: [] };
  const now = new Date().toISOString();
  const after = ((await readManifest(dir))?.missingSources ?? []).map((m) => {
    const f = r.failed.find((x) => x.source === m.source);
    return f ? { ...m, reason: f.reason, triedAt: now } : m;
  });
  if (after.length) await setMissingSources(dir, after);
  const got = names.filter((n) => !after.some((m) => m.source === n));
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  const parts = [
    got.length ? `downloaded ${got.join(', ')}, which an earlier run could not` : '',
    after.length
      ? `still missing after ${seconds} s: ${after.map((m) => `${m.source}: ${m.reason}`).join('; ')}`
      : '',
  ].filter(Boolean);
  return {
    missing: after,
    message: `Feed ${after.length ? 'incomplete' : 'completed'}: ${parts.join('; ')}`,
  };
}

/**
 * The cve package of a feed that lacks some sources: every evaluation adds a `cve.feed-sources` result
 * (ERROR, Informational) naming them, what findings lack without them, and why they are missing. Instances
 * the package does not apply to (every result NOT_APPLICABLE) get none.
 */
export function withMissingSources(pkg: RulesPackage, missing: readonly MissingSource[]): RulesPackage {
  if (missing.length === 0) return pkg;
  // Its results are judged whole (all NOT_APPLICABLE or not): the package's one-at-a-time form is not kept.
  const { evaluateEach: _each, ...whole } = pkg;
  return {
    ...whole,
    async evaluate(facts, ctx) {
      const results = await pkg.evaluate(facts, ctx);
      if (results.length > 0 && results.every((r) => r.result === 'NOT_APPLICABLE')) return results;
      const note: RuleResult = {
        rulesPackage: pkg.id,
        ruleId: 'cve.feed-sources',
        instanceId: facts.instanceId,
        result: 'ERROR',
        severity: 'Informational',
        title: 'Part of the vulnerability feed is missing',
        message: `the compiled feed lacks ${missing.length === 1 ? 'a source' : `${missing.length} sources`} that could not be downloaded (retried by every run until they arrive, or run \`inspector feeds sync\`): ${missing.map((m) => `${m.source} (${MISSING_EFFECT[m.data]})`).join('; ')}`,
        evidence: missing.map((m) => ({
          source: 'feeds/manifest.json',
          key: m.source,
          value: 'missing',
          note: `${m.reason} (missing since ${m.since}, last tried ${m.triedAt})`,
        })),
      };
      return [...results, note];
    },
  };
}

const STAGING_PREFIX = '.first-run-feed-';

/** Staging folders an interrupted first run left (older than an hour: not one in progress). */
async function removeStaleStaging(dataDir: string): Promise<void> {
  for (const n of await fs.readdir(dataDir).catch(() => [] as string[])) {
    if (!n.startsWith(STAGING_PREFIX)) continue;
    const p = path.join(dataDir, n);
    const st = await fs.stat(p).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > 3_600_000) await fs.rm(p, { recursive: true, force: true });
  }
}

/**
 * Move compiled feed files into the data directory's feeds folder, the manifest last (each a rename, so a
 * reader never sees half a file, nor a manifest naming a file not there yet). False when that folder already
 * has a manifest (another process synced meanwhile): it is left as it is.
 */
async function moveFeeds(from: string, to: string): Promise<boolean> {
  await fs.mkdir(to, { recursive: true });
  const has = await fs
    .stat(path.join(to, 'manifest.json'))
    .then(() => true)
    .catch(() => false);
  if (has) return false;
  const names = (await fs.readdir(from)).filter((n) => !n.startsWith('.'));
  for (const n of names.filter((x) => x !== 'manifest.json'))
    await fs.rename(path.join(from, n), path.join(to, n));
  if (names.includes('manifest.json'))
    await fs.rename(path.join(from, 'manifest.json'), path.join(to, 'manifest.json'));
  return true;
}

/** The `cve` package when no feed could be had: evaluating it fails with the reason, so the run records an exclusion. */
export function unavailableCvePackage(reason: string): RulesPackage {
  const info = rulesPackageInfo('cve');
  return {
    id: 'cve',
    name: info?.name ?? 'cve',
    version: info?.version ?? '',
    description: info?.description ?? '',
    rules: [],
    evaluate() {
      throw new Error(reason);
    },
  };
}

/** A one-line bar on a terminal: steps (each source downloaded, then written), bytes so far, seconds. */
export class ProgressBar {
  bytes = 0;
  private done = 0;
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;
  private readonly downloaded = new Set<string>();

  constructor(
    private readonly out: Pick<NodeJS.WriteStream, 'write'> & { columns?: number },
    private readonly label: string,
    private readonly total: number,
    private readonly t0: number,
  ) {}

  start(): void {
    this.out.write(`Downloading the vulnerability feed for ${this.label} (first run; --offline skips it)\n`);
    this.draw();
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  step(p: SyncProgress): void {
    if (p.kind === 'downloaded') this.downloaded.add(p.source);
    // Each source is two steps (downloaded, written); one that failed to download finishes both.
    this.done += p.kind === 'failed' && !this.downloaded.has(p.source) ? 2 : 1;
    this.draw();
  }

  end(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }

  private draw(): void {
    this.out.write(
      `\r\x1b[K${renderBar(this.done, this.total, this.bytes, Date.now() - this.t0, this.out.columns ?? 80)}`,
    );
    this.drawn = true;
  }
}

/** `[#########-----------]  3/6  41.2 MB  12 s`, fitted to `columns`. */
export function renderBar(done: number, total: number, bytes: number, ms: number, columns: number): string {
  const tail = `  ${Math.min(done, total)}/${total}  ${(bytes / 1e6).toFixed(1)} MB  ${Math.floor(ms / 1000)} s`;
  const width = Math.max(10, Math.min(40, columns - tail.length - 3));
  const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : width;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${tail}`;
}
