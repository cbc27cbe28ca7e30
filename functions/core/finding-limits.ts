/**
 * Bounds on one finding and one result, applied by the evaluation engine to whatever a rules package
 * returns. Evidence grows with the host (one entry per sshd `Match` block, one per affected binary package)
 * and much of it is written by the assessed host itself, so nothing it holds may be unbounded: DynamoDB
 * refuses an item over 400 KB, and one refused finding must never cost the other instances their results.
 *
 * What bounding does, never silently:
 * - every string is cut at a limit for its field and ends with "… [truncated, N characters]" (N: the
 *   original length, in JavaScript characters);
 * - every list keeps its first entries, up to a count and a byte budget; an evidence list then ends with one
 *   more entry whose note reads "and K more …";
 * - every cut is listed, one line per kind, in the record's `truncated` field.
 *
 * Sizes are counted with DynamoDB's item size rules (storedSize), so a bounded finding stays under
 * FINDING_LIMITS.maxFindingBytes as a DynamoDB item; the figure is close to its size as JSON (the local
 * output). The finding's id is computed before bounding, from its whole evidence (evaluate.ts).
 * Cost: linear in the input; each field is scanned at most up to its limit, a list only up to what is kept
 * (plus one pass counting what was left out).
 */
import type {
  Attribute,
  CheckResult,
  Evidence,
  Exclusion,
  Finding,
  InstanceSummary,
  RuleResult,
  VulnerabilityDetails,
} from './model';

const KiB = 1024;

/**
 * The limits, in UTF-8 bytes (a JavaScript character is up to 3 of them). Why these values:
 * - maxFindingBytes 64 KiB: a sixth of DynamoDB's 400 KB item limit. The rest is room for what is added
 *   after evaluation (add-attributes-to-findings: up to 50 attributes of 128 + 256 characters, ≈ 19 KiB)
 *   and for estimation error; and it keeps a describe-findings answer of 100 findings near the 6 MB a
 *   Lambda may return, a write at most 64 WCU, and an HTML report of thousands of findings readable.
 * - shortBytes 256: identifiers and names (ids, hostname, rule id, evidence source/key/expected, package
 *   names and versions, advisory ids): real ones are tens of characters.
 * - titleBytes 512: a title is one line; also attribute keys (a template's may have 128 characters).
 * - valueBytes 2 KiB: one observed value or note (a configuration line, a list of names), an attribute
 *   value, a reference, a remediation command: a real sshd or login.defs line is under 200 characters.
 * - textBytes 8 KiB: description, recommendation, message: prose plus, for CVE findings, the advisory's
 *   summary (Ubuntu's reach 2–3 KiB) and the affected package list.
 * - evidence: 100 entries, 24 KiB: a real entry is 100–250 bytes, so 100 fit; they say what is wrong and
 *   where, and "and K more" says how many others there are (the host's own file shows them all).
 * - vulnerability packages: 100 entries, 16 KiB: one CVE rarely affects more than tens of binary packages.
 * - aliases, advisory ids, references: 50 entries, 2 KiB each (the cve package keeps 10 references).
 * - attributes: at most 50 (the control plane's own cap per finding). The template's user attributes (at
 *   most 10 of 128 + 256 characters, up to 11.4 KiB in 3-byte characters) are kept first, within 12 KiB, so
 *   none is ever lost; the package's own (the cve package's are ≈ 4 KiB at most once cut) within 8 KiB.
 * - reserveBytes 4 KiB: the `truncated` lines (at most ≈ 45 of < 80 bytes) and the keys the store adds to
 *   the item (findingId, severityPackage: < 1 KiB).
 * The largest possible finding without its evidence and packages is ≈ 46 KiB (every field over its limit,
 * in 3-byte characters: measured by the unit test's worst case), so those two lists always keep at least
 * ≈ 14 KiB between them (see fitLists); a real finding's other fields take 1–15 KiB, leaving them their
 * full 24 + 16 KiB.
 * - checks (results only, rules package `cis`): 50 entries, 16 KiB, each check's evidence within 4 KiB: a
 *   CIS control is decided by 1–40 ComplianceAsCode rules; the failed ones' evidence is also the result's.
 */
