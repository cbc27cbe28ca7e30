/**
 * ComplianceAsCode's audit rule templates, judged on the persistent rules (/etc/audit/rules.d/*.rules in
 * augenrules' order, else /etc/audit/audit.rules: functions/core/facts/audit.ts) and, on a live host where
 * `auditctl -l` answered, on the loaded rules as well (a rule written but never loaded fails). Under another
 * root (an image) the loaded rules are a runtime-only fact: the check says they were not judged, and passes
 * or fails on the files, as upstream's OVAL does. Keys may be given as `-k` or `-F key=`; a requirement may
 * be met by any rule of any file.
 *
 * - audit_rules_watch: `-w PATH -p wa` (w and a among the permissions) or `-a always,exit -F path=PATH
 *   -F perm=wa` (dir= for a directory), any key;
 * - audit_rules_privileged_commands: `-a always,exit -F path=PATH -F perm=x -F auid>=UID_MIN -F auid!=unset`;
 * - the syscall templates (dac_modification, file_deletion_events, kernel_module_loading,
 *   unsuccessful_file_modification): `-a always,exit -F arch=bNN -S NAME` with `auid>=UID_MIN` and
 *   `auid!=unset` and a key, for b32 and (on a 64-bit host) b64; the unsuccessful modification template needs
 *   one rule with `exit=-EACCES` and one with `exit=-EPERM` per architecture. On arm64 (no 32-bit syscall
 *   table for these calls in CIS's rules) only b64 is required.
 * UID_MIN comes from /etc/login.defs (1000 when unset); `auid>=N` with N below UID_MIN also covers.
 */

import {
  AUDIT_RULES_DIR,
  AUDIT_RULES_FILE,
  type AuditRuleAt,
  type AuditRules,
  loadedAuditRules,
  persistentAuditRules,
} from '../../../core/facts/audit';
import type { Facts } from '../../../core/facts/facts';
import { isLiveHost } from '../../../core/facts/host-config';
import { loginDefs } from '../../../core/facts/password';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, pass } from '../../../core/rule';
import { type AuditRule, auditField, isKeyedExitRule, watchedPath } from '../../../parsers/audit-rules';
import { loginDefsInteger } from '../../../parsers/login-defs';
import type { Evaluator, EvaluatorInput } from './index';

export interface Requirement {
  /** What the rule must look like, as auditctl would be given it. */
  label: string;
  test(rule: AuditRuleAt): boolean;
}

const UNSET = new Set(['unset', '4294967295', '-1']);

export function uidMin(facts: Facts): number {
  const d = loginDefs(facts);
  const v = d.ok ? d.value.defs.values.get('UID_MIN')?.value : undefined;
  const n = v === undefined ? undefined : loginDefsInteger(v);
  return n !== undefined && n > 0 ? n : 1000;
}

function hasAuidFilter(rule: AuditRule, min: number): boolean {
  if (rule.type !== 'syscall') return false;
  const ge = auditField(rule, 'auid', '>=');
  const ne = auditField(rule, 'auid', '!=');
  return ge !== undefined && /^\d+$/.test(ge) && Number(ge) <= min && ne !== undefined && UNSET.has(ne);
}

/** Architectures whose rules are required on this host. */
export function requiredArches(facts: Facts): Array<'b32' | 'b64'> {
  const arch = facts.arch?.toLowerCase() ?? '';
  if (arch === 'aarch64' || arch === 'arm64') return ['b64'];
  if (/^(i[3-6]86|x86|arm.*|armv7l)$/.test(arch)) return ['b32'];
  return ['b32', 'b64'];
}

export function syscallRequirement(
  arch: string,
  name: string,
  opts: { auid: number | 'root'; exit?: string },
): Requirement {
  const auidText = opts.auid === 'root' ? '-F auid=0' : `-F auid>=${opts.auid} -F auid!=unset`;
  const exitText = opts.exit ? ` -F exit=${opts.exit}` : '';
  return {
    label: `-a always,exit -F arch=${arch} -S ${name}${exitText} ${auidText} -k KEY`,
    test: (r) =>
      isKeyedExitRule(r) &&
      auditField(r, 'arch') === arch &&
      r.syscalls.includes(name) &&
      (opts.exit === undefined || auditField(r, 'exit') === opts.exit) &&
      (opts.auid === 'root' ? auditField(r, 'auid') === '0' : hasAuidFilter(r, opts.auid)),
  };
}

const normalize = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

export function watchRequirement(path: string): Requirement {
  return {
    label: `-w ${path} -p wa -k KEY (or -a always,exit -F path=${path} -F perm=wa)`,
    test: (r) => {
      const w = watchedPath(r);
      if (!w || normalize(w.path) !== normalize(path)) return false;
      if (r.type === 'syscall' && (r.list !== 'exit' || r.action !== 'always')) return false;
      return w.perms.includes('w') && w.perms.includes('a');
    },
  };
}

