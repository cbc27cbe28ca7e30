/**
 * The per-package release index (schema 2, positioned reads of the looked-up packages only) against the format
 * it replaced (schema 1, one JSON document parsed whole), kept verbatim in test/helpers/legacy-release-index.ts:
 * every lookup must give exactly the same records, on a full-size synthetic Debian feed (FULL_SIZE.debian
 * records, the size of OSV's Debian export) and on the real records of every family in the fixtures (Ubuntu
 * Pro flags, RHEL module streams, Amazon arches and Extras streams). Also: feeds convert, and bad files.
 */

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { FeedObjectStore } from '../../../functions/core/feeds-cloud/object-store';
import { POINTER_KEY, POINTER_KIND } from '../../../functions/core/feeds-cloud/pointer';
import { PublishedCveIndex } from '../../../functions/core/feeds-cloud/published-index';
import { groupByRelease } from '../../../functions/feeds/compile';
import { readFeedPath } from '../../../functions/feeds/import';
import {
  encodeRelease,
  FileSource,
  IndexFormatError,
  OldIndexFormatError,
  ReleaseIndex,
  withCompiledAt,
} from '../../../functions/feeds/index-format';
import { type Advisory, emptyRead, mergeReads, type ReleaseKey } from '../../../functions/feeds/model';
import { readOsvJson } from '../../../functions/feeds/readers/osv';
import {
  convertFeeds,
  feedsDir,
  readManifest,
  StoredCveIndex,
  writeBundle,
} from '../../../functions/feeds/store';
import { encodeRelease as encodeLegacy, LegacyReleaseIndex } from '../../helpers/legacy-release-index';
import { debianRecord, FULL_SIZE, osvEntries } from '../../helpers/synthetic-feeds';

