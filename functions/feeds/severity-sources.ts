/**
 * Feed sources for severities (sync.ts lists them with the others):
 * - `debian-security-tracker`: the tracker's JSON export (one document, ~40-70 MB; its rated urgencies
 *   compile to a few MB);
 * - `cve-records`: CVSS base scores from NVD's JSON 2.0 feeds (one gzipped file per CVE year, 2002 to this
 *   year, NVD API 2.0 format) and, when a URL is configured, a zip of CVE List V5 records. Each year is read
 *   as a stream and reduced to one score per CVE before the next is downloaded, so the source holds one
 *   year's download at a time, never the records; it hands over the compiled score table. Invalid records
 *   are left out and reported (the compiled file's `invalid` note, then the manifest, `feeds sync`, `feeds
 *   status`, the feed-sync Lambda's result and pointer); more than 5% of them refuse the source.
 */
import { CveScoreCollector, INVALID_RECORDS_LISTED } from './cve-scores';
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

/**
 * The share of the records read that may be invalid (left out, reported) before the whole `cve-records` source
 * is refused and the previous scores kept: more than 5% invalid is taken for a broken download or a changed
 * format, not for a few bad records.
 */
export const MAX_INVALID_CVE_RECORDS_SHARE = 0.05;

export function cveRecordsSource(
  urls: CveRecordsUrls,
  years: () => number[] = nvdFeedYears,
  opts: { maxInvalidShare?: number } = {},
): FeedSource {
  const maxInvalidShare = opts.maxInvalidShare ?? MAX_INVALID_CVE_RECORDS_SHARE;
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
        // A few malformed records among NVD's ~300,000 must not cost every score (the Lambda would carry the
        // old generation for ever, a first deployment would have none): they are left out and reported.
        // Many of them say the download or the format is broken: the source is refused.
        const e = out.errors[0]!;
        if (out.errors.length > maxInvalidShare * out.records)
          throw new Error(
            `${out.errors.length} of ${out.records} CVE record(s) invalid (more than ${maxInvalidShare * 100}%: a broken download or a changed format?), first ${e.source}: ${e.message}`,
          );
        into.invalid = {
          records: out.records,
          invalid: out.errors.length,
          first: out.errors
            .slice(0, INVALID_RECORDS_LISTED)
            .map(({ source, message }) => ({ source, message })),
        };
      }
      if (into.size === 0) throw new Error(`the CVE records (${out.records} read) held no CVSS score`);
      return [
        { name: 'cve-scores.json', data: Buffer.from(JSON.stringify(into.encode(new Date().toISOString()))) },
      ];
    },
  };
}
