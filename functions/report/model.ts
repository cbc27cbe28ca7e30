/**
 * The report model: the content of a findings or full report of one assessment run, built once from the run's
 * output and rendered by html.ts and pdf.ts. Both renderers print the counts computed here, so the HTML and the
 * PDF of a run always agree.
 *
 * Findings are grouped by severity (High → Informational, then any other severity, never hidden), then by
 * instance and subject (the vulnerable source package of a CVE finding, the rules package otherwise); groups of
 * one severity are ordered by their most severe finding, so a report of thousands of findings reads as short
 * sections, not one long table.
 */
import type { Exclusion, Finding, InstanceSummary, ResultStatus, RuleResult } from '../core/model';
import type { AssessmentOutput, RunRecord } from '../core/run';
import { SEVERITIES, type Severity } from '../core/severity';
import type { RunDiff } from './diff';
import type { HostFixPlan } from './fix-plan';

export interface RulesPackageRef {
  id: string;
  name: string;
  version: string;
}

export type ReportKind = 'findings' | 'full';

export interface ReportOptions {
  rulesPackages: RulesPackageRef[];
  /** ISO 8601 timestamp printed as the report's generation time. */
  generatedAt: string;
  /** `findings` (default) lists the findings; `full` adds every rule result per instance. */
  kind?: ReportKind;
  /** Changes since the previous completed run of the same template (or local root): diff.ts. */
  changes?: RunDiff;
  /** The fix plan of each instance with CVE findings: fix-plan.ts. */
  fixPlans?: HostFixPlan[];
  /**
   * The whole record a slim one stands for (an output whose records were spilled to disk as they were evaluated:
   * adapters/local/record-spill.ts): what a finding or a failed control is rendered from. Default: the record.
   */
  full?: <T>(record: T) => T;
}

export interface FindingSubgroup {
  instanceId: string;
  /** The vulnerable source package (CVE findings), else the rules package. */
  subject: string;
  findings: Finding[];
}

export interface SeverityGroup {
  label: string;
  severity?: Severity;
  findings: Finding[];
  subgroups: FindingSubgroup[];
}

export interface ReportInstance extends InstanceSummary {
  findingCount: number;
}

export interface ReportRulesPackage extends RulesPackageRef {
  /** False when the run named a package whose details were not supplied. */
  described: boolean;
  findingCount: number;
}

/** Findings per vulnerable package (CVE findings), for the package chart. */
export interface PackageCount {
  name: string;
  count: number;
  bySeverity: Record<Severity, number>;
}

export interface ReportCounts {
  instances: number;
  findings: number;
  exclusions: number;
  results: number;
  bySeverity: Record<Severity, number>;
  /** Findings whose severity is none of the four (kept, listed under "Other"). */
  otherSeverity: number;
  byResult: Record<ResultStatus, number>;
  /** Findings marked suppressed (a waiver): counted apart, still listed. */
  suppressed: number;
}

export interface SectionScore {
  section: string;
  results: RuleResult[];
  passed: number;
  failed: number;
  notApplicable: number;
  errors: number;
}

export interface ComplianceGroup {
  instanceId: string;
  benchmark: string;
  /** The finding attribute BENCHMARK_ID when a control failed, else the benchmark id. */
  label: string;
  profile?: string;
  results: RuleResult[];
  scores: SectionScore[];
  total: Omit<SectionScore, 'section' | 'results'> & { controls: number };
}

export interface InstanceResults {
  instanceId: string;
  results: RuleResult[];
  tally: Record<ResultStatus, number>;
}

