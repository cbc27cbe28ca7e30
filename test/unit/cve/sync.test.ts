import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoredCveIndex } from '../../../functions/feeds/store';
import { type FeedSource, httpGetter, syncFeeds } from '../../../functions/feeds/sync';

const FIX = path.resolve(__dirname, '../../fixtures/cve');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const source = (name: string, file: string, data: () => Buffer): FeedSource => ({
  name,
  async download() {
    return [{ name: file, data: data() }];
  },
});

describe('feeds sync', () => {
  it('writes the feeds that downloaded and validated, keeps the previous data for the others', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cve-sync-'));
    dirs.push(dataDir);
    const al = () => readFileSync(path.join(FIX, 'amazon/vlu_updateinfo_AL2023.xml.gz'));
    const first = await syncFeeds({
      dataDir,
      get: async () => Buffer.alloc(0),
      sources: [source('al2023', 'u.xml.gz', al)],
    });
    expect(first.failed).toEqual([]);
    const bad = await syncFeeds({
      dataDir,
      get: async () => Buffer.alloc(0),
      sources: [
        source('al2023', 'u.xml', () => Buffer.from('<updates><update type="security">')),
        source('kev', 'kev.json', () =>
          readFileSync(path.join(FIX, 'kev/known_exploited_vulnerabilities.json')),
        ),
        { name: 'offline', download: () => Promise.reject(new Error('https://x: ENOTFOUND')) },
      ],
    });
    expect(bad.failed).toEqual([
      { source: 'al2023', reason: expect.stringMatching(/invalid record\(s\).*not well-formed XML/) },
      { source: 'offline', reason: 'https://x: ENOTFOUND' },
    ]);
    const idx = await StoredCveIndex.open(dataDir);
    expect((await idx.release({ family: 'amazon', release: '2023' }))?.advisoryCount).toBe(1);
    expect((await idx.threatData()).kev?.byCve.size).toBe(1404);
  });

  it('a download that does not answer fails within the timeout with the reason', async () => {
    const hang: typeof fetch = (_url, init) =>
      new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const t0 = Date.now();
    await expect(httpGetter(200, hang)('https://example.invalid/feed')).rejects.toThrow(
      'https://example.invalid/feed: no answer within 0.2 s',
    );
    expect(Date.now() - t0).toBeLessThan(2000);
    const refused: typeof fetch = () =>
      Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    await expect(httpGetter(200, refused)('https://x/y')).rejects.toThrow('https://x/y: ECONNREFUSED');
  });

  it('an HTTP error fails with its status and releases the unread body (its connection does not hold the process)', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      cancel() {
        cancelled = true;
      },
    });
    const failing: typeof fetch = async () => new Response(body, { status: 500 });
    await expect(httpGetter(200, failing)('https://x/tracker.json')).rejects.toThrow(
      'https://x/tracker.json: HTTP 500',
    );
    expect(cancelled).toBe(true);
  });
});
