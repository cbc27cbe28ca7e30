import { describe, expect, it } from 'vitest';
import {
  CLI_OUTPUT_FILES,
  NetworkConfigError,
  networkConfigFromCliOutputs,
  splitJsonDocuments,
} from '../../../functions/core/network/cli-outputs';

const sg = (id: string) => ({ GroupId: id, GroupName: id, IpPermissions: [], IpPermissionsEgress: [] });

describe('AWS CLI outputs', () => {
  it('lists one file per describe call the issue names', () => {
    expect(CLI_OUTPUT_FILES.map((f) => f.file)).toEqual(
      expect.arrayContaining([
        'describe-instances.json',
        'describe-security-groups.json',
        'describe-network-acls.json',
        'describe-route-tables.json',
        'describe-subnets.json',
        'describe-vpcs.json',
        'describe-internet-gateways.json',
        'describe-network-interfaces.json',
        'describe-vpc-peering-connections.json',
        'describe-vpn-gateways.json',
        'describe-managed-prefix-lists.json',
        'elbv2-describe-load-balancers.json',
        'elbv2-describe-listeners.json',
        'elbv2-describe-target-groups.json',
        'elbv2-describe-target-health.json',
        'elb-describe-load-balancers.json',
      ]),
    );
  });

  it('merges paged outputs: documents one after the other, or an array of documents', () => {
    const paged = `${JSON.stringify({ SecurityGroups: [sg('sg-1')], NextToken: 'abc' }, null, 4)}\n${JSON.stringify({ SecurityGroups: [sg('sg-2'), sg('sg-3')] })}`;
    const { config, present } = networkConfigFromCliOutputs(
      new Map([['describe-security-groups.json', paged]]),
    );
    expect(config.securityGroups.map((g) => g.GroupId)).toEqual(['sg-1', 'sg-2', 'sg-3']);
    expect(present).toEqual(['describe-security-groups.json']);
    const asArray = JSON.stringify([{ SecurityGroups: [sg('sg-4')] }, { SecurityGroups: [sg('sg-5')] }]);
    expect(
      networkConfigFromCliOutputs(
        new Map([['describe-security-groups.json', asArray]]),
      ).config.securityGroups.map((g) => g.GroupId),
    ).toEqual(['sg-4', 'sg-5']);
  });

  it('reads Reservations[].Instances[] and keeps unknown members', () => {
    const text = JSON.stringify({
      Reservations: [
        { Instances: [{ InstanceId: 'i-1', Hypervisor: 'xen' }] },
        { Instances: [{ InstanceId: 'i-2' }] },
      ],
    });
    const { config } = networkConfigFromCliOutputs(new Map([['describe-instances.json', text]]));
    expect(config.instances.map((i) => i.InstanceId)).toEqual(['i-1', 'i-2']);
    expect((config.instances[0] as Record<string, unknown>).Hypervisor).toBe('xen');
  });

  it('a missing file is none of that resource; files of other names are not read', () => {
    const { config, present } = networkConfigFromCliOutputs(new Map([['notes.json', '{']]));
    expect(present).toEqual([]);
    expect(config.securityGroups).toEqual([]);
  });

  it.each([
    [
      '{"SecurityGroups": [',
      'describe-security-groups.json: document 1 is not complete (the file ends inside it)',
    ],
    ['{"SecurityGroups": [1,]}', 'describe-security-groups.json: document 1 is not JSON'],
    ['"just a string"', 'describe-security-groups.json: document 1 does not start with { or ['],
    [
      '{"Vpcs": []}',
      'describe-security-groups.json: document 1 has no "SecurityGroups" list: is this the output of `aws ec2 describe-security-groups`?',
    ],
    [
      '{"SecurityGroups": [{"GroupId": 5}]}',
      'describe-security-groups.json: document 1: SecurityGroups[0].GroupId:',
    ],
    [
      '{"SecurityGroups": []}\n{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": "22"}]}]}',
      'describe-security-groups.json: document 2: SecurityGroups[0].IpPermissions[0].FromPort:',
    ],
    ['[1]', 'describe-security-groups.json: document 1 is not a JSON object'],
  ])('refuses %j with a one-line error naming the file', (text, message) => {
    let err: unknown;
    try {
      networkConfigFromCliOutputs(new Map([['describe-security-groups.json', text]]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetworkConfigError);
    expect((err as Error).message.startsWith(message)).toBe(true);
    expect((err as Error).message).not.toContain('\n');
  });

  it('target health needs the target group ARN added to each output', () => {
    expect(() =>
      networkConfigFromCliOutputs(
        new Map([['elbv2-describe-target-health.json', JSON.stringify({ TargetHealthDescriptions: [] })]]),
      ),
    ).toThrow(/^elbv2-describe-target-health.json: document 1: TargetGroupArn:/);
  });

  it('strings with braces and escaped quotes do not split documents', () => {
    expect(splitJsonDocuments('{"a":"}{\\"["} {"b":[1,{"c":"]"}]}')).toEqual([
      { a: '}{"[' },
      { b: [1, { c: ']' }] },
    ]);
    expect(splitJsonDocuments('  \n ')).toEqual([]);
  });
});
