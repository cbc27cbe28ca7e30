/**
 * The agent's `rpm -qa --queryformat '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\n'`
 * output: one package per line, `(none)` where a tag is unset (epoch of most packages; arch and source rpm
 * of gpg-pubkey).
 *
 * The source rpm file name `name-version-release.src.rpm` gives the source package; its version and release
 * follow the last two hyphens. Pure text → records; a malformed line is reported in `errors` with its line
 * number and skipped.
 */
import { InvalidVersionError } from '../core/versions/errors';
import { formatRpmEvr, parseRpmEvr } from '../core/versions/rpm';
import type { ParseError } from './dpkg-status';

export interface RpmPackageRecord {
  name: string;
  /** Digits; undefined when rpm printed (none). */
  epoch?: string;
  version: string;
  release: string;
  /** undefined when rpm printed (none) (gpg-pubkey). */
  arch?: string;
  /** The source rpm file name; undefined when (none). */
  sourceRpm?: string;
  /** The source package name (the binary's name when there is no source rpm). */
  sourceName: string;
  /** The source's `[epoch:]version-release` (the binary's epoch: a source rpm file name carries none). */
  sourceVersion: string;
  /** `[epoch:]version-release` as rpm compares it (the epoch only when rpm has one). */
  evr: string;
  line: number;
}

export interface RpmQaParse {
  records: RpmPackageRecord[];
  errors: ParseError[];
}

const NONE = '(none)';

export interface SourceRpm {
  name: string;
  version: string;
  release: string;
}

/** Split `openssl-3.0.8-1.amzn2023.0.9.src.rpm` into name, version and release; undefined if it is not one. */
export function parseSourceRpmName(file: string): SourceRpm | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(file);
  if (!m) return undefined;
  return { name: m[1]!, version: m[2]!, release: m[3]! };
}

export function parseRpmQa(text: string): RpmQaParse {
  const records: RpmPackageRecord[] = [];
  const errors: ParseError[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    const line = i + 1;
    if (raw.trim() === '') continue;
    const fail = (message: string): void => {
      errors.push({ line, message });
    };
    const f = raw.split('\t');
    if (f.length !== 6) {
      fail(`expected 6 tab-separated fields, got ${f.length}: ${JSON.stringify(raw.slice(0, 80))}`);
      continue;
    }
    const [name, epochField, version, release, archField, srcField] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!name || name === NONE || /\s/.test(name)) {
      fail(`invalid package name ${JSON.stringify(name)}`);
      continue;
    }
    if (epochField !== NONE && !/^[0-9]+$/.test(epochField)) {
      fail(`${name}: invalid epoch ${JSON.stringify(epochField)}`);
      continue;
    }
    const epoch = epochField === NONE ? undefined : epochField;
    if (!version || version === NONE || !release || release === NONE) {
      fail(`${name}: missing version or release`);
      continue;
    }
    let evr: string;
    try {
      evr = formatRpmEvr(parseRpmEvr(`${epoch !== undefined ? `${epoch}:` : ''}${version}-${release}`));
    } catch (err) {
      if (err instanceof InvalidVersionError) {
        fail(`${name}: ${err.message}`);
        continue;
      }
      throw err;
    }
    const record: RpmPackageRecord = {
      name,
      version,
      release,
      sourceName: name,
      sourceVersion: evr,
      evr,
      line,
    };
    if (epoch !== undefined) record.epoch = epoch;
    if (archField !== NONE && archField !== '') record.arch = archField;
    if (srcField !== NONE && srcField !== '') {
      const src = parseSourceRpmName(srcField);
      if (!src) {
        fail(`${name}: cannot parse source rpm ${JSON.stringify(srcField)}`);
        continue;
      }
      record.sourceRpm = srcField;
      record.sourceName = src.name;
      record.sourceVersion = `${epoch !== undefined ? `${epoch}:` : ''}${src.version}-${src.release}`;
    }
    records.push(record);
  }
  return { records, errors };
}
