/**
 * The AWS adapters issue 7 added or changed, against SDK-level mocks: SNS throttling retried with backoff
 * and caller errors thrown at once; which errors count as transient; execution status from Step Functions;
 * the metric line CloudWatch reads (its dimensions must match the stack's alarm).
 */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  EmfLifecycleMetrics,
  LIFECYCLE_METRICS_SERVICE,
  METRICS_NAMESPACE,
} from '../../../functions/adapters/aws/emf-metrics';
import { SfnExecutions } from '../../../functions/adapters/aws/sfn-executions';
import { SnsNotifier } from '../../../functions/adapters/aws/sns-notifier';
import { SsmCommandRunner } from '../../../functions/adapters/aws/ssm-agents';
import { isTransientAwsError } from '../../../functions/adapters/aws/transient-errors';
import { pollWaitSeconds } from '../../../functions/core/run-lifecycle/model';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:t';
const message = { subject: 's', body: '{"event":"X"}', attributes: { event: 'X' } };
const awsError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400 }, ...extra });

describe('SnsNotifier', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => sns.reset());

  it('retries PublishBatch calls SNS throttles, and delivers once', async () => {
    sns
      .on(PublishBatchCommand)
      .rejectsOnce(awsError('ThrottledException', { $retryable: { throttling: true } }))
      .rejectsOnce(awsError('Throttling'))
      .resolves({ Successful: [{ Id: '0', MessageId: 'm' }], Failed: [] });
    await new SnsNotifier(new SNSClient({})).publish(TOPIC, [message]);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(3);
  });

  it('throws at once what SNS refuses for the caller (deleted topic, key not usable)', async () => {
    sns.on(PublishBatchCommand).rejects(awsError('NotFoundException'));
    await expect(new SnsNotifier(new SNSClient({})).publish(TOPIC, [message])).rejects.toThrow(
      'NotFoundException',
    );
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(1);
    sns.reset();
    sns.on(PublishBatchCommand).resolves({
      Failed: [{ Id: '0', Code: 'KMSAccessDenied', SenderFault: true, Message: 'key' }],
    });
    await expect(new SnsNotifier(new SNSClient({})).publish(TOPIC, [message])).rejects.toThrow(
      /SNS refused an event .*KMSAccessDenied/,
    );
  });

  it('gives up on throttling that does not end, with the service error', async () => {
    sns.on(PublishBatchCommand).rejects(awsError('ThrottlingException'));
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const p = new SnsNotifier(new SNSClient({})).publish(TOPIC, [message]);
      const settled = p.catch((e: Error) => e);
      await vi.runAllTimersAsync();
      expect(((await settled) as Error).name).toBe('ThrottlingException');
    } finally {
      vi.useRealTimers();
    }
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(8);
  });
});

describe('isTransientAwsError', () => {
  it.each([
    [awsError('ThrottlingException'), true],
    [awsError('KMSInternalException'), true],
    [awsError('DependencyTimeoutException'), true],
    [awsError('KeyUnavailableException'), true],
    [awsError('Whatever', { $metadata: { httpStatusCode: 503 } }), true],
    [awsError('Whatever', { $metadata: { httpStatusCode: 429 } }), true],
    [awsError('Whatever', { $fault: 'server' }), true],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    [awsError('InvalidCiphertextException'), false],
    [awsError('AccessDeniedException'), false],
    [awsError('IncorrectKeyException'), false],
    [awsError('NotFoundException', { $metadata: { httpStatusCode: 404 } }), false],
    [new Error('plain'), false],
    [undefined, false],
  ])('%s → %s', (err, transient) => {
    expect(isTransientAwsError(err)).toBe(transient);
  });
});

describe('SfnExecutions', () => {
  const sfn = mockClient(SFNClient);
  afterEach(() => sfn.reset());
  const sm = 'arn:aws:states:eu-west-1:123456789012:stateMachine:AssessmentRun-x';

  it('asks for the execution ARN of the run and returns its status', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' });
    const executions = new SfnExecutions(new SFNClient({}), sm);
    expect(await executions.status('run-1')).toBe('ABORTED');
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input.executionArn).toBe(
      'arn:aws:states:eu-west-1:123456789012:execution:AssessmentRun-x:run-1',
    );
  });

  it('an execution that does not exist (any more) is NOT_FOUND; other errors are thrown', async () => {
    sfn.on(DescribeExecutionCommand).rejects(awsError('ExecutionDoesNotExist'));
    expect(await new SfnExecutions(new SFNClient({}), sm).status('old')).toBe('NOT_FOUND');
    sfn.reset();
    sfn.on(DescribeExecutionCommand).rejects(awsError('AccessDeniedException'));
    await expect(new SfnExecutions(new SFNClient({}), sm).status('x')).rejects.toThrow(
      'AccessDeniedException',
    );
  });
});

describe('EmfLifecycleMetrics', () => {
  it('writes one embedded-metric line with the namespace and the service dimension the alarm names', () => {
    const lines: string[] = [];
    // Powertools writes through its own Console on stdout.
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((l) => l.trim().length > 0),
      );
      return true;
    });
    try {
      new EmfLifecycleMetrics().count('SubscriberDeliveryFailures', 3);
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(1);
    const emf = JSON.parse(lines[0] as string);
    expect(emf._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service']],
        Metrics: [{ Name: 'SubscriberDeliveryFailures', Unit: 'Count' }],
      },
    ]);
    expect(emf).toMatchObject({ service: LIFECYCLE_METRICS_SERVICE, SubscriberDeliveryFailures: 3 });
  });
});

describe('pollWaitSeconds', () => {
  it.each([
    [180, 30, 30],
    [3600, 1, 4],
    [86_400, 30, 87],
    [60, 0, 1],
  ])('duration %i s, interval %i s → %i s (at most 1,000 polls over the duration)', (d, i, want) => {
    expect(pollWaitSeconds(d, i)).toBe(want);
  });
});

describe('SsmCommandRunner.commandStatuses', () => {
  const ssm = mockClient(SSMClient);
  afterEach(() => ssm.reset());

  it('lists the document once, and asks by id for a command the listing missed (a skewed clock)', async () => {
    const at = new Date('2026-12-02T10:00:00Z');
    ssm
      .on(ListCommandsCommand)
      .callsFake((input: { CommandId?: string }) =>
        input.CommandId === 'c-2'
          ? { Commands: [{ CommandId: 'c-2', Status: 'Success', RequestedDateTime: at }] }
          : { Commands: [{ CommandId: 'c-1', Status: 'InProgress', RequestedDateTime: at }] },
      );
    const runner = new SsmCommandRunner(new SSMClient({}), new SSMClient({}));
    const out = await runner.commandStatuses({
      documentName: 'Doc',
      invokedAfter: new Date('2026-12-04T00:00:00Z'),
      commandIds: ['c-1', 'c-2', 'c-3'],
    });
    expect(out.map((c) => [c.CommandId, c.Status])).toEqual([
      ['c-1', 'InProgress'],
      ['c-2', 'Success'],
    ]);
    // One listing page, then one call for each id it did not show (c-3: unknown to SSM, stays absent).
    const calls = ssm.commandCalls(ListCommandsCommand).map((c) => c.args[0].input.CommandId ?? 'list');
    expect(calls).toEqual(['list', 'c-2', 'c-3']);
  });
});
