/**
 * rba.root-process-insecure-permissions: a process running as root (uid or euid 0) ran, mapped or
 * interpreted a file that a non-root user can change or replace.
 *
 * A file is judged writable by a non-root user when it is owned by a uid other than 0, or group-writable
 * (whatever its group), or writable by others. A directory above it (every ancestor, from
 * `runtime.directories`) lets a non-root user replace the file when it is owned by a uid other than 0, or
 * writable by its group or by others without the sticky bit. With the sticky bit (/tmp) only a file's
 * owner (root here), the directory's owner and root may rename or delete it: not a finding when the
 * directory is root's; a sticky directory owned by a non-root user is one (its owner may do anything in it).
 *
 * Group-writable with group 0 counts too: group 0 may have non-root members, and on a file or directory
 * with a POSIX ACL the group bits of the mode are the ACL mask, the most that any named user or group of
 * the ACL may do (`setfacl -m u:bob:rwx F` turns 0755 into 0775). The agent reads modes, not ACLs, so g+w
 * is the only trace such an ACL leaves; `chmod g-w` takes write from all of them.
 *
 * The files judged: the executable, every mapped executable file (libraries) and the script an interpreter
 * runs. The agent records a script's object under the path the kernel resolves (links followed, as
 * /proc/PID/exe names executables) and the name as given in `script`: the directories above both are
 * judged. File modes come from the object's stat (else the stat taken when its ELF facts were read). Agents
 * before directory recording leave `runtime.directories` out: files are judged alone and the message says so.
 */
import type { Facts } from '../../core/facts/facts';
import { ancestorDirectories, directoriesByPath, type RuntimeProcess } from '../../core/facts/runtime';
import type { Evidence } from '../../core/model';
import { error, fail, notApplicable, pass, type Rule } from '../../core/rule';
import {
  bounded,
  compareStrings,
  LINUX,
  octal,
  packageLabel,
  plural,
  RUNTIME_SOURCE,
  shellQuote,
  truncation,
  withRuntime,
} from './common';
import { usersNote } from './running-objects';

const FILE_EXPECTED = 'owner uid 0; not writable by group or others';
const DIR_EXPECTED = 'owner uid 0; not writable by group or others unless sticky (+t)';

/** Who group write reaches: the group, and the users and groups of an ACL whose mask the bits are. */
const groupWriters = (gid: number) =>
  gid === 0
    ? 'writable by group gid 0 (its non-root members, or users an ACL names: with an ACL these bits are its mask)'
    : `writable by group gid ${gid}`;

/**
 * What the agent's UTF-8 decoding puts for bytes that are not UTF-8 in a path (readlink, /proc/PID/maps):
 * such a path names no file the agent can stat, so its owner and mode are unknown. A root process running
 * from a name that is not UTF-8 is reported rather than passed: a name made that way can hide a file from
 * tools as well as from this rule.
 */
const UNDECODABLE = '\uFFFD';
const UNDECODABLE_NOTE =
  'the name holds bytes that are not UTF-8, so the agent could not read its owner and mode: not judged, reported (a root process running from such a name is suspect)';

interface Mode {
  mode: number;
  uid: number;
  gid: number;
}

function fileProblems(st: Mode): { problems: string[]; fix: string[] } {
  const problems: string[] = [];
  const fix: string[] = [];
  if (st.uid !== 0) {
    problems.push(`owned by uid ${st.uid}`);
    fix.push('chown root');
  }
  if (st.mode & 0o020) {
    problems.push(groupWriters(st.gid));
    fix.push('chmod g-w');
  }
  if (st.mode & 0o002) {
    problems.push('writable by others');
    fix.push('chmod o-w');
  }
  return { problems, fix };
}

function dirProblems(st: Mode): { problems: string[]; fix: string[] } {
  const problems: string[] = [];
  const fix: string[] = [];
  const sticky = (st.mode & 0o1000) !== 0;
  if (st.uid !== 0) {
    problems.push(
      `owned by uid ${st.uid}${sticky ? ' (sticky, but the owner may still replace anything in it)' : ''}`,
    );
    fix.push('chown root');
  }
  if (st.mode & 0o020 && !sticky) {
    problems.push(groupWriters(st.gid));
    fix.push('chmod g-w');
  }
  if (st.mode & 0o002 && !sticky) {
    problems.push('writable by others without the sticky bit');
    fix.push('chmod o-w');
  }
  return { problems, fix };
}

interface Target {
  path: string;
  /** Other names the file was run by (a script's path as given, when links lead to the object's path). */
  names: Set<string>;
  kinds: Set<string>;
  users: RuntimeProcess[];
  index: number;
}

