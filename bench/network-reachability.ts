/**
 * Network reachability at fleet size: 10,000 network interfaces (one per instance) and 2,000 security
 * groups over 50 VPCs, each VPC with a public and a private subnet, an internet gateway, custom network
 * ACLs, peering to the next VPC and a VGW on every fifth; every interface carries 1–3 random groups of its
 * VPC (so few share a combination), groups hold 4–8 rules mixing CIDRs, IPv6, port ranges, protocol -1,
 * ICMP, prefix lists and group references; 100 internet-facing ALBs with 20 targets each. Prints the wall
 * time of building the configuration's indexes, analysing every path and running the five rules, the
 * heap and RSS after, and the counts.
 * Run: npx tsx bench/network-reachability.ts [--enis N] [--groups N]
 */
import { createHash } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { NetworkConfig } from '../functions/core/network/aws-config';
import { emptyNetworkConfig } from '../functions/core/network/aws-config';
import { analyzeNetwork } from '../functions/core/network/evaluate';
import { evaluateNetworkReachability } from '../functions/rules/network-reachability';
import { seededRandom } from '../test/helpers/seeded-random';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

export function syntheticNetwork(enis: number, groups: number, seed = 10): NetworkConfig {
  const rnd = seededRandom(seed);
  const c = emptyNetworkConfig();
  const vpcs = 50;
  const sgsByVpc: string[][] = Array.from({ length: vpcs }, () => []);
  c.prefixListEntries.push({
    PrefixListId: 'pl-office',
    Entries: [{ Cidr: '198.51.100.0/24' }, { Cidr: '203.0.113.0/25' }],
  });
  for (let v = 0; v < vpcs; v++) {
    const vpcId = `vpc-${v}`;
    c.vpcs.push({
      VpcId: vpcId,
      CidrBlock: `10.${v}.0.0/16`,
      Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: `2600:1f18:${v.toString(16)}::/56` }],
    });
    for (const [k, tier] of ['pub', 'priv'].entries())
      c.subnets.push({ SubnetId: `subnet-${v}-${tier}`, VpcId: vpcId, CidrBlock: `10.${v}.${k}.0/20` });
    c.internetGateways.push({
      InternetGatewayId: `igw-${v}`,
      Attachments: [{ VpcId: vpcId, State: 'available' }],
    });
    const peer = (v + 1) % vpcs;
    c.vpcPeeringConnections.push({
      VpcPeeringConnectionId: `pcx-${v}`,
      Status: { Code: 'active' },
      RequesterVpcInfo: { VpcId: vpcId, CidrBlock: `10.${v}.0.0/16` },
      AccepterVpcInfo: { VpcId: `vpc-${peer}`, CidrBlock: `10.${peer}.0.0/16` },
    });
    const vgw = v % 5 === 0;
    if (vgw)
      c.vpnGateways.push({
        VpnGatewayId: `vgw-${v}`,
        State: 'available',
        VpcAttachments: [{ VpcId: vpcId, State: 'attached' }],
      });
    c.routeTables.push({
      RouteTableId: `rtb-${v}-main`,
      VpcId: vpcId,
      Associations: [{ Main: true }, { SubnetId: `subnet-${v}-priv` }],
      Routes: [
        { DestinationCidrBlock: `10.${v}.0.0/16`, GatewayId: 'local', State: 'active' },
        { DestinationCidrBlock: `10.${peer}.0.0/16`, VpcPeeringConnectionId: `pcx-${v}`, State: 'active' },
        ...(vgw ? [{ DestinationCidrBlock: '192.168.0.0/16', GatewayId: `vgw-${v}`, State: 'active' }] : []),
      ],
    });
    c.routeTables.push({
      RouteTableId: `rtb-${v}-pub`,
      VpcId: vpcId,
      Associations: [{ SubnetId: `subnet-${v}-pub` }],
      Routes: [
        { DestinationCidrBlock: `10.${v}.0.0/16`, GatewayId: 'local', State: 'active' },
        { DestinationCidrBlock: '0.0.0.0/0', GatewayId: `igw-${v}`, State: 'active' },
        { DestinationIpv6CidrBlock: '::/0', GatewayId: `igw-${v}`, State: 'active' },
        { DestinationCidrBlock: '100.0.0.0/8', State: 'blackhole' },
      ],
    });
    c.networkAcls.push({
      NetworkAclId: `acl-${v}`,
      VpcId: vpcId,
      IsDefault: true,
      Associations: [{ SubnetId: `subnet-${v}-pub` }, { SubnetId: `subnet-${v}-priv` }],
      Entries: [
        {
          RuleNumber: 90,
          Protocol: '6',
          RuleAction: 'deny',
          Egress: false,
          CidrBlock: '0.0.0.0/0',
          PortRange: { From: 23, To: 23 },
        },
        { RuleNumber: 95, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: `45.${v}.0.0/16` },
        { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0' },
        { RuleNumber: 101, Protocol: '-1', RuleAction: 'allow', Egress: false, Ipv6CidrBlock: '::/0' },
        {
          RuleNumber: 100,
          Protocol: '6',
          RuleAction: 'allow',
          Egress: true,
          CidrBlock: '0.0.0.0/0',
          PortRange: { From: 1024, To: 65535 },
        },
        { RuleNumber: 110, Protocol: '-1', RuleAction: 'allow', Egress: true, CidrBlock: '10.0.0.0/8' },
        { RuleNumber: 120, Protocol: '-1', RuleAction: 'allow', Egress: true, Ipv6CidrBlock: '::/0' },
      ],
    });
  }
  const ports = [22, 80, 443, 3389, 5432, 3306, 8080, 9200, 27017, 6379];
  for (let g = 0; g < groups; g++) {
    const v = g % vpcs;
    const id = `sg-${g}`;
    sgsByVpc[v]!.push(id);
    const perms: NetworkConfig['securityGroups'][number]['IpPermissions'] = [];
    const n = 4 + rnd.int(5);
    for (let r = 0; r < n; r++) {
      const kind = rnd.int(20);
      const port = rnd.pick(ports);
      if (kind < 4)
        perms.push({
          IpProtocol: 'tcp',
          FromPort: port,
          ToPort: port,
          IpRanges: [
            { CidrIp: rnd.chance(0.5) ? '0.0.0.0/0' : `${1 + rnd.int(220)}.${rnd.int(256)}.0.0/16` },
          ],
        });
      else if (kind < 5)
        perms.push({
          IpProtocol: 'tcp',
          FromPort: 8000,
          ToPort: 8000 + rnd.int(1000),
          Ipv6Ranges: [{ CidrIpv6: '::/0' }],
        });
      else if (kind < 6)
        perms.push({
          IpProtocol: 'udp',
          FromPort: 500,
          ToPort: 4500,
          IpRanges: [{ CidrIp: '192.168.0.0/16' }],
        });
      else if (kind < 7)
        perms.push({ IpProtocol: 'icmp', FromPort: 8, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] });
      else if (kind < 8)
        perms.push({
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          PrefixListIds: [{ PrefixListId: 'pl-office' }],
        });
      else if (kind < 9)
        perms.push({ IpProtocol: '-1', IpRanges: [{ CidrIp: `10.${(v + 1) % vpcs}.0.0/16` }] });
      else
        perms.push({
          IpProtocol: 'tcp',
          FromPort: port,
          ToPort: port,
          UserIdGroupPairs: [{ GroupId: `sg-${(g + vpcs) % groups}` }],
        });
    }
    c.securityGroups.push({ GroupId: id, GroupName: id, VpcId: `vpc-${v}`, IpPermissions: perms });
  }
  for (let i = 0; i < enis; i++) {
    const v = i % vpcs;
    const pub = rnd.chance(0.5);
    const third = Math.floor(i / vpcs);
    const ip =
      `10.${v}.${pub ? 0 : 1}${''}.${0}`.replace(/\.0$/, '') &&
      `10.${v}.${(pub ? 0 : 16) + (third >> 8)}.${third & 255}`;
    const sgs = Array.from({ length: 1 + rnd.int(3) }, () => rnd.pick(sgsByVpc[v]!));
    const eni = {
      NetworkInterfaceId: `eni-${i}`,
      SubnetId: `subnet-${v}-${pub ? 'pub' : 'priv'}`,
      VpcId: `vpc-${v}`,
      Groups: [...new Set(sgs)].map((g) => ({ GroupId: g })),
      PrivateIpAddress: ip,
      PrivateIpAddresses: [
        {
          PrivateIpAddress: ip,
          Primary: true,
          ...(pub && rnd.chance(0.8)
            ? { Association: { PublicIp: `54.${v}.${third >> 8}.${third & 255}` } }
            : {}),
        },
      ],
      Ipv6Addresses: rnd.chance(0.2)
        ? [{ Ipv6Address: `2600:1f18:${v.toString(16)}::${i.toString(16)}` }]
        : [],
      Attachment: { DeviceIndex: 0, InstanceId: `i-${i}` },
    };
    c.networkInterfaces.push(eni);
    c.instances.push({ InstanceId: `i-${i}`, State: { Name: 'running' } });
  }
  for (let b = 0; b < 100; b++) {
    const v = b % vpcs;
    const arn = `arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/lb-${b}/${b}`;
    const tg = `arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/tg-${b}/${b}`;
    c.loadBalancers.push({
      LoadBalancerArn: arn,
      LoadBalancerName: `lb-${b}`,
      Scheme: 'internet-facing',
      Type: 'application',
      VpcId: `vpc-${v}`,
      SecurityGroups: [sgsByVpc[v]![0]!],
      AvailabilityZones: [{ SubnetId: `subnet-${v}-pub` }],
    });
    c.listeners.push({
      ListenerArn: `${arn}/l`,
      LoadBalancerArn: arn,
      Port: 443,
      Protocol: 'HTTPS',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }],
    });
    c.targetGroups.push({
      TargetGroupArn: tg,
      Protocol: 'HTTP',
      Port: 8080,
      TargetType: 'instance',
      VpcId: `vpc-${v}`,
    });
    c.targetHealth.push({
      TargetGroupArn: tg,
      TargetHealthDescriptions: Array.from({ length: 20 }, (_, k) => ({
        Target: { Id: `i-${(v + vpcs * (k + b)) % enis}`, Port: 8080 },
      })),
    });
  }
  return c;
}

