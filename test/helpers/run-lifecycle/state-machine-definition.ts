/**
 * Synthesizes a test-only stack holding the AssessmentRunStateMachine construct (placeholder
 * lambda.Function code), and returns its definition with Fn::Join / Fn::GetAtt / Ref resolved to strings,
 * ready for aws-local-stepfunctions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  type AssessmentRunFunctions,
  AssessmentRunStateMachine,
} from '../../../infra/constructs/assessment-run-state-machine';

export const FUNCTION_KEYS = [
  'startRun',
  'checkAgents',
  'dispatchCommands',
  'pollCommands',
  'evaluateInstance',
  'evaluateNetwork',
  'finalizeRun',
  'failRun',
] as const satisfies ReadonlyArray<keyof AssessmentRunFunctions>;

export interface SynthesizedMachine {
  definition: Record<string, unknown>;
  template: Template;
}

/** The bucket of the evaluation manifests in the synthesized test stack (the harness's telemetry bucket). */
export const MANIFEST_BUCKET = 'inspector-telemetry';

export function synthesizeStateMachine(
  opts: { securityHubExport?: boolean; evaluateMaxConcurrency?: number } = {},
): SynthesizedMachine {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'cdk.out-run-lifecycle-'));
  try {
    // No built-in CloudFormation validation (~6 s of CPU a synth: its WASM engine is built anew in every test
    // file): this placeholder stack only carries the definition, the validator reports nothing on it, and
    // what it would report are warnings (not failures) nobody reads here. The real stacks, with this
    // construct in them, are validated in test/infra (deploy-readiness.test.ts: the built-in validator,
    // cdk-nag, cfn-lint, asl-validator).
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'RunLifecycleTest', {
      env: { account: '111122223333', region: 'us-east-1' },
    });
    const keys: Array<keyof AssessmentRunFunctions> = [
      ...FUNCTION_KEYS,
      ...(opts.securityHubExport ? (['exportSecurityHub'] as const) : []),
    ];
    const functions = Object.fromEntries(
      keys.map((k) => [
        k,
        new lambda.Function(stack, k, {
          runtime: lambda.Runtime.NODEJS_22_X,
          handler: 'index.handler',
          code: lambda.Code.fromInline('exports.handler = async () => ({});'),
        }),
      ]),
    ) as unknown as AssessmentRunFunctions; // built from the keys, one per key
    new AssessmentRunStateMachine(stack, 'AssessmentRun', {
      functions,
      // Imported by name: the definition then names the bucket itself, as the harness's S3 server has it.
      manifestBucket: s3.Bucket.fromBucketName(stack, 'ManifestBucket', MANIFEST_BUCKET),
      ...(opts.evaluateMaxConcurrency ? { evaluateMaxConcurrency: opts.evaluateMaxConcurrency } : {}),
    });
    const template = Template.fromStack(stack);
    const resources = template.findResources('AWS::StepFunctions::StateMachine');
    const sm = Object.values(resources)[0] as { Properties: { DefinitionString: unknown } };
    const text = resolveIntrinsics(sm.Properties.DefinitionString);
    if (typeof text !== 'string') throw new Error('DefinitionString did not resolve to a string');
    return { definition: JSON.parse(text) as Record<string, unknown>, template };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Resolves the intrinsics CDK emits in a definition: Fn::Join, Fn::GetAtt (Arn), Ref (partition...). */
export function resolveIntrinsics(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(resolveIntrinsics);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => String(resolveIntrinsics(p))).join(sep);
    }
    if ('Fn::GetAtt' in o) {
      const [logicalId, attr] = o['Fn::GetAtt'] as [string, string];
      if (attr === 'Arn') return `arn:aws:lambda:us-east-1:111122223333:function:${logicalId}`;
      return `${logicalId}.${attr}`;
    }
    if ('Ref' in o) {
      const ref = o.Ref as string;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return 'us-east-1';
      if (ref === 'AWS::AccountId') return '111122223333';
      return ref;
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolveIntrinsics(x)]));
  }
  return v;
}
