/**
 * The file system walk's system calls done by GNU find, in C, in its own process (issue 8): the agent's
 * walk of / (450,000 entries) spends most of its time in one `lstat` per entry through Node; find does the
 * same reads through directory file descriptors with less CPU and off the agent's thread, so the rest of the
 * collection runs beside it. find is only a pre-filter: it prints every entry that could fall in a category
 * (a superset), and fs-walk.ts's judge decides, as it does for the Node walk; every other entry prints one
 * byte, so entries are counted and the entry budget holds. Used where `find --version` says GNU findutils
 * (busybox's find has no -printf); elsewhere, or when find fails, the Node walk runs.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';

/** The program probed and run by default: the agent runs commands by name (PATH), as it does systemctl. */
export const FIND = 'find';

const probes = new Map<string, Promise<boolean>>();

/** Whether `program` is GNU find (`find --version`), asked once per process and program. */
export function isGnuFind(program: string = FIND): Promise<boolean> {
  let probe = probes.get(program);
  if (!probe) {
    probe = new Promise((resolve) => {
      execFile(program, ['--version'], { env: findEnv(), timeout: 10_000 }, (err, stdout) => {
        resolve(!err && /^find \(GNU findutils\) \d/.test(stdout));
      });
    });
    probes.set(program, probe);
  }
  return probe;
}

function findEnv(): NodeJS.ProcessEnv {
  // C locale: error lines are `find: '<path>': <reason>`; POSIXLY_CORRECT changes how find reports errors.
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
  delete env.POSIXLY_CORRECT;
  return env;
}

/** Ranges of ids given to `-uid`/`-gid`; more make find's per-entry test slow: every entry is printed then. */
const MAX_ID_RANGES = 256;
const MAX_ID = 0xffff_ffff;

/** `-uid`/`-gid` tests true for ids in `ids` (contiguous ids as one range); undefined when too many. */
export function idTests(test: '-uid' | '-gid', ids: Iterable<number>): string[] | undefined {
  const sorted = [...new Set(ids)]
    .filter((i) => Number.isSafeInteger(i) && i >= 0 && i <= MAX_ID)
    .sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  for (const i of sorted) {
    const last = ranges.at(-1);
    if (last && i === last[1] + 1) last[1] = i;
    else ranges.push([i, i]);
  }
  if (ranges.length > MAX_ID_RANGES) return undefined;
  const out: string[] = [];
  for (const [a, b] of ranges) {
    if (out.length > 0) out.push('-o');
    // find's numeric arguments: N exactly, +N greater than N, -N less than N.
    if (a === b) out.push(test, String(a));
    else if (a === 0) out.push(test, `-${b + 1}`);
    else out.push('(', test, `+${a - 1}`, test, `-${b + 1}`, ')');
  }
  return out;
}

/** A path as a find -path pattern that matches only itself (fnmatch's special characters escaped). */
export function literalPattern(p: string): string {
  return p.replace(/[\\*?[\]]/g, '\\$&');
}

/** The find expression: candidates print a record, every other entry a dot; then directories to prune. */
export function findArguments(opts: {
  startPoints: string[];
  prunePaths: string[];
  ownership?: { uids: Iterable<number>; gids: Iterable<number> };
  /** The start points were judged already (their parent was listed): only what is below them. */
  belowStartPoints?: boolean;
}): string[] {
  const candidate = [
    '(',
    '-type',
    'f',
    '(',
    '-perm',
    '-0002',
    '-o',
    '-perm',
    '-4000',
    '-o',
    '-perm',
    '-2000',
    ')',
    '-o',
    '-type',
    'd',
    '-perm',
    '-0002',
    '!',
    '-perm',
    '-1000',
  ];
  if (opts.ownership) {
    for (const [test, ids] of [
      ['-uid', opts.ownership.uids],
      ['-gid', opts.ownership.gids],
    ] as const) {
      const owned = idTests(test, ids);
      // No id known: every entry is unowned; too many ranges: every entry is a candidate.
      if (owned === undefined || owned.length === 0) candidate.push('-o', '-true');
      else candidate.push('-o', '!', '(', ...owned, ')');
    }
  }
  candidate.push(')');
  const prune: string[] = [];
  for (const p of opts.prunePaths)
    prune.push(...(prune.length > 0 ? ['-o'] : []), '-path', literalPattern(p));
  return [
    '-P',
    ...opts.startPoints,
    '-xdev',
    ...(opts.belowStartPoints ? ['-mindepth', '1'] : []),
    '(',
    ...candidate,
    '-printf',
    `${RECORD}%m %y %U %G %p\\0`,
    '-o',
    '-printf',
    DOT,
    ')',
    ...(prune.length > 0 ? ['-type', 'd', '(', ...prune, ')', '-prune'] : []),
  ];
}

