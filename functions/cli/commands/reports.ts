/**
 * Local report commands: `inspector report --run ID --format html|pdf [--full] --out FILE`,
 * `inspector findings --run ID --diff` (the diff part), `inspector fix-plan --run ID [--instance ID]`, and the
 * report options `inspector assess --report` shares: changes since the previous completed run of the same root
 * and the fix plan of each host.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { defaultDataDir } from '../../adapters/local/data-dir';
import { LocalRunStore } from '../../adapters/local/run-store';
import type { RulesPackage } from '../../core/rule';
import type { AssessmentOutput } from '../../core/run';
import { diffEntries, diffRuns, previousRun, type RunDiff } from '../../report/diff';
import { buildFixPlans, type HostFixPlan } from '../../report/fix-plan';
import { renderHtmlReport } from '../../report/html';
import type { ReportKind, ReportOptions } from '../../report/model';
import { table } from '../format';

export type ReportFormat = 'html' | 'pdf';

const dataDirOption = () =>
  new Option('--data-dir <dir>', 'where runs, keys and feeds are kept').default(
    defaultDataDir(),
    '$INSPECTOR_DATA_DIR or ~/.local/share/inspector',
  );

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
  try {
    return diffRuns(output, await store.getOutput(prev.runId));
  } catch (err) {
    warn(`previous run ${prev.runId} has no readable results (${(err as Error).message}); no baseline`);
    return diffRuns(output, undefined);
  }
}

/** Everything a local report shows: rules packages, changes since the previous run, fix plans. */
export async function localReportOptions(
  store: LocalRunStore,
  output: AssessmentOutput,
  packages: readonly RulesPackage[] | undefined,
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

function warnToStderr(m: string): void {
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

export function register(program: Command): void {
  program
    .command('report')
    .description('write the HTML or PDF report of an earlier run')
    .requiredOption('--run <id>', 'run id')
    .requiredOption('--out <file>', 'where to write the report')
    .addOption(
      new Option('--format <format>', 'report format (default: from the --out extension, else html)').choices(
        ['html', 'pdf'],
      ),
    )
    .option('--full', 'full report: every rule result per instance')
    .addOption(dataDirOption())
    .action(async (o: { run: string; out: string; format?: string; full?: boolean; dataDir: string }) => {
      const store = new LocalRunStore(o.dataDir);
      const output = await store.getOutput(o.run);
      const format = reportFormatFor(o.out, o.format);
      const opts = await localReportOptions(
        store,
        output,
        undefined,
        o.full ? 'full' : 'findings',
        warnToStderr,
      );
      await fs.writeFile(o.out, await renderReport(output, opts, format));
      process.stdout.write(`Report written to ${path.resolve(o.out)}\n`);
    });

  program
    .command('fix-plan')
    .description('the fewest package upgrades per host that close the most CVE findings of a run')
    .requiredOption('--run <id>', 'run id')
    .option('--instance <id>', 'only this instance')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(dataDirOption())
    .action(async (o: { run: string; instance?: string; format: string; dataDir: string }) => {
      const output = await new LocalRunStore(o.dataDir).getOutput(o.run);
      if (o.instance && !output.instances.some((i) => i.instanceId === o.instance))
        throw new Error(`run ${o.run} did not assess instance ${o.instance}`);
      const plans = buildFixPlans(output.findings, output.instances, o.instance);
      if (o.format === 'json') {
        process.stdout.write(`${JSON.stringify({ runId: o.run, plans }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${fixPlanText(plans)}\n`);
    });
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
          changes: entries.map((e) => ({ status: e.status, ...e.finding })),
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
    e.status,
    e.finding.severity,
    e.finding.ruleId,
    e.finding.title,
    e.finding.id,
  ]);
  process.stdout.write(
    `${head}\n${rows.length ? table(['STATUS', 'SEVERITY', 'RULE', 'FINDING', 'ID'], rows, 70) : 'No findings.'}\n`,
  );
}
