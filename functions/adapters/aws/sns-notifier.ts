/**
 * Notifier over SNS PublishBatch (10 messages a call). Entries SNS failed on its side are retried, then
 * reported; a call SNS throttles or fails on its side (429/5xx, timeouts) is retried with exponential
 * backoff and jitter (on top of the SDK's own attempts): a burst of FINDING_REPORTED events must not fail
 * a run. Errors of the caller's making (topic missing, access or key denied) are thrown at once.
 */
import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import type { EventMessage, Notifier } from '../../ports/notifier';
import { sleep } from './dynamo-batch';
import { isTransientAwsError } from './transient-errors';

const MAX_ATTEMPTS = 4;
/** Attempts of one PublishBatch call that SNS throttles (about 15 s of backoff in all). */
const MAX_THROTTLED_ATTEMPTS = 8;

export class SnsNotifier implements Notifier {
  constructor(private readonly sns: SNSClient) {}

  async publish(topicArn: string, messages: readonly EventMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      let entries: PublishBatchRequestEntry[] = messages.slice(i, i + 10).map((m, j) => ({
        Id: String(i + j),
        Subject: m.subject.slice(0, 100),
        Message: m.body,
        MessageAttributes: Object.fromEntries(
          Object.entries(m.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
      }));
      for (let attempt = 0; entries.length > 0; attempt++) {
        if (attempt >= MAX_ATTEMPTS)
          throw new Error(`SNS PublishBatch to ${topicArn}: ${entries.length} message(s) failed`);
        if (attempt > 0) await sleep(50 * 2 ** attempt);
        const out = await this.sendWithBackoff(
          new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }),
        );
        const failed = new Set((out.Failed ?? []).filter((f) => !f.SenderFault).map((f) => f.Id));
        const senderFault = (out.Failed ?? []).find((f) => f.SenderFault);
        if (senderFault)
          throw new Error(
            `SNS refused an event for ${topicArn}: ${senderFault.Code} ${senderFault.Message ?? ''}`,
          );
        entries = entries.filter((e) => failed.has(e.Id));
      }
    }
  }

  private async sendWithBackoff(command: PublishBatchCommand) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sns.send(command);
      } catch (err) {
        if (attempt >= MAX_THROTTLED_ATTEMPTS || !isTransientAwsError(err)) throw err;
        await sleep(Math.random() * Math.min(4000, 100 * 2 ** attempt));
      }
    }
  }
}
