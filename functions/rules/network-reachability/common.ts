/**
 * What the network reachability rules share: the per-instance input (the evaluator's paths for the
 * instance's interfaces, the listeners the agent saw, or none without an agent), the rule shape (metadata
 * plus a pure check returning one outcome per thing found), and the evidence and Classic attributes of a
 * reachable port.
 */
import type { Attribute, Evidence, ListeningService, ListeningSummary, ResultStatus } from '../../core/model';
import {
  type EniReachability,
  type NetworkModel,
  NOT_MODELLED,
  type ReachablePath,
} from '../../core/network/evaluate';
import { contains, formatPorts } from '../../core/network/ports';
import type { Severity } from '../../core/severity';

export interface NrInstanceInput {
  instanceId: string;
  interfaces: EniReachability[];
  /** What listened during the run; undefined when the instance has no agent telemetry. */
  listeners?: ListeningSummary;
  model: NetworkModel;
}

export interface NrOutcome {
  result: ResultStatus;
  message: string;
  evidence: Evidence[];
  severity?: Severity;
  attributes?: Attribute[];
  /** Stable identity of a FAIL (the finding id is computed from it). */
  identity?: string[];
  findingTitle?: string;
}

export interface NrRule {
  id: string;
  /** Classic's finding type (RULE_TYPE attribute). */
  ruleType: string;
  title: string;
  findingTitle: string;
  description: string;
  recommendation: string;
  severity: Severity;
  check(input: NrInstanceInput): NrOutcome[];
}

export const REACHABILITY_WORDS = {
  Internet: 'the internet',
  PeeredVPC: 'a peered VPC',
  VGW: 'a virtual private gateway (VPN or Direct Connect)',
} as const;

/** One reachable (interface, path, protocol, port). */
export interface ReachablePort {
  eni: EniReachability;
  path: ReachablePath;
  protocol: 'tcp' | 'udp';
  port: number;
}

/** Every path of an instance that reaches this port (TCP/UDP only). */
export function pathsReaching(
  input: NrInstanceInput,
  protocol: 'tcp' | 'udp',
  port: number,
): ReachablePort[] {
  const out: ReachablePort[] = [];
  for (const eni of input.interfaces)
    for (const path of eni.paths)
      if (path.protocol === protocol && contains(path.ports, port)) out.push({ eni, path, protocol, port });
  return out;
}

/** The listeners of an interface on a port: not loopback, same transport, wildcard or one of its addresses. */
export function listenersOn(
  listeners: ListeningSummary | undefined,
  eni: EniReachability,
  protocol: 'tcp' | 'udp',
  port: number,
): ListeningService[] {
  if (!listeners) return [];
  const own = new Set([...eni.privateAddresses, ...eni.ipv6, '0.0.0.0', '::', '*']);
  return listeners.services.filter(
    (s) => !s.loopback && s.port === port && s.protocol.startsWith(protocol) && own.has(s.address),
  );
}

export function notesOf(input: NrInstanceInput): string[] {
  return [...new Set(input.interfaces.flatMap((i) => i.notes))];
}

const limitsOf = new WeakMap<NrInstanceInput, string>();

/**
 * The sentence every result ends with: what is not modelled, and what could not be resolved. Computed once
 * per instance input (every result of the instance ends with it: at fleet size, hundreds of thousands).
 */
export function limitsSentence(input: NrInstanceInput): string {
  let s = limitsOf.get(input);
  if (s === undefined) {
    const notes = notesOf(input);
    s = `${NOT_MODELLED}${notes.length ? ` Unresolved: ${notes.join('; ')}.` : ''}`;
    limitsOf.set(input, s);
  }
  return s;
}

export function gatewayAttributes(path: ReachablePath): Attribute[] {
  if (path.type === 'Internet') return [{ key: 'IGW', value: path.gateway }];
  if (path.type === 'PeeredVPC') return [{ key: 'VPC_PEERING_CONNECTION', value: path.gateway }];
  return [{ key: 'VGW', value: path.gateway }];
}

