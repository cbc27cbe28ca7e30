/**
 * The network reachability rules with and without an agent's listening inventory, and evaluator cases
 * beyond the scenario suite (protocol -1, ICMP, blackhole routes, detached gateways, unknown groups, NLB
 * without security groups, Classic load balancers), on the public-subnet scenario's configuration.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ListeningService, ListeningSummary, RuleResult } from '../../../functions/core/model';
import type { NetworkConfig } from '../../../functions/core/network/aws-config';
import { networkConfigFromCliOutputs } from '../../../functions/core/network/cli-outputs';
import { analyzeNetwork } from '../../../functions/core/network/evaluate';
import { contains, formatPorts } from '../../../functions/core/network/ports';
import { evaluateNetworkReachability } from '../../../functions/rules/network-reachability';

const FIX = path.resolve(__dirname, '../../fixtures/network-reachability');
const INSTANCE = 'i-0a1b2c3d4e5f60061';
const SG = 'sg-0a1b2c3d4e5f60041';

function load(scenario: string): NetworkConfig {
  const dir = path.join(FIX, scenario);
  const files = new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json') && f !== 'expected.json')
      .map((f) => [f, readFileSync(path.join(dir, f), 'utf8')] as const),
  );
  return networkConfigFromCliOutputs(files).config;
}

const svc = (
  protocol: ListeningService['protocol'],
  address: string,
  port: number,
  comm: string,
): ListeningService => ({
  protocol,
  address,
  port,
  loopback: address.startsWith('127.') || address === '::1',
  accepted: 0,
  samples: 1,
  processes: [{ pid: 812, comm, uid: 0, exe: `/usr/sbin/${comm}`, package: `${comm} 1.0` }],
  libraryPackages: ['libssl3 3.0.15-1'],
});
const inventory = (...services: ListeningService[]): ListeningSummary => ({ services, ownersLookedUp: true });

function byRule(results: RuleResult[], ruleId: string) {
  return results.filter((r) => r.ruleId === ruleId);
}

function withSgRules(config: NetworkConfig, perms: unknown[]): NetworkConfig {
  const c = structuredClone(config);
  c.securityGroups[0]!.IpPermissions = perms as NetworkConfig['securityGroups'][number]['IpPermissions'];
  return c;
}

describe('network reachability rules', () => {
  it('sshd listening on the reachable port 22: recognized-port-with-listener FAIL (Medium), the others pass or do not apply', () => {
    const { results } = evaluateNetworkReachability(load('public-subnet-open-ssh'), {
      listeners: () =>
        inventory(svc('tcp', '0.0.0.0', 22, 'sshd'), svc('tcp', '127.0.0.1', 5432, 'postgres')),
    });
    const [withL] = byRule(results, 'nr.recognized-port-with-listener');
    expect(withL).toMatchObject({ result: 'FAIL', severity: 'Medium' });
    expect(withL!.message).toContain('sshd (pid 812)');
    expect(withL!.evidence).toContainEqual(
      expect.objectContaining({
        source: 'runtime:listeners',
        key: 'tcp 0.0.0.0:22',
        value: 'sshd (pid 812)',
      }),
    );
    expect(withL!.finding?.attributes).toEqual(
      expect.arrayContaining([
        { key: 'RULE_TYPE', value: 'RecognizedPortWithListener' },
        { key: 'PORT_GROUP_NAME', value: 'SSH' },
        { key: 'IGW', value: 'igw-0a1b2c3d4e5f60001' },
      ]),
    );
    expect(byRule(results, 'nr.recognized-port-no-listener').map((r) => r.result)).toEqual(['PASS']);
    expect(byRule(results, 'nr.recognized-port-no-agent').map((r) => r.result)).toEqual(['NOT_APPLICABLE']);
    expect(byRule(results, 'nr.unrecognized-port-with-listener').map((r) => r.result)).toEqual(['PASS']);
  });

  it('nothing listens on the reachable port 22 (a loopback listener does not count): no-listener FAIL, one severity lower', () => {
    const { results } = evaluateNetworkReachability(load('public-subnet-open-ssh'), {
      listeners: () => inventory(svc('tcp', '127.0.0.1', 22, 'sshd')),
    });
    expect(byRule(results, 'nr.recognized-port-with-listener').map((r) => r.result)).toEqual(['PASS']);
    expect(byRule(results, 'nr.recognized-port-no-listener')).toMatchObject([
      { result: 'FAIL', severity: 'Low' },
    ]);
  });

  it('a listener on a port outside the list is reported only when reachable', () => {
    const base = load('public-subnet-open-ssh');
    const listeners = () => inventory(svc('tcp6', '::', 8080, 'java'), svc('udp', '0.0.0.0', 5353, 'avahi'));
    const closed = evaluateNetworkReachability(base, { listeners });
    expect(byRule(closed.results, 'nr.unrecognized-port-with-listener').map((r) => r.result)).toEqual([
      'PASS',
    ]);
    const open = evaluateNetworkReachability(
      withSgRules(base, [
        { IpProtocol: 'tcp', FromPort: 8000, ToPort: 8100, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      ]),
      { listeners },
    );
    const found = byRule(open.results, 'nr.unrecognized-port-with-listener');
    expect(found).toMatchObject([{ result: 'FAIL', severity: 'Low' }]);
    expect(found[0]!.finding?.attributes).toContainEqual({ key: 'PORT', value: '8080' });
  });

  it('without an agent the listener-aware rules do not apply and no-agent carries the finding', () => {
    const { results } = evaluateNetworkReachability(load('public-subnet-open-ssh'));
    expect(results.filter((r) => r.result === 'NOT_APPLICABLE').map((r) => r.ruleId)).toEqual([
      'nr.recognized-port-with-listener',
      'nr.recognized-port-no-listener',
      'nr.unrecognized-port-with-listener',
    ]);
    expect(byRule(results, 'nr.recognized-port-no-agent')).toMatchObject([
      { result: 'FAIL', severity: 'Medium' },
    ]);
  });

  it('finding ids: the identity names interface, path and port, not the run', () => {
    const a = evaluateNetworkReachability(load('public-subnet-open-ssh')).results.find(
      (r) => r.result === 'FAIL',
    );
    const b = evaluateNetworkReachability(load('public-subnet-open-ssh')).results.find(
      (r) => r.result === 'FAIL',
    );
    expect(a!.identity).toEqual(b!.identity);
    expect(a!.identity).toContain('tcp:22');
  });
});

describe('path evaluator cases', () => {
  const paths = (config: NetworkConfig, instance = INSTANCE) =>
    analyzeNetwork(config)
      .analysis.byInstance.get(instance)!
      .flatMap((e) => e.paths);
  const summary = (config: NetworkConfig, instance = INSTANCE) =>
    paths(config, instance)
      .map((p) => `${p.type} ${p.protocol} ${formatPorts(p.ports)}`)
      .sort();

  it('protocol -1 opens every port of TCP and UDP and every ICMP type', () => {
    const c = withSgRules(load('public-subnet-open-ssh'), [
      { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    ]);
    expect(summary(c)).toEqual(['Internet icmp 0-255', 'Internet tcp 0-65535', 'Internet udp 0-65535']);
  });

  it('ICMP echo request needs the echo reply out through the ACL', () => {
    const c = withSgRules(load('public-subnet-open-ssh'), [
      { IpProtocol: 'icmp', FromPort: 8, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    ]);
    expect(summary(c)).toEqual(['Internet icmp 8']);
    const acl = c.networkAcls[0]!;
    acl.Entries = [
      { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0' },
      {
        RuleNumber: 100,
        Protocol: '6',
        RuleAction: 'allow',
        Egress: true,
        CidrBlock: '0.0.0.0/0',
        PortRange: { From: 0, To: 65535 },
      },
    ];
    expect(summary(c)).toEqual([]);
  });

  it('a port range is cut by the ACL: only what both allow is reachable', () => {
    const c = withSgRules(load('public-subnet-open-ssh'), [
      { IpProtocol: 'tcp', FromPort: 1, ToPort: 1000, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    ]);
    c.networkAcls[0]!.Entries = [
      {
        RuleNumber: 50,
        Protocol: '6',
        RuleAction: 'deny',
        Egress: false,
        CidrBlock: '0.0.0.0/0',
        PortRange: { From: 100, To: 199 },
      },
      {
        RuleNumber: 60,
        Protocol: '6',
        RuleAction: 'allow',
        Egress: false,
        CidrBlock: '0.0.0.0/0',
        PortRange: { From: 0, To: 499 },
      },
      { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: true, CidrBlock: '0.0.0.0/0' },
    ];
    expect(summary(c)).toEqual(['Internet tcp 1-99, 200-499']);
  });

  it('a more specific blackhole route takes its sources off the internet path', () => {
    const c = withSgRules(load('public-subnet-open-ssh'), [
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '198.51.100.0/24' }] },
    ]);
    expect(summary(c)).toEqual(['Internet tcp 22']);
    const rt = c.routeTables.find((r) => r.RouteTableId === 'rtb-0a1b2c3d4e5f60022')!;
    rt.Routes!.push({ DestinationCidrBlock: '198.51.100.0/24', State: 'blackhole' });
    expect(summary(c)).toEqual([]);
  });

  it('an internet gateway listed as attached to another VPC carries nothing, and the results say so', () => {
    const c = load('public-subnet-open-ssh');
    c.internetGateways[0]!.Attachments = [{ VpcId: 'vpc-other', State: 'available' }];
    const { analysis } = analyzeNetwork(c);
    const eni = analysis.byInstance.get(INSTANCE)![0]!;
    expect(eni.paths).toEqual([]);
    expect(eni.notes.join(' ')).toContain('is not attached to vpc-0a1b2c3d4e5f60001');
  });

  it('a security group missing from the configuration ends in an exclusion naming it', () => {
    const c = load('public-subnet-open-ssh');
    c.securityGroups = [];
    const { exclusions, results } = evaluateNetworkReachability(c);
    expect(exclusions).toMatchObject([
      { instanceId: INSTANCE, reason: 'EVALUATION_ERROR', scope: 'network-reachability' },
    ]);
    expect(exclusions[0]!.message).toContain(`security group ${SG}`);
    expect(results.find((r) => r.ruleId === 'nr.network-exposure')!.message).toContain('Unresolved:');
  });

  it('an instance of the target missing from the configuration is an exclusion', () => {
    const { exclusions } = evaluateNetworkReachability(load('public-subnet-open-ssh'), {
      instanceIds: ['i-missing'],
    });
    expect(exclusions).toMatchObject([{ instanceId: 'i-missing', reason: 'EVALUATION_ERROR' }]);
  });

  it('NLB without security groups: the target must allow the client (internet) source', () => {
    const c = load('alb-to-target-8080');
    const lb = c.loadBalancers[0]!;
    lb.Type = 'network';
    lb.SecurityGroups = [];
    c.listeners[0]!.Protocol = 'TCP';
    c.targetGroups[0]!.Protocol = 'TCP';
    const target = 'i-0a1b2c3d4e5f6006a';
    // The target's group admits only the ALB's group: with an NLB the client address is preserved, so no.
    expect(summary(c, target)).toEqual([]);
    c.securityGroups[1]!.IpPermissions = [
      { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    ];
    expect(summary(c, target)).toEqual(['Internet tcp 8080']);
    expect(paths(c, target)[0]!.loadBalancer).toMatchObject({
      kind: 'network',
      listenerPort: 80,
      targetPort: 8080,
    });
  });

  it('ALB: the target group is reached only when the load balancer subnet ACL lets the listener port in', () => {
    const c = load('alb-to-target-8080');
    const target = 'i-0a1b2c3d4e5f6006a';
    expect(summary(c, target)).toEqual(['Internet tcp 8080']);
    c.securityGroups[0]!.IpPermissions = [
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    ];
    expect(summary(c, target)).toEqual([]);
  });

  it('Classic load balancer: listener → instance port when the instance group allows the CLB group', () => {
    const c = load('alb-to-target-8080');
    c.loadBalancers = [];
    c.classicLoadBalancers = [
      {
        LoadBalancerName: 'classic-web',
        Scheme: 'internet-facing',
        VPCId: 'vpc-0a1b2c3d4e5f60001',
        Subnets: ['subnet-0a1b2c3d4e5f60011'],
        SecurityGroups: ['sg-0a1b2c3d4e5f60047'],
        Instances: [{ InstanceId: 'i-0a1b2c3d4e5f6006a' }],
        ListenerDescriptions: [
          {
            Listener: {
              Protocol: 'HTTP',
              LoadBalancerPort: 80,
              InstanceProtocol: 'HTTP',
              InstancePort: 8080,
            },
          },
        ],
      },
    ];
    const p = paths(c, 'i-0a1b2c3d4e5f6006a');
    expect(p.map((x) => `${x.loadBalancer?.kind} ${x.protocol} ${formatPorts(x.ports)}`)).toEqual([
      'classic tcp 8080',
    ]);
    expect(contains(p[0]!.ports, 8080)).toBe(true);
  });

  it('a gateway route table (ingress routing) is named in the notes: not modelled', () => {
    const c = load('public-subnet-open-ssh');
    c.routeTables.push({
      RouteTableId: 'rtb-edge',
      VpcId: 'vpc-0a1b2c3d4e5f60001',
      Associations: [{ GatewayId: 'igw-0a1b2c3d4e5f60001' }],
      Routes: [],
    });
    const eni = analyzeNetwork(c).analysis.byInstance.get(INSTANCE)![0]!;
    expect(eni.notes.join(' ')).toContain('route table rtb-edge is associated with igw-0a1b2c3d4e5f60001');
  });

  it('a private-subnet instance routed through a transit gateway: not modelled, said in the notes', () => {
    const c = load('private-subnet-open-ssh');
    c.routeTables[0]!.Routes!.push({
      DestinationCidrBlock: '0.0.0.0/0',
      TransitGatewayId: 'tgw-0123',
      State: 'active',
    });
    const eni = analyzeNetwork(c).analysis.byInstance.get('i-0a1b2c3d4e5f60062')![0]!;
    expect(eni.paths).toEqual([]);
    expect(eni.notes.join(' ')).toContain('transit gateway tgw-0123');
  });
});
