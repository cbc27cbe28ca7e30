/**
 * sbp.ssh-protocol-2: sshd must not offer SSH protocol 1. OpenSSH 7.4 and later only speak protocol 2 and
 * ignore the `Protocol` keyword; the rule fails when the configuration asks for version 1 ("1", "1,2",
 * "2,1"), which on an old sshd enables it and on a new one shows a configuration nobody has reviewed.
 */
import { fail, pass, type Rule } from '../../core/rule';
import { judgeSshd, LINUX, sshdFix, sshdOrOutcome } from './sshd-common';

export const sshProtocol2: Rule = {
  id: 'sbp.ssh-protocol-2',
  title: 'SSH supports protocol version 2 only',
  findingTitle: 'SSH protocol version 1 is enabled',
  description:
    'SSH protocol 1 has known cryptographic weaknesses (CRC-32 integrity, session hijacking). sshd must not be ' +
    'configured to offer it.',
  recommendation:
    'Remove version 1 from the Protocol line of the sshd configuration ("Protocol 2", or delete the line: ' +
    'current OpenSSH supports only protocol 2), then reload sshd.',
  severity: 'Medium',
  platforms: LINUX,
  parameters: {},
  check(facts) {
    const s = sshdOrOutcome(facts);
    if (!s.ok) return s.outcome;
    const j = judgeSshd(s.config, 'Protocol', '2');
    const versions = j.value.split(/[,\s]+/).filter(Boolean);
    if (versions.includes('1')) {
      return {
        ...fail(`sshd is configured to offer SSH protocol 1: Protocol ${j.value}`, j.evidence),
        recommendation: sshdFix(j, 'Protocol 2'),
      };
    }
    const how = j.where
      ? `Protocol ${j.value}`
      : 'Protocol is not set and current OpenSSH only speaks protocol 2';
    return pass(`sshd does not offer protocol 1 (${how})`, j.evidence);
  },
};
