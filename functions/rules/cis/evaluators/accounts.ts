/**
 * Hand-written ComplianceAsCode rules (`rule:<id>`) over the accounts: /etc/passwd, /etc/group, the agent's
 * redacted /etc/shadow and /etc/gshadow (state and aging only, never a hash) and /etc/login.defs. Each judges
 * what the rule's own OVAL judges; the evidence names the offending entries by line or name.
 */
import { groupEntries, passwdEntries, shadowEntries } from '../../../core/facts/accounts';
import type { Facts } from '../../../core/facts/facts';
import { LOGIN_DEFS_PATH, loginDefs } from '../../../core/facts/password';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, pass } from '../../../core/rule';
import { loginDefsInteger } from '../../../parsers/login-defs';
import { type GroupEntry, NOLOGIN_SHELLS, type PasswdEntry } from '../../../parsers/passwd';
import type { Evaluator } from './index';

const PASSWD = '/etc/passwd';
const GROUP = '/etc/group';
const SHADOW = '/etc/shadow';
const MAX_EVIDENCE = 20;

function verdict(
  offenders: Evidence[],
  okMessage: string,
  failMessage: (n: number) => string,
  recommendation: string,
  passEvidence: Evidence[] = [],
): CheckOutcome {
  if (offenders.length === 0)
    return pass(
      okMessage,
      passEvidence.length
        ? passEvidence
        : [{ source: '/etc/passwd, /etc/group, /etc/shadow', note: okMessage }],
    );
  return { ...fail(failMessage(offenders.length), offenders.slice(0, MAX_EVIDENCE)), recommendation };
}

function withPasswd(facts: Facts, f: (entries: PasswdEntry[]) => CheckOutcome): CheckOutcome {
  const p = passwdEntries(facts);
  if (!p.ok) return error(`${PASSWD} could not be read: ${p.reason}`);
  return f(p.value.entries);
}

function withGroups(facts: Facts, f: (entries: GroupEntry[]) => CheckOutcome): CheckOutcome {
  const g = groupEntries(facts);
  if (!g.ok) return error(`${GROUP} could not be read: ${g.reason}`);
  return f(g.value.entries);
}

function duplicates<T>(
  items: T[],
  key: (t: T) => string | number,
  source: string,
  what: string,
  line: (t: T) => number,
): Evidence[] {
  const seen = new Map<string | number, T[]>();
  for (const i of items) seen.set(key(i), [...(seen.get(key(i)) ?? []), i]);
  return [...seen.entries()]
    .filter(([, v]) => v.length > 1)
    .flatMap(([k, v]) =>
      v.map((i) => ({
        source,
        line: line(i),
        key: what,
        value: String(k),
        note: `${v.length} entries share it`,
      })),
    );
}

/**
 * What shadow's programs use when /etc/login.defs does not exist (getdef's compiled-in defaults in shadow's
 * sources: PASS_MAX_DAYS/PASS_MIN_DAYS/PASS_WARN_AGE -1, i.e. no maximum, no minimum, no warning; no
 * ENCRYPT_METHOD and no MD5_CRYPT_ENAB, i.e. DES; UMASK 022), as the values a check compares.
 */
export const SHADOW_DEFAULTS: Record<string, { value: string; note: string }> = {
  PASS_MAX_DAYS: { value: '99999', note: 'no maximum (-1)' },
  PASS_MIN_DAYS: { value: '0', note: 'no minimum (-1)' },
  PASS_WARN_AGE: { value: '0', note: 'no warning (-1)' },
  ENCRYPT_METHOD: { value: 'DES', note: 'DES (neither ENCRYPT_METHOD nor MD5_CRYPT_ENAB set)' },
  UMASK: { value: '022', note: '022' },
};

/**
 * A login.defs key as shadow reads it: the file's line, or, when /etc/login.defs does not exist, the
 * compiled-in default (`absent` true, the message says so). Undefined value: the file exists without it.
 */
export function loginDefsValue(
  facts: Facts,
  key: string,
):
  | { ok: true; path: string; entry?: { value: string; line?: number }; absentNote?: string }
  | { ok: false; reason: string } {
  const d = loginDefs(facts);
  if (d.ok) {
    const e = d.value.defs.values.get(key);
    return { ok: true, path: d.value.path, ...(e ? { entry: { value: e.value, line: e.line } } : {}) };
  }
  if (!facts.isAbsent(LOGIN_DEFS_PATH))
    return { ok: false, reason: `${LOGIN_DEFS_PATH} could not be read: ${d.reason}` };
  const def = SHADOW_DEFAULTS[key];
  const absentNote = `${LOGIN_DEFS_PATH} does not exist, so shadow's compiled-in default applies: ${def?.note ?? 'unset'}`;
  return { ok: true, path: LOGIN_DEFS_PATH, ...(def ? { entry: { value: def.value } } : {}), absentNote };
}

