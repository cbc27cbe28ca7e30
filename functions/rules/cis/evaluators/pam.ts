/**
 * ComplianceAsCode's PAM templates, judged on the stacks as PAM runs them (pam-auth-update's common-* files on
 * Debian/Ubuntu, authselect's system-auth/password-auth on the RHEL family; `@include`, `include` and
 * `substack` expanded in place, commented lines absent) and on the files the modules read themselves:
 *
 * - accounts_password: a pam_pwquality setting (minlen, dcredit, …) compared with the benchmark's
 *   var_password_pam_<name>. The value pam_pwquality runs with: its own argument, else pwquality.conf (the
 *   main file after pwquality.conf.d), else libpwquality's default. pam_pwquality must be in the password
 *   stack (upstream's accounts_password_pam_pwquality); `zero_comparison_operation` "greater than" also
 *   refuses 0 (0 turns the check off).
 * - pam_options: a module line of a type in a service file (pam_wheel.so in su, pam_pwhistory.so in
 *   common-password) with each argument present and, for a variable, compared with it; pam_pwhistory's
 *   remember may come from /etc/security/pwhistory.conf.
 * - pam_account_password_faillock: pam_faillock's deny / unlock_time / root_unlock_time: its argument in
 *   the auth stack, else /etc/security/faillock.conf, else pam_faillock's default; pam_faillock must be in
 *   the auth stack. unlock_time 0 (locked until an administrator unlocks) meets a lower bound.
 * - lineinfile: a line of a configuration file (`enforcing = 1`, `enforce_for_root`, `DefaultZone=drop`):
 *   the setting as the file's reader applies it (pwquality.conf after its .d; last line wins elsewhere).
 */
import type { Facts } from '../../../core/facts/facts';
import { controlIgnoresFailure, PAM_DIR, pwqualityConfig } from '../../../core/facts/password';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, pass } from '../../../core/rule';
import { type PamRule, type PamType, pamModuleName, parsePamFile } from '../../../parsers/pam';
import { parsePwqualityConf, pwqualityInteger, pwqualityOption } from '../../../parsers/pwquality';
import { CAC_RULES } from '../data';
import type { Evaluator } from './index';

export interface StackLine {
  rule: PamRule;
  file: string;
  via: string[];
}

export interface TypedStack {
  path: string;
  lines: StackLine[];
  problems: string[];
}

/**
 * Whether the agent looked at the directory holding `p` (a file under /etc/pam.d it did not record does not
 * exist): it read /etc/pam.d, or found that /etc/pam.d itself does not exist (then no PAM file exists).
 */
function pamDirSeen(facts: Facts, p: string): boolean {
  if (!p.startsWith(`${PAM_DIR}/`)) return false;
  const dir = facts.pathStat(PAM_DIR);
  return dir?.status === 'ok' || (dir?.status === 'missing' && dir.reason === 'not-found');
}

/** A service file's lines of one type, includes expanded; undefined when the file does not exist. */
export function pamStackOf(
  facts: Facts,
  path: string,
  type: PamType,
): { ok: true; stack: TypedStack | undefined } | { ok: false; reason: string } {
  const out: TypedStack = { path, lines: [], problems: [] };
  let reads = 0;
  const read = (p: string, via: string[]): string | undefined => {
    if (++reads > 200) return `expanding ${path} reads more than 200 files`;
    const t = facts.text(p);
    if (!t.ok) {
      if (facts.isAbsent(p) || (!facts.file(p) && pamDirSeen(facts, p))) {
        if (via.length === 0) return 'absent';
        out.problems.push(`${p} (included from ${via.at(-1)}) does not exist`);
        return undefined;
      }
      return t.reason;
    }
    for (const l of parsePamFile(t.value.text)) {
      if (l.kind === 'invalid') out.problems.push(`${p} line ${l.line}: ${l.message}`);
      else if (l.kind === '@include') {
        const next = l.target.startsWith('/') ? l.target : `${PAM_DIR}/${l.target}`;
        if (via.includes(next) || next === p) continue;
        const r = read(next, [...via, p]);
        if (r && r !== 'absent') return r;
      } else if (l.type === type) {
        const c = l.control;
        if (c.kind === 'keyword' && (c.value === 'include' || c.value === 'substack')) {
          const next = l.module.startsWith('/') ? l.module : `${PAM_DIR}/${l.module}`;
          if (via.includes(next) || next === p) continue;
          const r = read(next, [...via, p]);
          if (r && r !== 'absent') return r;
        } else out.lines.push({ rule: l, file: p, via });
      }
    }
    return undefined;
  };
  const r = read(path, []);
  if (r === 'absent') return { ok: true, stack: undefined };
  if (r) return { ok: false, reason: r };
  return { ok: true, stack: out };
}

