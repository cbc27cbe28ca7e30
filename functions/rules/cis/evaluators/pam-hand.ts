/**
 * Hand-written ComplianceAsCode PAM rules, judged on the stacks as PAM runs them (pamStackOf: `@include`,
 * `include` and `substack` expanded in place, comments absent). The stack files are the distribution's:
 * pam-auth-update's common-auth / common-account / common-password / common-session on Debian and Ubuntu,
 * authselect's system-auth and password-auth on the RHEL family and Amazon Linux.
 *
 * - *_enabled (pam_unix, pam_faillock, pam_pwquality, pam_pwhistory): the module has a line of the type in
 *   every stack file the rule names (pam_faillock: auth and account).
 * - account_password_pam_faillock_{system,password}_auth, accounts_password_pam_pwquality_{system,password}_auth:
 *   the module in that one file.
 * - accounts_password_pam_pwhistory_enforce_root / _use_authtok: the argument on pam_pwhistory's line
 *   (enforce_for_root may also come from /etc/security/pwhistory.conf).
 * - accounts_password_pam_pwhistory_remember_{system,password}_auth: remember (argument, else
 *   pwhistory.conf) at least var_password_pam_remember.
 * - no_empty_passwords_unix / no_empty_passwords: no pam_unix line of any type carries `nullok`.
 * - accounts_password_pam_unix_no_remember: pam_unix's password lines carry no `remember=`.
 * - accounts_password_pam_unix_authtok: pam_unix's password line carries `use_authtok` when a module
 *   before it in the stack (pam_pwquality, pam_pwhistory) already asked for the new password.
 * - set_password_hashing_algorithm_{systemauth,passwordauth}: pam_unix's password line names the
 *   benchmark's algorithm (var_password_hashing_algorithm_pam: yescrypt, sha512).
 * - accounts_passwords_pam_faillock_deny_root / _even_deny_root_or_root_unlock_time: even_deny_root
 *   (or root_unlock_time) as a pam_faillock argument or in /etc/security/faillock.conf.
 * - accounts_password_pam_retry: pam_pwquality's retry (argument or pwquality.conf) at most 3.
 * - ensure_pam_wheel_group_empty: the group var_pam_wheel_group_for_su exists and has no member (listed, or
 *   as a primary group).
 */
import { groupEntries, passwdEntries } from '../../../core/facts/accounts';
import type { Facts } from '../../../core/facts/facts';
import { PAM_DIR } from '../../../core/facts/password';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, pass } from '../../../core/rule';
import { type PamType, pamModuleName } from '../../../parsers/pam';
import { parsePwqualityConf, pwqualityOption } from '../../../parsers/pwquality';
import type { BenchmarkId } from '../data';
import type { Evaluator } from './index';
import { pamStackOf, type StackLine } from './pam';
import { xccdfVariable } from './template-helpers';

const DEBIAN_FAMILY = new Set<BenchmarkId>(['debian12', 'ubuntu2204', 'ubuntu2404']);

/** The stack files that hold a type's lines on the benchmark's distribution. */
function stackFiles(benchmark: BenchmarkId, type: PamType): string[] {
  return DEBIAN_FAMILY.has(benchmark)
    ? [`${PAM_DIR}/common-${type}`]
    : [`${PAM_DIR}/system-auth`, `${PAM_DIR}/password-auth`];
}

const where = (l: StackLine) =>
  `${l.file} line ${l.rule.line}${l.via.length ? ` (via ${l.via.join(' → ')})` : ''}`;

const argOf = (l: StackLine, key: string): string | undefined => {
  let v: string | undefined;
  for (const a of l.rule.args) {
    const o = pwqualityOption(a);
    if (o.key === key) v = o.value ?? '';
  }
  return v;
};

type LineCheck = (lines: StackLine[], file: string) => { problem?: string; evidence: Evidence[] };