export const FINDING_LIMITS = {
  maxFindingBytes: 64 * KiB,
  shortBytes: 256,
  titleBytes: 512,
  valueBytes: 2 * KiB,
  textBytes: 8 * KiB,
  maxEvidence: 100,
  evidenceBytes: 24 * KiB,
  maxPackages: 100,
  packagesBytes: 16 * KiB,
  maxListItems: 50,
  listBytes: 2 * KiB,
  maxAttributes: 50,
  attributesBytes: 8 * KiB,
  maxUserAttributes: 10,
  userAttributesBytes: 12 * KiB,
  reserveBytes: 4 * KiB,
  maxChecks: 50,
  checksBytes: 16 * KiB,
  checkEvidenceBytes: 4 * KiB,
} as const;

const L = FINDING_LIMITS;

/** A number's size as DynamoDB counts it is at most 1 + 38/2 bytes; counted as 21, never less. */
const NUMBER_BYTES = 21;
/** A List or Map costs 3 bytes, and each of its elements 1 more. */
const CONTAINER_BYTES = 3;

/**
 * The size of a value as a DynamoDB item (an object) or attribute value, after the document client's
 * marshalling (undefined values removed): attribute names and string values by their UTF-8 bytes, numbers
 * 21 bytes (the most a number can take), booleans and null 1 byte, lists and maps 3 bytes plus 1 byte per
 * element (DynamoDB's documented rules, "DynamoDB item sizes and formats"). The top-level item is counted
 * as a map too (3 + 1 per attribute more than DynamoDB counts), so the estimate is never below the real size.
 */
export function storedSize(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return Buffer.byteLength(value, 'utf8');
    case 'number':
    case 'bigint':
      return NUMBER_BYTES;
    case 'boolean':
      return 1;
    case 'object': {
      if (value === null) return 1;
      if (value instanceof Uint8Array) return value.byteLength;
      let n = CONTAINER_BYTES;
      if (Array.isArray(value) || value instanceof Set) {
        for (const x of value) if (x !== undefined) n += 1 + storedSize(x);
        return n;
      }
      for (const k in value) {
        if (!Object.hasOwn(value, k)) continue;
        const x = (value as Record<string, unknown>)[k];
        if (x !== undefined) n += Buffer.byteLength(k, 'utf8') + 1 + storedSize(x);
      }
      return n;
    }
    default:
      return 0;
  }
}

const ENCODER = new TextEncoder();

/**
 * `s` when it takes at most `maxBytes` UTF-8 bytes; otherwise its longest prefix that fits together with the
 * marker "… [truncated, N characters]" (never splitting a character). Reads at most `maxBytes` characters.
 */
export function cutText(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes) return s;
  if (s.length <= maxBytes && Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  const marker = `… [truncated, ${s.length} characters]`;
  const room = Math.max(0, maxBytes - Buffer.byteLength(marker, 'utf8'));
  const head = s.slice(0, room); // `room` characters hold at least `room` bytes
  const { read } = ENCODER.encodeInto(head, new Uint8Array(room));
  let kept = head.slice(0, read);
  const last = kept.charCodeAt(kept.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) kept = kept.slice(0, -1); // half of a surrogate pair
  return kept + marker;
}

/** What was cut, one line per kind: "evidence: 99 of 2501 entries kept", "description: cut at 8192 bytes". */
class Cuts {
  private readonly lines: string[] = [];
  private readonly texts = new Map<string, { count: number; limit: number }>();

  constructor(previous?: readonly string[]) {
    // A record bounded before keeps its lines (at most one per kind of cut: fewer than 64).
    if (previous) this.lines.push(...previous.slice(0, 64).map((x) => cutText(String(x), L.shortBytes)));
  }

  text(s: string, maxBytes: number, path: string): string {
    const out = cutText(s, maxBytes);
    if (out !== s) {
      const seen = this.texts.get(path);
      if (seen) seen.count++;
      else this.texts.set(path, { count: 1, limit: maxBytes });
    }
    return out;
  }

  list(path: string, kept: number, total: number): void {
    this.lines.push(`${path}: ${kept} of ${total} entries kept`);
  }

  merge(other: Cuts): void {
    this.lines.push(...other.lines);
    for (const [path, v] of other.texts) {
      const seen = this.texts.get(path);
      if (seen) seen.count += v.count;
      else this.texts.set(path, { ...v });
    }
  }

  get empty(): boolean {
    return this.lines.length === 0 && this.texts.size === 0;
  }

