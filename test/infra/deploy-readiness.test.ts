/**
 * Issue 16: what a real account's first and second `cdk deploy` need, checked on the template of every
 * context combination the README documents (infra/stacks/app-context.ts), each synthesized ONCE here through
 * the same code as infra/app.ts: cdk-nag (no unacknowledged error; every acknowledgement's reason names the
 * resource it excuses), cfn-lint (on PATH, one run over all templates; fails on an error), asl-validator on
 * every state machine definition, and one assertion per item of the issue.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Validations } from 'aws-cdk-lib/core';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_EVALUATE_CONCURRENCY,
  STATE_MACHINE_LOG_GROUP_PREFIX,
} from '../../infra/constructs/assessment-run-state-machine';
import { addInspectorStack, DOCUMENTED_CONTEXT_COMBINATIONS } from '../../infra/stacks/app-context';
import type { InspectorStack } from '../../infra/stacks/inspector-stack';
import { REPO_ROOT } from '../../scripts/build-agent';
import { resolveIntrinsics } from '../helpers/run-lifecycle/state-machine-definition';

const run = promisify(execFile);
const aslValidator = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  opts?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string };

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
type Statement = Record<string, unknown> & { Action?: unknown; Resource?: unknown; Condition?: unknown };

interface Synth {
  name: string;
  context: Record<string, string>;
  stack: InspectorStack;
  template: Template;
  json: { Resources: Record<string, Resource> };
  templateFile: string;
  outdir: string;
  synthError?: Error;
  seconds: number;
}

const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};
const synths: Synth[] = [];
const byName = (name: string) => synths.find((s) => s.name === name)!;
/**
 * The cloud assembly directory every combination is synthesized into, one after the other, as `cdk synth -c
 * …` into one cdk.out: CDK's asset cache (keyed by the assembly directory) then bundles each Lambda once
 * rather than once per combination (the bundles do not depend on the context; ~18 s of esbuild). What each
 * synth wrote and the tests read (its template and validation report) is moved to a directory of its own.
 * Checked: the templates and reports are byte for byte those of synths into separate directories.
 */
let assembly: string;

beforeAll(() => {
  assembly = mkdtempSync(path.join(os.tmpdir(), 'cdk.out-deploy-readiness-'));
  for (const combo of DOCUMENTED_CONTEXT_COMBINATIONS) {
    const started = performance.now();
    const outdir = mkdtempSync(path.join(assembly, `combination-${combo.name}-`));
    const app = new App({ outdir: assembly, context: { ...cdkJson.context, ...combo.context } });
    const stack = addInspectorStack(app);
    let synthError: Error | undefined;
    try {
      app.synth();
    } catch (err) {
      synthError = err as Error;
    }
    // Moved, not copied: the next synth cannot leave an earlier one's files in their place.
    const templateFile = path.join(outdir, `${stack.artifactId}.template.json`);
    for (const file of [path.basename(templateFile), 'validation-report.json']) {
      if (existsSync(path.join(assembly, file)))
        renameSync(path.join(assembly, file), path.join(outdir, file));
    }
    const json = JSON.parse(readFileSync(templateFile, 'utf8')) as Synth['json'];
    synths.push({
      ...combo,
      stack,
      template: Template.fromJSON(json),
      json,
      templateFile,
      outdir,
      ...(synthError ? { synthError } : {}),
      seconds: (performance.now() - started) / 1000,
    });
  }
}, 300_000);

afterAll(() => {
  if (assembly) rmSync(assembly, { recursive: true, force: true });
});

function resources(s: Synth, type: string): Array<[string, Resource]> {
  return Object.entries(s.json.Resources).filter(([, r]) => r.Type === type);
}
function policyStatements(s: Synth, roleLogicalId?: string): Statement[] {
  return resources(s, 'AWS::IAM::Policy')
    .filter(([, p]) => !roleLogicalId || JSON.stringify(p.Properties.Roles).includes(roleLogicalId))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}
