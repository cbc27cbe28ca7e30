/**
 * The agent's host configuration material (issue 8) on this machine: a collection with the file system
 * walk off and with 1 s (the default of a run with no sampling window, e.g. `npm start`), and the walk of /
 * alone until complete (20 s budget), by GNU find (the default) and by the Node walk: wall, CPU (find's too),
 * peak RSS, entries/s, document size. Each in a fresh Node
 * process running the bundled agent code, median of 3. Run: npx tsx bench/agent-walk.ts
 *
 * Measured 2026-12-02 on the Debian 12 test machine (2 cores, load average 7-9 from parallel test runs,
 * so ±50 %): bench/agent.ts before issue 8's material 492-621 ms wall, 489-567 ms CPU, 114-116 MB RSS,
 * 838-851 KiB, 29 files; after, walk off 748-1561 ms wall, 633-783 ms CPU, 120-125 MB RSS, ~990 KiB,
 * 126 files, 42-53 listings; with the 1 s walk 1255-2098 ms wall, 119-124 MB RSS. The walk of / alone:
 * 559,699-565,160 entries, complete in 2.8-9.3 s (60,000-200,000 entries/s), 75-80 MB RSS.
 * With the GNU find engine (2026-12-02, load ~2): the walk of / alone, 455,510 entries, 715 ms wall, 56 ms
 * of the agent's CPU and 1,280 ms of find's, 56 MB RSS (the Node walk: 1,803 ms wall, 1,870 ms CPU, 71 MB);
 * the collection with the 1 s walk completes it (998 ms wall, 526 + 1,330 ms CPU, 94 MB).
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
        childCpuMs: m('childCpuMs'),
        userMs: m('userMs'),
        systemMs: m('systemMs'),
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
      ['walk of / alone by GNU find, 20 s budget', 'walk', 20],
      ['walk of / alone by the Node walk, 20 s budget', 'walk-node', 20],
    ] as const) {
      const f = run(mode, s, mode.startsWith('walk') ? 1 : 3);
      const rate = Number(f.entries) / (Number(f.wallMs) / 1000);
      console.log(
        `  ${label.padEnd(50)} wall ${Number(f.wallMs).toFixed(0)} ms, cpu ${Number(f.cpuMs).toFixed(0)} ms (user ${Number(f.userMs).toFixed(0)}, system ${Number(f.systemMs).toFixed(0)}; find ${Number(f.childCpuMs).toFixed(0)}), RSS ${Number(f.maxRssMB).toFixed(1)} MB` +
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
