/**
 * sbp.password-complexity: every PAM password stack runs pam_pwquality or pam_cracklib, and a weak password
 * actually fails the change. A commented-out line does not count; a `-password` line does (the dash only
 * silences the log when the module is missing); a line whose failure the stack ignores (optional,
 * sufficient, an `ignore` action, pwquality's enforcing=0) does not enforce anything.
 */
import { PAM_DIR, PASSWORD_STACK_NAMES, passwordStacks, qualityModules } from '../../core/facts/password';
import type { Evidence } from '../../core/model';
import { error, fail, pass, type Rule } from '../../core/rule';
import { moduleEvidence, qualityLineFix, unreadableEvidence } from './password-common';
import { LINUX } from './sshd-common';

const EXPECTED = 'an enforcing pam_pwquality.so or pam_cracklib.so password line';

export const passwordComplexity: Rule = {
  id: 'sbp.password-complexity',
  title: 'Password complexity is enforced by PAM',
  findingTitle: 'No enforcing password complexity module is configured',
  description:
    'Without pam_pwquality or pam_cracklib in the PAM password stack, users can set dictionary words, ' +
    'their user name or very short passwords.',
  recommendation:
    'Add "password requisite pam_pwquality.so retry=3" before pam_unix.so in every PAM password stack ' +
    '(/etc/pam.d/common-password on Debian/Ubuntu, system-auth and password-auth on RHEL-family systems), ' +
    'and set the character-class rules (minclass, dcredit, ucredit, lcredit, ocredit) in /etc/security/pwquality.conf.',
  severity: 'Medium',
  platforms: LINUX,
  parameters: {},
  check(facts) {
    const stacks = passwordStacks(facts);
    const names = PASSWORD_STACK_NAMES.map((n) => `${PAM_DIR}/${n}`).join(', ');
    if (stacks.stacks.length === 0) {
      const why =
        stacks.unreadable.length > 0
          ? stacks.unreadable.map((u) => u.reason).join('; ')
          : `none of ${names} exists`;
      return error(`the PAM password stacks could not be evaluated: ${why}`, [
        ...unreadableEvidence(stacks),
        { source: PAM_DIR, expected: EXPECTED, note: `no readable password stack among ${names}` },
      ]);
    }
    const evidence: Evidence[] = [];
    const bad: string[] = [];
    const fixes: string[] = [];
    let unknown = stacks.unreadable.length > 0;
    for (const stack of stacks.stacks) {
      const mods = qualityModules(facts, stack);
      for (const m of mods) evidence.push(moduleEvidence(m, EXPECTED));
      if (mods.some((m) => m.enforcing)) continue;
      if (mods.length === 0 && stack.unreadable.length > 0) {
        unknown = true;
        continue;
      }
      bad.push(stack.path);
      fixes.push(qualityLineFix(stack));
      if (mods.length === 0) {
        evidence.push({
          source: stack.path,
          key: 'password',
          value: `no active pam_pwquality/pam_cracklib line (${stack.entries.length} password lines: ${stack.entries.map((e) => e.rule.module).join(', ') || 'none'})`,
          expected: EXPECTED,
          note: 'commented-out lines do not count',
        });
      }
    }
    evidence.push(...unreadableEvidence(stacks));
    if (bad.length > 0) {
      return {
        ...fail(`password complexity is not enforced in ${bad.join(', ')}`, evidence),
        recommendation: `${fixes.map((f) => `${f[0]!.toUpperCase()}${f.slice(1)}`).join('. ')}.`,
      };
    }
    if (unknown) return error('some PAM password stack could not be read completely', evidence);
    return pass(`${stacks.stacks.map((s) => s.path).join(' and ')} enforce password complexity`, evidence);
  },
};
