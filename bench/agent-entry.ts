// Bundled by bench/agent.ts and run in a fresh process: one collection of this machine, then its figures.
import { collectTelemetry } from '../agent/collect';

async function main(): Promise<void> {
  const root = process.argv[2] ?? '/';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const doc = await collectTelemetry({ root, runId: 'bench', instanceId: 'bench' });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const json = JSON.stringify(doc);
  process.stdout.write(
    JSON.stringify({
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      documentBytes: Buffer.byteLength(json),
      files: Object.keys(doc.files).length,
      kernelParameters:
        doc.kernelParameters.status === 'ok' ? Object.keys(doc.kernelParameters.values).length : 0,
    }),
  );
}

void main();