function lambdaRole(s: Synth, descriptionStart: string): string {
  const found = resources(s, 'AWS::Lambda::Function').filter(([, f]) =>
    String(f.Properties.Description).startsWith(descriptionStart),
  );
  expect(found, descriptionStart).toHaveLength(1);
  return (found[0]![1].Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
}

describe.each(DOCUMENTED_CONTEXT_COMBINATIONS.map((c) => c.name))('context combination %s', (name) => {
  it('synthesizes with cdk-nag and no unacknowledged error (issue 16, item 3: distributedMap=true did not)', () => {
    const s = byName(name);
    expect(s.synthError?.message).toBeUndefined();
    const report = JSON.parse(readFileSync(path.join(s.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ violations?: Array<{ ruleName: string; severity?: string }> }>;
    };
    const errors = report.pluginReports.flatMap((r) =>
      (r.violations ?? []).filter((v) => v.severity !== 'warning').map((v) => v.ruleName),
    );
    expect(errors).toEqual([]);
  });

  it('every cdk-nag acknowledgement gives a specific reason that names the resource it excuses', () => {
    const acks = acknowledgements(byName(name).stack);
    expect(acks.length).toBeGreaterThan(10);
    const generic = /^(n\/?a|ok|false positive|suppressed|not applicable|by design)\.?$/i;
    for (const a of acks) {
      expect(a.id, a.path).toMatch(/AwsSolutions-[A-Z]+[0-9]+/);
      expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(40);
      expect(a.reason, `${a.path} ${a.id}`).not.toMatch(generic);
      // Named: the construct it is attached to (one of its path segments below the stack), in the reason.
      const names = resourceNames(a.path);
      expect(
        names.some((n) => squash(a.reason).includes(n)),
        `${a.path} ${a.id}: the reason "${a.reason}" names none of ${names.join(', ')}`,
      ).toBe(true);
    }
    for (const a of acks.filter((x) => x.id.includes('IAM5')))
      expect(a.id, a.path).toMatch(/IAM5\[(Resource|Action)::/);
  });

  it('asl-validator accepts the state machine definition (item processors included)', () => {
    const s = byName(name);
    const machines = resources(s, 'AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(1);
    for (const [, sm] of machines) {
      const definition = JSON.parse(String(resolveIntrinsics(sm.Properties.DefinitionString)));
      const result = aslValidator(definition, { checkArn: true, checkPaths: true });
      expect(result.errorsText('\n'), name).toBe('');
      expect(result.isValid).toBe(true);
    }
  });
});

describe('cfn-lint', () => {
  it('finds no error in the template of any documented context combination (one run over all)', async () => {
    const files = synths.map((s) => s.templateFile);
    const started = performance.now();
    const out = await run('cfn-lint', ['--format', 'parseable', '--', ...files], {
      maxBuffer: 64 * 1024 * 1024,
    }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (err: { code?: number; stdout?: string; stderr?: string }) => {
        if (typeof err.code !== 'number') throw err; // not on PATH: .ci/run installs it
        return { code: err.code, stdout: `${err.stdout ?? ''}${err.stderr ?? ''}` };
      },
    );
    const seconds = (performance.now() - started) / 1000;
    // Exit status is a bit mask: 2 = an error (E rules), 4 = a warning, 8 = informational, 1 = fatal.
    const lines = out.stdout.split('\n').filter(Boolean);
    const errors = lines.filter((l) => /:E\d{4}:/.test(l) || !/:[WI]\d{4}:/.test(l));
    expect(errors, lines.join('\n')).toEqual([]);
    expect(out.code & 0b11, out.stdout).toBe(0);
    const report = path.join(os.tmpdir(), 'cfn-lint-combinations.txt');
    writeFileSync(
      report,
      `${synths.length} templates (${synths.map((s) => `${s.name}: synth ${s.seconds.toFixed(1)} s`).join(', ')}), cfn-lint ${seconds.toFixed(1)} s\n${lines.join('\n')}\n`,
    );
    console.info(readFileSync(report, 'utf8'));
  }, 180_000);
});

describe('issue 16 items on every documented combination', () => {
  it('item 2: fixed names carry the stack name; retained resources are not retained after a failed create', () => {
    for (const s of synths) {
      const stackName = s.stack.stackName;
      const [, group] = resources(s, 'AWS::Scheduler::ScheduleGroup')[0]!;
      expect(group.Properties.Name).toBe(`${stackName}-templates`);
      expect(group.DeletionPolicy, s.name).toBe('Delete');
      const [, policy] = resources(s, 'AWS::IAM::ManagedPolicy')[0]!;
      expect(JSON.stringify(policy.Properties.ManagedPolicyName)).toContain(
        `${stackName}-AgentInstancePolicy-`,
      );
      for (const [id, r] of Object.entries(s.json.Resources)) {
        // Retain would keep a failed first create's resources (and their names) behind.
        expect(r.DeletionPolicy, `${s.name} ${id} ${r.Type}`).not.toBe('Retain');
      }
      const retained = Object.values(s.json.Resources).filter(
        (r) => r.DeletionPolicy === 'RetainExceptOnCreate',
      );
      expect(retained.map((r) => r.Type)).toEqual(
        expect.arrayContaining([
          'AWS::KMS::Key',
          'AWS::S3::Bucket',
          'AWS::DynamoDB::Table',
          'AWS::Logs::LogGroup',
        ]),
      );
      // A retained resource with a name of its own would block the next create after `cdk destroy`: its
      // name must be unique per stack creation (the stack id).
      for (const [id, r] of Object.entries(s.json.Resources)) {
        if (r.DeletionPolicy !== 'RetainExceptOnCreate') continue;
        const own = ['BucketName', 'TableName', 'LogGroupName', 'AliasName', 'TopicName'].find(
          (k) => r.Properties[k] !== undefined,
        );
        if (own) expect(JSON.stringify(r.Properties[own]), `${s.name} ${id}`).toContain('AWS::StackId');
      }
      const alarms = resources(s, 'AWS::CloudWatch::Alarm').map(([, a]) => String(a.Properties.AlarmName));
      // Failed runs and subscriber delivery; with the Security Hub export, its failures too.
      expect(alarms.length, s.name).toBe(s.name === 'security-hub-export' ? 3 : 2);
      for (const a of alarms) expect(a.startsWith(`${stackName}-`)).toBe(true);
    }
    expect(new Set(synths.map((s) => s.stack.stackName)).size).toBeGreaterThan(1);
  });

  it('item 4: the scheduler role trusts EventBridge Scheduler with aws:SourceArn = the schedule group ARN', () => {
    for (const s of synths) {
      const [groupId] = resources(s, 'AWS::Scheduler::ScheduleGroup')[0]!;
      const roles = resources(s, 'AWS::IAM::Role').filter(([, r]) =>
        JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
      );
      expect(roles).toHaveLength(1);
      const doc = roles[0]![1].Properties.AssumeRolePolicyDocument as { Statement: Statement[] };
      expect(doc.Statement).toEqual([
        expect.objectContaining({
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: {
              'aws:SourceAccount': { Ref: 'AWS::AccountId' },
              'aws:SourceArn': { 'Fn::GetAtt': [groupId, 'Arn'] },
            },
          },
        }),
      ]);
    }
  });

  it('item 5: the topic policy lets these alarms publish; the key lets CloudWatch use it for them', () => {
    for (const s of synths) {
      const [topicId] = resources(s, 'AWS::SNS::Topic')[0]!;
      const [, topicPolicy] = resources(s, 'AWS::SNS::TopicPolicy')[0]!;
      const statements = (topicPolicy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
      const alarmIds = resources(s, 'AWS::CloudWatch::Alarm').map(([id]) => id);
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: { Ref: topicId },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnEquals: { 'aws:SourceArn': alarmIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })) },
          },
        }),
      );
      // The TLS-only Deny is still there.
      expect(statements.some((st) => st.Effect === 'Deny')).toBe(true);
      for (const [, alarm] of resources(s, 'AWS::CloudWatch::Alarm'))
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      const [, key] = resources(s, 'AWS::KMS::Key')[0]!;
      const keyStatements = (key.Properties.KeyPolicy as { Statement: Statement[] }).Statement;
      const cw = keyStatements.filter((st) =>
        JSON.stringify(st.Principal).includes('cloudwatch.amazonaws.com'),
      );
      expect(cw).toHaveLength(1);
      expect(cw[0]!.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      // Each alarm's ARN matches the key policy's aws:SourceArn pattern (alarm names start with the stack's).
      const pattern = JSON.stringify((cw[0]!.Condition as { ArnLike: Record<string, unknown> }).ArnLike);
      expect(pattern).toContain(`:alarm:${s.stack.stackName}-*`);
      expect(JSON.stringify(cw[0]!.Condition)).toContain('aws:SourceAccount');
    }
  });

  it('item 6: the state machine logs to /aws/vendedlogs/states/<stack>-…', () => {
    for (const s of synths) {
      const [, sm] = resources(s, 'AWS::StepFunctions::StateMachine')[0]!;
      const dest = JSON.stringify(sm.Properties.LoggingConfiguration);
      const groups = resources(s, 'AWS::Logs::LogGroup').filter(([id]) => dest.includes(id));
      expect(groups).toHaveLength(1);
      const name = groups[0]![1].Properties.LogGroupName as { 'Fn::Join': [string, unknown[]] };
      expect(name['Fn::Join'][1][0]).toBe(
        `${STATE_MACHINE_LOG_GROUP_PREFIX}${s.stack.stackName}-AssessmentRun-`,
      );
      expect(groups[0]![1].DeletionPolicy).toBe('RetainExceptOnCreate');
    }
  });

  it('item 7: Lambda throttling gets a long jittered backoff on every task; Map concurrency follows the context', () => {
    for (const s of synths) {
      const [, sm] = resources(s, 'AWS::StepFunctions::StateMachine')[0]!;
      const definition = JSON.parse(String(resolveIntrinsics(sm.Properties.DefinitionString))) as {
        States: Record<string, State>;
      };
      const tasks = allStates(definition.States).filter(([, st]) => st.Type === 'Task');
      expect(tasks.length).toBeGreaterThanOrEqual(8);
      for (const [stateName, task] of tasks) {
        const retry = task.Retry ?? [];
        const throttle = retry.findIndex((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'));
        expect(throttle, `${s.name} ${stateName}`).toBeGreaterThanOrEqual(0);
        const r = retry[throttle]!;
        expect(r.JitterStrategy).toBe('FULL');
        expect(r.MaxAttempts).toBeGreaterThanOrEqual(8);
        // Longer than the catch-all's 3 attempts, and before it (the first matching retrier applies).
        const all = retry.findIndex((x) => x.ErrorEquals.includes('States.ALL'));
        if (all >= 0) expect(throttle).toBeLessThan(all);
        const worst = retryWorstCaseSeconds(r);
        expect(worst, `${s.name} ${stateName}`).toBeGreaterThan(200);
      }
      const maps = allStates(definition.States).filter(([, st]) => st.Type === 'Map');
      expect(maps).toHaveLength(1);
      const expected = Number(s.context['inspector:evaluateConcurrency'] ?? DEFAULT_EVALUATE_CONCURRENCY);
      expect(maps[0]![1].MaxConcurrency).toBe(expected);
      // Within an Express child's 5 minutes.
      const evaluate = tasks.find(([n]) => n === 'EvaluateInstances')![1];
      const r = evaluate.Retry!.find((x) => x.ErrorEquals.includes('Lambda.TooManyRequestsException'))!;
      expect(retryWorstCaseSeconds(r)).toBeLessThan(300);
    }
  });

  it('item 9: no regional amazonaws.com name is hard-coded (aws-cn, aws-us-gov): the partition URL suffix', () => {
    for (const s of synths) {
      const text = JSON.stringify(s.json);
      // Global service principals ("lambda.amazonaws.com") are partition-neutral; regional names are not.
      const hardCoded = [...text.matchAll(/"([^"]*amazonaws\.com[^"]*)"/g)]
        .map((m) => m[1]!)
        .filter((v) => !/^([a-z0-9-]+\.)+amazonaws\.com$/.test(v) || /\.[a-z]{2}(-gov)?-[a-z]+-\d\./.test(v));
      expect(hardCoded, s.name).toEqual([]);
      expect(text).not.toMatch(/arn:aws:(?!kms:eu-west-1:123456789012:key)/); // the partition is a token
      const [, key] = resources(s, 'AWS::KMS::Key')[0]!;
      const logs = (key.Properties.KeyPolicy as { Statement: Statement[] }).Statement.find(
        (st) => st.Sid === 'AllowCloudWatchLogs',
      );
      expect(logs?.Principal).toEqual({
        Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
      });
      const viaS3 = JSON.stringify(resources(s, 'AWS::IAM::ManagedPolicy')[0]![1].Properties);
      expect(viaS3).toContain('{"Fn::Join":["",["s3.",{"Ref":"AWS::Region"},".",{"Ref":"AWS::URLSuffix"}]]}');
    }
  });

  it('item 10: the lifecycle publishes to the stack topic and to topics named with the prefix only; other keys only when listed, through SNS', () => {
    for (const s of synths) {
      const prefix = s.context['inspector:subscriberTopicPrefix'] ?? 'inspector-';
      const [topicId] = resources(s, 'AWS::SNS::Topic')[0]!;
      const publishers = resources(s, 'AWS::Lambda::Function').filter(([, f]) =>
        /^(StartRun|CheckAgents|Dispatch|Poll|Evaluate|Network reachability|Finalize|FailRun|ReconcileRun|Control plane: runs)/.test(
          String(f.Properties.Description),
        ),
      );
      expect(publishers.length).toBe(10);
      const publishResources = new Set<string>();
      for (const st of policyStatements(s)) {
        const actions = ([] as unknown[]).concat(st.Action);
        if (!actions.some((a) => String(a).startsWith('sns:'))) continue;
        for (const r of ([] as unknown[]).concat(st.Resource)) publishResources.add(JSON.stringify(r));
      }
      expect([...publishResources].sort()).toEqual(
        [
          JSON.stringify({ Ref: topicId }),
          JSON.stringify({
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':sns:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                `:${prefix}*`,
              ],
            ],
          }),
        ].sort(),
      );
      const keys = (s.context['inspector:subscriberTopicKeyArns'] ?? '').split(',').filter(Boolean);
      const keyStatements = policyStatements(s).filter((st) => st.Sid === 'UseTemplateTopicKeysThroughSns');
      if (keys.length === 0) expect(keyStatements).toEqual([]);
      else {
        expect(keyStatements.length).toBe(publishers.length);
        for (const st of keyStatements) {
          expect(st.Resource).toEqual(keys.length === 1 ? keys[0] : keys);
          expect(JSON.stringify(st.Condition)).toContain('"kms:ViaService"');
          expect(JSON.stringify(st.Condition)).toContain(
            '"sns.",{"Ref":"AWS::Region"},".",{"Ref":"AWS::URLSuffix"}',
          );
        }
      }
      // No role may publish to every topic of the account.
      expect(JSON.stringify(policyStatements(s))).not.toMatch(
        /":sns:",\{"Ref":"AWS::Region"\},":",\{"Ref":"AWS::AccountId"\},":\*"/,
      );
      expect(lambdaRole(s, 'StartRun')).toBeTruthy();
    }
  });

  it('item 1: no function reserves concurrency (CREATE fails in accounts with a low limit)', () => {
    for (const s of synths)
      for (const [id, f] of resources(s, 'AWS::Lambda::Function'))
        expect(f.Properties.ReservedConcurrentExecutions, `${s.name} ${id}`).toBeUndefined();
  });

  it('item 3: the distributed Map policy is there (and acknowledged) in every combination (the Map is always distributed)', () => {
    for (const s of synths) {
      const json = JSON.stringify(resources(s, 'AWS::IAM::Policy').map(([, p]) => p.Properties));
      expect(json.includes('states:StartExecution') && json.includes(':execution:'), s.name).toBe(true);
      const children = s.template.findResources('AWS::IAM::Policy', {
        Properties: Match.objectLike({ PolicyName: Match.stringLikeRegexp('DistributedMapPolicy') }),
      });
      expect(Object.keys(children).length, s.name).toBe(1);
    }
  });
});

