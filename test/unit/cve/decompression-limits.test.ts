/**
 * Zip and gzip bombs in feed input (`feeds import`, `feeds sync`, the feed-sync Lambda): refused with a
 * clear error naming the file and the limit, fast, without inflating the bomb into memory, and reported
 * like any other bad feed input (the sync keeps the previous index).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { constants, crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { addFile, type FeedBundle } from '../../../functions/feeds/import';
import { emptyRead } from '../../../functions/feeds/model';
import { StoredCveIndex } from '../../../functions/feeds/store';
import { type FeedSource, httpGetter, syncFeeds } from '../../../functions/feeds/sync';
import { DECOMPRESSION_LIMITS, readZip, ZipError } from '../../../functions/feeds/zip';
import { debianRecord, debianZip, type RawZipEntry, zipEntries } from '../../helpers/feed-server';

const MiB = 1024 * 1024;

/** `mib` MiB of zeros as raw deflate, built from 1 MiB sync-flushed blocks (about 1 KB per MiB, no big buffer). */
function deflateBomb(mib: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(MiB), { finishFlush: constants.Z_SYNC_FLUSH });
  return Buffer.concat([...Array<Buffer>(mib).fill(block), deflateRawSync(Buffer.alloc(0))]);
}

/** `mib` MiB of zeros as gzip: `mib` gzip members of 1 MiB each, one after the other (valid gzip). */
function gzipBomb(mib: number): Buffer {
  return Buffer.concat(Array<Buffer>(mib).fill(gzipSync(Buffer.alloc(MiB))));
}

type Entry = RawZipEntry;
const zipOf = zipEntries;

const stored = (e: { name: string; data: Buffer }): Entry => ({
  ...e,
  method: 0,
  size: e.data.length,
  crc: crc32(e.data),
});

/** Runs `fn`; how long it took and how much the process's peak resident memory grew meanwhile. */
function measure(fn: () => void): { ms: number; peakGrowthMiB: number } {
  const peak0 = process.resourceUsage().maxRSS; // KiB
  const t0 = Date.now();
  fn();
  return { ms: Date.now() - t0, peakGrowthMiB: (process.resourceUsage().maxRSS - peak0) / 1024 };
}

