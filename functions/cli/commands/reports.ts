/**
 * Local report commands: `inspector report --run ID --format html|pdf [--full] --out FILE` and
 * `inspector fix-plan --run ID [--instance ID]`. What they run (the stores, the report model and renderers,
 * the diff, the fix plan) is in report-actions.ts and loaded when a command runs, so `--help` loads none of it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { defaultDataDir } from '../../adapters/local/data-dir';

export type ReportFormat = 'html' | 'pdf';

const actions = () => import('./report-actions');

const dataDirOption = () =>
  new Option('--data-dir <dir>', 'where runs, keys and feeds are kept').default(
    defaultDataDir(),
    '$INSPECTOR_DATA_DIR or ~/.local/share/inspector',
  );

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
      const { LocalRunStore } = await import('../../adapters/local/run-store');
      const { localReportOptions, renderReport, reportFormatFor, warnToStderr } = await actions();
      const { withSuppressionsNow } = await import('./local-suppressions');
      const store = new LocalRunStore(o.dataDir);
      const output = await withSuppressionsNow(o.dataDir, await store.getOutput(o.run));
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
      const { LocalRunStore } = await import('../../adapters/local/run-store');
      const { buildFixPlans } = await import('../../report/fix-plan');
      const { fixPlanText } = await actions();
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
