/**
 * Hand-written audit rules (judged like the audit templates: persistent rules, and the loaded ones on a live
 * host; see audit.ts) and auditd.conf settings:
 * - audit_rules_time_{adjtimex,settimeofday,clock_settime,stime}: a `-a always,exit -F arch=bNN -S NAME`
 *   rule with a key per architecture (stime exists only in the 32-bit table);
 * - audit_rules_networkconfig_modification: sethostname and setdomainname per architecture, and watches on
 *   /etc/issue, /etc/issue.net, /etc/hosts and the distribution's network configuration (/etc/network on
 *   Debian/Ubuntu, /etc/sysconfig/network on the RHEL family);
 * - audit_rules_sysadmin_actions: watches on /etc/sudoers and /etc/sudoers.d;
 * - audit_rules_session_events: watches on utmp (/run/utmp or /var/run/utmp), /var/log/wtmp, /var/log/btmp;
 * - audit_rules_mac_modification: a watch on /etc/selinux;
 * - audit_rules_suid_auid_privilege_function: execve per architecture with `-C uid!=euid` (either order)
 *   and `-F euid=0` or `-F auid!=unset`, and a key;
 * - audit_rules_immutable: `-e 2` is the last rule of the persistent files.
 * - auditd_data_retention_* / auditd_data_disk_*: the auditd.conf keyword has the benchmark's value (one of
 *   the `|`-separated values where the variable lists several), case-insensitively; max_log_file at least
 *   the variable. No /etc/audit/auditd.conf: auditd is not installed, NOT_APPLICABLE (package_audit_installed
 *   judges that).
 * - file_permissions_var_log_audit (0640 at most), file_ownership_var_log_audit_stig (root),
 *   file_group_ownership_var_log_audit (root, or auditd.conf's log_group), directory_permissions_var_log_audit
 *   (0750 at most): the files and the directory of auditd.conf's log_file (default /var/log/audit).
 */
import { AUDIT_RULES_DIR, persistentAuditRules } from '../../../core/facts/audit';
import type { Facts } from '../../../core/facts/facts';
import { listing, optionalText } from '../../../core/facts/host-config';
import type { Evidence } from '../../../core/model';
import { error, fail, notApplicable, pass } from '../../../core/rule';
import { auditField, isKeyedExitRule } from '../../../parsers/audit-rules';
import type { BenchmarkId } from '../data';
import { judge, type Requirement, requiredArches, watchRequirement } from './audit';
import type { Evaluator } from './index';
import { octal, xccdfVariable } from './template-helpers';

const UNSET = new Set(['unset', '4294967295', '-1']);

function anySyscall(arch: string, names: string[]): Requirement {
  return {
    label: `-a always,exit -F arch=${arch} -S ${names.join(',')} -k KEY`,
    test: (r) =>
      isKeyedExitRule(r) && auditField(r, 'arch') === arch && names.every((n) => r.syscalls.includes(n)),
  };
}

function syscallRule(name: string, subject: string, only32 = false): Evaluator {
  return (facts) => {
    const arches = requiredArches(facts).filter((a) => !only32 || a === 'b32');
    if (arches.length === 0) return notApplicable(`${name} has no 64-bit system call on this architecture`);
    return judge(
      facts,
      subject,
      arches.map((a) => anySyscall(a, [name])),
    );
  };
}

function oneOfWatches(paths: string[]): Requirement {
  const reqs = paths.map(watchRequirement);
  return {
    label: reqs.map((r) => r.label.replace(/ \(or .*\)$/, '')).join(' or '),
    test: (r) => reqs.some((q) => q.test(r)),
  };
}

const DEBIAN_FAMILY = new Set<BenchmarkId>(['debian12', 'ubuntu2204', 'ubuntu2404']);

const networkconfig: Evaluator = (facts, input) =>
  judge(facts, 'changes to the network configuration', [
    ...requiredArches(facts).flatMap((a) => [
      anySyscall(a, ['sethostname']),
      anySyscall(a, ['setdomainname']),
    ]),
    ...['/etc/issue', '/etc/issue.net', '/etc/hosts'].map(watchRequirement),
    DEBIAN_FAMILY.has(input.benchmark)
      ? watchRequirement('/etc/network')
      : watchRequirement('/etc/sysconfig/network'),
  ]);