interface Spec {
  type: PamType;
  module: string;
  /** Explicit files; default the distribution's stack files for the type. */
  files?: string[];
  /** Judges the module's lines in one file (default: present). */
  check?: LineCheck;
  /** The module may be absent (the check judges only what is there). */
  optional?: boolean;
  fix: string;
}

function stackRule(specs: Spec[] | ((benchmark: BenchmarkId, facts: Facts) => Spec[])): Evaluator {
  return (facts, input): CheckOutcome => {
    const list = typeof specs === 'function' ? specs(input.benchmark, facts) : specs;
    const evidence: Evidence[] = [];
    const problems: string[] = [];
    const fixes = new Set<string>();
    for (const spec of list) {
      for (const file of spec.files ?? stackFiles(input.benchmark, spec.type)) {
        const s = pamStackOf(facts, file, spec.type);
        if (!s.ok) return error(`${file} could not be read: ${s.reason}`);
        if (!s.stack) {
          problems.push(`${file} does not exist`);
          evidence.push({ source: file, value: '(absent)' });
          fixes.add(spec.fix);
          continue;
        }
        const lines = s.stack.lines.filter((l) => pamModuleName(l.rule.module) === spec.module);
        if (lines.length === 0 && !spec.optional) {
          problems.push(`${file} has no ${spec.type} line for ${spec.module}.so`);
          evidence.push({ source: file, key: `${spec.type} ${spec.module}.so`, value: '(absent)' });
          fixes.add(spec.fix);
          continue;
        }
        if (!spec.check) {
          for (const l of lines)
            evidence.push({
              source: l.file,
              line: l.rule.line,
              key: spec.type,
              value: l.rule.text,
              note: where(l),
            });
          continue;
        }
        const r = spec.check(lines, file);
        evidence.push(...r.evidence);
        if (r.problem) {
          problems.push(r.problem);
          fixes.add(spec.fix);
        }
      }
    }
    if (problems.length)
      return { ...fail(problems.join('; '), evidence), recommendation: [...fixes].join('\n') };
    return pass(
      `${[...new Set(list.map((s) => `${s.module}.so (${s.type})`))].join(', ')} as required`,
      evidence,
    );
  };
}

/** An argument every line of the module carries (`enforce_for_root`, `use_authtok`), or a conf file sets. */
function hasArgument(key: string, conf?: (facts: Facts) => ConfValue | undefined, facts?: Facts): LineCheck {
  return (lines) => {
    const fromConf = conf && facts ? conf(facts) : undefined;
    const evidence: Evidence[] = [];
    const missing: string[] = [];
    for (const l of lines) {
      const present = argOf(l, key) !== undefined;
      evidence.push({
        source: l.file,
        line: l.rule.line,
        key,
        value: present ? 'present' : fromConf ? `set in ${fromConf.source}` : '(absent)',
        expected: 'present',
      });
      if (!present && !fromConf) missing.push(where(l));
    }
    return {
      evidence,
      ...(missing.length ? { problem: `${key} missing on ${missing.join(', ')}` } : {}),
    };
  };
}

/** No line of the module carries the argument. */
function lacksArgument(key: string, prefix = false): LineCheck {
  return (lines) => {
    const bad = lines.filter((l) =>
      l.rule.args.some((a) => (prefix ? a.toLowerCase().startsWith(key) : pwqualityOption(a).key === key)),
    );
    return {
      evidence: lines.map((l) => ({
        source: l.file,
        line: l.rule.line,
        key,
        value: bad.includes(l) ? 'present' : '(absent)',
        expected: 'absent',
      })),
      ...(bad.length ? { problem: `${key} on ${bad.map(where).join(', ')}` } : {}),
    };
  };
}

interface ConfValue {
  source: string;
  value: string;
}

