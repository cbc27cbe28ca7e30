/**
 * Runs the real `inspector` bin as a user does (a child Node process), never throwing: a non-zero exit comes
 * back as its code with what it printed. INSPECTOR_DATA_DIR is cleared so only the test's --data-dir counts.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const INSPECTOR_BIN = path.resolve(__dirname, '../../functions/cli/bin.mjs');

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the command. */
  ms: number;
}

export async function runInspector(args: string[], env: Record<string, string> = {}): Promise<CliOutcome> {
  const t0 = Date.now();
  try {
    const { stdout, stderr } = await run(process.execPath, [INSPECTOR_BIN, ...args], {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, INSPECTOR_DATA_DIR: '', ...env },
    });
    return { code: 0, stdout, stderr, ms: Date.now() - t0 };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, ms: Date.now() - t0 };
  }
}
