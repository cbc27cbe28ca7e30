/**
 * PollCommands after a stop with START_EVALUATION: it keeps polling while cancelled agents are still
 * delivering (SSM `Cancelling`), so evaluation finds their telemetry; the scenario test
 * (test/integration/run-lifecycle/scenarios.test.ts) covers the whole path once they have ended.
 */
import { describe, expect, it } from 'vitest';
import type { LifecycleDeps } from '../../../functions/core/run-lifecycle/deps';
import type { RunContext } from '../../../functions/core/run-lifecycle/model';
import { pollCommands, STOP_GRACE_SECONDS } from '../../../functions/core/run-lifecycle/poll-commands';

const now = new Date('2026-11-30T10:00:00Z');

function deps(stopAt: Date, cancelled: string[]): LifecycleDeps {
  const partial = {
    now: () => now,
    log: { info: () => {}, warn: () => {}, error: () => {} },
    runs: {
      getRun: async () => ({
        runId: 'run-1',
        createdAt: '2026-11-30T09:00:00Z',
        stopRequest: { action: 'START_EVALUATION', at: stopAt.toISOString() },
      }),
      listInstances: async () =>
        ['i-1', 'i-2'].map((instanceId) => ({
          runId: 'run-1',
          instanceId,
          collection: 'PENDING',
          evaluation: 'PENDING',
          commandId: 'cmd-1',
          exclusions: [],
        })),
    },
    config: { agentDocumentName: 'doc' },
    commands: {
      // One agent still delivering: the command is Cancelling, one of its two invocations completed.
      commandStatuses: async () => [
        {
          CommandId: 'cmd-1',
          Status: 'Cancelling',
          TargetCount: 2,
          CompletedCount: 1,
          ErrorCount: 0,
          DeliveryTimedOutCount: 0,
        },
      ],
      listInvocations: async () => {
        throw new Error('must not list invocations while agents are still delivering');
      },
      cancel: async (id: string) => {
        cancelled.push(id);
      },
    },
  };
  // Only what PollCommands touches on this path is provided; anything else would throw.
  return partial as unknown as LifecycleDeps;
}

const ctx: RunContext = {
  runId: 'run-1',
  durationSeconds: 3600,
  instanceCount: 2,
  commandCount: 1,
  deadline: '2026-11-30T12:00:00Z',
  pollIntervalSeconds: 30,
  collectionDone: false,
  skipEvaluation: false,
};

describe('PollCommands after a stop with START_EVALUATION', () => {
  it('cancels and waits while an agent is still delivering what it collected', async () => {
    const cancelled: string[] = [];
    const out = await pollCommands(deps(new Date(now.getTime() - 10_000), cancelled), ctx);
    expect(out.collectionDone).toBe(false);
    expect(cancelled).toEqual(['cmd-1']);
  });

  it('stops waiting once the grace period after the stop request has passed', async () => {
    const cancelled: string[] = [];
    const late = new Date(now.getTime() - (STOP_GRACE_SECONDS + 1) * 1000);
    // Past the grace period it goes on to the final reconciliation (listing the invocations).
    await expect(pollCommands(deps(late, cancelled), ctx)).rejects.toThrow(/must not list invocations/);
    expect(cancelled).toEqual(['cmd-1']);
  });
});
