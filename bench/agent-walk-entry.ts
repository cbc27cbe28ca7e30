// Bundled by bench/agent-walk.ts and run in a fresh process: one collection (or one walk alone) of this
// machine with the walk budget given, then its figures.
import { readFileSync } from 'node:fs';
import { collectTelemetry } from '../agent/collect';
import { idsOf, walkFileSystems } from '../agent/fs-walk';
import { RootFs } from '../agent/root-fs';
import { childCpuMs } from './proc-cpu';

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'collect';
  // walk: GNU find where it is GNU's (the default); walk-node: the Node walk.
  const seconds = Number(process.argv[3] ?? '1');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let out: Record<string, unknown>;
  if (mode === 'walk' || mode === 'walk-node') {
    const w = await walkFileSystems({
      rootFs: new RootFs('/'),
      budget: { maxEntries: 1_000_000, maxSeconds: seconds },
      mounts: readFileSync('/proc/self/mounts', 'utf8'),
      ownership: {
        uids: idsOf(readFileSync('/etc/passwd', 'utf8')),
        gids: idsOf(readFileSync('/etc/group', 'utf8')),
      },
      engine: mode === 'walk-node' ? 'node' : 'auto',
    });
    out =
      w.status === 'ok'
        ? {
            entries: w.entriesVisited,
            complete: w.complete,
            engine: w.engine?.name ?? 'node',
            walkBytes: JSON.stringify(w).length,
          }
        : {};
  } else {
    const doc = await collectTelemetry({
      runId: 'bench',
      instanceId: 'bench',
      walk: seconds === 0 ? false : { maxSeconds: seconds },
    });
    const json = JSON.stringify(doc);
    const w = doc.fileSystemWalk;
    out = {
      documentBytes: Buffer.byteLength(json),
      files: Object.keys(doc.files).length,
      listings: Object.keys(doc.listings ?? {}).length,
      entries: w?.status === 'ok' ? w.entriesVisited : 0,
      complete: w?.status === 'ok' ? w.complete : false,
    };
  }
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    JSON.stringify({
      ...out,
      wallMs: performance.now() - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      childCpuMs: childCpuMs(),
      userMs: cpu.user / 1000,
      systemMs: cpu.system / 1000,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

void main();
