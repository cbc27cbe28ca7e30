/**
 * Run-to-run diff: the findings of a run against those of the previous completed run of the same template (in
 * the cloud) or of the same assessed root (locally), matched by the deterministic finding id (same host, rule and
 * evidence give the same id, core/evaluate.ts).
 *
 * - NEW: in this run, not in the previous one.
 * - PERSISTING: in both.
 * - RESOLVED: in the previous run only, on an instance and rules package this run assessed.
 * - NOT_REASSESSED: in the previous run only, but its instance (or its rules package on that instance) was not
 *   assessed this time (excluded, out of the target, package not run): not called resolved, since nobody looked.
 */
import type { Finding } from '../core/model';
import type { AssessmentOutput, RunRecord } from '../core/run';
import { compareStrings } from './model';

export const CHANGE_STATUSES = ['NEW', 'PERSISTING', 'RESOLVED'] as const;
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];

export interface RunRef {
  runId: string;
  name: string;
  createdAt: string;
  completedAt?: string;
}

export interface RunDiff {
  /** The run compared with; undefined when there is no earlier completed run (every finding is then NEW). */
  baseRun?: RunRef;
  new: Finding[];
  persisting: Finding[];
  resolved: Finding[];
  notReassessed: Finding[];
  /** Persisting findings a waiver suppressed in the base run and no longer does (it expired or was deleted). */
  waiverEnded: Finding[];
  /** Persisting findings a waiver suppresses now and did not in the base run. */
  waived: Finding[];
}

/** How a persisting finding's waiver changed since the base run. */
export type WaiverChange = 'ENDED' | 'STARTED';

/** Runs whose findings can serve as a baseline. */
const BASELINE_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'COMPLETED_WITH_ERRORS']);

/**
 * The previous completed run of the same template (runs with a templateId), else of the same local root (same
 * run name, which names the root: "local assessment of /path"), created before `current`.
 */
export function previousRun(current: RunRecord, runs: readonly RunRecord[]): RunRecord | undefined {
  const same = (r: RunRecord) =>
    current.templateId !== undefined
      ? r.templateId === current.templateId
      : r.templateId === undefined && r.mode === current.mode && r.name === current.name;
  return runs
    .filter(
      (r) =>
        r.runId !== current.runId &&
        BASELINE_STATES.has(r.state) &&
        same(r) &&
        (r.createdAt < current.createdAt || (r.createdAt === current.createdAt && r.runId < current.runId)),
    )
    .sort((a, b) => compareStrings(b.createdAt, a.createdAt) || compareStrings(b.runId, a.runId))[0];
}

function assessedScopes(output: AssessmentOutput): { instances: Set<string>; excluded: Set<string> } {
  const instances = new Set<string>();
  // An instance counts as assessed when any rule produced a result on it.
  for (const r of output.results) instances.add(r.instanceId);
  const excluded = new Set<string>();
  for (const x of output.exclusions) {
    if (!x.scope) instances.delete(x.instanceId);
    else excluded.add(`${x.instanceId}\u0000${x.scope}`);
  }
  return { instances, excluded };
}

const order = (a: Finding, b: Finding) =>
  b.numericSeverity - a.numericSeverity ||
  compareStrings(a.instanceId, b.instanceId) ||
  compareStrings(a.ruleId, b.ruleId) ||
  compareStrings(a.id, b.id);

/**
 * What a diff needs of the base run: its record and its findings, where a finding the current run also has may
 * be only its id and waiver (the rest is the current finding's); the local store reads it so
 * (LocalRunStore.getBaseline), without the base run's results. An AssessmentOutput is one.
 */
export interface Baseline {
  run: RunRecord;
  findings: ReadonlyArray<Finding | Pick<Finding, 'id' | 'suppression'>>;
}

const isWhole = (f: Finding | Pick<Finding, 'id' | 'suppression'>): f is Finding => 'ruleId' in f;

/** Compares `current` with `previous` (undefined: no baseline, every finding is NEW). */
export function diffRuns(current: AssessmentOutput, previous: Baseline | undefined): RunDiff {
  const prevById = new Map((previous?.findings ?? []).map((f) => [f.id, f]));
  const currIds = new Set(current.findings.map((f) => f.id));
  const diff: RunDiff = {
    new: [],
    persisting: [],
    resolved: [],
    notReassessed: [],
    waiverEnded: [],
    waived: [],
  };
  for (const f of current.findings) {
    const before = prevById.get(f.id);
    if (!before) {
      diff.new.push(f);
      continue;
    }
    diff.persisting.push(f);
    if (before.suppression && !f.suppression) diff.waiverEnded.push(f);
    if (!before.suppression && f.suppression) diff.waived.push(f);
  }
  if (previous) {
    diff.baseRun = {
      runId: previous.run.runId,
      name: previous.run.name,
      createdAt: previous.run.createdAt,
      ...(previous.run.completedAt ? { completedAt: previous.run.completedAt } : {}),
    };
    const scopes = assessedScopes(current);
    const packagesRun = new Set(current.run.rulesPackages);
    const evaluated = new Set(current.results.map((r) => `${r.instanceId}\u0000${r.rulesPackage}`));
    for (const f of previous.findings) {
      if (currIds.has(f.id) || !isWhole(f)) continue;
      const looked =
        scopes.instances.has(f.instanceId) &&
        packagesRun.has(f.rulesPackage) &&
        !scopes.excluded.has(`${f.instanceId}\u0000${f.rulesPackage}`) &&
        evaluated.has(`${f.instanceId}\u0000${f.rulesPackage}`);
      (looked ? diff.resolved : diff.notReassessed).push(f);
    }
  }
  diff.new.sort(order);
  diff.persisting.sort(order);
  diff.resolved.sort(order);
  diff.notReassessed.sort(order);
  diff.waiverEnded.sort(order);
  diff.waived.sort(order);
  return diff;
}

/** Each finding of a diff with its status, for listings (`inspector findings --diff`). */
export function diffEntries(
  diff: RunDiff,
): Array<{ status: ChangeStatus | 'NOT_REASSESSED'; finding: Finding; waiver?: WaiverChange }> {
  const ended = new Set(diff.waiverEnded.map((f) => f.id));
  const started = new Set(diff.waived.map((f) => f.id));
  const waiverOf = (f: Finding): { waiver?: WaiverChange } =>
    ended.has(f.id) ? { waiver: 'ENDED' } : started.has(f.id) ? { waiver: 'STARTED' } : {};
  return [
    ...diff.new.map((finding) => ({ status: 'NEW' as const, finding })),
    ...diff.persisting.map((finding) => ({ status: 'PERSISTING' as const, finding, ...waiverOf(finding) })),
    ...diff.resolved.map((finding) => ({ status: 'RESOLVED' as const, finding })),
    ...diff.notReassessed.map((finding) => ({ status: 'NOT_REASSESSED' as const, finding })),
  ];
}
