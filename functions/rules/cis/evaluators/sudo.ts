/**
 * sudo rules, judged on the policy as sudo reads it (functions/core/facts/sudoers.ts: /etc/sudoers with
 * @includedir/#includedir and @include expanded in place):
 * - template sudo_defaults_option (sudo_add_use_pty, sudo_custom_logfile): the option's last global
 *   `Defaults` setting (sudo applies them in order, the last wins) turns it on, with the benchmark's value
 *   where the rule names a variable (var_sudo_logfile); `!option` after it turns it off again.
 * - sudo_remove_no_authenticate: no Defaults sets `!authenticate`; sudo_remove_nopasswd: no rule carries
 *   `NOPASSWD:`; sudo_require_authentication: both.
 * - sudo_require_reauthentication: every timestamp_timeout set is between 0 and var_sudo_timestamp_timeout
 *   (-1 never asks again); unset, sudo's default of 15 minutes applies.
 * No /etc/sudoers: sudo is not installed, NOT_APPLICABLE.
 */
import type { Facts } from '../../../core/facts/facts';
import { globalDefaults, type SudoersPolicy, sudoersPolicy } from '../../../core/facts/sudoers';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, notApplicable, pass } from '../../../core/rule';
import type { Evaluator } from './index';
import { xccdfVariable } from './template-helpers';

const SUDO_DEFAULT_TIMEOUT = 15;

function policyOf(facts: Facts): { policy: SudoersPolicy } | CheckOutcome {
  const p = sudoersPolicy(facts);
  if (!p.ok) return error(`the sudoers policy could not be read: ${p.reason}`);
  if (!p.value) return notApplicable('sudo is not installed (no /etc/sudoers)');
  return { policy: p.value };
}

const problemsNote = (p: SudoersPolicy) => (p.problems.length ? `; not read: ${p.problems.join('; ')}` : '');

export const sudoDefaultsOption: Evaluator = (facts, input): CheckOutcome => {
  const option = input.vars.option;
  if (!option) return error('template sudo_defaults_option without an option');
  const got = policyOf(facts);
  if (!('policy' in got)) return got;
  const policy = got.policy;
  const wanted = input.vars.variable_name ? xccdfVariable(input, input.vars.variable_name) : undefined;
  const set = globalDefaults(policy, option);
  const last = set.at(-1);
  const expected = wanted
    ? `Defaults ${option}="${wanted}"`
    : input.vars.option_regex_suffix
      ? `Defaults ${option}=<file>`
      : `Defaults ${option}`;
  const fix = `Add "${expected}" to a file in /etc/sudoers.d (visudo -f /etc/sudoers.d/cis).`;
  if (!last) {
    const r = fail(`${option} is not set in ${policy.files.join(', ')}${problemsNote(policy)}`, [
      { source: '/etc/sudoers', key: option, value: '(unset)', expected },
    ]);
    return policy.problems.length ? error(r.message, r.evidence) : { ...r, recommendation: fix };
  }
  const evidence: Evidence[] = set.map(({ setting, line }) => ({
    source: line.file,
    line: line.line,
    key: option,
    value: `${setting.negated ? '!' : ''}${option}${setting.value !== undefined ? `=${setting.value}` : ''}`,
    expected,
  }));
  if (last.setting.negated)
    return {
      ...fail(`${option} is turned off by ${last.line.file} line ${last.line.line}`, evidence),
      recommendation: fix,
    };
  const needsValue = Boolean(input.vars.option_regex_suffix);
  if (needsValue && !last.setting.value)
    return {
      ...fail(`${option} has no value at ${last.line.file} line ${last.line.line}`, evidence),
      recommendation: fix,
    };
  if (wanted && last.setting.value !== wanted)
    return {
      ...fail(`${option} is ${last.setting.value}, expected ${wanted}`, evidence),
      recommendation: fix,
    };
  return pass(
    `${option}${last.setting.value ? ` is ${last.setting.value}` : ' is set'}${problemsNote(policy)}`,
    evidence,
  );
};

