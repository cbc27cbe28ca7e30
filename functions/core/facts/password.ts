/**
 * Password policy facts: /etc/login.defs, the PAM password stacks and the password quality modules in
 * them, with the settings each module really runs with.
 *
 * PAM: a stack is the `password` lines of common-password (Debian/Ubuntu), system-auth or password-auth
 * (RHEL family), with `@include` (Debian: every line of another file), `include` and `substack` (the
 * lines of the named file's same type) expanded in place. A commented-out line does not exist for PAM.
 * A `-password` line is active: the dash only silences the log when the module file is missing.
 *
 * pam_pwquality settings: compiled-in defaults, then /etc/security/pwquality.conf.d/*.conf in ASCII
 * order, then /etc/security/pwquality.conf (libpwquality reads the directory first, so the main file has
 * the last word), then the module's own arguments, left to right. pam_cracklib reads no file: only its
 * arguments and its defaults count.
 */
import { type LoginDefs, parseLoginDefs } from '../../parsers/login-defs';
import { type PamControl, type PamRule, pamModuleName, parsePamFile } from '../../parsers/pam';
import { parsePwqualityConf, pwqualityInteger, pwqualityOption } from '../../parsers/pwquality';
import { type Fact, type Facts, fact, noFact } from './facts';

export const LOGIN_DEFS_PATH = '/etc/login.defs';
export const PAM_DIR = '/etc/pam.d';
export const PASSWORD_STACK_NAMES = ['common-password', 'system-auth', 'password-auth'] as const;
export const PWQUALITY_CONF = '/etc/security/pwquality.conf';
export const PWQUALITY_CONF_DIR = '/etc/security/pwquality.conf.d';
export const QUALITY_MODULES = ['pam_pwquality', 'pam_cracklib'] as const;
export type QualityModuleName = (typeof QUALITY_MODULES)[number];

const PWQ_DEFAULT_MIN_LENGTH = 8;
const PWQ_BASE_MIN_LENGTH = 6;
const CRACKLIB_DEFAULT_MIN_LENGTH = 9;
const CRACKLIB_BASE_MIN_LENGTH = 5;
const MAX_INCLUDE_DEPTH = 16;
/** Files read while expanding one stack: includes repeated at every level would otherwise grow exponentially. */
export const MAX_INCLUDE_READS = 1000;

export function loginDefs(facts: Facts): Fact<{ path: string; defs: LoginDefs }> {
  return facts.memo('login-defs', () => {
    if (facts.isAbsent(LOGIN_DEFS_PATH)) return noFact(`${LOGIN_DEFS_PATH} does not exist`);
    const t = facts.text(LOGIN_DEFS_PATH);
    if (!t.ok) return noFact(t.reason);
    return fact({ path: LOGIN_DEFS_PATH, defs: parseLoginDefs(t.value.text) });
  });
}

export interface PamStackEntry {
  rule: PamRule;
  /** The file that holds the line. */
  file: string;
  /** Include chain from the stack file to `file` (empty when the line is in the stack file itself). */
  via: string[];
}

export interface PamStack {
  name: string;
  path: string;
  /** The stack's `password` lines, includes expanded in place. */
  entries: PamStackEntry[];
  /** Included files that could not be read: the stack may be incomplete. */
  unreadable: string[];
  /** Other oddities (invalid lines, includes of files that do not exist). */
  problems: string[];
}

export interface PasswordStacks {
  stacks: PamStack[];
  /** Stack files that do not exist. */
  absent: string[];
  /** Stack files that exist but could not be read (or were not collected), with the reason. */
  unreadable: Array<{ path: string; reason: string }>;
}

export function passwordStacks(facts: Facts): PasswordStacks {
  return facts.memo('pam-password-stacks', () => {
    const out: PasswordStacks = { stacks: [], absent: [], unreadable: [] };
    for (const name of PASSWORD_STACK_NAMES) {
      const path = `${PAM_DIR}/${name}`;
      const state = pamFile(facts, path);
      if (state.state === 'absent') {
        out.absent.push(path);
        continue;
      }
      if (state.state === 'unreadable') {
        out.unreadable.push({ path, reason: state.reason });
        continue;
      }
      const stack: PamStack = { name, path, entries: [], unreadable: [], problems: [] };
      expand(facts, stack, path, state.text, [], { reads: 1 });
      out.stacks.push(stack);
    }
    return out;
  });
}

