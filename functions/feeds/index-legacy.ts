/**
 * Schema 1 of the compiled release index (before the per-package layout of index-format.ts): one JSON document
 * with every string of the release interned once and advisories and entries as positional arrays. Read only to
 * convert it (`inspector feeds convert`, a merge by `feeds import`/`feeds sync`, and the Evaluate Lambda reading
 * an object an older feed-sync published): parsing it takes the whole document in memory, which is why it was
 * replaced.
 */
import * as z from 'zod';
import { decodeEntry, IndexFormatError } from './index-format';
import { type Advisory, FAMILIES, type ReleaseKey } from './model';

/** [id, cves, severity, cvssVersion, cvssVector, cvssScore (-1 none), published, summary, references]; -1 = none. */
type AdvisoryRow = [number, number[], number, number, number, number, number, number, number[]];
/** [advisory, flags, ranges (flat kind,version pairs per range), versions?, arches?, stream?, modules?]. */
type EntryRow = [number, number, number[][], number[]?, number[]?, number?, number[]?];

const fileHead = z.object({
  kind: z.literal('inspector-cve-release-index'),
  schema: z.literal(1),
  family: z.enum(FAMILIES),
  release: z.string().min(1),
  compiledAt: z.string(),
  advisoryCount: z.number().int().nonnegative(),
  strings: z.array(z.unknown()),
  advisories: z.array(z.unknown()),
  packages: z.record(z.string(), z.unknown()),
});

export interface LegacyRelease {
  key: ReleaseKey;
  compiledAt: string;
  advisories: Advisory[];
}

/** Decode a parsed schema-1 document into its advisories (in advisory-id order, entries by package name). */
export function legacyRelease(value: unknown, source: string): LegacyRelease {
  const head = fileHead.safeParse(value);
  if (!head.success) {
    const issue = head.error.issues[0];
    throw new IndexFormatError(
      `${source} is not a compiled CVE index (schema 1): ${issue?.path.join('.') || '(document)'}: ${issue?.message}`,
    );
  }
  const doc = head.data;
  const key: ReleaseKey = { family: doc.family, release: doc.release };
  const bad = (what: string) => new IndexFormatError(`${source} (schema 1): ${what}`);
  const s = (i: number | undefined): string | undefined => {
    if (i === undefined || i < 0) return undefined;
    const v = doc.strings[i];
    if (typeof v !== 'string') throw bad(`string ${i} is outside the string table`);
    return v;
  };
  const out: Advisory[] = doc.advisories.map((raw, i) => {
    if (!Array.isArray(raw) || raw.length !== 9) throw bad(`advisory ${i} is not a row of 9 fields`);
    const [id, cves, sev, cv, cvec, cscore, pub, sum, refs] = raw as AdvisoryRow;
    const a: Advisory = {
      id: s(id)!,
      key,
      cves: cves.map((c) => s(c)!),
      references: refs.map((r) => s(r)!),
      packages: [],
    };
    const severity = s(sev);
    if (severity) a.severity = severity;
    const version = s(cv);
    const vector = s(cvec);
    if (version && vector) a.cvss = cscore >= 0 ? { version, vector, score: cscore } : { version, vector };
    const published = s(pub);
    if (published) a.published = published;
    const summary = s(sum);
    if (summary) a.summary = summary;
    return a;
  });
  for (const [name, rows] of Object.entries(doc.packages)) {
    if (!Array.isArray(rows)) throw bad(`packages.${name} is not a list`);
    for (const raw of rows) {
      if (!Array.isArray(raw) || raw.length < 3 || !Array.isArray(raw[2]))
        throw bad(`an entry of ${name} is not [advisory, flags, ranges, ...]`);
      const r = raw as EntryRow;
      const a = out[r[0]];
      if (!a) throw bad(`an entry of ${name} names advisory ${r[0]}, outside the index`);
      const pkg = decodeEntry(
        name,
        { flags: r[1], ranges: r[2], versions: r[3], arches: r[4], stream: r[5], modules: r[6] },
        s,
        bad,
      );
      a.packages.push(pkg);
    }
  }
  return { key, compiledAt: doc.compiledAt, advisories: out };
}
