/**
 * EvaluateInstances (evaluate-batch.ts): one Lambda evaluates a batch of the Evaluate distributed Map. Each
 * instance has its own retries and outcome; what cannot be evaluated is recorded as its exclusion (or, when
 * even that fails, kept on the item for FinalizeRun); items that are not instance ids are skipped, never a
 * crash; past the batch's deadline nothing more starts and nothing waits.
 */
import { describe, expect, it } from 'vitest';
import type { LifecycleDeps } from '../../../functions/core/run-lifecycle/deps';
import { evaluateBatch } from '../../../functions/core/run-lifecycle/evaluate-batch';
import type { RunInstance } from '../../../functions/core/run-lifecycle/model';

function world(getRunError?: { name: string; message: string }) {
  const items = new Map<string, RunInstance>();
  for (const id of ['i-1', 'i-2', 'i-3']) {
    items.set(id, {
      runId: 'run-1',
      instanceId: id,
      agentHealth: 'HEALTHY',
      collection: 'SUCCEEDED',
      evaluation: 'PENDING',
      exclusions: [],
      updatedAt: '2026-12-01T00:00:00Z',
    });
  }
  let getRunCalls = 0;
  const partial = {
    now: () => new Date('2026-12-01T00:00:00Z'),
    sleep: async () => {},
    log: { info: () => {}, warn: () => {}, error: () => {} },
    runs: {
      getRun: async () => {
        getRunCalls++;
        if (getRunError) throw Object.assign(new Error(getRunError.message), { name: getRunError.name });
        throw new Error('not reached');
      },
      getInstance: async (_r: string, id: string) => structuredClone(items.get(id)),
      updateInstance: async (_r: string, id: string, patch: Partial<RunInstance>) => {
        const cur = items.get(id);
        if (cur) items.set(id, { ...cur, ...structuredClone(patch) });
      },
    },
  };
  // Only what these paths touch is provided; anything else would throw.
  return { deps: partial as unknown as LifecycleDeps, items, calls: () => getRunCalls };
}

const batch = (ids: unknown[]) => ({
  Items: ids.map((instanceId) => ({ instanceId })) as Array<{ instanceId: string }>,
  BatchInput: { runId: 'run-1' },
});

describe('EvaluateInstances: a batch', () => {
  it('an instance that keeps failing is retried (4 attempts) then excluded with the error; every other too', async () => {
    const w = world({ name: 'InternalServerError', message: 'DynamoDB had a fault' });
    const r = await evaluateBatch(w.deps, batch(['i-1', 'i-2']));
    expect(w.calls()).toBe(8);
    expect(r).toMatchObject({ items: 2, excluded: 2, evaluated: 0, failed: 0, invalid: 0 });
    expect(w.items.get('i-1')?.exclusions).toEqual([
      {
        instanceId: 'i-1',
        reason: 'EVALUATION_ERROR',
        message: 'evaluation failed after its retries: InternalServerError: DynamoDB had a fault',
      },
    ]);
    expect(w.items.get('i-3')?.evaluation).toBe('PENDING');
  });

  it('FINDING_REPORTED refused by the stack topic: the instance stays PENDING with the error, for FinalizeRun', async () => {
    const w = world({
      name: 'EventsNotPublishedError',
      message: 'FINDING_REPORTED of i-1 could not be published',
    });
    const r = await evaluateBatch(w.deps, batch(['i-1']));
    expect(r).toMatchObject({ failed: 1, excluded: 0 });
    expect(w.items.get('i-1')).toMatchObject({
      evaluation: 'PENDING',
      evaluationFailure: {
        error: 'EventsNotPublishedError',
        cause: 'FINDING_REPORTED of i-1 could not be published',
      },
    });
  });

  it('items that are not instance ids are skipped and counted; a batch without a run is refused', async () => {
    const w = world({ name: 'RunNotFoundError', message: 'gone' });
    const r = await evaluateBatch(w.deps, batch(['', null, 42, 'x'.repeat(300)]));
    expect(r).toMatchObject({ items: 4, invalid: 4 });
    expect(w.calls()).toBe(0);
    await expect(evaluateBatch(w.deps, { Items: [], BatchInput: {} } as never)).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
    await expect(evaluateBatch(w.deps, { BatchInput: { runId: 'run-1' } } as never)).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
  });

  it('past the deadline nothing starts: each instance is excluded saying the batch ran out of time', async () => {
    const w = world({ name: 'InternalServerError', message: 'not reached' });
    const r = await evaluateBatch(w.deps, batch(['i-1', 'i-2', 'i-3']), { deadline: Date.now() - 1 });
    expect(w.calls()).toBe(0);
    expect(r.excluded).toBe(3);
    expect(w.items.get('i-2')?.exclusions[0]?.message).toBe(
      'evaluation failed after its retries: EvaluationDeadlineError: the batch ran out of time before this instance could be evaluated',
    );
  });
});