export function portAttributes(
  rp: ReachablePort,
  ruleType: string,
  portGroup: string | undefined,
  instanceId: string,
): Attribute[] {
  const a: Attribute[] = [
    { key: 'RULE_TYPE', value: ruleType },
    { key: 'REACHABILITY_TYPE', value: rp.path.type },
    { key: 'PORT', value: String(rp.port) },
    { key: 'PROTOCOL', value: rp.protocol.toUpperCase() },
  ];
  if (portGroup) a.push({ key: 'PORT_GROUP_NAME', value: portGroup });
  a.push({ key: 'INSTANCE_ID', value: instanceId }, { key: 'ENI', value: rp.eni.networkInterfaceId });
  const sgs = Object.entries(rp.path.bySecurityGroup)
    .filter(([, ports]) => contains(ports, rp.port))
    .map(([sg]) => sg);
  if (sgs.length) a.push({ key: 'SECURITY_GROUP', value: sgs.join(',') });
  const acl = rp.path.loadBalancer ? rp.eni.networkAclId : rp.eni.networkAclId;
  if (acl) a.push({ key: 'ACL', value: acl });
  a.push(...gatewayAttributes(rp.path));
  if (rp.eni.vpcId) a.push({ key: 'VPC', value: rp.eni.vpcId });
  if (rp.path.loadBalancer)
    a.push({ key: 'LOAD_BALANCER', value: rp.path.loadBalancer.arn ?? rp.path.loadBalancer.name });
  return a;
}

/** The whole path as evidence, then the listeners, then what is not modelled. */
export function portEvidence(
  input: NrInstanceInput,
  rp: ReachablePort,
  listeners: ListeningService[],
): Evidence[] {
  const ev: Evidence[] = input.model.explain(rp.eni, rp.path, rp.port).map((s) => ({
    source: 'network-path',
    key: s.step,
    value: s.id,
    note: s.detail,
  }));
  for (const l of listeners)
    ev.push({
      source: 'runtime:listeners',
      key: `${l.protocol} ${l.address}:${l.port}`,
      value: l.processes.map((p) => `${p.comm} (pid ${p.pid})`).join(', ') || '(process not seen)',
      note: l.processes
        .map((p) => [p.exe, p.package].filter(Boolean).join(' from '))
        .filter(Boolean)
        .join('; '),
    });
  return ev;
}

export function portIdentity(rp: ReachablePort): string[] {
  return [
    rp.eni.networkInterfaceId,
    rp.path.type,
    rp.path.gateway,
    rp.path.loadBalancer?.arn ?? rp.path.loadBalancer?.name ?? '',
    `${rp.protocol}:${rp.port}`,
  ];
}

export function describePath(rp: ReachablePort): string {
  const via = rp.path.loadBalancer
    ? ` through ${rp.path.loadBalancer.kind} load balancer ${rp.path.loadBalancer.name} (listener ${rp.path.loadBalancer.listenerProtocol} ${rp.path.loadBalancer.listenerPort}) and ${rp.path.gateway}`
    : ` through ${rp.path.gateway}`;
  return `${rp.protocol.toUpperCase()} ${rp.port} on ${rp.eni.networkInterfaceId} is reachable from ${REACHABILITY_WORDS[rp.path.type]}${via}`;
}

export { formatPorts };

/** Every recognized port reachable on an instance, one entry per interface, path and port. */
export function recognizedReachable(
  input: NrInstanceInput,
  recognized: ReadonlyArray<{ protocol: 'tcp' | 'udp'; port: number; name: string; severity: Severity }>,
): Array<ReachablePort & { name: string; severity: Severity }> {
  const out: Array<ReachablePort & { name: string; severity: Severity }> = [];
  for (const r of recognized)
    for (const rp of pathsReaching(input, r.protocol, r.port))
      out.push({ ...rp, name: r.name, severity: r.severity });
  return out;
}

/** The result of a rule that found nothing. */
export function nothingFound(input: NrInstanceInput, what: string): NrOutcome {
  const enis = input.interfaces.map((i) => i.networkInterfaceId);
  return {
    result: 'PASS',
    message: `${what} on ${enis.length ? enis.join(', ') : 'no network interface'} of ${input.instanceId}. ${limitsSentence(input)}`,
    evidence: input.interfaces.map((i) => ({
      source: 'network-interface',
      key: i.networkInterfaceId,
      value: [i.subnetId, i.routeTableId, i.networkAclId, ...i.securityGroups.map((g) => g.id)]
        .filter(Boolean)
        .join(' '),
      note: `public IPv4 ${i.publicIpv4.join(', ') || 'none'}; IPv6 ${i.ipv6.join(', ') || 'none'}`,
    })),
  };
}
