/**
 * `inspector network-reachability --from DIR`: the Network Reachability package offline, over a directory of
 * AWS CLI JSON outputs (functions/core/network/cli-outputs.ts lists the files and the commands that write
 * them). Prints the same JSON contract as `assess` (run, instances, results, findings, exclusions), or a
 * table; `--report FILE` writes the HTML findings report. No agent: listener-aware rules are not applicable.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';

// What the command runs (the evaluator, the rules, the report) is in network-reachability-actions.ts and is
// imported when it runs, so --help loads none of it.

interface Opts {
  from: string;
  format: 'table' | 'json';
  report?: string;
}

export function register(program: Command): void {
  program
    .command('network-reachability')
    .description('evaluate network reachability offline from a directory of AWS CLI JSON outputs')
    .requiredOption(
      '--from <dir>',
      'directory of AWS CLI JSON outputs, one file per call named after the command (describe-instances.json, describe-security-groups.json, …: see the README; a missing file means none of that resource)',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--report <file>', 'also write the HTML findings report to FILE')
    .action(async (o: Opts) => {
      const { networkReachabilityFromDirectory, summary } = await import('./network-reachability-actions');
      const { renderHtmlReport } = await import('../../report/html');
      const { NETWORK_REACHABILITY_PACKAGE } = await import('../../rules/network-reachability');
      const output = await networkReachabilityFromDirectory(o.from);
      if (o.report) {
        const html = renderHtmlReport(output, {
          rulesPackages: [
            {
              id: NETWORK_REACHABILITY_PACKAGE.id,
              name: NETWORK_REACHABILITY_PACKAGE.name,
              version: NETWORK_REACHABILITY_PACKAGE.version,
            },
          ],
          generatedAt: new Date().toISOString(),
          kind: 'findings',
        });
        await fs.writeFile(o.report, html);
      }
      if (o.format === 'json') {
        process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
        return;
      }
      process.stdout.write(summary(output, o.report ? path.resolve(o.report) : undefined));
    });
}
