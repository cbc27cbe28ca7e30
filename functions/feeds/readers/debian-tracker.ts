/**
 * Debian Security Tracker JSON (https://security-tracker.debian.org/tracker/data/json): an object of source
 * packages, each an object of issue ids (CVE-… and the tracker's own TEMP-…), each with `releases`: per
 * release codename `{ status, repositories, fixed_version?, urgency, nodsa?, nodsa_reason? }`. The tracker
 * writes an issue with no release data as `"releases": []` (an empty PHP-style list, seen in the real file).
 * Only the urgencies are read (debian-urgency.ts); the OSV records carry the versions. Pure.
 */
import { DEBIAN_CODENAMES, type DebianUrgencyBuilder, parseUrgency } from '../debian-urgency';
import { countSkip, type FeedError, type SkipCounts } from '../model';

const ISSUE_ID = /^(CVE|TEMP)-/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/** Is this parsed JSON value the tracker's export (rather than an OSV record, a KEV catalogue...)? */
export function looksLikeDebianTracker(value: unknown): boolean {
  if (!isObject(value) || 'id' in value || 'kind' in value || 'vulnerabilities' in value) return false;
  let seen = 0;
  for (const issues of Object.values(value)) {
    if (!isObject(issues)) return false;
    for (const [id, issue] of Object.entries(issues)) {
      if (ISSUE_ID.test(id) && isObject(issue) && 'releases' in issue) return true;
      if (++seen > 20) return false;
    }
  }
  return false;
}

export interface TrackerRead {
  errors: FeedError[];
  skipped: SkipCounts;
  /** (package, issue) entries read. */
  records: number;
}

/** Add the export's rated urgencies to `into`. */
export function readDebianTracker(value: unknown, source: string, into: DebianUrgencyBuilder): TrackerRead {
  const out: TrackerRead = { errors: [], skipped: {}, records: 0 };
  if (!isObject(value)) {
    out.errors.push({ source, message: 'the Debian Security Tracker export is not a JSON object' });
    return out;
  }
  for (const [pkg, issues] of Object.entries(value)) {
    if (!isObject(issues)) {
      out.errors.push({
        source: `${source} ${pkg}`,
        message: `package ${pkg}: expected an object of issues`,
      });
      continue;
    }
    for (const [id, issue] of Object.entries(issues)) {
      out.records++;
      if (!id.startsWith('CVE-')) {
        countSkip(out.skipped, 'tracker issue without a CVE id (TEMP-…)');
        continue;
      }
      if (!isObject(issue)) {
        out.errors.push({ source: `${source} ${pkg} ${id}`, message: `${pkg} ${id}: expected an object` });
        continue;
      }
      const releases = issue.releases;
      if (Array.isArray(releases) && releases.length === 0) {
        countSkip(out.skipped, 'tracker issue without release data');
        continue;
      }
      if (!isObject(releases)) {
        out.errors.push({
          source: `${source} ${pkg} ${id}`,
          message: `${pkg} ${id}: releases is neither an object nor an empty list`,
        });
        continue;
      }
      for (const [codename, rel] of Object.entries(releases)) {
        const release = DEBIAN_CODENAMES[codename];
        if (!release) {
          countSkip(out.skipped, `tracker release without a version number (${codename})`);
          continue;
        }
        const word = isObject(rel) ? rel.urgency : undefined;
        if (typeof word !== 'string') {
          out.errors.push({
            source: `${source} ${pkg} ${id}`,
            message: `${pkg} ${id} ${codename}: no urgency`,
          });
          continue;
        }
        const u = parseUrgency(word);
        if (u === null) {
          countSkip(out.skipped, `tracker urgency "${word.trim().toLowerCase()}" (rates nothing)`);
          continue;
        }
        if (u === undefined) {
          countSkip(out.skipped, `tracker urgency not understood (${word.slice(0, 40)})`);
          continue;
        }
        into.add(release, pkg, id, u);
      }
    }
  }
  return out;
}
