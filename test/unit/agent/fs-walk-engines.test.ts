/**
 * The file system walk's two engines (issue 8): GNU find in a child process and the agent's Node walk must
 * record the same thing on the same tree: entries, categories, counts, the capped items. The tree has every
 * kind of match and the names that break line-based or glob-based tools.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { idsOf, type WalkInput, walkFileSystems } from '../../../agent/fs-walk';
import { findArguments, idTests, isGnuFind, literalPattern, runFindWalk } from '../../../agent/fs-walk-find';
import { RootFs } from '../../../agent/root-fs';
import { HOST_CONFIG_LIMITS, type Telemetry } from '../../../functions/core/telemetry';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';

const mounted: string[] = [];
const scratch: string[] = [];
afterAll(() => {
  for (const m of mounted) execFileSync('umount', [m]);
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
  cleanupRoots();
});

const isRoot = process.getuid?.() === 0;
const PASSWD = 'root:x:0:0::/root:/bin/sh\ndaemon:x:1:1::/:/bin/false\nsvc:x:100:100::/:/bin/false\n';
const GROUP = 'root:x:0:\ndaemon:x:1:\nsvc:x:100:\n';

/** A root with every category, awkward names, a FIFO, symlinks and (as root) a nested tmpfs mount. */
function tree(): string {
  const r = makeRoot({
    files: {
      '/etc/passwd': PASSWD,
      '/etc/group': GROUP,
      '/srv/ww file.txt': { content: 'x', mode: 0o666 },
      '/srv/line\nbreak': { content: 'x', mode: 0o646 },
      '/srv/glob [a]*?\\.txt': { content: 'x', mode: 0o4755 },
      '/srv/tab\tand space ': { content: 'x', mode: 0o2775 },
      '/srv/ünïcödé': { content: 'x', mode: 0o6777 },
      '/usr/bin/su-like': { content: 'x', mode: 0o4755 },
      '/usr/bin/sg-like': { content: 'x', mode: 0o2755 },
      '/usr/bin/plain': { content: 'x', mode: 0o755 },
      '/srv/orphan': 'x',
      '/srv/ungrouped': 'x',
      '/srv/+leading-plus': { content: 'x', mode: 0o666 },
      '/srv/.leading-dot': { content: 'x', mode: 0o666 },
      '/proc/ignored-ww': { content: 'x', mode: 0o666 },
      '/run/ignored-ww': { content: 'x', mode: 0o666 },
    },
    dirs: {
      '/srv/open': 0o777,
      '/srv/sticky': 0o1777,
      '/srv/open/inner-open': 0o757,
      '/tmp': 0o1777,
      '/srv/dir\nwith newline': 0o777,
    },
    symlinks: { '/srv/loop-a': 'loop-b', '/srv/loop-b': 'loop-a', '/srv/up': '/', '/srv/self': '.' },
  });
  chownSync(path.join(r, 'srv/orphan'), 4242, 4343);
  chownSync(path.join(r, 'srv/ungrouped'), 100, 999_999);
  chownSync(path.join(r, 'srv/open'), 4242, 0);
  execFileSync('mkfifo', ['-m', '0666', path.join(r, 'srv/fifo')]);
  chownSync(path.join(r, 'srv/fifo'), 77, 78);
  // A name that is not UTF-8 (bytes 0xff 0xfe), a SUID file inside a directory so named.
  const bad = Buffer.concat([Buffer.from(`${r}/srv/`), Buffer.from([0x62, 0xff, 0xfe, 0x64])]);
  mkdirSync(bad, { mode: 0o777 });
  chmodSync(bad, 0o777);
  const badFile = Buffer.concat([bad, Buffer.from('/hidden-suid')]);
  writeFileSync(badFile, 'x');
  chmodSync(badFile, 0o4711);
  // And one in the root's top directory (the one the agent lists itself before find runs below it).
  const badTop = Buffer.concat([Buffer.from(`${r}/top-`), Buffer.from([0xc3])]);
  mkdirSync(badTop);
  writeFileSync(Buffer.concat([badTop, Buffer.from('/suid')]), 'x');
  chmodSync(Buffer.concat([badTop, Buffer.from('/suid')]), 0o4755);
  // More world-writable files than are recorded: which ones are kept must not depend on the engine.
  mkdirSync(path.join(r, 'var/many'), { recursive: true });
  for (let i = 0; i < HOST_CONFIG_LIMITS.maxWalkPathsPerCategory + 137; i++) {
    const f = path.join(r, 'var/many', `f${(i * 7919) % 1000}-${i}`);
    writeFileSync(f, '');
    chmodSync(f, 0o666);
  }
  // A deep tree.
  let deep = path.join(r, 'deep');
  for (let i = 0; i < 120; i++) deep = path.join(deep, 'd');
  mkdirSync(deep, { recursive: true });
  writeFileSync(path.join(deep, 'bottom'), '');
  chmodSync(path.join(deep, 'bottom'), 0o4755);
  return r;
}