const RECORD = '+';
const DOT = '.';
const RECORD_BYTE = RECORD.charCodeAt(0);
const DOT_BYTE = DOT.charCodeAt(0);
const NUL = 0;

/** %y letters → the file type bits of st_mode. */
const TYPE_BITS: Record<string, number> = {
  f: 0o100000,
  d: 0o040000,
  l: 0o120000,
  c: 0o020000,
  b: 0o060000,
  p: 0o010000,
  s: 0o140000,
};

/** Entries counted and the budget, shared by the find processes of one walk. */
export interface FindCounter {
  entries: number;
  maxEntries: number;
  /** performance.now() after which the walk stops. */
  deadline: number;
  stoppedBy?: 'entries' | 'time';
  /** The find processes running: a budget reached by one stops all. */
  running: Set<ChildProcess>;
}

export function stopFindWalk(counter: FindCounter, why: 'entries' | 'time'): void {
  counter.stoppedBy ??= why;
  for (const child of counter.running) child.kill('SIGKILL');
}

export interface FindWalkInput {
  find: string;
  args: string[];
  counter: FindCounter;
  /** Each record: the path as find printed it, st_mode, uid, gid. */
  onRecord: (hostPath: string, mode: number, uid: number, gid: number) => void;
}

export type FindWalkResult = { ok: true; errors: number } | { ok: false; detail: string };

/** Runs find and streams its output; resolves when it has ended or was stopped by a budget. */
export function runFindWalk(input: FindWalkInput): Promise<FindWalkResult> {
  const { counter } = input;
  return new Promise((resolve) => {
    if (!counter.stoppedBy && performance.now() > counter.deadline) counter.stoppedBy = 'time';
    if (counter.stoppedBy) {
      resolve({ ok: true, errors: 0 });
      return;
    }
    let errors = 0;
    let printed = false;
    let carry: Buffer | undefined;
    let errCarry = '';
    const child = spawn(input.find, input.args, { stdio: ['ignore', 'pipe', 'pipe'], env: findEnv() });
    counter.running.add(child);
    const timer = setTimeout(
      () => stopFindWalk(counter, 'time'),
      Math.max(0, counter.deadline - performance.now()),
    );
    const record = (buf: Buffer, from: number, to: number) => {
      // `+<mode octal> <type> <uid> <gid> <path>`: the path is everything after the fourth space.
      let s = from + 1;
      const fields: string[] = [];
      for (let k = 0; k < 4; k++) {
        const sp = buf.indexOf(0x20, s);
        if (sp < 0 || sp >= to) return;
        fields.push(buf.toString('latin1', s, sp));
        s = sp + 1;
      }
      const mode = (Number.parseInt(fields[0]!, 8) & 0o7777) | (TYPE_BITS[fields[1]!] ?? 0);
      input.onRecord(buf.toString('utf8', s, to), mode, Number(fields[2]), Number(fields[3]));
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (counter.stoppedBy) {
        child.kill('SIGKILL');
        return;
      }
      const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = undefined;
      let i = 0;
      const n = buf.length;
      while (i < n) {
        const b = buf[i]!;
        if (b !== DOT_BYTE && b !== RECORD_BYTE) {
          // Nothing else is printed outside a record: skip it rather than miscount.
          i++;
          continue;
        }
        let end = i;
        if (b === RECORD_BYTE) {
          end = buf.indexOf(NUL, i + 1);
          if (end < 0) {
            carry = buf.subarray(i);
            break;
          }
        }
        if (counter.entries >= counter.maxEntries) {
          stopFindWalk(counter, 'entries');
          return;
        }
        counter.entries++;
        printed = true;
        if (b === RECORD_BYTE) record(buf, i, end);
        i = end + 1;
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      // One line per error: `find: '<path>': Permission denied` (an unreadable directory, or an entry
      // that vanished while the walk ran); warnings are not errors.
      const lines = (errCarry + text).split('\n');
      errCarry = lines.pop() ?? '';
      for (const l of lines) if (l.startsWith("find: '")) errors++;
    });
    let spawnError: Error | undefined;
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      counter.running.delete(child);
      if (errCarry.startsWith("find: '")) errors++;
      if (counter.stoppedBy) resolve({ ok: true, errors });
      else if (spawnError) resolve({ ok: false, detail: `${input.find} did not run: ${spawnError.message}` });
      else if (signal) resolve({ ok: false, detail: `${input.find} ended by ${signal}` });
      // 1: some paths could not be read (counted above); nothing printed means find refused the expression.
      else if (code === 0 || (code === 1 && (printed || errors > 0))) resolve({ ok: true, errors });
      else
        resolve({
          ok: false,
          detail: `${input.find} exited with ${code}${printed ? '' : ', printing nothing'}`,
        });
    });
  });
}
