/**
 * Hand-written account, shell-environment and logging rules:
 * - accounts_password_set_min_life_existing / accounts_password_set_warn_age_existing: every account with a
 *   password has shadow's minimum age (warning days) at least the benchmark's login.defs value;
 * - accounts_password_last_change_is_in_past: no account's last password change is after the collection
 *   day;
 * - account_disable_post_pw_expiration: /etc/default/useradd INACTIVE between 0 and the benchmark's days;
 * - no_invalid_shell_accounts_unlocked: an account whose shell is not in /etc/shells has a locked password;
 * - no_nologin_in_shells: /etc/shells lists no nologin;
 * - accounts_umask_etc_login_defs / _etc_profile / _etc_bashrc: every umask set there (login.defs UMASK;
 *   `umask NNN` in /etc/profile and /etc/profile.d/*.sh, /etc/bash.bashrc or /etc/bashrc) is at least as
 *   strict as var_accounts_user_umask, and one is set;
 * - accounts_tmout: TMOUT set between 1 and var_accounts_tmout in /etc/profile, profile.d or the bashrc,
 *   and none larger (or 0);
 * - disable_users_coredumps: `* hard core 0` in limits.conf or limits.d;
 * - rsyslog_filecreatemode: $FileCreateMode (or a module's fileCreateMode) 0640 or stricter;
 * - rsyslog_nolisten: no imtcp/imudp input (rsyslog only sends, unless it is the log host);
 * - logging_services_active: systemd-journald (or rsyslog) is active: runtime-only.
 */
import { passwdEntries, shadowEntries } from '../../../core/facts/accounts';
import type { Facts } from '../../../core/facts/facts';
import { directoryTexts, isLiveHost, optionalText } from '../../../core/facts/host-config';
import { unitActiveState } from '../../../core/facts/systemd';
import type { Evidence } from '../../../core/model';
import { error, fail, notApplicable, pass } from '../../../core/rule';
import { loginDefsValue } from './accounts';
import type { Evaluator } from './index';
import { xccdfVariable } from './template-helpers';

const SHADOW = '/etc/shadow';

function agingAtLeast(field: 'minDays' | 'warnDays', variable: string, fix: string): Evaluator {
  return (facts, input) => {
    const wanted = Number(xccdfVariable(input, variable) ?? 'NaN');
    if (!Number.isFinite(wanted)) return error(`the benchmark selects no value for ${variable}`);
    const s = shadowEntries(facts);
    if (!s.ok) return error(`${SHADOW} could not be read: ${s.reason}`);
    const withPassword = s.value.entries.filter((e) => e.password.state === 'hash');
    const bad = withPassword.filter((e) => typeof e[field] !== 'number' || (e[field] as number) < wanted);
    const evidence: Evidence[] = bad.slice(0, 20).map((e) => ({
      source: SHADOW,
      key: e.name,
      value: e[field] === null ? '(empty)' : String(e[field]),
      expected: `at least ${wanted}`,
    }));
    if (bad.length)
      return {
        ...fail(`${bad.length} account(s) with a password have ${field} below ${wanted}`, evidence),
        recommendation: `${fix.replace('N', String(wanted))} USER for each listed account.`,
      };
    return pass(`${withPassword.length} account(s) with a password: ${field} at least ${wanted}`, [
      { source: SHADOW, note: `${withPassword.length} account(s) with a password` },
    ]);
  };
}

const lastChangeInPast: Evaluator = (facts) => {
  const s = shadowEntries(facts);
  if (!s.ok) return error(`${SHADOW} could not be read: ${s.reason}`);
  const today = Math.floor(Date.parse(facts.telemetry.collection.startedAt) / 86_400_000);
  const bad = s.value.entries.filter((e) => typeof e.lastChange === 'number' && e.lastChange > today);
  if (bad.length)
    return {
      ...fail(
        `${bad.length} account(s) changed their password after the collection day`,
        bad.slice(0, 20).map((e) => ({
          source: SHADOW,
          key: e.name,
          value: String(e.lastChange),
          expected: `at most ${today} (days since 1970)`,
        })),
      ),
      recommendation: 'Investigate the accounts listed and expire their passwords (passwd --expire USER).',
    };
  return pass(
    `no account's last password change is after the collection day (${s.value.entries.length} accounts)`,
  );
};

