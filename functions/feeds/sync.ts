/**
 * Downloading the official feeds. Every download has a short timeout and runs in parallel, so an offline
 * machine gets a clear error within one timeout instead of a hang. A feed whose download or validation
 * fails leaves its previous compiled index in place; the others are written.
 */
import { addFile, type FeedBundle } from './import';
import { emptyRead } from './model';
import { updateinfoLocation } from './readers/updateinfo';
import { type StoreReport, writeBundle } from './store';

export interface FeedSource {
  name: string;
  /** Fetch the feed's bytes (file name decides the reader). */
  download(get: Getter): Promise<Array<{ name: string; data: Buffer }>>;
}

export type Getter = (url: string) => Promise<Buffer>;

const OSV_BASE = 'https://osv-vulnerabilities.storage.googleapis.com';
const osv = (ecosystem: string): FeedSource => ({
  name: `osv:${ecosystem}`,
  async download(get) {
    return [
      {
        name: `${ecosystem}-all.zip`,
        data: await get(`${OSV_BASE}/${encodeURIComponent(ecosystem)}/all.zip`),
      },
    ];
  },
});

const amazon = (release: '2' | '2023', mirrorList: string): FeedSource => ({
  name: `alas:amazon-linux-${release}`,
  async download(get) {
    const base = (await get(mirrorList)).toString('utf8').split('\n')[0]?.trim().replace(/\/$/, '');
    if (!base?.startsWith('https://')) throw new Error(`mirror list ${mirrorList} names no https mirror`);
    const href = updateinfoLocation((await get(`${base}/repodata/repomd.xml`)).toString('utf8'));
    if (!href) throw new Error(`${base}/repodata/repomd.xml lists no updateinfo`);
    return [{ name: `al${release}-${href.split('/').pop()}`, data: await get(`${base}/${href}`) }];
  },
});

export const OFFICIAL_SOURCES: readonly FeedSource[] = [
  osv('Debian'),
  osv('Ubuntu'),
  osv('AlmaLinux'),
  osv('Rocky Linux'),
  osv('Alpine'),
  amazon('2023', 'https://cdn.amazonlinux.com/al2023/core/mirrors/latest/x86_64/mirror.list'),
  amazon('2', 'https://cdn.amazonlinux.com/2/core/latest/x86_64/mirror.list'),
  {
    name: 'cisa-kev',
    async download(get) {
      const url = 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json';
      return [{ name: 'known_exploited_vulnerabilities.json', data: await get(url) }];
    },
  },
  {
    name: 'first-epss',
    async download(get) {
      return [
        {
          name: 'epss_scores-current.csv.gz',
          data: await get('https://epss.empiricalsecurity.com/epss_scores-current.csv.gz'),
        },
      ];
    },
  },
];

/** A GET with a deadline; the error names the URL and the network's reason. */
export function httpGetter(timeoutMs: number, fetchImpl: typeof fetch = fetch): Getter {
  return async (url) => {
    let res: Response;
    try {
      res = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    } catch (err) {
      throw new Error(`${url}: ${networkReason(err, timeoutMs)}`);
    }
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
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
}

export async function syncFeeds(opts: {
  dataDir: string;
  get: Getter;
  sources?: readonly FeedSource[];
}): Promise<SyncResult> {
  const sources = opts.sources ?? OFFICIAL_SOURCES;
  const outcomes = await Promise.all(
    sources.map(async (s) => {
      try {
        const files = await s.download(opts.get);
        const bundle: FeedBundle = {
          read: emptyRead(),
          files: { osv: 0, updateinfo: 0, kev: 0, epss: 0, zip: 0 },
        };
        for (const f of files) addFile(bundle, f.name, f.data);
        if (bundle.read.errors.length > 0) {
          const e = bundle.read.errors[0]!;
          throw new Error(`${bundle.read.errors.length} invalid record(s), first ${e.source}: ${e.message}`);
        }
        if (bundle.read.advisories.length === 0 && !bundle.kev && !bundle.epss)
          throw new Error('the download held no data');
        return { source: s.name, bundle };
      } catch (err) {
        return { source: s.name, reason: (err as Error).message };
      }
    }),
  );
  const result: SyncResult = { written: [], failed: [] };
  // Written one after the other: each write merges into the same manifest.
  for (const o of outcomes) {
    if ('reason' in o) result.failed.push({ source: o.source, reason: o.reason ?? 'unknown' });
    else result.written.push(await writeBundle(opts.dataDir, o.bundle, { replace: true }));
  }
  return result;
}
