/**
 * The path evaluator: which ports of which network interfaces can be reached from the internet (through an
 * internet gateway, directly or behind an internet-facing load balancer), from a peered VPC, or through a
 * virtual private gateway, given the EC2 and ELB configuration (aws-config.ts). Pure: no I/O, no clock.
 *
 * Semantics (README "Network Reachability rules package"):
 * - Routing: the subnet's route table (explicit association, else the VPC's main table), longest prefix
 *   match per source address; the route back to the source decides which gateway the traffic uses, so a
 *   more specific route elsewhere (or a blackhole) takes those sources off the gateway's path.
 * - Internet: an internet gateway route, and an address the internet can reach: a public IPv4 or Elastic IP
 *   for IPv4 sources (public address space), an IPv6 address for IPv6 sources (2000::/3). An internet
 *   gateway listed as not attached to the VPC carries nothing.
 * - PeeredVPC: a route to an active peering connection; sources are the peer VPC's CIDR blocks.
 * - VGW: a route (static or propagated) to a virtual private gateway attached to the VPC; any source.
 * - Security groups: stateful allow-lists, the union of every group of the interface; rules by CIDR, IPv6
 *   CIDR, prefix list entries and security-group references (the private addresses of the interfaces that
 *   carry the group), protocol -1 (every port), port ranges, ICMP types.
 * - Network ACLs: stateless, entries in rule-number order, first match wins, implicit deny at the end; the
 *   reply must also pass: outbound to the source on an ephemeral port (default 1024–65535) for TCP and UDP,
 *   an echo reply for ICMP.
 * - Load balancers: an internet-facing ALB, CLB or NLB whose listener port passes its own subnets' routes,
 *   ACLs and security groups reaches its registered targets on the target port when the target's security
 *   groups allow the load balancer (its security groups, or its nodes' addresses); an NLB without security
 *   groups preserves the client's address, so the target's groups must allow the internet source.
 */
import {
  type AddressRange,
  covers,
  describeRange,
  elementaryIntervals,
  type Family,
  INTERNET_V4,
  INTERNET_V6,
  overlaps,
  parseAddress,
  parseCidr,
} from './addresses';
import type {
  ClassicLoadBalancer,
  Instance,
  IpPermission,
  LoadBalancerV2,
  NetworkAcl,
  NetworkAclEntry,
  NetworkConfig,
  NetworkInterface,
  Route,
  RouteTable,
  SecurityGroup,
} from './aws-config';
import {
  ALL_PORTS,
  contains,
  formatPorts,
  intersect,
  isEmpty,
  NO_PORTS,
  type PortRange,
  type PortSet,
  portRange,
  subtract,
  union,
} from './ports';

export type ReachabilityType = 'Internet' | 'PeeredVPC' | 'VGW';
export type Protocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6';

/** Said in every result's message and in the README. */
export const NOT_MODELLED =
  'Not modelled: transit gateways, AWS Network Firewall, routing through appliances (gateway route tables, routes to instances or network interfaces), host firewalls, and load balancer listener rules other than the default action.';

export interface LoadBalancerHop {
  kind: 'application' | 'network' | 'classic';
  name: string;
  arn?: string;
  listenerProtocol: string;
  listenerPort: number;
  targetGroupArn?: string;
  targetPort: number;
  securityGroups: string[];
  subnetId: string;
  networkAclId?: string;
  routeTableId?: string;
}

export interface ReachablePath {
  type: ReachabilityType;
  /** igw-…, pcx-… or vgw-…: the gateway the traffic enters the VPC through. */
  gateway: string;
  family: Family;
  protocol: Protocol;
  ports: PortSet;
  /** The ports each of the interface's security groups opens on this path. */
  bySecurityGroup: Record<string, PortSet>;
  /** Set when the path goes through a load balancer (the ports are the target port). */
  loadBalancer?: LoadBalancerHop;
}

export interface EniReachability {
  networkInterfaceId: string;
  instanceId?: string;
  vpcId?: string;
  subnetId?: string;
  networkAclId?: string;
  routeTableId?: string;
  securityGroups: Array<{ id: string; name?: string }>;
  privateAddresses: string[];
  publicIpv4: string[];
  ipv6: string[];
  paths: ReachablePath[];
  /** What could not be resolved (a missing security group, prefix list, route table…), said in results. */
  notes: string[];
}

export interface NetworkAnalysis {
  interfaces: EniReachability[];
  /** Instance id → its interfaces' reachability. */
  byInstance: Map<string, EniReachability[]>;
  instances: Instance[];
}

export interface EvaluatorOptions {
  /** Ports a client's reply is addressed to (default 1024–65535, what AWS recommends opening for replies). */
  ephemeralPorts?: PortRange;
}

export interface PathStep {
  step: string;
  id: string;
  detail: string;
}

const PROTOCOLS: Record<Family, Protocol[]> = { 4: ['tcp', 'udp', 'icmp'], 6: ['tcp', 'udp', 'icmpv6'] };
const PROTOCOL_NUMBERS: Record<Protocol, string> = { tcp: '6', udp: '17', icmp: '1', icmpv6: '58' };
const ICMP_ALL: PortSet = portRange(0, 255);

function protoMatches(ruleProtocol: string, p: Protocol): boolean {
  const r = ruleProtocol.toLowerCase();
  return r === '-1' || r === 'all' || r === p || r === PROTOCOL_NUMBERS[p];
}

/** The ports (ICMP: types) a security group rule opens for a protocol it matches. */
function permissionPorts(perm: IpPermission, p: Protocol): PortSet {
  if (perm.IpProtocol === '-1') return p === 'icmp' || p === 'icmpv6' ? ICMP_ALL : ALL_PORTS;
  const from = perm.FromPort ?? -1;
  const to = perm.ToPort ?? -1;
  if (p === 'icmp' || p === 'icmpv6') return from < 0 ? ICMP_ALL : portRange(from, from);
  if (from < 0) return ALL_PORTS;
  return portRange(from, to < 0 ? 65535 : to);
}

function aclEntryPorts(e: NetworkAclEntry, p: Protocol): PortSet {
  if (e.Protocol === '-1') return p === 'icmp' || p === 'icmpv6' ? ICMP_ALL : ALL_PORTS;
  if (p === 'icmp' || p === 'icmpv6') {
    const t = e.IcmpTypeCode?.Type ?? -1;
    return t < 0 ? ICMP_ALL : portRange(t, t);
  }
  const from = e.PortRange?.From;
  const to = e.PortRange?.To;
  if (from === undefined || from === null) return ALL_PORTS;
  return portRange(from, to ?? from);
}

interface ParsedAclEntry {
  entry: NetworkAclEntry;
  range: AddressRange;
  allow: boolean;
}

interface ParsedPermission {
  perm: IpPermission;
  /** IPv4 CIDRs, IPv6 CIDRs and prefix list entries, with the text to show for each. */
  sources: Array<{ range: AddressRange; label: string }>;
  groupIds: string[];
}

