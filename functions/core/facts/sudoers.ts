/**
 * sudo's policy as sudoers(5) reads it: /etc/sudoers with its include directives expanded in place
 * (`@includedir DIR` / `#includedir DIR`: the directory's files in name order, skipping names that end in
 * `~` or contain a `.`, as sudo does; `@include FILE`), each line with the file it came from. The agent reads
 * /etc/sudoers and /etc/sudoers.d; an include of another path is reported as not read.
 */
import { parseSudoers, type SudoersLine } from '../../parsers/sudoers';
import { type Fact, type Facts, fact, noFact } from './facts';
import { directoryTexts } from './host-config';

export const SUDOERS_PATH = '/etc/sudoers';
const MAX_FILES = 256;

export type SudoersLineAt = SudoersLine & { file: string };

export interface SudoersPolicy {
  files: string[];
  lines: SudoersLineAt[];
  /** Includes that could not be followed (not collected, missing). */
  problems: string[];
}

/** undefined: no /etc/sudoers (sudo not installed). */
export function sudoersPolicy(facts: Facts): Fact<SudoersPolicy | undefined> {
  return facts.memo('sudoers', () => compute(facts));
}

function compute(facts: Facts): Fact<SudoersPolicy | undefined> {
  const rec = facts.file(SUDOERS_PATH);
  if (!rec) return noFact(`${SUDOERS_PATH} was not collected by the agent`);
  if (rec.status === 'missing' && rec.reason === 'not-found') return fact(undefined);
  const out: SudoersPolicy = { files: [], lines: [], problems: [] };
  const read = (p: string, depth: number): string | undefined => {
    if (out.files.length >= MAX_FILES || depth > 8) {
      out.problems.push(`${p}: include depth or file count exceeded`);
      return undefined;
    }
    const t = facts.text(p);
    if (!t.ok) return `${p}: ${t.reason}`;
    out.files.push(p);
    for (const l of parseSudoers(t.value.text)) {
      if (l.kind !== 'include') {
        out.lines.push({ ...l, file: p });
        continue;
      }
      const target = l.path.replace(/%h/g, '');
      if (l.dir) {
        const files = directoryTexts(facts, target);
        if (!files.ok) {
          out.problems.push(`${p} line ${l.line}: ${target} not read (${files.reason})`);
          continue;
        }
        for (const f of files.value) {
          const name = f.path.slice(f.path.lastIndexOf('/') + 1);
          if (name.endsWith('~') || name.includes('.') || f.resolvedPath === '/dev/null') continue;
          const r = read(f.path, depth + 1);
          if (r) out.problems.push(r);
        }
      } else {
        const abs = target.startsWith('/') ? target : `/etc/${target}`;
        if (!facts.file(abs)) {
          out.problems.push(`${p} line ${l.line}: ${abs} was not collected by the agent`);
          continue;
        }
        if (facts.isAbsent(abs)) continue;
        const r = read(abs, depth + 1);
        if (r) out.problems.push(r);
      }
    }
    return undefined;
  };
  const r = read(SUDOERS_PATH, 0);
  if (r) return noFact(r);
  return fact(out);
}

/** The global Defaults settings (no qualifier) of a name, in reading order. */
export function globalDefaults(policy: SudoersPolicy, name: string) {
  return policy.lines.flatMap((l) =>
    l.kind === 'defaults' && !l.qualifier
      ? l.settings.filter((s) => s.name === name).map((s) => ({ setting: s, line: l }))
      : [],
  );
}