const useraddInactive: Evaluator = (facts, input) => {
  const wanted = Number(xccdfVariable(input, 'var_account_disable_post_pw_expiration') ?? '45');
  const t = optionalText(facts, '/etc/default/useradd');
  if (!t.ok) return error(t.reason);
  let value: string | undefined;
  let line = 0;
  t.value?.text.split('\n').forEach((l, i) => {
    const m = /^\s*INACTIVE\s*=\s*(-?\d+)/.exec(l);
    if (m) {
      value = m[1];
      line = i + 1;
    }
  });
  const e: Evidence[] = [
    {
      source: '/etc/default/useradd',
      ...(line ? { line } : {}),
      key: 'INACTIVE',
      value: value ?? '(unset: -1, never)',
      expected: `0 to ${wanted}`,
    },
  ];
  const n = value === undefined ? -1 : Number(value);
  if (n >= 0 && n <= wanted)
    return pass(`new accounts are disabled ${n} days after their password expires`, e);
  return {
    ...fail(`INACTIVE is ${value ?? 'unset (never)'}; expected 0 to ${wanted}`, e),
    recommendation: `useradd -D -f ${wanted}`,
  };
};

function shells(
  facts: Facts,
): { ok: true; list: Array<{ shell: string; line: number }> | undefined } | { ok: false; reason: string } {
  const t = optionalText(facts, '/etc/shells');
  if (!t.ok) return t;
  if (!t.value) return { ok: true, list: undefined };
  const list: Array<{ shell: string; line: number }> = [];
  t.value.text.split('\n').forEach((l, i) => {
    const s = l.replace(/#.*/, '').trim();
    if (s) list.push({ shell: s, line: i + 1 });
  });
  return { ok: true, list };
}

const noNologinInShells: Evaluator = (facts) => {
  const s = shells(facts);
  if (!s.ok) return error(s.reason);
  if (!s.list) return pass('/etc/shells does not exist');
  const bad = s.list.filter((x) => /\/nologin$/.test(x.shell));
  if (bad.length)
    return {
      ...fail(
        '/etc/shells lists nologin',
        bad.map((b) => ({ source: '/etc/shells', line: b.line, value: b.shell, expected: 'absent' })),
      ),
      recommendation: 'Remove the nologin lines from /etc/shells.',
    };
  return pass(`/etc/shells lists no nologin (${s.list.length} shells)`);
};

const invalidShellUnlocked: Evaluator = (facts) => {
  const s = shells(facts);
  if (!s.ok) return error(s.reason);
  const p = passwdEntries(facts);
  if (!p.ok) return error(p.reason);
  const sh = shadowEntries(facts);
  if (!sh.ok) return error(`${SHADOW} could not be read: ${sh.reason}`);
  const valid = new Set((s.list ?? []).map((x) => x.shell));
  const byName = new Map(sh.value.entries.map((e) => [e.name, e]));
  const bad = p.value.entries.filter((u) => {
    if (valid.has(u.shell)) return false;
    const e = byName.get(u.name);
    return e?.password.state === 'hash' || e?.password.state === 'empty';
  });
  if (bad.length)
    return {
      ...fail(
        `${bad.length} account(s) without a valid login shell have a usable password`,
        bad.slice(0, 20).map((u) => ({
          source: SHADOW,
          key: u.name,
          value: `shell ${u.shell}, password usable`,
          expected: 'locked',
        })),
      ),
      recommendation: 'usermod -L USER for each listed account.',
    };
  return pass('every account without a valid login shell is locked');
};

/** umask text (022, 0027, u=rwx,g=rx,o=) → the permission bits it removes, or undefined. */
function umaskBits(v: string): number | undefined {
  if (/^0?[0-7]{3}$/.test(v)) return Number.parseInt(v, 8);
  const m = /^u=([rwx]*),g=([rwx]*),o=([rwx]*)$/.exec(v);
  if (!m) return undefined;
  const bits = (s: string) =>
    (s.includes('r') ? 4 : 0) + (s.includes('w') ? 2 : 0) + (s.includes('x') ? 1 : 0);
  return ((7 - bits(m[1]!)) << 6) | ((7 - bits(m[2]!)) << 3) | (7 - bits(m[3]!));
}

function umaskRule(
  files: (facts: Facts) => Array<{ path: string; text: string }> | string,
  loginDefsFile = false,
): Evaluator {
  return (facts, input) => {
    const wantedText = xccdfVariable(input, 'var_accounts_user_umask') ?? '027';
    const wanted = Number.parseInt(wantedText, 8);
    const found: Array<{ source: string; line: number; value: string }> = [];
    if (loginDefsFile) {
      const d = loginDefsValue(facts, 'UMASK');
      if (!d.ok) return error(d.reason);
      if (d.absentNote)
        return {
          ...fail(`${d.absentNote}; expected ${wantedText} or stricter`, [
            {
              source: d.path,
              key: 'UMASK',
              value: '(file absent: default 022)',
              expected: `${wantedText} or stricter`,
              note: d.absentNote,
            },
          ]),
          recommendation: `Set "UMASK ${wantedText}" in /etc/login.defs.`,
        };
      if (d.entry) found.push({ source: d.path, line: d.entry.line ?? 0, value: d.entry.value });
    } else {
      const fs = files(facts);
      if (typeof fs === 'string') return error(fs);
      for (const f of fs)
        f.text.split('\n').forEach((l, i) => {
          const m = /^\s*umask\s+(\S+)/.exec(l.replace(/#.*/, ''));
          if (m) found.push({ source: f.path, line: i + 1, value: m[1]! });
        });
    }
    const expected = `${wantedText} or stricter`;
    const evidence: Evidence[] = found.map((f) => ({
      source: f.source,
      line: f.line,
      key: 'umask',
      value: f.value,
      expected,
    }));
    const bad = found.filter((f) => {
      const b = umaskBits(f.value);
      return b === undefined || (b & wanted) !== wanted;
    });
    const fix = {
      recommendation: `Set umask ${wantedText} (login.defs UMASK ${wantedText}; "umask ${wantedText}" in /etc/profile.d/50-umask.sh and the system bashrc).`,
    };
    if (found.length === 0)
      return {
        ...fail(`no umask is set (expected ${expected})`, [{ source: 'umask', value: '(unset)', expected }]),
        ...fix,
      };
    if (bad.length)
      return {
        ...fail(
          `umask ${bad.map((b) => `${b.value} (${b.source} line ${b.line})`).join(', ')} is weaker than ${wantedText}`,
          evidence,
        ),
        ...fix,
      };
    return pass(`umask ${found.map((f) => f.value).join(', ')}`, evidence);
  };
}

function textsOf(
  facts: Facts,
  paths: string[],
  dir?: string,
): Array<{ path: string; text: string }> | string {
  const out: Array<{ path: string; text: string }> = [];
  for (const p of paths) {
    const t = optionalText(facts, p);
    if (!t.ok) return t.reason;
    if (t.value) out.push(t.value);
  }
  if (dir) {
    const d = directoryTexts(facts, dir, '.sh');
    if (!d.ok) return d.reason;
    out.push(...d.value);
  }
  return out;
}

const tmout: Evaluator = (facts, input) => {
  const max = Number(xccdfVariable(input, 'var_accounts_tmout') ?? '900');
  const fs = textsOf(facts, ['/etc/profile', '/etc/bash.bashrc', '/etc/bashrc'], '/etc/profile.d');
  if (typeof fs === 'string') return error(fs);
  const found: Evidence[] = [];
  const bad: string[] = [];
  for (const f of fs)
    f.text.split('\n').forEach((l, i) => {
      const m = /(?:^|[\s;])(?:(?:readonly|export|declare\s+-[a-z]*r[a-z]*)\s+)?TMOUT=(\d+)/.exec(
        l.replace(/#.*/, ''),
      );
      if (!m) return;
      const n = Number(m[1]);
      found.push({ source: f.path, line: i + 1, key: 'TMOUT', value: m[1]!, expected: `1 to ${max}` });
      if (n < 1 || n > max) bad.push(`${f.path} line ${i + 1}: TMOUT=${n}`);
    });
  const fix = {
    recommendation: `Create /etc/profile.d/50-tmout.sh with: readonly TMOUT=${max}; export TMOUT`,
  };
  if (found.length === 0)
    return {
      ...fail('TMOUT is not set: idle shells never time out', [
        { source: '/etc/profile', key: 'TMOUT', value: '(unset)', expected: `1 to ${max}` },
      ]),
      ...fix,
    };
  if (bad.length) return { ...fail(`TMOUT too large or off: ${bad.join('; ')}`, found), ...fix };
  return pass(`idle shells time out (TMOUT ${found.map((e) => e.value).join(', ')})`, found);
};

const coredumps: Evaluator = (facts) => {
  const fs = textsOf(facts, ['/etc/security/limits.conf']);
  if (typeof fs === 'string') return error(fs);
  const d = directoryTexts(facts, '/etc/security/limits.d', '.conf');
  if (!d.ok) return error(d.reason);
  const found: Evidence[] = [];
  for (const f of [...fs, ...d.value])
    f.text.split('\n').forEach((l, i) => {
      const m = /^\s*\*\s+hard\s+core\s+(\S+)/.exec(l);
      if (m) found.push({ source: f.path, line: i + 1, value: l.trim(), expected: '* hard core 0' });
    });
  const last = found.at(-1);
  if (last && /\s0$/.test(String(last.value)))
    return pass('core dumps are limited to 0 for every user', found);
  return {
    ...fail(
      last
        ? `the last "* hard core" limit is not 0: ${last.value}`
        : 'no "* hard core 0" in limits.conf or limits.d',
      found.length
        ? found
        : [{ source: '/etc/security/limits.conf', value: '(none)', expected: '* hard core 0' }],
    ),
    recommendation: 'Add "* hard core 0" to /etc/security/limits.d/60-coredump.conf.',
  };
};

function rsyslogTexts(facts: Facts): Array<{ path: string; text: string }> | string {
  const fs = textsOf(facts, ['/etc/rsyslog.conf']);
  if (typeof fs === 'string') return fs;
  const d = directoryTexts(facts, '/etc/rsyslog.d', '.conf');
  if (!d.ok) return d.reason;
  return [...fs, ...d.value];
}

const rsyslogFileCreateMode: Evaluator = (facts) => {
  const fs = rsyslogTexts(facts);
  if (typeof fs === 'string') return error(fs);
  if (fs.length === 0) return notApplicable('rsyslog is not installed (no /etc/rsyslog.conf)');
  const found: Evidence[] = [];
  for (const f of fs)
    f.text.split('\n').forEach((l, i) => {
      const m =
        /^\s*\$FileCreateMode\s+(\d+)/.exec(l) ?? /fileCreateMode\s*=\s*"(\d+)"/i.exec(l.replace(/#.*/, ''));
      if (m)
        found.push({
          source: f.path,
          line: i + 1,
          key: 'FileCreateMode',
          value: m[1]!,
          expected: '0640 or stricter',
        });
    });
  const bad = found.filter((e) => (Number.parseInt(String(e.value), 8) & ~0o640) !== 0);
  if (found.length && !bad.length)
    return pass(`rsyslog creates log files with mode ${found.map((e) => e.value).join(', ')}`, found);
  return {
    ...fail(
      found.length
        ? `FileCreateMode ${bad.map((e) => e.value).join(', ')} is too open`
        : '$FileCreateMode is not set (rsyslog creates files 0644)',
      found.length
        ? found
        : [
            {
              source: '/etc/rsyslog.conf',
              key: '$FileCreateMode',
              value: '(unset: 0644)',
              expected: '0640 or stricter',
            },
          ],
    ),
    recommendation:
      'Add "$FileCreateMode 0640" to /etc/rsyslog.d/50-default.conf (before the rules) and restart rsyslog.',
  };
};

const rsyslogNoListen: Evaluator = (facts) => {
  const fs = rsyslogTexts(facts);
  if (typeof fs === 'string') return error(fs);
  if (fs.length === 0) return notApplicable('rsyslog is not installed (no /etc/rsyslog.conf)');
  const found: Evidence[] = [];
  for (const f of fs)
    f.text.split('\n').forEach((l, i) => {
      const t = l.replace(/#.*/, '');
      if (
        /\$ModLoad\s+im(tcp|udp)\b|module\s*\(\s*load\s*=\s*"im(tcp|udp)"|input\s*\(\s*type\s*=\s*"im(tcp|udp)"|\$(InputTCPServerRun|UDPServerRun)\b/i.test(
          t,
        )
      )
        found.push({ source: f.path, line: i + 1, value: t.trim(), expected: 'absent' });
    });
  if (found.length)
    return {
      ...fail('rsyslog accepts remote log messages (imtcp/imudp)', found),
      recommendation:
        'Remove the imtcp/imudp module and input lines (unless this host is the log server) and restart rsyslog.',
    };
  return pass('rsyslog loads no network input (imtcp/imudp)');
};

const loggingActive: Evaluator = (facts) => {
  if (!isLiveHost(facts))
    return notApplicable('whether a logging service runs is a runtime fact: not a running system');
  const evidence: Evidence[] = [];
  for (const unit of ['systemd-journald.service', 'rsyslog.service']) {
    const a = unitActiveState(facts, unit);
    if (!a.ok) return error(a.reason);
    evidence.push({ source: 'systemctl list-units', key: unit, value: a.value?.active ?? 'not loaded' });
    if (a.value?.active === 'active') return pass(`${unit} is active`, evidence);
  }
  return {
    ...fail('neither systemd-journald nor rsyslog is active', evidence),
    recommendation: 'systemctl start systemd-journald (or rsyslog).',
  };
};

export const ACCOUNT_HAND_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  'rule:accounts_password_set_min_life_existing': agingAtLeast(
    'minDays',
    'var_accounts_minimum_age_login_defs',
    'chage --mindays N',
  ),
  'rule:accounts_password_set_warn_age_existing': agingAtLeast(
    'warnDays',
    'var_accounts_password_warn_age_login_defs',
    'chage --warndays N',
  ),
  'rule:accounts_password_last_change_is_in_past': lastChangeInPast,
  'rule:account_disable_post_pw_expiration': useraddInactive,
  'rule:no_invalid_shell_accounts_unlocked': invalidShellUnlocked,
  'rule:no_nologin_in_shells': noNologinInShells,
  'rule:accounts_umask_etc_login_defs': umaskRule(() => [], true),
  'rule:accounts_umask_etc_profile': umaskRule((facts) => textsOf(facts, ['/etc/profile'], '/etc/profile.d')),
  'rule:accounts_umask_etc_bashrc': umaskRule((facts) => textsOf(facts, ['/etc/bash.bashrc', '/etc/bashrc'])),
  'rule:accounts_tmout': tmout,
  'rule:disable_users_coredumps': coredumps,
  'rule:rsyslog_filecreatemode': rsyslogFileCreateMode,
  'rule:rsyslog_nolisten': rsyslogNoListen,
  'rule:logging_services_active': loggingActive,
};
