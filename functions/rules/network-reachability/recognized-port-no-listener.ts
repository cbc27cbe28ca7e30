/**
 * Classic's RecognizedPortNoListener: a recognized port is reachable but nothing listened on it during the
 * run. One severity below the service's (a latent opening: anything started on the port is exposed at once).
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
import { lower, RECOGNIZED_LIST } from './recognized-ports';

export const recognizedPortNoListener: NrRule = {
  id: 'nr.recognized-port-no-listener',
  ruleType: 'RecognizedPortNoListener',
  title: 'No recognized port without a listener is reachable from outside the VPC',
  findingTitle: 'Recognized port is reachable from outside the VPC (nothing listens on it)',
  description:
    'A port commonly used by a well-known service can be reached from the internet, a peered VPC or a virtual private gateway; no process listened on it during the run, but any service started on it would be exposed.',
  recommendation:
    'Remove the security group rule (or add a network ACL entry) that opens the port: nothing uses it.',
  severity: 'Medium',
  check(input) {
    if (!input.listeners)
      return [
        {
          result: 'NOT_APPLICABLE',
          message: `no agent telemetry for ${input.instanceId}: whether a process listens cannot be told (see nr.recognized-port-no-agent)`,
          evidence: [],
        },
      ];
    const incomplete = input.listeners.omitted
      ? ` (the listening inventory left out ${input.listeners.omitted} sockets)`
      : '';
    const out = [];
    for (const rp of recognizedReachable(input, RECOGNIZED_LIST)) {
      if (listenersOn(input.listeners, rp.eni, rp.protocol, rp.port).length > 0) continue;
      out.push({
        result: 'FAIL' as const,
        severity: lower(rp.severity),
        message: `${describePath(rp)}; ${rp.name} port, no process listened on it during the run${incomplete}. ${limitsSentence(input)}`,
        evidence: portEvidence(input, rp, []),
        attributes: portAttributes(rp, this.ruleType, rp.name, input.instanceId),
        identity: portIdentity(rp),
        findingTitle: `${rp.name} (${rp.protocol.toUpperCase()} ${rp.port}) is reachable from ${rp.path.type === 'Internet' ? 'the internet' : rp.path.type}, nothing listens`,
      });
    }
    return out.length ? out : [nothingFound(input, 'No recognized port without a listener is reachable')];
  },
};
