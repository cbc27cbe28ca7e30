/**
 * OSV reader (https://ossf.github.io/osv-schema/): one record → one advisory per distribution release it
 * names. Covers Debian, Ubuntu (incl. Pro streams, kept apart), Alpine, AlmaLinux, Rocky Linux and Red Hat
 * ecosystems; other ecosystems, withdrawn records and bug-fix/enhancement errata are counted as skipped.
 * Pure: text or values in, ReadResult out.
 */
import * as z from 'zod';
import { bestCvss, cvssFromOsv } from '../cvss';
import { MODULE_RELEASE, parseOsvEcosystem } from '../ecosystems';
import {
  type Advisory,
  type AffectedPackage,
  type Cvss,
  countSkip,
  cveIdsIn,
  emptyRead,
  type Family,
  mergeReads,
  type ProService,
  type RangeEvent,
  type ReadResult,
  type ReleaseKey,
  releaseKeyString,
} from '../model';

const event = z.union([
  z.object({ introduced: z.string().min(1) }),
  z.object({ fixed: z.string().min(1) }),
  z.object({ last_affected: z.string().min(1) }),
  z.object({ limit: z.string().min(1) }),
]);
const severityEntry = z.object({ type: z.string(), score: z.string() });
const bag = z.record(z.string(), z.unknown());

