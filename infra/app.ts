/**
 * The CDK app (cdk.json: `npx tsx infra/app.ts`). Synthesizes offline: Lambdas and the agent bundle are
 * built with the local esbuild, no Docker and no network. cdk-nag's AwsSolutions pack runs as a policy
 * validation plugin; synth fails on an unacknowledged error.
 */
import { App } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib/core';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InspectorStack } from './stacks/inspector-stack';

const app = new App();
const stackName = (app.node.tryGetContext('inspector:stackName') as string | undefined) ?? 'InspectorClassic';
new InspectorStack(app, stackName, {
  description: 'Self-hosted Amazon Inspector Classic: agent-based, time-boxed host assessments',
  includeAgentExecutables: String(app.node.tryGetContext('inspector:agentExecutables') ?? 'true') !== 'false',
  // `-c inspector:distributedMap=true`: Evaluate as a distributed Map, for fleets of thousands.
  distributedMap: String(app.node.tryGetContext('inspector:distributedMap') ?? 'false') === 'true',
  ...(process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
    ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } }
    : {}),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
