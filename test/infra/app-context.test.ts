/**
 * The `-c inspector:…` options (infra/stacks/app-context.ts) without synthesizing: what each documented
 * option turns into, and a wrong value refused at synth with the option named.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTEXT, stackPropsFromContext } from '../../infra/stacks/app-context';

// An App without an outdir makes a /tmp/cdk.out* directory of its own and leaves it: these never
// synthesize, so they share one outdir, removed at the end.
const outdir = mkdtempSync(path.join(os.tmpdir(), 'cdk.out-app-context-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const read = (context: Record<string, string>) => stackPropsFromContext(new App({ outdir, context }));

describe('cdk context options', () => {
  it('defaults: stack InspectorClassic, executables shipped, template topics named inspector-…', () => {
    expect(read({})).toEqual({
      stackName: 'InspectorClassic',
      props: expect.objectContaining({
        includeAgentExecutables: true,
        subscriberTopicPrefix: 'inspector-',
        subscriberTopicKeyArns: [],
        securityHubExport: false,
      }),
    });
    expect(read({}).props.evaluateConcurrency).toBeUndefined();
  });

  it('each documented option reaches the stack props', () => {
    const key = 'arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(
      read({
        [CONTEXT.stackName]: 'Other',
        [CONTEXT.agentExecutables]: 'false',
        [CONTEXT.evaluateConcurrency]: '5',
        [CONTEXT.subscriberTopicPrefix]: 'sec-',
        [CONTEXT.subscriberTopicKeyArns]: ` ${key} ,`,
        [CONTEXT.securityHubExport]: 'true',
      }),
    ).toEqual({
      stackName: 'Other',
      props: expect.objectContaining({
        includeAgentExecutables: false,
        evaluateConcurrency: 5,
        subscriberTopicPrefix: 'sec-',
        subscriberTopicKeyArns: [key],
        securityHubExport: true,
      }),
    });
  });

  it('refuses values that are not allowed, naming the option', () => {
    expect(() => read({ [CONTEXT.evaluateConcurrency]: '0' })).toThrow(/inspector:evaluateConcurrency=0/);
    expect(() => read({ [CONTEXT.evaluateConcurrency]: 'ten' })).toThrow(/an integer from 1 to 10000/);
    expect(() => read({ [CONTEXT.subscriberTopicPrefix]: 'a*' })).toThrow(/inspector:subscriberTopicPrefix/);
    expect(() => read({ [CONTEXT.securityHubExport]: 'yes' })).toThrow(
      /inspector:securityHubExport=yes: true or false/,
    );
    expect(() => read({ [CONTEXT.subscriberTopicKeyArns]: 'alias/aws/sns' })).toThrow(
      /alias\/aws\/sns is not a KMS key ARN/,
    );
  });
});
