/**
 * apk's installed database (/lib/apk/db/installed): one stanza per package separated by blank lines, each
 * line `X:value` with a one-letter key. Read here: P (name), V (version, `ver-rN`), A (architecture) and
 * o (origin: the aport the package was built from, i.e. its source package). File entries (F, R, Z, a, M...)
 * and the rest are skipped.
 *
 * Pure text → records; a malformed stanza is reported in `errors` with its line number and skipped.
 */
import { parseApkVersion } from '../core/versions/apk';
import { InvalidVersionError } from '../core/versions/errors';
import type { ParseError } from './dpkg-status';

export interface ApkPackageRecord {
  name: string;
  version: string;
  arch?: string;
  /** The origin (source) package; the package's own name when the stanza has no o: line. */
  origin: string;
  line: number;
}

export interface ApkInstalledParse {
  records: ApkPackageRecord[];
  errors: ParseError[];
}

export function parseApkInstalled(text: string): ApkInstalledParse {
  const records: ApkPackageRecord[] = [];
  const errors: ParseError[] = [];
  const lines = text.split('\n');
  let start = 0;
  let fields = new Map<string, string>();
  let bad = false;

  const finish = (): void => {
    if (start > 0 && !bad) {
      const fail = (message: string): void => {
        errors.push({ line: start, message });
      };
      const name = fields.get('P');
      const version = fields.get('V');
      if (!name) fail('stanza has no P: (package name) line');
      else if (!version) fail(`package ${name}: no V: (version) line`);
      else {
        try {
          parseApkVersion(version);
          const record: ApkPackageRecord = { name, version, origin: fields.get('o') || name, line: start };
          const arch = fields.get('A');
          if (arch) record.arch = arch;
          records.push(record);
        } catch (err) {
          if (!(err instanceof InvalidVersionError)) throw err;
          fail(`package ${name}: ${err.message}`);
        }
      }
    }
    start = 0;
    fields = new Map();
    bad = false;
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '') {
      finish();
      continue;
    }
    if (start === 0) start = i + 1;
    if (bad) continue;
    const m = /^([A-Za-z]):(.*)$/.exec(raw);
    if (!m) {
      errors.push({ line: i + 1, message: `not a "X:value" line: ${JSON.stringify(raw.slice(0, 80))}` });
      bad = true;
      continue;
    }
    const key = m[1]!;
    if (key === 'P' || key === 'V' || key === 'A' || key === 'o') {
      if (fields.has(key)) {
        errors.push({ line: i + 1, message: `duplicate ${key}: line` });
        bad = true;
        continue;
      }
      fields.set(key, m[2]!.trim());
    }
  }
  finish();
  return { records, errors };
}