export function uidMin(facts: Facts): number {
  const d = loginDefs(facts);
  const v = d.ok ? d.value.defs.values.get('UID_MIN')?.value : undefined;
  const n = v === undefined ? undefined : loginDefsInteger(v);
  return n !== undefined && n > 0 ? n : 1000;
}

const accountsNoUidExceptZero: Evaluator = (facts) =>
  withPasswd(facts, (es) =>
    verdict(
      es
        .filter((e) => e.uid === 0 && e.name !== 'root')
        .map((e) => ({
          source: PASSWD,
          line: e.line,
          key: e.name,
          value: 'uid 0',
          expected: 'only root has uid 0',
        })),
      'only root has uid 0',
      (n) => `${n} account(s) other than root have uid 0`,
      'Give each listed account its own non-zero uid (usermod -u) or remove it.',
    ),
  );

const accountsRootGidZero: Evaluator = (facts) =>
  withPasswd(facts, (es) => {
    const root = es.find((e) => e.name === 'root');
    if (!root)
      return fail('there is no root account in /etc/passwd', [
        { source: PASSWD, key: 'root', value: '(absent)' },
      ]);
    const ev = [
      { source: PASSWD, line: root.line, key: 'root', value: `gid ${root.gid}`, expected: 'gid 0' },
    ];
    return root.gid === 0
      ? pass("root's primary group is gid 0", ev)
      : { ...fail(`root's primary gid is ${root.gid}`, ev), recommendation: 'usermod -g 0 root' };
  });

const groupsNoZeroGidExceptRoot: Evaluator = (facts) =>
  withGroups(facts, (gs) =>
    verdict(
      gs
        .filter((g) => g.gid === 0 && g.name !== 'root')
        .map((g) => ({
          source: GROUP,
          line: g.line,
          key: g.name,
          value: 'gid 0',
          expected: 'only group root has gid 0',
        })),
      'only group root has gid 0',
      (n) => `${n} group(s) other than root have gid 0`,
      'Give each listed group its own non-zero gid (groupmod -g) or remove it.',
    ),
  );

const accountsPasswordAllShadowed: Evaluator = (facts) =>
  withPasswd(facts, (es) =>
    verdict(
      es
        .filter((e) => e.password !== 'x')
        .map((e) => ({
          source: PASSWD,
          line: e.line,
          key: e.name,
          value: e.password === '' ? '(empty)' : e.password,
          expected: 'x (password in /etc/shadow)',
        })),
      'every account keeps its password in /etc/shadow',
      (n) => `${n} account(s) have a password field other than x in /etc/passwd`,
      'Run pwconv to move the passwords to /etc/shadow.',
    ),
  );

const noEmptyPasswordsEtcShadow: Evaluator = (facts) => {
  const s = shadowEntries(facts);
  if (!s.ok) return error(`${SHADOW} could not be read: ${s.reason}`);
  return verdict(
    s.value.entries
      .filter((e) => e.password.state === 'empty')
      .map((e) => ({
        source: SHADOW,
        key: e.name,
        value: '(empty password)',
        expected: 'a password or a lock',
      })),
    'no account has an empty password',
    (n) => `${n} account(s) have an empty password (log in without one)`,
    'Lock each listed account (passwd -l USER) or set a password.',
  );
};

const gidPasswdGroupSame: Evaluator = (facts) =>
  withPasswd(facts, (es) =>
    withGroups(facts, (gs) => {
      const gids = new Set(gs.map((g) => g.gid));
      return verdict(
        es
          .filter((e) => !gids.has(e.gid))
          .map((e) => ({
            source: PASSWD,
            line: e.line,
            key: e.name,
            value: `gid ${e.gid}`,
            expected: 'a gid defined in /etc/group',
          })),
        'every primary group of /etc/passwd exists in /etc/group',
        (n) => `${n} account(s) have a primary gid that /etc/group does not define`,
        'Create the missing groups (groupadd -g GID NAME) or change the accounts’ primary group.',
      );
    }),
  );

const ensureShadowGroupEmpty: Evaluator = (facts) =>
  withPasswd(facts, (es) =>
    withGroups(facts, (gs) => {
      const shadow = gs.find((g) => g.name === 'shadow');
      if (!shadow)
        return pass('there is no shadow group', [{ source: GROUP, key: 'shadow', value: '(absent)' }]);
      const offenders: Evidence[] = [
        ...shadow.members.map((m) => ({
          source: GROUP,
          line: shadow.line,
          key: m,
          value: 'member of shadow',
          expected: 'no members',
        })),
        ...es
          .filter((e) => e.gid === shadow.gid)
          .map((e) => ({
            source: PASSWD,
            line: e.line,
            key: e.name,
            value: `primary group shadow (${e.gid})`,
            expected: 'no account in group shadow',
          })),
      ];
      return verdict(
        offenders,
        'the shadow group has no members',
        (n) => `the shadow group has ${n} member(s)`,
        'Remove the members: gpasswd -d USER shadow (and change primary groups of shadow).',
      );
    }),
  );

