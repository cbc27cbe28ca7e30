/**
 * Classic's GetAssessmentReport for runs of the deployed stack. The operation answers at once:
 * `WORK_IN_PROGRESS` (a render was started, or is under way), `COMPLETED` with a pre-signed URL of the report
 * (valid REPORT_URL_SECONDS), or `FAILED` with the reason. The render is an asynchronous job (the reports
 * function invoking itself, as exclusions previews do) that builds the report model from the stored run
 * (run record, instance items, findings, every instance's results object, exclusions), renders HTML or PDF,
 * writes reports/<runId>/<type>.<ext> and records the outcome.
 *
 * One status item per run, report type and format (the cache): a second request for a COMPLETED report
 * whose object is still there, rendered with the same waivers, is answered with a fresh URL and nothing is
 * rendered again. Waivers: the report marks the run's findings with the suppression rules in force when it
 * is rendered (suppressed ones counted apart, as the local report does), and the baseline's findings as they
 * were stored at its evaluation (so the changes show a waiver that ended or started); the item records
 * which waivers the render applied (waiverFingerprint), and a request when a rule that can apply to the run
 * was created, deleted or has expired since renders again. A render is started
 * again when there is no item, when the object has gone (the bucket's expiry rule), when a render has been in
 * progress longer than REPORT_STALE_MS (its job was lost), or when a failure is older than
 * REPORT_RETRY_AFTER_MS. Every start writes a new token, conditional on the token it replaced, so two callers
 * never both start one; a job whose token is no longer current does nothing, so a retried job is harmless.
 */
import * as z from 'zod';
import { previousRun } from '../../report/diff';
import type { Exclusion, Finding, InstanceSummary, RuleResult } from '../model';
import type { AssessmentOutput, RunRecord } from '../run';
import { instanceTagsFor } from '../suppression-tags';
import {
  applySuppressions,
  rulesInForce,
  type SuppressionRule,
  tagCriteria,
  waiverFingerprint,
} from '../suppressions';
import { idSchema, readAll } from './common';
import { ControlPlaneError, noSuchEntity, parseInput } from './errors';
import type { ControlPlaneDeps, RunView, StoredInstance } from './ports';

export const REPORT_TYPES = ['FINDING', 'FULL'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];
export const REPORT_FORMATS = ['HTML', 'PDF'] as const;
export type ReportFileFormat = (typeof REPORT_FORMATS)[number];
export type ReportStatus = 'WORK_IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** Lifetime of the pre-signed URL (Classic's was short too). */
export const REPORT_URL_SECONDS = 15 * 60;
/** A render not finished after this is taken as lost (the function's timeout is 5 minutes). */
export const REPORT_STALE_MS = 15 * 60 * 1000;
/** A failed render is reported as FAILED for this long; a request after it renders again. */
export const REPORT_RETRY_AFTER_MS = 5 * 60 * 1000;
/** Runs whose reports may be asked for (Classic: only a completed run has a report). */
const REPORTABLE_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED']);

export const getAssessmentReportSchema = z.strictObject({
  assessmentRunId: idSchema,
  reportFileFormat: z.enum(REPORT_FORMATS),
  reportType: z.enum(REPORT_TYPES),
});

/** One report's status item (runs table, in the run's partition: deleting the run deletes it). */
export interface ReportRecord {
  runId: string;
  reportType: ReportType;
  format: ReportFileFormat;
  status: ReportStatus;
  /** Written by the start that claimed this render; the job finishes only its own token. */
  token: string;
  requestedAt: string;
  completedAt?: string;
  /** Object key (COMPLETED). */
  key?: string;
  bytes?: number;
  failure?: string;
  /** The waivers the render applied (core/suppressions.ts waiverFingerprint); absent: none (older items). */
  waivers?: string;
}

export interface ReportJob {
  runId: string;
  reportType: ReportType;
  format: ReportFileFormat;
  token: string;
}

