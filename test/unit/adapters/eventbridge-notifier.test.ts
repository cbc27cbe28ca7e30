/**
 * Run events on EventBridge against a fake PutEvents that enforces the service's limits (1-10 entries a call,
 * 256 KB per entry and per request, per-entry failures with FailedEntryCount): batching, retries of failed
 * entries only, throttled calls retried, permanent failures reported, oversized events refused, and the
 * notifier putting stack-topic events only.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EVENT_SOURCE,
  EventBridgeRunEvents,
  entrySize,
  SnsAndEventBridgeNotifier,
} from '../../../functions/adapters/aws/eventbridge-notifier';
import type { EventMessage, Notifier } from '../../../functions/ports/notifier';

const mock = mockClient(EventBridgeClient);
afterEach(() => mock.reset());

interface FakeOptions {
  /** Ids (detail.n) failed once each with InternalFailure. */
  failOnce?: Set<number>;
  /** Ids failed every time. */
  failAlways?: Set<number>;
  /** Calls throttled before any is accepted. */
  throttle?: number;
}

function fakeBus(opts: FakeOptions = {}) {
  const accepted: number[] = [];
  const calls: number[] = [];
  let throttle = opts.throttle ?? 0;
  mock.on(PutEventsCommand).callsFake((input: { Entries?: PutEventsRequestEntry[] }) => {
    const entries = input.Entries ?? [];
    calls.push(entries.length);
    const invalid = (m: string) =>
      Object.assign(new Error(m), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    if (entries.length === 0 || entries.length > 10) throw invalid('1-10 entries');
    if (entries.some((e) => entrySize(e) > 262_144)) throw invalid('entry over 256 KB');
    if (entries.reduce((n, e) => n + entrySize(e), 0) > 262_144) throw invalid('request over 256 KB');
    if (throttle > 0) {
      throttle--;
      throw Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $retryable: { throttling: true },
        $metadata: { httpStatusCode: 400 },
      });
    }
    const results = entries.map((e) => {
      const n = (JSON.parse(e.Detail ?? '{}') as { n: number }).n;
      if (opts.failAlways?.has(n) || opts.failOnce?.delete(n))
        return { ErrorCode: 'InternalFailure', ErrorMessage: 'retry' };
      accepted.push(n);
      return { EventId: `e${n}` };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  });
  return { accepted, calls };
}

const msg = (n: number, event = 'FINDING_REPORTED', pad = 0): EventMessage => ({
  subject: `s${n}`,
  body: JSON.stringify({ n, event, pad: 'x'.repeat(pad) }),
  attributes: { event, runId: 'run-1', templateId: 't' },
});
const noDelay = async () => {};

describe('EventBridgeRunEvents', () => {
  it('puts 25 events in calls of at most 10, with the source and detail types', async () => {
    const { accepted, calls } = fakeBus();
    await new EventBridgeRunEvents(new EventBridgeClient({}), 'default', noDelay).put(
      Array.from({ length: 25 }, (_, i) => msg(i)),
    );
    expect(calls).toEqual([10, 10, 5]);
    expect(accepted).toEqual(Array.from({ length: 25 }, (_, i) => i));
    const first = mock.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(first).toMatchObject({
      Source: EVENT_SOURCE,
      DetailType: 'Inspector Finding Reported',
      EventBusName: 'default',
    });
  });

  it('keeps each call under 256 KB: large events go fewer to a call', async () => {
    const { accepted, calls } = fakeBus();
    await new EventBridgeRunEvents(new EventBridgeClient({}), 'default', noDelay).put(
      Array.from({ length: 6 }, (_, i) => msg(i, 'FINDING_REPORTED', 100_000)),
    );
    expect(calls).toEqual([2, 2, 2]);
    expect(accepted).toHaveLength(6);
  });

  it('retries only the entries EventBridge failed, and throttled calls, without duplicates', async () => {
    const { accepted, calls } = fakeBus({ failOnce: new Set([3, 7]), throttle: 2 });
    await new EventBridgeRunEvents(new EventBridgeClient({}), 'default', noDelay).put(
      Array.from({ length: 10 }, (_, i) => msg(i)),
    );
    expect(calls).toEqual([10, 10, 10, 2]);
    expect(accepted.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('reports entries that keep failing, after bounded attempts', async () => {
    const { accepted, calls } = fakeBus({ failAlways: new Set([1]) });
    await expect(
      new EventBridgeRunEvents(new EventBridgeClient({}), 'default', noDelay).put([msg(0), msg(1)]),
    ).rejects.toThrow(/1 event\(s\) not accepted after 5 attempts \(InternalFailure/);
    expect(accepted).toEqual([0]);
    expect(calls).toEqual([2, 1, 1, 1, 1]);
  });

  it('refuses an event over 256 KB before sending anything', async () => {
    const { calls } = fakeBus();
    await expect(
      new EventBridgeRunEvents(new EventBridgeClient({}), 'default', noDelay).put([
        msg(0),
        msg(1, 'FINDING_REPORTED', 300_000),
      ]),
    ).rejects.toThrow(/over EventBridge's 262144-byte entry limit/);
    expect(calls).toEqual([]);
  });

  it('detail types by event', () => {
    const bus = new EventBridgeRunEvents(new EventBridgeClient({}));
    expect(bus.entry(msg(0, 'ASSESSMENT_RUN_STATE_CHANGED')).DetailType).toBe(
      'Inspector Assessment Run State Change',
    );
    expect(bus.entry(msg(0, 'ASSESSMENT_RUN_STARTED')).DetailType).toBe(
      'Inspector Assessment Run State Change',
    );
    expect(bus.entry(msg(0, 'ASSESSMENT_RUN_COMPLETED')).DetailType).toBe(
      'Inspector Assessment Run Completed',
    );
  });
});

describe('SnsAndEventBridgeNotifier', () => {
  it('publishes to SNS for every topic and puts on the bus only the stack topic messages', async () => {
    const { accepted } = fakeBus();
    const sns: Array<[string, number]> = [];
    const snsNotifier: Notifier = {
      publish: async (topic, messages) => {
        sns.push([topic, messages.length]);
      },
    };
    const n = new SnsAndEventBridgeNotifier(
      snsNotifier,
      new EventBridgeRunEvents(new EventBridgeClient({}), 'default', noDelay),
      'arn:stack',
    );
    await n.publish('arn:stack', [msg(1), msg(2)]);
    await n.publish('arn:team', [msg(1), msg(2)]);
    expect(sns).toEqual([
      ['arn:stack', 2],
      ['arn:team', 2],
    ]);
    expect(accepted).toEqual([1, 2]);
  });
});