function noAuthBypass(noAuthenticate: boolean, nopasswd: boolean): Evaluator {
  return (facts) => {
    const got = policyOf(facts);
    if (!('policy' in got)) return got;
    const policy = got.policy;
    const evidence: Evidence[] = [];
    if (noAuthenticate)
      for (const l of policy.lines)
        if (l.kind === 'defaults' && l.settings.some((s) => s.name === 'authenticate' && s.negated))
          evidence.push({
            source: l.file,
            line: l.line,
            key: '!authenticate',
            value: l.text,
            expected: 'absent',
          });
    if (nopasswd)
      for (const l of policy.lines)
        if (l.kind === 'spec' && l.tags.includes('NOPASSWD'))
          evidence.push({ source: l.file, line: l.line, key: 'NOPASSWD', value: l.text, expected: 'absent' });
    const what = [noAuthenticate && '!authenticate', nopasswd && 'NOPASSWD'].filter(Boolean).join(' or ');
    if (evidence.length)
      return {
        ...fail(
          `${evidence.length} sudoers line(s) let users run sudo without their password (${what})`,
          evidence,
        ),
        recommendation: `Remove ${what} from the lines listed (visudo).`,
      };
    if (policy.problems.length)
      return error(`no ${what} in what was read, but ${problemsNote(policy).slice(2)}`);
    return pass(`no ${what} in ${policy.files.join(', ')}`);
  };
}

const reauthentication: Evaluator = (facts, input) => {
  const got = policyOf(facts);
  if (!('policy' in got)) return got;
  const policy = got.policy;
  const max = Number(xccdfVariable(input, 'var_sudo_timestamp_timeout') ?? '15');
  const set = policy.lines.flatMap((l) =>
    l.kind === 'defaults'
      ? l.settings.filter((s) => s.name === 'timestamp_timeout').map((s) => ({ s, l }))
      : [],
  );
  const expected = `between 0 and ${max} minutes`;
  if (set.length === 0) {
    const ok = SUDO_DEFAULT_TIMEOUT <= max;
    const e: Evidence[] = [
      {
        source: '/etc/sudoers',
        key: 'timestamp_timeout',
        value: `${SUDO_DEFAULT_TIMEOUT}`,
        expected,
        note: "not set: sudo's default applies",
      },
    ];
    return ok
      ? pass(`timestamp_timeout not set: sudo's default of ${SUDO_DEFAULT_TIMEOUT} minutes applies`, e)
      : fail(`timestamp_timeout not set (default ${SUDO_DEFAULT_TIMEOUT}), expected ${expected}`, e);
  }
  const evidence: Evidence[] = set.map(({ s, l }) => ({
    source: l.file,
    line: l.line,
    key: 'timestamp_timeout',
    value: s.negated ? '!timestamp_timeout (0)' : (s.value ?? ''),
    expected,
    ...(l.kind === 'defaults' && l.qualifier ? { note: `Defaults${l.qualifier}` } : {}),
  }));
  const bad = set.filter(({ s }) => {
    if (s.negated) return false;
    const n = Number(s.value);
    return !Number.isFinite(n) || n < 0 || n > max;
  });
  if (bad.length)
    return {
      ...fail(
        `timestamp_timeout is ${bad.map(({ s }) => s.value).join(', ')}; expected ${expected}`,
        evidence,
      ),
      recommendation: `Set "Defaults timestamp_timeout=${max}" (visudo) and remove larger or negative values.`,
    };
  return pass(`timestamp_timeout ${set.map(({ s }) => s.value ?? '0').join(', ')} minutes`, evidence);
};

export const SUDO_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  sudo_defaults_option: sudoDefaultsOption,
  'rule:sudo_remove_no_authenticate': noAuthBypass(true, false),
  'rule:sudo_remove_nopasswd': noAuthBypass(false, true),
  'rule:sudo_require_authentication': noAuthBypass(true, true),
  'rule:sudo_require_reauthentication': reauthentication,
};