/** A key of a pam_* configuration file (faillock.conf, pwhistory.conf, pwquality.conf: key or key = value). */
function confValue(path: string, key: string): (facts: Facts) => ConfValue | undefined {
  return (facts) => {
    const t = facts.text(path);
    if (!t.ok) return undefined;
    let found: ConfValue | undefined;
    for (const x of parsePwqualityConf(t.value.text))
      if (x.key === key) found = { source: `${path} line ${x.line}`, value: x.value };
    return found;
  };
}

/** A numeric setting of the module, argument first, then its configuration file. */
function numeric(
  key: string,
  conf: (facts: Facts) => ConfValue | undefined,
  facts: Facts,
  ok: (n: number) => boolean,
  expected: string,
): LineCheck {
  return (lines) => {
    const c = conf(facts);
    const evidence: Evidence[] = [];
    const bad: string[] = [];
    for (const l of lines) {
      const arg = argOf(l, key);
      const value = arg ?? c?.value;
      evidence.push({
        source: l.file,
        line: l.rule.line,
        key,
        value: value ?? '(unset)',
        expected,
        ...(arg === undefined && c ? { note: c.source } : {}),
      });
      if (value === undefined || !/^\d+$/.test(value) || !ok(Number(value)))
        bad.push(`${key} is ${value ?? 'not set'} at ${where(l)}, expected ${expected}`);
    }
    return { evidence, ...(bad.length ? { problem: bad.join('; ') } : {}) };
  };
}

const PWHISTORY_CONF = '/etc/security/pwhistory.conf';
const FAILLOCK_CONF = '/etc/security/faillock.conf';
const PWQUALITY_CONF = '/etc/security/pwquality.conf';

const debianFix = (what: string) =>
  `Enable it with pam-auth-update (Debian/Ubuntu: a /usr/share/pam-configs profile) or authselect (RHEL: authselect enable-feature ...): ${what}. Do not edit generated stack files by hand.`;

const enabled = (module: string, types: PamType[]): Evaluator =>
  stackRule(types.map((type) => ({ type, module, fix: debianFix(`${module}.so in the ${type} stack`) })));

const inFile = (module: string, type: PamType, file: string, also: PamType[] = []): Evaluator =>
  stackRule(
    [type, ...also].map((t) => ({
      type: t,
      module,
      files: [`${PAM_DIR}/${file}`],
      fix: debianFix(`${module}.so in ${PAM_DIR}/${file}`),
    })),
  );

const hashing =
  (files?: string[]): Evaluator =>
  (facts, input) => {
    const wanted = (xccdfVariable(input, 'var_password_hashing_algorithm_pam') ?? 'sha512').toLowerCase();
    return stackRule([
      {
        type: 'password',
        module: 'pam_unix',
        ...(files ? { files } : {}),
        check: (lines) => {
          const evidence: Evidence[] = [];
          const bad: string[] = [];
          for (const l of lines) {
            const has = l.rule.args.some((a) => a.toLowerCase() === wanted);
            evidence.push({
              source: l.file,
              line: l.rule.line,
              key: 'hashing algorithm',
              value:
                l.rule.args
                  .filter((a) => /^(md5|bigcrypt|sha256|sha512|blowfish|gost_yescrypt|yescrypt)$/i.test(a))
                  .join(' ') || '(none: the login.defs ENCRYPT_METHOD)',
              expected: wanted,
            });
            if (!has) bad.push(where(l));
          }
          return {
            evidence,
            ...(bad.length ? { problem: `pam_unix.so does not name ${wanted} at ${bad.join(', ')}` } : {}),
          };
        },
        fix: `Add ${wanted} to pam_unix.so's password line (pam-auth-update's unix profile on Debian/Ubuntu; authselect on RHEL).`,
      },
    ])(facts, input);
  };