interface ParsedRoute {
  route: Route;
  ranges: AddressRange[];
  /** igw-…, vgw-…, pcx-…, local, blackhole, or other (not modelled). */
  target: string;
  kind: 'igw' | 'vgw' | 'pcx' | 'local' | 'blackhole' | 'other';
}

/** Indexes over one configuration, and the evaluation of interfaces and load balancers against it. */
/** See NetworkModel.explainContext. */
interface ExplainContext {
  rt: RouteTable;
  acl: NetworkAcl | undefined;
  groups: SecurityGroup[];
  aclIn: ParsedAclEntry[] | undefined;
  aclOut: ParsedAclEntry[] | undefined;
  candidates: Array<{
    interval: AddressRange;
    route: ParsedRoute;
    inboundPorts: PortSet;
  }>;
}

export class NetworkModel {
  /** Per interface (paths may be shared by interfaces of the same side), per path. */
  private readonly explainContexts = new WeakMap<
    NetworkInterface,
    Map<ReachablePath, ExplainContext | undefined>
  >();
  private readonly sgById = new Map<string, SecurityGroup>();
  private readonly aclBySubnet = new Map<string, NetworkAcl>();
  private readonly defaultAclByVpc = new Map<string, NetworkAcl>();
  private readonly rtBySubnet = new Map<string, RouteTable>();
  private readonly mainRtByVpc = new Map<string, RouteTable>();
  private readonly subnetCidrs = new Map<string, AddressRange[]>();
  private readonly vpcCidrs = new Map<string, AddressRange[]>();
  private readonly prefixLists = new Map<string, AddressRange[]>();
  /** Security group id → the private addresses of the interfaces carrying it, with their VPC. */
  private readonly groupMembers = new Map<string, Array<{ vpcId?: string; address: AddressRange }>>();
  private readonly groupMemberKeys = new Map<string, Set<string>>();
  private readonly enis: NetworkInterface[] = [];
  private readonly eniById = new Map<string, NetworkInterface>();
  private readonly eniByAddress = new Map<string, NetworkInterface>();
  private readonly instanceById = new Map<string, Instance>();
  private readonly enisByInstance = new Map<string, NetworkInterface[]>();
  private readonly igwAttachment = new Map<string, Set<string>>();
  private readonly vgwAttachment = new Map<string, Set<string>>();
  private readonly peerings = new Map<string, { active: boolean; sides: Map<string, AddressRange[]> }>();
  private readonly aclCache = new Map<string, ParsedAclEntry[]>();
  private readonly routeCache = new Map<string, ParsedRoute[]>();
  private readonly eniCache = new Map<string, { paths: ReachablePath[]; notes: string[] }>();
  private readonly permCache = new Map<string, ParsedPermission[]>();
  private readonly intervalCache = new Map<string, AddressRange[]>();
  private readonly sideKeys = new Map<string, string>();
  /** VPC id → notes on its gateway route tables (edge associations). */
  private readonly edgeTables = new Map<string, string[]>();
  private readonly lbNodeCache = new Map<string, AddressRange[]>();
  readonly ephemeral: PortSet;

  constructor(
    readonly config: NetworkConfig,
    opts: EvaluatorOptions = {},
  ) {
    const eph = opts.ephemeralPorts ?? { from: 1024, to: 65535 };
    this.ephemeral = portRange(eph.from, eph.to);
    for (const sg of config.securityGroups) this.sgById.set(sg.GroupId, sg);
    for (const acl of config.networkAcls) {
      if (acl.IsDefault && acl.VpcId) this.defaultAclByVpc.set(acl.VpcId, acl);
      for (const a of acl.Associations ?? []) if (a.SubnetId) this.aclBySubnet.set(a.SubnetId, acl);
    }
    for (const rt of config.routeTables) {
      for (const a of rt.Associations ?? []) {
        if (a.GatewayId && rt.VpcId) {
          const list = this.edgeTables.get(rt.VpcId) ?? [];
          list.push(
            `route table ${rt.RouteTableId} is associated with ${a.GatewayId} (ingress routing to an appliance): traffic entering through it may be redirected, which is not modelled`,
          );
          this.edgeTables.set(rt.VpcId, list);
        }
        if (a.Main && rt.VpcId) this.mainRtByVpc.set(rt.VpcId, rt);
        if (a.SubnetId) this.rtBySubnet.set(a.SubnetId, rt);
      }
    }
    for (const s of config.subnets) {
      const cidrs = [s.CidrBlock, ...(s.Ipv6CidrBlockAssociationSet ?? []).map((x) => x.Ipv6CidrBlock)];
      this.subnetCidrs.set(s.SubnetId, parseAll(cidrs));
    }
    for (const v of config.vpcs) {
      const cidrs = [
        v.CidrBlock,
        ...(v.CidrBlockAssociationSet ?? []).map((x) => x.CidrBlock),
        ...(v.Ipv6CidrBlockAssociationSet ?? []).map((x) => x.Ipv6CidrBlock),
      ];
      this.vpcCidrs.set(v.VpcId, parseAll(cidrs));
    }
    for (const pl of config.prefixListEntries) {
      const list = this.prefixLists.get(pl.PrefixListId) ?? [];
      list.push(...parseAll(pl.Entries.map((e) => e.Cidr)));
      this.prefixLists.set(pl.PrefixListId, list);
    }
    for (const igw of config.internetGateways) {
      this.igwAttachment.set(
        igw.InternetGatewayId,
        new Set(
          (igw.Attachments ?? [])
            .filter((a) => !a.State || a.State === 'available' || a.State === 'attached')
            .map((a) => a.VpcId ?? ''),
        ),
      );
    }
    for (const vgw of config.vpnGateways) {
      const up = !vgw.State || vgw.State === 'available';
      this.vgwAttachment.set(
        vgw.VpnGatewayId,
        new Set(
          (vgw.VpcAttachments ?? [])
            .filter((a) => up && (!a.State || a.State === 'attached'))
            .map((a) => a.VpcId ?? ''),
        ),
      );
    }
    for (const pcx of config.vpcPeeringConnections) {
      const sides = new Map<string, AddressRange[]>();
      for (const info of [pcx.AccepterVpcInfo, pcx.RequesterVpcInfo]) {
        if (!info?.VpcId) continue;
        sides.set(
          info.VpcId,
          parseAll([
            info.CidrBlock,
            ...(info.CidrBlockSet ?? []).map((x) => x.CidrBlock),
            ...(info.Ipv6CidrBlockSet ?? []).map((x) => x.Ipv6CidrBlock),
          ]),
        );
      }
      this.peerings.set(pcx.VpcPeeringConnectionId, {
        active: (pcx.Status?.Code ?? 'active') === 'active',
        sides,
      });
    }
    for (const inst of config.instances) this.instanceById.set(inst.InstanceId, inst);
    // Interfaces: describe-network-interfaces, completed by the interfaces describe-instances lists.
    const seen = new Set<string>();
    for (const eni of config.networkInterfaces) {
      if (seen.has(eni.NetworkInterfaceId)) continue;
      seen.add(eni.NetworkInterfaceId);
      this.enis.push(eni);
    }
    for (const inst of config.instances) {
      for (const ni of inst.NetworkInterfaces ?? []) {
        if (seen.has(ni.NetworkInterfaceId)) continue;
        seen.add(ni.NetworkInterfaceId);
        this.enis.push({
          ...ni,
          Attachment: { ...(ni.Attachment ?? {}), InstanceId: inst.InstanceId },
        } as NetworkInterface);
      }
    }
    for (const eni of this.enis) {
      this.eniById.set(eni.NetworkInterfaceId, eni);
      const inst = eni.Attachment?.InstanceId;
      if (inst) {
        const list = this.enisByInstance.get(inst) ?? [];
        list.push(eni);
        this.enisByInstance.set(inst, list);
      }
      for (const a of privateAddresses(eni)) {
        this.eniByAddress.set(a, eni);
        const r = parseAddress(a);
        if (!r) continue;
        for (const g of eni.Groups ?? []) {
          if (!g.GroupId) continue;
          const list = this.groupMembers.get(g.GroupId) ?? [];
          list.push({ ...(eni.VpcId ? { vpcId: eni.VpcId } : {}), address: r });
          this.groupMembers.set(g.GroupId, list);
          const keys = this.groupMemberKeys.get(g.GroupId) ?? new Set<string>();
          keys.add(`${r.family}:${r.lo}`);
          this.groupMemberKeys.set(g.GroupId, keys);
        }
      }
    }
    for (const list of this.enisByInstance.values())
      list.sort((a, b) => (a.Attachment?.DeviceIndex ?? 99) - (b.Attachment?.DeviceIndex ?? 99));
  }

