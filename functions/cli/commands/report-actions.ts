/**
 * What the local report commands do (registered in reports.ts, loaded when one runs): the report options
 * `inspector assess --report` and `inspector report` share (changes since the previous completed run of the
 * same root, the fix plan of each host), rendering, `inspector findings --diff` and the fix-plan text.
 */
import path from 'node:path';
import type { LocalRunStore } from '../../adapters/local/run-store';
import type { RulesPackage } from '../../core/rule';
import type { AssessmentOutput } from '../../core/run';
import { diffEntries, diffRuns, previousRun, type RunDiff } from '../../report/diff';
import { buildFixPlans, type HostFixPlan } from '../../report/fix-plan';
import { renderHtmlReport } from '../../report/html';
import type { ReportKind, ReportOptions } from '../../report/model';
import { table } from '../format';

import type { ReportFormat } from './reports';

/** The diff of a stored run against the previous completed run of the same root (or template). */
export async function localRunDiff(
  store: LocalRunStore,
  output: AssessmentOutput,
  warn: (m: string) => void = () => {},
): Promise<RunDiff> {
  const { runs, problems } = await store.listRuns();
  for (const p of problems) warn(`unreadable run ${p}`);
  const prev = previousRun(output.run, runs);
  if (!prev) return diffRuns(output, undefined);
  // The previous run's findings only, read a piece at a time; of those this run also has, the id and waiver.
  const current = new Set(output.findings.map((f) => f.id));
  try {
    return diffRuns(
      output,
      await store.getBaseline(prev.runId, (f) =>
        current.has(f.id) ? { id: f.id, ...(f.suppression ? { suppression: f.suppression } : {}) } : f,
      ),
    );
  } catch (err) {
    warn(`previous run ${prev.runId} has no readable results (${(err as Error).message}); no baseline`);
    return diffRuns(output, undefined);
  }
}

/** Everything a local report shows: rules packages, changes since the previous run, fix plans. */
export async function localReportOptions(
  store: LocalRunStore,
  output: AssessmentOutput,
  packages: ReadonlyArray<Pick<RulesPackage, 'id' | 'name' | 'version'>> | undefined,
  kind: ReportKind,
  warn?: (m: string) => void,
): Promise<ReportOptions> {
  const rulesPackages = output.run.rulesPackages.map((id) => {
    const p = packages?.find((x) => x.id === id);
    return { id, name: p?.name ?? id, version: p?.version ?? '' };
  });
  return {
    rulesPackages,
    generatedAt: new Date().toISOString(),
    kind,
    changes: await localRunDiff(store, output, warn),
    fixPlans: buildFixPlans(output.findings, output.instances),
  };
}

export async function renderReport(
  output: AssessmentOutput,
  opts: ReportOptions,
  format: ReportFormat,
): Promise<string | Buffer> {
  if (format === 'html') return renderHtmlReport(output, opts);
  // Loaded when a PDF is asked for: pdfkit and its font engine stay out of every other command's start-up.
  const { renderPdfReport } = await import('../../report/pdf');
  return renderPdfReport(output, opts);
}

/** --format, else the --out file's extension (.pdf), else html. */
export function reportFormatFor(out: string, format?: string): ReportFormat {
  if (format === 'html' || format === 'pdf') return format;
  return path.extname(out).toLowerCase() === '.pdf' ? 'pdf' : 'html';
}

export function warnToStderr(m: string): void {
  process.stderr.write(`warning: ${m}\n`);
}

export function fixPlanText(plans: readonly HostFixPlan[]): string {
  if (plans.length === 0) return 'No CVE findings: nothing to upgrade.';
  const out: string[] = [];
  for (const p of plans) {
    out.push(
      `${p.instanceId}${p.hostname ? ` (${p.hostname})` : ''}${p.ecosystem ? `, ${p.ecosystem}` : ''}: ${p.upgrades.length} upgrade(s) close ${p.closable} of ${p.cveFindings} CVE finding(s); ${p.open.length} stay open`,
    );
    if (p.upgrades.length)
      out.push(
        table(
          ['#', 'SOURCE', 'CLOSES', 'KEV', 'EPSS', 'MAX', 'EXPOSURE', 'COMMAND', 'AFTER'],
          p.upgrades.map((u, i) => [
            String(i + 1),
            u.source,
            String(u.closes.length),
            String(u.kevCount),
            u.maxEpss === undefined ? '-' : u.maxEpss.toFixed(4),
            String(u.maxNumericSeverity),
            u.exposure ?? '-',
            u.command ?? 'upgrade by hand',
            u.reboot
              ? 'reboot'
              : u.restarts.length
                ? `restart ${u.restarts.map((r) => r.comm).join(',')}`
                : '-',
          ]),
          200,
        ),
      );
    out.push(
      p.reboot.needed ? `Reboot needed: ${p.reboot.reasons.join('; ')}` : 'No reboot needed.',
      p.runtimeTelemetry
        ? p.restarts.length
          ? `Restart: ${p.restarts.map((r) => `${r.comm} (pid ${r.pid}: ${r.packages.join(', ')})`).join('; ')}`
          : 'No running service maps an upgraded package.'
        : 'No runtime telemetry: services to restart are not known.',
    );
    if (p.open.length) {
      out.push('Stays open:');
      out.push(
        table(
          ['VULNERABILITY', 'SEVERITY', 'PACKAGES', 'WHY'],
          p.open.map((o) => [o.vulnerabilityId, o.severity, o.packages.join(','), o.reason]),
          100,
        ),
      );
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

/** `inspector findings --run ID --diff`: each finding marked NEW / PERSISTING, and the RESOLVED ones. */
export async function printFindingsDiff(
  store: LocalRunStore,
  output: AssessmentOutput,
  format: string,
  keep: (f: AssessmentOutput['findings'][number]) => boolean,
): Promise<void> {
  const diff = await localRunDiff(store, output, warnToStderr);
  const entries = diffEntries(diff).filter((e) => keep(e.finding));
  if (format === 'json') {
    process.stdout.write(
      `${JSON.stringify(
        {
          runId: output.run.runId,
          baseRunId: diff.baseRun?.runId ?? null,
          counts: {
            NEW: diff.new.length,
            PERSISTING: diff.persisting.length,
            RESOLVED: diff.resolved.length,
            NOT_REASSESSED: diff.notReassessed.length,
          },
          changes: entries.map((e) => ({
            status: e.status,
            ...(e.waiver ? { waiver: e.waiver } : {}),
            ...e.finding,
          })),
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  const head = diff.baseRun
    ? `Changes since ${diff.baseRun.runId} (${diff.baseRun.createdAt}): ${diff.new.length} new, ${diff.persisting.length} persisting, ${diff.resolved.length} resolved${diff.notReassessed.length ? `, ${diff.notReassessed.length} not reassessed` : ''}`
    : `No earlier completed run of ${output.run.templateId ? 'this template' : 'this root'}: every finding is NEW`;
  const rows = entries.map((e) => [
    e.waiver === 'ENDED'
      ? `${e.status} (waiver ended)`
      : e.waiver === 'STARTED'
        ? `${e.status} (waived)`
        : e.status,
    e.finding.severity,
    e.finding.ruleId,
    e.finding.title,
    e.finding.id,
  ]);
  process.stdout.write(
    `${head}\n${rows.length ? table(['STATUS', 'SEVERITY', 'RULE', 'FINDING', 'ID'], rows, 70) : 'No findings.'}\n`,
  );
}