const suidPrivilege: Evaluator = (facts) =>
  judge(
    facts,
    'programs run with another user’s privileges',
    requiredArches(facts).map((arch) => ({
      label: `-a always,exit -F arch=${arch} -C euid!=uid -F auid!=unset -S execve -k user_emulation`,
      test: (r) =>
        isKeyedExitRule(r) &&
        auditField(r, 'arch') === arch &&
        r.syscalls.includes('execve') &&
        (r.comparisons ?? []).some((c) => /^(uid!=euid|euid!=uid)$/.test(c.replace(/\s+/g, ''))) &&
        (auditField(r, 'euid') === '0' || UNSET.has(auditField(r, 'auid', '!=') ?? '')),
    })),
  );

const immutable: Evaluator = (facts) => {
  const p = persistentAuditRules(facts);
  if (!p.ok) {
    if (facts.isAbsent('/etc/audit/audit.rules') && facts.pathStat(AUDIT_RULES_DIR)?.status !== 'ok')
      return fail('no audit rules are configured: the rules are not made immutable', [
        { source: AUDIT_RULES_DIR, value: '(none)', expected: '-e 2' },
      ]);
    return error(`the audit rules could not be read: ${p.reason}`);
  }
  const rules = p.value.rules;
  const last = rules.at(-1);
  const e2 = rules.filter((r) => r.type === 'control' && r.option === '-e' && r.value === '2');
  const fix = {
    recommendation: `Add "-e 2" as the last line of the last file in ${AUDIT_RULES_DIR} (e.g. 99-finalize.rules), then augenrules --load and reboot.`,
  };
  if (e2.length === 0)
    return {
      ...fail(`no "-e 2" in ${p.value.files.join(', ')}: the loaded rules can be changed without a reboot`, [
        { source: p.value.files.at(-1) ?? AUDIT_RULES_DIR, value: '(missing)', expected: '-e 2' },
      ]),
      ...fix,
    };
  const evidence: Evidence[] = e2.map((r) => ({
    source: r.file,
    line: r.line,
    value: r.text,
    expected: '-e 2 last',
  }));
  if (last && !(last.type === 'control' && last.option === '-e' && last.value === '2'))
    return {
      ...fail(
        `"-e 2" is not the last rule: ${last.file} line ${last.line} (${last.text}) comes after it and is refused`,
        evidence,
      ),
      ...fix,
    };
  return pass('the audit rules end with -e 2 (immutable until reboot)', evidence);
};

export const AUDITD_CONF = '/etc/audit/auditd.conf';

/** auditd.conf's `keyword = value` lines (auditd keeps the last of a keyword), keys lower-cased. */
export function auditdConf(
  facts: Facts,
):
  | { ok: true; conf: Map<string, { value: string; line: number }> | undefined }
  | { ok: false; reason: string } {
  const t = optionalText(facts, AUDITD_CONF);
  if (!t.ok) return { ok: false, reason: t.reason };
  if (!t.value) return { ok: true, conf: undefined };
  const conf = new Map<string, { value: string; line: number }>();
  t.value.text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    conf.set(line.slice(0, eq).trim().toLowerCase(), { value: line.slice(eq + 1).trim(), line: i + 1 });
  });
  return { ok: true, conf };
}