  subnetOf(eni: NetworkInterface): { subnetId?: string; vpcId?: string } {
    return {
      ...(eni.SubnetId ? { subnetId: eni.SubnetId } : {}),
      ...(eni.VpcId ? { vpcId: eni.VpcId } : {}),
    };
  }

  routeTableOf(subnetId: string | undefined, vpcId: string | undefined): RouteTable | undefined {
    return (
      (subnetId ? this.rtBySubnet.get(subnetId) : undefined) ??
      (vpcId ? this.mainRtByVpc.get(vpcId) : undefined)
    );
  }

  aclOf(subnetId: string | undefined, vpcId: string | undefined): NetworkAcl | undefined {
    return (
      (subnetId ? this.aclBySubnet.get(subnetId) : undefined) ??
      (vpcId ? this.defaultAclByVpc.get(vpcId) : undefined)
    );
  }

  private aclEntries(acl: NetworkAcl, egress: boolean): ParsedAclEntry[] {
    const key = `${acl.NetworkAclId}|${egress}`;
    let out = this.aclCache.get(key);
    if (!out) {
      out = [];
      for (const entry of acl.Entries ?? []) {
        if (entry.Egress !== egress) continue;
        const range = parseCidr(entry.CidrBlock ?? entry.Ipv6CidrBlock ?? '');
        if (!range) continue;
        out.push({ entry, range, allow: entry.RuleAction.toLowerCase() === 'allow' });
      }
      out.sort((a, b) => a.entry.RuleNumber - b.entry.RuleNumber);
      this.aclCache.set(key, out);
    }
    return out;
  }

  /** The ports an ACL direction allows for traffic from/to an interval (first match wins, then deny). */
  private aclAllowed(entries: ParsedAclEntry[] | undefined, interval: AddressRange, p: Protocol): PortSet {
    if (!entries) return p === 'icmp' || p === 'icmpv6' ? ICMP_ALL : ALL_PORTS;
    let undecided: PortSet = p === 'icmp' || p === 'icmpv6' ? ICMP_ALL : ALL_PORTS;
    let allowed: PortSet = NO_PORTS;
    for (const e of entries) {
      if (!covers(e.range, interval) || !protoMatches(e.entry.Protocol, p)) continue;
      const ports = aclEntryPorts(e.entry, p);
      if (e.allow) allowed = union(allowed, intersect(undecided, ports));
      undecided = subtract(undecided, ports);
      if (isEmpty(undecided)) break;
    }
    return allowed;
  }

  /** The entry deciding one port (undefined: the implicit deny "*"). */
  private aclDecision(
    entries: ParsedAclEntry[] | undefined,
    interval: AddressRange,
    p: Protocol,
    ports: PortSet,
  ) {
    if (!entries) return undefined;
    for (const e of entries) {
      if (!covers(e.range, interval) || !protoMatches(e.entry.Protocol, p)) continue;
      if (!isEmpty(intersect(aclEntryPorts(e.entry, p), ports))) return e;
    }
    return undefined;
  }

  private routes(rt: RouteTable, vpcId: string | undefined, notes: Set<string>): ParsedRoute[] {
    let out = this.routeCache.get(rt.RouteTableId);
    if (!out) {
      out = [];
      for (const route of rt.Routes ?? []) {
        let ranges: AddressRange[] = [];
        if (route.DestinationPrefixListId) {
          const list = this.prefixLists.get(route.DestinationPrefixListId);
          if (!list) {
            notes.add(
              `route table ${rt.RouteTableId}: the entries of prefix list ${route.DestinationPrefixListId} are unknown (not in get-managed-prefix-list-entries.json); its route was not counted`,
            );
            continue;
          }
          ranges = list;
        } else {
          const r = parseCidr(route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock ?? '');
          if (!r) continue;
          ranges = [r];
        }
        let target = 'other';
        let kind: ParsedRoute['kind'] = 'other';
        if (route.State === 'blackhole') [target, kind] = ['blackhole', 'blackhole'];
        else if (route.GatewayId === 'local') [target, kind] = ['local', 'local'];
        else if (route.GatewayId?.startsWith('igw-')) [target, kind] = [route.GatewayId, 'igw'];
        else if (route.GatewayId?.startsWith('vgw-')) [target, kind] = [route.GatewayId, 'vgw'];
        else if (route.VpcPeeringConnectionId) [target, kind] = [route.VpcPeeringConnectionId, 'pcx'];
        else
          target =
            route.TransitGatewayId ??
            route.NatGatewayId ??
            route.NetworkInterfaceId ??
            route.InstanceId ??
            route.GatewayId ??
            route.EgressOnlyInternetGatewayId ??
            route.LocalGatewayId ??
            route.CarrierGatewayId ??
            route.CoreNetworkArn ??
            'other';
        out.push({ route, ranges, target, kind });
      }
      this.routeCache.set(rt.RouteTableId, out);
    }
    for (const r of out) {
      if (r.kind === 'other' && r.target.startsWith('tgw-'))
        notes.add(
          `route table ${rt.RouteTableId} routes to transit gateway ${r.target}: paths through it are not modelled`,
        );
      if (
        r.kind === 'igw' &&
        vpcId &&
        this.igwAttachment.has(r.target) &&
        !this.igwAttachment.get(r.target)!.has(vpcId)
      )
        notes.add(`internet gateway ${r.target} is not attached to ${vpcId}: its route carries nothing`);
    }
    return out;
  }