export interface ReportStatusStore {
  get(runId: string, reportType: ReportType, format: ReportFileFormat): Promise<ReportRecord | undefined>;
  /** Writes a WORK_IN_PROGRESS record if the current one still has `expectedToken` (none: no record). */
  claim(record: ReportRecord, expectedToken: string | undefined): Promise<boolean>;
  /** Sets the outcome if the record still has the job's token; false otherwise. */
  finish(
    job: ReportJob,
    outcome:
      | { status: 'COMPLETED'; key: string; bytes: number; at: string; waivers: string }
      | { status: 'FAILED'; failure: string; at: string },
  ): Promise<boolean>;
}

export interface ReportObjects {
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** A pre-signed GET URL valid `expiresInSeconds`, downloading as `fileName`. */
  url(key: string, expiresInSeconds: number, fileName: string): Promise<string>;
}

export interface ReportJobs {
  start(job: ReportJob): Promise<void>;
}

/** Renders the assessment output to bytes (report/html.ts, report/pdf.ts: loaded by the reports function). */
export type ReportRenderer = (
  output: AssessmentOutput,
  options: {
    kind: 'findings' | 'full';
    format: ReportFileFormat;
    generatedAt: string;
    baseline?: AssessmentOutput;
  },
) => Promise<Uint8Array>;

/** Every instance's stored results (ports/results-store.ts), read by the report job. */
export interface RunResultsReader {
  get(
    runId: string,
    instanceId: string,
  ): Promise<{ instance: InstanceSummary; results: RuleResult[] } | undefined>;
}

export interface AssessmentReportDeps {
  status: ReportStatusStore;
  objects: ReportObjects;
  jobs: ReportJobs;
  results: RunResultsReader;
  render: ReportRenderer;
}

export interface AssessmentReportAnswer {
  status: ReportStatus;
  url?: string;
  /** When the URL stops working. */
  expiresAt?: string;
  failure?: string;
}

export function reportKey(runId: string, reportType: ReportType, format: ReportFileFormat): string {
  return `reports/${runId}/${reportType.toLowerCase()}.${format.toLowerCase()}`;
}

function reportDeps(deps: ControlPlaneDeps): AssessmentReportDeps {
  if (!deps.reports) {
    throw new ControlPlaneError('InternalException', 'assessment reports are served by the reports function');
  }
  return deps.reports;
}

export async function getAssessmentReport(
  deps: ControlPlaneDeps,
  raw: unknown,
): Promise<AssessmentReportAnswer> {
  const input = parseInput(getAssessmentReportSchema, raw, 'get-assessment-report');
  const reports = reportDeps(deps);
  const { assessmentRunId: runId, reportType, reportFileFormat: format } = input;
  const run = await deps.runs.get(runId);
  if (!run) throw noSuchEntity(`assessment run ${runId} does not exist`);
  if (!REPORTABLE_STATES.has(run.state)) {
    throw new ControlPlaneError(
      'AssessmentRunInProgressException',
      `assessment run ${runId} is ${run.state}: its report can be generated when it has ended`,
    );
  }
  const now = deps.now();
  const current = await reports.status.get(runId, reportType, format);
  if (
    current?.status === 'COMPLETED' &&
    current.key &&
    (current.waivers ?? NO_WAIVERS) === waiverFingerprint(await waiverRules(deps), now, run.rulesPackages) &&
    (await reports.objects.exists(current.key))
  ) {
    const fileName = `${runId}-${reportType.toLowerCase()}.${format.toLowerCase()}`;
    return {
      status: 'COMPLETED',
      url: await reports.objects.url(current.key, REPORT_URL_SECONDS, fileName),
      expiresAt: new Date(now.getTime() + REPORT_URL_SECONDS * 1000).toISOString(),
    };
  }
  if (
    current?.status === 'WORK_IN_PROGRESS' &&
    now.getTime() - Date.parse(current.requestedAt) < REPORT_STALE_MS
  ) {
    return { status: 'WORK_IN_PROGRESS' };
  }
  if (
    current?.status === 'FAILED' &&
    now.getTime() - Date.parse(current.completedAt ?? current.requestedAt) < REPORT_RETRY_AFTER_MS
  ) {
    return { status: 'FAILED', ...(current.failure ? { failure: current.failure } : {}) };
  }
  const job: ReportJob = { runId, reportType, format, token: deps.newId('report') };
  const claimed = await reports.status.claim(
    { ...job, status: 'WORK_IN_PROGRESS', requestedAt: now.toISOString() },
    current?.token,
  );
  // Another request started it between our read and write: it is in progress.
  if (!claimed) return { status: 'WORK_IN_PROGRESS' };
  try {
    await reports.jobs.start(job);
  } catch (err) {
    // Not left in progress for REPORT_STALE_MS: the next request (after the retry delay) starts it again.
    const failure = `the report could not be started: ${err instanceof Error ? err.message : String(err)}`;
    await reports.status.finish(job, { status: 'FAILED', failure, at: now.toISOString() });
    return { status: 'FAILED', failure };
  }
  return { status: 'WORK_IN_PROGRESS' };
}

