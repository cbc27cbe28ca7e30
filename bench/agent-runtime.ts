/**
 * Runtime sampling on a large fixture host (issue 9): a fixture /proc with 1,000 processes (each with an
 * executable and 12 mapped libraries among 60 distinct paths, and 5 sockets: ~5,000 in /proc/net, 300
 * listeners, accepted and outbound connections) sampled by the real collector for a window of many
 * intervals in a fresh Node process (the bundle), while the parent replaces 10 (new start times on reused pids) every 100 ms so
 * the process table reaches its cap. Prints samples taken, time per sample, peak RSS of the agent process,
 * and the document and runtime-section sizes against LIMITS.maxDocumentBytes.
 * Run: npx tsx bench/agent-runtime.ts [seconds=20]   (AGENT_NODE_FLAGS='--max-old-space-size=64' to cap the heap)
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { collectTelemetry } from '../agent/collect';
import { LIMITS, parseTelemetryJson } from '../functions/core/telemetry/schema';
import { type FakeSocket, removeProcess, writeProcess, writeSockets } from '../test/helpers/fixture-proc';

const PROCESSES = 1000;
const LIBS = 60;

export function buildHost(root: string): void {
  mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  mkdirSync(path.join(root, 'usr/lib'), { recursive: true });
  copyFileSync('/usr/bin/true', path.join(root, 'usr/bin/app'));
  copyFileSync('/usr/lib/x86_64-linux-gnu/libc.so.6', path.join(root, 'usr/lib/libc.so.6'));
  for (let i = 0; i < 20; i++) symlinkSync('app', path.join(root, `usr/bin/app${i}`));
  for (let i = 0; i < LIBS; i++) symlinkSync('libc.so.6', path.join(root, `usr/lib/lib${i}.so`));
  const sockets: FakeSocket[] = [];
  for (let i = 0; i < PROCESSES; i++) {
    const inodes = [1, 2, 3, 4, 5].map((k) => 100_000 + i * 10 + k);
    writeProcessNo(root, i, 0, inodes);
    if (i < 300) {
      sockets.push({
        protocol: i % 2 ? 'tcp' : 'tcp6',
        local: [i % 2 ? '0.0.0.0' : '::', 10_000 + i],
        state: 0x0a,
        inode: inodes[0]!,
      });
      sockets.push({
        protocol: 'tcp',
        local: ['10.0.0.1', 10_000 + i],
        remote: ['10.0.1.1', 40_000 + i],
        state: 0x01,
        inode: inodes[1]!,
      });
    }
    for (const inode of inodes.slice(i < 300 ? 2 : 0)) {
      sockets.push({
        protocol: 'tcp',
        local: ['10.0.0.1', 20_000 + ((inode * 7) % 20_000)],
        remote: [`10.0.${(inode >> 8) & 255}.${inode & 255}`, 443],
        state: 0x01,
        inode,
      });
    }
  }
  writeSockets(root, sockets);
}

export function writeProcessNo(root: string, i: number, generation: number, sockets: number[]): void {
  writeProcess(root, {
    pid: 1000 + i,
    startTime: 5000 + generation,
    comm: `svc${i % 50}`,
    uid: i % 3 === 0 ? 0 : 1000,
    exe: `/usr/bin/app${i % 20}`,
    args: [
      `/usr/bin/app${i % 20}`,
      '--config',
      `/etc/svc${i}.conf`,
      '--password',
      'hunter2',
      `--worker=${i}`,
    ],
    maps: Array.from({ length: 12 }, (_, k) => `/usr/lib/lib${(i + k * 5) % LIBS}.so`),
    sockets,
  });
}

async function child(root: string, seconds: number): Promise<void> {
  // Where the memory is, sampled every 50 ms: the largest heap and off-heap (Buffers) figures seen.
  const peak = { heapTotal: 0, heapUsed: 0, external: 0 };
  const watch = setInterval(() => {
    const m = process.memoryUsage();
    peak.heapTotal = Math.max(peak.heapTotal, m.heapTotal);
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    peak.external = Math.max(peak.external, m.external);
  }, 50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const doc = await collectTelemetry({
    root,
    runId: 'bench',
    instanceId: 'bench',
    durationSeconds: seconds,
    sampleIntervalSeconds: 0.1,
  });
  const wallMs = performance.now() - t0;
  clearInterval(watch);
  const cpu = process.cpuUsage(cpu0);
  const json = JSON.stringify(doc);
  // Peak RSS of the agent's own work (collect and serialize), before the bench validates the document.
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  const heapUsedMB = process.memoryUsage().heapUsed / 1024 / 1024;
  parseTelemetryJson(json);
  const rt = doc.runtime!;
  process.stdout.write(
    JSON.stringify({
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssMB,
      heapUsedMB,
      peakHeapTotalMB: peak.heapTotal / 1024 / 1024,
      peakHeapUsedMB: peak.heapUsed / 1024 / 1024,
      peakExternalMB: peak.external / 1024 / 1024,
      documentBytes: Buffer.byteLength(json),
      runtimeBytes: Buffer.byteLength(JSON.stringify(rt)),
      samples: rt.sampling.samples,
      processes: rt.processes.length,
      objects: rt.objects.length,
      listeners: rt.listeners.length,
      connections: rt.connections.length,
      truncated: rt.truncated,
      dropped: rt.dropped,
      elfBytesRead: rt.elfBytesRead,
    }),
  );
}

export async function agentRuntimeBench(seconds = 20): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'inspector-rt-bench-'));
  try {
    const t0 = performance.now();
    buildHost(root);
    const buildMs = performance.now() - t0;
    // The child runs the same kind of single-file bundle an instance runs (no tsx in the measured process).
    const bundle = path.join(root, 'agent-runtime-bench.mjs');
    await build({
      entryPoints: [path.join(import.meta.dirname, 'agent-runtime.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      minify: true,
      outfile: bundle,
      logLevel: 'silent',
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    const baseline = JSON.parse(
      execFileSync(
        process.execPath,
        ['-e', 'process.stdout.write(String(process.resourceUsage().maxRSS/1024))'],
        {
          encoding: 'utf8',
        },
      ),
    ) as number;
    // AGENT_NODE_FLAGS (e.g. --max-old-space-size=64) shows how much of the peak RSS is heap slack.
    const nodeFlags = (process.env.AGENT_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
    // The churn runs here, in the parent, so that the agent process is measured alone.
    let generation = 0;
    const churn = setInterval(() => {
      generation++;
      for (let k = 0; k < 10; k++) {
        const i = (generation * 10 + k) % PROCESSES;
        removeProcess(root, 1000 + i);
        writeProcessNo(
          root,
          i,
          generation,
          [1, 2, 3, 4, 5].map((x) => 100_000 + i * 10 + x),
        );
      }
    }, 100);
    let out: string;
    try {
      out = (
        await promisify(execFile)(
          process.execPath,
          [...nodeFlags, bundle, '--child', root, String(seconds)],
          {
            encoding: 'utf8',
            maxBuffer: 64 * 1024 * 1024,
          },
        )
      ).stdout;
    } finally {
      clearInterval(churn);
    }
    const r = JSON.parse(out) as Record<string, number | boolean | object>;
    const mb = (n: number) => (n / 1024 / 1024).toFixed(2);
    console.log(
      `## Runtime sampling of a fixture host: ${PROCESSES} processes, ~5,000 sockets (built in ${buildMs.toFixed(0)} ms)`,
    );
    console.log(
      `  window    ${seconds} s at 0.1 s intervals, 10 processes replaced every 100 ms${nodeFlags.length ? `; node ${nodeFlags.join(' ')}` : ''}`,
    );
    console.log(
      `  samples   ${r.samples} (${((r.wallMs as number) / (r.samples as number)).toFixed(0)} ms of wall per sample incl. the wait)`,
    );
    console.log(`  cpu       ${((r.cpuMs as number) / 1000).toFixed(1)} s (user+system, whole collection)`);
    console.log(
      `  peak RSS  ${(r.maxRssMB as number).toFixed(1)} MB (agent process; an empty Node process: ${baseline.toFixed(1)} MB; heap in use at the end ${(r.heapUsedMB as number).toFixed(1)} MB)`,
    );
    console.log(
      `  memory    peak heap total ${(r.peakHeapTotalMB as number).toFixed(1)} MB, heap used ${(r.peakHeapUsedMB as number).toFixed(1)} MB, off-heap ${(r.peakExternalMB as number).toFixed(1)} MB`,
    );
    console.log(
      `  document  ${mb(r.documentBytes as number)} MiB JSON, runtime section ${mb(r.runtimeBytes as number)} MiB (limit ${mb(LIMITS.maxDocumentBytes)} MiB)`,
    );
    console.log(
      `  recorded  ${r.processes} processes, ${r.objects} objects, ${r.listeners} listeners, ${r.connections} connections, ELF ${mb(r.elfBytesRead as number)} MiB read`,
    );
    console.log(`  truncated ${r.truncated} ${JSON.stringify(r.dropped)}`);
    console.log(`  reproduce: npx tsx bench/agent-runtime.ts ${seconds}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv[2] === '--child') await child(process.argv[3]!, Number(process.argv[4]));
  else await agentRuntimeBench(Number(process.argv[2] ?? 20));
}