  /** The CIDR blocks on either side of the peering connections a route table routes to. */
  private peerRanges(routes: ParsedRoute[]): AddressRange[] {
    const out: AddressRange[] = [];
    for (const r of routes) {
      if (r.kind !== 'pcx') continue;
      for (const ranges of this.peerings.get(r.target)?.sides.values() ?? []) out.push(...ranges);
    }
    return out;
  }

  /** Longest prefix match for an elementary interval (routes either cover it or miss it). */
  private lpm(routes: ParsedRoute[], interval: AddressRange): ParsedRoute | undefined {
    let best: ParsedRoute | undefined;
    let bestSize = -1n;
    for (const r of routes) {
      for (const range of r.ranges) {
        if (!covers(range, interval)) continue;
        const size = range.hi - range.lo;
        if (!best || size < bestSize) {
          best = r;
          bestSize = size;
        }
      }
    }
    return best;
  }

  /** Is this gateway usable from this VPC, and which sources can come through it. */
  private gatewaySources(
    route: ParsedRoute,
    vpcId: string | undefined,
    family: Family,
    notes: Set<string>,
  ):
    | {
        type: ReachabilityType;
        sources: readonly AddressRange[] | 'any';
      }
    | undefined {
    if (route.kind === 'igw') {
      const att = this.igwAttachment.get(route.target);
      if (att && vpcId && !att.has(vpcId)) return undefined;
      return { type: 'Internet', sources: family === 4 ? INTERNET_V4 : INTERNET_V6 };
    }
    if (route.kind === 'vgw') {
      const att = this.vgwAttachment.get(route.target);
      if (att && vpcId && !att.has(vpcId)) return undefined;
      return { type: 'VGW', sources: 'any' };
    }
    if (route.kind === 'pcx') {
      const pcx = this.peerings.get(route.target);
      if (!pcx) {
        notes.add(
          `peering connection ${route.target} is not in describe-vpc-peering-connections.json: sources taken as its route's destination`,
        );
        return { type: 'PeeredVPC', sources: 'any' };
      }
      if (!pcx.active) return undefined;
      const peer: AddressRange[] = [];
      for (const [v, ranges] of pcx.sides) if (v !== vpcId) peer.push(...ranges);
      return { type: 'PeeredVPC', sources: peer };
    }
    return undefined;
  }

  private sgSourceRanges(sg: SecurityGroup, notes: Set<string>, vpcId: string | undefined): AddressRange[] {
    const out: AddressRange[] = [];
    for (const pp of this.permissions(sg)) {
      for (const src of pp.sources) out.push(src.range);
      for (const pl of pp.perm.PrefixListIds ?? [])
        if (!pl.PrefixListId || !this.prefixLists.has(pl.PrefixListId))
          notes.add(
            `security group ${sg.GroupId}: the entries of prefix list ${pl.PrefixListId} are unknown (not in get-managed-prefix-list-entries.json); its rule was not counted`,
          );
      for (const pair of pp.perm.UserIdGroupPairs ?? []) {
        if (!pair.GroupId) continue;
        const members = this.groupMembers.get(pair.GroupId);
        if (!members) {
          if (pair.VpcPeeringConnectionId || (pair.VpcId && pair.VpcId !== vpcId))
            notes.add(
              `security group ${sg.GroupId} references ${pair.GroupId} across ${pair.VpcPeeringConnectionId ?? pair.VpcId}, whose interfaces are not in the configuration: that rule was not counted`,
            );
          continue;
        }
        // Members in this VPC reach the interface through the local route, never through a gateway.
        for (const m of members) if (m.vpcId !== vpcId) out.push(m.address);
      }
    }
    return out;
  }

  /**
   * The elementary intervals of one side (groups, ACL, route table) and family, computed once: the path
   * analysis and every explanation of its ports cut the same space.
   */
  private intervals(key: string, family: Family, bounds: () => AddressRange[]): AddressRange[] {
    const k = `${key}|${family}`;
    let out = this.intervalCache.get(k);
    if (!out) {
      out = elementaryIntervals(family, bounds());
      this.intervalCache.set(k, out);
    }
    return out;
  }

  /** The rules of the groups that admit traffic from an interval on a protocol, with the ports each opens. */
  private sgAllowed(groups: SecurityGroup[], interval: AddressRange, p: Protocol): Map<string, PortSet> {
    const out = new Map<string, PortSet>();
    for (const sg of groups) {
      let ports: PortSet = NO_PORTS;
      for (const pp of this.permissions(sg)) {
        if (!protoMatches(pp.perm.IpProtocol, p)) continue;
        if (this.matchSource(pp, interval) !== undefined) ports = union(ports, permissionPorts(pp.perm, p));
      }
      if (!isEmpty(ports)) out.set(sg.GroupId, ports);
    }
    return out;
  }

  /** A group's inbound rules with their sources parsed once. */
  private permissions(sg: SecurityGroup): ParsedPermission[] {
    let out = this.permCache.get(sg.GroupId);
    if (!out) {
      out = (sg.IpPermissions ?? []).map((perm) => {
        const sources: ParsedPermission['sources'] = [];
        for (const r of perm.IpRanges ?? []) {
          const x = parseCidr(r.CidrIp ?? '');
          if (x) sources.push({ range: x, label: r.CidrIp! });
        }
        for (const r of perm.Ipv6Ranges ?? []) {
          const x = parseCidr(r.CidrIpv6 ?? '');
          if (x) sources.push({ range: x, label: r.CidrIpv6! });
        }
        for (const pl of perm.PrefixListIds ?? []) {
          for (const x of (pl.PrefixListId ? this.prefixLists.get(pl.PrefixListId) : undefined) ?? [])
            sources.push({ range: x, label: pl.PrefixListId! });
        }
        const groupIds = (perm.UserIdGroupPairs ?? []).map((g) => g.GroupId ?? '').filter(Boolean);
        return { perm, sources, groupIds };
      });
      this.permCache.set(sg.GroupId, out);
    }
    return out;
  }

  private matchSource(pp: ParsedPermission, interval: AddressRange): string | undefined {
    for (const s of pp.sources) if (covers(s.range, interval)) return s.label;
    if (interval.lo === interval.hi) {
      const key = `${interval.family}:${interval.lo}`;
      for (const g of pp.groupIds) if (this.groupMemberKeys.get(g)?.has(key)) return g;
    }
    return undefined;
  }

  /** Does the ACL let the reply go back to the source (TCP/UDP: some ephemeral port; ICMP: echo reply)? */
  private replyAllowed(out: ParsedAclEntry[] | undefined, interval: AddressRange, p: Protocol): boolean {
    const allowed = this.aclAllowed(out, interval, p);
    if (p === 'icmp') return contains(allowed, 0);
    if (p === 'icmpv6') return contains(allowed, 129);
    return !isEmpty(intersect(allowed, this.ephemeral));
  }

