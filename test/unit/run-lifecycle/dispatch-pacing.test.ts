/**
 * Dispatch paces SendCommand: the token bucket (rate-limiter.ts) on a fake clock whose sleep moves the
 * clock, so the calls are counted per one-second window of that clock, never of wall time. Also the
 * bucket on its own (burst, rate, a frozen clock) and the jitter parameter Dispatch sends.
 */
import { describe, expect, it } from 'vitest';
import { loadLimits } from '../../../functions/core/assessment';
import { AGENT_COMMAND_PARAMETERS } from '../../../functions/core/run-lifecycle/agent-command';
import type { LifecycleDeps } from '../../../functions/core/run-lifecycle/deps';
import { agentUploadJitter, dispatchCommands } from '../../../functions/core/run-lifecycle/dispatch-commands';
import type { RunContext, RunInstance } from '../../../functions/core/run-lifecycle/model';
import { TokenBucket } from '../../../functions/core/run-lifecycle/rate-limiter';

class FakeClock {
  t = Date.parse('2026-12-01T10:00:00Z');
  sleeps: number[] = [];
  now = (): number => this.t;
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.t += ms;
  };
}

/** The most calls that fall in any window of `windowMs` starting at a call. */
function maxPerWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  for (let i = 0; i < times.length; i++) {
    let n = 0;
    for (let j = i; j < times.length && (times[j] as number) < (times[i] as number) + windowMs; j++) n++;
    best = Math.max(best, n);
  }
  return best;
}

describe('TokenBucket', () => {
  it('lets a burst through, then holds the average rate', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 4, burst: 4, now: clock.now, sleep: clock.sleep });
    const at: number[] = [];
    for (let i = 0; i < 40; i++) {
      await bucket.take();
      at.push(clock.t);
    }
    expect(at.slice(0, 4).every((t) => t === at[0])).toBe(true);
    expect(maxPerWindow(at, 1000)).toBeLessThanOrEqual(4 + 4);
    // 36 calls after the burst at 4 a second: 9 seconds of the fake clock.
    expect((at.at(-1) as number) - (at[0] as number)).toBe(9000);
    expect(bucket.waitedMs).toBe(9000);
  });

  it('refills while the caller is busy elsewhere (no wait when calls are already slow)', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 1, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 10; i++) {
      await bucket.take();
      clock.t += 600; // the caller's own work takes longer than the interval
    }
    expect(clock.sleeps).toEqual([]);
  });

  it('still paces with a frozen clock (the sleeps alone bound the rate; no spinning)', async () => {
    const frozen = Date.parse('2026-12-01T10:00:00Z');
    const sleeps: number[] = [];
    const bucket = new TokenBucket({
      ratePerSecond: 5,
      burst: 1,
      now: () => frozen,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    for (let i = 0; i < 6; i++) await bucket.take();
    expect(sleeps).toEqual([200, 200, 200, 200, 200]);
  });

  it('refuses a rate that is not positive', () => {
    const clock = new FakeClock();
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1, now: clock.now, sleep: clock.sleep })).toThrow(
      /positive/,
    );
  });
});

function instance(i: number): RunInstance {
  return {
    runId: 'run-1',
    instanceId: `i-${String(i).padStart(17, '0')}`,
    architecture: 'x86_64',
    agentHealth: 'HEALTHY',
    collection: 'PENDING',
    evaluation: 'PENDING',
    exclusions: [],
    updatedAt: '2026-12-01T09:00:00Z',
  };
}

