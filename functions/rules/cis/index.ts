/**
 * The `cis` rules package: the host's CIS benchmark (chosen from os-release) evaluated control by control.
 * One result per control of the chosen profile (`cis.<benchmark>.<section>`, e.g. cis.ubuntu2204.5.1.20),
 * decided by its checks, one per ComplianceAsCode rule (`checks`: { id, result, message, evidence }).
 * Manual controls are NOT_APPLICABLE "manual: …"; controls the template's tailoring skips are
 * NOT_APPLICABLE "skipped …"; nothing is dropped. A host with no benchmark raises CisUnsupportedOsError,
 * which the engine records as an UNSUPPORTED_OS exclusion scoped to `cis`.
 *
 * Context (EvaluationContext.cis): profile level1-server (default) or level2-server; skip (sections or rule
 * ids); variables (ComplianceAsCode variable overrides, e.g. var_password_pam_minlen).
 */
import type { Facts } from '../../core/facts/facts';
import { osRelease } from '../../core/facts/host';
import type { Attribute, CheckResult, Evidence, RuleResult } from '../../core/model';
import type { CheckOutcome, CisContext, CisProfile, EvaluationContext, RulesPackage } from '../../core/rule';
import type { Severity } from '../../core/severity';
import { aggregateChecks, type JudgedCheck } from './aggregate';
import {
  BENCHMARK_IDS,
  BENCHMARKS,
  type Benchmark,
  type BenchmarkId,
  CAC_RULES,
  type CacRule,
  type Control,
  type Level,
  templateName,
  templateVars,
} from './data';
import { EVALUATORS, type EvaluatorRegistry } from './evaluators';
import { platformNotApplicable } from './platform';
import { selectBenchmark } from './select';

export { BENCHMARK_IDS, BENCHMARKS, CAC_RULES } from './data';
export { selectBenchmark } from './select';

export const CIS_PACKAGE_ID = 'cis';
export const CIS_PACKAGE_VERSION = '0.1.0';

/** The host runs an OS no benchmark covers: the engine records an UNSUPPORTED_OS exclusion for `cis`. */
export class CisUnsupportedOsError extends Error {
  override readonly name = 'CisUnsupportedOsError';
  readonly exclusionReason = 'UNSUPPORTED_OS';
}

const PROFILE_LEVEL: Readonly<Record<CisProfile, Level>> = {
  'level1-server': 'level_1_server',
  'level2-server': 'level_2_server',
};
const PROFILE_LABEL: Readonly<Record<CisProfile, string>> = {
  'level1-server': 'Level 1 - Server',
  'level2-server': 'Level 2 - Server',
};

/** ComplianceAsCode severity → Classic severity (upstream "unknown" counts as Medium). */
const SEVERITY: Readonly<Record<CacRule['severity'], Severity>> = {
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  unknown: 'Medium',
  info: 'Informational',
};
const SEVERITY_ORDER: readonly Severity[] = ['High', 'Medium', 'Low', 'Informational'];

/** Statuses whose rules are evaluated; the others are reported with their status, not evaluated. */
const EVALUATED_STATUSES = new Set<Control['status']>(['automated', 'partial', 'supported']);

const REPRESENTATIVE_RULE = {
  id: 'cis.<benchmark>.<section>',
  title: 'A CIS benchmark control is met',
  severity: 'Medium' as Severity,
  description:
    'One result per control of the host’s CIS benchmark and profile, decided by the ComplianceAsCode rules mapped to it.',
  recommendation: 'Bring each failed check into the expected state shown in its evidence.',
};

export function cisRulesPackage(opts: { evaluators?: EvaluatorRegistry } = {}): RulesPackage {
  const evaluators = opts.evaluators ?? EVALUATORS;
  return {
    id: CIS_PACKAGE_ID,
    name: 'CIS Operating System Security Configuration Benchmarks',
    version: CIS_PACKAGE_VERSION,
    description:
      'CIS benchmark controls (Level 1 and Level 2 server profiles) checked with ComplianceAsCode rule ids, mapped from ComplianceAsCode’s control files.',
    rules: [REPRESENTATIVE_RULE],
    evaluate(facts, ctx) {
      if (!facts.isLinux)
        throw new CisUnsupportedOsError(
          `the CIS benchmarks of this package cover Linux distributions; this host runs ${facts.telemetry.host.kernelName}`,
        );
      const os = osRelease(facts);
      if (!os.ok) throw new Error(`the OS could not be identified for a CIS benchmark: ${os.reason}`);
      const choice = selectBenchmark(os.value);
      if (!choice.ok) throw new CisUnsupportedOsError(choice.reason);
      return evaluateBenchmark(facts, choice.benchmark, cisContext(ctx), evaluators, choice.basis);
    },
  };
}