/** The rules as a list of sources to judge: the persistent files always, the loaded list on a live host. */
export function judge(facts: Facts, subject: string, requirements: Requirement[]): CheckOutcome {
  const persistent = persistentAuditRules(facts);
  if (!persistent.ok) {
    const none = facts.isAbsent(AUDIT_RULES_FILE) && facts.pathStat(AUDIT_RULES_DIR)?.status !== 'ok';
    if (none)
      return fail(
        `no audit rules are configured (neither ${AUDIT_RULES_DIR}/*.rules nor ${AUDIT_RULES_FILE}): ${subject} is not audited`,
        [{ source: AUDIT_RULES_DIR, value: '(none)', expected: requirements.map((r) => r.label).join('; ') }],
      );
    return error(`the audit rules could not be read: ${persistent.reason}`);
  }
  const missing = (rs: AuditRules) => requirements.filter((q) => !rs.rules.some((r) => q.test(r)));
  const found = (rs: AuditRules): Evidence[] =>
    requirements.flatMap((q) => {
      const r = rs.rules.find((x) => q.test(x));
      return r ? [{ source: r.file, line: r.line, value: r.text, expected: q.label }] : [];
    });
  const pMissing = missing(persistent.value);
  const where = persistent.value.files.join(', ');
  if (pMissing.length > 0)
    return {
      ...fail(
        `${subject}: ${pMissing.length} of ${requirements.length} required audit rules missing from ${where}`,
        [
          ...found(persistent.value),
          ...pMissing.map((q) => ({
            source: persistent.value.files[0] ?? AUDIT_RULES_DIR,
            value: '(missing)',
            expected: q.label,
          })),
        ],
      ),
      recommendation: `Add to a file in ${AUDIT_RULES_DIR} (e.g. 50-cis.rules):\n${pMissing.map((q) => q.label.replace(/ \(or .*\)$/, '')).join('\n')}\nthen run augenrules --load.`,
    };
  const evidence = found(persistent.value);
  const loaded = loadedAuditRules(facts);
  if (!loaded.ok) {
    const why = isLiveHost(facts)
      ? `the loaded rules could not be read (${loaded.reason})`
      : `the loaded rules were not judged: ${loaded.reason}`;
    return pass(`${subject} is audited by ${where}; ${why}`, [
      ...evidence,
      { source: 'auditctl -l', note: why },
    ]);
  }
  const lMissing = missing(loaded.value);
  if (lMissing.length > 0)
    return {
      ...fail(
        `${subject}: the rules are in ${where} but not loaded in the kernel (auditctl -l lacks ${lMissing.length})`,
        [
          ...evidence,
          ...lMissing.map((q) => ({ source: 'auditctl -l', value: '(not loaded)', expected: q.label })),
        ],
      ),
      recommendation:
        'Load the persistent rules: augenrules --load (or reboot when the rules are immutable, -e 2).',
    };
  return pass(`${subject} is audited by ${where} and the loaded rules`, evidence);
}

export const auditRulesWatch: Evaluator = (facts, { vars, variables }) => {
  const path = vars.path_is_variable === 'true' ? variables[vars.path ?? ''] : vars.path;
  if (!path) return error(`the watched path is not known (${vars.path})`);
  return judge(facts, `changes to ${path}`, [watchRequirement(path)]);
};

export const auditRulesPrivilegedCommands: Evaluator = (facts, { vars }) => {
  const path = vars.path;
  if (!path) return error('template audit_rules_privileged_commands without a path');
  const min = uidMin(facts);
  const req: Requirement = {
    label: `-a always,exit -F path=${path} -F perm=x -F auid>=${min} -F auid!=unset -k KEY`,
    test: (r) =>
      isKeyedExitRule(r) &&
      auditField(r, 'path') === path &&
      (auditField(r, 'perm') ?? '').includes('x') &&
      hasAuidFilter(r, min),
  };
  return judge(facts, `execution of ${path}`, [req]);
};

function syscallTemplate(
  facts: Facts,
  name: string | undefined,
  extra: (arch: string, min: number) => Requirement[],
): CheckOutcome {
  if (!name) return error('template without a syscall name');
  const min = uidMin(facts);
  const reqs = requiredArches(facts).flatMap((a) => extra(a, min));
  return judge(facts, `the ${name} system call`, reqs);
}

export const auditRulesDacModification: Evaluator = (facts, { vars }: EvaluatorInput) =>
  syscallTemplate(facts, vars.attr, (arch, min) => [
    syscallRequirement(arch, vars.attr!, { auid: min }),
    ...(vars.check_root_user === 'true' ? [syscallRequirement(arch, vars.attr!, { auid: 'root' })] : []),
  ]);

export const auditRulesSyscall: Evaluator = (facts, { vars }) =>
  syscallTemplate(facts, vars.name, (arch, min) => [syscallRequirement(arch, vars.name!, { auid: min })]);

export const auditRulesUnsuccessfulFileModification: Evaluator = (facts, { vars }) =>
  syscallTemplate(facts, vars.name, (arch, min) => [
    syscallRequirement(arch, vars.name!, { auid: min, exit: '-EACCES' }),
    syscallRequirement(arch, vars.name!, { auid: min, exit: '-EPERM' }),
  ]);

export const AUDIT_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  audit_rules_watch: auditRulesWatch,
  audit_rules_privileged_commands: auditRulesPrivilegedCommands,
  audit_rules_dac_modification: auditRulesDacModification,
  audit_rules_file_deletion_events: auditRulesSyscall,
  audit_rules_kernel_module_loading: auditRulesSyscall,
  audit_rules_unsuccessful_file_modification: auditRulesUnsuccessfulFileModification,
};
