/**
 * Issue 13 in the synthesized template: the Suppressions table (keys, customer-managed key, point-in-time
 * recovery), the findings function's access to it with the audit items append-only, and events:PutEvents on
 * the default event bus granted exactly (one action, that one bus) to the functions that publish run events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/adapters/aws/environment';
import { type Synthesized, synthStack } from './synth-stack';

let s: Synthesized;
beforeAll(() => {
  s = synthStack({ env: { account: '123456789012', region: 'eu-west-1' } });
}, 300_000);
afterAll(() => s?.cleanup());

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
};
function statements(): Array<{ policy: string; roles: unknown; statement: Statement }> {
  const out: Array<{ policy: string; roles: unknown; statement: Statement }> = [];
  for (const [id, p] of Object.entries(s.template.findResources('AWS::IAM::Policy'))) {
    const props = p.Properties as { PolicyDocument: { Statement: Statement[] }; Roles: unknown };
    for (const st of props.PolicyDocument.Statement)
      out.push({ policy: id, roles: props.Roles, statement: st });
  }
  return out;
}
const actions = (st: Statement) => (Array.isArray(st.Action) ? st.Action : [st.Action]);

describe('EventBridge: exactly events:PutEvents on the default bus', () => {
  it('every statement naming an events: action is that one action on arn:…:event-bus/default', () => {
    const events = statements().filter((x) => actions(x.statement).some((a) => a.startsWith('events:')));
    expect(events.length).toBeGreaterThanOrEqual(8);
    for (const { statement } of events) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.Action).toBe('events:PutEvents');
      expect(JSON.stringify(statement.Resource)).toBe(
        JSON.stringify({
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:123456789012:event-bus/default'],
          ],
        }),
      );
    }
    // The same functions may publish to the run-events topic and put on the bus.
    const snsPolicies = new Set(
      statements()
        .filter(
          (x) =>
            actions(x.statement).includes('sns:Publish') && x.statement.Sid !== 'PublishToTemplateTopics',
        )
        .map((x) => x.policy),
    );
    expect(new Set(events.map((x) => x.policy))).toEqual(snsPolicies);
  });

  it('no securityhub action is granted (the Security Hub import is not deployed), and no alarm on it', () => {
    expect(
      statements().filter((x) => actions(x.statement).some((a) => a.startsWith('securityhub:'))),
    ).toEqual([]);
    expect(
      s.template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { MetricName: 'SecurityHubExportFailures' },
      }),
    ).toEqual({});
  });
});

describe('the Suppressions table', () => {
  it('pk/sk keys, the stack key, point-in-time recovery, an output', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(Object.keys(s.template.findOutputs('SuppressionsTableName'))).toEqual(['SuppressionsTableName']);
  });

  it('the findings function reads and writes it, may not delete or update audit items, and knows its name', () => {
    const deny = statements().filter((x) => x.statement.Sid === 'SuppressionAuditAppendOnly');
    expect(deny).toHaveLength(1);
    expect(deny[0]?.statement).toMatchObject({
      Effect: 'Deny',
      Action: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
      Condition: { 'ForAnyValue:StringEquals': { 'dynamodb:LeadingKeys': ['AUDIT'] } },
    });
    const fns = s.template.findResources('AWS::Lambda::Function');
    const findings = Object.values(fns).find((f) =>
      JSON.stringify(f.Properties?.Description ?? '').includes('findings operations'),
    );
    expect(findings?.Properties?.Environment?.Variables?.[ENV.suppressionsTable]).toBeDefined();
  });
});
