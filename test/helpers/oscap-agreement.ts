/**
 * Our cis checks beside OpenSCAP's rule results on the same root, rule id by rule id (OpenSCAP's
 * `xccdf_org.ssgproject.content_rule_<id>` is ComplianceAsCode rule `<id>`, our check id).
 *
 * Which pairs agree (documented in test/fixtures/cis-oscap/README.md):
 * - a rule OVERLAPS when both tools selected and judged it: it is in our profile's controls with an
 *   evaluator (not "not evaluated by this version") and OpenSCAP's result is one of pass, fail,
 *   notapplicable, error, unknown (notselected: not in their profile; notchecked/informational: no
 *   automated check in their content);
 * - it AGREES when the results are the same verdict: PASS/pass, FAIL/fail, NOT_APPLICABLE/notapplicable;
 * - every other overlapping pair is a disagreement (ERROR or unknown against anything is one too: an
 *   unjudged rule is not counted as agreement).
 */
import type { CheckResult } from '../../functions/core/model';
import type { XccdfResult } from './oscap';

export type OurResult = CheckResult['result'];

export interface RuleComparison {
  rule: string;
  ours: OurResult;
  theirs: XccdfResult;
  /** Our check's message and evidence, for a disagreement's report. */
  message: string;
  evidence: CheckResult['evidence'];
}

export interface Comparison {
  agree: RuleComparison[];
  disagree: RuleComparison[];
  /** Selected by both, but not evaluated by this version of ours. */
  notEvaluatedByUs: string[];
  /** Selected by both, but OpenSCAP has no automated check (notchecked, informational). */
  notCheckedByThem: string[];
  /** In their profile only / in ours only. */
  onlyTheirs: string[];
  onlyOurs: string[];
}

const AGREEING: ReadonlySet<string> = new Set(['PASS/pass', 'FAIL/fail', 'NOT_APPLICABLE/notapplicable']);
const UNCHECKED: ReadonlySet<XccdfResult> = new Set(['notchecked', 'informational', 'notselected']);
export const NOT_EVALUATED_PREFIX = 'not evaluated by this version';

export function agrees(ours: OurResult, theirs: XccdfResult): boolean {
  return AGREEING.has(`${ours}/${theirs}`);
}

/**
 * Our checks by rule id from a benchmark's results. A rule that several controls evaluate must come out
 * the same in each (one evaluation of the same facts): a difference throws.
 */
export function checksByRule(results: ReadonlyArray<{ ruleId: string; checks?: CheckResult[] }>) {
  const out = new Map<string, CheckResult>();
  for (const r of results)
    for (const c of r.checks ?? []) {
      const seen = out.get(c.id);
      if (seen && seen.result !== c.result)
        throw new Error(`${c.id} is ${seen.result} in one control and ${c.result} in ${r.ruleId}`);
      if (!seen) out.set(c.id, c);
    }
  return out;
}

export function compare(ours: Map<string, CheckResult>, theirs: Map<string, XccdfResult>): Comparison {
  const cmp: Comparison = {
    agree: [],
    disagree: [],
    notEvaluatedByUs: [],
    notCheckedByThem: [],
    onlyTheirs: [],
    onlyOurs: [],
  };
  for (const [rule, t] of [...theirs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const o = ours.get(rule);
    if (!o) {
      cmp.onlyTheirs.push(rule);
      continue;
    }
    if (o.result === 'NOT_APPLICABLE' && o.message.startsWith(NOT_EVALUATED_PREFIX)) {
      cmp.notEvaluatedByUs.push(rule);
      continue;
    }
    if (UNCHECKED.has(t)) {
      cmp.notCheckedByThem.push(rule);
      continue;
    }
    const row = { rule, ours: o.result, theirs: t, message: o.message, evidence: o.evidence };
    (agrees(o.result, t) ? cmp.agree : cmp.disagree).push(row);
  }
  for (const rule of ours.keys()) if (!theirs.has(rule)) cmp.onlyOurs.push(rule);
  cmp.onlyOurs.sort();
  return cmp;
}

/** A checked-in explanation of a disagreement (test/fixtures/cis-oscap/disagreements.json). */
export interface Disagreement {
  /** Rule ids; a `*` matches any run of characters. */
  rules: string[];
  /** Root names (pass, pass-image, fail, fail-image). */
  roots: string[];
  ours: OurResult;
  theirs: XccdfResult;
  class: string;
  reason: string;
}

export interface DisagreementTable {
  classes: Record<string, string>;
  entries: Disagreement[];
}

export function ruleMatches(pattern: string, rule: string): boolean {
  if (!pattern.includes('*')) return pattern === rule;
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return re.test(rule);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The table entry that explains a disagreement on a root, if one does. */
export function explain(
  table: DisagreementTable,
  root: string,
  d: Pick<RuleComparison, 'rule' | 'ours' | 'theirs'>,
): Disagreement | undefined {
  return table.entries.find(
    (e) =>
      e.roots.includes(root) &&
      e.ours === d.ours &&
      e.theirs === d.theirs &&
      e.rules.some((p) => ruleMatches(p, d.rule)),
  );
}

/** Checks the table's own shape: known classes, a reason, no two entries explaining the same case. */
export function validateTable(table: DisagreementTable): string[] {
  const problems: string[] = [];
  table.entries.forEach((e, i) => {
    const at = `entry ${i} (${e.rules.join(', ')})`;
    if (!table.classes[e.class]) problems.push(`${at}: unknown class ${e.class}`);
    if (!e.reason || e.reason.length < 20) problems.push(`${at}: no reason`);
    if (!e.rules.length || !e.roots.length) problems.push(`${at}: no rules or roots`);
    if (agrees(e.ours, e.theirs)) problems.push(`${at}: ${e.ours}/${e.theirs} is an agreement`);
  });
  return problems;
}