/** The stack files of the distribution that exist: common-<type> (Debian/Ubuntu) or system-auth and password-auth. */
export function stacksFor(
  facts: Facts,
  type: PamType,
): { ok: true; stacks: TypedStack[] } | { ok: false; reason: string } {
  const names =
    type === 'password'
      ? ['common-password', 'system-auth', 'password-auth']
      : type === 'auth'
        ? ['common-auth', 'system-auth', 'password-auth']
        : [`common-${type}`, 'system-auth', 'password-auth'];
  const stacks: TypedStack[] = [];
  for (const n of names) {
    const s = pamStackOf(facts, `${PAM_DIR}/${n}`, type);
    if (!s.ok) return s;
    if (s.stack) stacks.push(s.stack);
  }
  if (stacks.length === 0)
    return { ok: false, reason: `none of ${names.map((n) => `${PAM_DIR}/${n}`).join(', ')} exists` };
  return { ok: true, stacks };
}

const where = (l: StackLine) =>
  `${l.file} line ${l.rule.line}${l.via.length ? ` (via ${[...l.via].join(' → ')})` : ''}`;

function argValue(rule: PamRule, key: string): string | undefined {
  let v: string | undefined;
  for (const a of rule.args) {
    const o = pwqualityOption(a);
    if (o.key === key.toLowerCase()) v = o.value;
  }
  return v;
}

export function compare(op: string | undefined, value: number, wanted: number): boolean {
  switch (op) {
    case 'greater than or equal':
      return value >= wanted;
    case 'less than or equal':
      return value <= wanted;
    case 'greater than':
      return value > wanted;
    case 'less than':
      return value < wanted;
    default:
      return value === wanted;
  }
}

const OP_TEXT: Record<string, string> = {
  'greater than or equal': 'at least',
  'less than or equal': 'at most',
  'greater than': 'above',
  'less than': 'below',
  equals: 'equal to',
};

/** libpwquality's defaults (pwquality.conf(5)). */
export const PWQUALITY_DEFAULTS: Readonly<Record<string, string>> = {
  minlen: '8',
  dcredit: '0',
  ucredit: '0',
  lcredit: '0',
  ocredit: '0',
  minclass: '0',
  maxrepeat: '0',
  maxsequence: '0',
  maxclassrepeat: '0',
  difok: '1',
  dictcheck: '1',
  enforcing: '1',
};