export interface ReportModel {
  kind: ReportKind;
  title: string;
  generatedAt: string;
  run: RunRecord;
  /** Seconds from start (or creation) to completion, when both are known. */
  elapsedSeconds?: number;
  counts: ReportCounts;
  instances: ReportInstance[];
  instancesById: Map<string, InstanceSummary>;
  rulesPackages: ReportRulesPackage[];
  exclusions: Exclusion[];
  severityGroups: SeverityGroup[];
  /** Every finding in report order (severity groups, then subgroups): the order both renderers use. */
  orderedFindings: Finding[];
  packages: PackageCount[];
  compliance: ComplianceGroup[];
  /** Full report only: every rule result per instance. */
  fullResults?: InstanceResults[];
  changes?: RunDiff;
  fixPlans?: HostFixPlan[];
  /** ReportOptions.full: the whole record to render of a slim one. */
  full: <T>(record: T) => T;
}

export const RESULT_ORDER: readonly ResultStatus[] = ['PASS', 'FAIL', 'NOT_APPLICABLE', 'ERROR'];

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a waiver in force marks the finding (`suppression`, set by core/suppressions.ts). */
export function isSuppressed(f: Finding): boolean {
  return f.suppression !== undefined;
}

/** The subject a finding is grouped under: the vulnerable source package of a CVE finding, else its rules package. */
export function findingSubject(f: Finding): string {
  const p = f.vulnerability?.packages[0];
  if (p) return p.sourcePackage ?? p.name;
  return f.rulesPackage;
}

function elapsed(run: RunRecord): number | undefined {
  const start = Date.parse(run.startedAt ?? run.createdAt);
  const end = run.completedAt ? Date.parse(run.completedAt) : Number.NaN;
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return undefined;
  return (end - start) / 1000;
}

/**
 * The exposure chain's EXPOSURE attribute, most exposed first (EXPOSURES of
 * rules/network-reachability/exposure-chain.ts, not imported: the report stays free of the rules); findings
 * without it come after those with it.
 */
const EXPOSURE_RANK = ['Internet', 'PeeredVPC', 'VGW', 'None'];
export function exposureRank(f: Finding): number {
  const e = f.attributes.find((a) => a.key === 'EXPOSURE')?.value;
  const i = e === undefined ? -1 : EXPOSURE_RANK.indexOf(e);
  return i < 0 ? EXPOSURE_RANK.length : i;
}

/** Most exposed first (the exposure chain), then most severe. */
const findingOrder = (a: Finding, b: Finding): number =>
  exposureRank(a) - exposureRank(b) ||
  b.numericSeverity - a.numericSeverity ||
  compareStrings(a.instanceId, b.instanceId) ||
  compareStrings(a.rulesPackage, b.rulesPackage) ||
  compareStrings(a.ruleId, b.ruleId) ||
  compareStrings(a.title, b.title) ||
  compareStrings(a.id, b.id);

function subgroupsOf(findings: Finding[]): FindingSubgroup[] {
  const map = new Map<string, FindingSubgroup>();
  for (const f of findings) {
    const subject = findingSubject(f);
    const key = `${f.instanceId}\u0000${subject}`;
    let g = map.get(key);
    if (!g) {
      g = { instanceId: f.instanceId, subject, findings: [] };
      map.set(key, g);
    }
    g.findings.push(f);
  }
  const groups = [...map.values()];
  for (const g of groups) g.findings.sort(findingOrder);
  const rank = (g: FindingSubgroup) => (g.findings[0] ? exposureRank(g.findings[0]) : EXPOSURE_RANK.length);
  return groups.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (b.findings[0]?.numericSeverity ?? 0) - (a.findings[0]?.numericSeverity ?? 0) ||
      compareStrings(a.instanceId, b.instanceId) ||
      compareStrings(a.subject, b.subject),
  );
}

function severityGroups(findings: Finding[]): SeverityGroup[] {
  const known = SEVERITIES as readonly string[];
  const groups: SeverityGroup[] = SEVERITIES.map((s) => {
    const list = findings.filter((f) => f.severity === s);
    const subgroups = subgroupsOf(list);
    return { label: s, severity: s, findings: subgroups.flatMap((g) => g.findings), subgroups };
  });
  const other = findings.filter((f) => !known.includes(f.severity));
  if (other.length) {
    const subgroups = subgroupsOf(other);
    groups.push({ label: 'Other', findings: subgroups.flatMap((g) => g.findings), subgroups });
  }
  return groups;
}

