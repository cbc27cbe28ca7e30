/**
 * - GNOME (dconf_gnome_*, gnome_gdm_disable_xdmcp): these settings exist only with the GNOME display manager.
 *   Without gdm/gdm3 installed the rule is NOT_APPLICABLE (upstream's platform is the same). With it, the
 *   dconf databases (/etc/dconf/db/*.d) are not collected by this agent version: ERROR saying so, never a
 *   pass.
 * - ensure_root_access_controlled: root has a usable password or is locked (CIS: `passwd -S root` shows P or
 *   L); an empty password fails.
 * - audit_rules_privileged_commands: every SUID/SGID file the file system walk found has an audit rule
 *   `-a always,exit -F path=FILE -F perm=x -F auid>=UID_MIN -F auid!=unset -k KEY` (judged like the
 *   template of the same name); an incomplete walk is ERROR (an unseen program could lack its rule).
 */
import { shadowOf } from '../../../core/facts/accounts';
import { walkFindings } from '../../../core/facts/file-system-walk';
import { error, fail, notApplicable, pass } from '../../../core/rule';
import { auditField, isKeyedExitRule } from '../../../parsers/audit-rules';
import { judge, type Requirement, uidMin } from './audit';
import type { Evaluator } from './index';
import { installedPackages } from './packages';

const GDM = ['gdm3', 'gdm'];

const gnome: Evaluator = (facts) => {
  const p = installedPackages(facts);
  if (!p.ok) return error(`the installed packages could not be read: ${p.reason}`);
  const gdm = GDM.find((n) => p.byName.has(n));
  if (!gdm)
    return notApplicable(
      `the GNOME display manager is not installed (no ${GDM.join(' or ')} in ${p.source})`,
    );
  return error(
    `${gdm} is installed, but this agent version does not collect the dconf databases (/etc/dconf/db/*.d) or GDM's configuration: check this setting by hand`,
  );
};

const rootAccess: Evaluator = (facts) => {
  const s = shadowOf(facts, 'root');
  if (!s.ok) return error(`/etc/shadow could not be read: ${s.reason}`);
  if (!s.value)
    return fail('root has no /etc/shadow entry', [{ source: '/etc/shadow', key: 'root', value: '(absent)' }]);
  const state = s.value.password.state;
  const e = [
    {
      source: '/etc/shadow',
      key: 'root',
      value: state === 'locked' ? `locked (${s.value.password.lock ?? ''})` : state,
      expected: 'a password (hash) or locked',
    },
  ];
  if (state === 'empty')
    return {
      ...fail('root has an empty password: anyone at the console can become root', e),
      recommendation: 'passwd root (or passwd -l root).',
    };
  return pass(`root ${state === 'hash' ? 'has a password' : 'is locked'}`, e);
};

const privilegedCommands: Evaluator = (facts) => {
  const files: string[] = [];
  const reasons: string[] = [];
  for (const cat of ['suidFiles', 'sgidFiles'] as const) {
    const w = walkFindings(facts, cat);
    if (!w.ok) return error(`SUID/SGID programs could not be looked for: ${w.reason}`);
    if (!w.value.complete) reasons.push(w.value.incompleteBecause ?? 'incomplete walk');
    if (w.value.truncated)
      reasons.push(`only the first ${w.value.items.length} of ${w.value.count} ${cat} were recorded`);
    for (const i of w.value.items) if (!files.includes(i.path)) files.push(i.path);
  }
  if (files.length === 0) {
    if (reasons.length) return error(`no SUID/SGID program found, but ${reasons.join('; ')}`);
    return pass('no SUID/SGID program on local file systems');
  }
  const min = uidMin(facts);
  const reqs: Requirement[] = files.sort().map((path) => ({
    label: `-a always,exit -F path=${path} -F perm=x -F auid>=${min} -F auid!=unset -k privileged`,
    test: (r) =>
      isKeyedExitRule(r) && auditField(r, 'path') === path && (auditField(r, 'perm') ?? '').includes('x'),
  }));
  const out = judge(facts, `execution of ${files.length} SUID/SGID programs`, reqs);
  if (out.result === 'PASS' && reasons.length)
    return error(
      `${out.message}; but the walk may have missed programs: ${reasons.join('; ')}`,
      out.evidence,
    );
  return out;
};

export function dconfRules(): Record<string, Evaluator> {
  return Object.fromEntries(
    [
      'dconf_gnome_banner_enabled',
      'dconf_gnome_login_banner_text',
      'dconf_gnome_disable_user_list',
      'dconf_gnome_screensaver_idle_delay',
      'dconf_gnome_screensaver_lock_enabled',
      'dconf_gnome_screensaver_lock_delay',
      'dconf_gnome_screensaver_user_locks',
      'dconf_gnome_session_idle_user_locks',
      'dconf_gnome_disable_automount',
      'dconf_gnome_disable_automount_open',
      'dconf_gnome_disable_autorun',
      'gnome_gdm_disable_xdmcp',
    ].map((r) => [`rule:${r}`, gnome]),
  );
}

export const DESKTOP_ROOT_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  ...dconfRules(),
  'rule:ensure_root_access_controlled': rootAccess,
  'rule:audit_rules_privileged_commands': privilegedCommands,
};