  result(): string[] {
    const out = [...this.lines];
    for (const [path, { count, limit }] of this.texts) {
      out.push(
        count === 1 ? `${path}: cut at ${limit} bytes` : `${path}: ${count} values cut at ${limit} bytes`,
      );
    }
    return out;
  }
}

/** A flat record (evidence entry, package) with every string cut at `caps(key)` bytes. */
function boundFlat<T extends object>(o: T, caps: (key: string) => number, path: string, cuts: Cuts): T {
  const out: Record<string, unknown> = {};
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    const v = (o as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (typeof v === 'string') out[k] = cuts.text(v, caps(k), `${path}.${k}`);
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[k] = v;
    else out[k] = cuts.text(JSON.stringify(v) ?? String(v), L.valueBytes, `${path}.${k}`);
  }
  return out as T;
}

interface Kept<T> {
  items: T[];
  /** storedSize of `items` as a list. */
  bytes: number;
}

/**
 * The first entries of `list`, each bounded by `bound`, while at most `max` of them fit in `maxBytes` (as a
 * stored list). Bounds only the entries it looks at: cost proportional to what is kept.
 */
function keepFirst<T>(
  list: readonly T[],
  max: number,
  maxBytes: number,
  bound: (x: T, cuts: Cuts) => T,
  path: string,
  cuts: Cuts,
): Kept<T> {
  const items: T[] = [];
  let bytes = CONTAINER_BYTES;
  for (const x of list) {
    if (items.length >= max) break;
    const own = new Cuts();
    const b = bound(x, own);
    const size = 1 + storedSize(b);
    if (bytes + size > maxBytes) break;
    items.push(b);
    bytes += size;
    cuts.merge(own);
  }
  if (items.length < list.length) cuts.list(path, items.length, list.length);
  return { items, bytes };
}

/** Where, which setting and what was wanted are names; what was seen and notes are values. */
const evidenceCap = (k: string): number =>
  k === 'source' || k === 'key' || k === 'expected' ? L.shortBytes : L.valueBytes;

function boundEvidenceEntry(e: Evidence, cuts: Cuts): Evidence {
  const b = boundFlat(e, evidenceCap, 'evidence[]', cuts);
  if (typeof b.source !== 'string') b.source = String(b.source ?? '');
  return b;
}

/** The most an "and K more" entry takes in a stored list (source ≤ shortBytes, a note of ≈ 130 bytes). */
const MARKER_BYTES = 512;

/**
 * Evidence within `maxBytes`: the whole list when it fits; otherwise its first entries and a last one, "and
 * K more …", saying how many were left out (so a bounded list is bounded again unchanged).
 */
function boundEvidence(list: readonly Evidence[], maxBytes: number, cuts: Cuts): Kept<Evidence> {
  const whole = new Cuts();
  const all = keepFirst(list, L.maxEvidence, maxBytes, boundEvidenceEntry, 'evidence', whole);
  if (all.items.length === list.length) {
    cuts.merge(whole);
    return all;
  }
  const kept = keepFirst(
    list,
    L.maxEvidence - 1,
    maxBytes - MARKER_BYTES,
    boundEvidenceEntry,
    'evidence',
    cuts,
  );
  const n = kept.items.length;
  const first = list[n]!.source;
  let sameSource = true;
  for (let i = n + 1; i < list.length && sameSource; i++) sameSource = list[i]!.source === first;
  const marker: Evidence = {
    source: sameSource && typeof first === 'string' ? cutText(first, L.shortBytes) : '(several sources)',
    note: `and ${list.length - n} more (${list.length} evidence entries in all; the first ${n} are kept to bound the size of the finding)`,
  };
  kept.items.push(marker);
  kept.bytes += 1 + storedSize(marker);
  return kept;
}

function boundCheck(c: CheckResult, cuts: Cuts): CheckResult {
  return {
    ...c,
    id: cuts.text(String(c.id), L.shortBytes, 'checks[].id'),
    message: cuts.text(String(c.message ?? ''), L.valueBytes, 'checks[].message'),
    evidence: boundEvidence(c.evidence ?? [], L.checkEvidenceBytes, cuts).items,
  };
}

function boundAttribute(a: Attribute, cuts: Cuts): Attribute {
  return {
    ...a,
    key: cuts.text(String(a.key), L.titleBytes, 'attributes[].key'),
    value: cuts.text(String(a.value), L.valueBytes, 'attributes[].value'),
  };
}

