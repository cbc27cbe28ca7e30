// Bundled by bench/cis.ts and run in a fresh process: one collection of this machine as `assess` makes it
// when cis is among the packages (file system walk on, up to 20 s as local-assessment.ts gives it), then its
// figures. Arguments: ROOT [auto|node] (the walk engine: GNU find where available, or the Node walk).
import { collectTelemetry } from '../agent/collect';
import { childCpuMs } from './proc-cpu';

async function main(): Promise<void> {
  const root = process.argv[2] ?? '/';
  const engine = process.argv[3] === 'node' ? 'node' : 'auto';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const doc = await collectTelemetry({
    root,
    runId: 'bench',
    instanceId: 'bench',
    walk: { maxSeconds: 20, engine },
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const json = JSON.stringify(doc);
  const walk = doc.fileSystemWalk?.status === 'ok' ? doc.fileSystemWalk : undefined;
  process.stdout.write(
    JSON.stringify({
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      childCpuMs: childCpuMs(),
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      documentBytes: Buffer.byteLength(json),
      files: Object.keys(doc.files).length,
      paths: Object.keys(doc.paths).length,
      walkEngine: walk?.engine?.name ?? null,
      walkEntries: walk?.entriesVisited ?? null,
      walkMs: walk?.elapsedMs ?? null,
      walkComplete: walk?.complete ?? null,
    }),
  );
}

void main();
