/**
 * Classic's NetworkExposure: for each combination of network interface and security group, the TCP and UDP
 * port ranges (and ICMP types) reachable from the internet, a peered VPC or a VGW. Informational.
 */

import { type PortSet, union } from '../../core/network/ports';
import {
  formatPorts,
  limitsSentence,
  type NrOutcome,
  type NrRule,
  nothingFound,
  REACHABILITY_WORDS,
} from './common';

export const networkExposure: NrRule = {
  id: 'nr.network-exposure',
  ruleType: 'NetworkExposure',
  title: 'No port is reachable from outside the VPC',
  findingTitle: 'Ports reachable from outside the VPC',
  description:
    'The port ranges a security group opens on a network interface that can be reached from the internet, a peered VPC or a virtual private gateway.',
  recommendation:
    'Check that each reachable range is meant to be; narrow the security group rules and network ACL entries that open the others.',
  severity: 'Informational',
  check(input) {
    const out: NrOutcome[] = [];
    for (const eni of input.interfaces) {
      const bySg = new Map<string, Map<string, PortSet>>();
      for (const path of eni.paths) {
        for (const [sg, ports] of Object.entries(path.bySecurityGroup)) {
          const lines = bySg.get(sg) ?? new Map<string, PortSet>();
          const via = path.loadBalancer ? `${path.gateway} via ${path.loadBalancer.name}` : path.gateway;
          const k = `${path.type}|${via}|IPv${path.family}|${path.protocol}`;
          lines.set(k, union(lines.get(k) ?? [], ports));
          bySg.set(sg, lines);
        }
      }
      for (const [sg, lines] of [...bySg.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const evidence = [...lines.entries()].sort().map(([k, ports]) => {
          const [type, via, family, protocol] = k.split('|') as [
            keyof typeof REACHABILITY_WORDS,
            string,
            string,
            string,
          ];
          return {
            source: 'network-exposure',
            key: `${type} ${via} ${family}`,
            value: `${protocol.toUpperCase()} ${formatPorts(ports)}`,
            note: `from ${REACHABILITY_WORDS[type]}`,
          };
        });
        const types = [...new Set([...lines.keys()].map((k) => k.split('|')[0]!))].sort();
        const byProto = (p: string) => {
          let set: PortSet = [];
          for (const [k, ports] of lines) if (k.split('|')[3] === p) set = union(set, ports);
          return formatPorts(set);
        };
        const attributes = [
          { key: 'RULE_TYPE', value: this.ruleType },
          { key: 'REACHABILITY_TYPE', value: types.join(',') },
          { key: 'INSTANCE_ID', value: input.instanceId },
          { key: 'ENI', value: eni.networkInterfaceId },
          { key: 'SECURITY_GROUP', value: sg },
          ...(eni.networkAclId ? [{ key: 'ACL', value: eni.networkAclId }] : []),
          ...(eni.vpcId ? [{ key: 'VPC', value: eni.vpcId }] : []),
          ...(byProto('tcp') ? [{ key: 'TCP_PORTS', value: byProto('tcp') }] : []),
          ...(byProto('udp') ? [{ key: 'UDP_PORTS', value: byProto('udp') }] : []),
        ];
        out.push({
          result: 'FAIL',
          message: `${sg} opens on ${eni.networkInterfaceId}: ${evidence.map((e) => `${e.value} from ${e.key}`).join('; ')}. ${limitsSentence(input)}`,
          evidence,
          attributes,
          identity: [eni.networkInterfaceId, sg, ...evidence.map((e) => `${e.key}=${e.value}`)],
          findingTitle: `Ports reachable from outside the VPC on ${eni.networkInterfaceId} (${sg})`,
        });
      }
    }
    return out.length
      ? out
      : [nothingFound(input, 'No port is reachable from the internet, a peered VPC or a VGW')];
  },
};
