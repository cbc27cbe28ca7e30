/**
 * Run events on the account's default EventBridge bus, beside SNS: every message published to the stack's
 * run-events topic is also put on the bus once (the template's own topics get the same messages by SNS only,
 * so an event is never put twice). Source `inspector.classic.selfhosted`; detail types:
 *   ASSESSMENT_RUN_STARTED, ASSESSMENT_RUN_STATE_CHANGED → "Inspector Assessment Run State Change"
 *   FINDING_REPORTED                                   → "Inspector Finding Reported"
 *   ASSESSMENT_RUN_COMPLETED                           → "Inspector Assessment Run Completed"
 * and the SNS message body as `detail`.
 *
 * PutEvents limits (EventBridge API reference, PutEvents; User Guide, "Calculating PutEvents event entry
 * size"): at most 10 entries a call, 256 KB per entry and per request. Entries are batched 10 at a time and
 * under 256 KB a call; entries EventBridge failed (FailedEntryCount, per-entry ErrorCode) are retried with
 * exponential backoff and jitter, then reported by throwing (the state machine retries the step: at least
 * once, like SNS); a throttled or failed call is retried the same way. An entry over 256 KB is refused before
 * anything is sent.
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { RunEvent } from '../../core/run';
import type { EventMessage, Notifier } from '../../ports/notifier';
import { sleep } from './dynamo-batch';
import { isTransientAwsError } from './transient-errors';

export const EVENT_SOURCE = 'inspector.classic.selfhosted';
export const DETAIL_TYPES: Record<RunEvent, string> = {
  ASSESSMENT_RUN_STARTED: 'Inspector Assessment Run State Change',
  ASSESSMENT_RUN_STATE_CHANGED: 'Inspector Assessment Run State Change',
  FINDING_REPORTED: 'Inspector Finding Reported',
  ASSESSMENT_RUN_COMPLETED: 'Inspector Assessment Run Completed',
};
export const PUT_EVENTS_LIMITS = { entriesPerCall: 10, bytesPerEntry: 256 * 1024, bytesPerCall: 256 * 1024 };
const MAX_ATTEMPTS = 5;

/** An entry's size as EventBridge counts it: 14 bytes for Time, plus the UTF-8 bytes of the other fields. */
export function entrySize(e: PutEventsRequestEntry): number {
  const b = (s?: string) => (s ? Buffer.byteLength(s, 'utf8') : 0);
  return (
    14 +
    b(e.Source) +
    b(e.DetailType) +
    b(e.Detail) +
    (e.Resources ?? []).reduce((n, r) => n + b(r), 0) +
    b(e.EventBusName)
  );
}

export class EventBridgeRunEvents {
  constructor(
    private readonly events: EventBridgeClient,
    private readonly busName = 'default',
    private readonly delay: (attempt: number) => Promise<void> = (attempt) =>
      sleep(Math.random() * Math.min(4000, 100 * 2 ** attempt)),
  ) {}

  entry(m: EventMessage): PutEventsRequestEntry {
    const event = m.attributes.event as RunEvent | undefined;
    return {
      Source: EVENT_SOURCE,
      DetailType: (event && DETAIL_TYPES[event]) || 'Inspector Assessment Run Event',
      Detail: m.body,
      EventBusName: this.busName,
    };
  }

  async put(messages: readonly EventMessage[]): Promise<void> {
    const entries = messages.map((m) => this.entry(m));
    for (const e of entries) {
      const size = entrySize(e);
      if (size > PUT_EVENTS_LIMITS.bytesPerEntry)
        throw new Error(
          `an event of ${size} bytes is over EventBridge's ${PUT_EVENTS_LIMITS.bytesPerEntry}-byte entry limit`,
        );
    }
    // Batches of at most 10 entries and 256 KB.
    let batch: PutEventsRequestEntry[] = [];
    let bytes = 0;
    for (const e of entries) {
      const size = entrySize(e);
      if (
        batch.length === PUT_EVENTS_LIMITS.entriesPerCall ||
        bytes + size > PUT_EVENTS_LIMITS.bytesPerCall
      ) {
        await this.putBatch(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(e);
      bytes += size;
    }
    if (batch.length > 0) await this.putBatch(batch);
  }

  private async putBatch(entries: PutEventsRequestEntry[]): Promise<void> {
    let pending = entries;
    let lastError = '';
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS)
        throw new Error(
          `EventBridge PutEvents: ${pending.length} event(s) not accepted after ${MAX_ATTEMPTS} attempts (${lastError})`,
        );
      if (attempt > 0) await this.delay(attempt);
      let out: PutEventsCommandOutput;
      try {
        out = await this.events.send(new PutEventsCommand({ Entries: pending }));
      } catch (err) {
        if (!isTransientAwsError(err)) throw err;
        lastError = `${(err as Error).name}: ${(err as Error).message}`;
        continue;
      }
      if (!out.FailedEntryCount) return;
      // Entries answer in request order; a failed one has an ErrorCode.
      const results = out.Entries ?? [];
      const failed = pending.filter((_, i) => results[i]?.ErrorCode);
      const first = results.find((r) => r.ErrorCode);
      lastError = `${first?.ErrorCode ?? 'unknown'}: ${first?.ErrorMessage ?? ''}`;
      pending = failed.length > 0 ? failed : pending;
    }
  }
}

/** SNS for every topic, and EventBridge for the messages of the stack's own topic. */
export class SnsAndEventBridgeNotifier implements Notifier {
  constructor(
    private readonly sns: Notifier,
    private readonly bus: EventBridgeRunEvents,
    private readonly stackTopicArn: string,
  ) {}

  async publish(topicArn: string, messages: readonly EventMessage[]): Promise<void> {
    await this.sns.publish(topicArn, messages);
    if (topicArn === this.stackTopicArn) await this.bus.put(messages);
  }
}
