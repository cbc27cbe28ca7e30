/** What the run-lifecycle scenarios share: a healthy simulated instance, waiting for a state, reading a run. */
import { makeRoot } from '../fixture-root';
import type { SimInstance } from './fake-cloud';
import { insecureRootSpec, lifecycleDeps } from './harness';

export function healthy(
  instanceId: string,
  tags: Record<string, string>,
  extra: Partial<SimInstance> = {},
): SimInstance {
  return {
    instanceId,
    tags,
    agent: { pingStatus: 'Online' },
    behaviour: 'collect',
    ...extra,
    // A fixture root only when none is given (it was made, and left in /tmp, even for root '/').
    root: extra.root ?? makeRoot(insecureRootSpec),
  };
}

export async function waitForState(runId: string, state: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await lifecycleDeps().runs.getRun(runId))?.state === state) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run ${runId} did not reach ${state}`);
}

export async function runState(runId: string) {
  const deps = lifecycleDeps();
  const run = await deps.runs.getRun(runId);
  const instances = await deps.runs.listInstances(runId);
  const findings = await deps.findings.listByRun(runId);
  return { run, instances, findings, byId: new Map(instances.map((i) => [i.instanceId, i])) };
}

/** True when every instance is free to lock (the run released its locks); leaves no lock behind. */
export async function instancesUnlocked(instanceIds: readonly string[]): Promise<boolean> {
  const locks = lifecycleDeps().locks;
  const probe = `probe-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  try {
    await locks.acquire(probe, instanceIds, { now: new Date(), expiresAt: new Date(Date.now() + 60_000) });
  } catch {
    return false;
  }
  await locks.release(probe, instanceIds);
  return true;
}
