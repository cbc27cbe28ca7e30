/**
 * What the exports read from a local run: its stored output, and each instance's package inventory from the
 * run's own encrypted telemetry (decrypted with the data directory's key, the encryption context checked as
 * at evaluation). An instance whose telemetry is gone or unreadable is reported, never silently skipped.
 */

import { loadOrCreateKey } from '../adapters/local/key-file';
import { LocalRunStore } from '../adapters/local/run-store';
import { Facts } from '../core/facts/facts';
import { type Inventory, inventory } from '../core/facts/packages';
import type { AssessmentOutput } from '../core/run';
import { decryptTelemetry, rawAesKeyring } from '../core/telemetry';

export interface InstanceInventory {
  instanceId: string;
  inventory?: Inventory;
  /** Why there is no inventory. */
  problem?: string;
}

export async function readLocalRun(dataDir: string, runId: string): Promise<AssessmentOutput> {
  return new LocalRunStore(dataDir).getOutput(runId);
}

export async function localInventories(
  dataDir: string,
  output: AssessmentOutput,
  instanceIds?: readonly string[],
): Promise<InstanceInventory[]> {
  const store = new LocalRunStore(dataDir);
  const keyring = rawAesKeyring(loadOrCreateKey(dataDir).key);
  const runId = output.run.runId;
  const wanted = instanceIds ?? output.instances.map((i) => i.instanceId);
  const out: InstanceInventory[] = [];
  for (const instanceId of wanted) {
    if (!output.instances.some((i) => i.instanceId === instanceId)) {
      out.push({ instanceId, problem: `run ${runId} has no instance ${instanceId}` });
      continue;
    }
    try {
      const telemetry = await decryptTelemetry(await store.getTelemetry(runId, instanceId), keyring, {
        runId,
        instanceId,
      });
      const inv = inventory(new Facts(telemetry));
      out.push(inv.ok ? { instanceId, inventory: inv.value } : { instanceId, problem: inv.reason });
    } catch (err) {
      out.push({ instanceId, problem: `its telemetry could not be read: ${(err as Error).message}` });
    }
  }
  return out;
}