const emptyBundle = (): FeedBundle => ({
  read: emptyRead(),
  files: { osv: 0, updateinfo: 0, kev: 0, epss: 0, zip: 0 },
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('decompression limits on feed input', () => {
  it('states its limits: 256 MiB for one decompressed file, 4 GiB for one archive', () => {
    expect(DECOMPRESSION_LIMITS).toEqual({ maxFileBytes: 256 * MiB, maxArchiveBytes: 4096 * MiB });
  });

  it('a gzip bomb (1 GiB of zeros in 1 MB) is refused at the 256 MiB limit, fast, without holding the bomb', () => {
    const bomb = gzipBomb(1024);
    expect(bomb.length).toBeLessThan(2 * MiB);
    const bundle = emptyBundle();
    const m = measure(() => addFile(bundle, 'updateinfo.xml.gz', bomb));
    expect(bundle.read.errors).toEqual([
      {
        source: 'updateinfo.xml.gz',
        message: expect.stringMatching(/^gunzips to more than 256 MiB \(the limit for one feed file\)/),
      },
    ]);
    expect(m.ms).toBeLessThan(5000);
    // At most the limit is ever inflated (the old code held the whole GiB).
    expect(m.peakGrowthMiB).toBeLessThan(600);
  });

  it('a zip entry declaring more than 256 MiB is refused before anything is inflated', () => {
    const zip = zipOf([
      { name: 'DEBIAN-CVE-BOMB.json', data: deflateBomb(1024), method: 8, size: 1024 * MiB },
    ]);
    expect(() => readZip(zip)).toThrow(ZipError);
    expect(() => readZip(zip)).toThrow(
      'DEBIAN-CVE-BOMB.json: declares 1073741824 bytes uncompressed, over the 256 MiB limit for one file',
    );
    const bundle = emptyBundle();
    const m = measure(() => addFile(bundle, 'Debian-all.zip', zip));
    expect(bundle.read.errors).toEqual([
      {
        source: 'Debian-all.zip',
        message: expect.stringMatching(/^DEBIAN-CVE-BOMB\.json: declares .* 256 MiB/),
      },
    ]);
    expect(m.ms).toBeLessThan(500);
    expect(m.peakGrowthMiB).toBeLessThan(64);
  });

  it('a zip entry that lies about its size stops inflating at the size it declares', () => {
    const zip = zipOf([{ name: 'liar.json', data: deflateBomb(1024), method: 8, size: 1024 }]);
    const [entry] = readZip(zip);
    let err: unknown;
    const m = measure(() => {
      try {
        entry!.read();
      } catch (e) {
        err = e;
      }
    });
    expect(err).toBeInstanceOf(ZipError); // not a RangeError out of zlib
    expect((err as Error).message).toBe(
      'liar.json: inflates to more than the 1024 bytes it declares (a zip bomb?)',
    );
    expect(m.ms).toBeLessThan(500);
    expect(m.peakGrowthMiB).toBeLessThan(64);
  });

  it('an archive whose entries add up to more than 4 GiB is refused before anything is inflated', () => {
    const block = deflateBomb(200); // each entry 200 MiB: under the limit for one file
    const zip = zipOf(
      Array.from({ length: 21 }, (_, i) => ({ name: `r${i}.json`, data: block, method: 8, size: 200 * MiB })),
    );
    const bundle = emptyBundle();
    const m = measure(() => addFile(bundle, 'Ubuntu-all.zip', zip));
    expect(bundle.read.errors).toEqual([
      {
        source: 'Ubuntu-all.zip',
        message:
          'the entries declare 4404019200 bytes uncompressed in all, over the 4 GiB limit for one archive (a zip bomb?)',
      },
    ]);
    expect(m.ms).toBeLessThan(500);
    expect(m.peakGrowthMiB).toBeLessThan(64);
  });

  it('what is inside an archive (a .gz, a zip) shares the archive’s allowance', () => {
    const gz = gzipSync(Buffer.alloc(8 * MiB));
    const bundle = emptyBundle();
    addFile(bundle, 'outer.zip', zipOf([stored({ name: 'inner.json.gz', data: gz })]), { left: 4 * MiB });
    expect(bundle.read.errors).toEqual([
      {
        source: 'outer.zip!inner.json.gz',
        message: expect.stringMatching(
          /^gunzips to more than \d+ bytes \(what is left of the 4 GiB limit for one archive\)/,
        ),
      },
    ]);

    // 42.zip-style nesting: each inner zip fits the limits on its own, together they do not.
    const inner = zipOf([{ name: 'r.bin', data: deflateBomb(10), method: 8, size: 10 * MiB }]);
    const nested = zipOf(Array.from({ length: 7 }, (_, i) => stored({ name: `${i}.zip`, data: inner })));
    const b2 = emptyBundle();
    addFile(b2, 'outer.zip', nested, { left: 64 * MiB });
    expect(b2.read.errors).toEqual([
      {
        source: 'outer.zip!6.zip',
        message: expect.stringMatching(
          /^the entries declare 10485760 bytes uncompressed in all, over the \d+ bytes limit for one archive/,
        ),
      },
    ]);
  });

  it('feeds sync: a zip bomb or a gzip bomb fails that feed with the reason and keeps its previous index', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cve-bomb-'));
    dirs.push(dataDir);
    const source = (name: string, file: string, data: Buffer): FeedSource => ({
      name,
      download: async () => [{ name: file, data }],
    });
    const get = async () => Buffer.alloc(0);
    const first = await syncFeeds({
      dataDir,
      get,
      sources: [source('osv:Debian', 'Debian-all.zip', debianZip())],
    });
    expect(first.failed).toEqual([]);
    const before = (await (await StoredCveIndex.open(dataDir)).release({ family: 'debian', release: '12' }))
      ?.advisoryCount;
    expect(before).toBeGreaterThan(0);

    const good = debianRecord('DEBIAN-CVE-2099-0001', 'bash', '5.2.15-2+deb12u1');
    const zipBomb = zipOf([
      stored(good),
      { name: 'DEBIAN-CVE-2099-BOMB.json', data: deflateBomb(1024), method: 8, size: 1024 * MiB },
    ]);
    const t0 = Date.now();
    const bad = await syncFeeds({
      dataDir,
      get,
      sources: [
        source('osv:Debian', 'Debian-all.zip', zipBomb),
        source('alas:amazon-linux-2023', 'al2023-updateinfo.xml.gz', gzipBomb(1024)),
      ],
    });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(bad.written).toEqual([]);
    expect(bad.failed).toEqual([
      {
        source: 'osv:Debian',
        reason: expect.stringMatching(
          /invalid record\(s\), first Debian-all\.zip: DEBIAN-CVE-2099-BOMB\.json: declares 1073741824 bytes uncompressed, over the 256 MiB limit/,
        ),
      },
      {
        source: 'alas:amazon-linux-2023',
        reason: expect.stringMatching(/first al2023-updateinfo\.xml\.gz: gunzips to more than 256 MiB/),
      },
    ]);
    const after = await (await StoredCveIndex.open(dataDir)).release({ family: 'debian', release: '12' });
    expect(after?.advisoryCount).toBe(before);
  });

  it('a download whose body inflates (Content-Encoding: gzip) past the download limit is refused', async () => {
    const body = gzipBomb(256);
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/osv/Debian/all.zip`;
    try {
      await expect(httpGetter(10_000, fetch, 8 * MiB)(url)).rejects.toThrow(
        `${url}: the response is larger than 8 MiB (after decompression); refusing it`,
      );
    } finally {
      server.close();
    }
  });
});