const NO_WAIVERS = waiverFingerprint([], new Date(0), []);

/** Every suppression rule (none when this function has no rules store). */
async function waiverRules(deps: ControlPlaneDeps): Promise<SuppressionRule[]> {
  return deps.suppressions ? deps.suppressions.list() : [];
}

/**
 * The run's findings marked with the waivers in force at `now` (tag rules on the tags recorded at the run's
 * start, or for an instance without them, its current EC2 tags), and the fingerprint of those waivers.
 */
async function markWithWaivers(
  deps: ControlPlaneDeps,
  run: RunView,
  findings: Finding[],
  now: Date,
): Promise<{ findings: Finding[]; waivers: string }> {
  const all = await waiverRules(deps);
  const rules = rulesInForce(all, now);
  const tags =
    tagCriteria(rules).length > 0
      ? await instanceTagsFor(rules, await deps.runs.instanceSummaries(run.runId), deps.fleet)
      : undefined;
  return {
    findings: applySuppressions(findings, rules, now, tags),
    waivers: waiverFingerprint(all, now, run.rulesPackages),
  };
}

function instanceSummary(i: StoredInstance): InstanceSummary {
  return {
    instanceId: i.instanceId,
    agentStatus: i.agentHealth,
    ...(i.hostname ? { hostname: i.hostname } : {}),
    ...(i.os ? { os: i.os } : {}),
    ...(i.listeners ? { listeners: i.listeners } : {}),
  };
}

/**
 * The stored run as the report model reads it. Results come from each evaluated instance's results object;
 * an evaluated instance without one (too large to keep, or evaluated before results were kept) is named in
 * the exclusions, so a full report never passes over it silently.
 */
