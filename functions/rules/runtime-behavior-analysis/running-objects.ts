/** The files processes ran or mapped during the run (objects referenced as exeObject or in maps), for the ELF rules. */
import type { Facts } from '../../core/facts/facts';
import { objectUsers, type Runtime, type RuntimeObject, type RuntimeProcess } from '../../core/facts/runtime';
import type { Evidence } from '../../core/model';
import { compareStrings, packageLabel, plural, processLabel, RUNTIME_SOURCE } from './common';

export interface RunningObject {
  index: number;
  object: RuntimeObject;
  users: RuntimeProcess[];
}

/** Running executables and libraries, sorted by path (scripts, referenced only as scriptObject, are not). */
export function runningObjects(facts: Facts, rt: Runtime): RunningObject[] {
  return facts.memo('rba:running-objects', () =>
    [...objectUsers(facts, rt)]
      .map(([index, users]) => ({
        index,
        object: rt.objects[index]!,
        users: users.map((i) => rt.processes[i]!).sort((a, b) => a.pid - b.pid),
      }))
      .sort((a, b) => compareStrings(a.object.path, b.object.path) || a.index - b.index),
  );
}

/** "run or mapped by sshd pid 812 uid 0, cron pid 901 uid 0 and 3 more". */
export function usersNote(users: readonly RuntimeProcess[], max = 3): string {
  const shown = users.slice(0, max).map(processLabel).join(', ');
  return `run or mapped by ${shown}${users.length > max ? ` and ${users.length - max} more` : ''}`;
}

export function objectContext(o: RunningObject): string {
  const parts: string[] = [];
  if (o.object.elf.ok) parts.push(`${o.object.elf.type} ${o.object.elf.machineName}`);
  parts.push(o.object.package ? `package ${packageLabel(o.object.package)}` : 'no owning package recorded');
  if (o.object.deleted)
    parts.push('deleted or replaced while running: facts are of the file now at this path');
  parts.push(usersNote(o.users));
  return parts.join('; ');
}

/** Evidence notes counting the objects whose ELF facts could not be read, by reason. */
export function unreadNotes(unread: ReadonlyMap<string, number>): Evidence[] {
  return [...unread]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([reason, n]) => ({
      source: RUNTIME_SOURCE,
      key: 'objects not judged',
      value: plural(n, 'object'),
      note: `ELF facts not read: ${reason}`,
    }));
}

/** rwx text of ELF p_flags (PF_R 4, PF_W 2, PF_X 1). */
export function segmentFlags(flags: number): string {
  return `${flags & 4 ? 'R' : '-'}${flags & 2 ? 'W' : '-'}${flags & 1 ? 'E' : '-'}`;
}

/**
 * A note counting processes whose executable the agent named but did not record as a file (processes in
 * another root directory such as containers, memfd or deleted executables, caps): their files were not
 * judged. None when every named executable was recorded.
 */
export function unrecordedExecutablesNote(rt: Runtime): Evidence[] {
  const n = rt.processes.filter((p) => p.exe && p.exeObject === undefined).length;
  if (n === 0) return [];
  return [
    {
      source: RUNTIME_SOURCE,
      key: 'processes whose files were not recorded',
      value: plural(n, 'process', 'processes'),
      note: 'not judged: with another root directory (containers: their paths name files of their own tree), memfd or deleted executables, or caps',
    },
  ];
}
