/**
 * The encryption context the agent puts on its envelope, from its command line: in the cloud the instance
 * ARN is built from --instance-id and the partition, region and account of --kms-key-arn (the value the
 * instance policy compares with ec2:SourceInstanceARN); locally there is none.
 */
import { describe, expect, it } from 'vitest';
import { envelopeBinding, parseAgentArgs, UsageError } from '../../../agent/main';
import { encryptionContextFor } from '../../../functions/core/telemetry';

const cloud = (instanceId: string, kmsKeyArn: string) => [
  ...['--run-id', 'run-7', '--instance-id', instanceId, '--bucket', 'telemetry-bucket'],
  ...['--kms-key-arn', kmsKeyArn],
];
const base = (runId: string, instanceId: string) => ({
  'inspector:run-id': runId,
  'inspector:instance-id': instanceId,
  'inspector:schema-version': '1',
  'inspector:content-encoding': 'gzip+json',
});

describe('the agent envelope context', () => {
  it.each([
    {
      name: 'commercial partition',
      argv: cloud(
        'i-0123456789abcdef0',
        'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      ),
      want: {
        ...base('run-7', 'i-0123456789abcdef0'),
        'inspector:instance-arn': 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0',
      },
    },
    {
      name: 'China partition',
      argv: cloud(
        'i-0abc',
        'arn:aws-cn:kms:cn-northwest-1:111122223333:key/0b6f4c2e-1111-4a1a-9c3d-5e6f7a8b9c0d',
      ),
      want: {
        ...base('run-7', 'i-0abc'),
        'inspector:instance-arn': 'arn:aws-cn:ec2:cn-northwest-1:111122223333:instance/i-0abc',
      },
    },
    {
      name: 'GovCloud, multi-Region key',
      argv: cloud(
        'i-0def',
        'arn:aws-us-gov:kms:us-gov-east-1:444455556666:key/mrk-0123456789abcdef0123456789abcdef',
      ),
      want: {
        ...base('run-7', 'i-0def'),
        'inspector:instance-arn': 'arn:aws-us-gov:ec2:us-gov-east-1:444455556666:instance/i-0def',
      },
    },
    {
      name: 'local mode (key file): no instance ARN',
      argv: ['--out', '/tmp/t.bin', '--key-file', '/tmp/k', '--run-id', 'run-7', '--instance-id', 'web-1'],
      want: base('run-7', 'web-1'),
    },
  ])('$name', ({ argv, want }) => {
    const opts = parseAgentArgs(argv);
    expect(encryptionContextFor(opts, envelopeBinding(opts))).toEqual(want);
  });

  it.each([
    'arn:k',
    'arn:aws:kms:eu-west-1:123456789012:alias/telemetry',
    '1234abcd-12ab-34cd-56ef-1234567890ab',
    'arn:aws:s3:::bucket',
    'arn:aws:kms:eu-west-1:123:key/1234abcd',
  ])('refuses --kms-key-arn %s before collecting anything', (keyArn) => {
    expect(() => parseAgentArgs(cloud('i-0123456789abcdef0', keyArn))).toThrow(UsageError);
    expect(() => parseAgentArgs(cloud('i-0123456789abcdef0', keyArn))).toThrow(/is not a KMS key ARN/);
  });
});