/** A tmpfs mounted inside the root (as root): judged as an entry, never entered by either engine. */
function mountInside(r: string): boolean {
  const m = path.join(r, 'srv/mnt');
  mkdirSync(m);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0777', 'inspector-walk-test', m], {
      stdio: 'ignore',
    });
  } catch {
    return false;
  }
  mounted.push(m);
  writeFileSync(path.join(m, 'inside-ww'), '');
  chmodSync(path.join(m, 'inside-ww'), 0o666);
  return true;
}

const input = (r: string, engine: WalkInput['engine'], budget = { maxEntries: 100_000, maxSeconds: 30 }) => ({
  rootFs: new RootFs(r),
  budget,
  ownership: { uids: idsOf(PASSWD), gids: idsOf(GROUP) },
  engine,
});

type WalkOk = Extract<NonNullable<Telemetry['fileSystemWalk']>, { status: 'ok' }>;
async function walk(i: WalkInput): Promise<WalkOk> {
  const w = await walkFileSystems(i);
  if (w.status !== 'ok') throw new Error(`walk not ok: ${JSON.stringify(w)}`);
  return w;
}
/** Everything but how long it took and which engine ran. */
const comparable = ({ elapsedMs: _e, engine: _n, ...rest }: WalkOk) => rest;

const gnu = await isGnuFind();

