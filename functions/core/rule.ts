/**
 * A rule is metadata plus a pure check over facts. A rules package is a versioned list of rules (or, for
 * packages whose results are data-driven such as `cve`, an `evaluate` function).
 */
import type { Fact, Facts } from './facts/facts';
import type { Evidence, ResultStatus, RuleResult } from './model';
import type { Severity } from './severity';

export type RuleParameters = Record<string, number | string | boolean>;

export interface CheckOutcome {
  result: ResultStatus;
  message: string;
  evidence: Evidence[];
  /** What exactly to change on this host (a FAIL finding shows it instead of the rule's generic text). */
  recommendation?: string;
}

export interface Rule<P extends RuleParameters = RuleParameters> {
  /** Stable, prefixed by the package (sbp.ssh-root-login). */
  id: string;
  /** What the rule checks, phrased as the desired state ("SSH root login is disabled"). */
  title: string;
  /** The title of a finding, phrased as the problem found ("SSH root login is permitted"); default: title. */
  findingTitle?: string;
  description: string;
  recommendation: string;
  severity: Severity;
  /** Kernel names the rule applies to (lower case), e.g. ['linux']. */
  platforms: readonly string[];
  /** Thresholds and switches with their defaults; callers may override them by name. */
  parameters: P;
  check(facts: Facts, params: P): CheckOutcome;
}

export interface EvaluationContext {
  /** Parameter overrides by rule id. */
  parameters?: Record<string, RuleParameters>;
  /** Rules package `cis`: the profile and its tailoring. */
  cis?: CisContext;
}

export const CIS_PROFILES = ['level1-server', 'level2-server'] as const;
export type CisProfile = (typeof CIS_PROFILES)[number];

export interface CisContext {
  /** Default level1-server. */
  profile: CisProfile;
  /** Controls not evaluated (section ids such as 1.1.1.1, or rule ids such as cis.ubuntu2204.1.1.1.1). */
  skip?: string[];
  /** ComplianceAsCode variable overrides, e.g. { var_password_pam_minlen: '16' }. */
  variables?: Record<string, string>;
}

export interface RulesPackage {
  id: string;
  name: string;
  version: string;
  description: string;
  /** Every result for one instance; must not throw for bad facts (return ERROR results instead). */
  evaluate(facts: Facts, ctx: EvaluationContext): RuleResult[] | Promise<RuleResult[]>;
  /**
   * The same results as `evaluate`, made one at a time as they are read (a package of thousands of results:
   * cve), so that the engine bounds and keeps each before the next is made. Optional: the engine uses it when
   * present, else `evaluate`. A package wrapping another (`{ ...inner, evaluate }`) must wrap it too, or leave it
   * out: otherwise the engine would run the inner package's unwrapped.
   */
  evaluateEach?(facts: Facts, ctx: EvaluationContext): Promise<Iterable<RuleResult>>;
  /** The rules it holds, for listings (data-driven packages may list a representative rule). */
  rules: ReadonlyArray<Pick<Rule, 'id' | 'title' | 'severity' | 'description' | 'recommendation'>>;
}

export const pass = (message: string, evidence: Evidence[] = []): CheckOutcome => ({
  result: 'PASS',
  message,
  evidence,
});
export const fail = (message: string, evidence: Evidence[] = []): CheckOutcome => ({
  result: 'FAIL',
  message,
  evidence,
});
export const notApplicable = (message: string, evidence: Evidence[] = []): CheckOutcome => ({
  result: 'NOT_APPLICABLE',
  message,
  evidence,
});
export const error = (message: string, evidence: Evidence[] = []): CheckOutcome => ({
  result: 'ERROR',
  message,
  evidence,
});

/** ERROR with the reason when a fact could not be established (a missing input never passes). */
export function requireFact<T>(
  f: Fact<T>,
  what: string,
): { ok: true; value: T } | { ok: false; outcome: CheckOutcome } {
  if (f.ok) return f;
  return { ok: false, outcome: error(`${what} could not be evaluated: ${f.reason}`) };
}

/**
 * A package made of static rules: every rule runs on every instance; a rule for another platform is
 * NOT_APPLICABLE; a check that throws becomes ERROR with the exception's message.
 */
export function staticRulesPackage(
  meta: Omit<RulesPackage, 'evaluate' | 'rules'>,
  rules: readonly Rule[],
  opts: {
    /**
     * What makes a FAIL the same finding from run to run, when its evidence also holds what changes every
     * run (pids, times, sample counts): the finding id is computed from this instead of the evidence.
     */
    findingIdentity?: (evidence: readonly Evidence[]) => string[];
  } = {},
): RulesPackage {
  return {
    ...meta,
    rules,
    evaluate(facts, ctx) {
      const kernel = facts.telemetry.host.kernelName.toLowerCase();
      return rules.map((rule): RuleResult => {
        let outcome: CheckOutcome;
        if (!rule.platforms.includes(kernel)) {
          outcome = notApplicable(
            `${rule.id} applies to ${rule.platforms.join(', ')}; this host runs ${facts.telemetry.host.kernelName}`,
          );
        } else {
          const params = { ...rule.parameters, ...(ctx.parameters?.[rule.id] ?? {}) };
          try {
            outcome = rule.check(facts, params);
          } catch (err) {
            outcome = error(`${rule.id} failed while evaluating: ${(err as Error).message}`);
          }
        }
        return {
          rulesPackage: meta.id,
          ruleId: rule.id,
          instanceId: facts.instanceId,
          result: outcome.result,
          severity: rule.severity,
          title: rule.title,
          message: outcome.message,
          evidence: outcome.evidence,
          ...(outcome.result === 'FAIL' && opts.findingIdentity
            ? { identity: opts.findingIdentity(outcome.evidence) }
            : {}),
          ...(outcome.result === 'FAIL'
            ? {
                finding: {
                  title: rule.findingTitle ?? rule.title,
                  ...(outcome.recommendation ? { recommendation: outcome.recommendation } : {}),
                },
              }
            : {}),
        };
      });
    },
  };
}
