import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryCveIndex } from '../../../functions/feeds/compile';
import { addFile, type FeedBundle, readFeedPath } from '../../../functions/feeds/import';
import { encodeRelease, ReleaseIndex } from '../../../functions/feeds/index-format';
import { type Advisory, emptyRead } from '../../../functions/feeds/model';
import { feedsDir, StoredCveIndex, writeBundle } from '../../../functions/feeds/store';
import { readZip, ZipError } from '../../../functions/feeds/zip';

const FIX = path.resolve(__dirname, '../../fixtures/cve');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'cve-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const adv = (id: string, name: string, fixed?: string, extra: Partial<Advisory> = {}): Advisory => ({
  id,
  key: { family: 'debian', release: '12' },
  cves: [id.replace(/^DEBIAN-/, '')],
  references: [],
  packages: [
    {
      name,
      ranges: [
        [
          { kind: 'introduced', version: '0' },
          ...(fixed ? [{ kind: 'fixed' as const, version: fixed }] : []),
        ],
      ],
      versions: [],
      arches: [],
      wontFix: false,
    },
  ],
  ...extra,
});

describe('compiled release index', () => {
  it('round-trips advisories through the interned document', () => {
    const a = adv('DEBIAN-CVE-2024-1', 'openssl', '3.0.15-1~deb12u1', {
      severity: 'high',
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 },
      summary: 's',
      published: '2024-01-01',
      references: ['https://x'],
    });
    const b = adv('DEBIAN-CVE-2024-2', 'openssl', undefined);
    b.packages[0]!.wontFix = true;
    b.packages.push({
      name: 'curl',
      ranges: [],
      versions: ['7.88.1-10'],
      arches: ['amd64'],
      wontFix: false,
      stream: '7.88',
    });
    const idx = ReleaseIndex.fromAdvisories({ family: 'debian', release: '12' }, [b, a], 'T');
    expect(idx.advisoryCount).toBe(2);
    expect(idx.packageCount).toBe(2);
    const bytes = encodeRelease({ family: 'debian', release: '12' }, [b, a], 'T');
    const back = ReleaseIndex.fromBytes(bytes, 'mem');
    const byName = (x: Advisory) => ({
      ...x,
      packages: [...x.packages].sort((p, q) => p.name.localeCompare(q.name)),
    });
    expect(back.allAdvisories().map(byName)).toEqual([a, b].map(byName));
    expect(back.lookup('curl')).toEqual([
      { advisory: { id: 'DEBIAN-CVE-2024-2', cves: ['CVE-2024-2'], references: [] }, pkg: b.packages[1] },
    ]);
    expect(back.lookup('nothing')).toEqual([]);
    // A package's versions are interned once in its block; the name is in the name table only.
    const text = bytes.toString('utf8');
    expect(text.split('"openssl"')).toHaveLength(2);
    expect(text.split('"3.0.15-1~deb12u1"')).toHaveLength(2);
    expect(() => ReleaseIndex.fromBytes(Buffer.from('{"kind":"other"}\n'), 'x.idx')).toThrow(
      /x\.idx is not a compiled CVE index \(schema 2\): kind/,
    );
  });
});