export const rootProcessInsecurePermissions: Rule = {
  id: 'rba.root-process-insecure-permissions',
  title: 'Files that root processes run cannot be changed by other users',
  findingTitle: 'Root processes run files that non-root users can change',
  description:
    'A process running as root executed, loaded or interpreted a file that a non-root user can modify or ' +
    "replace (through the file's owner or mode, or a directory above it). That user can then run code as " +
    'root the next time the program, library or script is loaded.',
  recommendation:
    'Make the files and every directory above them owned by root and not writable by group or others ' +
    '(chown root PATH; chmod go-w PATH), and find out how they became writable.',
  severity: 'High',
  platforms: LINUX,
  parameters: {},
  check(facts: Facts) {
    const got = withRuntime(facts, 'permissions of files run by root processes');
    if (!got.ok) return got.outcome;
    const rt = got.rt;
    const roots = rt.processes.filter((p) => p.uid === 0 || p.euid === 0);
    if (roots.length === 0)
      return notApplicable(
        `no process ran as root among the ${plural(rt.processes.length, 'process', 'processes')} recorded`,
      );

    const targets = new Map<number, Target>();
    const add = (index: number, kind: string, p: RuntimeProcess, name?: string) => {
      const t = targets.get(index) ?? {
        path: rt.objects[index]!.path,
        names: new Set<string>(),
        kinds: new Set<string>(),
        users: [],
        index,
      };
      if (name !== undefined && name !== t.path) t.names.add(name);
      t.kinds.add(kind);
      if (!t.users.includes(p)) t.users.push(p);
      targets.set(index, t);
    };
    let unreadProcesses = 0;
    let unrecorded = 0;
    for (const p of roots) {
      if (p.exeObject === undefined && !p.exe) unreadProcesses++;
      else if (p.exeObject === undefined) unrecorded++;
      if (p.exeObject !== undefined) add(p.exeObject, 'executable', p);
      for (const m of p.maps) if (m !== p.exeObject) add(m, 'mapped file', p);
      if (p.scriptObject !== undefined) add(p.scriptObject, 'script', p, p.script);
      else if (p.script) unrecorded++;
    }

    const dirs = directoriesByPath(facts, rt);
    const offenders: Array<{ sort: string; ev: Evidence; fix: string }> = [];
    const dirFindings = new Map<
      string,
      { ev: Evidence; files: string[]; users: RuntimeProcess[]; fix: string }
    >();
    const missingDirs = new Set<string>();
    const packages = new Set<string>();
    let judged = 0;
    let noStat = 0;
    for (const t of [...targets.values()].sort((a, b) => compareStrings(a.path, b.path))) {
      const obj = rt.objects[t.index]!;
      const st: Mode | undefined = obj.stat ?? (obj.elf.ok ? obj.elf.file : undefined);
      t.users.sort((a, b) => a.pid - b.pid);
      if (!st) {
        noStat++;
        // A name that is not UTF-8 is reported, and the directories above it judged; other files without
        // owner and mode (deleted, unreadable) are counted only.
        if (!t.path.includes(UNDECODABLE)) continue;
        offenders.push({
          sort: `${t.path}|0`,
          fix: `ls -l --quoting-style=escape -- ${shellQuote(t.path.slice(0, t.path.indexOf(UNDECODABLE)))}*`,
          ev: {
            source: t.path,
            key: [...t.kinds].sort().join(', '),
            value: 'name not UTF-8: owner and mode not read',
            expected: FILE_EXPECTED,
            note: `${UNDECODABLE_NOTE}; ${usersNote(t.users)}`,
          },
        });
      } else {
        judged++;
        const pkg = obj.package ? `; package ${packageLabel(obj.package)}` : '';
        const f = fileProblems(st);
        if (f.problems.length > 0) {
          if (obj.package) packages.add(verifyCommand(obj.package.manager, obj.package.name));
          offenders.push({
            sort: `${t.path}|0`,
            fix: `${f.fix.map((c) => `${c} ${shellQuote(t.path)}`).join(' && ')}`,
            ev: {
              source: t.path,
              key: [...t.kinds].sort().join(', '),
              value: `${octal(st.mode)} uid ${st.uid} gid ${st.gid}`,
              expected: FILE_EXPECTED,
              note:
                `non-root write access: ${f.problems.join(', ')}; ${usersNote(t.users)}${pkg}` +
                (obj.deleted ? '; deleted or replaced while running: mode of the file now at this path' : ''),
            },
          });
        }
      }
      if (!dirs) continue;
      // The directories above the file, and above each name it was run by (a link on the way can be
      // changed by whoever may write the directory holding it).
      const chain = new Set([t.path, ...t.names].flatMap(ancestorDirectories));
      for (const d of chain) {
        const rec = dirs.get(d);
        if (!rec) {
          missingDirs.add(d);
          if (d.includes(UNDECODABLE) && !dirFindings.has(d))
            dirFindings.set(d, {
              files: [t.path],
              users: [...t.users],
              fix: `ls -ld --quoting-style=escape -- ${shellQuote(d.slice(0, d.indexOf(UNDECODABLE)))}*`,
              ev: {
                source: d,
                key: 'directory',
                value: 'name not UTF-8: owner and mode not read',
                expected: DIR_EXPECTED,
                note: UNDECODABLE_NOTE,
              },
            });
          else if (d.includes(UNDECODABLE)) dirFindings.get(d)!.files.push(t.path);
          continue;
        }
        const dp = dirProblems(rec);
        if (dp.problems.length === 0) continue;
        const found = dirFindings.get(d);
        if (found) {
          found.files.push(t.path);
          for (const u of t.users) if (!found.users.includes(u)) found.users.push(u);
          continue;
        }
        dirFindings.set(d, {
          files: [t.path],
          users: [...t.users],
          fix: `${dp.fix.map((c) => `${c} ${shellQuote(d)}`).join(' && ')}`,
          ev: {
            source: d,
            key: 'directory',
            value: `${octal(rec.mode)} uid ${rec.uid} gid ${rec.gid}`,
            expected: DIR_EXPECTED,
            note: dp.problems.join(', '),
          },
        });
      }
    }
    for (const [d, x] of dirFindings) {
      const files = `${x.files.slice(0, 3).join(', ')}${x.files.length > 3 ? ` and ${x.files.length - 3} more` : ''}`;
      offenders.push({
        sort: `${d}|1`,
        fix: x.fix,
        ev: {
          ...x.ev,
          note: `${x.ev.value?.startsWith('name not UTF-8') ? `${x.ev.note}; holds` : `non-root write access: ${x.ev.note}; lets that user replace`} ${files}; ${usersNote(x.users.sort((a, b) => a.pid - b.pid))}`,
        },
      });
    }

    const notes: Evidence[] = [];
    if (!dirs)
      notes.push({
        source: RUNTIME_SOURCE,
        key: 'directories',
        value: 'not recorded',
        note: 'the agent did not record the directories above the files (an older agent): only the files themselves were judged',
      });
    else if (missingDirs.size > 0)
      notes.push({
        source: RUNTIME_SOURCE,
        key: 'directories not recorded',
        value: String(missingDirs.size),
        note: `not judged: ${[...missingDirs].sort().slice(0, 5).join(', ')}${missingDirs.size > 5 ? ', …' : ''}`,
      });
    if (noStat > 0)
      notes.push({
        source: RUNTIME_SOURCE,
        key: 'files without owner and mode',
        value: String(noStat),
        note: 'not judged',
      });
    if (unreadProcesses > 0)
      notes.push({
        source: RUNTIME_SOURCE,
        key: 'root processes without a readable executable',
        value: String(unreadProcesses),
        note: 'not judged: the executable link could not be read (the process ended, or the agent does not run as root)',
      });
    if (unrecorded > 0)
      notes.push({
        source: RUNTIME_SOURCE,
        key: 'files of root processes not recorded',
        value: String(unrecorded),
        note: 'executables or scripts named but not recorded as files (processes with another root directory such as containers, whose paths name files of their own tree; memfd or deleted executables, caps, unreadable paths): not judged',
      });
    const trunc = truncation(
      rt,
      ['objects', 'maps', 'processSightings', 'longPaths', 'directories'],
      'files or directories not recorded were not judged',
    );
    notes.push(...trunc.evidence);
    // A PASS never claims more than was judged: directories missing from the record are said in the message.
    const dirSentence = !dirs
      ? ' Directories were not recorded by this agent: only the files were judged.'
      : missingDirs.size > 0
        ? ` ${plural(missingDirs.size, 'directory', 'directories')} above them ${missingDirs.size === 1 ? 'was' : 'were'} not recorded and not judged.`
        : '';

    if (judged === 0 && offenders.length === 0) {
      return error(
        `permissions of files run by root processes could not be evaluated: none of the files of the ${plural(roots.length, 'root process', 'root processes')} was recorded with its owner and mode`,
        notes,
      );
    }
    if (offenders.length === 0) {
      return pass(
        `the ${plural(judged, 'file')} run by ${plural(roots.length, 'root process', 'root processes')}${dirs ? ' and the directories above them' : ''} are not writable by non-root users.${dirSentence}${trunc.sentence}`,
        notes,
      );
    }
    offenders.sort((a, b) => compareStrings(a.sort, b.sort));
    const fixes = offenders.map((o) => o.fix);
    return {
      ...fail(
        `${plural(offenders.length, 'file or directory', 'files or directories')} used by root processes can be changed by non-root users: ${offenders
          .slice(0, 5)
          .map((o) => o.ev.source)
          .join(', ')}${offenders.length > 5 ? ', …' : ''}.${dirSentence}${trunc.sentence}`,
        [
          ...bounded(
            offenders.map((o) => o.ev),
            'files and directories',
          ),
          ...notes,
        ],
      ),
      recommendation:
        `Run: ${fixes.slice(0, 20).join('; ')}${fixes.length > 20 ? `; and ${fixes.length - 20} more` : ''}. ` +
        (packages.size > 0 ? `Then verify the packages: ${[...packages].sort().join('; ')}. ` : '') +
        'Find out how they became writable, and treat the host as possibly compromised if a non-root user could have changed them.',
    };
  },
};

function verifyCommand(manager: string, name: string): string {
  switch (manager) {
    case 'dpkg':
      return `dpkg --verify ${shellQuote(name)}`;
    case 'rpm':
      return `rpm -V ${shellQuote(name)}`;
    default:
      return `apk audit --system (${name})`;
  }
}