describe.skipIf(!gnu || !isRoot)('GNU find and the Node walk agree', () => {
  it('on a tree with every category, awkward names, symlinks, a FIFO and a nested mount', async () => {
    const r = tree();
    const withMount = mountInside(r);
    const viaFind = await walk(input(r, 'auto'));
    const viaNode = await walk(input(r, 'node'));
    expect(viaFind.engine).toEqual({ name: 'gnu-find' });
    expect(viaNode.engine).toEqual({ name: 'node' });
    expect(comparable(viaFind)).toEqual(comparable(viaNode));
    // One find process (a one-core host) or two below the top directory the agent lists: the same.
    for (const findProcesses of [1, 2, 3])
      expect(comparable(await walk({ ...input(r, 'auto'), findProcesses }))).toEqual(comparable(viaNode));

    // And what they agree on is right.
    const w = viaFind;
    expect(w.complete).toBe(true);
    const paths = (c: keyof WalkOk['categories']) => w.categories[c].items.map((i) => i.path);
    expect(paths('suidFiles')).toEqual([
      `/deep${'/d'.repeat(120)}/bottom`,
      '/srv/b\ufffd\ufffdd/hidden-suid',
      '/srv/glob [a]*?\\.txt',
      '/srv/ünïcödé',
      '/top-\ufffd/suid',
      '/usr/bin/su-like',
    ]);
    expect(paths('sgidFiles')).toEqual(['/srv/tab\tand space ', '/srv/ünïcödé', '/usr/bin/sg-like']);
    expect(paths('worldWritableDirectoriesWithoutSticky')).toEqual([
      '/srv/b\ufffd\ufffdd',
      '/srv/dir\nwith newline',
      ...(withMount ? ['/srv/mnt'] : []),
      '/srv/open',
      '/srv/open/inner-open',
    ]);
    expect(paths('worldWritableFiles').filter((p) => !p.startsWith('/var/many/'))).toEqual([
      '/srv/+leading-plus',
      '/srv/.leading-dot',
      '/srv/line\nbreak',
      '/srv/ww file.txt',
      '/srv/ünïcödé',
    ]);
    expect(w.categories.worldWritableFiles).toMatchObject({
      count: HOST_CONFIG_LIMITS.maxWalkPathsPerCategory + 137 + 5,
      truncated: true,
    });
    // The first in path order are kept, whatever order the directory listed them in.
    const kept = paths('worldWritableFiles');
    expect(kept).toEqual([...kept].sort());
    expect(kept).toHaveLength(HOST_CONFIG_LIMITS.maxWalkPathsPerCategory);
    expect(paths('unownedFiles')).toEqual(['/srv/fifo', '/srv/open', '/srv/orphan']);
    expect(w.categories.unownedFiles.items[0]).toMatchObject({ uid: 77, gid: 78 });
    expect(w.categories.unownedFiles.items[0]!.mode & 0o170000).toBe(0o010000);
    expect(paths('ungroupedFiles')).toEqual(['/srv/fifo', '/srv/orphan', '/srv/ungrouped']);
    // Full st_mode, file type bits included, as lstat gives it.
    expect(w.categories.suidFiles.items.find((i) => i.path === '/usr/bin/su-like')?.mode).toBe(0o104755);
    // /proc and /run under the root are judged as entries, not entered; the mount's file is not seen.
    const all = Object.values(w.categories).flatMap((c) => c.items.map((i) => i.path));
    expect(all.filter((p) => /ignored|inside-ww/.test(p))).toEqual([]);
  });

  it("on this machine's /usr and /etc (as roots of their own)", async () => {
    for (const r of ['/usr', '/etc']) {
      const real = (engine: WalkInput['engine']) => ({
        rootFs: new RootFs(r),
        budget: { maxEntries: 2_000_000, maxSeconds: 60 },
        ownership: {
          uids: idsOf(readFileSync('/etc/passwd', 'utf8')),
          gids: idsOf(readFileSync('/etc/group', 'utf8')),
        },
        engine,
      });
      const viaFind = await walk(real('auto'));
      const viaNode = await walk(real('node'));
      expect(viaFind.engine?.name).toBe('gnu-find');
      expect(viaFind.complete && viaNode.complete).toBe(true);
      expect(comparable(viaFind)).toEqual(comparable(viaNode));
      expect(viaFind.entriesVisited).toBeGreaterThan(100);
    }
  });

  it('without passwd and group: no ownership judged by either', async () => {
    const r = tree();
    const noOwners = (engine: WalkInput['engine']) => ({
      ...input(r, engine),
      ownership: { missing: 'test' },
    });
    const viaFind = await walk(noOwners('auto'));
    expect(comparable(viaFind)).toEqual(comparable(await walk(noOwners('node'))));
    expect(viaFind.categories.unownedFiles.count).toBe(0);
    expect(viaFind.ownership).toMatchObject({ status: 'missing' });
  });

  it('stops at its entry budget (never past it) and at its time budget, and says so', async () => {
    const r = tree();
    for (const findProcesses of [1, 2]) {
      for (const maxEntries of [5, 25, 300]) {
        const byEntries = await walk({ ...input(r, 'auto', { maxEntries, maxSeconds: 30 }), findProcesses });
        expect(byEntries).toMatchObject({
          complete: false,
          stoppedBy: 'entries',
          entriesVisited: maxEntries,
        });
      }
      const byTime = await walk({ ...input(r, 'auto', { maxEntries: 1000, maxSeconds: 0 }), findProcesses });
      expect(byTime).toMatchObject({ complete: false, stoppedBy: 'time', entriesVisited: 0 });
    }
  });
});

