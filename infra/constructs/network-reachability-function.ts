/**
 * The network-reachability package's Lambda permissions on the account's network configuration: read-only,
 * exactly the describe calls of the SDK reader (functions/adapters/aws/ec2-network-config.ts), nothing that
 * changes anything. Kept in its own file: the stack only creates the function and calls this.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { InspectorFunction } from './inspector-function';
import { resourceEvidence } from './nag-evidence';

/** EC2 and ELB describe calls the reader makes; none accepts a resource-level scope, so "*" is the resource. */
export const NETWORK_CONFIG_DESCRIBE_ACTIONS = [
  'ec2:DescribeInstances',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeNetworkAcls',
  'ec2:DescribeRouteTables',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpcs',
  'ec2:DescribeInternetGateways',
  'ec2:DescribeVpcPeeringConnections',
  'ec2:DescribeVpnGateways',
  'ec2:DescribeManagedPrefixLists',
  'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeTargetHealth',
] as const;

/** The Lambda sizing: the bench's 10,000 ENIs / 2,000 groups took ~6 s of CPU (README, Benchmarks). */
export const NETWORK_REACHABILITY_SIZING = { memoryMiB: 1769, timeoutMinutes: 10 } as const;

export function grantNetworkConfigRead(target: InspectorFunction): void {
  target.allowOnAnyResource('ReadNetworkConfiguration', [...NETWORK_CONFIG_DESCRIBE_ACTIONS]);
  // Prefix list entries: the lists of any account (AWS-managed ones are AWS's), read only.
  const stack = Stack.of(target);
  const prefixLists = `arn:${stack.partition}:ec2:${stack.region}:*:prefix-list/*`;
  target.role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'ReadPrefixListEntries',
      actions: ['ec2:GetManagedPrefixListEntries'],
      resources: [prefixLists],
    }),
  );
  target.acknowledgeWildcard(
    resourceEvidence(stack, prefixLists),
    'reads the entries of the prefix lists security groups and routes name, which may be AWS-managed lists (another account): any list of this region, read only.',
  );
}
