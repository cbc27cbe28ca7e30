/** sbp.ssh-password-auth: sshd must not accept passwords (`PasswordAuthentication no`). */
import { fail, pass, type Rule } from '../../core/rule';
import { judgeSshd, LINUX, sshdFix, sshdOrOutcome } from './sshd-common';

export const sshPasswordAuth: Rule = {
  id: 'sbp.ssh-password-auth',
  title: 'SSH password authentication is disabled',
  findingTitle: 'SSH password authentication is enabled',
  description:
    'With PasswordAuthentication enabled (the built-in default is yes), anyone who can reach sshd can try to ' +
    'guess passwords. Keys (or certificates) cannot be guessed that way.',
  recommendation:
    'Give every user a key in ~/.ssh/authorized_keys, then set "PasswordAuthentication no" as the first ' +
    'PasswordAuthentication line sshd reads, outside any Match block, and reload sshd.',
  severity: 'Medium',
  platforms: LINUX,
  parameters: {},
  check(facts) {
    const s = sshdOrOutcome(facts);
    if (!s.ok) return s.outcome;
    const j = judgeSshd(s.config, 'PasswordAuthentication', 'no');
    if (j.value.toLowerCase() === 'no') {
      return pass('sshd does not accept passwords (PasswordAuthentication no)', j.evidence);
    }
    return {
      ...fail(`sshd accepts passwords: PasswordAuthentication is ${j.value}`, j.evidence),
      recommendation: sshdFix(j, 'PasswordAuthentication no'),
    };
  },
};
