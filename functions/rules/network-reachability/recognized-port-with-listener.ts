/**
 * Classic's RecognizedPortWithListener: a recognized port (recognized-ports.ts) is reachable from the internet,
 * a peered VPC or a VGW, and a process listens on it (the agent's listening inventory). Severity: the
 * service's. Not applicable without agent telemetry (nr.recognized-port-no-agent covers that case).
 */

import {
  describePath,
  limitsSentence,
  listenersOn,
  type NrRule,
  nothingFound,
  portAttributes,
  portEvidence,
  portIdentity,
  recognizedReachable,
} from './common';
import { RECOGNIZED_LIST } from './recognized-ports';

export const recognizedPortWithListener: NrRule = {
  id: 'nr.recognized-port-with-listener',
  ruleType: 'RecognizedPortWithListener',
  title: 'No recognized port with a listening process is reachable from outside the VPC',
  findingTitle: 'Recognized port with a listener is reachable from outside the VPC',
  description:
    'A port commonly used by a well-known service (SSH, RDP, databases, file sharing…) can be reached from the internet, a peered VPC or a virtual private gateway, and a process listens on it.',
  recommendation:
    'Restrict the security group rule (and network ACL) that opens the port to the sources that need it, or stop the service if it is not needed.',
  severity: 'High',
  check(input) {
    if (!input.listeners)
      return [
        {
          result: 'NOT_APPLICABLE',
          message: `no agent telemetry for ${input.instanceId}: whether a process listens cannot be told (see nr.recognized-port-no-agent)`,
          evidence: [],
        },
      ];
    const out = [];
    for (const rp of recognizedReachable(input, RECOGNIZED_LIST)) {
      const ls = listenersOn(input.listeners, rp.eni, rp.protocol, rp.port);
      if (ls.length === 0) continue;
      const procs = [...new Set(ls.flatMap((l) => l.processes.map((p) => `${p.comm} (pid ${p.pid})`)))];
      out.push({
        result: 'FAIL' as const,
        severity: rp.severity,
        message: `${describePath(rp)}; ${rp.name} port with ${procs.join(', ') || 'a process'} listening. ${limitsSentence(input)}`,
        evidence: portEvidence(input, rp, ls),
        attributes: portAttributes(rp, this.ruleType, rp.name, input.instanceId),
        identity: portIdentity(rp),
        findingTitle: `${rp.name} (${rp.protocol.toUpperCase()} ${rp.port}) with a listener is reachable from ${rp.path.type === 'Internet' ? 'the internet' : rp.path.type}`,
      });
    }
    return out.length ? out : [nothingFound(input, 'No recognized port with a listener is reachable')];
  },
};
