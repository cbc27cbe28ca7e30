/**
 * The agent's `rpm -qa --queryformat '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{MODULARITYLABEL}\n'`
 * output: one package per line, `(none)` where a tag is unset (epoch of most packages; arch and source rpm
 * of gpg-pubkey; the modularity label of every package not built for a module stream). Lines of six fields
 * (agents before the modularity label, and rpm older than 4.14, which has no MODULARITYLABEL tag: the agent
 * then asks without it) are read too: their modularity is unknown, not "none".
 *
 * The modularity label is the module's `name:stream:version:context` (e.g. `virt:rhel:8040020210811063000:522a0ee4`);
 * `module` keeps its `name:stream`, which is what an advisory for a module stream names.
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
  /** rpm's MODULARITYLABEL (`name:stream:version:context`); '' when rpm printed (none); undefined when not queried. */
  modularityLabel?: string;
  /** The module stream (`name:stream`) of the label; '' for a package of no module; undefined when not queried. */
  module?: string;
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
    if (f.length !== 6 && f.length !== 7) {
      fail(`expected 6 or 7 tab-separated fields, got ${f.length}: ${JSON.stringify(raw.slice(0, 80))}`);
      continue;
    }
    const [name, epochField, version, release, archField, srcField, labelField] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string | undefined,
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
    if (labelField !== undefined) {
      if (labelField === NONE || labelField === '') {
        record.modularityLabel = '';
        record.module = '';
      } else {
        const m = /^([^:\s]+):([^:\s]+)(?::[^\s]*)?$/.exec(labelField);
        if (!m) {
          fail(`${name}: cannot parse modularity label ${JSON.stringify(labelField.slice(0, 80))}`);
          continue;
        }
        record.modularityLabel = labelField;
        record.module = `${m[1]}:${m[2]}`;
      }
    }
    records.push(record);
  }
  return { records, errors };
}