/** The package with this version's evaluators. */
export const cisPackage: RulesPackage = cisRulesPackage();

export function cisContext(ctx: EvaluationContext): CisContext {
  return ctx.cis ?? { profile: 'level1-server' };
}

/** The benchmark's label as findings name it, e.g. "CIS Ubuntu 22.04 LTS Benchmark v2.0.0". */
export function benchmarkLabel(b: Benchmark): string {
  if (b.derivedFrom)
    return `CIS ${b.derivedFrom.benchmark} Benchmark v${b.derivedFrom.benchmarkVersion} (mapping for ${b.product})`;
  return `CIS ${b.product} Benchmark v${b.benchmarkVersion}`;
}

export function evaluateBenchmark(
  facts: Facts,
  id: BenchmarkId,
  cis: CisContext,
  evaluators: EvaluatorRegistry,
  basis?: string,
): RuleResult[] {
  const b = BENCHMARKS[id];
  const level = PROFILE_LEVEL[cis.profile];
  const skip = new Set(cis.skip ?? []);
  const variables = { ...b.variables, ...(cis.variables ?? {}) };
  const label = benchmarkLabel(b);
  const results: RuleResult[] = [];
  for (const control of b.controls) {
    if (!control.levels.includes(level)) continue;
    const ruleId = `cis.${id}.${control.section}`;
    const rules = control.rules.map((r) => ({ id: r, meta: CAC_RULES.rules[r] }));
    const severity = highest(rules.map((r) => (r.meta ? SEVERITY[r.meta.severity] : 'Medium')));
    const base = {
      rulesPackage: CIS_PACKAGE_ID,
      ruleId,
      instanceId: facts.instanceId,
      severity,
      title: controlTitle(
        control.section,
        rules.map((r) => r.meta?.title ?? r.id),
      ),
    };
    const basisNote = basis ? ` (${basis})` : '';
    if (skip.has(control.section) || skip.has(ruleId)) {
      results.push({
        ...base,
        result: 'NOT_APPLICABLE',
        message: `skipped by the template's tailoring${basisNote}`,
        evidence: [],
      });
      continue;
    }
    if (!EVALUATED_STATUSES.has(control.status) || rules.length === 0) {
      const why =
        control.status === 'manual'
          ? `manual: ${label} ${control.section} has no automated check; review it by hand`
          : rules.length === 0
            ? `not evaluated: ComplianceAsCode maps no check to ${control.section} (status "${control.status}"; its check may be carried by another control)`
            : `not evaluated: ComplianceAsCode marks ${control.section} as "${control.status}" for ${b.product}`;
      results.push({ ...base, result: 'NOT_APPLICABLE', message: why, evidence: [] });
      continue;
    }
    const checks = rules.map(({ id: rule, meta }) => runCheck(facts, id, rule, meta, variables, evaluators));
    const verdict = aggregateChecks(checks);
    const partial =
      control.status === 'partial'
        ? '; upstream marks this control as only partly automated: review the rest by hand'
        : '';
    const failing = checks.filter((c) => c.result === 'FAIL' || c.result === 'ERROR');
    const evidence: Evidence[] = failing.flatMap((c) => [
      { source: 'complianceascode', key: c.id, value: c.result, note: c.message },
      ...c.evidence,
    ]);
    const stored: CheckResult[] = checks.map(({ evaluated: _e, recommendation: _r, ...c }) => c);
    const result: RuleResult = {
      ...base,
      result: verdict.result,
      message: `${verdict.message}${partial}${basisNote}`,
      evidence,
      checks: stored,
    };
    if (verdict.result === 'FAIL') {
      const failed = checks.filter((c) => c.result === 'FAIL');
      const titles = failed.map((c) => CAC_RULES.rules[c.id]?.title ?? c.id);
      const attributes: Attribute[] = [
        { key: 'BENCHMARK_ID', value: label },
        { key: 'BENCHMARK_RULE_ID', value: control.section },
        { key: 'CIS_BENCHMARK_PROFILE', value: PROFILE_LABEL[cis.profile] },
        { key: 'CIS_BENCHMARK_VERSION', value: b.benchmarkVersion ?? b.derivedFrom?.benchmarkVersion ?? '' },
        { key: 'CIS_LEVEL', value: control.levels.includes('level_1_server') ? 'Level 1' : 'Level 2' },
        { key: 'COMPLIANCEASCODE_RULES', value: failed.map((c) => c.id).join(',') },
      ];
      result.finding = {
        title: `CIS ${control.section} not met: ${joinTitles(titles)}`,
        description: `Control ${control.section} of the ${label}, profile ${PROFILE_LABEL[cis.profile]}, is checked by ${rules.length === 1 ? 'the ComplianceAsCode rule' : `${rules.length} ComplianceAsCode rules`} ${rules.map((r) => r.id).join(', ')}. Failed on this host: ${failed.map((c) => `${c.id} (${c.message})`).join('; ')}.`,
        recommendation:
          failed
            .map((c) => c.recommendation)
            .filter(Boolean)
            .join('\n') ||
          `Bring each failed check into the state its evidence expects: ${titles.join('; ')}. Re-run the assessment to confirm.`,
        attributes,
      };
    }
    results.push(result);
  }
  return results;
}