const FIX = path.resolve(__dirname, '../../fixtures/cve');
const work = mkdtempSync(path.join(os.tmpdir(), 'cve-positioned-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The old full parse: the schema-1 document through JSON text, as a data dir held it. */
function legacyIndex(key: ReleaseKey, advisories: readonly Advisory[]): LegacyReleaseIndex {
  const text = JSON.stringify(encodeLegacy(key, advisories, 'T'));
  return LegacyReleaseIndex.fromDocument(JSON.parse(text), 'old');
}

/** The new index as a file, read by positioned reads. */
async function fileIndex(key: ReleaseKey, advisories: readonly Advisory[]): Promise<ReleaseIndex> {
  const file = path.join(work, `${key.family}-${key.release}-${Math.random().toString(36).slice(2)}.idx`);
  writeFileSync(file, encodeRelease(key, advisories, 'T'));
  return ReleaseIndex.openFile(file);
}

function expectSameLookups(oldIdx: LegacyReleaseIndex, newIdx: ReleaseIndex, label: string): number {
  const names = Object.keys(oldIdx.document.packages).sort();
  expect(newIdx.packageNames(), label).toEqual(names);
  expect(newIdx.advisoryCount, label).toBe(oldIdx.advisoryCount);
  expect(newIdx.packageCount, label).toBe(oldIdx.packageCount);
  expect([newIdx.keyBy, newIdx.versionFormat], label).toEqual([oldIdx.keyBy, oldIdx.versionFormat]);
  let entries = 0;
  for (const name of names) {
    const want = oldIdx.lookup(name);
    const got = newIdx.lookup(name);
    entries += want.length;
    // toStrictEqual: the same fields present (an absent field is not an undefined one).
    if (!isDeepStrictEqual(got, want)) expect(got, `${label} ${name}`).toStrictEqual(want);
  }
  expect(newIdx.lookup('no-such-package')).toEqual([]);
  expect(newIdx.lookup('')).toEqual([]);
  return entries;
}

describe('per-package index: the same records as the old full parse', () => {
  it(`a full-size synthetic Debian feed (${FULL_SIZE.debian.records.toLocaleString('en')} OSV records): every package of debian:12`, async () => {
    const read = emptyRead();
    for (const e of osvEntries(debianRecord, FULL_SIZE.debian.records, 15))
      mergeReads(read, readOsvJson(e.data.toString('utf8'), e.name));
    expect(read.errors).toEqual([]);
    // debian:12, the bench's release (bench/cli-startup.ts): about 74,000 advisories over 11,600 packages, a
    // 29 MB file. The other releases are the same shape (and take as long again each).
    const g = groupByRelease(read.advisories).get('debian:12')!;
    read.advisories.length = 0;
    expect(g.advisories.length).toBeGreaterThan(70_000);
    const entries = expectSameLookups(
      legacyIndex(g.key, g.advisories),
      await fileIndex(g.key, g.advisories),
      'debian:12',
    );
    expect(entries).toBeGreaterThan(70_000);
  }, 600_000);

  it('the real records of every family (Ubuntu Pro, RHEL module streams, Amazon arches and Extras streams)', async () => {
    const b = await readFeedPath(FIX);
    expect(b.read.errors).toEqual([]);
    const releases = groupByRelease(b.read.advisories);
    expect(releases.size).toBeGreaterThanOrEqual(8);
    for (const [k, g] of releases) {
      const oldIdx = legacyIndex(g.key, g.advisories);
      expectSameLookups(oldIdx, await fileIndex(g.key, g.advisories), k);
      // From bytes (the Evaluate Lambda's downloaded object) as from the file; and everything decoded back.
      const fromBytes = ReleaseIndex.fromBytes(encodeRelease(g.key, g.advisories, 'T'), k);
      expectSameLookups(oldIdx, fromBytes, `${k} (bytes)`);
      expect(fromBytes.allAdvisories(), k).toStrictEqual(oldIdx.allAdvisories());
      fromBytes.verify();
    }
  });
});

describe('feeds convert and bad files', () => {
  const deb12: ReleaseKey = { family: 'debian', release: '12' };
  const advisories = async () => {
    const b = await readFeedPath(path.join(FIX, 'debian12'));
    return groupByRelease(b.read.advisories).get('debian:12')!.advisories;
  };

  it('an old data dir is refused with what to do; feeds convert rewrites it, same lookups, old file gone', async () => {
    const dataDir = mkdtempSync(path.join(work, 'convert-'));
    const advs = await advisories();
    await writeBundle(dataDir, { read: { ...emptyRead(), advisories: advs } }, { now: 'T' });
    // Make it a data dir an earlier version wrote: a schema-1 debian-12.json named by the manifest.
    const dir = feedsDir(dataDir);
    const m = (await readManifest(dir))!;
    writeFileSync(path.join(dir, 'debian-12.json'), JSON.stringify(encodeLegacy(deb12, advs, 'T')));
    rmSync(path.join(dir, 'debian-12.idx'));
    m.releases['debian:12']!.file = 'debian-12.json';
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
    const before = await StoredCveIndex.open(dataDir);
    const err = await before.release(deb12).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OldIndexFormatError);
    expect((err as Error).message).toMatch(
      /debian-12\.json is a CVE index in the format of an earlier version .* run `inspector feeds convert`.* or `inspector feeds sync`/,
    );
    const r = await convertFeeds(dataDir);
    expect(r.converted).toEqual([
      {
        key: 'debian:12',
        from: 'debian-12.json',
        to: 'debian-12.idx',
        advisories: advs.length,
        packages: expect.any(Number),
      },
    ]);
    expect((await readManifest(dir))!.releases['debian:12']!.file).toBe('debian-12.idx');
    const after = (await (await StoredCveIndex.open(dataDir)).release(deb12))!;
    expectSameLookups(legacyIndex(deb12, advs), after, 'converted');
    expect(after.compiledAt).toBe('T');
    expect((await convertFeeds(dataDir)).current).toEqual(['debian:12']);
    expect(() => readFileSync(path.join(dir, 'debian-12.json'))).toThrow(/ENOENT/);
  });

  it('an import merging into an old-format release reads it and replaces it with the new format', async () => {
    const dataDir = mkdtempSync(path.join(work, 'merge-'));
    const advs = await advisories();
    await writeBundle(dataDir, { read: { ...emptyRead(), advisories: advs } }, { now: 'T' });
    const dir = feedsDir(dataDir);
    const m = (await readManifest(dir))!;
    writeFileSync(path.join(dir, 'debian-12.json'), JSON.stringify(encodeLegacy(deb12, advs.slice(1), 'T')));
    rmSync(path.join(dir, 'debian-12.idx'));
    m.releases['debian:12']!.file = 'debian-12.json';
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
    const report = await writeBundle(dataDir, { read: { ...emptyRead(), advisories: advs.slice(0, 1) } });
    expect(report.releases[0]).toMatchObject({ advisories: advs.length, added: 1, replaced: 0 });
    expect((await readManifest(dir))!.releases['debian:12']!.file).toBe('debian-12.idx');
    expect(() => readFileSync(path.join(dir, 'debian-12.json'))).toThrow(/ENOENT/);
    const rel = (await (await StoredCveIndex.open(dataDir)).release(deb12))!;
    expectSameLookups(legacyIndex(deb12, advs), rel, 'merged');
  });

  it('truncated, tampered or replaced files end in a clear IndexFormatError', async () => {
    const advs = await advisories();
    const bytes = encodeRelease(deb12, advs, 'T');
    const name = ReleaseIndex.fromBytes(bytes, 'x').packageNames()[0]!;
    // Truncated: the sections lie past the end.
    expect(() => ReleaseIndex.fromBytes(bytes.subarray(0, bytes.length - 10), 't.idx')).toThrow(
      /t\.idx is not a compiled CVE index \(schema 2\): its packages section .* truncated/,
    );
    // A package block damaged: the lookup of that package fails with its name, others still answer.
    const text = bytes.toString('latin1');
    const blockAt = text.lastIndexOf('\n[[', text.length - 2) + 1;
    const damaged = Buffer.from(bytes);
    damaged[blockAt] = 0x7b; // '{'
    const idx = ReleaseIndex.fromBytes(damaged, 'd.idx');
    const last = idx.packageNames().at(-1)!;
    expect(() => idx.lookup(last)).toThrow(IndexFormatError);
    expect(() => idx.lookup(last)).toThrow(new RegExp(`d\\.idx: the block of ${last} is not JSON`));
    expect(idx.lookup(name).length).toBeGreaterThan(0);
    expect(() => idx.verify()).toThrow(IndexFormatError);
    // Replaced on disk after it was opened (a sync renamed a new file into place): refused, not misread.
    const file = path.join(work, 'replaced.idx');
    writeFileSync(file, bytes);
    const open = await ReleaseIndex.openFile(file);
    writeFileSync(file, encodeRelease(deb12, advs.slice(1), 'T2'));
    expect(() => open.lookup(name)).toThrow(/replaced\.idx changed while it was being read/);
    // Not ours at all.
    expect(() => ReleaseIndex.fromBytes(Buffer.from('hello'), 'h')).toThrow(/h is not a compiled CVE index/);
  });

  it('the Evaluate Lambda reads a published object of either schema (a schema-1 one carried over, converted in memory)', async () => {
    const advs = await advisories();
    const gen = '20261202T120000000Z-abcdef';
    const objects = new Map<string, Uint8Array>([
      [`feeds/${gen}/debian-12.json`, Buffer.from(JSON.stringify(encodeLegacy(deb12, advs, 'T')))],
      [
        `feeds/${gen}/debian-11.idx`,
        encodeRelease(
          { family: 'debian', release: '11' },
          advs.map((a) => ({ ...a, key: { family: 'debian', release: '11' } })),
          'T',
        ),
      ],
    ]);
    const ref = (key: string, release: string) => {
      const bytes = objects.get(key)!;
      return {
        key,
        size: bytes.byteLength,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        source: 'osv:Debian',
        compiledAt: 'T',
        family: 'debian' as const,
        release,
        advisories: advs.length,
        packages: 1,
      };
    };
    objects.set(
      POINTER_KEY,
      Buffer.from(
        JSON.stringify({
          kind: POINTER_KIND,
          schema: 1,
          generation: gen,
          publishedAt: 'T',
          releases: {
            'debian:12': ref(`feeds/${gen}/debian-12.json`, '12'),
            'debian:11': ref(`feeds/${gen}/debian-11.idx`, '11'),
          },
          sources: [],
        }),
      ),
    );
    const store: FeedObjectStore = {
      location: 'memory://feeds',
      get: async (key) => objects.get(key),
      put: async () => {},
      copy: async () => {},
      listFolders: async () => [],
      deletePrefix: async () => 0,
    };
    const index = new PublishedCveIndex(store);
    const want = legacyIndex(deb12, advs);
    expectSameLookups(want, (await index.release(deb12))!, 'schema 1 object');
    const eleven = (await index.release({ family: 'debian', release: '11' }))!;
    expect(
      eleven.lookup(want.lookup(Object.keys(want.document.packages)[0]!)[0]!.pkg.name).length,
    ).toBeGreaterThan(0);
    expect(eleven.advisoryCount).toBe(advs.length);
  });

  it('withCompiledAt changes the header only', () => {
    const bytes = encodeRelease(deb12, [], 'T1');
    const again = withCompiledAt(bytes, 'T2');
    expect(ReleaseIndex.fromBytes(again, 'x').compiledAt).toBe('T2');
    expect(withCompiledAt(again, 'T1').equals(bytes)).toBe(true);
  });

  it('FileSource.forEach reads one range at a time into one buffer, the right bytes, and refuses a replaced file', async () => {
    const file = path.join(work, 'ranges.bin');
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    writeFileSync(file, bytes);
    const src = await FileSource.open(file);
    const ranges: Array<[number, number]> = [
      [0, 10],
      [100, 3000],
      [4990, 10],
      [7, 0],
    ];
    const seen: Array<{ i: number; copy: Buffer; backing: ArrayBufferLike }> = [];
    src.forEach(ranges, (b, i) => seen.push({ i, copy: Buffer.from(b), backing: b.buffer }));
    expect(seen.map((s) => s.i)).toEqual([0, 1, 2, 3]);
    seen.forEach(({ copy }, i) => {
      const [o, l] = ranges[i]!;
      expect(copy.equals(bytes.subarray(o, o + l))).toBe(true);
    });
    // One scratch buffer, the size of the longest range, for every range: never all of them at once.
    expect(new Set(seen.map((s) => s.backing)).size).toBe(1);
    expect(seen[0]!.backing.byteLength).toBeLessThan(3000 + 8192);
    // The same bytes as read() gives each range in its own buffer.
    expect(src.read(ranges).map((b) => b.toString('hex'))).toEqual(seen.map((s) => s.copy.toString('hex')));
    src.forEach([], () => expect.unreachable());
    writeFileSync(file, Buffer.concat([bytes, Buffer.from('more')]));
    expect(() => src.forEach(ranges, () => {})).toThrow(/changed while it was being read/);
    writeFileSync(file, bytes.subarray(0, 50));
    expect(() => new FileSource(file, statSync(file)).forEach([[40, 20]], () => {})).toThrow(
      /ends before byte 60: truncated/,
    );
  });
});
