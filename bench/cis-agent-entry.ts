// Bundled by bench/cis.ts and run in a fresh process: one collection of this machine as `assess` makes it
// when cis is among the packages (file system walk on, up to 20 s as local-assessment.ts gives it), then its
// figures.
import { collectTelemetry } from '../agent/collect';

async function main(): Promise<void> {
  const root = process.argv[2] ?? '/';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const doc = await collectTelemetry({ root, runId: 'bench', instanceId: 'bench', walk: { maxSeconds: 20 } });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const json = JSON.stringify(doc);
  const walk = doc.fileSystemWalk?.status === 'ok' ? doc.fileSystemWalk : undefined;
  process.stdout.write(
    JSON.stringify({
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      documentBytes: Buffer.byteLength(json),
      files: Object.keys(doc.files).length,
      paths: Object.keys(doc.paths).length,
      walkEntries: walk?.entriesVisited ?? null,
      walkMs: walk?.elapsedMs ?? null,
      walkComplete: walk?.complete ?? null,
    }),
  );
}

void main();
