/**
 * The SDK reader of the EC2 configuration, against an SDK-level mock that pages as EC2 does: pages merged,
 * prefix list entries fetched per list, the same schema checks as the CLI outputs, and the scenario's
 * answer unchanged when its configuration comes through the SDK instead of files.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcPeeringConnectionsCommand,
  DescribeVpcsCommand,
  DescribeVpnGatewaysCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand as DescribeClassicLoadBalancersCommand,
  ElasticLoadBalancingClient,
} from '@aws-sdk/client-elastic-load-balancing';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readEc2NetworkConfig, readNetworkConfig } from '../../../functions/adapters/aws/ec2-network-config';
import { readCliOutputDirectory } from '../../../functions/cli/commands/network-reachability-actions';
import { evaluateNetworkReachability } from '../../../functions/rules/network-reachability';

const DIR = path.resolve(__dirname, '../../fixtures/network-reachability/prefix-list-source');
const json = (f: string) => JSON.parse(readFileSync(path.join(DIR, f), 'utf8'));
const ec2 = mockClient(EC2Client);
afterEach(() => ec2.reset());

function serve(overrides: { securityGroups?: unknown } = {}) {
  const sgs = json('describe-security-groups.json').SecurityGroups;
  ec2.on(DescribeInstancesCommand).resolves(json('describe-instances.json'));
  ec2.on(DescribeNetworkInterfacesCommand).resolves(json('describe-network-interfaces.json'));
  // Two pages, as EC2 returns them with a NextToken.
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [], NextToken: 'p2' });
  ec2
    .on(DescribeSecurityGroupsCommand, { NextToken: 'p2' })
    .resolves((overrides.securityGroups as object) ?? { SecurityGroups: sgs });
  ec2.on(DescribeNetworkAclsCommand).resolves(json('describe-network-acls.json'));
  ec2.on(DescribeRouteTablesCommand).resolves(json('describe-route-tables.json'));
  ec2.on(DescribeSubnetsCommand).resolves(json('describe-subnets.json'));
  ec2.on(DescribeVpcsCommand).resolves(json('describe-vpcs.json'));
  ec2.on(DescribeInternetGatewaysCommand).resolves(json('describe-internet-gateways.json'));
  ec2.on(DescribeVpcPeeringConnectionsCommand).resolves({ VpcPeeringConnections: [] });
  ec2.on(DescribeVpnGatewaysCommand).resolves({ VpnGateways: [] });
  ec2.on(DescribeManagedPrefixListsCommand).resolves(json('describe-managed-prefix-lists.json'));
  ec2.on(GetManagedPrefixListEntriesCommand).resolves({ Entries: [] });
  ec2
    .on(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-0a1b2c3d4e5f60071' })
    .resolves({ Entries: [{ Cidr: '198.51.100.0/24' }] });
  ec2
    .on(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-0a1b2c3d4e5f60072' })
    .resolves({ Entries: [{ Cidr: '10.20.0.0/16' }] });
}

describe('EC2 configuration through the SDK', () => {
  it('reads every page and gives the same answer as the CLI files', async () => {
    serve();
    const config = await readEc2NetworkConfig(new EC2Client({ region: 'us-east-1' }));
    expect(config.securityGroups.map((g) => g.GroupId)).toEqual(['sg-0a1b2c3d4e5f60045']);
    expect(config.prefixListEntries).toEqual([
      { PrefixListId: 'pl-0a1b2c3d4e5f60071', Entries: [{ Cidr: '198.51.100.0/24' }] },
      { PrefixListId: 'pl-0a1b2c3d4e5f60072', Entries: [{ Cidr: '10.20.0.0/16' }] },
    ]);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(2);
    const { results } = evaluateNetworkReachability(config);
    const found = results.filter((r) => r.result === 'FAIL' && r.ruleId === 'nr.recognized-port-no-agent');
    expect(found.map((r) => r.finding?.attributes?.find((a) => a.key === 'PORT')?.value)).toEqual(['443']);
  });

  it('a response of the wrong shape is refused with the call and the member', async () => {
    serve({ securityGroups: { SecurityGroups: [{ GroupId: 7 }] } });
    await expect(readEc2NetworkConfig(new EC2Client({ region: 'us-east-1' }))).rejects.toThrow(
      /^describe-security-groups.json: document 2: SecurityGroups\[0\]\.GroupId:/,
    );
  });
});

describe('load balancers through the SDK (ELBv2 and Classic ELB)', () => {
  const ALB = path.resolve(__dirname, '../../fixtures/network-reachability/alb-to-target-8080');
  const alb = (f: string) => JSON.parse(readFileSync(path.join(ALB, f), 'utf8'));
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const elb = mockClient(ElasticLoadBalancingClient);
  afterEach(() => {
    elbv2.reset();
    elb.reset();
  });

  function serveAlb() {
    for (const [command, file] of [
      [DescribeInstancesCommand, 'describe-instances.json'],
      [DescribeNetworkInterfacesCommand, 'describe-network-interfaces.json'],
      [DescribeSecurityGroupsCommand, 'describe-security-groups.json'],
      [DescribeNetworkAclsCommand, 'describe-network-acls.json'],
      [DescribeRouteTablesCommand, 'describe-route-tables.json'],
      [DescribeSubnetsCommand, 'describe-subnets.json'],
      [DescribeVpcsCommand, 'describe-vpcs.json'],
      [DescribeInternetGatewaysCommand, 'describe-internet-gateways.json'],
    ] as const)
      ec2.on(command as typeof DescribeVpcsCommand).resolves(alb(file));
    ec2.on(DescribeVpcPeeringConnectionsCommand).resolves({ VpcPeeringConnections: [] });
    ec2.on(DescribeVpnGatewaysCommand).resolves({ VpnGateways: [] });
    ec2.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [] });
    // The load balancers in two pages (Marker / NextMarker, as ELB pages).
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [], NextMarker: 'm2' });
    elbv2
      .on(DescribeLoadBalancersCommand, { Marker: 'm2' })
      .resolves(alb('elbv2-describe-load-balancers.json'));
    const lbArn = alb('elbv2-describe-load-balancers.json').LoadBalancers[0].LoadBalancerArn;
    elbv2.on(DescribeListenersCommand).resolves({ Listeners: [] });
    elbv2
      .on(DescribeListenersCommand, { LoadBalancerArn: lbArn })
      .resolves(alb('elbv2-describe-listeners.json'));
    elbv2.on(DescribeTargetGroupsCommand).resolves(alb('elbv2-describe-target-groups.json'));
    const health = alb('elbv2-describe-target-health.json');
    elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    elbv2
      .on(DescribeTargetHealthCommand, { TargetGroupArn: health.TargetGroupArn })
      .resolves({ TargetHealthDescriptions: health.TargetHealthDescriptions });
    elb.on(DescribeClassicLoadBalancersCommand).resolves({ LoadBalancerDescriptions: [] });
  }

  const clients = () => ({
    ec2: new EC2Client({ region: 'us-east-1' }),
    elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
    elb: new ElasticLoadBalancingClient({ region: 'us-east-1' }),
  });

  it('reads every page and per-balancer call: the same configuration and answer as the CLI files', async () => {
    serveAlb();
    const config = await readNetworkConfig(clients());
    const files = await readCliOutputDirectory(ALB);
    for (const key of ['loadBalancers', 'listeners', 'targetGroups', 'targetHealth', 'instances'] as const)
      expect(config[key], key).toEqual(files[key]);
    expect(elbv2.commandCalls(DescribeLoadBalancersCommand)).toHaveLength(2);
    expect(elbv2.commandCalls(DescribeTargetHealthCommand)).toHaveLength(1);
    const exposure = evaluateNetworkReachability(config).results.filter(
      (r) => r.result === 'FAIL' && r.ruleId === 'nr.network-exposure',
    );
    expect(exposure.map((r) => r.finding?.attributes?.find((a) => a.key === 'TCP_PORTS')?.value)).toEqual([
      '8080',
    ]);
  });

  it('a Classic ELB page of the wrong shape is refused with the call and the member', async () => {
    serveAlb();
    elb.on(DescribeClassicLoadBalancersCommand).resolves({
      LoadBalancerDescriptions: [{ LoadBalancerName: 7 }],
    } as never);
    await expect(readNetworkConfig(clients())).rejects.toThrow(
      /^elb-describe-load-balancers.json: document 1: LoadBalancerDescriptions\[0\]\.LoadBalancerName:/,
    );
  });
});