type PamFileState =
  | { state: 'ok'; text: string }
  | { state: 'absent' }
  | { state: 'unreadable'; reason: string };

/** A file under /etc/pam.d: the agent records every file there, so one it did not record does not exist. */
function pamFile(facts: Facts, path: string): PamFileState {
  if (facts.file(path)) {
    if (facts.isAbsent(path)) return { state: 'absent' };
    const t = facts.text(path);
    return t.ok ? { state: 'ok', text: t.value.text } : { state: 'unreadable', reason: t.reason };
  }
  const dir = facts.pathStat(PAM_DIR);
  if (path.startsWith(`${PAM_DIR}/`) && !path.slice(PAM_DIR.length + 1).includes('/')) {
    if (dir?.status === 'ok') return { state: 'absent' };
    if (dir?.status === 'missing' && dir.reason === 'not-found') return { state: 'absent' };
    if (dir?.status === 'missing')
      return { state: 'unreadable', reason: `${PAM_DIR}: ${dir.reason} (${dir.detail})` };
  }
  return { state: 'unreadable', reason: `${path} was not collected by the agent` };
}

function includePath(target: string): string {
  return target.startsWith('/') ? target : `${PAM_DIR}/${target}`;
}

/** Appends the password lines of `path` (whose text is given) to the stack; `via` is the include chain. */
function expand(
  facts: Facts,
  stack: PamStack,
  path: string,
  text: string,
  via: string[],
  budget: { reads: number },
): void {
  const include = (target: string, line: number) => {
    const next = includePath(target);
    const chain = [...via, path];
    if (chain.includes(next) || chain.length > MAX_INCLUDE_DEPTH) {
      stack.problems.push(`${path} line ${line}: include of ${next} loops or nests too deep, not followed`);
      return;
    }
    if (++budget.reads > MAX_INCLUDE_READS) {
      if (budget.reads === MAX_INCLUDE_READS + 1)
        stack.unreadable.push(
          `${stack.path}: expanding its includes reads more than ${MAX_INCLUDE_READS} files; the stack cannot be judged`,
        );
      return;
    }
    const state = pamFile(facts, next);
    if (state.state === 'absent')
      stack.problems.push(`${path} line ${line}: included ${next} does not exist`);
    else if (state.state === 'unreadable') stack.unreadable.push(state.reason);
    else expand(facts, stack, next, state.text, chain, budget);
  };
  for (const l of parsePamFile(text)) {
    if (l.kind === 'invalid') {
      stack.problems.push(`${path} line ${l.line}: ${l.message}`);
    } else if (l.kind === '@include') {
      include(l.target, l.line);
    } else if (l.type === 'password') {
      const c = l.control;
      if (c.kind === 'keyword' && (c.value === 'include' || c.value === 'substack'))
        include(l.module, l.line);
      else stack.entries.push({ rule: l, file: path, via });
    }
  }
}

/** Where a setting's value came from. */
export interface SettingSource {
  value: string;
  /** A file path, or `built-in default`. */
  source: string;
  line?: number;
  /** `minlen = 14`, `minlen=14`... */
  text?: string;
}

export interface PwqualityConfig {
  /** Lower-cased key → the value that applies after all files, with its source. */
  settings: Map<string, SettingSource>;
  /** Files read, in order. */
  files: string[];
  problems: string[];
}

