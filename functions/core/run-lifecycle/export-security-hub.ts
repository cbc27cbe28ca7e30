/**
 * ExportToSecurityHub (the stack's opt-in `-c inspector:securityHubExport=true`): after FinalizeRun, a
 * completed run's findings go to Security Hub as ASFF (exports/asff.ts) through BatchImportFindings
 * (exports/security-hub-import.ts: 100 findings and 6 MB a call, 240 KB a finding, retries), and the
 * findings of the previous completed run of the same template that this run no longer reports are sent
 * again ARCHIVED, so Security Hub retires them. ASFF Ids are run-scoped (`<runId>/<findingId>`, asff.ts), so
 * the previous run's copy of a finding this run reports again is archived as well (superseded): Security Hub
 * then lists each finding once, under the latest run.
 *
 * The findings are read a page at a time (a run may hold hundreds of thousands): each page is converted and
 * sent before the next is read; only the keys of this run's findings are kept, to tell which earlier
 * findings are gone. An earlier finding is archived only when this run assessed what produced it: its
 * instance was EVALUATED in this run and has no exclusion for the finding's rules package (an instance
 * whose agent did not answer this time keeps its findings active).
 *
 * Never fails the run: the run is already COMPLETED. What could not be imported (after the sender's
 * retries) is recorded on the run (`securityHubExport`), logged and counted (metric
 * SecurityHubExportFailures); the state's catch (recordSecurityHubFailure) does the same for an error of
 * the export itself (a table read, the Lambda's time).
 */
import { type AsffContext, runToAsff, toAsff } from '../../exports/asff';
import {
  type BatchImportTransport,
  type ImportOutcome,
  importFindings,
} from '../../exports/security-hub-import';
import type { Finding } from '../model';
import type { RunState } from '../run';
import type { LifecycleLog, LifecycleMetrics } from './deps';
import type { RunInstance, StoredRun } from './model';

/** Run states whose findings are exported, and whose findings a later run archives. */
export const EXPORTED_RUN_STATES: readonly RunState[] = ['COMPLETED', 'COMPLETED_WITH_ERRORS'];

/** Failed findings kept on the run record (the count is always whole). */
export const RECORDED_FAILURES = 20;

export interface SecurityHubExportRecord {
  status: 'EXPORTED' | 'PARTIAL' | 'FAILED';
  at: string;
  imported: number;
  /** The previous run's findings this run no longer reports, sent ARCHIVED. */
  archived: number;
  /** The previous run's copies of findings this run reports again, sent ARCHIVED (this run's copy is ACTIVE). */
  superseded: number;
  failedCount: number;
  /** The first RECORDED_FAILURES failures (finding Id and reason). */
  failures: Array<{ id: string; reason: string }>;
  previousRunId?: string;
  /** The export's own error (the state's catch). */
  error?: string;
}

export interface SecurityHubExportDeps {
  runs: {
    getRun(runId: string): Promise<StoredRun | undefined>;
    listInstances(runId: string): Promise<RunInstance[]>;
  };
  /** The run's findings, one page (a DynamoDB Query page) at a time. */
  findingPages(runId: string): AsyncIterable<Finding[]>;
  /** The newest run of the template created before `createdAt`, other than `runId`, in EXPORTED_RUN_STATES. */
  previousExportedRun(templateId: string, createdAt: string, runId: string): Promise<string | undefined>;
  /** Writes the outcome on the run record. */
  recordExport(runId: string, record: SecurityHubExportRecord): Promise<void>;
  transport: BatchImportTransport;
  asff: Omit<AsffContext, 'now'>;
  now(): Date;
  log: LifecycleLog;
  metrics: LifecycleMetrics;
  /** The sender's backoff (tests: none). */
  delay?: (attempt: number) => Promise<void>;
}

export interface SecurityHubExportInput {
  runId: string;
  failure?: { Error?: string; Cause?: string };
}

export interface SecurityHubExportResult {
  runId: string;
  status: SecurityHubExportRecord['status'] | 'SKIPPED';
  imported: number;
  archived: number;
  failed: number;
}

const key = (f: Pick<Finding, 'instanceId' | 'id'>) => `${f.instanceId}\u0000${f.id}`;

