/**
 * ComplianceAsCode's file templates, as their OVAL decides:
 * - file_permissions: the mode is no more permissive than `filemode` (with allow_stricter_permissions,
 *   the default; else exactly it), suid/sgid/sticky included;
 * - file_owner / file_groupowner: the owner (group) is one of `uid_or_name` (`gid_or_name`): ids, or names
 *   resolved through the root's /etc/passwd (/etc/group), `a|b` for either;
 * - file_existence: the file exists (`exists` true) or does not.
 * `filepath` is a file, a directory (trailing `/`, judged itself) or, with `file_regex`, a directory whose
 * files with a matching name are judged (`recursive`: its subdirectories too, as far as the agent listed
 * them); `excluded_files` (globs) leaves files out. A path that does not exist passes (nothing to judge) and
 * symbolic links are not judged, as upstream's OVAL. The material is the agent's stat of the path (the
 * paths of every file_* rule are in the telemetry contract's CIS_STAT_PATHS, directories with file_regex in
 * CIS_LISTED_DIRECTORIES), a file it read, or the entry of a listed parent directory.
 */
import { groupEntries, passwdEntries } from '../../../core/facts/accounts';
import type { Facts } from '../../../core/facts/facts';
import { listing } from '../../../core/facts/host-config';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, pass } from '../../../core/rule';
import { globMatch } from '../../../core/telemetry/glob-match';
import type { BenchmarkId } from '../data';
import type { Evaluator, EvaluatorInput } from './index';
import { listVar, octal } from './template-helpers';

/** upstream's product property `audit_binaries` (product_properties/10-audit-binaries.yml), per benchmark. */
export function auditBinaries(benchmark: BenchmarkId): string[] {
  const ubuntu = benchmark.startsWith('ubuntu');
  const rhel = benchmark.startsWith('rhel');
  return [
    '/sbin/auditctl',
    '/sbin/aureport',
    '/sbin/ausearch',
    '/sbin/autrace',
    '/sbin/auditd',
    ...(!rhel && !ubuntu && benchmark !== 'almalinux9' ? ['/sbin/audispd'] : []),
    '/sbin/augenrules',
    ...(rhel || ubuntu ? ['/sbin/audisp-syslog'] : []),
    ...(ubuntu ? ['/sbin/audisp-remote', '/sbin/audispd-zos-remote'] : []),
  ];
}

/** The paths a file_* rule names (audit_binaries resolved). */
export function rulePaths(vars: Readonly<Record<string, string>>, benchmark: BenchmarkId): string[] {
  if (vars.filepath === '{{{ audit_binaries }}}') return auditBinaries(benchmark);
  return listVar(vars.filepath);
}

export interface StatSeen {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  source: string;
}

type Lookup = { ok: true; stat?: StatSeen } | { ok: false; reason: string };

const strip = (p: string) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);
const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';

/** The stat of one path: agent stat, file record, or parent listing entry; `stat` undefined when absent. */
export function statOf(facts: Facts, path: string): Lookup {
  const p = strip(path);
  const st = facts.pathStat(p);
  if (st?.status === 'ok')
    return {
      ok: true,
      stat: {
        path: p,
        type: st.linkTarget !== undefined ? 'symlink' : st.type,
        mode: st.mode,
        uid: st.uid,
        gid: st.gid,
        source: 'stat',
      },
    };
  if (st?.status === 'missing' && st.reason === 'not-found') return { ok: true };
  const rec = facts.file(p);
  if (rec?.status === 'ok') {
    if (rec.resolvedPath && rec.resolvedPath !== p)
      return {
        ok: true,
        stat: { path: p, type: 'symlink', mode: rec.mode, uid: rec.uid, gid: rec.gid, source: 'file' },
      };
    return {
      ok: true,
      stat: { path: p, type: 'file', mode: rec.mode, uid: rec.uid, gid: rec.gid, source: 'file' },
    };
  }
  if (rec?.status === 'missing' && rec.reason === 'not-found') return { ok: true };
  const parent = facts.telemetry.listings?.[dirOf(p)];
  if (parent?.status === 'ok' && !parent.truncated) {
    const name = p.slice(p.lastIndexOf('/') + 1);
    const e = parent.entries.find((x) => x.name === name);
    if (!e) return { ok: true };
    return {
      ok: true,
      stat: { path: p, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, source: 'listing' },
    };
  }
  if (parent?.status === 'missing' && parent.reason === 'not-found') return { ok: true };
  if (st)
    return {
      ok: false,
      reason: `${p}: ${st.status === 'missing' ? `${st.reason} (${st.detail})` : 'unreadable'}`,
    };
  return { ok: false, reason: `${p} was not looked at by the agent` };
}