function emptySeverityCounts(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

function packageCounts(findings: Finding[]): PackageCount[] {
  const map = new Map<string, PackageCount>();
  for (const f of findings) {
    if (!f.vulnerability) continue;
    // A finding counts once per source package it names.
    const names = new Set(f.vulnerability.packages.map((p) => p.sourcePackage ?? p.name));
    for (const name of names) {
      let c = map.get(name);
      if (!c) {
        c = { name, count: 0, bySeverity: emptySeverityCounts() };
        map.set(name, c);
      }
      c.count++;
      if (f.severity in c.bySeverity) c.bySeverity[f.severity]++;
    }
  }
  return [...map.values()].sort((a, b) => b.count - a.count || compareStrings(a.name, b.name));
}

// ---------------------------------------------------------------------------------------------------------------
// Compliance (cis): one part per instance and benchmark, scored by top-level section.

const CIS_RULE_ID = /^cis\.([a-z0-9]+)\.(\d+(?:\.\d+)*)$/;

export function sectionOf(ruleId: string): string {
  return CIS_RULE_ID.exec(ruleId)?.[2] ?? ruleId;
}

function compareSections(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

function sectionScores(results: RuleResult[]): SectionScore[] {
  const bySection = new Map<string, SectionScore>();
  for (const r of results) {
    const top = sectionOf(r.ruleId).split('.')[0] ?? r.ruleId;
    let s = bySection.get(top);
    if (!s) {
      s = { section: top, results: [], passed: 0, failed: 0, notApplicable: 0, errors: 0 };
      bySection.set(top, s);
    }
    s.results.push(r);
    if (r.result === 'PASS') s.passed++;
    else if (r.result === 'FAIL') s.failed++;
    else if (r.result === 'NOT_APPLICABLE') s.notApplicable++;
    else s.errors++;
  }
  return [...bySection.values()].sort((a, b) => compareSections(a.section, b.section));
}

function complianceGroups(output: AssessmentOutput): ComplianceGroup[] {
  const groups = new Map<string, ComplianceGroup>();
  for (const r of output.results) {
    if (r.rulesPackage !== 'cis') continue;
    const benchmark = CIS_RULE_ID.exec(r.ruleId)?.[1];
    if (!benchmark) continue;
    const key = `${r.instanceId}\u0000${benchmark}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        instanceId: r.instanceId,
        benchmark,
        label: benchmark,
        results: [],
        scores: [],
        total: { passed: 0, failed: 0, notApplicable: 0, errors: 0, controls: 0 },
      };
      groups.set(key, g);
    }
    g.results.push(r);
  }
  for (const g of groups.values()) {
    g.results.sort((a, b) => compareSections(sectionOf(a.ruleId), sectionOf(b.ruleId)));
    g.scores = sectionScores(g.results);
    for (const s of g.scores) {
      g.total.passed += s.passed;
      g.total.failed += s.failed;
      g.total.notApplicable += s.notApplicable;
      g.total.errors += s.errors;
      g.total.controls += s.results.length;
    }
    const attrs = output.findings.find(
      (f) =>
        f.rulesPackage === 'cis' &&
        f.instanceId === g.instanceId &&
        f.ruleId.startsWith(`cis.${g.benchmark}.`),
    )?.attributes;
    const label = attrs?.find((a) => a.key === 'BENCHMARK_ID')?.value;
    const profile = attrs?.find((a) => a.key === 'CIS_BENCHMARK_PROFILE')?.value;
    if (label) g.label = label;
    if (profile) g.profile = profile;
  }
  return [...groups.values()].sort(
    (a, b) => compareStrings(a.instanceId, b.instanceId) || compareStrings(a.benchmark, b.benchmark),
  );
}

/** Score text: passed out of judged (PASS + FAIL), or a dash when nothing was judged. */
export function scoreText(passed: number, judged: number): string {
  return judged === 0 ? '—' : `${Math.round((passed / judged) * 100)}%`;
}

function fullResults(output: AssessmentOutput): InstanceResults[] {
  const byInstance = new Map<string, RuleResult[]>();
  for (const i of output.instances) byInstance.set(i.instanceId, []);
  for (const r of output.results) {
    const list = byInstance.get(r.instanceId);
    if (list) list.push(r);
    else byInstance.set(r.instanceId, [r]);
  }
  return [...byInstance.entries()].map(([instanceId, list]) => {
    const results = [...list].sort(
      (a, b) => compareStrings(a.rulesPackage, b.rulesPackage) || compareStrings(a.ruleId, b.ruleId),
    );
    const tally = { PASS: 0, FAIL: 0, NOT_APPLICABLE: 0, ERROR: 0 } as Record<ResultStatus, number>;
    for (const r of results) tally[r.result] = (tally[r.result] ?? 0) + 1;
    return { instanceId, results, tally };
  });
}

/** Builds the report's content once; html.ts and pdf.ts render it. */
export function buildReportModel(output: AssessmentOutput, opts: ReportOptions): ReportModel {
  const kind = opts.kind ?? 'findings';
  const groups = severityGroups(output.findings);
  const bySeverity = emptySeverityCounts();
  for (const g of groups) if (g.severity) bySeverity[g.severity] = g.findings.length;
  const byResult = { PASS: 0, FAIL: 0, NOT_APPLICABLE: 0, ERROR: 0 } as Record<ResultStatus, number>;
  for (const r of output.results) byResult[r.result] = (byResult[r.result] ?? 0) + 1;
  const perInstance = new Map<string, number>();
  for (const f of output.findings) perInstance.set(f.instanceId, (perInstance.get(f.instanceId) ?? 0) + 1);
  const perPackage = new Map<string, number>();
  for (const f of output.findings) perPackage.set(f.rulesPackage, (perPackage.get(f.rulesPackage) ?? 0) + 1);
  const listed = new Set(opts.rulesPackages.map((p) => p.id));
  const rulesPackages: ReportRulesPackage[] = [
    ...opts.rulesPackages.map((p) => ({ ...p, described: true, findingCount: perPackage.get(p.id) ?? 0 })),
    ...output.run.rulesPackages
      .filter((id) => !listed.has(id))
      .map((id) => ({ id, name: id, version: '', described: false, findingCount: perPackage.get(id) ?? 0 })),
  ];
  const exclusions = [...output.exclusions].sort(
    (a, b) =>
      compareStrings(a.instanceId, b.instanceId) ||
      compareStrings(a.scope ?? '', b.scope ?? '') ||
      compareStrings(a.reason, b.reason),
  );
  const model: ReportModel = {
    kind,
    title: kind === 'full' ? 'Full assessment report' : 'Findings report',
    generatedAt: opts.generatedAt,
    run: output.run,
    counts: {
      instances: new Set(output.instances.map((i) => i.instanceId)).size,
      findings: output.findings.length,
      exclusions: output.exclusions.length,
      results: output.results.length,
      bySeverity,
      otherSeverity: groups.find((g) => !g.severity)?.findings.length ?? 0,
      byResult,
      suppressed: output.findings.filter(isSuppressed).length,
    },
    instances: output.instances.map((i) => ({ ...i, findingCount: perInstance.get(i.instanceId) ?? 0 })),
    instancesById: new Map(output.instances.map((i) => [i.instanceId, i])),
    rulesPackages,
    exclusions,
    severityGroups: groups,
    orderedFindings: groups.flatMap((g) => g.findings),
    packages: packageCounts(output.findings),
    compliance: complianceGroups(output),
    full: opts.full ?? ((record) => record),
  };
  const e = elapsed(output.run);
  if (e !== undefined) model.elapsedSeconds = e;
  if (kind === 'full') model.fullResults = fullResults(output);
  if (opts.changes) model.changes = opts.changes;
  if (opts.fixPlans) model.fixPlans = opts.fixPlans;
  return model;
}
