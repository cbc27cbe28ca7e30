/**
 * Classic's RecognizedPortNoAgent: a recognized port is reachable and, without agent telemetry for the
 * instance, whether something listens cannot be told. Severity: the service's (the worst case is assumed).
 */

import {
  describePath,
  limitsSentence,
  type NrRule,
  nothingFound,
  portAttributes,
  portEvidence,
  portIdentity,
  recognizedReachable,
} from './common';
import { RECOGNIZED_LIST } from './recognized-ports';

export const recognizedPortNoAgent: NrRule = {
  id: 'nr.recognized-port-no-agent',
  ruleType: 'RecognizedPortNoAgent',
  title: 'No recognized port is reachable from outside the VPC (instance without agent)',
  findingTitle: 'Recognized port is reachable from outside the VPC (no agent: listener unknown)',
  description:
    'A port commonly used by a well-known service can be reached from the internet, a peered VPC or a virtual private gateway. The instance has no agent telemetry, so whether a process listens on it is unknown.',
  recommendation:
    'Restrict the security group rule (and network ACL) that opens the port to the sources that need it; run the agent on the instance to learn whether a service listens.',
  severity: 'High',
  check(input) {
    if (input.listeners)
      return [
        {
          result: 'NOT_APPLICABLE',
          message: `${input.instanceId} has agent telemetry: see nr.recognized-port-with-listener and nr.recognized-port-no-listener`,
          evidence: [],
        },
      ];
    const out = [];
    for (const rp of recognizedReachable(input, RECOGNIZED_LIST)) {
      out.push({
        result: 'FAIL' as const,
        severity: rp.severity,
        message: `${describePath(rp)}; ${rp.name} port, listener unknown (no agent). ${limitsSentence(input)}`,
        evidence: portEvidence(input, rp, []),
        attributes: portAttributes(rp, this.ruleType, rp.name, input.instanceId),
        identity: portIdentity(rp),
        findingTitle: `${rp.name} (${rp.protocol.toUpperCase()} ${rp.port}) is reachable from ${rp.path.type === 'Internet' ? 'the internet' : rp.path.type}`,
      });
    }
    return out.length ? out : [nothingFound(input, 'No recognized port is reachable')];
  },
};
