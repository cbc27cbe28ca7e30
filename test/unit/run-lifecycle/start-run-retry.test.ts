/**
 * StartRun retried after recording the run failed part way: the retry must go on with every instance of
 * the target locked to the run, and announce the run (ASSESSMENT_RUN_STARTED) if the first attempt did not.
 */
import { describe, expect, it } from 'vitest';
import type { RunState } from '../../../functions/core/run';
import type { LifecycleDeps } from '../../../functions/core/run-lifecycle/deps';
import type { RunInstance, StoredRun } from '../../../functions/core/run-lifecycle/model';
import { startRun } from '../../../functions/core/run-lifecycle/start-run';
import type { TransitionOptions } from '../../../functions/ports/run-store';

const now = new Date('2026-11-30T10:00:00Z');

function world(fail: { putInstances?: boolean; publish?: boolean }) {
  let run: StoredRun | undefined;
  const instances = new Map<string, RunInstance>();
  const locks = new Map<string, string>();
  const events: string[] = [];
  const partial = {
    now: () => now,
    log: { info: () => {}, warn: () => {}, error: () => {} },
    config: {
      eventsTopicArn: 'arn:aws:sns:us-east-1:123456789012:events',
      limits: {
        minDurationSeconds: 60,
        maxDurationSeconds: 86_400,
        maxInstancesPerRun: 500,
        maxActiveRuns: 10,
        maxAgentsPerAccount: 500,
        commandMarginSeconds: 300,
        pollIntervalSeconds: 30,
      },
    },
    templates: {
      getTemplate: async () => ({
        templateId: 'tpl-1',
        name: 'weekly',
        targetId: 'tgt-1',
        rulesPackages: ['security-best-practices'],
        durationSeconds: 3600,
        userAttributes: [],
        topics: [],
      }),
      getTarget: async () => ({ targetId: 'tgt-1', tags: [] }),
    },
    fleet: { findInstances: async () => [{ instanceId: 'i-1' }, { instanceId: 'i-2' }] },
    locks: {
      acquire: async (runId: string, ids: readonly string[]) => {
        for (const id of ids) locks.set(id, runId);
      },
      release: async (runId: string, ids: readonly string[]) => {
        for (const id of ids) if (locks.get(id) === runId) locks.delete(id);
      },
    },
    runs: {
      getRun: async () => (run ? structuredClone(run) : undefined),
      countActive: async () => ({ runs: 0, instances: 0 }),
      createRun: async (r: StoredRun) => {
        if (run) throw Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' });
        run = structuredClone(r);
      },
      putInstances: async (items: readonly RunInstance[]) => {
        // A partial batch write: the first instance is written, then the call fails.
        const [first] = items;
        if (first) instances.set(first.instanceId, structuredClone(first));
        if (fail.putInstances) {
          fail.putInstances = false;
          throw new Error('ProvisionedThroughputExceededException');
        }
        for (const i of items) instances.set(i.instanceId, structuredClone(i));
      },
      listInstances: async () => [...instances.values()].map((i) => structuredClone(i)),
      deleteRun: async () => {
        run = undefined;
        instances.clear();
      },
      transition: async (_id: string, to: RunState, opts: TransitionOptions) => {
        if (!run) return undefined;
        run.state = to;
        run.stateHistory.push({ state: to, at: opts.at });
        return structuredClone(run);
      },
    },
    notifier: {
      publish: async (_topic: string, messages: Array<{ body: string }>) => {
        if (fail.publish) {
          fail.publish = false;
          throw new Error('SNS throttled');
        }
        for (const m of messages) events.push((JSON.parse(m.body) as { event: string }).event);
      },
    },
  };
  // Only what StartRun touches is provided; anything else would throw.
  const deps = partial as unknown as LifecycleDeps;
  return { deps, locks, events, getRun: () => run };
}

const req = { input: { templateId: 'tpl-1' }, executionName: 'exec-1' };

describe('StartRun retried', () => {
  it('after recording the instances failed: every instance in the run, and locked to it', async () => {
    const w = world({ putInstances: true });
    await expect(startRun(w.deps, req)).rejects.toThrow(/Throughput/);
    const ctx = await startRun(w.deps, req);
    // The state data counts the instances; the instances themselves are the run's items.
    expect(ctx.instanceCount).toBe(2);
    expect(Object.fromEntries(w.locks)).toEqual({ 'i-1': ctx.runId, 'i-2': ctx.runId });
    expect(w.getRun()?.state).toBe('START_DATA_COLLECTION_PENDING');
  });

  it('after announcing the run failed: the retry announces it', async () => {
    const w = world({ publish: true });
    await expect(startRun(w.deps, req)).rejects.toThrow(/SNS throttled/);
    expect(w.getRun()?.state).toBe('CREATED');
    const ctx = await startRun(w.deps, req);
    expect(ctx.instanceCount).toBe(2);
    expect(w.events).toEqual(['ASSESSMENT_RUN_STARTED', 'ASSESSMENT_RUN_STATE_CHANGED']);
    expect(w.getRun()?.state).toBe('START_DATA_COLLECTION_PENDING');
  });
});