/** Attributes: the last `userCount` (the template's) first, within their own budget; the package's own next. */
function boundAttributes(list: readonly Attribute[], userCount: number, cuts: Cuts): Attribute[] {
  const split = Math.max(0, list.length - Math.max(0, userCount));
  const user = keepFirst(
    list.slice(split),
    L.maxUserAttributes,
    L.userAttributesBytes,
    boundAttribute,
    'attributes (template)',
    cuts,
  );
  const own = keepFirst(
    list.slice(0, split),
    L.maxAttributes - user.items.length,
    L.attributesBytes,
    boundAttribute,
    'attributes',
    cuts,
  );
  return [...own.items, ...user.items];
}

/** Every field of the vulnerability but `packages` (left empty: the caller fits them in what is left). */
function boundVulnerabilityFields(v: VulnerabilityDetails, cuts: Cuts): VulnerabilityDetails {
  const t = (s: string, max: number, path: string) => cuts.text(String(s), max, `vulnerability.${path}`);
  const list = (xs: readonly string[] | undefined, path: string, maxBytes: number) =>
    keepFirst(
      xs ?? [],
      L.maxListItems,
      L.listBytes,
      (x, c) => c.text(String(x), maxBytes, `vulnerability.${path}[]`),
      `vulnerability.${path}`,
      cuts,
    ).items;
  const out: VulnerabilityDetails = {
    ...v,
    vulnerabilityId: t(v.vulnerabilityId, L.shortBytes, 'vulnerabilityId'),
    aliases: list(v.aliases, 'aliases', L.shortBytes),
    advisoryIds: list(v.advisoryIds, 'advisoryIds', L.shortBytes),
    ecosystem: t(v.ecosystem, L.shortBytes, 'ecosystem'),
    packages: [],
    references: list(v.references, 'references', L.valueBytes),
  };
  if (v.cvss) out.cvss = boundFlat(v.cvss, () => L.shortBytes, 'vulnerability.cvss', cuts);
  if (v.vendorSeverity !== undefined)
    out.vendorSeverity = t(v.vendorSeverity, L.shortBytes, 'vendorSeverity');
  if (v.severitySource !== undefined)
    out.severitySource = t(v.severitySource, L.shortBytes, 'severitySource');
  if (v.epss) out.epss = boundFlat(v.epss, () => L.shortBytes, 'vulnerability.epss', cuts);
  if (v.kev) out.kev = boundFlat(v.kev, () => L.shortBytes, 'vulnerability.kev', cuts);
  if (v.remediation !== undefined) out.remediation = t(v.remediation, L.valueBytes, 'remediation');
  return out;
}

const boundPackage = (p: VulnerabilityDetails['packages'][number], cuts: Cuts) =>
  boundFlat(p, () => L.shortBytes, 'vulnerability.packages[]', cuts);

/**
 * Fits the two lists that grow with the host into what the record's other fields leave of maxFindingBytes
 * (`whole`: the record with every other field bounded, its evidence and packages still empty): the
 * vulnerability's packages get at most half of it (and packagesBytes), the evidence the rest (and
 * evidenceBytes). Sets the packages; returns the evidence.
 */
function fitLists(
  whole: object,
  vulnerability: VulnerabilityDetails | undefined,
  evidence: readonly Evidence[] | undefined,
  packages: readonly VulnerabilityDetails['packages'][number][] | undefined,
  cuts: Cuts,
): Evidence[] {
  let left = L.maxFindingBytes - L.reserveBytes - storedSize(whole);
  if (vulnerability) {
    const kept = keepFirst(
      packages ?? [],
      L.maxPackages,
      Math.min(L.packagesBytes, Math.floor(left / 2)),
      boundPackage,
      'vulnerability.packages',
      cuts,
    );
    vulnerability.packages = kept.items;
    left -= kept.bytes;
  }
  return boundEvidence(evidence ?? [], Math.min(L.evidenceBytes, left), cuts).items;
}

function withCuts<T extends { truncated?: string[] }>(record: T, cuts: Cuts): T {
  if (cuts.empty) delete record.truncated;
  else record.truncated = cuts.result();
  return record;
}

export interface BoundFindingOptions {
  /** How many of the finding's last attributes are the template's user attributes (kept first). */
  userAttributes?: number;
}

/**
 * The finding with every field bounded (see FINDING_LIMITS): as a DynamoDB item (plus the keys the store
 * adds) it takes at most maxFindingBytes. Unchanged fields keep their values; `truncated` lists the cuts.
 */
