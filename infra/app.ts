/**
 * The CDK app (cdk.json: `npx tsx infra/app.ts`). Synthesizes offline: Lambdas and the agent bundle are
 * built with the local esbuild, no Docker and no network. cdk-nag's AwsSolutions pack runs as a policy
 * validation plugin; synth fails on an unacknowledged error. The `-c inspector:…` options are read in
 * stacks/app-context.ts.
 */
import { App } from 'aws-cdk-lib';
import { addInspectorStack } from './stacks/app-context';

const app = new App();
addInspectorStack(
  app,
  process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
    ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } }
    : {},
);
app.synth();
