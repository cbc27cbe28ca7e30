/**
 * The severity feeds in the feed bundle: the Debian Security Tracker export and the CVE records (NVD, CVE
 * List V5), read from files (`feeds import`, `assess --feed`) into a FeedBundle, and their compiled files
 * (`cve-scores.json`, `debian-urgency.json`) read back so a compiled data dir can be imported too.
 */
import { createReadStream } from 'node:fs';
import { CveScoreCollector, CveScoreTable, isCveScoresFile, mergeInvalid } from './cve-scores';
import { DebianUrgencyBuilder, DebianUrgencyTable, isDebianUrgencyFile } from './debian-urgency';
import type { FeedBundle } from './import';
import { countSkip, type ReadResult } from './model';
import {
  type CveRecordsRead,
  emptyCveRecordsRead,
  inflated,
  looksLikeCve5,
  looksLikeNvdCve,
  looksLikeNvdResponse,
  readCveRecordValue,
  readNvdStream,
} from './readers/cve-records';
import { looksLikeDebianTracker, readDebianTracker } from './readers/debian-tracker';

function mergeInto(read: ReadResult, r: CveRecordsRead): void {
  for (const e of r.errors) read.errors.push(e);
  read.records += r.records;
  for (const [k, v] of Object.entries(r.skipped)) countSkip(read.skipped, k, v);
}

/**
 * A parsed JSON value that is a severity feed (tracker export, NVD response or CVE object, CVE List V5
 * record, or one of the compiled files): added to the bundle, true. Anything else: false, nothing done.
 */
export function addSeverityJson(
  bundle: Pick<FeedBundle, 'read' | 'cvss' | 'debianTracker'>,
  name: string,
  value: unknown,
): boolean {
  if (isCveScoresFile(value)) {
    const table = CveScoreTable.parse(value, name);
    bundle.cvss ??= new CveScoreCollector();
    bundle.cvss.merge(table.entries());
    // What the source left out as invalid (feeds sync compiles the source first) stays reported.
    const invalid = mergeInvalid(bundle.cvss.invalid, table.invalid);
    if (invalid) bundle.cvss.invalid = invalid;
    bundle.read.records += table.size;
    return true;
  }
  if (isDebianUrgencyFile(value)) {
    const table = DebianUrgencyTable.parse(value, name);
    bundle.debianTracker ??= new DebianUrgencyBuilder();
    for (const [r, pkg, cve, u] of table.entries()) bundle.debianTracker.add(r, pkg, cve, u);
    bundle.read.records += table.size;
    return true;
  }
  if (looksLikeDebianTracker(value)) {
    bundle.debianTracker ??= new DebianUrgencyBuilder();
    mergeInto(bundle.read, readDebianTracker(value, name, bundle.debianTracker));
    return true;
  }
  // Checked first: every OSV record of an export passes here.
  if (!looksLikeCve5(value) && !looksLikeNvdCve(value) && !looksLikeNvdResponse(value)) return false;
  const into = bundle.cvss ?? new CveScoreCollector();
  const out = emptyCveRecordsRead();
  readCveRecordValue(value, name, into, out);
  bundle.cvss = into;
  mergeInto(bundle.read, out);
  return true;
}

/** An NVD JSON 2.0 feed file on disk (hundreds of MB inflated): read as a stream, one record at a time. */
export async function addNvdFeedFile(bundle: Pick<FeedBundle, 'read' | 'cvss'>, file: string): Promise<void> {
  const into = bundle.cvss ?? new CveScoreCollector();
  const out = emptyCveRecordsRead();
  const raw = createReadStream(file);
  try {
    await readNvdStream(inflated(raw, file), file, into, out);
  } catch (err) {
    out.errors.push({ source: file, message: (err as Error).message });
  } finally {
    raw.destroy();
  }
  bundle.cvss = into;
  mergeInto(bundle.read, out);
}
