/**
 * Feed downloads without a network: an HTTP server on 127.0.0.1 serving feed files in the official formats
 * (OSV all.zip per ecosystem, Amazon Linux mirror list → repomd.xml → updateinfo.xml.gz, CISA KEV JSON,
 * FIRST EPSS CSV.gz, the Debian Security Tracker JSON, NVD JSON 2.0 feeds per year, a CVE List V5 release
 * zip) built from test/fixtures/cve, with per-path faults (HTTP 500, truncated body).
 */
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { crc32, gzipSync } from 'node:zlib';
import type { FeedUrls } from '../../functions/feeds/sync';

const FIX = path.resolve(__dirname, '../fixtures/cve');

/** A zip entry given already compressed (method 0 stored, 8 deflated) with the uncompressed size it DECLARES. */
export interface RawZipEntry {
  name: string;
  data: Buffer;
  method: 0 | 8;
  size: number;
  crc?: number;
}

/** A zip of raw entries, as written: the sizes and CRCs are whatever the entries say (bombs, liars). */
export function zipEntries(entries: readonly RawZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const lfh = Buffer.alloc(30);
    lfh.writeUInt32LE(0x04034b50, 0);
    lfh.writeUInt16LE(20, 4); // version needed
    lfh.writeUInt16LE(0x0800, 6); // UTF-8 names
    lfh.writeUInt16LE(e.method, 8);
    lfh.writeUInt32LE(e.crc ?? 0, 14);
    lfh.writeUInt32LE(e.data.length, 18);
    lfh.writeUInt32LE(e.size, 22);
    lfh.writeUInt16LE(name.length, 26);
    const cdh = Buffer.alloc(46);
    cdh.writeUInt32LE(0x02014b50, 0);
    cdh.writeUInt16LE(20, 4);
    cdh.writeUInt16LE(20, 6);
    cdh.writeUInt16LE(0x0800, 8);
    cdh.writeUInt16LE(e.method, 10);
    cdh.writeUInt32LE(e.crc ?? 0, 16);
    cdh.writeUInt32LE(e.data.length, 20);
    cdh.writeUInt32LE(e.size, 24);
    cdh.writeUInt16LE(name.length, 28);
    cdh.writeUInt32LE(offset, 42);
    locals.push(lfh, name, e.data);
    centrals.push(cdh, name);
    offset += lfh.length + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** A zip of stored (uncompressed) entries, as OSV's all.zip holds one JSON file per record. */
export function zipStored(entries: ReadonlyArray<{ name: string; data: Buffer }>): Buffer {
  return zipEntries(entries.map((e) => ({ ...e, method: 0, size: e.data.length, crc: crc32(e.data) })));
}

const jsonFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f, data: readFileSync(path.join(dir, f)) }));

/** An OSV record for Debian 12 (test data: CVE-2099-* are not real vulnerabilities). */
export function debianRecord(id: string, source: string, fixed?: string): { name: string; data: Buffer } {
  const events: object[] = [{ introduced: '0' }, ...(fixed ? [{ fixed }] : [])];
  const rec = {
    schema_version: '1.6.0',
    id,
    upstream: [id.replace(/^DEBIAN-/, '')],
    affected: [
      { package: { ecosystem: 'Debian:12', name: source }, ranges: [{ type: 'ECOSYSTEM', events }] },
    ],
  };
  return { name: `${id}.json`, data: Buffer.from(JSON.stringify(rec)) };
}

/** The Debian 12 export: the curated derived records of the fixtures plus `extra` records. */
export function debianZip(extra: ReadonlyArray<{ name: string; data: Buffer }> = []): Buffer {
  return zipStored([...jsonFiles(path.join(FIX, 'debian12/curated')), ...extra]);
}

export const KEV_JSON = (): Buffer =>
  readFileSync(path.join(FIX, 'kev/known_exploited_vulnerabilities.json'));
/** EPSS with the real comment line and header; the scores are test data. */
export const EPSS_CSV_GZ = (): Buffer =>
  gzipSync(
    '#model_version:v2025.03.14,score_date:2025-09-01T00:00:00+0000\ncve,epss,percentile\nCVE-2025-48384,0.12345,0.95\nCVE-2099-0001,0.5,0.99\n',
  );

/**
 * The Debian Security Tracker export: the real vunnel subset (old releases) and the DERIVED Debian 12 entries
 * of test/fixtures/cve/debian-tracker, in one document as the tracker serves it.
 */
export const DEBIAN_TRACKER_JSON = (): Buffer =>
  Buffer.from(
    JSON.stringify({
      ...JSON.parse(readFileSync(path.join(FIX, 'debian-tracker/vunnel_tracker_subset.json'), 'utf8')),
      ...JSON.parse(readFileSync(path.join(FIX, 'debian-tracker/debian12-derived-tracker.json'), 'utf8')),
    }),
  );

/**
 * NVD's JSON 2.0 feed for one CVE year (nvdcve-2.0-<year>.json.gz): the API 2.0 envelope (as in the real
 * vunnel sample) around the real NVD records of test/fixtures/cve/cve-records/nvd for that year; an empty
 * list for the other years.
 */
export function nvdYearFeed(year: number): Buffer {
  const dir = path.join(FIX, 'cve-records/nvd');
  const cves: unknown[] = [];
  for (const f of jsonFiles(dir)) {
    const v = JSON.parse(f.data.toString('utf8')) as {
      id?: string;
      vulnerabilities?: Array<{ cve: { id: string } }>;
    };
    for (const cve of v.vulnerabilities ? v.vulnerabilities.map((x) => x.cve) : [v as { id: string }])
      if (cve.id?.startsWith(`CVE-${year}-`)) cves.push(cve);
  }
  return gzipSync(
    JSON.stringify({
      resultsPerPage: cves.length,
      startIndex: 0,
      totalResults: cves.length,
      format: 'NVD_CVE',
      version: '2.0',
      timestamp: '2026-11-30T03:00:00.000',
      vulnerabilities: cves.map((cve) => ({ cve })),
    }),
  );
}

