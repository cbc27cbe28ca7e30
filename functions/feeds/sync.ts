/**
 * Downloading the official feeds. Every download has a short timeout and runs in parallel, so an offline
 * machine gets a clear error within one timeout instead of a hang. A feed whose download or validation
 * fails leaves its previous compiled index in place; the others are written.
 */
import { describeInvalid } from './cve-scores';
import { addFile, type FeedBundle } from './import';
import { emptyRead } from './model';
import { updateinfoLocation } from './readers/updateinfo';
import { cveRecordsSource, debianTrackerSource } from './severity-sources';
import { AdvisorySpill, writeSpilled } from './spill';
import type { StoreReport } from './store';
import { formatLimit } from './zip';

export interface FeedSource {
  name: string;
  /** Fetch the feed's bytes (file name decides the reader). */
  download(get: Getter): Promise<Array<{ name: string; data: Buffer }>>;
}

export type Getter = (url: string) => Promise<Buffer>;

/** Where the official feeds are downloaded from; every URL can be replaced (a mirror, a test server). */
export interface FeedUrls {
  /** OSV's bucket: `<osvBase>/<Ecosystem>/all.zip`. */
  osvBase: string;
  /** Amazon Linux mirror lists (first line: the repository's base URL). */
  al2023MirrorList: string;
  al2MirrorList: string;
  kev: string;
  epss: string;
  /** Debian Security Tracker JSON export (urgency per release, source package and CVE). */
  debianTracker: string;
  /** NVD's JSON 2.0 feeds, `<nvdFeedBase>/nvdcve-2.0-<year>.json.gz` (CVSS by CVE); '' = not read. */
  nvdFeedBase: string;
  /** Optional: a zip of CVE List V5 records (e.g. a cvelistV5 release asset), read besides NVD. */
  cveListV5?: string;
}

export const OFFICIAL_FEED_URLS: Readonly<FeedUrls> = {
  osvBase: 'https://osv-vulnerabilities.storage.googleapis.com',
  al2023MirrorList: 'https://cdn.amazonlinux.com/al2023/core/mirrors/latest/x86_64/mirror.list',
  al2MirrorList: 'https://cdn.amazonlinux.com/2/core/latest/x86_64/mirror.list',
  kev: 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json',
  epss: 'https://epss.empiricalsecurity.com/epss_scores-current.csv.gz',
  debianTracker: 'https://security-tracker.debian.org/tracker/data/json',
  nvdFeedBase: 'https://nvd.nist.gov/feeds/json/cve/2.0',
};

const osv = (ecosystem: string, base: string): FeedSource => ({
  name: `osv:${ecosystem}`,
  async download(get) {
    return [
      {
        name: `${ecosystem}-all.zip`,
        data: await get(`${base.replace(/\/$/, '')}/${encodeURIComponent(ecosystem)}/all.zip`),
      },
    ];
  },
});

const amazon = (release: '2' | '2023', mirrorList: string, allowHttp: boolean): FeedSource => ({
  name: `alas:amazon-linux-${release}`,
  async download(get) {
    const base = (await get(mirrorList)).toString('utf8').split('\n')[0]?.trim().replace(/\/$/, '');
    const schemeOk = base?.startsWith('https://') || (allowHttp && base?.startsWith('http://'));
    if (!base || !schemeOk) throw new Error(`mirror list ${mirrorList} names no https mirror`);
    const href = updateinfoLocation((await get(`${base}/repodata/repomd.xml`)).toString('utf8'));
    if (!href) throw new Error(`${base}/repodata/repomd.xml lists no updateinfo`);
    return [{ name: `al${release}-${href.split('/').pop()}`, data: await get(`${base}/${href}`) }];
  },
});

/**
 * The official sources, with URLs replaced where `urls` says. `allowHttp` lets a mirror list name a plain
 * http mirror (a test server on 127.0.0.1); the official lists name https mirrors only.
 */
export function officialSources(
  urls: Partial<FeedUrls> = {},
  opts: { allowHttp?: boolean } = {},
): FeedSource[] {
  const u: FeedUrls = { ...OFFICIAL_FEED_URLS, ...urls };
  const allowHttp = opts.allowHttp ?? false;
  return [
    osv('Debian', u.osvBase),
    osv('Ubuntu', u.osvBase),
    osv('AlmaLinux', u.osvBase),
    osv('Rocky Linux', u.osvBase),
    osv('Alpine', u.osvBase),
    amazon('2023', u.al2023MirrorList, allowHttp),
    amazon('2', u.al2MirrorList, allowHttp),
    {
      name: 'cisa-kev',
      async download(get) {
        return [{ name: 'known_exploited_vulnerabilities.json', data: await get(u.kev) }];
      },
    },
    {
      name: 'first-epss',
      async download(get) {
        return [{ name: 'epss_scores-current.csv.gz', data: await get(u.epss) }];
      },
    },
    debianTrackerSource(u.debianTracker),
    cveRecordsSource({ nvdFeedBase: u.nvdFeedBase, ...(u.cveListV5 ? { cveListV5: u.cveListV5 } : {}) }),
  ];
}

export const OFFICIAL_SOURCES: readonly FeedSource[] = officialSources();

