/**
 * Agent collection on this machine: wall time, CPU time and peak RSS of one collection in a fresh Node
 * process running the same single-file bundle an instance runs (median of 5), and `lynis audit system`
 * beside it where lynis is installed. Run: npx tsx bench/agent.ts
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

interface Sample {
  wallMs: number;
  cpuMs: number;
  maxRssMB: number;
  documentBytes: number;
  files: number;
  kernelParameters: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function agentBench(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'inspector-bench-'));
  try {
    const outfile = path.join(dir, 'agent-bench.cjs');
    await build({
      entryPoints: [path.join(import.meta.dirname, 'agent-entry.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      outfile,
      logLevel: 'silent',
    });
    const baseline = JSON.parse(
      execFileSync(
        process.execPath,
        ['-e', 'process.stdout.write(JSON.stringify(process.resourceUsage().maxRSS/1024))'],
        {
          encoding: 'utf8',
        },
      ),
    ) as number;
    const samples: Sample[] = [];
    for (let i = 0; i < 5; i++) {
      samples.push(
        JSON.parse(execFileSync(process.execPath, [outfile, '/'], { encoding: 'utf8' })) as Sample,
      );
    }
    const s = samples[0]!;
    console.log('## Agent collection of this machine (node', process.version, `${os.cpus().length} cores)`);
    console.log(`  wall      ${median(samples.map((x) => x.wallMs)).toFixed(0)} ms (median of 5)`);
    console.log(
      `  cpu       ${median(samples.map((x) => x.cpuMs)).toFixed(0)} ms (user+system, incl. Node start-up of the collector)`,
    );
    console.log(
      `  peak RSS  ${median(samples.map((x) => x.maxRssMB)).toFixed(1)} MB (an empty Node process: ${baseline.toFixed(1)} MB)`,
    );
    console.log(
      `  document  ${(s.documentBytes / 1024).toFixed(0)} KiB JSON, ${s.files} files, ${s.kernelParameters} kernel parameters`,
    );
    console.log('  reproduce: npx tsx bench/agent.ts');
    lynis();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function lynis(): void {
  const which = spawnSync('sh', ['-c', 'command -v lynis'], { encoding: 'utf8' });
  if (which.status !== 0) {
    console.log('  lynis: not installed (apt-get install lynis to compare)');
    return;
  }
  const t0 = performance.now();
  const r = spawnSync('lynis', ['audit', 'system', '--quick', '--no-colors'], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  const wall = performance.now() - t0;
  console.log(`  lynis audit system --quick: ${(wall / 1000).toFixed(1)} s wall (exit ${r.status})`);
}

if (import.meta.url === `file://${process.argv[1]}`) await agentBench();
