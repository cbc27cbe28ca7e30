/**
 * Package-owner lookup and directory recording on this machine's real root: one runtime sample of every
 * process, then RuntimeSampler.finish() (directories above every object and script, and the owner of each
 * object from dpkg/apk/rpm). Prints objects and owners, bytes of package database read, time of the lookup
 * and of finish(), directories recorded, and the heap and RSS growth across finish(). Then the worst case
 * for dpkg: as many wanted paths as the object cap (1,024) that no package owns, so every list is read.
 * Run: npx tsx bench/package-owners.ts
 */
import { lookUpPackageOwners } from '../agent/package-owners';
import { RootFs } from '../agent/root-fs';
import { RuntimeSampler } from '../agent/runtime';
import { RUNTIME_LIMITS } from '../functions/core/telemetry/schema';

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const rootFs = new RootFs('/');
  const s = new RuntimeSampler(rootFs, 1);
  await s.sample();
  await s.readPendingElf();
  const before = process.memoryUsage();
  const t = performance.now();
  const f = await s.finish();
  const finishMs = performance.now() - t;
  const after = process.memoryUsage();
  const r = s.result();
  console.log(
    `real root: ${r.processes.length} processes, ${r.objects.length} objects, ${r.objects.filter((o) => o.package).length} owned (${JSON.stringify(r.packageOwners)})`,
  );
  console.log(
    `  owner lookup ${f.ownerMs.toFixed(1)} ms, ${mb(f.ownerBytesRead)} of package database read; finish() ${finishMs.toFixed(1)} ms; ${r.directories?.length} directories; heap +${mb(after.heapUsed - before.heapUsed)}, RSS +${mb(after.rss - before.rss)}`,
  );
  console.log(`  scripts: ${r.processes.filter((p) => p.script).length} interpreter processes name a script`);

  const unowned = Array.from({ length: RUNTIME_LIMITS.maxObjects }, (_, i) => `/opt/nowhere/lib${i}.so`);
  for (let run = 0; run < 3; run++) {
    const t2 = performance.now();
    const w = await lookUpPackageOwners(rootFs, unowned);
    console.log(
      `worst case (${unowned.length} unowned paths, every list read): ${(performance.now() - t2).toFixed(1)} ms, ${mb(w.bytesRead)} read`,
    );
  }
}

await main();
