/**
 * sbp.password-min-length: a minimum password length of at least `minLength` (14), from PASS_MIN_LEN in
 * /etc/login.defs or from the minlen that pam_pwquality / pam_cracklib enforce in every PAM password stack
 * (module argument, else pwquality.conf.d and pwquality.conf, else the module's default).
 */
import { LOGIN_DEFS_PATH, loginDefs, passwordStacks, qualityModules } from '../../core/facts/password';
import type { Evidence } from '../../core/model';
import { error, fail, pass, type Rule } from '../../core/rule';
import { loginDefsInteger } from '../../parsers/login-defs';
import { qualityLineFix, unreadableEvidence } from './password-common';
import { LINUX } from './sshd-common';

type Params = { minLength: number };

export const passwordMinLength: Rule<Params> = {
  id: 'sbp.password-min-length',
  title: 'Passwords have a minimum length',
  findingTitle: 'The minimum password length is too short',
  description:
    'Short passwords are quickly guessed. The minimum length comes from PASS_MIN_LEN in /etc/login.defs or, ' +
    'where PAM checks password quality, from the minlen of pam_pwquality or pam_cracklib.',
  recommendation:
    'Set "minlen = 14" in /etc/security/pwquality.conf with pam_pwquality active in the PAM password stack ' +
    '(or pass minlen=14 to pam_pwquality.so / pam_cracklib.so), and set "PASS_MIN_LEN 14" in /etc/login.defs.',
  severity: 'Medium',
  platforms: LINUX,
  parameters: { minLength: 14 },
  check(facts, params) {
    const min = params.minLength;
    const expected = `>= ${min}`;
    const evidence: Evidence[] = [];

    // login.defs
    const ld = loginDefs(facts);
    let loginDefsDecides: string | undefined;
    let loginDefsFix: string;
    if (ld.ok) {
      const e = ld.value.defs.values.get('PASS_MIN_LEN');
      const n = e ? loginDefsInteger(e.value) : undefined;
      evidence.push({
        source: LOGIN_DEFS_PATH,
        ...(e ? { line: e.line } : {}),
        key: 'PASS_MIN_LEN',
        value: e ? e.value : '(unset)',
        expected,
        ...(e && n === undefined ? { note: 'not an integer: ignored by shadow' } : {}),
      });
      if (n !== undefined && n >= min)
        loginDefsDecides = `PASS_MIN_LEN is ${n} in ${LOGIN_DEFS_PATH} line ${e!.line}`;
      loginDefsFix = e
        ? `change line ${e.line} of ${LOGIN_DEFS_PATH} from "${e.text}" to "PASS_MIN_LEN ${min}"`
        : `add "PASS_MIN_LEN ${min}" to ${LOGIN_DEFS_PATH}`;
    } else {
      evidence.push({ source: LOGIN_DEFS_PATH, key: 'PASS_MIN_LEN', expected, note: ld.reason });
      loginDefsFix = `add "PASS_MIN_LEN ${min}" to ${LOGIN_DEFS_PATH}`;
    }

    // PAM quality modules: every readable stack needs an enforcing module with minlen >= min.
    const stacks = passwordStacks(facts);
    const pamFixes: string[] = [];
    const decidedBy: string[] = [];
    for (const stack of stacks.stacks) {
      const mods = qualityModules(facts, stack).filter((m) => m.enforcing);
      let best: (typeof mods)[number] | undefined;
      for (const m of mods) {
        const where = m.minlen.line ? `${m.minlen.source} line ${m.minlen.line}` : m.minlen.source;
        evidence.push({
          source: m.minlen.source === 'built-in default' ? m.entry.file : m.minlen.source,
          line: m.minlen.line ?? m.entry.rule.line,
          key: `minlen (${m.name})`,
          value: String(m.minlen.number),
          expected,
          note: `${m.name} at ${m.entry.file} line ${m.entry.rule.line}; minlen from ${where}${m.minlen.text ? ` ("${m.minlen.text}")` : ''}`,
        });
        if (!best || m.minlen.number > best.minlen.number) best = m;
      }
      if (best && best.minlen.number >= min) {
        const where = best.minlen.line
          ? `${best.minlen.source} line ${best.minlen.line}`
          : best.minlen.source;
        decidedBy.push(`${best.name} minlen ${best.minlen.number} (${where}) in ${stack.path}`);
      } else {
        if (!best) {
          evidence.push({
            source: stack.path,
            key: 'minlen',
            value: '(no enforcing pam_pwquality/pam_cracklib line)',
            expected,
          });
        }
        pamFixes.push(
          best
            ? best.name === 'pam_cracklib'
              ? `add minlen=${min} to line ${best.entry.rule.line} of ${best.entry.file}`
              : `set "minlen = ${min}" in /etc/security/pwquality.conf (or minlen=${min} on line ${best.entry.rule.line} of ${best.entry.file})`
            : qualityLineFix(stack, min),
        );
      }
    }
    evidence.push(...unreadableEvidence(stacks));
    const pamComplete =
      stacks.unreadable.length === 0 && stacks.stacks.every((s) => s.unreadable.length === 0);
    const pamDecides = stacks.stacks.length > 0 && pamFixes.length === 0 && pamComplete;

    if (loginDefsDecides) return pass(`minimum password length is enforced: ${loginDefsDecides}`, evidence);
    if (pamDecides)
      return pass(`minimum password length is enforced by PAM: ${decidedBy.join('; ')}`, evidence);
    if (!ld.ok) return error(`the minimum password length could not be evaluated: ${ld.reason}`, evidence);
    if (!pamComplete) {
      return error(
        'the minimum password length could not be evaluated: a PAM password stack could not be read',
        evidence,
      );
    }
    const recommendation =
      stacks.stacks.length > 0
        ? `Either ${pamFixes.join(', and ')}; or ${loginDefsFix}.`
        : `${loginDefsFix[0]!.toUpperCase()}${loginDefsFix.slice(1)}.`;
    return {
      ...fail(`no source enforces a minimum password length of ${min}`, evidence),
      recommendation,
    };
  },
};
