// CPU time of a bench process's children (GNU find of the file system walk): user + system of the children
// it has waited for, from /proc/self/stat (cutime, cstime), in ms. Linux only; 0 elsewhere.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticks: number | undefined;

export function childCpuMs(): number {
  try {
    ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3: cutime and cstime are 16, 17.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[13]) + Number(f[14])) * 1000) / ticks;
  } catch {
    return 0;
  }
}

/** The 1-minute load average, as a note beside wall times on a shared machine. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? '?';
  } catch {
    return '?';
  }
}
