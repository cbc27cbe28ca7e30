/** What the two PAM-based password rules share: evidence and fix text for quality modules. */
import {
  entryWhere,
  type PamStack,
  type PasswordStacks,
  PWQUALITY_CONF,
  type QualityModule,
} from '../../core/facts/password';
import type { Evidence } from '../../core/model';

/** Evidence for a quality module line: file, line, the line itself. */
export function moduleEvidence(m: QualityModule, expected: string): Evidence {
  const notes = [
    `${m.name} in the ${m.entry.via.length ? 'included ' : ''}password stack at ${entryWhere(m.entry)}`,
  ];
  if (m.entry.rule.silentIfMissing)
    notes.push('"-password": used when the module is installed, silently skipped if not');
  if (m.notEnforcingBecause) notes.push(`not enforcing: ${m.notEnforcingBecause}`);
  return {
    source: m.entry.file,
    line: m.entry.rule.line,
    key: 'password',
    value: m.entry.rule.text,
    expected,
    note: notes.join('; '),
  };
}

/** Stacks that exist but could not be read, as evidence. */
export function unreadableEvidence(stacks: PasswordStacks): Evidence[] {
  const out: Evidence[] = stacks.unreadable.map((u) => ({
    source: u.path,
    note: `could not be read: ${u.reason}`,
  }));
  for (const s of stacks.stacks) {
    for (const u of s.unreadable)
      out.push({ source: s.path, note: `an included file could not be read: ${u}` });
  }
  return out;
}

/** The exact line to add for a stack, by distribution family (a clause starting in lower case). */
export function qualityLineFix(stack: PamStack, minlen?: number): string {
  const arg = minlen === undefined ? '' : ` minlen=${minlen}`;
  if (stack.name === 'common-password') {
    return (
      `in ${stack.path}, make "password requisite pam_pwquality.so retry=3${arg}" the first password line ` +
      '(on Debian/Ubuntu: "apt-get install libpam-pwquality" adds it through pam-auth-update)' +
      (minlen === undefined ? '' : `, or set "minlen = ${minlen}" in ${PWQUALITY_CONF}`)
    );
  }
  return (
    `in ${stack.path}, put "password requisite pam_pwquality.so local_users_only${arg}" before pam_unix.so ` +
    '(with authselect: use a profile that includes it, e.g. "authselect select sssd")' +
    (minlen === undefined ? '' : `, or set "minlen = ${minlen}" in ${PWQUALITY_CONF}`)
  );
}