/** Files of a directory whose names match (recursively through the subdirectories the agent listed). */
function filesIn(
  facts: Facts,
  dir: string,
  regexes: RegExp[],
  recursive: boolean,
  excluded: string[],
): { ok: true; files: StatSeen[]; note?: string } | { ok: false; reason: string } {
  const root = strip(dir);
  const l = listing(facts, root);
  if (!l.ok) return { ok: false, reason: l.reason };
  if (!l.value) return { ok: true, files: [] };
  const out: StatSeen[] = [];
  const queue: string[] = [root];
  const notes: string[] = [];
  while (queue.length) {
    const d = queue.shift()!;
    const rec = d === root ? l.value : facts.telemetry.listings?.[d];
    if (rec?.status !== 'ok') {
      notes.push(`${d} not listed`);
      continue;
    }
    if (rec.truncated) notes.push(`${d} listed in part (${rec.entries.length} of ${rec.total})`);
    for (const e of rec.entries) {
      const p = `${d === '/' ? '' : d}/${e.name}`;
      if (e.type === 'directory') {
        if (recursive) queue.push(p);
        continue;
      }
      if (e.type === 'symlink') continue;
      // upstream matches file_regex against the file name (OVAL filename), excluded_files as globs.
      if (!regexes.some((r) => r.test(e.name))) continue;
      if (excluded.some((g) => globMatch(g, e.name))) continue;
      out.push({ path: p, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, source: 'listing' });
    }
  }
  if (notes.length && out.length === 0 && notes.some((n) => n.endsWith('not listed')))
    return { ok: false, reason: `the agent did not list ${notes.join(', ')}` };
  return { ok: true, files: out, ...(notes.length ? { note: `not seen: ${notes.join(', ')}` } : {}) };
}

interface Targets {
  /** Objects judged (existing, not links). */
  seen: StatSeen[];
  /** Paths named that do not exist. */
  absent: string[];
  links: string[];
  notes: string[];
}

export function targets(
  facts: Facts,
  input: EvaluatorInput,
): { ok: true; value: Targets } | { ok: false; reason: string } {
  const paths = rulePaths(input.vars, input.benchmark);
  if (paths.length === 0) return { ok: false, reason: `${input.ruleId}: the template names no path` };
  const regexes = listVar(input.vars.file_regex).map((r) => new RegExp(r));
  const excluded = listVar(input.vars.excluded_files);
  const recursive = input.vars.recursive === 'true';
  const out: Targets = { seen: [], absent: [], links: [], notes: [] };
  for (const p of paths) {
    if (regexes.length && p.endsWith('/')) {
      const f = filesIn(facts, p, regexes, recursive, excluded);
      if (!f.ok) return f;
      if (f.files.length === 0)
        out.absent.push(`${p} (no file matching ${regexes.map((r) => r.source).join(' or ')})`);
      out.seen.push(...f.files);
      if (f.note) out.notes.push(f.note);
      continue;
    }
    const s = statOf(facts, p);
    if (!s.ok) return s;
    if (!s.stat) out.absent.push(p);
    else if (s.stat.type === 'symlink') out.links.push(p);
    else out.seen.push(s.stat);
  }
  return { ok: true, value: out };
}