/** pam_unix's password line has use_authtok when a module before it asked for the new password. */
const unixAuthtok: LineCheck = (lines) => {
  const evidence: Evidence[] = [];
  const bad: string[] = [];
  for (const l of lines) {
    const present = argOf(l, 'use_authtok') !== undefined;
    evidence.push({
      source: l.file,
      line: l.rule.line,
      key: 'use_authtok',
      value: present ? 'present' : '(absent)',
      expected: 'present',
    });
    if (!present) bad.push(where(l));
  }
  return {
    evidence,
    ...(bad.length ? { problem: `pam_unix.so lacks use_authtok at ${bad.join(', ')}` } : {}),
  };
};

const wheelGroupEmpty: Evaluator = (facts, input) => {
  const name = xccdfVariable(input, 'var_pam_wheel_group_for_su') ?? 'sugroup';
  const g = groupEntries(facts);
  if (!g.ok) return error(g.reason);
  const group = g.value.entries.find((e) => e.name === name);
  const fix = `groupadd ${name} (no members), and "auth required pam_wheel.so use_uid group=${name}" in /etc/pam.d/su.`;
  if (!group)
    return {
      ...fail(`group ${name} does not exist`, [
        { source: '/etc/group', key: name, value: '(absent)', expected: 'exists, no members' },
      ]),
      recommendation: fix,
    };
  const p = passwdEntries(facts);
  if (!p.ok) return error(p.reason);
  const primary = p.value.entries.filter((u) => u.gid === group.gid).map((u) => u.name);
  const members = [...group.members, ...primary];
  const evidence: Evidence[] = [
    { source: '/etc/group', key: name, value: members.join(',') || '(no members)', expected: 'no members' },
  ];
  if (members.length)
    return {
      ...fail(`group ${name} has members: ${members.join(', ')}`, evidence),
      recommendation: `gpasswd -d USER ${name} for each member.`,
    };
  return pass(`group ${name} exists and has no members`, evidence);
};

