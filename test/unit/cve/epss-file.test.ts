/**
 * The row-a-line EPSS file (epss-file.ts): lookups by positioned reads give exactly what the whole parse gave
 * (epssLookup over the arrays), on the full-size synthetic EPSS export; the earlier layout still reads; bad
 * files end in a clear IndexFormatError.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EpssFile, encodeEpss, epssOfDocument } from '../../../functions/feeds/epss-file';
import { readFeedPath } from '../../../functions/feeds/import';
import { IndexFormatError } from '../../../functions/feeds/index-format';
import type { EpssScores } from '../../../functions/feeds/model';
import { epssLookup } from '../../../functions/feeds/readers/epss';
import { convertFeeds, feedsDir, StoredCveIndex, writeBundle } from '../../../functions/feeds/store';
import { epssCsvGz, FULL_SIZE } from '../../helpers/synthetic-feeds';

const work = mkdtempSync(path.join(os.tmpdir(), 'epss-file-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function fullSize(): Promise<EpssScores> {
  const file = path.join(work, 'epss_scores-current.csv.gz');
  writeFileSync(file, epssCsvGz(FULL_SIZE.epss.rows, 7).gz);
  return (await readFeedPath(file)).epss!;
}

describe('EPSS scores one a line', () => {
  it(`the full-size export (${FULL_SIZE.epss.rows.toLocaleString('en')} scores): the same scores as the whole parse, and the same misses`, async () => {
    const epss = await fullSize();
    expect(epss.cves).toHaveLength(FULL_SIZE.epss.rows);
    const file = path.join(work, 'epss.json');
    writeFileSync(file, encodeEpss(epss));
    const f = await EpssFile.open(file);
    expect([f.count, f.modelVersion, f.scoreDate]).toEqual([
      epss.cves.length,
      epss.modelVersion,
      epss.scoreDate,
    ]);
    // Every fifth CVE (66,000 lookups; each is its own positioned read) and both ends.
    for (let i = 0; i < epss.cves.length; i += i + 5 >= epss.cves.length ? 1 : 5) {
      const cve = epss.cves[i]!;
      const want = epssLookup(epss, cve);
      const got = f.lookup(cve);
      if (got?.score !== want?.score || got?.percentile !== want?.percentile) expect(got, cve).toEqual(want);
    }
    for (const miss of ['CVE-1999-0001', 'CVE-2099-0001', 'CVE-2013-1000000', 'A', ''])
      expect(f.lookup(miss), miss).toBeUndefined();
    // Still one JSON document, which the Evaluate Lambda parses: the same scores.
    const doc = epssOfDocument(JSON.parse(encodeEpss(epss).toString('utf8')))!;
    expect(doc.cves).toEqual([...epss.cves].sort());
    expect(epssLookup(doc, epss.cves[12_345]!)).toEqual(epssLookup(epss, epss.cves[12_345]!));
  }, 300_000);

  it('a data dir: written one a line, served by the store; the earlier layout is read whole and feeds convert rewrites it', async () => {
    const dataDir = mkdtempSync(path.join(work, 'dir-'));
    const e = (await readFeedPath(path.resolve(__dirname, '../../fixtures/cve/epss'))).epss!;
    await writeBundle(dataDir, { read: { advisories: [], errors: [], skipped: {}, records: 0 }, epss: e });
    const t = await (await StoredCveIndex.open(dataDir)).threatData();
    expect(t.epss?.lookup('CVE-1999-0002')).toEqual({ score: 0.01328, percentile: 0.85996 });
    expect(t.epss?.scoreDate).toBe('2025-02-20T00:00:00+0000');
    // An earlier version's epss.json: parallel arrays.
    writeFileSync(path.join(feedsDir(dataDir), 'epss.json'), JSON.stringify(e));
    const old = await (await StoredCveIndex.open(dataDir)).threatData();
    expect(old.epss?.lookup('CVE-1999-0002')).toEqual({ score: 0.01328, percentile: 0.85996 });
    expect((await convertFeeds(dataDir)).epss).toBe(e.cves.length);
    await EpssFile.open(path.join(feedsDir(dataDir), 'epss.json'));
    expect((await convertFeeds(dataDir)).epss).toBeUndefined();
  });

  it('truncated, unsorted or damaged files are refused with the reason', async () => {
    const e: EpssScores = { cves: ['CVE-2024-1', 'CVE-2024-2'], scores: [0.1, 0.2], percentiles: [0.3, 0.4] };
    const bytes = encodeEpss(e);
    const at = (name: string, b: Buffer | string) => {
      const f = path.join(work, name);
      writeFileSync(f, b);
      return EpssFile.open(f);
    };
    await expect(at('trunc.json', bytes.subarray(0, bytes.length - 5))).rejects.toThrow(
      /trunc\.json is not a compiled EPSS score file: it ends before its rows do/,
    );
    const text = bytes.toString('utf8');
    await expect(at('count.json', text.replace('"count":2', '"count":3'))).rejects.toThrow(
      /2 rows where the header says 3/,
    );
    await expect(at('bad.json', text.replace('["CVE-2024-1"', '{"CVE-2024-1"'))).rejects.toThrow(
      /row 1 is not \["CVE-…",score,percentile\]/,
    );
    await expect(at('hello.json', 'hello\n')).rejects.toThrow(IndexFormatError);
    const damaged = await at('damaged.json', text.replace('0.2,0.4', 'x'));
    expect(() => damaged.lookup('CVE-2024-2')).toThrow(/the row of CVE-2024-2 is not/);
    expect(damaged.lookup('CVE-2024-1')).toEqual({ score: 0.1, percentile: 0.3 });
  });
});