const accountUniqueId: Evaluator = (facts) =>
  withPasswd(facts, (es) =>
    verdict(
      duplicates(
        es,
        (e) => e.uid,
        PASSWD,
        'uid',
        (e) => e.line,
      ),
      'every uid is unique',
      (n) => `${n} accounts share a uid`,
      'Give each account its own uid (usermod -u).',
    ),
  );
const accountUniqueName: Evaluator = (facts) =>
  withPasswd(facts, (es) =>
    verdict(
      duplicates(
        es,
        (e) => e.name,
        PASSWD,
        'name',
        (e) => e.line,
      ),
      'every user name is unique',
      (n) => `${n} entries share a user name`,
      'Rename or remove the duplicate entries (usermod -l).',
    ),
  );
const groupUniqueId: Evaluator = (facts) =>
  withGroups(facts, (gs) =>
    verdict(
      duplicates(
        gs,
        (g) => g.gid,
        GROUP,
        'gid',
        (g) => g.line,
      ),
      'every gid is unique',
      (n) => `${n} groups share a gid`,
      'Give each group its own gid (groupmod -g).',
    ),
  );
const groupUniqueName: Evaluator = (facts) =>
  withGroups(facts, (gs) =>
    verdict(
      duplicates(
        gs,
        (g) => g.name,
        GROUP,
        'name',
        (g) => g.line,
      ),
      'every group name is unique',
      (n) => `${n} entries share a group name`,
      'Rename or remove the duplicate groups (groupmod -n).',
    ),
  );

/** Shadow aging on accounts that have a password (a usable hash). */
function agingCheck(
  field: 'maxDays' | 'inactiveDays',
  variable: string,
  ok: (v: number, wanted: number) => boolean,
  what: string,
  fix: (wanted: string) => string,
): Evaluator {
  return (facts, { variables }) => {
    const wantedText = variables[variable];
    if (wantedText === undefined) return error(`the benchmark does not set ${variable}`);
    const wanted = Number(wantedText);
    const s = shadowEntries(facts);
    if (!s.ok) return error(`${SHADOW} could not be read: ${s.reason}`);
    const withPassword = s.value.entries.filter((e) => e.password.state === 'hash');
    const offenders = withPassword
      .filter((e) => {
        const v = e[field];
        return typeof v !== 'number' || !ok(v, wanted);
      })
      .map((e) => ({
        source: SHADOW,
        key: e.name,
        value: e[field] === null ? '(empty)' : String(e[field]),
        expected: `${what} ${wantedText}`,
      }));
    return verdict(
      offenders,
      `${withPassword.length} account(s) with a password: ${field} ${what} ${wantedText}`,
      (n) => `${n} account(s) with a password have ${field} not ${what} ${wantedText}`,
      fix(wantedText),
      [{ source: SHADOW, note: `${withPassword.length} account(s) with a password` }],
    );
  };
}

const accountsPasswordSetMaxLifeExisting = agingCheck(
  'maxDays',
  'var_accounts_maximum_age_login_defs',
  (v, w) => v >= 0 && v <= w,
  'at most',
  (w) => `chage --maxdays ${w} USER for each listed account.`,
);
const accountsSetPostPwExisting = agingCheck(
  'inactiveDays',
  'var_account_disable_post_pw_expiration',
  (v, w) => v >= 0 && v <= w,
  'at most',
  (w) => `chage --inactive ${w} USER for each listed account.`,
);

function loginDefsCheck(
  key: string,
  variable: string,
  ok: (v: number, w: number) => boolean,
  what: string,
): Evaluator {
  return (facts, { variables }) => {
    const wantedText = variables[variable];
    if (wantedText === undefined) return error(`the benchmark does not set ${variable}`);
    const d = loginDefsValue(facts, key);
    if (!d.ok) return error(d.reason);
    const e = d.entry;
    const ev: Evidence[] = [
      {
        source: d.path,
        ...(e?.line !== undefined ? { line: e.line } : {}),
        key,
        value: d.absentNote ? `(file absent: default ${e?.value ?? 'unset'})` : (e?.value ?? '(unset)'),
        expected: `${what} ${wantedText}`,
        ...(d.absentNote ? { note: d.absentNote } : {}),
      },
    ];
    const n = e ? loginDefsInteger(e.value) : undefined;
    if (n === undefined || !ok(n, Number(wantedText)))
      return {
        ...fail(
          d.absentNote
            ? `${d.absentNote}; expected ${key} ${what} ${wantedText}`
            : `${key} is ${e?.value ?? 'not set'} in ${d.path}; expected ${what} ${wantedText}`,
          ev,
        ),
        recommendation: `Set "${key} ${wantedText}" in /etc/login.defs.`,
      };
    return pass(`${key} is ${n}`, ev);
  };
}

