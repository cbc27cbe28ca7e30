/**
 * The split of the lifecycle runtime: a Lambda whose handler does not load evaluation-runtime.ts (every state
 * but EvaluateInstance) has neither the rules packages nor the telemetry keyring, and says so clearly if a
 * state ever asks; loading it (EvaluateInstance's handler does) gives both, the registry's packages from the
 * sources here (from the side bundle beside index.js in the Lambda), and the EC2 fleet loads its client on
 * first use.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../../functions/adapters/aws/environment';
import { KmsKeyringProvider } from '../../../functions/adapters/aws/kms-keyring';
import { lazyEc2Fleet } from '../../../functions/adapters/aws/lazy-ec2-fleet';

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const saved = { ...process.env };

beforeAll(() => {
  // Every variable the lifecycle reads, but the optional ones whose values must be well-formed.
  for (const name of Object.values(ENV))
    if (!/ARTIFACT_(KEY|SHA256)_|LIMITS|FEED_|SECURITY_HUB|_JSON$/.test(name))
      process.env[name] = `test-${name.toLowerCase()}`;
  process.env[ENV.kmsKeyArn] = KEY_ARN;
  process.env.AWS_REGION = 'eu-west-1';
});
afterAll(() => {
  process.env = saved;
});

describe('lifecycle runtime without and with the evaluation parts', () => {
  it('without evaluation-runtime: rules packages and decryption are refused with the reason', async () => {
    const runtime = await import('../../../functions/handlers/lifecycle-runtime');
    const deps = runtime.lifecycleDeps();
    await expect(deps.resolveRulesPackages(['security-best-practices'])).rejects.toThrow(
      /rules packages are loaded only in the EvaluateInstance Lambda/,
    );
    expect(() => deps.keyrings.session()).toThrow(
      /telemetry is decrypted only in the EvaluateInstance Lambda/,
    );
  });

  it('with evaluation-runtime loaded: the registry resolves packages and the keyring is KMS', async () => {
    const runtime = await import('../../../functions/handlers/lifecycle-runtime');
    await import('../../../functions/handlers/evaluation-runtime');
    const deps = runtime.lifecycleDeps();
    expect(deps.keyrings).toBeInstanceOf(KmsKeyringProvider);
    const session = deps.keyrings.session();
    expect(session.keyring.constructor.name).toBe('KmsKeyringNode');
    const packages = await deps.resolveRulesPackages([
      'security-best-practices',
      'runtime-behavior-analysis',
    ]);
    expect(packages.map((p) => p.id)).toEqual(['security-best-practices', 'runtime-behavior-analysis']);
    // No feed bucket here: cve is refused by the registry with its own reason, as before the split.
    await expect(deps.resolveRulesPackages(['cve'])).rejects.toThrow(
      /rules package cve needs a vulnerability feed/,
    );
    // configureLifecycle keeps the evaluation parts (the harness relies on it) and forgets cached packages.
    runtime.configureLifecycle({});
    expect(runtime.lifecycleDeps().keyrings).toBeInstanceOf(KmsKeyringProvider);
  });
});

describe('lazyEc2Fleet', () => {
  it('loads the EC2 client on the first call and answers as Ec2Fleet does; a failed call is retried next time', async () => {
    const ec2 = mockClient(EC2Client);
    try {
      ec2
        .onAnyCommand()
        .rejectsOnce(new Error('throttled'))
        .resolves({
          Reservations: [
            {
              Instances: [
                {
                  InstanceId: 'i-0123456789abcdef0',
                  State: { Name: 'running' },
                  Tags: [{ Key: 'Env', Value: 'prod' }],
                  Architecture: 'arm64',
                },
              ],
            },
          ],
        });
      const fleet = lazyEc2Fleet();
      await expect(fleet.findInstances([{ key: 'Env', values: ['prod'] }])).rejects.toThrow('throttled');
      const found = await fleet.findInstances([{ key: 'Env', values: ['prod'] }]);
      expect(found.map((i) => [i.instanceId, i.state, i.architecture])).toEqual([
        ['i-0123456789abcdef0', 'running', 'arm64'],
      ]);
      expect(ec2.calls()).toHaveLength(2);
    } finally {
      ec2.restore();
    }
  });
});