export async function exportToSecurityHub(
  deps: SecurityHubExportDeps,
  { runId }: SecurityHubExportInput,
): Promise<SecurityHubExportResult> {
  const run = await deps.runs.getRun(runId);
  if (!run || !EXPORTED_RUN_STATES.includes(run.state)) {
    deps.log.info('Security Hub export skipped: the run did not complete', { runId, state: run?.state });
    return { runId, status: 'SKIPPED', imported: 0, archived: 0, failed: 0 };
  }
  const now = deps.now();
  const ctx: AsffContext = { ...deps.asff, now };
  const total: ImportOutcome = { imported: 0, failed: [], calls: 0 };
  const add = (o: ImportOutcome) => {
    total.imported += o.imported;
    total.failed.push(...o.failed);
    total.calls += o.calls;
  };
  const send = async (findings: Parameters<typeof importFindings>[1]) =>
    findings.length === 0
      ? { imported: 0, failed: [], calls: 0 }
      : importFindings(deps.transport, findings, deps.delay ? { delay: deps.delay } : {});

  const current = new Set<string>();
  for await (const page of deps.findingPages(runId)) {
    for (const f of page) current.add(key(f));
    add(await send(runToAsff(page, ctx)));
  }

  // What this run assessed: an evaluated instance, for the packages it has no exclusion of.
  const instances = new Map((await deps.runs.listInstances(runId)).map((i) => [i.instanceId, i]));
  const assessed = (f: Finding) => {
    const i = instances.get(f.instanceId);
    if (i?.evaluation !== 'EVALUATED' || !run.rulesPackages.includes(f.rulesPackage)) return false;
    // An exclusion of the whole instance, of this package, or of a part this code does not know (a scope that
    // is not one of the run's packages) keeps the earlier findings active.
    return !i.exclusions.some(
      (e) => e.scope === undefined || e.scope === f.rulesPackage || !run.rulesPackages.includes(e.scope),
    );
  };
  const previousRunId = await deps.previousExportedRun(run.templateId, run.createdAt, runId);
  // ASFF Ids are run-scoped (<runId>/<findingId>): the previous run's copy of a finding this run reports
  // again is archived too (superseded by this run's copy), or Security Hub would list it twice.
  let archived = 0;
  let superseded = 0;
  let retired = 0;
  if (previousRunId) {
    for await (const page of deps.findingPages(previousRunId)) {
      const copies = page.filter(assessed);
      const out = await send(copies.map((p) => toAsff(p, ctx, 'ARCHIVED')));
      const failedIds = new Set(out.failed.map((x) => x.id));
      for (const p of copies) {
        if (failedIds.has(`${p.runId}/${p.id}`.slice(0, 512))) continue;
        if (current.has(key(p))) superseded++;
        else archived++;
      }
      retired += out.imported;
      add(out);
    }
  }

  const imported = total.imported - retired;
  const record: SecurityHubExportRecord = {
    status: total.failed.length === 0 ? 'EXPORTED' : total.imported > 0 ? 'PARTIAL' : 'FAILED',
    at: now.toISOString(),
    imported,
    archived,
    superseded,
    failedCount: total.failed.length,
    failures: total.failed.slice(0, RECORDED_FAILURES),
    ...(previousRunId ? { previousRunId } : {}),
  };
  await deps.recordExport(runId, record);
  if (total.failed.length > 0) {
    deps.metrics.count('SecurityHubExportFailures', total.failed.length);
    deps.log.error('Security Hub export: findings not imported', {
      runId,
      failed: total.failed.length,
      first: total.failed.slice(0, 5),
    });
  }
  deps.log.info('Security Hub export done', { runId, imported, archived, superseded, calls: total.calls });
  return { runId, status: record.status, imported, archived, failed: total.failed.length };
}

/**
 * The state's catch: the export itself failed after its retries. Recorded on the run (the run stays as
 * FinalizeRun left it), logged and counted; this never throws for a failure it could record.
 */
export async function recordSecurityHubFailure(
  deps: Pick<SecurityHubExportDeps, 'recordExport' | 'now' | 'log' | 'metrics'>,
  { runId, failure }: SecurityHubExportInput,
): Promise<SecurityHubExportResult> {
  const error = `${failure?.Error ?? 'Error'}: ${(failure?.Cause ?? '').slice(0, 1000)}`;
  deps.metrics.count('SecurityHubExportFailures', 1);
  deps.log.error('Security Hub export failed', { runId, error });
  await deps.recordExport(runId, {
    status: 'FAILED',
    at: deps.now().toISOString(),
    imported: 0,
    archived: 0,
    superseded: 0,
    failedCount: 0,
    failures: [],
    error,
  });
  return { runId, status: 'FAILED', imported: 0, archived: 0, failed: 0 };
}