describe('feed import and the data-dir store', () => {
  it('reads a directory tree: OSV JSON, JSONL, updateinfo.xml.gz, KEV, EPSS, zip', async () => {
    const b = await readFeedPath(FIX);
    expect(b.read.errors).toEqual([]);
    expect(b.files.updateinfo).toBe(4);
    expect(b.files.zip).toBe(2);
    expect(b.kev?.entries).toHaveLength(1404);
    expect(b.epss?.cves).toHaveLength(5);
    const keys = new Set(b.read.advisories.map((a) => `${a.key.family}:${a.key.release}`));
    for (const k of [
      'debian:12',
      'ubuntu:22.04',
      'almalinux:8',
      'almalinux:9',
      'rocky:8',
      'rocky:9',
      'amazon:2',
      'amazon:2023',
    ]) {
      expect(keys.has(k), k).toBe(true);
    }
  });

  it('reads zip archives, deflated and stored, and refuses broken ones', async () => {
    const z = readZip(readFileSync(path.join(FIX, 'osv-rpm.zip')));
    expect(z.map((e) => e.name)).toContain('osv/rocky/RLSA-2024_3671.json');
    const rocky = z.find((e) => e.name.endsWith('RLSA-2024_3671.json'))!;
    expect(rocky.read().toString('utf8')).toBe(
      readFileSync(path.join(FIX, 'osv/rocky/RLSA-2024_3671.json'), 'utf8'),
    );
    const stored = await readFeedPath(path.join(FIX, 'osv-ubuntu-stored.zip'));
    expect(stored.read.errors).toEqual([]);
    expect(stored.read.records).toBe(9);
    expect(() => readZip(Buffer.from('not a zip at all, definitely not'))).toThrow(ZipError);
    const bundle: FeedBundle = {
      read: emptyRead(),
      files: { osv: 0, updateinfo: 0, kev: 0, epss: 0, zip: 0 },
    };
    addFile(bundle, 'trunc.zip', readFileSync(path.join(FIX, 'osv-rpm.zip')).subarray(0, 4000));
    expect(bundle.read.errors[0]!.message).toMatch(/zip/);
  });

  it('writes atomically, merges by advisory id, replaces on request, and loads lazily', async () => {
    const dataDir = tmp();
    const r1 = await writeBundle(
      dataDir,
      {
        read: {
          advisories: [adv('DEBIAN-CVE-2024-1', 'a', '1.0-1'), adv('DEBIAN-CVE-2024-2', 'b', '2.0-1')],
          errors: [],
          skipped: {},
          records: 2,
        },
      },
      { now: 'T1' },
    );
    expect(r1.releases).toEqual([{ key: 'debian:12', advisories: 2, packages: 2, added: 2, replaced: 0 }]);
    const r2 = await writeBundle(
      dataDir,
      {
        read: {
          advisories: [adv('DEBIAN-CVE-2024-2', 'b', '2.0-2'), adv('DEBIAN-CVE-2024-3', 'c')],
          errors: [],
          skipped: {},
          records: 2,
        },
      },
      { now: 'T2' },
    );
    expect(r2.releases[0]).toEqual({ key: 'debian:12', advisories: 3, packages: 3, added: 2, replaced: 1 });
    expect(readdirSync(feedsDir(dataDir)).sort()).toEqual(['debian-12.idx', 'manifest.json']);
    const idx = await StoredCveIndex.open(dataDir);
    expect(idx.releaseKeys()).toEqual(['debian:12']);
    const rel = await idx.release({ family: 'debian', release: '12' });
    expect(rel?.lookup('b')[0]?.pkg.ranges[0]?.[1]?.version).toBe('2.0-2');
    expect(await idx.release({ family: 'debian', release: '11' })).toBeUndefined();
    await writeBundle(
      dataDir,
      { read: { advisories: [adv('DEBIAN-CVE-2024-9', 'z')], errors: [], skipped: {}, records: 1 } },
      { replace: true },
    );
    const again = await StoredCveIndex.open(dataDir);
    expect((await again.release({ family: 'debian', release: '12' }))?.advisoryCount).toBe(1);
  });

  it('stores KEV and EPSS and serves them by CVE', async () => {
    const dataDir = tmp();
    const b = await readFeedPath(path.join(FIX, 'kev'));
    const e = await readFeedPath(path.join(FIX, 'epss'));
    await writeBundle(dataDir, { read: b.read, kev: b.kev!, epss: e.epss! });
    const idx = await StoredCveIndex.open(feedsDir(dataDir));
    const t = await idx.threatData();
    expect(t.kev?.byCve.get('CVE-2025-48384')?.dueDate).toBe('2025-09-15');
    expect(t.epss?.lookup('CVE-1999-0002')).toEqual({ score: 0.01328, percentile: 0.85996 });
    expect(t.epss?.scoreDate).toBe('2025-02-20T00:00:00+0000');
  });

  it('says what to do when there is no index, and rejects a corrupt one', async () => {
    const dataDir = tmp();
    await expect(StoredCveIndex.open(dataDir)).rejects.toThrow(
      /no compiled vulnerability feed .*inspector feeds import/,
    );
    await writeBundle(dataDir, {
      read: { advisories: [adv('DEBIAN-CVE-2024-1', 'a', '1')], errors: [], skipped: {}, records: 1 },
    });
    writeFileSync(path.join(feedsDir(dataDir), 'debian-12.idx'), '{"kind":"x"}\n');
    const idx = await StoredCveIndex.open(dataDir);
    await expect(idx.release({ family: 'debian', release: '12' })).rejects.toThrow(
      /not a compiled CVE index/,
    );
  });

  it('an in-memory index compiles the same data', async () => {
    const b = await readFeedPath(path.join(FIX, 'osv/almalinux'));
    const idx = MemoryCveIndex.compile('mem', b.read);
    expect(idx.releaseKeys()).toEqual(['almalinux:8', 'almalinux:9']);
    expect((await idx.release({ family: 'almalinux', release: '9' }))?.lookup('avahi-libs')).toHaveLength(1);
  });
});
