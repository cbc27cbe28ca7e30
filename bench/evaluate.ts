/**
 * Evaluation of one instance: this machine's telemetry (decrypted and validated as in a run) against the
 * Security Best Practices package — wall time per evaluation (median of 50) and the heap it holds.
 * Run: npx tsx bench/evaluate.ts
 */
import { randomBytes } from 'node:crypto';
import { collectTelemetry } from '../agent/collect';
import { evaluateTelemetry } from '../functions/core/evaluate';
import { decryptTelemetry, encryptTelemetry, rawAesKeyring } from '../functions/core/telemetry';
import { securityBestPracticesPackage } from '../functions/rules/security-best-practices';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function evaluateBench(): Promise<void> {
  const keyring = rawAesKeyring(randomBytes(32));
  const doc = await collectTelemetry({ runId: 'bench', instanceId: 'bench' });
  const ct = await encryptTelemetry(doc, keyring);
  const telemetry = await decryptTelemetry(ct, keyring, doc);
  const times: number[] = [];
  let results = 0;
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now();
    const out = await evaluateTelemetry(telemetry, [securityBestPracticesPackage], {
      runId: 'bench',
      createdAt: new Date().toISOString(),
    });
    times.push(performance.now() - t0);
    results = out.results.length;
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const decrypted = await decryptTelemetry(ct, keyring, doc);
  await evaluateTelemetry(decrypted, [securityBestPracticesPackage], { runId: 'bench', createdAt: '' });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log('## Evaluation of one instance (this machine, security-best-practices)');
  console.log(
    `  evaluate       ${median(times).toFixed(2)} ms median of 50 (${results} results; first run ${times[0]!.toFixed(1)} ms)`,
  );
  console.log(
    `  decrypt+validate+evaluate ${wall.toFixed(1)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms CPU; peak RSS of this process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
  console.log('  reproduce: npx tsx bench/evaluate.ts');
}

if (import.meta.url === `file://${process.argv[1]}`) await evaluateBench();