interface Judged extends JudgedCheck {
  recommendation?: string;
}

function runCheck(
  facts: Facts,
  benchmark: BenchmarkId,
  rule: string,
  meta: CacRule | undefined,
  variables: Record<string, string>,
  evaluators: EvaluatorRegistry,
): Judged {
  const unevaluated = (why: string): Judged => ({
    id: rule,
    result: 'NOT_APPLICABLE',
    message: `not evaluated by this version: ${why}`,
    evidence: [],
    evaluated: false,
  });
  if (!meta) return unevaluated('rule not in rules.json');
  const template = templateName(meta, benchmark);
  const evaluator = template ? evaluators[template] : evaluators[`rule:${rule}`];
  if (!evaluator) return unevaluated(template ? `template ${template}` : 'no template (hand-written check)');
  const platform = platformNotApplicable(facts, meta, CAC_RULES.platformPackages[benchmark]);
  if (platform)
    return {
      id: rule,
      result: 'NOT_APPLICABLE',
      message: platform.message,
      evidence: platform.evidence,
      evaluated: true,
    };
  let out: CheckOutcome;
  try {
    out = evaluator(facts, { ruleId: rule, benchmark, vars: templateVars(meta, benchmark), variables });
  } catch (err) {
    out = {
      result: 'ERROR',
      message: `${rule} failed while evaluating: ${(err as Error).message}`,
      evidence: [],
    };
  }
  const judged: Judged = {
    id: rule,
    result: out.result,
    message: out.message,
    evidence: out.evidence,
    evaluated: true,
  };
  if (out.recommendation) judged.recommendation = out.recommendation;
  return judged;
}

function highest(severities: Severity[]): Severity {
  let best: Severity = 'Informational';
  for (const s of severities) if (SEVERITY_ORDER.indexOf(s) < SEVERITY_ORDER.indexOf(best)) best = s;
  return severities.length ? best : 'Medium';
}

function joinTitles(titles: string[]): string {
  return titles.length > 3
    ? `${titles.slice(0, 3).join('; ')} and ${titles.length - 3} more`
    : titles.join('; ');
}

function controlTitle(section: string, titles: string[]): string {
  return titles.length ? `CIS ${section}: ${joinTitles(titles)}` : `CIS ${section} (manual)`;
}

export interface BenchmarkCoverage {
  benchmark: BenchmarkId;
  /** Server controls (level 1 and 2). */
  controls: number;
  /** Controls upstream automates (automated, partial, supported, with rules). */
  automated: number;
  manual: number;
  /** Distinct ComplianceAsCode rules. */
  rules: number;
  /** Rules whose template (or the rule itself) has an evaluator in this version. */
  rulesWithEvaluator: number;
  /** Automated controls every rule of which has an evaluator. */
  controlsEvaluated: number;
}

/** How much of each benchmark this version evaluates (printed in the README). */
export function cisCoverage(evaluators: EvaluatorRegistry = EVALUATORS): BenchmarkCoverage[] {
  return BENCHMARK_IDS.map((id) => {
    const has = (r: string) => {
      const meta = CAC_RULES.rules[r];
      const t = meta ? templateName(meta, id) : undefined;
      return Boolean(t ? evaluators[t] : evaluators[`rule:${r}`]);
    };
    const b = BENCHMARKS[id];
    const automated = b.controls.filter((c) => EVALUATED_STATUSES.has(c.status) && c.rules.length > 0);
    const rules = new Set(b.controls.flatMap((c) => c.rules));
    return {
      benchmark: id,
      controls: b.controls.length,
      automated: automated.length,
      manual: b.controls.filter((c) => c.status === 'manual').length,
      rules: rules.size,
      rulesWithEvaluator: [...rules].filter(has).length,
      controlsEvaluated: automated.filter((c) => c.rules.every(has)).length,
    };
  });
}
