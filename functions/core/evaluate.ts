/**
 * The evaluation engine: one validated telemetry document, the chosen rules packages → every result, the
 * findings (FAIL results with their rule's metadata and a deterministic id) and the exclusions. Used as is
 * by the local CLI and by the Evaluate Lambda.
 */
import { createHash } from 'node:crypto';
import { Facts } from './facts/facts';
import { hostname, kernelRelease, osName } from './facts/host';
import { listeningServices } from './facts/listening';
import { boundExclusion, boundFinding, boundResult, boundSummary } from './finding-limits';
import {
  type Evidence,
  EXCLUSION_REASONS,
  type Exclusion,
  type ExclusionReason,
  type Finding,
  type InstanceSummary,
  type RuleResult,
} from './model';
import type { EvaluationContext, RulesPackage } from './rule';
import { NUMERIC_SEVERITY } from './severity';
import type { Telemetry } from './telemetry';

export interface InstanceEvaluation {
  instance: InstanceSummary;
  results: RuleResult[];
  findings: Finding[];
  exclusions: Exclusion[];
}

export interface EvaluateOptions {
  runId: string;
  /** Timestamp stamped on new findings (ISO 8601). */
  createdAt: string;
  context?: EvaluationContext;
  /** User attributes added to every finding (assessment template attributes). */
  attributes?: Finding['attributes'];
  /**
   * What is kept of each bounded result and finding, as it is made (default: itself). The local CLI writes
   * each to disk here and keeps a slim copy (adapters/local/record-spill.ts); an error it throws ends the
   * evaluation.
   */
  keep?: { result?: (r: RuleResult) => RuleResult; finding?: (f: Finding) => Finding };
}

export function summarizeInstance(telemetry: Telemetry): InstanceSummary {
  const facts = new Facts(telemetry);
  return describe(facts);
}

/** The host's identity; its strings, read from the host, are bounded (finding-limits.ts). */
function describe(facts: Facts): InstanceSummary {
  const s: InstanceSummary = { instanceId: facts.instanceId, agentStatus: 'HEALTHY' };
  const h = hostname(facts);
  if (h) s.hostname = h;
  const os = osName(facts);
  if (os) s.os = os;
  const k = kernelRelease(facts);
  if (k) s.kernelRelease = k;
  if (facts.arch) s.arch = facts.arch;
  const listeners = listeningServices(facts.telemetry);
  if (listeners) s.listeners = listeners;
  return boundSummary(s);
}

/**
 * Every result, finding and exclusion it returns is bounded (finding-limits.ts), whatever package made it:
 * a finding stays under FINDING_LIMITS.maxFindingBytes as a DynamoDB item, and says what was cut.
 */
export async function evaluateTelemetry(
  telemetry: Telemetry,
  packages: readonly RulesPackage[],
  opts: EvaluateOptions,
): Promise<InstanceEvaluation> {
  const facts = new Facts(telemetry);
  const instance = describe(facts);
  const results: RuleResult[] = [];
  const findings: Finding[] = [];
  const exclusions: Exclusion[] = [];
  const keepResult = opts.keep?.result ?? ((r: RuleResult) => r);
  const keepFinding = opts.keep?.finding ?? ((f: Finding) => f);
  for (const pkg of packages) {
    const excluded = (err: unknown) =>
      exclusions.push(
        boundExclusion({
          instanceId: facts.instanceId,
          scope: pkg.id,
          reason: exclusionReasonOf(err),
          message: `rules package ${pkg.id} could not be evaluated: ${(err as Error).message}`,
        }),
      );
    // A package's results are bounded and kept one at a time, as it makes them (evaluateEach) or as its array
    // hands them over (each slot released once bounded): the run's records are never all held twice.
    let each: Iterable<RuleResult>;
    let next: Iterator<RuleResult>;
    try {
      each = pkg.evaluateEach
        ? await pkg.evaluateEach(facts, opts.context ?? {})
        : await pkg.evaluate(facts, opts.context ?? {});
      next = each[Symbol.iterator]();
    } catch (err) {
      excluded(err);
      continue;
    }
    const list =
      Array.isArray(each) && !Object.isFrozen(each) ? (each as Array<RuleResult | undefined>) : undefined;
    const [resultCount, findingCount] = [results.length, findings.length];
    for (let i = 0; ; i++) {
      let step: IteratorResult<RuleResult>;
      try {
        step = next.next();
      } catch (err) {
        // A package that fails part way keeps nothing, as when `evaluate` throws.
        results.length = resultCount;
        findings.length = findingCount;
        excluded(err);
        break;
      }
      if (step.done) break;
      const r = step.value;
      if (list) list[i] = undefined;
      const { identity: _identity, ...stored } = r;
      results.push(keepResult(boundResult(stored)));
      if (r.result === 'FAIL') findings.push(keepFinding(toFinding(r, pkg, instance, opts)));
    }
  }
  return { instance, results, findings, exclusions };
}

/** A package may raise an error naming its exclusion reason (cis: UNSUPPORTED_OS); otherwise EVALUATION_ERROR. */
function exclusionReasonOf(err: unknown): ExclusionReason {
  const r = (err as { exclusionReason?: unknown } | null)?.exclusionReason;
  return typeof r === 'string' && (EXCLUSION_REASONS as readonly string[]).includes(r)
    ? (r as ExclusionReason)
    : 'EVALUATION_ERROR';
}

/**
 * The finding of a FAIL result, bounded. Its id is computed from the whole evidence, before bounding: ids
 * stay what they were, and two findings whose evidence differs only past the cut keep different ids.
 */
export function toFinding(
  r: RuleResult,
  pkg: Pick<RulesPackage, 'rules'>,
  instance: InstanceSummary,
  opts: EvaluateOptions,
): Finding {
  const rule = pkg.rules.find((x) => x.id === r.ruleId);
  const f = r.finding ?? {};
  const finding: Finding = {
    id: findingId(r.instanceId, r.ruleId, r.identity ?? r.evidence),
    runId: opts.runId,
    instanceId: r.instanceId,
    rulesPackage: r.rulesPackage,
    ruleId: r.ruleId,
    title: f.title ?? r.title,
    description: f.description ?? rule?.description ?? r.message,
    recommendation: f.recommendation ?? rule?.recommendation ?? '',
    severity: r.severity,
    numericSeverity: f.numericSeverity ?? NUMERIC_SEVERITY[r.severity],
    attributes: [...(f.attributes ?? []), ...(opts.attributes ?? [])],
    evidence: r.evidence,
    createdAt: opts.createdAt,
  };
  if (instance.hostname) finding.hostname = instance.hostname;
  if (f.vulnerability) finding.vulnerability = f.vulnerability;
  return boundFinding(finding, { userAttributes: opts.attributes?.length ?? 0 });
}

/** Same host, rule and evidence (or the result's stable identity) → same id, whatever the run. */
export function findingId(
  instanceId: string,
  ruleId: string,
  evidence: readonly Evidence[] | readonly string[],
): string {
  const h = createHash('sha256');
  h.update(`${instanceId}\n${ruleId}\n`);
  // canonicalJson(evidence), fed entry by entry: the same bytes without building one string of them all
  // (the evidence of a hostile host can hold hundreds of MB, past the longest string V8 can make).
  h.update('[');
  for (let i = 0; i < evidence.length; i++) {
    if (i > 0) h.update(',');
    h.update(canonicalJson(evidence[i]) ?? ''); // as join() writes a missing entry
  }
  h.update(']');
  return `f-${h.digest('hex').slice(0, 32)}`;
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