const accountsMaximumAgeLoginDefs = loginDefsCheck(
  'PASS_MAX_DAYS',
  'var_accounts_maximum_age_login_defs',
  (v, w) => v > 0 && v <= w,
  'at most',
);
const accountsPasswordWarnAgeLoginDefs = loginDefsCheck(
  'PASS_WARN_AGE',
  'var_accounts_password_warn_age_login_defs',
  (v, w) => v >= w,
  'at least',
);
const accountsMinimumAgeLoginDefs = loginDefsCheck(
  'PASS_MIN_DAYS',
  'var_accounts_minimum_age_login_defs',
  (v, w) => v >= w,
  'at least',
);

const setPasswordHashingAlgorithmLogindefs: Evaluator = (facts, { variables }) => {
  const wanted = variables.var_password_hashing_algorithm;
  if (!wanted) return error('the benchmark does not set var_password_hashing_algorithm');
  const d = loginDefsValue(facts, 'ENCRYPT_METHOD');
  if (!d.ok) return error(d.reason);
  const e = d.entry;
  const allowed = wanted.split('|');
  const ev: Evidence[] = [
    {
      source: d.path,
      ...(e?.line !== undefined ? { line: e.line } : {}),
      key: 'ENCRYPT_METHOD',
      value: d.absentNote ? `(file absent: default ${e?.value ?? 'unset'})` : (e?.value ?? '(unset)'),
      expected: allowed.join(' or '),
      ...(d.absentNote ? { note: d.absentNote } : {}),
    },
  ];
  if (!e || !allowed.includes(e.value.toUpperCase()))
    return {
      ...fail(
        d.absentNote
          ? `${d.absentNote}; expected ENCRYPT_METHOD ${allowed.join(' or ')}`
          : `ENCRYPT_METHOD is ${e?.value ?? 'not set'}; expected ${allowed.join(' or ')}`,
        ev,
      ),
      recommendation: `Set "ENCRYPT_METHOD ${allowed.at(-1)}" in /etc/login.defs.`,
    };
  return pass(`ENCRYPT_METHOD is ${e.value}`, ev);
};

/** System accounts (uid below UID_MIN, other than root, sync, shutdown, halt) have no login shell. */
const noShellloginForSystemaccounts: Evaluator = (facts) =>
  withPasswd(facts, (es) => {
    const min = uidMin(facts);
    const exempt = new Set(['root', 'sync', 'shutdown', 'halt']);
    return verdict(
      es
        .filter(
          (e) =>
            e.uid < min &&
            !exempt.has(e.name) &&
            e.uid !== 65534 &&
            !(NOLOGIN_SHELLS as readonly string[]).includes(e.shell),
        )
        .map((e) => ({
          source: PASSWD,
          line: e.line,
          key: e.name,
          value: e.shell || '(empty: /bin/sh)',
          expected: 'nologin or false',
        })),
      `system accounts (uid below ${min}) have no login shell`,
      (n) => `${n} system account(s) have a login shell`,
      'usermod -s /usr/sbin/nologin USER for each listed account.',
    );
  });

export const ACCOUNT_RULE_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  'rule:accounts_no_uid_except_zero': accountsNoUidExceptZero,
  'rule:accounts_root_gid_zero': accountsRootGidZero,
  'rule:groups_no_zero_gid_except_root': groupsNoZeroGidExceptRoot,
  'rule:accounts_password_all_shadowed': accountsPasswordAllShadowed,
  'rule:no_empty_passwords_etc_shadow': noEmptyPasswordsEtcShadow,
  'rule:gid_passwd_group_same': gidPasswdGroupSame,
  'rule:ensure_shadow_group_empty': ensureShadowGroupEmpty,
  'rule:account_unique_id': accountUniqueId,
  'rule:account_unique_name': accountUniqueName,
  'rule:group_unique_id': groupUniqueId,
  'rule:group_unique_name': groupUniqueName,
  'rule:accounts_password_set_max_life_existing': accountsPasswordSetMaxLifeExisting,
  'rule:accounts_set_post_pw_existing': accountsSetPostPwExisting,
  'rule:accounts_maximum_age_login_defs': accountsMaximumAgeLoginDefs,
  'rule:accounts_minimum_age_login_defs': accountsMinimumAgeLoginDefs,
  'rule:accounts_password_warn_age_login_defs': accountsPasswordWarnAgeLoginDefs,
  'rule:set_password_hashing_algorithm_logindefs': setPasswordHashingAlgorithmLogindefs,
  'rule:no_shelllogin_for_systemaccounts': noShellloginForSystemaccounts,
};