  private groupsOf(eni: NetworkInterface, notes: Set<string>): SecurityGroup[] {
    const out: SecurityGroup[] = [];
    for (const g of eni.Groups ?? []) {
      if (!g.GroupId) continue;
      const sg = this.sgById.get(g.GroupId);
      if (sg) out.push(sg);
      else
        notes.add(
          `security group ${g.GroupId} of ${eni.NetworkInterfaceId} is not in describe-security-groups.json: its rules are unknown and were not counted`,
        );
    }
    return out;
  }

  /**
   * The direct paths (through a gateway of the interface's own subnet) of an interface. Interfaces with the
   * same groups, ACL, route table and kinds of address share one computation.
   */
  /** What an interface's direct paths depend on: its groups, ACL, route table, VPC and kinds of address. */
  private sideKey(eni: NetworkInterface): string {
    const known = this.sideKeys.get(eni.NetworkInterfaceId);
    if (known) return known;
    const key = this.computeSideKey(eni);
    this.sideKeys.set(eni.NetworkInterfaceId, key);
    return key;
  }

  private computeSideKey(eni: NetworkInterface): string {
    const { subnetId, vpcId } = this.subnetOf(eni);
    const rt = this.routeTableOf(subnetId, vpcId);
    const acl = this.aclOf(subnetId, vpcId);
    const groupIds = (eni.Groups ?? []).map((g) => g.GroupId ?? '').sort();
    return `${groupIds.join(',')}|${acl?.NetworkAclId ?? '-'}|${rt?.RouteTableId ?? '-'}|${vpcId ?? '-'}|${publicIpv4(eni).length > 0}|${ipv6Addresses(eni).length > 0}`;
  }

  private directPaths(eni: NetworkInterface, notes: Set<string>): ReachablePath[] {
    const { subnetId, vpcId } = this.subnetOf(eni);
    const rt = this.routeTableOf(subnetId, vpcId);
    const acl = this.aclOf(subnetId, vpcId);
    const hasPublic4 = publicIpv4(eni).length > 0;
    const has6 = ipv6Addresses(eni).length > 0;
    const key = this.sideKey(eni);
    const cached = this.eniCache.get(key);
    if (cached) {
      for (const n of cached.notes) notes.add(n);
      return cached.paths;
    }
    const local = new Set<string>();
    if (!rt)
      local.add(
        `no route table for ${subnetId ?? eni.NetworkInterfaceId} (no explicit association, no main table of ${vpcId ?? 'its VPC'}): no gateway route, nothing reachable`,
      );
    if (!acl)
      local.add(
        `no network ACL for ${subnetId ?? eni.NetworkInterfaceId} in describe-network-acls.json: ACLs taken as allowing everything`,
      );
    for (const n of (vpcId ? this.edgeTables.get(vpcId) : undefined) ?? []) local.add(n);
    const groups = this.groupsOf(eni, local);
    const paths = rt
      ? this.evaluateSide({ groups, acl, rt, vpcId, hasPublic4, has6, notes: local, key })
      : [];
    this.eniCache.set(key, { paths, notes: [...local] });
    for (const n of local) notes.add(n);
    return paths;
  }

  private evaluateSide(side: {
    groups: SecurityGroup[] | 'any';
    acl: NetworkAcl | undefined;
    rt: RouteTable;
    vpcId: string | undefined;
    hasPublic4: boolean;
    has6: boolean;
    notes: Set<string>;
    /** Only these protocols (load balancer fronts). */
    protocols?: Protocol[];
    /** Caches the side's elementary intervals under this key (sideKey). */
    key?: string;
  }): ReachablePath[] {
    const routes = this.routes(side.rt, side.vpcId, side.notes);
    const aclIn = side.acl ? this.aclEntries(side.acl, false) : undefined;
    const aclOut = side.acl ? this.aclEntries(side.acl, true) : undefined;
    const sgRanges =
      side.groups === 'any' ? [] : side.groups.flatMap((g) => this.sgSourceRanges(g, side.notes, side.vpcId));
    const acc = new Map<string, ReachablePath>();
    for (const family of [4, 6] as const) {
      // Without a gateway route at all (the common private subnet) there is nothing to cut.
      const gatewayRoutes = routes.filter((r) => r.kind === 'igw' || r.kind === 'vgw' || r.kind === 'pcx');
      if (!gatewayRoutes.some((r) => r.ranges.some((x) => x.family === family))) continue;
      const bounds = (): AddressRange[] => {
        const b: AddressRange[] = [];
        for (const r of routes) b.push(...r.ranges);
        for (const e of aclIn ?? []) b.push(e.range);
        for (const e of aclOut ?? []) b.push(e.range);
        b.push(...sgRanges);
        b.push(...(family === 4 ? INTERNET_V4 : INTERNET_V6));
        b.push(...this.peerRanges(routes));
        return b;
      };
      const cut = side.key ? this.intervals(side.key, family, bounds) : elementaryIntervals(family, bounds());
      for (const interval of cut) {
        const route = this.lpm(routes, interval);
        if (!route || (route.kind !== 'igw' && route.kind !== 'vgw' && route.kind !== 'pcx')) continue;
        const gw = this.gatewaySources(route, side.vpcId, family, side.notes);
        if (!gw) continue;
        if (gw.sources !== 'any' && !gw.sources.some((s) => covers(s, interval))) continue;
        // The interface needs an address the source can reach.
        if (gw.type === 'Internet' && (family === 4 ? !side.hasPublic4 : !side.has6)) continue;
        if (family === 6 && !side.has6) continue;
        for (const p of side.protocols ?? PROTOCOLS[family]) {
          if (!this.replyAllowed(aclOut, interval, p)) continue;
          const aclPorts = this.aclAllowed(aclIn, interval, p);
          if (isEmpty(aclPorts)) continue;
          const bySg =
            side.groups === 'any'
              ? new Map([['(none)', p === 'icmp' || p === 'icmpv6' ? ICMP_ALL : ALL_PORTS]])
              : this.sgAllowed(side.groups, interval, p);
          for (const [sgId, sgPorts] of bySg) {
            const open = intersect(sgPorts, aclPorts);
            if (isEmpty(open)) continue;
            const k = `${gw.type}|${route.target}|${family}|${p}`;
            let path = acc.get(k);
            if (!path) {
              path = {
                type: gw.type,
                gateway: route.target,
                family,
                protocol: p,
                ports: NO_PORTS,
                bySecurityGroup: {},
              };
              acc.set(k, path);
            }
            path.ports = union(path.ports, open);
            path.bySecurityGroup[sgId] = union(path.bySecurityGroup[sgId] ?? NO_PORTS, open);
          }
        }
      }
    }
    return [...acc.values()];
  }

