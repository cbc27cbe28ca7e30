/**
 * Waivers and the Security Hub export in the synthesized template (-c inspector:securityHubExport=true, with
 * cdk-nag): EvaluateInstance and EvaluateNetwork read the suppression rules and may not change them; the
 * reports function reads them (GetItem, Query) and may describe instances (current tags, for runs that
 * recorded none); an alarm on SecurityHubExportFailures notifies the run-events topic, which lets it publish.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIFECYCLE_METRICS_SERVICE, METRICS_NAMESPACE } from '../../functions/adapters/aws/emf-metrics';
import { type Synthesized, synthStack } from './synth-stack';

let s: Synthesized;
let t: Template;
type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };

beforeAll(() => {
  s = synthStack({
    nag: true,
    env: { account: '123456789012', region: 'eu-west-1' },
    props: { securityHubExport: true },
  });
  t = s.template;
}, 300_000);
afterAll(() => s?.cleanup());

const actions = (st: Statement) => (Array.isArray(st.Action) ? st.Action : [st.Action]);
const json = (v: unknown) => JSON.stringify(v);

function fn(description: RegExp): Resource {
  const found = Object.values(
    t.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp(description.source) },
    }),
  ) as Resource[];
  expect(found, description.source).toHaveLength(1);
  return found[0]!;
}

function statementsOf(f: Resource): Statement[] {
  const roleId = (f.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return (Object.values(t.findResources('AWS::IAM::Policy')) as Resource[])
    .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const onSuppressions = (sts: Statement[]) =>
  sts.filter((st) => /SuppressionsTable/.test(json(st.Resource)) && st.Effect === 'Allow');

describe('cdk-nag', () => {
  it('the stack with the Security Hub export synthesizes with no unacknowledged finding', () => {
    expect(s.synthError).toBeUndefined();
  });
});

describe('who reads the suppression rules', () => {
  it('EvaluateInstance and EvaluateNetwork read them, and write nothing of them', () => {
    for (const d of [/^Evaluate: decrypt one instance/, /^Network reachability \(EvaluateNetwork\)/]) {
      const granted = onSuppressions(statementsOf(fn(d))).flatMap(actions);
      expect(granted, d.source).toContain('dynamodb:Query');
      expect(granted, d.source).toContain('dynamodb:GetItem');
      expect(
        granted.filter((a) => /Put|Update|Delete|BatchWrite/.test(a)),
        d.source,
      ).toEqual([]);
    }
  });

  it('the reports function: GetItem and Query on the table, and ec2:DescribeInstances', () => {
    const sts = statementsOf(fn(/^Control plane: reports operations$/));
    const rules = sts.find((st) => st.Sid === 'ReadSuppressionRules')!;
    expect(actions(rules).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(json(rules.Resource)).toMatch(/SuppressionsTable/);
    expect(json(rules.Resource)).not.toMatch(/index/);
    expect(onSuppressions(sts)).toHaveLength(1);
    const ec2 = sts.filter((st) => actions(st).some((a) => a.startsWith('ec2:')));
    expect(ec2.map((st) => [actions(st), st.Resource])).toEqual([[['ec2:DescribeInstances'], '*']]);
  });
});

describe('the SecurityHubExportFailures alarm (export on)', () => {
  it('sums the metric the export emits (namespace, name, service dimension) and notifies the topic', () => {
    const topicId = Object.keys(t.findResources('AWS::SNS::Topic'))[0]!;
    const alarms = t.findResources('AWS::CloudWatch::Alarm', {
      Properties: { MetricName: 'SecurityHubExportFailures' },
    });
    expect(Object.keys(alarms)).toHaveLength(1);
    const [id, alarm] = Object.entries(alarms)[0]! as [string, Resource];
    expect(alarm.Properties).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [{ Name: 'service', Value: LIFECYCLE_METRICS_SERVICE }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
    });
    // The topic's policy lets CloudWatch publish for this alarm too (enforceSSL replaced the default policy).
    const policy = Object.values(t.findResources('AWS::SNS::TopicPolicy'))[0] as Resource;
    const allow = (
      policy.Properties.PolicyDocument as { Statement: Array<{ Sid?: string; Condition?: unknown }> }
    ).Statement.find((st) => st.Sid === 'AllowThisStacksAlarmsToPublish');
    expect(json(allow?.Condition)).toContain(json({ 'Fn::GetAtt': [id, 'Arn'] }));
  });
});
