/**
 * The agent's host configuration material (issue 8) on this machine: a collection with the file system
 * walk off and with 1 s (the default of a run with no sampling window, e.g. `npm start`), and the walk of /
 * alone until complete (20 s budget): wall, CPU, peak RSS, entries/s, document size. Each in a fresh Node
 * process running the bundled agent code, median of 3. Run: npx tsx bench/agent-walk.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

type Figures = Record<string, number | boolean>;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'inspector-bench-walk-'));
  try {
    const outfile = path.join(dir, 'agent-walk.cjs');
    await build({
      entryPoints: [path.join(import.meta.dirname, 'agent-walk-entry.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      outfile,
      logLevel: 'silent',
    });
    const run = (mode: string, seconds: number, n = 3): Figures => {
      const xs: Figures[] = [];
      for (let i = 0; i < n; i++)
        xs.push(
          JSON.parse(execFileSync(process.execPath, [outfile, mode, String(seconds)], { encoding: 'utf8' })),
        );
      const m = (k: string) => median(xs.map((x) => Number(x[k] ?? 0)));
      return {
        ...xs[0]!,
        wallMs: m('wallMs'),
        cpuMs: m('cpuMs'),
        maxRssMB: m('maxRssMB'),
        entries: m('entries'),
      };
    };
    console.log(
      '## Agent host configuration material on this machine (node',
      process.version,
      `${os.cpus().length} cores)`,
    );
    for (const [label, mode, s] of [
      ['collection, walk off', 'collect', 0],
      ['collection, walk 1 s (default without a window)', 'collect', 1],
      ['walk of / alone, 20 s budget', 'walk', 20],
    ] as const) {
      const f = run(mode, s, mode === 'walk' ? 1 : 3);
      const rate = Number(f.entries) / (Number(f.wallMs) / 1000);
      console.log(
        `  ${label.padEnd(50)} wall ${Number(f.wallMs).toFixed(0)} ms, cpu ${Number(f.cpuMs).toFixed(0)} ms, RSS ${Number(f.maxRssMB).toFixed(1)} MB` +
          (f.documentBytes
            ? `, document ${(Number(f.documentBytes) / 1024).toFixed(0)} KiB (${f.files} files, ${f.listings} listings)`
            : '') +
          (Number(f.entries) > 0
            ? `, walk ${f.entries} entries (${rate.toFixed(0)}/s overall), complete: ${f.complete}`
            : ''),
      );
    }
    console.log('  reproduce: npx tsx bench/agent-walk.ts');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
