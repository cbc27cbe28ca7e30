/**
 * `inspector`: the command line. Each command group lives in functions/cli/commands/<group>.ts and exports
 * `register(program)`; this file only assembles them and turns errors into a one-line reason.
 *
 * A command's `register` defines its options and imports only what they need (commander, option parsers,
 * constants); its action imports the rest with `await import()`. So `inspector --help` loads none of the
 * assessment, feeds, report or AWS SDK code (in the built CLI those are chunks read when a command runs;
 * test/unit/cli/build-cli.test.ts checks what --help loads).
 *
 * Exit statuses (EXIT): 0 done; 1 the command failed (one line on stderr); 2 usage error (one line, and
 * where to find the command's help). Output has no colour; progress lines and the feed download's bar go to
 * stderr on a terminal only.
 */
import { readFileSync } from 'node:fs';
import { Argument, Command, CommanderError, Option } from 'commander';
import { register as registerAssess } from './commands/assess';
import { register as registerControlPlane } from './commands/control-plane';
import { register as registerExports } from './commands/exports';
import { register as registerFeeds } from './commands/feeds';
import { register as registerNetworkReachability } from './commands/network-reachability';
import { register as registerSuppressions } from './commands/suppressions';
import { completionScript, SHELLS, type Shell } from './completion';

export class CliError extends Error {
  override readonly name = 'CliError';
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The package version: set by the build (scripts/build-cli.ts); from package.json when run from the sources. */
export function packageVersion(): string {
  const built = process.env.INSPECTOR_PACKAGE_VERSION;
  if (built) return built;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function versionText(): Promise<string> {
  const { TELEMETRY_SCHEMA_VERSION } = await import('../core/telemetry/schema');
  return `inspector ${packageVersion()} (telemetry schema ${TELEMETRY_SCHEMA_VERSION}, Node.js ${process.version})\n`;
}

export function buildProgram(): Command {
  const program = new Command('inspector')
    .description('Self-hosted Amazon Inspector Classic: agent-based, time-boxed host assessments')
    .addOption(new Option('-V, --version', 'print the version and the telemetry schema version'))
    .showSuggestionAfterError()
    // A usage error in one line (commander puts its suggestion on a second); main() adds the help pointer.
    .configureOutput({
      outputError: (str, write) => write(`inspector: ${str.trim().replace(/\s*\n\s*/g, ' ')}\n`),
    })
    .exitOverride();
  registerAssess(program);
  registerFeeds(program);
  registerControlPlane(program);
  program
    .command('completion')
    .description('print a shell completion script (bash: source <(inspector completion bash))')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices([...SHELLS]))
    .action((shell: Shell) => {
      process.stdout.write(completionScript(program, shell));
    });
  registerSuppressions(program);
  registerExports(program);
  registerNetworkReachability(program);
  return program;
}

/** The command path the arguments name (`feeds sync` for `feeds sync --only x`), for the help pointer. */
export function commandPath(program: Command, args: readonly string[]): string[] {
  const out: string[] = [];
  let cmd = program;
  for (const a of args) {
    if (a.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) break;
    out.push(sub.name());
    cmd = sub;
  }
  return out;
}

/**
 * `inspector … | head`: a closed pipe ends the command quietly, as other tools do. A command writing a whole
 * document to stdout (`assess --format json`, adapters/local/write-stream.ts writeChunks) listens for the
 * error itself while it writes, and ends with a message saying the document is incomplete (exit 1).
 */
function onStdoutError(err: NodeJS.ErrnoException): void {
  if (process.stdout.listenerCount('error') > 1) return;
  if (err.code === 'EPIPE') process.exit(EXIT.ok);
  throw err;
}

export async function main(argv: string[]): Promise<number> {
  if (!process.stdout.listeners('error').includes(onStdoutError)) process.stdout.on('error', onStdoutError);
  const args = argv.slice(2);
  if (args[0] === '--version' || args[0] === '-V') {
    process.stdout.write(await versionText());
    return EXIT.ok;
  }
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help asked for was printed. No command at all printed the help on stderr: a usage error. Anything
      // else is a usage error commander printed in one line (outputError above).
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
      if (err.code === 'commander.help') return EXIT.usage;
      const where = ['inspector', ...commandPath(program, args)].join(' ');
      process.stderr.write(`Run '${where} --help' for usage.\n`);
      return EXIT.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`inspector: ${message.split('\n')[0]}\n`);
    if (process.env.INSPECTOR_DEBUG && err instanceof Error && err.stack)
      process.stderr.write(`${err.stack}\n`);
    return EXIT.failed;
  }
}