export function boundFinding(f: Finding, opts: BoundFindingOptions = {}): Finding {
  const cuts = new Cuts(f.truncated);
  const t = (s: string, max: number, path: string) => cuts.text(String(s ?? ''), max, path);
  const out: Finding = {
    ...f,
    id: t(f.id, L.shortBytes, 'id'),
    runId: t(f.runId, L.shortBytes, 'runId'),
    instanceId: t(f.instanceId, L.shortBytes, 'instanceId'),
    rulesPackage: t(f.rulesPackage, L.shortBytes, 'rulesPackage'),
    ruleId: t(f.ruleId, L.shortBytes, 'ruleId'),
    title: t(f.title, L.titleBytes, 'title'),
    description: t(f.description, L.textBytes, 'description'),
    recommendation: t(f.recommendation, L.textBytes, 'recommendation'),
    createdAt: t(f.createdAt, L.shortBytes, 'createdAt'),
    attributes: boundAttributes(f.attributes ?? [], opts.userAttributes ?? 0, cuts),
    evidence: [],
  };
  delete out.truncated;
  if (f.hostname !== undefined) out.hostname = t(f.hostname, L.shortBytes, 'hostname');
  if (f.vulnerability) out.vulnerability = boundVulnerabilityFields(f.vulnerability, cuts);
  out.evidence = fitLists(out, out.vulnerability, f.evidence, f.vulnerability?.packages, cuts);
  return withCuts(out, cuts);
}

/** The result with the same bounds as a finding (title, message, evidence, and its `finding` part). */
export function boundResult(r: RuleResult): RuleResult {
  const cuts = new Cuts(r.truncated);
  const t = (s: string, max: number, path: string) => cuts.text(String(s ?? ''), max, path);
  const out: RuleResult = {
    ...r,
    rulesPackage: t(r.rulesPackage, L.shortBytes, 'rulesPackage'),
    ruleId: t(r.ruleId, L.shortBytes, 'ruleId'),
    instanceId: t(r.instanceId, L.shortBytes, 'instanceId'),
    title: t(r.title, L.titleBytes, 'title'),
    message: t(r.message, L.textBytes, 'message'),
    evidence: [],
  };
  delete out.truncated;
  if (r.finding) {
    const f = r.finding;
    const part: NonNullable<RuleResult['finding']> = { ...f };
    if (f.title !== undefined) part.title = t(f.title, L.titleBytes, 'finding.title');
    if (f.description !== undefined) part.description = t(f.description, L.textBytes, 'finding.description');
    if (f.recommendation !== undefined)
      part.recommendation = t(f.recommendation, L.textBytes, 'finding.recommendation');
    if (f.attributes) part.attributes = boundAttributes(f.attributes, 0, cuts);
    if (f.vulnerability) part.vulnerability = boundVulnerabilityFields(f.vulnerability, cuts);
    out.finding = part;
  }
  if (r.checks)
    out.checks = keepFirst(r.checks, L.maxChecks, L.checksBytes, boundCheck, 'checks', cuts).items;
  out.evidence = fitLists(
    out,
    out.finding?.vulnerability,
    r.evidence,
    r.finding?.vulnerability?.packages,
    cuts,
  );
  return withCuts(out, cuts);
}

/** An exclusion's message (it may quote what the host wrote) cut at valueBytes. */
export function boundExclusion(e: Exclusion): Exclusion {
  const message = cutText(e.message, L.valueBytes);
  const scope = e.scope === undefined ? undefined : cutText(e.scope, L.shortBytes);
  return message === e.message && scope === e.scope
    ? e
    : { ...e, message, ...(scope === undefined ? {} : { scope }) };
}

/** Host names, OS and kernel strings (read from the host) cut at shortBytes. */
export function boundSummary(s: InstanceSummary): InstanceSummary {
  const out: InstanceSummary = { ...s };
  if (s.hostname !== undefined) out.hostname = cutText(s.hostname, L.shortBytes);
  if (s.os !== undefined) out.os = cutText(s.os, L.shortBytes);
  if (s.kernelRelease !== undefined) out.kernelRelease = cutText(s.kernelRelease, L.shortBytes);
  if (s.arch !== undefined) out.arch = cutText(s.arch, L.shortBytes);
  return out;
}
