/**
 * Feed sync over the synthetic exports bench/feed-sync.ts measures at full size (test/helpers/synthetic-feeds.ts),
 * scaled down to a few hundred records each, served by the feed server on 127.0.0.1: the feed-sync Lambda's
 * path (syncAndPublish) and `feeds sync` (syncFeeds) compile every release with exactly the advisories the
 * records hold (spilled to disk by release and read back: nothing lost, nothing doubled), the Debian export
 * written as zip64 as its real size needs, and both paths agree with an import of the same files.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedObjectStore } from '../../functions/core/feeds-cloud/object-store';
import { POINTER_KEY, parsePointer } from '../../functions/core/feeds-cloud/pointer';
import { syncAndPublish } from '../../functions/core/feeds-cloud/publish';
import { parseOsvEcosystem } from '../../functions/feeds/ecosystems';
import { readFeedPath } from '../../functions/feeds/import';
import { withCompiledAt } from '../../functions/feeds/index-format';
import { releaseKeyString } from '../../functions/feeds/model';
import { readManifest, writeBundle } from '../../functions/feeds/store';
import { httpGetter, officialSources, syncFeeds } from '../../functions/feeds/sync';
import { type FeedServer, startFeedServer } from '../helpers/feed-server';
import {
  epssCsvGz,
  kevJson,
  OSV_GENERATORS,
  osvEntries,
  updateinfoGz,
  writeZipFile,
} from '../helpers/synthetic-feeds';

const COUNTS = { debian: 400, ubuntu: 150, almalinux: 80, rocky: 80, alpine: 200 } as const;
const ECOSYSTEM = {
  debian: 'Debian',
  ubuntu: 'Ubuntu',
  almalinux: 'AlmaLinux',
  rocky: 'Rocky Linux',
  alpine: 'Alpine',
};
const SOURCES = [
  'osv:Debian',
  'osv:Ubuntu',
  'osv:AlmaLinux',
  'osv:Rocky Linux',
  'osv:Alpine',
  'alas:amazon-linux-2023',
  'alas:amazon-linux-2',
  'cisa-kev',
  'first-epss',
];

let server: FeedServer;
let work: string;
/** Release key → advisory ids the served records hold for it. */
const expected = new Map<string, Set<string>>();
const zip64: Record<string, boolean> = {};

beforeAll(async () => {
  server = await startFeedServer();
  work = mkdtempSync(path.join(os.tmpdir(), 'feed-sync-synthetic-'));
  const exportsDir = path.join(work, 'exports');
  mkdirSync(exportsDir);
  const routes: Array<[string, Buffer | string]> = [];
  for (const [key, n] of Object.entries(COUNTS) as Array<[keyof typeof COUNTS, number]>) {
    const file = path.join(exportsDir, `${key}-all.zip`);
    const entries = [...osvEntries(OSV_GENERATORS[key], n, 11)];
    zip64[key] = writeZipFile(file, entries, { forceZip64: key === 'debian' }).zip64;
    routes.push([`/osv/${ECOSYSTEM[key]}/all.zip`, readFileSync(file)]);
    for (const e of entries) {
      const rec = JSON.parse(e.data.toString()) as {
        id: string;
        affected: Array<{ package: { ecosystem: string } }>;
      };
      for (const a of rec.affected) {
        const k = parseOsvEcosystem(a.package.ecosystem);
        if (!k) continue;
        const s = expected.get(releaseKeyString(k)) ?? new Set<string>();
        s.add(rec.id);
        expected.set(releaseKeyString(k), s);
      }
    }
  }
  const repomd =
    '<repomd><data type="updateinfo"><location href="repodata/updateinfo.xml.gz"/></data></repomd>';
  for (const [release, n] of [
    ['2023', 40],
    ['2', 60],
  ] as const) {
    const u = updateinfoGz(release, n, 12);
    routes.push(
      [`/al${release}/mirror.list`, `${server.base}/al${release}/repo/\n`],
      [`/al${release}/repo/repodata/repomd.xml`, repomd],
      [`/al${release}/repo/repodata/updateinfo.xml.gz`, u.gz],
    );
    writeFileSync(path.join(exportsDir, `al${release}-updateinfo.xml.gz`), u.gz);
    expected.set(`amazon:${release}`, new Set(Array.from({ length: n }, (_, i) => `update ${i}`))); // n distinct ids
  }
  const kev = kevJson(120);
  const epss = epssCsvGz(2_000, 13).gz;
  routes.push(['/kev.json', kev], ['/epss.csv.gz', epss]);
  writeFileSync(path.join(exportsDir, 'known_exploited_vulnerabilities.json'), kev);
  writeFileSync(path.join(exportsDir, 'epss_scores.csv.gz'), epss);
  server.routes.clear();
  for (const [p, body] of routes) server.routes.set(p, { body });
});

afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

const sources = () =>
  officialSources(server.urls, { allowHttp: true }).filter((s) => SOURCES.includes(s.name));

/** An in-memory feed bucket. */
function memoryStore(): FeedObjectStore & { objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  return {
    objects,
    location: 'memory://feeds',
    get: async (k) => objects.get(k),
    put: async (k, b) => void objects.set(k, b),
    copy: async (a, b) => void objects.set(b, objects.get(a)!),
    listFolders: async (prefix) => [
      ...new Set(
        [...objects.keys()]
          .filter((k) => k.startsWith(prefix) && k.slice(prefix.length).includes('/'))
          .map((k) => `${prefix}${k.slice(prefix.length).split('/')[0]}/`),
      ),
    ],
    deletePrefix: async (prefix) => {
      let n = 0;
      for (const k of [...objects.keys()]) if (k.startsWith(prefix) && objects.delete(k)) n++;
      return n;
    },
  };
}

describe('feed sync of the synthetic exports (scaled down)', () => {
  it('the Debian export is written as zip64, as at full size', () => {
    expect(zip64.debian).toBe(true);
  });

  it('the feed-sync Lambda path publishes every release with exactly the advisories its records hold', async () => {
    const store = memoryStore();
    const out = await syncAndPublish({ store, get: httpGetter(10_000), sources: sources(), workRoot: work });
    expect(out.failed).toEqual([]);
    expect(out.outcome).toBe('published');
    const pointer = parsePointer(store.objects.get(POINTER_KEY)!, POINTER_KEY);
    const got = Object.fromEntries(Object.entries(pointer.releases).map(([k, r]) => [k, r.advisories]));
    const want = Object.fromEntries([...expected].map(([k, ids]) => [k, ids.size]));
    expect(got).toEqual(want);
    expect(pointer.kev?.entries).toBe(120);
    expect(pointer.epss?.entries).toBe(2_000);
  });

  it('feeds sync (every source at once, each written as it arrives) compiles the same files as an import of the same exports', async () => {
    const synced = path.join(work, 'synced');
    const r = await syncFeeds({ dataDir: synced, get: httpGetter(10_000), sources: sources() });
    expect(r.failed).toEqual([]);
    const imported = path.join(work, 'imported');
    const bundle = await readFeedPath(path.join(work, 'exports'));
    expect(bundle.read.errors).toEqual([]);
    await writeBundle(imported, bundle, { replace: true });
    const a = await readManifest(path.join(synced, 'feeds'));
    const b = await readManifest(path.join(imported, 'feeds'));
    const strip = (m: typeof a) =>
      Object.fromEntries(Object.entries(m?.releases ?? {}).map(([k, v]) => [k, { ...v, compiledAt: '' }]));
    expect(strip(a)).toEqual(strip(b));
    expect(Object.keys(a?.releases ?? {}).sort()).toEqual([...expected.keys()].sort());
    for (const [key, rel] of Object.entries(a?.releases ?? {})) {
      // Byte for byte, once the compile time in the header is the same.
      const bytes = (d: string) => withCompiledAt(readFileSync(path.join(d, 'feeds', rel.file)), '');
      expect(bytes(synced).equals(bytes(imported)), key).toBe(true);
    }
  });
});
