/**
 * A retried PollCommands (the Lambda failed after recording the collection, e.g. while publishing a state
 * change) records each instance's collection once: one AGENT_FAILED exclusion per failed agent, and it
 * writes only the collection's attributes of an instance, never the whole item it read.
 */
import { describe, expect, it } from 'vitest';
import type { LifecycleDeps } from '../../../functions/core/run-lifecycle/deps';
import type { RunContext, RunInstance } from '../../../functions/core/run-lifecycle/model';
import { pollCommands } from '../../../functions/core/run-lifecycle/poll-commands';

const now = new Date('2026-11-30T10:00:00Z');

function instance(instanceId: string): RunInstance {
  return {
    runId: 'run-1',
    instanceId,
    agentHealth: 'HEALTHY',
    collection: 'PENDING',
    commandId: 'cmd-1',
    evaluation: 'PENDING',
    exclusions: [],
    updatedAt: '2026-11-30T09:00:00Z',
  };
}

const manifests: string[][] = [];

function deps(stored: Map<string, RunInstance>, failPublishOnce: { armed: boolean }): LifecycleDeps {
  const run = {
    runId: 'run-1',
    name: 'r',
    templateId: 't',
    state: 'COLLECTING_DATA',
    topics: [],
    createdAt: '2026-11-30T09:00:00Z',
  };
  const partial = {
    now: () => now,
    log: { info: () => {}, warn: () => {}, error: () => {} },
    config: { eventsTopicArn: 'arn:aws:sns:us-east-1:123456789012:events', agentDocumentName: 'doc' },
    runs: {
      getRun: async () => run,
      listInstances: async () => [...stored.values()].map((i) => structuredClone(i)),
      updateInstance: async (_runId: string, instanceId: string, patch: Partial<RunInstance>) => {
        const current = stored.get(instanceId);
        if (!current) throw new Error(`no instance ${instanceId}`);
        stored.set(instanceId, { ...current, ...structuredClone(patch) });
      },
      transition: async () => run,
    },
    manifests: {
      put: async (runId: string, ids: readonly string[]) => {
        manifests.push([...ids]);
        return {
          bucket: 'b',
          key: `manifests/${runId}/evaluate.json`,
          resultsPrefix: 'r',
        };
      },
    },
    commands: {
      commandStatuses: async () => [
        {
          CommandId: 'cmd-1',
          Status: 'Failed',
          TargetCount: 2,
          CompletedCount: 2,
          ErrorCount: 1,
          DeliveryTimedOutCount: 0,
        },
      ],
      listInvocations: async () => [
        { instanceId: 'i-ok', status: 'Success' },
        { instanceId: 'i-bad', status: 'Failed', statusDetails: 'exit 3' },
      ],
      cancel: async () => {},
    },
    notifier: {
      publish: async () => {
        if (failPublishOnce.armed) {
          failPublishOnce.armed = false;
          throw new Error('SNS throttled');
        }
      },
    },
  };
  // Only what PollCommands touches is provided; anything else would throw.
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

describe('PollCommands retried after recording the collection', () => {
  it('records one AGENT_FAILED exclusion per failed agent', async () => {
    const stored = new Map(['i-ok', 'i-bad'].map((id) => [id, instance(id)]));
    const failOnce = { armed: true };
    await expect(pollCommands(deps(stored, failOnce), ctx)).rejects.toThrow(/SNS throttled/);
    const out = await pollCommands(deps(stored, failOnce), ctx);
    expect(out.collectionDone).toBe(true);
    expect(out.instanceCount).toBe(1);
    // The instances to evaluate are the manifest (written again, the same, by the retry).
    expect(out.manifest).toMatchObject({ key: 'manifests/run-1/evaluate.json' });
    expect(manifests.at(-1)).toEqual(['i-ok']);
    const bad = stored.get('i-bad');
    expect(bad?.evaluation).toBe('EXCLUDED');
    expect(bad?.collection).toBe('FAILED');
    expect(bad?.exclusions).toEqual([
      {
        instanceId: 'i-bad',
        reason: 'AGENT_FAILED',
        message: "the agent's command ended with status Failed (exit 3)",
      },
    ]);
    expect(stored.get('i-ok')).toMatchObject({
      collection: 'SUCCEEDED',
      evaluation: 'PENDING',
      exclusions: [],
    });
  });
});
