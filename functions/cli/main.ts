/**
 * `inspector`: the command line. Each command group lives in functions/cli/commands/<group>.ts and exports
 * `register(program)`; this file only assembles them and turns errors into a one-line reason and exit 1.
 */
import { Command, CommanderError } from 'commander';
import { register as registerAssess } from './commands/assess';
import { register as registerControlPlane } from './commands/control-plane';
import { register as registerFeeds } from './commands/feeds';
import { register as registerNetworkReachability } from './commands/network-reachability';

export class CliError extends Error {
  override readonly name = 'CliError';
}

export function buildProgram(): Command {
  const program = new Command('inspector')
    .description('Self-hosted Amazon Inspector Classic: agent-based, time-boxed host assessments')
    .showHelpAfterError()
    .exitOverride();
  registerAssess(program);
  registerFeeds(program);
  registerControlPlane(program);
  registerNetworkReachability(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its message (help, version, unknown option).
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`inspector: ${message.split('\n')[0]}\n`);
    if (process.env.INSPECTOR_DEBUG && err instanceof Error && err.stack)
      process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