  /** Every interface attached to an instance, with its direct and load-balanced paths. */
  analyze(): NetworkAnalysis {
    const interfaces: EniReachability[] = [];
    const byEni = new Map<string, EniReachability>();
    for (const eni of this.enis) {
      const instanceId = eni.Attachment?.InstanceId;
      if (!instanceId || !this.instanceById.has(instanceId)) continue;
      const notes = new Set<string>();
      const paths = this.directPaths(eni, notes);
      const { subnetId, vpcId } = this.subnetOf(eni);
      const rt = this.routeTableOf(subnetId, vpcId);
      const acl = this.aclOf(subnetId, vpcId);
      const r: EniReachability = {
        networkInterfaceId: eni.NetworkInterfaceId,
        instanceId,
        ...(vpcId ? { vpcId } : {}),
        ...(subnetId ? { subnetId } : {}),
        ...(acl ? { networkAclId: acl.NetworkAclId } : {}),
        ...(rt ? { routeTableId: rt.RouteTableId } : {}),
        securityGroups: (eni.Groups ?? [])
          .filter((g) => g.GroupId)
          .map((g) => ({ id: g.GroupId!, ...(g.GroupName ? { name: g.GroupName } : {}) })),
        privateAddresses: privateAddresses(eni),
        publicIpv4: publicIpv4(eni),
        ipv6: ipv6Addresses(eni),
        paths: [...paths],
        notes: [...notes],
      };
      interfaces.push(r);
      byEni.set(eni.NetworkInterfaceId, r);
    }
    for (const lb of this.config.loadBalancers) this.loadBalancerPaths(lbV2Front(lb), byEni);
    for (const clb of this.config.classicLoadBalancers) this.loadBalancerPaths(clbFront(clb), byEni);
    const byInstance = new Map<string, EniReachability[]>();
    for (const inst of this.config.instances) byInstance.set(inst.InstanceId, []);
    for (const r of interfaces) byInstance.get(r.instanceId!)?.push(r);
    return { interfaces, byInstance, instances: this.config.instances };
  }

  private listenersOf(front: LbFront): Array<{
    protocol: string;
    port: number;
    targets: Array<{ eni: NetworkInterface; port: number; protocol: Protocol; targetGroupArn?: string }>;
  }> {
    if (front.classic) {
      return (
        front.classic.ListenerDescriptions?.map((d) => {
          const targets: Array<{ eni: NetworkInterface; port: number; protocol: Protocol }> = [];
          for (const i of front.classic!.Instances ?? []) {
            const eni = i.InstanceId ? this.enisByInstance.get(i.InstanceId)?.[0] : undefined;
            if (eni) targets.push({ eni, port: d.Listener.InstancePort, protocol: 'tcp' });
          }
          return { protocol: d.Listener.Protocol ?? 'TCP', port: d.Listener.LoadBalancerPort, targets };
        }) ?? []
      );
    }
    const lb = front.v2!;
    const listeners = this.config.listeners.filter((l) => l.LoadBalancerArn === lb.LoadBalancerArn);
    const out = listeners.map((l) => {
      const tgArns = new Set<string>();
      for (const a of l.DefaultActions ?? []) {
        if (a.TargetGroupArn) tgArns.add(a.TargetGroupArn);
        for (const t of a.ForwardConfig?.TargetGroups ?? [])
          if (t.TargetGroupArn) tgArns.add(t.TargetGroupArn);
      }
      return { listener: l, tgArns };
    });
    return out.map(({ listener, tgArns }) => {
      const targets: Array<{
        eni: NetworkInterface;
        port: number;
        protocol: Protocol;
        targetGroupArn?: string;
      }> = [];
      for (const arn of tgArns) {
        const tg = this.config.targetGroups.find((t) => t.TargetGroupArn === arn);
        const protocols = l4(tg?.Protocol ?? listener.Protocol ?? 'TCP');
        for (const th of this.config.targetHealth.filter((h) => h.TargetGroupArn === arn)) {
          for (const d of th.TargetHealthDescriptions) {
            const type = tg?.TargetType ?? (d.Target.Id.startsWith('i-') ? 'instance' : 'ip');
            const eni =
              type === 'instance'
                ? this.enisByInstance.get(d.Target.Id)?.[0]
                : type === 'ip'
                  ? this.eniByAddress.get(d.Target.Id)
                  : undefined;
            const port = d.Target.Port ?? tg?.Port;
            if (!eni || port === undefined || port === null) continue;
            for (const protocol of protocols) targets.push({ eni, port, protocol, targetGroupArn: arn });
          }
        }
      }
      return { protocol: listener.Protocol ?? 'TCP', port: listener.Port ?? 0, targets };
    });
  }

  private loadBalancerPaths(front: LbFront, byEni: Map<string, EniReachability>): void {
    if (front.scheme !== 'internet-facing') return;
    const notes = new Set<string>();
    for (const listener of this.listenersOf(front)) {
      const protocols = l4(listener.protocol);
      // The listener port from the internet, through any of the load balancer's subnets.
      const entries: Array<{
        subnetId: string;
        gateway: string;
        acl?: string;
        rt?: string;
        protocol: Protocol;
      }> = [];
      for (const subnetId of front.subnets) {
        const rt = this.routeTableOf(subnetId, front.vpcId);
        if (!rt) continue;
        const acl = this.aclOf(subnetId, front.vpcId);
        const groups =
          front.securityGroups.length === 0
            ? ('any' as const)
            : front.securityGroups.map((g) => this.sgById.get(g)).filter((g): g is SecurityGroup => !!g);
        const paths = this.evaluateSide({
          groups,
          acl,
          rt,
          vpcId: front.vpcId,
          hasPublic4: true,
          has6: false,
          notes,
          protocols,
        });
        for (const p of paths)
          if (p.type === 'Internet' && contains(p.ports, listener.port))
            entries.push({
              subnetId,
              gateway: p.gateway,
              ...(acl ? { acl: acl.NetworkAclId } : {}),
              rt: rt.RouteTableId,
              protocol: p.protocol,
            });
      }
      for (const t of listener.targets) {
        const entry = entries.find((e) => e.protocol === t.protocol);
        if (!entry) continue;
        const target = byEni.get(t.eni.NetworkInterfaceId);
        if (!target) continue;
        const allowedBy = this.targetAllows(front, t.eni, t.protocol, t.port);
        if (allowedBy.length === 0) continue;
        const bySecurityGroup: Record<string, PortSet> = {};
        for (const g of allowedBy) bySecurityGroup[g] = portRange(t.port, t.port);
        target.paths.push({
          type: 'Internet',
          gateway: entry.gateway,
          family: 4,
          protocol: t.protocol,
          ports: portRange(t.port, t.port),
          bySecurityGroup,
          loadBalancer: {
            kind: front.kind,
            name: front.name,
            ...(front.arn ? { arn: front.arn } : {}),
            listenerProtocol: listener.protocol,
            listenerPort: listener.port,
            ...(t.targetGroupArn ? { targetGroupArn: t.targetGroupArn } : {}),
            targetPort: t.port,
            securityGroups: front.securityGroups,
            subnetId: entry.subnetId,
            ...(entry.acl ? { networkAclId: entry.acl } : {}),
            ...(entry.rt ? { routeTableId: entry.rt } : {}),
          },
        });
      }
    }
  }