/** ids of `a|b` names (numbers are ids); unresolved names listed. */
function ids(
  facts: Facts,
  spec: string,
  kind: 'user' | 'group',
): { ok: true; ids: Set<number>; unresolved: string[] } | { ok: false; reason: string } {
  const want = spec
    .split('|')
    .map((s) => s.trim())
    .filter(Boolean);
  const out = new Set<number>();
  const unresolved: string[] = [];
  const names = want.filter((w) => !/^\d+$/.test(w));
  for (const w of want) if (/^\d+$/.test(w)) out.add(Number(w));
  if (names.length) {
    const db = kind === 'user' ? passwdEntries(facts) : groupEntries(facts);
    if (!db.ok) {
      if (out.size === 0)
        return { ok: false, reason: `${kind} names ${names.join(', ')} cannot be resolved: ${db.reason}` };
      unresolved.push(...names);
    } else
      for (const n of names) {
        const e = (db.value.entries as Array<{ name: string; uid?: number; gid: number }>).find(
          (x) => x.name === n,
        );
        if (e) out.add(kind === 'user' ? (e.uid ?? -1) : e.gid);
        else unresolved.push(n);
      }
  }
  if (out.size === 0)
    return { ok: false, reason: `no ${kind} named ${want.join(' or ')} exists on this host` };
  return { ok: true, ids: out, unresolved };
}

function nothingToJudge(t: Targets, what: string): CheckOutcome {
  const ev: Evidence[] = [
    ...t.absent.map((p) => ({ source: p, value: '(does not exist)' })),
    ...t.links.map((p) => ({ source: p, value: '(symbolic link: not judged)' })),
  ];
  return pass(
    `nothing to judge for ${what}: ${[...t.absent.map((p) => `${p} does not exist`), ...t.links.map((p) => `${p} is a symbolic link`)].join('; ')}`,
    ev,
  );
}

const listNames = (xs: string[]) =>
  xs.length > 5 ? `${xs.slice(0, 5).join(', ')} and ${xs.length - 5} more` : xs.join(', ');

export const filePermissions: Evaluator = (facts, input) => {
  const t = targets(facts, input);
  if (!t.ok) return error(`the files are not known: ${t.reason}`);
  const wanted = Number.parseInt(input.vars.filemode ?? '', 8);
  if (Number.isNaN(wanted)) return error(`${input.ruleId}: no filemode`);
  const stricterOk = input.vars.allow_stricter_permissions !== 'false';
  const judge = (m: number) => (stricterOk ? (m & 0o7777 & ~wanted) === 0 : (m & 0o7777) === wanted);
  if (t.value.seen.length === 0) return nothingToJudge(t.value, input.vars.filepath ?? '');
  const expected = `${octal(wanted)}${stricterOk ? ' or stricter' : ''}`;
  const bad = t.value.seen.filter((s) => !judge(s.mode));
  const evidence: Evidence[] = (bad.length ? bad : t.value.seen)
    .slice(0, 20)
    .map((s) => ({ source: s.path, key: 'mode', value: octal(s.mode), expected }));
  if (bad.length)
    return {
      ...fail(
        `${listNames(bad.map((s) => `${s.path} is ${octal(s.mode)}`))}: should be ${expected}`,
        evidence,
      ),
      recommendation: `chmod ${stricterOk ? symbolicRemoval(wanted) : octal(wanted)} ${bad.map((s) => s.path).join(' ')}`,
    };
  return pass(
    `${listNames(t.value.seen.map((s) => `${s.path} ${octal(s.mode)}`))}${t.value.notes.length ? ` (${t.value.notes.join('; ')})` : ''}`,
    evidence,
  );
};