export async function networkReachabilityBench(): Promise<void> {
  const enis = arg('--enis', 10_000);
  const groups = arg('--groups', 2_000);
  const config = syntheticNetwork(enis, groups);
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
  const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const cpuSecs = (c: NodeJS.CpuUsage) => `${((c.user + c.system) / 1e6).toFixed(2)} s`;

  // Paths only (indexes + every interface and load balancer), on a fresh model.
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  const { analysis } = analyzeNetwork(config);
  const pathsWall = performance.now() - t0;
  const pathsCpu = process.cpuUsage(c0);
  const paths = analysis.interfaces.reduce((n, i) => n + i.paths.length, 0);

  // The package: a fresh model, paths, and the five rules with every finding's path explained.
  const before = process.memoryUsage();
  t0 = performance.now();
  c0 = process.cpuUsage();
  const { results } = evaluateNetworkReachability(config);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const after = process.memoryUsage();
  const fails = results.filter((r) => r.result === 'FAIL').length;
  // The results' fingerprint: an optimisation must leave it unchanged (README, Benchmarks).
  const hash = createHash('sha256');
  for (const r of results) hash.update(JSON.stringify(r));
  const [load] = loadavg();
  console.log(`## Network reachability: ${enis} ENIs, ${groups} security groups, 50 VPCs, 100 ALBs`);
  console.log(
    `  paths (evaluator only)       ${secs(pathsWall)} wall, ${cpuSecs(pathsCpu)} CPU: ${analysis.interfaces.length} interfaces, ${paths} reachable paths`,
  );
  console.log(
    `  package (paths + five rules) ${secs(wall)} wall, ${cpuSecs(cpu)} CPU: ${results.length} results, ${fails} FAIL`,
  );
  console.log(
    `  heap ${mb(before.heapUsed)} → ${mb(after.heapUsed)}, RSS ${mb(after.rss)}; load average ${load!.toFixed(1)} on ${cpus().length} CPUs`,
  );
  console.log(`  results sha256 ${hash.digest('hex')}`);
  console.log('  command: npx tsx bench/network-reachability.ts');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await networkReachabilityBench();