function dispatchDeps(count: number, limits: Record<string, unknown>, clock: FakeClock) {
  const stored = new Map(Array.from({ length: count }, (_, i) => instance(i)).map((x) => [x.instanceId, x]));
  const run = {
    runId: 'run-1',
    name: 'r',
    templateId: 't',
    state: 'START_DATA_COLLECTION_IN_PROGRESS',
    topics: [],
    stateHistory: [],
  };
  const sends: Array<{ at: number; instances: number; parameters: Record<string, string> }> = [];
  const deps = {
    now: () => new Date(clock.t),
    sleep: clock.sleep,
    log: { info: () => {}, warn: () => {}, error: () => {} },
    metrics: { count: () => {} },
    config: {
      eventsTopicArn: 'arn:aws:sns:us-east-1:123456789012:events',
      agentDocumentName: 'Doc',
      kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
      limits: loadLimits(JSON.stringify(limits)),
    },
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
      send: async (req: { instanceIds: string[]; parameters: Record<string, string> }) => {
        sends.push({ at: clock.t, instances: req.instanceIds.length, parameters: req.parameters });
        return `cmd-${sends.length}`;
      },
    },
    notifier: { publish: async () => {} },
  };
  // Only what DispatchCommands touches is provided.
  return { deps: deps as unknown as LifecycleDeps, sends, stored };
}

function context(count: number): RunContext {
  return {
    runId: 'run-1',
    durationSeconds: 300,
    instanceCount: count,
    commandCount: 0,
    pollIntervalSeconds: 30,
    collectionDone: false,
    skipEvaluation: false,
  };
}

describe('DispatchCommands paces SendCommand', () => {
  it('10,000 instances: 200 calls of 50, never more than the configured rate per second of the clock', async () => {
    const clock = new FakeClock();
    const { deps, sends, stored } = dispatchDeps(10_000, { commandSendsPerSecond: 5 }, clock);
    const started = clock.t;
    const out = await dispatchCommands(deps, context(10_000));
    expect(sends).toHaveLength(200);
    expect(sends.every((s) => s.instances === 50)).toBe(true);
    expect(out.commandCount).toBe(200);
    expect(new Set([...stored.values()].map((i) => i.commandId)).size).toBe(200);
    expect([...stored.values()].every((i) => i.commandId)).toBe(true);
    // A burst of 5, then 5 a second: no one-second window holds more than burst + rate.
    expect(
      maxPerWindow(
        sends.map((s) => s.at),
        1000,
      ),
    ).toBeLessThanOrEqual(10);
    // 195 paced calls at 5 a second: 39 s of the fake clock.
    expect(clock.t - started).toBe(39_000);
  });

  it('a lower rate stretches the same dispatch (1 call a second)', async () => {
    const clock = new FakeClock();
    const { deps, sends } = dispatchDeps(500, { commandSendsPerSecond: 1 }, clock);
    await dispatchCommands(deps, context(500));
    expect(sends).toHaveLength(10);
    expect(
      maxPerWindow(
        sends.map((s) => s.at),
        1000,
      ),
    ).toBe(1);
    expect(sends.map((s) => s.at - (sends[0] as { at: number }).at)).toEqual(
      Array.from({ length: 10 }, (_, i) => i * 1000),
    );
  });

  it('sends the agent upload jitter (limits.agentUploadJitterSeconds) as a command parameter', async () => {
    const clock = new FakeClock();
    const { deps, sends } = dispatchDeps(3, { agentUploadJitterSeconds: 45 }, clock);
    await dispatchCommands(deps, context(3));
    expect(sends[0]?.parameters[AGENT_COMMAND_PARAMETERS.uploadJitterSeconds]).toBe('45');
  });
});

describe('limits', () => {
  it('defaults: 5 SendCommand calls a second, a 30 s upload jitter', () => {
    expect(loadLimits()).toMatchObject({ commandSendsPerSecond: 5, agentUploadJitterSeconds: 30 });
  });

  it('the jitter sent is at most half the command margin (the agent must finish within its timeout)', () => {
    expect(agentUploadJitter(loadLimits(JSON.stringify({ agentUploadJitterSeconds: 301 })))).toBe(300);
    expect(
      agentUploadJitter(
        loadLimits(JSON.stringify({ agentUploadJitterSeconds: 600, commandMarginSeconds: 1200 })),
      ),
    ).toBe(600);
    expect(agentUploadJitter(loadLimits(JSON.stringify({ commandMarginSeconds: 0 })))).toBe(0);
    expect(() => loadLimits(JSON.stringify({ commandSendsPerSecond: 0 }))).toThrow(/commandSendsPerSecond/);
  });
});
