/**
 * Evaluator test harness: a root built on disk (makeRoot), collected by the real agent, read as Facts; a
 * ComplianceAsCode rule evaluated with its template variables and the benchmark's variables from the data.
 */
import { collectTelemetry } from '../../../../../agent/collect';
import { Facts } from '../../../../../functions/core/facts/facts';
import type { CheckOutcome } from '../../../../../functions/core/rule';
import { parseTelemetry, type Telemetry } from '../../../../../functions/core/telemetry';
import {
  BENCHMARKS,
  type BenchmarkId,
  CAC_RULES,
  templateVars,
} from '../../../../../functions/rules/cis/data';
import type { Evaluator } from '../../../../../functions/rules/cis/evaluators';
import { makeRoot, type RootSpec } from '../../../../helpers/fixture-root';

export interface CollectOptions {
  /** Run the agent's file system walk (off by default: most evaluators do not read it). */
  walk?: boolean;
  /** Changes made to the root on disk before collection (ownership, modes makeRoot cannot set). */
  prepare?: (root: string) => void;
}

export async function collectRoot(spec: RootSpec, opts: CollectOptions = {}): Promise<Telemetry> {
  const root = makeRoot(spec);
  opts.prepare?.(root);
  return parseTelemetry(
    await collectTelemetry({ root, runId: 'r', instanceId: 'i', ...(opts.walk ? {} : { walk: false }) }),
  );
}

export async function factsOf(spec: RootSpec, opts: CollectOptions = {}): Promise<Facts> {
  return new Facts(await collectRoot(spec, opts));
}

/** The telemetry as a live host would have it (root `/`) with commands replaced. */
export function asLiveHost(t: Telemetry, commands: Telemetry['commands'] = {}): Facts {
  return new Facts({ ...t, root: '/', commands: { ...t.commands, ...commands } });
}

export function evaluate(
  evaluator: Evaluator,
  facts: Facts,
  ruleId: string,
  benchmark: BenchmarkId = 'debian12',
  variables: Record<string, string> = {},
): CheckOutcome {
  const meta = CAC_RULES.rules[ruleId];
  if (!meta) throw new Error(`unknown rule ${ruleId}`);
  return evaluator(facts, {
    ruleId,
    benchmark,
    vars: templateVars(meta, benchmark),
    variables: { ...BENCHMARKS[benchmark].variables, ...variables },
  });
}