interface RetryRule {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}
interface State {
  Type: string;
  Retry?: RetryRule[];
  MaxConcurrency?: number;
  Iterator?: { States: Record<string, State> };
  ItemProcessor?: { States: Record<string, State> };
  Branches?: Array<{ States: Record<string, State> }>;
}

function allStates(states: Record<string, State>): Array<[string, State]> {
  const out: Array<[string, State]> = [];
  for (const [name, st] of Object.entries(states)) {
    out.push([name, st]);
    const nested = st.ItemProcessor ?? st.Iterator;
    if (nested) out.push(...allStates(nested.States));
    for (const b of st.Branches ?? []) out.push(...allStates(b.States));
  }
  return out;
}

/** Seconds a retrier waits in all when every attempt fails (before jitter, which only shortens it). */
function retryWorstCaseSeconds(r: RetryRule): number {
  let total = 0;
  for (let i = 0; i < (r.MaxAttempts ?? 3); i++) {
    const wait = (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** i;
    total += Math.min(wait, r.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
  }
  return total;
}

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The names an acknowledgement on this construct path may use: its segments below the stack, as words. */
function resourceNames(constructPath: string): string[] {
  const segments = constructPath.split('/').slice(1);
  const out = new Set<string>();
  for (const seg of segments) {
    if (['Resource', 'Function', 'Role', 'DefaultPolicy', 'Default'].includes(seg)) continue;
    out.add(squash(seg));
    // "AccessLogsBucket" → also "access logs bucket" as words ("accesslogsbucket" squashed either way);
    // "Data" alone is too vague to count.
  }
  return [...out].filter((n) => n.length >= 5);
}

function acknowledgements(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  const out: Array<{ path: string; id: string; reason: string }> = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        out.push({
          path: c.node.path,
          id,
          reason: typeof reason === 'string' ? reason : JSON.stringify(reason),
        });
      }
    }
  }
  return out;
}