export const accountsPassword: Evaluator = (facts, { vars, variables }): CheckOutcome => {
  const name = vars.variable;
  if (!name) return error('template accounts_password without a variable');
  const varName = `var_password_pam_${name}`;
  // The benchmark's selection, else upstream's default for the variable (XCCDF semantics).
  const wantedText = variables[varName] ?? CAC_RULES.variables[varName]?.default;
  if (wantedText === undefined) return error(`the benchmark does not set ${varName}`);
  const wanted = Number(wantedText);
  const stacks = stacksFor(facts, 'password');
  if (!stacks.ok) return error(`the PAM password stack could not be read: ${stacks.reason}`);
  const modules = stacks.stacks.flatMap((s) =>
    s.lines.filter((l) => pamModuleName(l.rule.module) === 'pam_pwquality'),
  );
  if (modules.length === 0)
    return fail(
      `pam_pwquality is not in the password stack (${stacks.stacks.map((s) => s.path).join(', ')}): ${name} is not enforced`,
      [{ source: stacks.stacks[0]!.path, key: 'pam_pwquality.so', value: '(absent)' }],
    );
  const conf = pwqualityConfig(facts);
  if (conf.problems.length > 0)
    return error(`pwquality configuration could not be read: ${conf.problems.join('; ')}`);
  const evidence: Evidence[] = [];
  const bad: string[] = [];
  for (const m of modules) {
    const arg = argValue(m.rule, name);
    const fromConf = conf.settings.get(name);
    const value = arg ?? fromConf?.value ?? PWQUALITY_DEFAULTS[name] ?? '';
    const source = arg !== undefined ? m.file : (fromConf?.source ?? 'built-in default');
    const line = arg !== undefined ? m.rule.line : fromConf?.line;
    const n = pwqualityInteger(value);
    const expected = `${OP_TEXT[vars.operation ?? 'equals'] ?? vars.operation} ${wantedText}${vars.zero_comparison_operation ? ' and not 0' : ''}`;
    const ok =
      n !== undefined &&
      compare(vars.operation, n, wanted) &&
      (!vars.zero_comparison_operation || compare(vars.zero_comparison_operation, n, 0));
    const ignores = controlIgnoresFailure(m.rule.control);
    evidence.push({
      source,
      ...(line ? { line } : {}),
      key: name,
      value: value || '(empty)',
      expected,
      note: `pam_pwquality at ${where(m)}${ignores ? `; ${ignores}` : ''}`,
    });
    if (!ok) bad.push(`${name} is ${value || '(empty)'} (${source}), expected ${expected}`);
    else if (ignores) bad.push(`pam_pwquality at ${where(m)} does not enforce: ${ignores}`);
  }
  if (bad.length > 0)
    return {
      ...fail(bad.join('; '), evidence),
      recommendation: `Set "${name} = ${wantedText}" in /etc/security/pwquality.conf (or a file in /etc/security/pwquality.conf.d) and remove any ${name}= argument of pam_pwquality.so that overrides it.`,
    };
  return pass(`${name} is ${evidence.map((e) => e.value).join(', ')} for pam_pwquality`, evidence);
};

interface PamArgument {
  variable?: string;
  variable_name?: string;
  operation?: string;
  datatype?: string;
  argument?: string;
}

export const pamOptions: Evaluator = (facts, { vars, variables }): CheckOutcome => {
  const path = vars.path;
  const type = vars.type as PamType | undefined;
  const module = vars.module?.replace(/\.so$/, '');
  if (!path || !type || !module) return error('template pam_options without path, type or module');
  const args: PamArgument[] = JSON.parse(vars.arguments ?? '[]');
  const s = pamStackOf(facts, path, type);
  if (!s.ok) return error(`${path} could not be read: ${s.reason}`);
  if (!s.stack) return fail(`${path} does not exist`, [{ source: path, value: '(absent)' }]);
  const lines = s.stack.lines.filter((l) => pamModuleName(l.rule.module) === module);
  if (lines.length === 0)
    return fail(`${path} has no ${type} line for ${module}.so`, [
      {
        source: path,
        key: `${type} ${module}.so`,
        value: '(absent)',
        expected: `${type} ${vars.control_flag ?? 'required'} ${module}.so`,
      },
    ]);
  // pam_pwhistory (Linux-PAM 1.5+) reads /etc/security/pwhistory.conf for what its arguments do not set.
  let pwhistoryConf: Map<string, { value: string; line: number }> | undefined;
  if (module === 'pam_pwhistory') {
    const t = facts.text('/etc/security/pwhistory.conf');
    pwhistoryConf = new Map(
      t.ok ? parsePwqualityConf(t.value.text).map((x) => [x.key, { value: x.value, line: x.line }]) : [],
    );
  }
  const evidence: Evidence[] = [];
  const failures: string[] = [];
  for (const l of lines) {
    const problems: string[] = [];
    const ignores = controlIgnoresFailure(l.rule.control);
    if (ignores && vars.control_flag !== 'optional') problems.push(`${ignores}`);
    for (const a of args) {
      if (a.variable) {
        const vname = a.variable_name ?? `var_password_pam_${a.variable}`;
        const wanted = variables[vname] ?? CAC_RULES.variables[vname]?.default;
        if (wanted === undefined) return error(`the benchmark does not set ${vname}`);
        const conf = pwhistoryConf?.get(a.variable);
        const value = argValue(l.rule, a.variable) ?? conf?.value;
        const from =
          argValue(l.rule, a.variable) !== undefined
            ? where(l)
            : conf
              ? `/etc/security/pwhistory.conf line ${conf.line}`
              : '';
        const ok =
          value !== undefined &&
          (a.datatype === 'string' || (a.operation === 'equals' && !/^\d+$/.test(wanted))
            ? value === wanted
            : /^\d+$/.test(value) && compare(a.operation, Number(value), Number(wanted)));
        evidence.push({
          source: l.file,
          line: l.rule.line,
          key: a.variable,
          value: value ?? '(unset)',
          expected: `${OP_TEXT[a.operation ?? 'equals'] ?? ''} ${wanted}`.trim(),
          ...(from ? { note: from } : {}),
        });
        if (!ok)
          problems.push(
            `${a.variable} is ${value ?? 'not set'}, expected ${OP_TEXT[a.operation ?? 'equals'] ?? ''} ${wanted}`,
          );
      } else if (a.argument) {
        const present = l.rule.args.some((x) => pwqualityOption(x).key === a.argument!.toLowerCase());
        evidence.push({
          source: l.file,
          line: l.rule.line,
          key: a.argument,
          value: present ? 'present' : '(absent)',
          expected: 'present',
        });
        if (!present) problems.push(`${a.argument} is missing`);
      }
    }
    if (problems.length) failures.push(`${module}.so at ${where(l)}: ${problems.join(', ')}`);
  }
  if (failures.length > 0) return fail(failures.join('; '), evidence);
  return pass(`${module}.so in ${path} has the required options`, evidence);
};