  /** The load balancer's own addresses: its interfaces' (by description), else its subnets' CIDR blocks. */
  private lbNodeRanges(front: LbFront): AddressRange[] {
    const cached = this.lbNodeCache.get(front.arn ?? front.name);
    if (cached) return cached;
    const out: AddressRange[] = [];
    this.lbNodeCache.set(front.arn ?? front.name, out);
    for (const eni of this.enis) {
      const d = eni.Description ?? '';
      if (
        d === `ELB ${front.descriptionSuffix}` ||
        (front.arn && d.startsWith('ELB ') && front.arn.endsWith(d.slice(4)))
      )
        for (const a of privateAddresses(eni)) {
          const r = parseAddress(a);
          if (r) out.push(r);
        }
    }
    if (out.length > 0) return out;
    for (const s of front.subnets) out.push(...(this.subnetCidrs.get(s) ?? []).filter((r) => r.family === 4));
    return out;
  }

  /** The target's security groups that admit the load balancer's traffic on the target port (ACLs checked too). */
  private targetAllows(front: LbFront, eni: NetworkInterface, p: Protocol, port: number): string[] {
    const notes = new Set<string>();
    const groups = this.groupsOf(eni, notes);
    const { subnetId, vpcId } = this.subnetOf(eni);
    const acl = this.aclOf(subnetId, vpcId);
    const aclIn = acl ? this.aclEntries(acl, false) : undefined;
    const aclOut = acl ? this.aclEntries(acl, true) : undefined;
    const wanted = portRange(port, port);
    const out = new Set<string>();
    // By reference to the load balancer's groups: no address involved, the ACLs are checked on its nodes.
    const nlbClientIp = front.kind === 'network' && front.securityGroups.length === 0;
    const sources = nlbClientIp ? [...INTERNET_V4] : this.lbNodeRanges(front);
    const bounds: AddressRange[] = [...sources];
    for (const g of groups) bounds.push(...this.sgSourceRanges(g, notes, undefined));
    for (const e of aclIn ?? []) bounds.push(e.range);
    for (const e of aclOut ?? []) bounds.push(e.range);
    const sameSubnet = subnetId !== undefined && front.subnets.includes(subnetId);
    for (const interval of elementaryIntervals(4, bounds)) {
      if (!sources.some((s) => covers(s, interval) || (interval.lo === interval.hi && overlaps(s, interval))))
        continue;
      if (!sameSubnet) {
        if (!this.replyAllowed(aclOut, interval, p)) continue;
        if (!contains(this.aclAllowed(aclIn, interval, p), port)) continue;
      }
      for (const sg of groups) {
        for (const pp of this.permissions(sg)) {
          const perm = pp.perm;
          if (!protoMatches(perm.IpProtocol, p) || isEmpty(intersect(permissionPorts(perm, p), wanted)))
            continue;
          const byRef = !nlbClientIp && pp.groupIds.some((g) => front.securityGroups.includes(g));
          if (byRef || this.matchSource(pp, interval) !== undefined) out.add(sg.GroupId);
        }
      }
      if (out.size > 0) break;
    }
    return [...out].sort();
  }

  /**
   * The steps of one reachable port, for evidence: source, gateway and route, the interface's address, the
   * ACL entries in and out, the security group rule (and the load balancer hop). Empty when not reachable.
   */
  /**
   * What explaining one direct path needs whatever the port, computed once per path: the interface's
   * tables and groups, and the source intervals whose route leads to the path's gateway, whose gateway
   * admits them and whose reply the ACL lets out, in the order explain() tries them, each with the ports
   * the inbound ACL allows from it. explain() then only does the port's part. Same answers as computing
   * it all per call (bench/network-reachability.ts prints the results' hash).
   */
  private explainContext(
    eni: NetworkInterface,
    path: ReachablePath,
    subnetId: string | undefined,
    vpcId: string | undefined,
  ): ExplainContext | undefined {
    let byPath = this.explainContexts.get(eni);
    if (!byPath) {
      byPath = new Map();
      this.explainContexts.set(eni, byPath);
    }
    if (byPath.has(path)) return byPath.get(path);
    const rt = this.routeTableOf(subnetId, vpcId);
    const acl = this.aclOf(subnetId, vpcId);
    if (!rt) {
      byPath.set(path, undefined);
      return undefined;
    }
    const notes = new Set<string>();
    const groups = this.groupsOf(eni, notes);
    const routes = this.routes(rt, vpcId, notes);
    const aclIn = acl ? this.aclEntries(acl, false) : undefined;
    const aclOut = acl ? this.aclEntries(acl, true) : undefined;
    const bounds = (): AddressRange[] => {
      const b: AddressRange[] = [];
      for (const x of routes) b.push(...x.ranges);
      for (const e of aclIn ?? []) b.push(e.range);
      for (const e of aclOut ?? []) b.push(e.range);
      for (const g of groups) b.push(...this.sgSourceRanges(g, notes, vpcId));
      b.push(...(path.family === 4 ? INTERNET_V4 : INTERNET_V6));
      b.push(...this.peerRanges(routes));
      return b;
    };
    const candidates: ExplainContext['candidates'] = [];
    for (const interval of this.intervals(this.sideKey(eni), path.family, bounds)) {
      const route = this.lpm(routes, interval);
      if (!route || route.target !== path.gateway) continue;
      const gw = this.gatewaySources(route, vpcId, path.family, notes);
      if (!gw || (gw.sources !== 'any' && !gw.sources.some((s) => covers(s, interval)))) continue;
      if (!this.replyAllowed(aclOut, interval, path.protocol)) continue;
      candidates.push({ interval, route, inboundPorts: this.aclAllowed(aclIn, interval, path.protocol) });
    }
    const ctx: ExplainContext = { rt, acl, groups, aclIn, aclOut, candidates };
    byPath.set(path, ctx);
    return ctx;
  }