function auditdSetting(key: string, variable: string, numeric = false): Evaluator {
  return (facts, input) => {
    const wantedText = xccdfVariable(input, variable);
    if (wantedText === undefined) return error(`the benchmark selects no value for ${variable}`);
    const c = auditdConf(facts);
    if (!c.ok) return error(`${AUDITD_CONF} could not be read: ${c.reason}`);
    if (!c.conf)
      return notApplicable(
        `auditd is not installed (no ${AUDITD_CONF}); package_audit_installed judges that`,
      );
    const wanted = wantedText.split('|').map((w) => w.toLowerCase());
    const expected = numeric ? `at least ${wantedText}` : wanted.join(' or ');
    const got = c.conf.get(key);
    const fix = {
      recommendation: `Set "${key} = ${wanted[0]}" in ${AUDITD_CONF} and restart auditd (service auditd restart).`,
    };
    if (!got)
      return {
        ...fail(`${key} is not set in ${AUDITD_CONF}`, [
          { source: AUDITD_CONF, key, value: '(unset)', expected },
        ]),
        ...fix,
      };
    const e: Evidence[] = [{ source: AUDITD_CONF, line: got.line, key, value: got.value, expected }];
    const ok = numeric
      ? /^\d+$/.test(got.value) && Number(got.value) >= Number(wantedText)
      : wanted.includes(got.value.toLowerCase());
    return ok
      ? pass(`${key} is ${got.value}`, e)
      : { ...fail(`${key} is ${got.value}, expected ${expected}`, e), ...fix };
  };
}

/** The audit log directory (auditd.conf's log_file's directory) and its listing. */
function auditLogDir(facts: Facts) {
  const c = auditdConf(facts);
  if (!c.ok) return { error: `${AUDITD_CONF} could not be read: ${c.reason}` } as const;
  const logFile = c.conf?.get('log_file')?.value ?? '/var/log/audit/audit.log';
  const dir = logFile.slice(0, logFile.lastIndexOf('/')) || '/';
  const groupName = c.conf?.get('log_group')?.value ?? 'root';
  return { dir, logFile, groupName, installed: Boolean(c.conf) } as const;
}

function auditLogFiles(
  what: string,
  judgeEntry: (
    e: { mode: number; uid: number; gid: number },
    facts: Facts,
    groupName: string,
  ) => string | undefined,
  expected: (groupName: string) => string,
  fix: (dir: string) => string,
  directory = false,
): Evaluator {
  return (facts) => {
    const d = auditLogDir(facts);
    if ('error' in d) return error(d.error!);
    if (!d.installed) return notApplicable(`auditd is not installed (no ${AUDITD_CONF})`);
    const evidence: Evidence[] = [];
    const bad: string[] = [];
    if (directory) {
      const st = facts.pathStat(d.dir);
      if (!st) return error(`${d.dir} was not looked at by the agent`);
      if (st.status === 'missing')
        return notApplicable(`${d.dir} does not exist (auditd has not logged yet)`);
      const problem = judgeEntry(st, facts, d.groupName);
      evidence.push({
        source: d.dir,
        value: `mode ${octal(st.mode)} uid ${st.uid} gid ${st.gid}`,
        expected: expected(d.groupName),
      });
      if (problem) bad.push(`${d.dir}: ${problem}`);
    } else {
      const l = listing(facts, d.dir);
      if (!l.ok) return error(`${d.dir} could not be listed: ${l.reason}`);
      if (!l.value) return notApplicable(`${d.dir} does not exist (auditd has not logged yet)`);
      const files = l.value.entries.filter((e) => e.type === 'file');
      if (files.length === 0) return notApplicable(`${d.dir} holds no log file yet`);
      for (const f of files) {
        const problem = judgeEntry(f, facts, d.groupName);
        evidence.push({
          source: `${d.dir}/${f.name}`,
          value: `mode ${octal(f.mode)} uid ${f.uid} gid ${f.gid}`,
          expected: expected(d.groupName),
        });
        if (problem) bad.push(`${d.dir}/${f.name}: ${problem}`);
      }
      if (l.value.truncated)
        evidence.push({ source: d.dir, note: `only the first ${files.length} entries were listed` });
    }
    if (bad.length)
      return { ...fail(`${what}: ${bad.join('; ')}`, evidence.slice(0, 20)), recommendation: fix(d.dir) };
    return pass(`${what}: ${evidence.length} checked`, evidence.slice(0, 20));
  };
}

