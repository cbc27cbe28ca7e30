/**
 * Dispatch passes each command a pre-signed URL of its artifact (agentUrl) and of the legacy artifact
 * (legacyAgentUrl), signed per batch for the command timeout, and never logs them.
 */
import { describe, expect, it } from 'vitest';
import { loadLimits } from '../../../functions/core/assessment';
import type { AgentArtifacts } from '../../../functions/core/run-lifecycle/agent-artifacts';
import { AGENT_ARTIFACT_PARAMETERS } from '../../../functions/core/run-lifecycle/agent-command';
import type { LifecycleDeps } from '../../../functions/core/run-lifecycle/deps';
import { dispatchCommands } from '../../../functions/core/run-lifecycle/dispatch-commands';
import type { RunContext, RunInstance } from '../../../functions/core/run-lifecycle/model';
import type { AgentArtifactUrls } from '../../../functions/ports/agent-artifact-urls';

const sha = (c: string) => c.repeat(64);
const ARTIFACTS: AgentArtifacts = {
  x86_64: { key: 'x.gz', sha256: sha('a'), legacy: { key: 'x-legacy.gz', sha256: sha('c') } },
  arm64: { key: 'a.gz', sha256: sha('b') },
};

function instance(i: number, architecture: string): RunInstance {
  return {
    runId: 'run-1',
    instanceId: `i-${String(i).padStart(17, '0')}`,
    architecture,
    agentHealth: 'HEALTHY',
    collection: 'PENDING',
    evaluation: 'PENDING',
    exclusions: [],
    updatedAt: '2026-12-01T09:00:00Z',
  };
}

function setup(withUrls: boolean) {
  const instances = [...Array.from({ length: 60 }, (_, i) => instance(i, 'x86_64')), instance(100, 'arm64')];
  const stored = new Map(instances.map((x) => [x.instanceId, x]));
  const run = {
    runId: 'run-1',
    name: 'r',
    templateId: 't',
    state: 'START_DATA_COLLECTION_IN_PROGRESS',
    topics: [],
    stateHistory: [],
  };
  const sends: Array<{ instances: number; parameters: Record<string, string>; timeoutSeconds: number }> = [];
  const signed: Array<{ key: string; lifetimeSeconds: number }> = [];
  const logged: string[] = [];
  const log = (m: string, extra?: Record<string, unknown>) => logged.push(`${m} ${JSON.stringify(extra)}`);
  let n = 0;
  const artifactUrls: AgentArtifactUrls = {
    urlFor: async (key, lifetimeSeconds) => {
      signed.push({ key, lifetimeSeconds });
      return `https://assets.s3.eu-west-1.amazonaws.com/${key}?X-Amz-Signature=secret${++n}`;
    },
  };
  const deps = {
    now: () => new Date('2026-12-01T10:00:00Z'),
    sleep: async () => {},
    log: { info: log, warn: log, error: log },
    metrics: { count: () => {} },
    config: {
      eventsTopicArn: 'arn:aws:sns:us-east-1:123456789012:events',
      agentDocumentName: 'Doc',
      kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
      agentArtifacts: ARTIFACTS,
      limits: loadLimits(JSON.stringify({ commandSendsPerSecond: 1000 })),
    },
    ...(withUrls ? { artifactUrls } : {}),
    runs: {
      getRun: async () => run,
      listInstances: async () => [...stored.values()].map((i) => structuredClone(i)),
      putInstances: async (items: RunInstance[]) => {
        for (const i of items) stored.set(i.instanceId, structuredClone(i));
      },
      transition: async () => run,
    },
    telemetry: { uploadLocation: (runId: string) => ({ bucket: 'tb', prefix: `telemetry/${runId}/` }) },
    commands: {
      findCommands: async () => [],
      send: async (req: {
        instanceIds: string[];
        parameters: Record<string, string>;
        timeoutSeconds: number;
      }) => {
        sends.push({
          instances: req.instanceIds.length,
          parameters: req.parameters,
          timeoutSeconds: req.timeoutSeconds,
        });
        return `cmd-${sends.length}`;
      },
    },
    notifier: { publish: async () => {} },
  };
  // Only what DispatchCommands touches is provided.
  return { deps: deps as unknown as LifecycleDeps, sends, signed, logged };
}

const ctx: RunContext = {
  runId: 'run-1',
  durationSeconds: 300,
  instanceCount: 61,
  commandCount: 0,
  pollIntervalSeconds: 30,
  collectionDone: false,
  skipEvaluation: false,
};

describe('Dispatch: pre-signed agent artifact URLs', () => {
  it('signs each artifact once per batch for the command timeout, legacy included, and logs none', async () => {
    const { deps, sends, signed, logged } = setup(true);
    await dispatchCommands(deps, ctx);
    // x86_64: batches of 50 and 10; arm64: one of 1
    expect(sends.map((s) => s.instances)).toEqual([50, 10, 1]);
    expect(signed).toEqual([
      { key: 'x.gz', lifetimeSeconds: 900 },
      { key: 'x-legacy.gz', lifetimeSeconds: 900 },
      { key: 'x.gz', lifetimeSeconds: 900 },
      { key: 'x-legacy.gz', lifetimeSeconds: 900 },
      { key: 'a.gz', lifetimeSeconds: 900 },
    ]);
    expect(sends.every((s) => s.timeoutSeconds === 900)).toBe(true);
    expect(sends[0]?.parameters).toMatchObject({
      agentKey: 'x.gz',
      agentSha256: sha('a'),
      agentUrl: expect.stringMatching(/^https:\/\/assets\.s3\.eu-west-1\.amazonaws\.com\/x\.gz\?/),
      legacyAgentKey: 'x-legacy.gz',
      legacyAgentUrl: expect.stringMatching(/\/x-legacy\.gz\?/),
    });
    // a fresh URL per batch
    expect(sends[1]?.parameters.agentUrl).not.toBe(sends[0]?.parameters.agentUrl);
    expect(sends[2]?.parameters).toMatchObject({
      agentKey: 'a.gz',
      agentUrl: expect.stringContaining('/a.gz?'),
    });
    expect(sends[2]?.parameters.legacyAgentUrl).toBeUndefined();
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('\n')).not.toContain('X-Amz-Signature');
  });

  it('without the port no URL is sent (instances run only a cached version)', async () => {
    const { deps, sends } = setup(false);
    await dispatchCommands(deps, ctx);
    expect(sends).toHaveLength(3);
    for (const s of sends) expect(s.parameters[AGENT_ARTIFACT_PARAMETERS.url]).toBeUndefined();
    expect(sends[0]?.parameters.agentKey).toBe('x.gz');
  });
});
