/** sbp.password-max-age: PASS_MAX_DAYS in /etc/login.defs is set and at most `maxDays` (365). */
import { LOGIN_DEFS_PATH, loginDefs } from '../../core/facts/password';
import type { Evidence } from '../../core/model';
import { error, fail, pass, type Rule } from '../../core/rule';
import { loginDefsInteger } from '../../parsers/login-defs';
import { LINUX } from './sshd-common';

type Params = { maxDays: number };

export const passwordMaxAge: Rule<Params> = {
  id: 'sbp.password-max-age',
  title: 'Passwords expire within the maximum age',
  findingTitle: 'Passwords do not expire within the maximum age',
  description:
    "PASS_MAX_DAYS in /etc/login.defs sets how long a new account's password stays valid. Unset, negative " +
    'or unparsable, passwords never expire, so a leaked password stays usable indefinitely.',
  recommendation:
    'Set "PASS_MAX_DAYS 365" (or fewer days) in /etc/login.defs. It applies to accounts created afterwards; ' +
    'for existing accounts run "chage --maxdays 365 USER".',
  severity: 'Medium',
  platforms: LINUX,
  parameters: { maxDays: 365 },
  check(facts, params) {
    const ld = loginDefs(facts);
    if (!ld.ok) {
      return error(`the password maximum age could not be evaluated: ${ld.reason}`, [
        { source: LOGIN_DEFS_PATH, key: 'PASS_MAX_DAYS', expected: `<= ${params.maxDays}`, note: ld.reason },
      ]);
    }
    const expected = `0 to ${params.maxDays}`;
    const e = ld.value.defs.values.get('PASS_MAX_DAYS');
    if (!e) {
      const ev: Evidence = {
        source: LOGIN_DEFS_PATH,
        key: 'PASS_MAX_DAYS',
        value: '(unset)',
        expected,
        note: 'unset: shadow uses -1, passwords never expire',
      };
      return {
        ...fail('PASS_MAX_DAYS is not set: passwords never expire', [ev]),
        recommendation: `Add the line "PASS_MAX_DAYS ${params.maxDays}" to ${LOGIN_DEFS_PATH}; for existing accounts also run "chage --maxdays ${params.maxDays} USER".`,
      };
    }
    const n = loginDefsInteger(e.value);
    const ev: Evidence = {
      source: LOGIN_DEFS_PATH,
      line: e.line,
      key: 'PASS_MAX_DAYS',
      value: e.value,
      expected,
    };
    const recommendation = `Change line ${e.line} of ${LOGIN_DEFS_PATH} from "${e.text}" to "PASS_MAX_DAYS ${params.maxDays}" (or fewer days); for existing accounts also run "chage --maxdays ${params.maxDays} USER".`;
    if (n === undefined) {
      return {
        ...fail(`PASS_MAX_DAYS "${e.value}" is not a number: shadow ignores it and passwords never expire`, [
          { ...ev, note: 'not an integer: ignored by shadow' },
        ]),
        recommendation,
      };
    }
    if (n < 0) {
      return {
        ...fail(`PASS_MAX_DAYS is ${n}: passwords never expire`, [
          { ...ev, note: 'negative: no maximum age' },
        ]),
        recommendation,
      };
    }
    if (n > params.maxDays) {
      return { ...fail(`PASS_MAX_DAYS is ${n}, more than ${params.maxDays}`, [ev]), recommendation };
    }
    return pass(`PASS_MAX_DAYS is ${n} (at most ${params.maxDays})`, [
      {
        ...ev,
        note: 'applies to accounts created from now on; existing accounts keep their /etc/shadow values',
      },
    ]);
  },
};
