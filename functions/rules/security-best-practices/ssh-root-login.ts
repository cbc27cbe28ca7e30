/** sbp.ssh-root-login: sshd must refuse root logins outright (`PermitRootLogin no`). */
import { fail, pass, type Rule } from '../../core/rule';
import { judgeSshd, LINUX, sshdFix, sshdOrOutcome } from './sshd-common';

export const sshRootLogin: Rule = {
  id: 'sbp.ssh-root-login',
  title: 'SSH root login is disabled',
  findingTitle: 'SSH root login is permitted',
  description:
    'sshd lets root log in directly unless PermitRootLogin is "no". The built-in default, prohibit-password, ' +
    'still accepts root with a key; any direct root login removes the audit trail of who acted as root and ' +
    'gives an attacker one well-known account name to target.',
  recommendation:
    'Set "PermitRootLogin no" as the first PermitRootLogin line sshd reads (in /etc/ssh/sshd_config or a file it ' +
    'includes before any other setting), outside any Match block, then reload sshd. Administrators log in as ' +
    'themselves and use sudo.',
  severity: 'Medium',
  platforms: LINUX,
  parameters: {},
  check(facts) {
    const s = sshdOrOutcome(facts);
    if (!s.ok) return s.outcome;
    const j = judgeSshd(s.config, 'PermitRootLogin', 'no');
    if (j.value.toLowerCase() === 'no')
      return pass('sshd refuses root logins (PermitRootLogin no)', j.evidence);
    return {
      ...fail(`sshd allows root logins: PermitRootLogin is ${j.value}`, j.evidence),
      recommendation: sshdFix(j, 'PermitRootLogin no'),
    };
  },
};
