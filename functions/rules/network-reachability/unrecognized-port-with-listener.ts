/**
 * Classic's UnrecognizedPortWithListener: a port outside the recognized list is reachable and a process
 * listens on it. Low, as Classic documented. Needs the agent's listening inventory (not applicable without).
 */

import {
  describePath,
  limitsSentence,
  listenersOn,
  type NrOutcome,
  type NrRule,
  nothingFound,
  pathsReaching,
  portAttributes,
  portEvidence,
  portIdentity,
} from './common';
import { RECOGNIZED_PORTS } from './recognized-ports';

export const unrecognizedPortWithListener: NrRule = {
  id: 'nr.unrecognized-port-with-listener',
  ruleType: 'UnrecognizedPortWithListener',
  title: 'No unrecognized port with a listening process is reachable from outside the VPC',
  findingTitle: 'Port with a listener is reachable from outside the VPC',
  description:
    'A port not in the recognized list can be reached from the internet, a peered VPC or a virtual private gateway, and a process listens on it.',
  recommendation:
    'Check that the service is meant to be reachable from there; otherwise restrict the security group rule (and network ACL) that opens the port.',
  severity: 'Low',
  check(input) {
    const listeners = input.listeners;
    if (!listeners)
      return [
        {
          result: 'NOT_APPLICABLE',
          message: `no agent telemetry for ${input.instanceId}: listeners are unknown`,
          evidence: [],
        },
      ];
    const out: NrOutcome[] = [];
    const ports = new Set<string>();
    for (const s of listeners.services) {
      if (s.loopback) continue;
      const protocol = s.protocol.startsWith('tcp') ? 'tcp' : 'udp';
      if (RECOGNIZED_PORTS.has(`${protocol}:${s.port}`)) continue;
      ports.add(`${protocol}:${s.port}`);
    }
    for (const key of [...ports].sort()) {
      const [protocol, p] = key.split(':') as ['tcp' | 'udp', string];
      const port = Number(p);
      for (const rp of pathsReaching(input, protocol, port)) {
        const ls = listenersOn(listeners, rp.eni, protocol, port);
        if (ls.length === 0) continue;
        const procs = [...new Set(ls.flatMap((l) => l.processes.map((x) => `${x.comm} (pid ${x.pid})`)))];
        out.push({
          result: 'FAIL',
          severity: 'Low',
          message: `${describePath(rp)}; ${procs.join(', ') || 'a process'} listening. ${limitsSentence(input)}`,
          evidence: portEvidence(input, rp, ls),
          attributes: portAttributes(rp, this.ruleType, undefined, input.instanceId),
          identity: portIdentity(rp),
          findingTitle: `${protocol.toUpperCase()} ${port} with a listener is reachable from ${rp.path.type === 'Internet' ? 'the internet' : rp.path.type}`,
        });
      }
    }
    return out.length
      ? out
      : [nothingFound(input, 'No port with a listener outside the recognized list is reachable')];
  },
};