/**
 * A CVE List V5 release asset: a zip holding a zip of `cves/<year>/<n>xxx/CVE-….json` records (the real ones
 * of test/fixtures/cve/cve-records/cvelistV5) and the delta files the real bundle carries.
 */
export function cveListZip(): Buffer {
  const records = jsonFiles(path.join(FIX, 'cve-records/cvelistV5')).map((f) => {
    const [, year, n] = /^CVE-(\d{4})-(\d+)\.json$/.exec(f.name)!;
    return { name: `cves/${year}/${n!.slice(0, -3) || '0'}xxx/${f.name}`, data: f.data };
  });
  const inner = zipStored([
    ...records,
    { name: 'cves/delta.json', data: Buffer.from('{"numberOfChanges":0}') },
  ]);
  return zipStored([{ name: '2026-11-30_all_CVEs_at_midnight.zip', data: inner }]);
}

export type Route = { status?: number; body: Buffer | string; truncate?: boolean };

export interface FeedServer {
  base: string;
  urls: FeedUrls;
  routes: Map<string, Route>;
  /** Requests served, by path. */
  hits: Map<string, number>;
  /** Set every route back to the fixture feeds. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * The fixture feeds at the paths `urls` names (Debian, Ubuntu, AlmaLinux, Rocky Linux, AL2023, KEV, EPSS,
 * Debian Security Tracker, NVD JSON 2.0 feeds, CVE List V5).
 */
export async function startFeedServer(): Promise<FeedServer> {
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    hits.set(p, (hits.get(p) ?? 0) + 1);
    const r = routes.get(p);
    if (!r) {
      res.writeHead(404).end('not found');
      return;
    }
    const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    const out = r.truncate ? body.subarray(0, Math.floor(body.length / 2)) : body;
    res.writeHead(r.status ?? 200, { 'content-length': out.length }).end(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const reset = () => {
    routes.clear();
    routes.set('/osv/Debian/all.zip', {
      body: debianZip([debianRecord('DEBIAN-CVE-2099-0001', 'bash', '5.2.15-2+deb12u1')]),
    });
    routes.set('/osv/Ubuntu/all.zip', { body: zipStored(jsonFiles(path.join(FIX, 'osv/ubuntu'))) });
    routes.set('/osv/AlmaLinux/all.zip', { body: zipStored(jsonFiles(path.join(FIX, 'osv/almalinux'))) });
    routes.set('/osv/Rocky Linux/all.zip', { body: zipStored(jsonFiles(path.join(FIX, 'osv/rocky'))) });
    routes.set('/al2023/mirror.list', { body: `${base}/al2023/repo/\n` });
    routes.set('/al2023/repo/repodata/repomd.xml', {
      body: readFileSync(path.join(FIX, 'amazon/vlu_repomd_valid.xml')),
    });
    routes.set('/al2023/repo/repodata/updateinfo.xml.gz', {
      body: readFileSync(path.join(FIX, 'amazon/vlu_updateinfo_AL2023.xml.gz')),
    });
    routes.set('/kev.json', { body: KEV_JSON() });
    routes.set('/epss.csv.gz', { body: EPSS_CSV_GZ() });
    routes.set('/debian-tracker/json', { body: DEBIAN_TRACKER_JSON() });
    for (let y = 2002; y <= new Date().getUTCFullYear(); y++)
      routes.set(`/nvd/nvdcve-2.0-${y}.json.gz`, { body: nvdYearFeed(y) });
    routes.set('/cvelist/cves.zip', { body: cveListZip() });
  };
  reset();
  return {
    base,
    urls: {
      osvBase: `${base}/osv`,
      al2023MirrorList: `${base}/al2023/mirror.list`,
      al2MirrorList: `${base}/al2/mirror.list`,
      kev: `${base}/kev.json`,
      epss: `${base}/epss.csv.gz`,
      debianTracker: `${base}/debian-tracker/json`,
      nvdFeedBase: `${base}/nvd`,
      cveListV5: `${base}/cvelist/cves.zip`,
    },
    routes,
    hits,
    reset,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The sources the fixture server serves (AL2 and Alpine have no fixture export). */
export const SERVED_SOURCES = [
  'osv:Debian',
  'osv:Ubuntu',
  'osv:AlmaLinux',
  'osv:Rocky Linux',
  'alas:amazon-linux-2023',
  'cisa-kev',
  'first-epss',
  'debian-security-tracker',
  'cve-records',
];

/** A Debian 12 dpkg database: bash (binNMU of source bash 5.2.15-2), git, tar, openssh-server. */
export const DEBIAN_DPKG_STATUS = `${[
  ['bash', '5.2.15-2+b8', 'bash (5.2.15-2)'],
  ['git', '1:2.39.5-0+deb12u2'],
  ['tar', '1.34+dfsg-1.2+deb12u1'],
  ['openssh-server', '1:9.2p1-2+deb12u5', 'openssh'],
]
  .map(([pkg, version, source]) =>
    [
      `Package: ${pkg}`,
      'Status: install ok installed',
      'Architecture: amd64',
      ...(source ? [`Source: ${source}`] : []),
      `Version: ${version}`,
      'Description: test',
    ].join('\n'),
  )
  .join('\n\n')}\n`;