export async function loadAssessmentOutput(
  deps: ControlPlaneDeps,
  results: RunResultsReader,
  run: RunView,
): Promise<AssessmentOutput> {
  const stored = await deps.runs.instanceSummaries(run.runId);
  const findings: Finding[] = await readAll((page) => deps.findings.list({ runIds: [run.runId] }, page));
  const instances: InstanceSummary[] = [];
  const ruleResults: RuleResult[] = [];
  const exclusions: Exclusion[] = [];
  for (const i of stored) {
    exclusions.push(...(i.exclusions ?? []));
    const kept = i.evaluation === 'EVALUATED' ? await results.get(run.runId, i.instanceId) : undefined;
    if (kept) {
      instances.push({ ...instanceSummary(i), ...kept.instance, agentStatus: i.agentHealth });
      ruleResults.push(...kept.results);
    } else {
      instances.push(instanceSummary(i));
      if (i.evaluation === 'EVALUATED') {
        exclusions.push({
          instanceId: i.instanceId,
          reason: 'EVALUATION_ERROR',
          message:
            i.resultsStored === false
              ? 'evaluated, but its rule results were too large to keep: the report lists its findings only'
              : 'evaluated, but its rule results were not found: the report lists its findings only',
        });
      }
    }
  }
  const record: RunRecord = {
    runId: run.runId,
    name: run.name,
    ...(run.templateId ? { templateId: run.templateId } : {}),
    state: run.state,
    stateHistory: run.stateHistory,
    createdAt: run.createdAt,
    ...(run.startedAt ? { startedAt: run.startedAt } : {}),
    ...(run.completedAt ? { completedAt: run.completedAt } : {}),
    durationSeconds: run.durationSeconds,
    rulesPackages: run.rulesPackages,
    findingCounts: run.findingCounts,
    ...(run.suppressedFindingCounts ? { suppressedFindingCounts: run.suppressedFindingCounts } : {}),
    mode: 'aws',
    ...(run.ruleParameters ? { ruleParameters: run.ruleParameters } : {}),
    ...(run.cis ? { cis: run.cis } : {}),
  };
  return { run: record, instances, results: ruleResults, findings, exclusions };
}

/**
 * The previous completed run of the same template, as the diff's baseline: its run record and findings are
 * what the diff reads (report/diff.ts).
 */
async function baselineOf(deps: ControlPlaneDeps, run: RunView): Promise<AssessmentOutput | undefined> {
  if (!run.templateId) return undefined;
  const runs = await readAll((page) =>
    deps.runs.list({ templateId: run.templateId, states: ['COMPLETED', 'COMPLETED_WITH_ERRORS'] }, page),
  );
  const prev = previousRun(run, runs);
  if (!prev) return undefined;
  const findings = await readAll((page) => deps.findings.list({ runIds: [prev.runId] }, page));
  return { run: prev, instances: [], results: [], findings, exclusions: [] };
}

/**
 * The asynchronous render. Failures of the render itself (or of reading the run's data) end FAILED with
 * the reason; a failure to record the outcome throws (Lambda retries the asynchronous event).
 */
export async function generateAssessmentReport(
  deps: ControlPlaneDeps,
  job: ReportJob,
): Promise<ReportStatus | 'SUPERSEDED'> {
  const reports = reportDeps(deps);
  const current = await reports.status.get(job.runId, job.reportType, job.format);
  if (!current || current.token !== job.token || current.status !== 'WORK_IN_PROGRESS') return 'SUPERSEDED';
  const key = reportKey(job.runId, job.reportType, job.format);
  let bytes: Uint8Array;
  let waivers = NO_WAIVERS;
  try {
    const run = await deps.runs.get(job.runId);
    if (!run) throw new Error(`assessment run ${job.runId} no longer exists`);
    const output = await loadAssessmentOutput(deps, reports.results, run);
    const now = deps.now();
    const marked = await markWithWaivers(deps, run, output.findings, now);
    output.findings = marked.findings;
    waivers = marked.waivers;
    const baseline = await baselineOf(deps, run);
    bytes = await reports.render(output, {
      kind: job.reportType === 'FULL' ? 'full' : 'findings',
      format: job.format,
      generatedAt: now.toISOString(),
      ...(baseline ? { baseline } : {}),
    });
  } catch (err) {
    const failure = `the report could not be rendered: ${err instanceof Error ? err.message : String(err)}`;
    await reports.status.finish(job, { status: 'FAILED', failure, at: deps.now().toISOString() });
    return 'FAILED';
  }
  await reports.objects.put(
    key,
    bytes,
    job.format === 'PDF' ? 'application/pdf' : 'text/html; charset=utf-8',
  );
  const done = await reports.status.finish(job, {
    status: 'COMPLETED',
    key,
    bytes: bytes.byteLength,
    at: deps.now().toISOString(),
    waivers,
  });
  return done ? 'COMPLETED' : 'SUPERSEDED';
}