const gidOf = (facts: Facts, name: string): number | undefined => {
  const t = facts.text('/etc/group');
  if (!t.ok) return undefined;
  const line = t.value.text.split('\n').find((l) => l.startsWith(`${name}:`));
  const gid = line?.split(':')[2];
  return gid !== undefined && /^\d+$/.test(gid) ? Number(gid) : undefined;
};

export const AUDIT_HAND_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  'rule:audit_rules_time_adjtimex': syscallRule('adjtimex', 'the adjtimex system call'),
  'rule:audit_rules_time_settimeofday': syscallRule('settimeofday', 'the settimeofday system call'),
  'rule:audit_rules_time_clock_settime': syscallRule('clock_settime', 'the clock_settime system call'),
  'rule:audit_rules_time_stime': syscallRule('stime', 'the stime system call', true),
  'rule:audit_rules_networkconfig_modification': networkconfig,
  'rule:audit_rules_sysadmin_actions': (facts) =>
    judge(facts, 'changes to the sudoers policy', ['/etc/sudoers', '/etc/sudoers.d'].map(watchRequirement)),
  'rule:audit_rules_session_events': (facts) =>
    judge(facts, 'session initiation', [
      oneOfWatches(['/run/utmp', '/var/run/utmp']),
      watchRequirement('/var/log/wtmp'),
      watchRequirement('/var/log/btmp'),
    ]),
  'rule:audit_rules_mac_modification': (facts) =>
    judge(facts, 'changes to the SELinux policy', [watchRequirement('/etc/selinux')]),
  'rule:audit_rules_suid_auid_privilege_function': suidPrivilege,
  'rule:audit_rules_immutable': immutable,
  'rule:auditd_data_retention_max_log_file': auditdSetting('max_log_file', 'var_auditd_max_log_file', true),
  'rule:auditd_data_retention_max_log_file_action': auditdSetting(
    'max_log_file_action',
    'var_auditd_max_log_file_action',
  ),
  'rule:auditd_data_retention_space_left_action': auditdSetting(
    'space_left_action',
    'var_auditd_space_left_action',
  ),
  'rule:auditd_data_retention_admin_space_left_action': auditdSetting(
    'admin_space_left_action',
    'var_auditd_admin_space_left_action',
  ),
  'rule:auditd_data_retention_action_mail_acct': auditdSetting(
    'action_mail_acct',
    'var_auditd_action_mail_acct',
  ),
  'rule:auditd_data_disk_error_action': auditdSetting('disk_error_action', 'var_auditd_disk_error_action'),
  'rule:auditd_data_disk_full_action': auditdSetting('disk_full_action', 'var_auditd_disk_full_action'),
  'rule:file_permissions_var_log_audit': auditLogFiles(
    'audit log files',
    (e) => ((e.mode & 0o7777 & ~0o640) === 0 ? undefined : `mode ${octal(e.mode)}`),
    () => 'mode 0640 or stricter',
    (dir) => `chmod u-x,g-wx,o-rwx ${dir}/*`,
  ),
  'rule:file_ownership_var_log_audit_stig': auditLogFiles(
    'audit log files',
    (e) => (e.uid === 0 ? undefined : `owner uid ${e.uid}`),
    () => 'owner root',
    (dir) => `chown root ${dir}/*`,
  ),
  'rule:file_group_ownership_var_log_audit': auditLogFiles(
    'audit log files',
    (e, facts, groupName) => {
      const allowed = new Set([0, gidOf(facts, groupName)].filter((g): g is number => g !== undefined));
      return allowed.has(e.gid) ? undefined : `group gid ${e.gid}`;
    },
    (g) => (g === 'root' ? 'group root' : `group root or ${g} (log_group)`),
    (dir) => `chgrp root ${dir}/* (or the log_group of auditd.conf)`,
  ),
  'rule:directory_permissions_var_log_audit': auditLogFiles(
    'the audit log directory',
    (e) => ((e.mode & 0o7777 & ~0o750) === 0 ? undefined : `mode ${octal(e.mode)}`),
    () => 'mode 0750 or stricter',
    (dir) => `chmod g-w,o-rwx ${dir}`,
    true,
  ),
};