/**
 * Largest response body a feed download may have, counted after any Content-Encoding is undone (fetch
 * inflates gzip/deflate/br bodies itself, with no limit, so a server could send a compression bomb). The
 * largest real downloads are OSV's Ubuntu and Debian all.zip exports (compressed, on the order of 100 MB; not
 * measured here); 1 GiB leaves room for growth and for a mirror that serves them stored.
 */
export const MAX_DOWNLOAD_BYTES = 1024 * 1024 * 1024;

/**
 * A GET with a deadline and a size limit (`maxBytes`, after decompression: a larger body is refused as soon
 * as it passes the limit); the error names the URL and the network's reason.
 */
export function httpGetter(
  timeoutMs: number,
  fetchImpl: typeof fetch = fetch,
  maxBytes: number = MAX_DOWNLOAD_BYTES,
): Getter {
  return async (url) => {
    let res: Response;
    try {
      res = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    } catch (err) {
      throw new Error(`${url}: ${networkReason(err, timeoutMs)}`);
    }
    if (!res.ok) {
      // The error's body is not read: released here, or its connection would keep the process alive until the
      // server closes it (Node's keep-alive timeout: `inspector assess` exited ~5 s late after a source's 500).
      await res.body?.cancel().catch(() => undefined);
      throw new Error(`${url}: HTTP ${res.status}`);
    }
    if (!res.body) return Buffer.alloc(0);
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = await reader.read().catch((err: unknown) => {
        throw new Error(`${url}: ${networkReason(err, timeoutMs)}`);
      });
      if (chunk.done) break;
      total += chunk.value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new Error(
          `${url}: the response is larger than ${formatLimit(maxBytes)} (after decompression); refusing it`,
        );
      }
      chunks.push(chunk.value);
    }
    return Buffer.concat(chunks, total);
  };
}

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

export interface SyncResult {
  written: StoreReport[];
  failed: Array<{ source: string; reason: string }>;
  /**
   * Sources written with something left out: records invalid but too few to refuse the source (the CVE
   * records' invalid records, cve-scores.ts InvalidRecords).
   */
  warnings: Array<{ source: string; message: string }>;
}

/** What syncFeeds reports as it goes (the first-run sync draws its progress bar from it). */
export type SyncProgress =
  | { kind: 'downloaded'; source: string; bytes: number }
  | { kind: 'written'; source: string }
  | { kind: 'failed'; source: string; reason: string };

export async function syncFeeds(opts: {
  dataDir: string;
  get: Getter;
  sources?: readonly FeedSource[];
  onProgress?: (p: SyncProgress) => void;
}): Promise<SyncResult> {
  const sources = opts.sources ?? OFFICIAL_SOURCES;
  const progress = opts.onProgress ?? (() => {});
  const outcomes: Array<{ source: string; report?: StoreReport; reason?: string }> = [];
  // Downloads run in parallel. Each download is read, checked and written as soon as it is in, one source at
  // a time (each write merges into the same manifest), its advisories spilled to disk by release while it is
  // read (spill.ts): neither every source nor the whole of one large export is held in memory at once.
  let turn: Promise<unknown> = Promise.resolve();
  await Promise.all(
    sources.map(async (s, i) => {
      const fail = (err: unknown) => {
        const reason = (err as Error).message;
        outcomes[i] = { source: s.name, reason };
        progress({ kind: 'failed', source: s.name, reason });
      };
      let files: Array<{ name: string; data: Buffer }>;
      try {
        files = await s.download(opts.get);
      } catch (err) {
        return fail(err);
      }
      progress({ kind: 'downloaded', source: s.name, bytes: files.reduce((n, f) => n + f.data.length, 0) });
      const mine = turn.then(() => writeDownload(opts.dataDir, files));
      turn = mine.catch(() => undefined);
      try {
        outcomes[i] = { source: s.name, report: await mine };
        progress({ kind: 'written', source: s.name });
      } catch (err) {
        fail(err);
      }
    }),
  );
  const result: SyncResult = { written: [], failed: [], warnings: [] };
  for (const o of outcomes) {
    if (o.report) {
      result.written.push(o.report);
      if (o.report.cveScores?.invalid)
        result.warnings.push({ source: o.source, message: describeInvalid(o.report.cveScores.invalid) });
    } else result.failed.push({ source: o.source, reason: o.reason ?? 'unknown' });
  }
  return result;
}

/** One source's download: read (advisories spilled by release), checked, then written release by release. */
async function writeDownload(
  dataDir: string,
  files: ReadonlyArray<{ name: string; data: Buffer }>,
): Promise<StoreReport> {
  const spill = await AdvisorySpill.create(dataDir);
  try {
    const bundle: FeedBundle = {
      read: emptyRead(),
      files: { osv: 0, updateinfo: 0, kev: 0, epss: 0, zip: 0 },
      sink: spill.add,
    };
    for (const f of files) addFile(bundle, f.name, f.data);
    if (bundle.read.errors.length > 0) {
      const e = bundle.read.errors[0]!;
      throw new Error(`${bundle.read.errors.length} invalid record(s), first ${e.source}: ${e.message}`);
    }
    if (spill.count === 0 && !bundle.kev && !bundle.epss && !bundle.cvss?.size && !bundle.debianTracker?.size)
      throw new Error('the download held no data');
    const { read: _read, files: _files, sink: _sink, ...rest } = bundle;
    return await writeSpilled(dataDir, spill, rest);
  } finally {
    await spill.dispose();
  }
}
