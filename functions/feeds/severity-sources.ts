/**
 * Feed sources for severities (sync.ts lists them with the others):
 * - `debian-security-tracker`: the tracker's JSON export (one document, ~40-70 MB; its rated urgencies
 *   compile to a few MB);
 * - `cve-records`: CVSS base scores from NVD's JSON 2.0 feeds (one gzipped file per CVE year, 2002 to this
 *   year, NVD API 2.0 format) and, when a URL is configured, a zip of CVE List V5 records. Each year is read
 *   as a stream and reduced to one score per CVE before the next is downloaded, so the source holds one
 *   year's download at a time, never the records; it hands over the compiled score table.
 */
import { CveScoreCollector } from './cve-scores';
import { emptyCveRecordsRead, readCve5Zip, readNvdBuffer } from './readers/cve-records';
import type { FeedSource } from './sync';

export const DEBIAN_TRACKER_SOURCE = 'debian-security-tracker';
export const CVE_RECORDS_SOURCE = 'cve-records';

export function debianTrackerSource(url: string): FeedSource {
  return {
    name: DEBIAN_TRACKER_SOURCE,
    async download(get) {
      return [{ name: 'debian-security-tracker.json', data: await get(url) }];
    },
  };
}

/** CVE years NVD publishes a feed file for: 2002 (which holds 1999-2002) to this year. */
export function nvdFeedYears(now: Date = new Date()): number[] {
  const out: number[] = [];
  for (let y = 2002; y <= now.getUTCFullYear(); y++) out.push(y);
  return out;
}

export interface CveRecordsUrls {
  /** `<nvdFeedBase>/nvdcve-2.0-<year>.json.gz`; empty: NVD is not read. */
  nvdFeedBase: string;
  /** A zip of CVE List V5 records (nested zips allowed), read after NVD; absent: not read. */
  cveListV5?: string;
}

export function cveRecordsSource(urls: CveRecordsUrls, years: () => number[] = nvdFeedYears): FeedSource {
  return {
    name: CVE_RECORDS_SOURCE,
    async download(get) {
      const into = new CveScoreCollector();
      const out = emptyCveRecordsRead();
      const base = urls.nvdFeedBase.replace(/\/$/, '');
      if (base) {
        for (const y of years()) {
          const name = `nvdcve-2.0-${y}.json.gz`;
          const data = await get(`${base}/${name}`);
          await readNvdBuffer(data, name, into, out).catch((err: Error) => {
            throw new Error(`${base}/${name}: ${err.message}`);
          });
        }
      }
      if (urls.cveListV5) readCve5Zip(await get(urls.cveListV5), urls.cveListV5, into, out);
      if (out.errors.length > 0) {
        const e = out.errors[0]!;
        throw new Error(`${out.errors.length} invalid record(s), first ${e.source}: ${e.message}`);
      }
      if (into.size === 0) throw new Error(`the CVE records (${out.records} read) held no CVSS score`);
      return [
        { name: 'cve-scores.json', data: Buffer.from(JSON.stringify(into.encode(new Date().toISOString()))) },
      ];
    },
  };
}