export function pwqualityConfig(facts: Facts): PwqualityConfig {
  return facts.memo('pwquality-config', () => {
    const out: PwqualityConfig = { settings: new Map(), files: [], problems: [] };
    const dropIns = facts
      .filesUnder(PWQUALITY_CONF_DIR)
      .map(([p]) => p)
      .filter((p) => p.endsWith('.conf'))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const p of [...dropIns, PWQUALITY_CONF]) {
      if (facts.isAbsent(p)) continue;
      const t = facts.text(p);
      if (!t.ok) {
        out.problems.push(t.reason);
        continue;
      }
      out.files.push(p);
      for (const s of parsePwqualityConf(t.value.text)) {
        out.settings.set(s.key, { value: s.value, source: p, line: s.line, text: s.text });
      }
    }
    return out;
  });
}

export interface QualityModule {
  name: QualityModuleName;
  entry: PamStackEntry;
  /** False when a failure of the module does not fail the password change. */
  enforcing: boolean;
  /** Why it does not enforce (control, enforcing=0). */
  notEnforcingBecause?: string;
  /** The minimum length it applies, with the source that set it. */
  minlen: SettingSource & { number: number };
}

/** pam_pwquality / pam_cracklib lines of a stack, with the settings they run with. */
export function qualityModules(facts: Facts, stack: PamStack): QualityModule[] {
  const out: QualityModule[] = [];
  for (const entry of stack.entries) {
    const name = pamModuleName(entry.rule.module);
    if (name !== 'pam_pwquality' && name !== 'pam_cracklib') continue;
    const argSource = (key: string): SettingSource | undefined => {
      let found: SettingSource | undefined;
      for (const a of entry.rule.args) {
        const o = pwqualityOption(a);
        if (o.key === key) found = { value: o.value, source: entry.file, line: entry.rule.line, text: a };
      }
      return found;
    };
    const conf =
      name === 'pam_pwquality' ? pwqualityConfig(facts).settings : new Map<string, SettingSource>();
    const setting = (key: string, dflt: string): SettingSource =>
      argSource(key) ?? conf.get(key) ?? { value: dflt, source: 'built-in default' };

    const base = name === 'pam_pwquality' ? PWQ_BASE_MIN_LENGTH : CRACKLIB_BASE_MIN_LENGTH;
    const dflt = name === 'pam_pwquality' ? PWQ_DEFAULT_MIN_LENGTH : CRACKLIB_DEFAULT_MIN_LENGTH;
    const ml = setting('minlen', String(dflt));
    const parsed = pwqualityInteger(ml.value);
    const minlen = { ...ml, number: parsed === undefined ? dflt : Math.max(parsed, base) };

    let notEnforcingBecause = controlIgnoresFailure(entry.rule.control);
    if (!notEnforcingBecause && name === 'pam_pwquality') {
      const enf = setting('enforcing', '1');
      if (pwqualityInteger(enf.value) === 0) {
        const where = enf.line ? `${enf.source} line ${enf.line}` : enf.source;
        notEnforcingBecause = `enforcing=0 (${where}) makes it only warn`;
      }
    }
    out.push({
      name,
      entry,
      enforcing: notEnforcingBecause === undefined,
      ...(notEnforcingBecause ? { notEnforcingBecause } : {}),
      minlen,
    });
  }
  return out;
}

/**
 * Whether a failure of the module (PAM_AUTHTOK_ERR for a weak password) is ignored by the stack:
 * `optional` and `sufficient` ignore a failure; in `[value=action]` syntax the action for authtok_err
 * (else `default`, else PAM's implicit `bad`) must not be `ignore` or `reset`.
 */
export function controlIgnoresFailure(control: PamControl): string | undefined {
  if (control.kind === 'keyword') {
    if (control.value === 'optional' || control.value === 'sufficient') {
      return `control "${control.value}" ignores its failure`;
    }
    return undefined;
  }
  const action = control.actions.authtok_err ?? control.actions.default ?? 'bad';
  if (action === 'ignore' || action === 'reset') return `its failure action is "${action}"`;
  return undefined;
}

/** `file line N` or `file line N (via a → b)` for evidence notes. */
export function entryWhere(entry: PamStackEntry): string {
  const via = entry.via.length > 0 ? ` (included via ${entry.via.join(' → ')})` : '';
  return `${entry.file} line ${entry.rule.line}${via}`;
}