describe.skipIf(!isRoot)('where find is not GNU find or fails', () => {
  const fakeFind = (script: string) => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'inspector-fake-find-'));
    scratch.push(d);
    const f = path.join(d, 'find');
    writeFileSync(f, `#!/bin/sh\n${script}\n`);
    chmodSync(f, 0o755);
    return f;
  };

  it('busybox find: the Node walk runs, and the walk says why', async () => {
    const busybox = fakeFind('echo "BusyBox v1.36.1 (2024-06-10) multi-call binary."; exit 1');
    const w = await walk({ ...input(tree(), 'auto'), findProgram: busybox });
    expect(w.engine).toEqual({ name: 'node', note: `${busybox} is not GNU find` });
    expect(w.categories.suidFiles.count).toBe(6);
  });

  it('a find that claims to be GNU find but refuses the expression: the Node walk runs instead', async () => {
    const broken = fakeFind(
      '[ "$1" = --version ] && { echo "find (GNU findutils) 4.9.0"; exit 0; }; echo "find: unknown predicate" >&2; exit 1',
    );
    const w = await walk({ ...input(tree(), 'auto'), findProgram: broken });
    expect(w.engine?.name).toBe('node');
    expect(w.engine?.note).toMatch(/GNU find failed, the Node walk ran: .* exited with 1, printing nothing/);
    expect(w.complete).toBe(true);
    expect(w.categories.suidFiles.count).toBe(6);
  });

  it('reads records split across reads: a path cut anywhere, dots between, errors on stderr', async () => {
    // What GNU find prints for: a dot, a SUID file whose name has a space and a newline, a dot, a FIFO;
    // written in pieces with pauses, so that the agent reads them in separate chunks.
    const pieces = ['.', '+4755 f 0 0 /r/a', ' b\\n', 'c', '\\0', '.+6', '44 p 7 8 /r/fifo\\0', '..'];
    const script = pieces.map((p) => `printf '${p}'; sleep 0.05`).join('\n');
    const find = fakeFind(`${script}\necho "find: '/r/locked': Permission denied" >&2\nexit 1`);
    const records: Array<[string, number, number, number]> = [];
    const counter = {
      entries: 0,
      maxEntries: 100,
      deadline: performance.now() + 10_000,
      running: new Set<never>(),
    };
    const r = await runFindWalk({ find, args: [], counter, onRecord: (...rec) => records.push(rec) });
    expect(r).toEqual({ ok: true, errors: 1 });
    expect(counter.entries).toBe(6);
    expect(records).toEqual([
      ['/r/a b\nc', 0o104755, 0, 0],
      ['/r/fifo', 0o010644, 7, 8],
    ]);
  });

  it('a find that cannot be run at all', async () => {
    const r = await runFindWalk({
      find: '/nonexistent/find',
      args: ['/'],
      counter: { entries: 0, maxEntries: 10, deadline: performance.now() + 5000, running: new Set() },
      onRecord: () => {},
    });
    expect(r).toMatchObject({ ok: false, detail: expect.stringContaining('did not run') });
    expect(existsSync('/nonexistent/find')).toBe(false);
  });
});

describe('the find expression', () => {
  it.each([
    [
      [0, 1, 2, 3, 33, 34, 65534, 100, 101, 1000],
      [
        '-uid',
        '-4',
        '-o',
        '(',
        '-uid',
        '+32',
        '-uid',
        '-35',
        ')',
        '-o',
        '(',
        '-uid',
        '+99',
        '-uid',
        '-102',
        ')',
        '-o',
        '-uid',
        '1000',
        '-o',
        '-uid',
        '65534',
      ],
    ],
    [[5], ['-uid', '5']],
    [[], []],
    // Ids no file can have are left out (a malformed passwd line).
    [
      [7, -1, 2 ** 40, 1.5],
      ['-uid', '7'],
    ],
  ])('ids %j → %j', (ids, expected) => {
    expect(idTests('-uid', ids)).toEqual(expected);
  });

  it('gives up on the id test past 256 ranges: every entry is then a candidate', () => {
    const ids = Array.from({ length: 300 }, (_, i) => i * 2);
    expect(idTests('-gid', ids)).toBeUndefined();
    const args = findArguments({ startPoints: ['/'], prunePaths: [], ownership: { uids: [0], gids: ids } });
    expect(args.join(' ')).toContain('-o ! ( -uid 0 ) -o -true )');
  });

  it('escapes glob characters in pruned paths', () => {
    expect(literalPattern('/mnt/a*b?[c]\\d')).toBe('/mnt/a\\*b\\?\\[c\\]\\\\d');
    const args = findArguments({ startPoints: ['/r'], prunePaths: ['/r/proc', '/r/x*'] });
    expect(args.slice(-10)).toEqual([
      '-type',
      'd',
      '(',
      '-path',
      '/r/proc',
      '-o',
      '-path',
      '/r/x\\*',
      ')',
      '-prune',
    ]);
    expect(args.slice(0, 3)).toEqual(['-P', '/r', '-xdev']);
  });
});