export const PAM_HAND_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  'rule:accounts_password_pam_unix_enabled': enabled('pam_unix', ['auth', 'account', 'password', 'session']),
  'rule:accounts_passwords_pam_faillock_enabled': enabled('pam_faillock', ['auth', 'account']),
  'rule:accounts_password_pam_pwquality_enabled': enabled('pam_pwquality', ['password']),
  'rule:accounts_password_pam_pwhistory_enabled': enabled('pam_pwhistory', ['password']),
  'rule:account_password_pam_faillock_system_auth': inFile('pam_faillock', 'auth', 'system-auth', [
    'account',
  ]),
  'rule:account_password_pam_faillock_password_auth': inFile('pam_faillock', 'auth', 'password-auth', [
    'account',
  ]),
  'rule:accounts_password_pam_pwquality_system_auth': inFile('pam_pwquality', 'password', 'system-auth'),
  'rule:accounts_password_pam_pwquality_password_auth': inFile('pam_pwquality', 'password', 'password-auth'),
  'rule:accounts_password_pam_pwhistory_enforce_root': (facts, input) =>
    stackRule([
      {
        type: 'password',
        module: 'pam_pwhistory',
        check: hasArgument('enforce_for_root', confValue(PWHISTORY_CONF, 'enforce_for_root'), facts),
        fix: `Add enforce_for_root to pam_pwhistory.so's line (or to ${PWHISTORY_CONF}).`,
      },
    ])(facts, input),
  'rule:accounts_password_pam_pwhistory_use_authtok': stackRule([
    {
      type: 'password',
      module: 'pam_pwhistory',
      check: hasArgument('use_authtok'),
      fix: 'Add use_authtok to pam_pwhistory.so’s line.',
    },
  ]),
  ...Object.fromEntries(
    (['system-auth', 'password-auth'] as const).map((file) => [
      `rule:accounts_password_pam_pwhistory_remember_${file.replace('-', '_')}`,
      ((facts, input) => {
        const wanted = Number(xccdfVariable(input, 'var_password_pam_remember') ?? '24');
        return stackRule([
          {
            type: 'password',
            module: 'pam_pwhistory',
            files: [`${PAM_DIR}/${file}`],
            check: numeric(
              'remember',
              confValue(PWHISTORY_CONF, 'remember'),
              facts,
              (n) => n >= wanted,
              `at least ${wanted}`,
            ),
            fix: `authselect enable-feature with-pwhistory; set remember = ${wanted} in ${PWHISTORY_CONF}.`,
          },
        ])(facts, input);
      }) satisfies Evaluator,
    ]),
  ),
  'rule:no_empty_passwords_unix': stackRule((b) =>
    (['auth', 'account', 'password', 'session'] as const).map((type) => ({
      type,
      module: 'pam_unix',
      optional: true,
      check: lacksArgument('nullok'),
      files: stackFiles(b, type),
      fix: 'Remove nullok from pam_unix.so (pam-auth-update’s unix profile on Debian/Ubuntu; authselect enable-feature without-nullok on RHEL).',
    })),
  ),
  'rule:no_empty_passwords': stackRule((b) =>
    (['auth', 'password'] as const).map((type) => ({
      type,
      module: 'pam_unix',
      optional: true,
      check: lacksArgument('nullok'),
      files: stackFiles(b, type),
      fix: 'authselect enable-feature without-nullok',
    })),
  ),
  'rule:accounts_password_pam_unix_no_remember': stackRule([
    {
      type: 'password',
      module: 'pam_unix',
      check: lacksArgument('remember=', true),
      fix: 'Remove remember= from pam_unix.so (use pam_pwhistory instead).',
    },
  ]),
  'rule:accounts_password_pam_unix_authtok': stackRule([
    {
      type: 'password',
      module: 'pam_unix',
      check: unixAuthtok,
      fix: 'Add use_authtok to pam_unix.so’s password line.',
    },
  ]),
  'rule:set_password_hashing_algorithm_systemauth': (facts, input) =>
    hashing(DEBIAN_FAMILY.has(input.benchmark) ? undefined : [`${PAM_DIR}/system-auth`])(facts, input),
  'rule:set_password_hashing_algorithm_passwordauth': hashing([`${PAM_DIR}/password-auth`]),
  'rule:accounts_passwords_pam_faillock_deny_root': (facts, input) =>
    stackRule([
      {
        type: 'auth',
        module: 'pam_faillock',
        check: hasArgument('even_deny_root', confValue(FAILLOCK_CONF, 'even_deny_root'), facts),
        fix: `Add even_deny_root to ${FAILLOCK_CONF}.`,
      },
    ])(facts, input),
  'rule:accounts_passwords_pam_faillock_even_deny_root_or_root_unlock_time': (facts, input) =>
    stackRule([
      {
        type: 'auth',
        module: 'pam_faillock',
        check: (lines, file) => {
          const a = hasArgument(
            'even_deny_root',
            confValue(FAILLOCK_CONF, 'even_deny_root'),
            facts,
          )(lines, file);
          if (!a.problem) return a;
          const b = hasArgument(
            'root_unlock_time',
            confValue(FAILLOCK_CONF, 'root_unlock_time'),
            facts,
          )(lines, file);
          return b.problem
            ? { evidence: [...a.evidence, ...b.evidence], problem: `${a.problem}; ${b.problem}` }
            : b;
        },
        fix: `Add even_deny_root (or root_unlock_time = 60) to ${FAILLOCK_CONF}.`,
      },
    ])(facts, input),
  'rule:accounts_password_pam_retry': (facts, input) =>
    stackRule([
      {
        type: 'password',
        module: 'pam_pwquality',
        check: numeric(
          'retry',
          confValue(PWQUALITY_CONF, 'retry'),
          facts,
          (n) => n >= 1 && n <= 3,
          'between 1 and 3',
        ),
        fix: `Set retry = 3 in ${PWQUALITY_CONF}.`,
      },
    ])(facts, input),
  'rule:ensure_pam_wheel_group_empty': wheelGroupEmpty,
};
