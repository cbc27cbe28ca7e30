/** Builds a root with makeRoot, collects it with the real agent and evaluates the package on it. */
import { collectTelemetry } from '../../../../agent/collect';
import { evaluateTelemetry, type InstanceEvaluation } from '../../../../functions/core/evaluate';
import type { RuleResult } from '../../../../functions/core/model';
import type { RuleParameters } from '../../../../functions/core/rule';
import { securityBestPracticesPackage } from '../../../../functions/rules/security-best-practices';
import { makeRoot, type RootSpec } from '../../../helpers/fixture-root';
import { sbpPassingRoot } from '../../../helpers/sbp-roots';

export async function assessRoot(
  root: string,
  parameters?: Record<string, RuleParameters>,
): Promise<InstanceEvaluation> {
  const telemetry = await collectTelemetry({ root, runId: 'run-test', instanceId: 'i-test' });
  return evaluateTelemetry(telemetry, [securityBestPracticesPackage], {
    runId: 'run-test',
    createdAt: '2026-01-01T00:00:00.000Z',
    ...(parameters ? { context: { parameters } } : {}),
  });
}

export interface Variation {
  /** Files to add or replace. */
  files?: RootSpec['files'];
  /** Paths (files, dirs, symlinks, sysctl keys) to leave out of the base spec. */
  omit?: string[];
  dirs?: RootSpec['dirs'];
  symlinks?: RootSpec['symlinks'];
  sysctl?: RootSpec['sysctl'];
}

/** The all-passing root with some parts changed. */
export function variant(v: Variation, base: RootSpec = sbpPassingRoot()): RootSpec {
  const drop = <T>(rec: Record<string, T> | undefined): Record<string, T> =>
    Object.fromEntries(Object.entries(rec ?? {}).filter(([k]) => !(v.omit ?? []).includes(k)));
  return {
    files: { ...drop(base.files), ...(v.files ?? {}) },
    dirs: { ...drop(base.dirs), ...(v.dirs ?? {}) },
    symlinks: { ...drop(base.symlinks), ...(v.symlinks ?? {}) },
    sysctl: { ...drop(base.sysctl), ...(v.sysctl ?? {}) },
  };
}

/** The result of one rule on a root built from `spec` (after `prepare` ran on the root directory). */
export async function ruleResult(
  ruleId: string,
  spec: RootSpec,
  opts: { prepare?: (root: string) => void; parameters?: Record<string, RuleParameters> } = {},
): Promise<RuleResult & { recommendation?: string }> {
  const root = makeRoot(spec);
  opts.prepare?.(root);
  const ev = await assessRoot(root, opts.parameters);
  const r = ev.results.find((x) => x.ruleId === ruleId);
  if (!r) throw new Error(`no result for ${ruleId}`);
  const f = ev.findings.find((x) => x.ruleId === ruleId);
  return f ? { ...r, recommendation: f.recommendation } : r;
}
