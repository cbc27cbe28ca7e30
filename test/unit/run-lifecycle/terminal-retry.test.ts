/**
 * FinalizeRun and FailRun retried after their terminal state change was recorded but its events could not
 * be published: the locks are released on the failed attempt already, and the retry publishes
 * ASSESSMENT_RUN_COMPLETED (the run is already terminal, so the change itself is not applied twice).
 */
import { describe, expect, it } from 'vitest';
import type { RunState } from '../../../functions/core/run';
import { TERMINAL_RUN_STATES } from '../../../functions/core/run';
import type { LifecycleDeps } from '../../../functions/core/run-lifecycle/deps';
import { failRun } from '../../../functions/core/run-lifecycle/fail-run';
import { finalizeRun } from '../../../functions/core/run-lifecycle/finalize-run';
import type { RunInstance, StoredRun } from '../../../functions/core/run-lifecycle/model';
import type { TransitionOptions } from '../../../functions/ports/run-store';

const now = new Date('2026-11-30T10:00:00Z');
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:events';

function world() {
  const run = {
    runId: 'run-1',
    name: 'r',
    templateId: 't',
    state: 'EVALUATING_RULES' as RunState,
    stateHistory: [{ state: 'EVALUATING_RULES' as RunState, at: '2026-11-30T09:59:00Z' }],
    topics: [],
    findingCounts: { High: 0, Medium: 0, Low: 0, Informational: 0 },
  } as unknown as StoredRun;
  const instance: RunInstance = {
    runId: 'run-1',
    instanceId: 'i-1',
    agentHealth: 'HEALTHY',
    collection: 'SUCCEEDED',
    evaluation: 'EVALUATED',
    exclusions: [],
    findingCounts: { High: 1, Medium: 0, Low: 0, Informational: 0 },
    updatedAt: '2026-11-30T09:59:00Z',
  };
  const events: Array<{ event: string; state: string }> = [];
  const released: string[][] = [];
  const failPublish = { armed: true };
  const partial = {
    now: () => now,
    log: { info: () => {}, warn: () => {}, error: () => {} },
    config: { eventsTopicArn: TOPIC },
    runs: {
      getRun: async () => structuredClone(run),
      listInstances: async () => [structuredClone(instance)],
      transition: async (_id: string, to: RunState, opts: TransitionOptions) => {
        if (TERMINAL_RUN_STATES.includes(run.state)) return undefined;
        Object.assign(run, opts.patch ?? {}, { state: to });
        run.stateHistory.push({ state: to, at: opts.at });
        return structuredClone(run);
      },
      recordTerminalEventsPublished: async (_id: string, at: string) => {
        run.terminalEventsPublishedAt = at;
      },
      updateInstance: async () => {},
    },
    locks: {
      release: async (_runId: string, ids: readonly string[]) => {
        released.push([...ids]);
      },
    },
    commands: { cancel: async () => {} },
    notifier: {
      publish: async (_topic: string, messages: Array<{ body: string }>) => {
        if (failPublish.armed) {
          failPublish.armed = false;
          throw new Error('SNS throttled');
        }
        for (const m of messages) {
          const body = JSON.parse(m.body) as { event: string; state: string };
          events.push({ event: body.event, state: body.state });
        }
      },
    },
  };
  // Only what FinalizeRun and FailRun touch is provided; anything else would throw.
  return { deps: partial as unknown as LifecycleDeps, run, events, released };
}

describe('a terminal state change retried after its events failed to publish', () => {
  it('FinalizeRun releases the locks on the failed attempt and publishes the completion on the retry', async () => {
    const w = world();
    await expect(finalizeRun(w.deps, { runId: 'run-1', skipEvaluation: false })).rejects.toThrow(
      /SNS throttled/,
    );
    expect(w.released).toEqual([['i-1']]);
    const out = await finalizeRun(w.deps, { runId: 'run-1', skipEvaluation: false });
    expect(out.state).toBe('COMPLETED');
    expect(w.events).toEqual([
      { event: 'ASSESSMENT_RUN_STATE_CHANGED', state: 'COMPLETED' },
      { event: 'ASSESSMENT_RUN_COMPLETED', state: 'COMPLETED' },
    ]);
    expect(w.run.stateHistory.map((h) => h.state)).toEqual(['EVALUATING_RULES', 'COMPLETED']);
  });

  it('FailRun releases the locks on the failed attempt and publishes the completion on the retry', async () => {
    const w = world();
    const req = {
      state: { runId: 'run-1', error: { Error: 'Boom', Cause: 'it broke' } },
      executionName: 'x',
    };
    await expect(failRun(w.deps, req)).rejects.toThrow(/SNS throttled/);
    expect(w.released).toEqual([['i-1']]);
    await failRun(w.deps, req);
    expect(w.events).toEqual([
      { event: 'ASSESSMENT_RUN_STATE_CHANGED', state: 'FAILED' },
      { event: 'ASSESSMENT_RUN_COMPLETED', state: 'FAILED' },
    ]);
    expect(w.run.failure).toEqual({ error: 'Boom', cause: 'it broke' });
  });
});
