/**
 * The `cdk deploy -c inspector:…` context options (README, "Deploy to AWS"), read and checked in one place:
 * infra/app.ts builds the deployed app with it, and test/infra/deploy-readiness.test.ts synthesizes every
 * combination in DOCUMENTED_CONTEXT_COMBINATIONS through the same function (cdk-nag, cfn-lint, asl-validator).
 */
import type { App } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib/core';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InspectorStack, type InspectorStackProps } from './inspector-stack';

export const CONTEXT = {
  stackName: 'inspector:stackName',
  agentExecutables: 'inspector:agentExecutables',
  evaluateConcurrency: 'inspector:evaluateConcurrency',
  subscriberTopicPrefix: 'inspector:subscriberTopicPrefix',
  subscriberTopicKeyArns: 'inspector:subscriberTopicKeyArns',
  securityHubExport: 'inspector:securityHubExport',
} as const;

export const DEFAULT_STACK_NAME = 'InspectorClassic';
/** Template topics the lifecycle may publish to: names starting with this (besides the stack's topic). */
export const DEFAULT_SUBSCRIBER_TOPIC_PREFIX = 'inspector-';

/** Context combinations the README documents; each must synthesize clean (nag, cfn-lint, asl-validator). */
export const DOCUMENTED_CONTEXT_COMBINATIONS: ReadonlyArray<{
  name: string;
  context: Record<string, string>;
}> = [
  { name: 'defaults', context: {} },
  {
    name: 'fleet',
    context: {
      [CONTEXT.stackName]: 'InspectorFleet',
      [CONTEXT.evaluateConcurrency]: '200',
    },
  },
  {
    name: 'low-quota-bundle-only',
    context: {
      [CONTEXT.agentExecutables]: 'false',
      [CONTEXT.evaluateConcurrency]: '5',
      [CONTEXT.subscriberTopicPrefix]: 'security-alerts-',
      [CONTEXT.subscriberTopicKeyArns]:
        'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    },
  },
  { name: 'security-hub-export', context: { [CONTEXT.securityHubExport]: 'true' } },
];

function text(app: App, key: string): string | undefined {
  const v = app.node.tryGetContext(key) as unknown;
  return v === undefined || v === null ? undefined : String(v);
}

/** The stack name and props the context asks for; throws on a value that is not allowed, naming it. */
export function stackPropsFromContext(app: App): { stackName: string; props: InspectorStackProps } {
  const stackName = text(app, CONTEXT.stackName) ?? DEFAULT_STACK_NAME;
  const concurrency = text(app, CONTEXT.evaluateConcurrency);
  let evaluateConcurrency: number | undefined;
  if (concurrency !== undefined) {
    evaluateConcurrency = Number(concurrency);
    if (!Number.isInteger(evaluateConcurrency) || evaluateConcurrency < 1 || evaluateConcurrency > 10_000)
      throw new Error(`${CONTEXT.evaluateConcurrency}=${concurrency}: an integer from 1 to 10000`);
  }
  const prefix = text(app, CONTEXT.subscriberTopicPrefix) ?? DEFAULT_SUBSCRIBER_TOPIC_PREFIX;
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(prefix))
    throw new Error(
      `${CONTEXT.subscriberTopicPrefix}=${prefix}: letters, digits, - and _ only (a topic name prefix)`,
    );
  const keys = (text(app, CONTEXT.subscriberTopicKeyArns) ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const securityHub = text(app, CONTEXT.securityHubExport) ?? 'false';
  if (securityHub !== 'true' && securityHub !== 'false')
    throw new Error(`${CONTEXT.securityHubExport}=${securityHub}: true or false`);
  for (const k of keys)
    if (!/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(k))
      throw new Error(
        `${CONTEXT.subscriberTopicKeyArns}: ${k} is not a KMS key ARN (arn:…:kms:REGION:ACCOUNT:key/ID)`,
      );
  return {
    stackName,
    props: {
      description: 'Self-hosted Amazon Inspector Classic: agent-based, time-boxed host assessments',
      includeAgentExecutables: (text(app, CONTEXT.agentExecutables) ?? 'true') !== 'false',
      ...(evaluateConcurrency !== undefined ? { evaluateConcurrency } : {}),
      subscriberTopicPrefix: prefix,
      subscriberTopicKeyArns: keys,
      // Each completed run's findings to Security Hub (ExportToSecurityHub); off by default.
      securityHubExport: securityHub === 'true',
    },
  };
}

/** Adds the product stack the context describes and cdk-nag's AwsSolutions checks (synth fails on an error). */
export function addInspectorStack(app: App, extra: Partial<InspectorStackProps> = {}): InspectorStack {
  const { stackName, props } = stackPropsFromContext(app);
  const stack = new InspectorStack(app, stackName, { ...props, ...extra });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