  explain(r: EniReachability, path: ReachablePath, port: number): PathStep[] {
    const eni = this.eniById.get(r.networkInterfaceId);
    if (!eni) return [];
    const { subnetId, vpcId } = this.subnetOf(eni);
    const steps: PathStep[] = [];
    if (path.loadBalancer) {
      const lb = path.loadBalancer;
      steps.push({ step: 'source', id: path.type, detail: 'the internet (public IPv4 space)' });
      steps.push({
        step: 'gateway',
        id: path.gateway,
        detail: `route table ${lb.routeTableId ?? '?'} of load balancer subnet ${lb.subnetId}`,
      });
      if (lb.networkAclId)
        steps.push({
          step: 'network-acl',
          id: lb.networkAclId,
          detail: `load balancer subnet ${lb.subnetId}: ${lb.listenerProtocol} ${lb.listenerPort} allowed in, reply allowed out`,
        });
      steps.push({
        step: 'load-balancer',
        id: lb.arn ?? lb.name,
        detail: `${lb.kind} load balancer ${lb.name}, internet-facing, listener ${lb.listenerProtocol} ${lb.listenerPort}${lb.securityGroups.length ? `, security groups ${lb.securityGroups.join(', ')}` : ', no security groups (client address preserved)'}`,
      });
      if (lb.targetGroupArn)
        steps.push({
          step: 'target-group',
          id: lb.targetGroupArn,
          detail: `target ${r.instanceId ?? r.networkInterfaceId} on port ${lb.targetPort}`,
        });
      steps.push({
        step: 'network-interface',
        id: r.networkInterfaceId,
        detail: `private ${r.privateAddresses.join(', ')} in ${subnetId ?? '?'} (${vpcId ?? '?'})`,
      });
      if (r.networkAclId)
        steps.push({
          step: 'network-acl',
          id: r.networkAclId,
          detail: `target subnet ${subnetId ?? '?'}: port ${port} allowed in from the load balancer, reply allowed out`,
        });
      for (const sg of Object.keys(path.bySecurityGroup))
        steps.push({
          step: 'security-group',
          id: sg,
          detail: `allows ${path.protocol.toUpperCase()} ${port} from the load balancer`,
        });
      return steps;
    }
    const ctx = this.explainContext(eni, path, subnetId, vpcId);
    if (!ctx) return [];
    const { rt, acl, groups, aclIn, aclOut } = ctx;
    const wanted = portRange(port, port);
    for (const { interval, route, inboundPorts } of ctx.candidates) {
      if (!contains(inboundPorts, port)) continue;
      let sgStep: PathStep | undefined;
      for (const sg of groups) {
        for (const pp of this.permissions(sg)) {
          const perm = pp.perm;
          if (
            !protoMatches(perm.IpProtocol, path.protocol) ||
            !contains(permissionPorts(perm, path.protocol), port)
          )
            continue;
          const src = this.matchSource(pp, interval);
          if (src === undefined) continue;
          sgStep = {
            step: 'security-group',
            id: sg.GroupId,
            detail: `${sg.GroupName ? `${sg.GroupName}: ` : ''}inbound ${perm.IpProtocol === '-1' ? 'all traffic' : `${perm.IpProtocol} ${formatPorts(permissionPorts(perm, path.protocol))}`} from ${src}`,
          };
          break;
        }
        if (sgStep) break;
      }
      if (!sgStep) continue;
      const dest =
        route.route.DestinationCidrBlock ??
        route.route.DestinationIpv6CidrBlock ??
        route.route.DestinationPrefixListId ??
        '?';
      steps.push({ step: 'source', id: path.type, detail: `sources include ${describeRange(interval)}` });
      steps.push({
        step: 'gateway',
        id: path.gateway,
        detail: `route ${dest} → ${path.gateway} in route table ${rt.RouteTableId}`,
      });
      const inEntry = this.aclDecision(aclIn, interval, path.protocol, wanted);
      const outPorts =
        path.protocol === 'icmp'
          ? portRange(0, 0)
          : path.protocol === 'icmpv6'
            ? portRange(129, 129)
            : this.ephemeral;
      const outEntry = this.aclDecision(
        aclOut,
        interval,
        path.protocol,
        intersect(outPorts, this.aclAllowed(aclOut, interval, path.protocol)),
      );
      steps.push({
        step: 'network-acl',
        id: acl?.NetworkAclId ?? '(none)',
        detail: acl
          ? `inbound rule ${inEntry?.entry.RuleNumber ?? '?'} allows, outbound rule ${outEntry?.entry.RuleNumber ?? '?'} allows the reply`
          : 'no network ACL in the configuration',
      });
      const addr =
        path.type === 'Internet'
          ? path.family === 4
            ? r.publicIpv4
            : r.ipv6
          : path.family === 4
            ? r.privateAddresses
            : r.ipv6;
      steps.push({
        step: 'network-interface',
        id: r.networkInterfaceId,
        detail: `${addr.join(', ')} in ${subnetId ?? '?'} (${vpcId ?? '?'})`,
      });
      steps.push(sgStep);
      return steps;
    }
    return steps;
  }
}

interface LbFront {
  kind: 'application' | 'network' | 'classic';
  name: string;
  arn?: string;
  /** What the load balancer's interfaces say after "ELB " (app/name/id, net/name/id, name). */
  descriptionSuffix: string;
  scheme: string;
  vpcId?: string;
  subnets: string[];
  securityGroups: string[];
  v2?: LoadBalancerV2;
  classic?: ClassicLoadBalancer;
}

function lbV2Front(lb: LoadBalancerV2): LbFront {
  const kind = lb.Type === 'network' ? 'network' : 'application';
  const tail = lb.LoadBalancerArn.split(':loadbalancer/')[1] ?? lb.LoadBalancerArn;
  return {
    kind,
    name: lb.LoadBalancerName ?? tail,
    arn: lb.LoadBalancerArn,
    descriptionSuffix: tail,
    scheme: lb.Type === 'gateway' ? 'gateway' : (lb.Scheme ?? 'internal'),
    ...(lb.VpcId ? { vpcId: lb.VpcId } : {}),
    subnets: (lb.AvailabilityZones ?? []).map((z) => z.SubnetId ?? '').filter(Boolean),
    securityGroups: lb.SecurityGroups ?? [],
    v2: lb,
  };
}

function clbFront(lb: ClassicLoadBalancer): LbFront {
  return {
    kind: 'classic',
    name: lb.LoadBalancerName,
    descriptionSuffix: lb.LoadBalancerName,
    scheme: lb.Scheme ?? 'internal',
    ...(lb.VPCId ? { vpcId: lb.VPCId } : {}),
    subnets: lb.Subnets ?? [],
    securityGroups: lb.SecurityGroups ?? [],
    classic: lb,
  };
}

/** The transport protocols of a listener or target group protocol. */
function l4(protocol: string): Protocol[] {
  const p = protocol.toUpperCase();
  if (p === 'UDP') return ['udp'];
  if (p === 'TCP_UDP') return ['tcp', 'udp'];
  if (p === 'GENEVE') return [];
  return ['tcp'];
}

function parseAll(cidrs: ReadonlyArray<string | null | undefined>): AddressRange[] {
  const out: AddressRange[] = [];
  for (const c of cidrs) {
    if (!c) continue;
    const r = parseCidr(c);
    if (r) out.push(r);
  }
  return out;
}

export function privateAddresses(eni: NetworkInterface): string[] {
  const out = new Set<string>();
  if (eni.PrivateIpAddress) out.add(eni.PrivateIpAddress);
  for (const a of eni.PrivateIpAddresses ?? []) if (a.PrivateIpAddress) out.add(a.PrivateIpAddress);
  return [...out];
}

export function publicIpv4(eni: NetworkInterface): string[] {
  const out = new Set<string>();
  if (eni.Association?.PublicIp) out.add(eni.Association.PublicIp);
  for (const a of eni.PrivateIpAddresses ?? []) if (a.Association?.PublicIp) out.add(a.Association.PublicIp);
  return [...out];
}

export function ipv6Addresses(eni: NetworkInterface): string[] {
  return (eni.Ipv6Addresses ?? []).map((a) => a.Ipv6Address ?? '').filter(Boolean);
}

/** Evaluate a whole configuration. */
export function analyzeNetwork(
  config: NetworkConfig,
  opts: EvaluatorOptions = {},
): { model: NetworkModel; analysis: NetworkAnalysis } {
  const model = new NetworkModel(config, opts);
  return { model, analysis: model.analyze() };
}
