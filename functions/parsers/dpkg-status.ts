/**
 * dpkg's status database (/var/lib/dpkg/status, and the one-stanza files of /var/lib/dpkg/status.d that
 * distroless images carry): deb822 stanzas separated by blank lines, `Field: value` lines, continuation lines
 * starting with a space or tab. Field names are case-insensitive.
 *
 * For each stanza: Package, Status (`want flag state`), Version, Architecture and the source package:
 * `Source: name` or, for binNMUs and binaries whose version differs from the source's,
 * `Source: name (version)`. Without Source the source is the binary; without a source version it is the
 * binary's version.
 *
 * Pure text → records. A malformed stanza is reported in `errors` with its line number and skipped; the
 * parser never throws for one bad stanza.
 */
import { parseDpkgVersion } from '../core/versions/dpkg';
import { InvalidVersionError } from '../core/versions/errors';

export interface DpkgStatus {
  /** unknown, install, hold, deinstall, purge */
  want: string;
  /** ok, reinstreq */
  flag: string;
  /** not-installed, config-files, half-installed, unpacked, half-configured, triggers-awaited, triggers-pending, installed */
  state: string;
  /** The field as written ("install ok installed"). */
  text: string;
}

export interface DpkgStatusRecord {
  package: string;
  /** undefined when the stanza has no Status field (status.d files have none). */
  status?: DpkgStatus;
  /** undefined only for stanzas that are not installed and carry no Version. */
  version?: string;
  architecture?: string;
  source: string;
  /** The source version: from `Source: name (version)`, else the binary version. */
  sourceVersion?: string;
  /** 1-based line of the stanza's first line. */
  line: number;
}

export interface ParseError {
  line: number;
  message: string;
}

export interface DpkgStatusParse {
  records: DpkgStatusRecord[];
  errors: ParseError[];
}

const WANTS = new Set(['unknown', 'install', 'hold', 'deinstall', 'purge']);
const FLAGS = new Set(['ok', 'reinstreq']);
const STATES = new Set([
  'not-installed',
  'config-files',
  'half-installed',
  'unpacked',
  'half-configured',
  'triggers-awaited',
  'triggers-pending',
  'installed',
]);
/** States in which no version of the package's files needs to be present. */
const WITHOUT_VERSION = new Set(['not-installed', 'config-files']);

interface Stanza {
  line: number;
  fields: Map<string, { value: string; line: number }>;
}

/** States in which the package's files are fully in place (configured; triggers may still be pending). */
export const INSTALLED_STATES: ReadonlySet<string> = new Set([
  'installed',
  'triggers-awaited',
  'triggers-pending',
]);

/** True when the package's files are fully in place (configured; triggers may still be pending). */
export function isInstalledState(status: DpkgStatus | undefined): boolean {
  return status === undefined || INSTALLED_STATES.has(status.state);
}

export function parseDpkgStatus(text: string): DpkgStatusParse {
  const records: DpkgStatusRecord[] = [];
  const errors: ParseError[] = [];
  const lines = text.split('\n');
  let stanza: Stanza | undefined;
  let bad = false;
  let lastField: string | undefined;

  const finish = (): void => {
    if (stanza && !bad) {
      const r = toRecord(stanza, errors);
      if (r) records.push(r);
    }
    stanza = undefined;
    bad = false;
    lastField = undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    const lineNo = i + 1;
    if (raw.trim() === '') {
      finish();
      continue;
    }
    if (!stanza) stanza = { line: lineNo, fields: new Map() };
    if (bad) continue;
    if (raw.startsWith(' ') || raw.startsWith('\t')) {
      if (lastField === undefined) {
        errors.push({ line: lineNo, message: 'continuation line before any field' });
        bad = true;
        continue;
      }
      const f = stanza.fields.get(lastField)!;
      f.value += `\n${raw.slice(1)}`;
      continue;
    }
    const m = /^([^\s:#][^\s:]*):[ \t]*(.*)$/.exec(raw);
    if (!m) {
      errors.push({
        line: lineNo,
        message: `not a "Field: value" line: ${JSON.stringify(raw.slice(0, 80))}`,
      });
      bad = true;
      continue;
    }
    const name = m[1]!.toLowerCase();
    if (stanza.fields.has(name)) {
      errors.push({ line: lineNo, message: `duplicate field ${m[1]}` });
      bad = true;
      continue;
    }
    stanza.fields.set(name, { value: m[2]!.trimEnd(), line: lineNo });
    lastField = name;
  }
  finish();
  return { records, errors };
}

function toRecord(stanza: Stanza, errors: ParseError[]): DpkgStatusRecord | undefined {
  const get = (f: string): string | undefined => stanza.fields.get(f)?.value.trim();
  const fail = (message: string): undefined => {
    errors.push({ line: stanza.line, message });
    return undefined;
  };
  const pkg = get('package');
  if (!pkg) return fail('stanza has no Package field');
  if (!/^[a-z0-9][a-z0-9+.-]*$/i.test(pkg))
    return fail(`package ${JSON.stringify(pkg)}: invalid package name`);

  let status: DpkgStatus | undefined;
  const statusText = get('status');
  if (statusText !== undefined) {
    const parts = statusText.split(/\s+/);
    const [want, flag, state] = parts;
    if (parts.length !== 3 || !WANTS.has(want!) || !FLAGS.has(flag!) || !STATES.has(state!)) {
      return fail(`package ${pkg}: invalid Status ${JSON.stringify(statusText)}`);
    }
    status = { want: want!, flag: flag!, state: state!, text: parts.join(' ') };
  }

  const version = get('version');
  if (version === undefined || version === '') {
    if (status && WITHOUT_VERSION.has(status.state)) {
      return { package: pkg, status, source: pkg, line: stanza.line };
    }
    return fail(`package ${pkg}: no Version`);
  }
  try {
    parseDpkgVersion(version);
  } catch (err) {
    if (err instanceof InvalidVersionError) return fail(`package ${pkg}: ${err.message}`);
    throw err;
  }

  let source = pkg;
  let sourceVersion = version;
  const src = get('source');
  if (src !== undefined) {
    const m = /^([a-z0-9][a-z0-9+.-]*)(?:\s+\(\s*([^()\s]+)\s*\))?$/i.exec(src);
    if (!m) return fail(`package ${pkg}: invalid Source ${JSON.stringify(src)}`);
    source = m[1]!;
    if (m[2] !== undefined) {
      try {
        parseDpkgVersion(m[2]);
      } catch (err) {
        if (err instanceof InvalidVersionError) return fail(`package ${pkg}: Source ${err.message}`);
        throw err;
      }
      sourceVersion = m[2];
    }
  }

  const record: DpkgStatusRecord = { package: pkg, version, source, sourceVersion, line: stanza.line };
  if (status) record.status = status;
  const arch = get('architecture');
  if (arch) record.architecture = arch;
  return record;
}
