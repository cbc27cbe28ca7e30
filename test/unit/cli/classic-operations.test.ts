/** Classic's 37 operations in `inspector --help` and the README, each naming a command that exists. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  CLASSIC_OPERATIONS,
  classicOperationsHelp,
  classicOperationsMarkdown,
} from '../../../functions/cli/commands/classic-operations';
import { buildProgram } from '../../../functions/cli/main';
import { OPERATIONS } from '../../../functions/core/control-plane/operations';

describe("Classic's operations", () => {
  it('are the 37 of inspector 2016-02-16, each with a command that exists or the reason it does not apply', () => {
    const names = CLASSIC_OPERATIONS.map((o) => o.classic);
    expect(new Set(names).size).toBe(37);
    expect([...names].sort()).toEqual(names);
    const commands = buildProgram().commands.map((c) => c.name());
    for (const o of CLASSIC_OPERATIONS) {
      if (o.command) expect(commands, o.classic).toContain(o.command);
      else expect(o.note, o.classic).toMatch(/^does not apply: /);
    }
    expect(CLASSIC_OPERATIONS.filter((o) => !o.command).map((o) => o.classic)).toEqual([
      'DescribeCrossAccountAccessRole',
      'RegisterCrossAccountAccessRole',
    ]);
    // Every control-plane operation but the Classic-less ones (update-assessment-template, the suppression
    // rules and their audit log) answers a Classic one.
    const mapped = new Set(CLASSIC_OPERATIONS.map((o) => o.command));
    const beyondClassic = [
      'update-assessment-template',
      'create-suppression-rule',
      'list-suppression-rules',
      'delete-suppression-rule',
      'list-suppression-audit',
    ];
    for (const op of Object.keys(OPERATIONS).filter((o) => !beyondClassic.includes(o))) {
      expect(mapped, op).toContain(op);
    }
  });

  it('are printed after inspector --help', () => {
    let out = '';
    const program = buildProgram();
    program.configureOutput({ writeOut: (s) => (out += s) });
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out += String(s);
      return true;
    });
    try {
      program.parse(['node', 'inspector', '--help']);
    } catch {
      // commander exits (exitOverride) after printing help
    } finally {
      vi.restoreAllMocks();
    }
    expect(out).toContain(classicOperationsHelp().trim());
    expect(out).toMatch(/ListAssessmentRunAgents +inspector list-assessment-run-agents/);
    expect(out).toMatch(/RegisterCrossAccountAccessRole +\(none\) +does not apply: /);
  });

  it('are in the README, as the same table', () => {
    const readme = readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
    expect(readme).toContain(classicOperationsMarkdown());
  });
});
