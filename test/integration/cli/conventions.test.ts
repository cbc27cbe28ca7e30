/**
 * Command-line conventions (issue 15), on the real bin: --version, usage errors in one line with a pointer to
 * the command's help (exit 2), failures in one line (exit 1), shell completion that bash really loads and
 * answers, and no escape sequences when output is not a terminal.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TELEMETRY_SCHEMA_VERSION } from '../../../functions/core/telemetry/schema';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import { runInspector } from '../../helpers/inspector-cli';
import { sbpPassingRoot } from '../../helpers/sbp-roots';

const run = promisify(execFile);
const ESC = String.fromCharCode(0x1b);
const version = (
  JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string }
).version;
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'inspector-conventions-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  cleanupRoots();
});

describe('inspector --version', () => {
  it('prints the package version and the telemetry schema version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runInspector([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        `inspector ${version} (telemetry schema ${TELEMETRY_SCHEMA_VERSION}, Node.js ${process.version})\n`,
      );
    }
  });
});

describe('usage errors and failures', () => {
  it.each([
    [
      ['assess', '--fromat', 'json'],
      /^inspector: error: unknown option '--fromat' \(Did you mean --format\?\)$/,
      'inspector assess',
    ],
    [
      ['assess', '--format', 'xml'],
      /^inspector: error: option '--format <format>' argument 'xml' is invalid/,
      'inspector assess',
    ],
    [['feeds', 'sync', '--bogus'], /^inspector: error: unknown option '--bogus'$/, 'inspector feeds sync'],
    [['nosuch'], /^inspector: error: unknown command 'nosuch'$/, 'inspector'],
    [['completion', 'tcsh'], /^inspector: error: .*'tcsh' is invalid/, 'inspector completion'],
    [['findings'], /^inspector: error: required option '--run <id>' not specified$/, 'inspector findings'],
  ])('%j: one line, then where the help is; exit 2', async (args, first, where) => {
    const r = await runInspector(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(first);
    expect(lines[1]).toBe(`Run '${where} --help' for usage.`);
  });

  it('no command: the help on stderr, exit 2; --help: on stdout, exit 0', async () => {
    const none = await runInspector([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: inspector [options] [command]');
    const help = await runInspector(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('completion <shell>');
    expect(help.stdout).toContain('-V, --version');
  });

  it('a command that fails: one line on stderr, exit 1', async () => {
    const r = await runInspector(['assess', '--root', path.join(tmp, 'missing'), '--data-dir', tmp]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`inspector: --root ${path.join(tmp, 'missing')} is not a directory\n`);
  });
});

describe('inspector completion', () => {
  it('bash: the script loads in bash and completes commands, subcommands, options and choices', async () => {
    const script = await runInspector(['completion', 'bash']);
    expect(script.code).toBe(0);
    const file = path.join(tmp, 'inspector.bash');
    writeFileSync(file, script.stdout);
    const probe = [
      'set -u',
      `source ${JSON.stringify(file)}`,
      'complete -p inspector',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion, not a template
      't() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _inspector_completion; echo "${COMPREPLY[*]}"; }',
      't inspector as',
      't inspector feeds s',
      't inspector assess --fo',
      't inspector assess --format ""',
      't inspector assess --root /tmp --rules-packages cis --for',
      't inspector completion ""',
      't inspector list-fi',
    ].join('\n');
    const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', probe]);
    expect(stdout.split('\n')).toEqual([
      'complete -F _inspector_completion inspector',
      'assess',
      'sync status',
      '--format',
      'table json',
      '--format',
      'bash zsh fish',
      'list-findings',
      '',
    ]);
  });

  it('zsh and fish: scripts for those shells over the same commands', async () => {
    const zsh = await runInspector(['completion', 'zsh']);
    expect(zsh.stdout.split('\n')[0]).toBe('#compdef inspector');
    expect(zsh.stdout).toContain('bashcompinit');
    expect(zsh.stdout).toContain('complete -F _inspector_completion inspector');
    const fish = await runInspector(['completion', 'fish']);
    expect(fish.stdout).toContain("complete -c inspector -n '__fish_use_subcommand' -a 'assess'");
    expect(fish.stdout).toContain(
      "complete -c inspector -n '__fish_seen_subcommand_from assess' -l format -x -a 'table json'",
    );
    expect(fish.stdout).toContain(
      "complete -c inspector -n '__fish_seen_subcommand_from feeds; and not __fish_seen_subcommand_from import sync convert status' -a 'sync'",
    );
  });
});

describe('output that is not a terminal', () => {
  it('has no escape sequences, with or without NO_COLOR', async () => {
    const root = makeRoot(sbpPassingRoot());
    for (const env of [{}, { NO_COLOR: '1' }] as Record<string, string>[]) {
      const r = await runInspector(
        ['assess', '--root', root, '--rules-packages', 'security-best-practices', '--data-dir', tmp],
        env,
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Run run-');
      expect(`${r.stdout}${r.stderr}`).not.toContain(ESC);
      // Progress lines are for terminals only.
      expect(r.stderr).toBe('');
    }
    const help = await runInspector(['assess', '--help'], { NO_COLOR: '1' });
    expect(help.stdout).not.toContain(ESC);
  });
});
