/**
 * The EC2 part of the network reachability configuration, read with the SDK: every page of the describe
 * calls the evaluator needs (read-only: ec2:Describe*, ec2:GetManagedPrefixListEntries), each page checked
 * with the same schemas as the CLI outputs (an SDK response page has the CLI output's members), prefix list
 * entries fetched per list with the list's id added. readNetworkConfig adds the load balancers: ELBv2
 * (ALB/NLB, every page, the listeners of each, the target groups and each group's target health) and Classic
 * ELB (every page), read-only too (elasticloadbalancing:Describe*).
 */
import {
  DescribeVpnGatewaysCommand,
  type EC2Client,
  paginateDescribeInstances,
  paginateDescribeInternetGateways,
  paginateDescribeManagedPrefixLists,
  paginateDescribeNetworkAcls,
  paginateDescribeNetworkInterfaces,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcPeeringConnections,
  paginateDescribeVpcs,
  paginateGetManagedPrefixListEntries,
} from '@aws-sdk/client-ec2';
import {
  type ElasticLoadBalancingClient,
  paginateDescribeLoadBalancers as paginateDescribeClassicLoadBalancers,
} from '@aws-sdk/client-elastic-load-balancing';
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  paginateDescribeListeners,
  paginateDescribeLoadBalancers,
  paginateDescribeTargetGroups,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  emptyNetworkConfig,
  type ManagedPrefixList,
  type NetworkConfig,
} from '../../core/network/aws-config';
import { CLI_OUTPUT_FILES, documentItems, type FileSpec } from '../../core/network/cli-outputs';

function spec(key: keyof NetworkConfig): FileSpec {
  return CLI_OUTPUT_FILES.find((f) => f.key === key)!;
}

async function collect(
  key: keyof NetworkConfig,
  pages: AsyncIterable<unknown>,
  into: NetworkConfig,
): Promise<void> {
  const s = spec(key);
  let n = 0;
  for await (const page of pages) (into[key] as unknown[]).push(...documentItems(s, page, ++n));
}

export interface NetworkConfigClients {
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  elb: ElasticLoadBalancingClient;
}

/** The whole configuration the evaluator reads: EC2, then the load balancers. */
export async function readNetworkConfig(clients: NetworkConfigClients): Promise<NetworkConfig> {
  const c = await readEc2NetworkConfig(clients.ec2);
  await readLoadBalancers(clients, c);
  return c;
}

async function readLoadBalancers(
  { elbv2, elb }: Pick<NetworkConfigClients, 'elbv2' | 'elb'>,
  c: NetworkConfig,
): Promise<void> {
  const v2 = { client: elbv2 };
  await collect('loadBalancers', paginateDescribeLoadBalancers(v2, {}), c);
  for (const lb of c.loadBalancers)
    await collect('listeners', paginateDescribeListeners(v2, { LoadBalancerArn: lb.LoadBalancerArn }), c);
  await collect('targetGroups', paginateDescribeTargetGroups(v2, {}), c);
  for (const tg of c.targetGroups) {
    // DescribeTargetHealth has no pages: one answer per target group.
    const health = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
    c.targetHealth.push(
      ...(documentItems(
        spec('targetHealth'),
        {
          TargetGroupArn: tg.TargetGroupArn,
          TargetHealthDescriptions: health.TargetHealthDescriptions ?? [],
        },
        1,
      ) as NetworkConfig['targetHealth']),
    );
  }
  await collect('classicLoadBalancers', paginateDescribeClassicLoadBalancers({ client: elb }, {}), c);
}

export async function readEc2NetworkConfig(ec2: EC2Client): Promise<NetworkConfig> {
  const c = emptyNetworkConfig();
  const client = { client: ec2 };
  await collect('instances', paginateDescribeInstances(client, {}), c);
  await collect('networkInterfaces', paginateDescribeNetworkInterfaces(client, {}), c);
  await collect('securityGroups', paginateDescribeSecurityGroups(client, {}), c);
  await collect('networkAcls', paginateDescribeNetworkAcls(client, {}), c);
  await collect('routeTables', paginateDescribeRouteTables(client, {}), c);
  await collect('subnets', paginateDescribeSubnets(client, {}), c);
  await collect('vpcs', paginateDescribeVpcs(client, {}), c);
  await collect('internetGateways', paginateDescribeInternetGateways(client, {}), c);
  await collect('vpcPeeringConnections', paginateDescribeVpcPeeringConnections(client, {}), c);
  await collect('managedPrefixLists', paginateDescribeManagedPrefixLists(client, {}), c);
  c.vpnGateways.push(
    ...(documentItems(
      spec('vpnGateways'),
      await ec2.send(new DescribeVpnGatewaysCommand({})),
      1,
    ) as NetworkConfig['vpnGateways']),
  );
  for (const pl of c.managedPrefixLists as ManagedPrefixList[]) {
    const entries: Array<{ Cidr: string }> = [];
    for await (const page of paginateGetManagedPrefixListEntries(client, { PrefixListId: pl.PrefixListId }))
      for (const e of page.Entries ?? []) if (e.Cidr) entries.push({ Cidr: e.Cidr });
    c.prefixListEntries.push(
      ...(documentItems(
        spec('prefixListEntries'),
        { PrefixListId: pl.PrefixListId, Entries: entries },
        1,
      ) as NetworkConfig['prefixListEntries']),
    );
  }
  return c;
}