describe('Security Hub export (-c inspector:securityHubExport=true; issue 13, item 2)', () => {
  const exportRole = (s: Synth) => lambdaRole(s, 'ExportToSecurityHub');
  const actions = (st: Statement) => [st.Action].flat().map(String);

  it('off (every other combination): no export function, no state, no securityhub permission', () => {
    for (const s of synths.filter((x) => x.name !== 'security-hub-export')) {
      expect(JSON.stringify(s.json), s.name).not.toMatch(/securityhub:|ExportToSecurityHub/);
    }
  });

  it('on: a state after FinalizeRun, and exactly BatchImportFindings on the default product plus reads of its tables', () => {
    const s = byName('security-hub-export');
    const [, sm] = resources(s, 'AWS::StepFunctions::StateMachine')[0]!;
    const definition = JSON.parse(String(resolveIntrinsics(sm.Properties.DefinitionString))) as {
      States: Record<string, { Next?: string }>;
    };
    expect(definition.States.FinalizeRun?.Next).toBe('ExportToSecurityHub');
    const statements = policyStatements(s, exportRole(s));
    const hub = statements.filter((st) => actions(st).some((a) => a.startsWith('securityhub:')));
    expect(hub).toHaveLength(1);
    expect(actions(hub[0]!)).toEqual(['securityhub:BatchImportFindings']);
    expect(resolveIntrinsics(hub[0]!.Resource)).toBe(
      'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default',
    );
    // Only this role may import findings.
    const everyHub = policyStatements(s).filter((st) =>
      actions(st).some((a) => a.startsWith('securityhub:')),
    );
    expect(everyHub).toHaveLength(1);
    // DynamoDB: reads, and UpdateItem on the runs table (the run's securityHubExport record); no other write.
    const dynamo = statements.flatMap(actions).filter((a) => a.startsWith('dynamodb:'));
    expect(dynamo.filter((a) => /Put|Delete|BatchWrite|Update/.test(a))).toEqual(['dynamodb:UpdateItem']);
    // Nothing else of consequence: no SSM, EC2, SNS, S3.
    expect(statements.flatMap(actions).filter((a) => /^(ssm|ec2|sns|s3|events|lambda):/.test(a))).toEqual([]);
  });
});