export const osvRecordSchema = z.object({
  id: z.string().min(1).max(256),
  modified: z.string().optional(),
  published: z.string().optional(),
  withdrawn: z.string().optional(),
  aliases: z.array(z.string()).nullish(),
  upstream: z.array(z.string()).nullish(),
  related: z.array(z.string()).nullish(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(severityEntry).nullish(),
  affected: z
    .array(
      z.object({
        package: z
          .object({ ecosystem: z.string(), name: z.string().min(1), purl: z.string().optional() })
          .optional(),
        ranges: z
          .array(
            z.object({ type: z.string(), events: z.array(event).min(1), database_specific: bag.optional() }),
          )
          .nullish(),
        versions: z.array(z.string()).nullish(),
        severity: z.array(severityEntry).nullish(),
        ecosystem_specific: bag.nullish(),
        database_specific: bag.nullish(),
      }),
    )
    .nullish(),
  references: z.array(z.object({ type: z.string().optional(), url: z.string() })).nullish(),
  database_specific: bag.nullish(),
});
export type OsvRecord = z.infer<typeof osvRecordSchema>;

/** Errata that are not security advisories (bug fix, enhancement): not vulnerabilities. */
const NON_SECURITY_ID = /^(ALBA|ALEA|RLBA|RLEA|RHBA|RHEA)-/;
/** "Moderate: python-requests security update" (AlmaLinux, Rocky, Red Hat summaries). */
const SUMMARY_SEVERITY = /^(Critical|Important|Moderate|Low):/;
const WONT_FIX = /\b(end-of-life|wont[-_ ]?fix|won't fix|will not fix|ignored)\b/i;

/**
 * Ubuntu OSV `ecosystem_specific.availability` of Pro entries, as the Ubuntu CVE tracker words it per archive:
 * "Available with Ubuntu Pro (Infra-only): https://ubuntu.com/pro" (esm-infra: main and restricted after
 * standard support) and "Available with Ubuntu Pro: https://ubuntu.com/pro" (esm-apps: universe, multiverse).
 */
export function proServiceOf(availability: string | undefined): ProService | undefined {
  if (!availability || !/^Available with Ubuntu Pro\b/i.test(availability)) return undefined;
  if (/\(Infra-only\)|Legacy support/i.test(availability)) return 'esm-infra';
  return /^Available with Ubuntu Pro:/i.test(availability) ? 'esm-apps' : undefined;
}

/** Families whose OSV records cover module streams (AppStream modules of RHEL 8 and later). */
const RPM_MODULE_FAMILIES: ReadonlySet<Family> = new Set(['almalinux', 'rocky', 'redhat']);

/**
 * The module streams (`name:stream`) an rpm entry belongs to: the `rpmmod` qualifier of Red Hat purls
 * (`pkg:rpm/redhat/ruby?arch=src&rpmmod=ruby:3.3:9040020240604094046:9`) or, when the entry's versions are module
 * builds, the `name:stream` words of the advisory title ("Moderate: ruby:3.3 security, bug fix, and
 * enhancement update", "Moderate: mariadb:10.3 security…"); [] when it is a module build whose stream the record
 * does not name; undefined when nothing says it is a module build.
 */
export function moduleStreams(
  purl: string | undefined,
  ranges: readonly RangeEvent[][],
  versions: readonly string[],
  summary: string | undefined,
): string[] | undefined {
  const rpmmod = /[?&]rpmmod=([^&#]+)/.exec(purl ?? '')?.[1];
  if (rpmmod) {
    const m = /^([^:]+):([^:]+)/.exec(decodeURIComponent(rpmmod));
    if (m) return [`${m[1]}:${m[2]}`];
  }
  const modular =
    ranges.some((r) => r.some((e) => MODULE_RELEASE.test(e.version))) ||
    versions.some((v) => MODULE_RELEASE.test(v));
  if (!modular) return undefined;
  const title = (summary ?? '').replace(SUMMARY_SEVERITY, '');
  const streams = new Set<string>();
  for (const m of title.matchAll(/(?:^|[\s,(])([a-z0-9][\w.+-]*):([\w.+-]*\w)(?=[\s,)]|$)/g)) {
    streams.add(`${m[1]}:${m[2]}`);
  }
  return [...streams];
}

/** Read one OSV value; `source` names where it came from for error messages. */
export function readOsvValue(value: unknown, source: string): ReadResult {
  const out = emptyRead();
  out.records = 1;
  const parsed = osvRecordSchema.safeParse(value);
  if (!parsed.success) {
    const id =
      value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string'
        ? (value as { id: string }).id
        : '(no id)';
    const issue = parsed.error.issues[0];
    const where = issue?.path.map(String).join('.') || '(record)';
    out.errors.push({
      source,
      message: `OSV record ${id} is invalid: ${where}: ${issue?.message ?? 'unknown'}`,
    });
    return out;
  }
  const rec = parsed.data;
  if (rec.withdrawn) {
    countSkip(out.skipped, 'withdrawn');
    return out;
  }
  if (NON_SECURITY_ID.test(rec.id)) {
    countSkip(out.skipped, 'not a security advisory');
    return out;
  }
  out.advisories = osvToAdvisories(rec, out);
  return out;
}

function osvToAdvisories(rec: OsvRecord, out: ReadResult): Advisory[] {
  const cves = recordCves(rec);
  const recordCvss: Cvss[] = [];
  let recordVendor: string | undefined;
  for (const s of rec.severity ?? []) {
    const c = cvssFromOsv(s.type, s.score);
    if (c) recordCvss.push(c);
    else if (!s.type.startsWith('CVSS')) recordVendor ??= s.score.toLowerCase();
  }
  for (const c of cvesMapSeverities(rec)) recordCvss.push(c);
  const summaryVendor = SUMMARY_SEVERITY.exec(rec.summary ?? '')?.[1]?.toLowerCase();
  const dbSeverity = stringField(rec.database_specific, 'severity')?.toLowerCase();

  const byRelease = new Map<string, Advisory>();
  for (const [i, aff] of (rec.affected ?? []).entries()) {
    if (!aff.package) {
      countSkip(out.skipped, 'affected entry without a package');
      continue;
    }
    const key = parseOsvEcosystem(aff.package.ecosystem);
    if (!key) {
      countSkip(out.skipped, `other ecosystem (${aff.package.ecosystem.split(':')[0]})`);
      continue;
    }
    const ranges: RangeEvent[][] = [];
    let rejected = false;
    for (const r of aff.ranges ?? []) {
      if (r.type !== 'ECOSYSTEM') {
        countSkip(out.skipped, `${r.type} range`);
        continue;
      }
      if (!r.events.some((e) => 'introduced' in e)) {
        // Without an introduced event no version is ever inside the range: it would judge every version
        // not affected, silently. The OSV schema requires one.
        out.errors.push({
          source: `${rec.id} affected[${i}]`,
          message: `OSV record ${rec.id}: ${aff.package.ecosystem} ${aff.package.name} has an ECOSYSTEM range without an "introduced" event; that range was not used`,
        });
        rejected = true;
        continue;
      }
      ranges.push(r.events.map(toEvent));
    }
    const versions = ranges.length === 0 ? [...(aff.versions ?? [])] : [];
    if (ranges.length === 0 && versions.length === 0) {
      if (rejected) continue;
      out.errors.push({
        source: `${rec.id} affected[${i}]`,
        message: `OSV record ${rec.id}: ${aff.package.ecosystem} ${aff.package.name} has neither an ECOSYSTEM range nor versions`,
      });
      continue;
    }
    const urgency =
      stringField(aff.ecosystem_specific, 'urgency') ?? stringField(aff.database_specific, 'urgency');
    const status =
      stringField(aff.ecosystem_specific, 'status') ?? stringField(aff.database_specific, 'status');
    const pkg: AffectedPackage = {
      name: aff.package.name,
      ranges,
      versions,
      arches: [],
      wontFix: WONT_FIX.test(`${urgency ?? ''} ${status ?? ''}`),
    };
    if (key.family === 'ubuntu' && key.release.startsWith('pro-')) {
      const service = proServiceOf(stringField(aff.ecosystem_specific, 'availability'));
      if (service) pkg.proService = service;
    } else if (RPM_MODULE_FAMILIES.has(key.family)) {
      const modules = moduleStreams(aff.package.purl, ranges, versions, rec.summary);
      if (modules) pkg.modules = modules;
    }
    const affCvss = (aff.severity ?? []).flatMap((s) => {
      const c = cvssFromOsv(s.type, s.score);
      return c ? [c] : [];
    });
    const affVendor = (aff.severity ?? []).find((s) => !s.type.startsWith('CVSS'))?.score.toLowerCase();
    const vendor = normalizeUrgency(urgency) ?? affVendor ?? recordVendor ?? summaryVendor ?? dbSeverity;
    const k = releaseKeyString(key);
    let adv = byRelease.get(k);
    if (!adv) {
      adv = newAdvisory(rec, key, cves, bestCvss([...affCvss, ...recordCvss]), vendor);
      byRelease.set(k, adv);
    } else if (!adv.severity && vendor) {
      adv.severity = vendor;
    }
    adv.packages.push(pkg);
  }
  return [...byRelease.values()];
}

function newAdvisory(
  rec: OsvRecord,
  key: ReleaseKey,
  cves: string[],
  cvss: Cvss | undefined,
  severity: string | undefined,
): Advisory {
  const adv: Advisory = { id: rec.id, key, cves, references: references(rec), packages: [] };
  if (severity) adv.severity = severity;
  if (cvss) adv.cvss = cvss;
  if (rec.published) adv.published = rec.published;
  const summary = rec.summary ?? rec.details?.split('\n')[0];
  if (summary) adv.summary = summary.length > 200 ? `${summary.slice(0, 197)}...` : summary;
  return adv;
}

function toEvent(e: z.infer<typeof event>): RangeEvent {
  if ('introduced' in e) return { kind: 'introduced', version: e.introduced };
  if ('fixed' in e) return { kind: 'fixed', version: e.fixed };
  if ('last_affected' in e) return { kind: 'last_affected', version: e.last_affected };
  return { kind: 'limit', version: e.limit };
}

function recordCves(rec: OsvRecord): string[] {
  const set = new Set<string>();
  for (const s of [rec.id, ...(rec.aliases ?? []), ...(rec.upstream ?? []), ...(rec.related ?? [])]) {
    for (const c of cveIdsIn(s)) set.add(c);
  }
  for (const aff of rec.affected ?? []) {
    for (const c of cvesMapEntries(aff.database_specific)) set.add(c.id);
  }
  return [...set].sort(compareCve);
}

/** Ubuntu USN records: database_specific.cves_map.cves[] = {id, severity[]}. */
function cvesMapEntries(
  db: Record<string, unknown> | null | undefined,
): Array<{ id: string; severity: unknown }> {
  const map = db?.cves_map;
  if (!map || typeof map !== 'object') return [];
  const list = (map as { cves?: unknown }).cves;
  if (!Array.isArray(list)) return [];
  const out: Array<{ id: string; severity: unknown }> = [];
  for (const c of list) {
    if (c && typeof c === 'object' && typeof (c as { id?: unknown }).id === 'string') {
      out.push({ id: (c as { id: string }).id, severity: (c as { severity?: unknown }).severity });
    }
  }
  return out.filter((c) => /^CVE-\d{4}-\d{4,}$/.test(c.id));
}

function cvesMapSeverities(rec: OsvRecord): Cvss[] {
  const out: Cvss[] = [];
  for (const aff of rec.affected ?? []) {
    for (const c of cvesMapEntries(aff.database_specific)) {
      const sev = z.array(severityEntry).safeParse(c.severity);
      if (!sev.success) continue;
      for (const s of sev.data) {
        const v = cvssFromOsv(s.type, s.score);
        if (v) out.push(v);
      }
    }
  }
  return out;
}

function references(rec: OsvRecord): string[] {
  const refs = rec.references ?? [];
  const sorted = [...refs.filter((r) => r.type === 'ADVISORY'), ...refs.filter((r) => r.type !== 'ADVISORY')];
  return [...new Set(sorted.map((r) => r.url))].slice(0, 5);
}

function stringField(bagValue: Record<string, unknown> | null | undefined, key: string): string | undefined {
  const v = bagValue?.[key];
  return typeof v === 'string' ? v : undefined;
}

/** Debian urgency → vendor severity words (`low**` marks a guess; "not yet assigned" means none). */
function normalizeUrgency(u: string | undefined): string | undefined {
  if (!u) return undefined;
  const w = u.replace(/\*+$/, '').trim().toLowerCase();
  if (w === 'not yet assigned' || w === 'end-of-life' || w === '') return undefined;
  return w;
}

/** CVE-2024-9 < CVE-2024-10: by year, then number. */
export function compareCve(a: string, b: string): number {
  const ma = /^CVE-(\d+)-(\d+)$/.exec(a);
  const mb = /^CVE-(\d+)-(\d+)$/.exec(b);
  if (ma && mb) return Number(ma[1]) - Number(mb[1]) || Number(ma[2]) - Number(mb[2]);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A JSON text: one OSV record, or an array of them. */
export function readOsvJson(text: string, source: string): ReadResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const out = emptyRead();
    out.errors.push({ source, message: `not JSON: ${(err as Error).message}` });
    return out;
  }
  if (Array.isArray(value)) {
    const out = emptyRead();
    for (const [i, v] of value.entries()) mergeReads(out, readOsvValue(v, `${source}[${i}]`));
    return out;
  }
  return readOsvValue(value, source);
}

/** JSON Lines: one OSV record per non-empty line. */
export function readOsvJsonl(text: string, source: string): ReadResult {
  const out = emptyRead();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      out.records++;
      out.errors.push({ source: `${source}:${i + 1}`, message: `not JSON: ${(err as Error).message}` });
      continue;
    }
    mergeReads(out, readOsvValue(value, `${source}:${i + 1}`));
  }
  return out;
}