/** pam_faillock's defaults (faillock.conf(5)). */
const FAILLOCK_DEFAULTS: Readonly<Record<string, string>> = { deny: '3', unlock_time: '600' };

export const pamAccountPasswordFaillock: Evaluator = (facts, { vars, variables }): CheckOutcome => {
  const name = vars.prm_name;
  const ext = vars.ext_variable;
  if (!name || !ext) return error('template pam_account_password_faillock without prm_name or ext_variable');
  const wantedText = variables[ext] ?? CAC_RULES.variables[ext]?.default;
  if (wantedText === undefined) return error(`the benchmark does not set ${ext}`);
  const wanted = Number(wantedText);
  const stacks = stacksFor(facts, 'auth');
  if (!stacks.ok) return error(`the PAM auth stack could not be read: ${stacks.reason}`);
  const lines = stacks.stacks.flatMap((s) =>
    s.lines.filter((l) => pamModuleName(l.rule.module) === 'pam_faillock'),
  );
  if (lines.length === 0)
    return fail(`pam_faillock is not in the auth stack (${stacks.stacks.map((s) => s.path).join(', ')})`, [
      { source: stacks.stacks[0]!.path, key: 'pam_faillock.so', value: '(absent)' },
    ]);
  const confPath = '/etc/security/faillock.conf';
  const t = facts.text(confPath);
  if (!t.ok && !facts.isAbsent(confPath)) return error(`${confPath} could not be read: ${t.reason}`);
  const conf = new Map((t.ok ? parsePwqualityConf(t.value.text) : []).map((x) => [x.key, x]));
  const lower =
    vars.variable_lower_bound === 'use_ext_variable'
      ? wanted
      : vars.variable_lower_bound
        ? Number(vars.variable_lower_bound)
        : undefined;
  const upper =
    vars.variable_upper_bound === 'use_ext_variable'
      ? wanted
      : vars.variable_upper_bound
        ? Number(vars.variable_upper_bound)
        : undefined;
  const expected = [
    lower !== undefined ? `at least ${lower}` : '',
    upper !== undefined ? `at most ${upper}` : '',
    name.endsWith('unlock_time') ? 'or 0 (never unlocked automatically)' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const evidence: Evidence[] = [];
  const bad: string[] = [];
  for (const l of lines) {
    const arg = argValue(l.rule, name);
    const c = conf.get(name);
    const dflt =
      name === 'root_unlock_time'
        ? (argValue(l.rule, 'unlock_time') ?? conf.get('unlock_time')?.value ?? FAILLOCK_DEFAULTS.unlock_time)
        : FAILLOCK_DEFAULTS[name];
    const value = arg ?? c?.value ?? dflt ?? '';
    const source = arg !== undefined ? l.file : c ? confPath : 'pam_faillock default';
    const n = /^\d+$/.test(value) ? Number(value) : undefined;
    const ok =
      n !== undefined &&
      ((name.endsWith('unlock_time') && n === 0) ||
        ((lower === undefined || n >= lower) && (upper === undefined || n <= upper)));
    evidence.push({
      source,
      ...(arg !== undefined ? { line: l.rule.line } : c ? { line: c.line } : {}),
      key: name,
      value,
      expected,
      note: `pam_faillock at ${where(l)}`,
    });
    if (!ok) bad.push(`${name} is ${value} (${source}), expected ${expected}`);
  }
  if (bad.length)
    return {
      ...fail(bad.join('; '), evidence),
      recommendation: `Set "${name} = ${wantedText}" in ${confPath} and remove ${name}= arguments of pam_faillock.so that override it.`,
    };
  return pass(`pam_faillock ${name} is ${evidence.map((e) => e.value).join(', ')}`, evidence);
};

/** Files whose settings apply last line first or with a reader of their own. */
function fileSettings(
  facts: Facts,
  path: string,
):
  | { ok: true; settings: Map<string, { value: string; source: string; line?: number }> }
  | { ok: false; reason: string; absent?: boolean } {
  if (path === '/etc/security/pwquality.conf') {
    const c = pwqualityConfig(facts);
    if (c.problems.length) return { ok: false, reason: c.problems.join('; ') };
    return {
      ok: true,
      settings: new Map(
        [...c.settings].map(([k, v]) => [
          k,
          { value: v.value, source: v.source, ...(v.line ? { line: v.line } : {}) },
        ]),
      ),
    };
  }
  const t = facts.text(path);
  if (!t.ok) return { ok: false, reason: t.reason, absent: facts.isAbsent(path) };
  const m = new Map<string, { value: string; source: string; line?: number }>();
  for (const s of parsePwqualityConf(t.value.text))
    m.set(s.key, { value: s.value, source: path, line: s.line });
  return { ok: true, settings: m };
}

export const lineinfile: Evaluator = (facts, { vars, variables }): CheckOutcome => {
  const path = vars.path;
  let text = vars.text;
  // ubuntu2404 resolves accounts_password_pam_enforcing to the accounts_password variables.
  if (!text && vars.variable)
    text = `${vars.variable} = ${variables[`var_password_pam_${vars.variable}`] ?? ''}`;
  if (!path || !text) return error('template lineinfile without path or text');
  const m = /^([^\s=]+)\s*(?:=\s*)?(.*)$/.exec(text.trim())!;
  const key = m[1]!.toLowerCase();
  const want = m[2]!.trim();
  const s = fileSettings(facts, path);
  if (!s.ok) {
    if (s.absent)
      return fail(`${path} does not exist (expected "${text}")`, [
        { source: path, value: '(absent)', expected: text },
      ]);
    return error(`${path} could not be read: ${s.reason}`);
  }
  const got = s.settings.get(key);
  const evidence: Evidence[] = [
    {
      source: got?.source ?? path,
      ...(got?.line ? { line: got.line } : {}),
      key: m[1]!,
      value: got ? got.value || '(set)' : '(unset)',
      expected: want || '(set)',
    },
  ];
  if (!got)
    return {
      ...fail(`${m[1]} is not set in ${path}`, evidence),
      recommendation: `Add the line "${text}" to ${path}.`,
    };
  if (want !== '' && got.value !== want)
    return {
      ...fail(`${m[1]} is ${got.value}, expected ${want}`, evidence),
      recommendation: `Set "${text}" in ${path}.`,
    };
  return pass(`${text} is in effect (${got.source})`, evidence);
};

export const PAM_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  accounts_password: accountsPassword,
  pam_options: pamOptions,
  pam_account_password_faillock: pamAccountPasswordFaillock,
  lineinfile,
};