/** chmod's subtractive form of what a mode forbids (0640 → u-xs,g-wxs,o-rwxt). */
function symbolicRemoval(mode: number): string {
  const bits: Array<[string, number, string]> = [
    ['u', 0o100, 'x'],
    ['u', 0o4000, 's'],
    ['u', 0o200, 'w'],
    ['u', 0o400, 'r'],
    ['g', 0o010, 'x'],
    ['g', 0o2000, 's'],
    ['g', 0o020, 'w'],
    ['g', 0o040, 'r'],
    ['o', 0o001, 'x'],
    ['o', 0o1000, 't'],
    ['o', 0o002, 'w'],
    ['o', 0o004, 'r'],
  ];
  const by: Record<string, string> = { u: '', g: '', o: '' };
  for (const [who, bit, ch] of bits) if ((mode & bit) === 0) by[who] += ch;
  return Object.entries(by)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}-${v}`)
    .join(',');
}

function ownership(kind: 'user' | 'group'): Evaluator {
  return (facts, input) => {
    const spec = kind === 'user' ? input.vars.uid_or_name : input.vars.gid_or_name;
    if (!spec) return error(`${input.ruleId}: the template names no ${kind}`);
    const t = targets(facts, input);
    if (!t.ok) return error(`the files are not known: ${t.reason}`);
    if (t.value.seen.length === 0) return nothingToJudge(t.value, input.vars.filepath ?? '');
    const want = ids(facts, spec, kind);
    if (!want.ok) return error(want.reason);
    const field = kind === 'user' ? 'uid' : 'gid';
    const expected = `${spec.split('|').join(' or ')} (${[...want.ids].join(' or ')})`;
    const bad = t.value.seen.filter((s) => !want.ids.has(s[field]));
    const evidence: Evidence[] = (bad.length ? bad : t.value.seen)
      .slice(0, 20)
      .map((s) => ({ source: s.path, key: field, value: String(s[field]), expected }));
    if (want.unresolved.length)
      evidence.push({
        source: kind === 'user' ? '/etc/passwd' : '/etc/group',
        value: `no ${kind} ${want.unresolved.join(', ')}`,
      });
    if (bad.length)
      return {
        ...fail(
          `${listNames(bad.map((s) => `${s.path} is ${field} ${s[field]}`))}: should be ${expected}`,
          evidence,
        ),
        recommendation: `${kind === 'user' ? 'chown' : 'chgrp'} ${spec.split('|').at(-1)} ${bad.map((s) => s.path).join(' ')}`,
      };
    return pass(
      `${listNames(t.value.seen.map((s) => s.path))}: ${field} ${expected}${t.value.notes.length ? ` (${t.value.notes.join('; ')})` : ''}`,
      evidence,
    );
  };
}

export const fileExistence: Evaluator = (facts, input) => {
  const p = input.vars.filepath;
  if (!p) return error(`${input.ruleId}: the template names no path`);
  const mustExist = input.vars.exists !== 'false';
  const s = statOf(facts, p);
  if (!s.ok) return error(`whether ${p} exists is not known: ${s.reason}`);
  const exists = s.stat !== undefined;
  const evidence: Evidence[] = [
    {
      source: p,
      value: exists ? `exists (${octal(s.stat!.mode)}, uid ${s.stat!.uid})` : '(does not exist)',
      expected: mustExist ? 'exists' : 'does not exist',
    },
  ];
  if (exists === mustExist) return pass(`${p} ${exists ? 'exists' : 'does not exist'}`, evidence);
  return {
    ...fail(`${p} ${exists ? 'exists' : 'does not exist'}`, evidence),
    recommendation: mustExist
      ? `Create ${p} (touch ${p}; chown ${input.vars.fileuid ?? '0'}:0 ${p}; chmod ${input.vars.filemode ?? '0640'} ${p}).`
      : `Remove ${p} (rm ${p}).`,
  };
};

export const FILE_EVALUATORS: Record<string, Evaluator> = {
  file_permissions: filePermissions,
  file_owner: ownership('user'),
  file_groupowner: ownership('group'),
  file_existence: fileExistence,
};
