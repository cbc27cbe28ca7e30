/**
 * Spill folders a killed sync left behind: the next spill created in the same feeds directory removes them
 * (a `feeds sync` killed with SIGKILL, a Lambda whose timed-out runtime had the same pid), and leaves the
 * folders of live syncs alone; a folder whose pid is alive but that was not written to for an hour goes too.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AdvisorySpill, STALE_FOLDER_MS, sweepStaleFolders } from '../../../functions/feeds/spill';
import { feedsDir } from '../../../functions/feeds/store';

const SPILL = path.resolve(__dirname, '../../../functions/feeds/spill.ts');
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'spill-sweep-'));
  dirs.push(d);
  return d;
};

/**
 * A node process that creates a spill in `dataDir`, writes 30,000 advisories into it (flushed to disk), prints
 * the folder and waits (a sync in the middle of a download). Resolves once the folder is there.
 */
async function spillingChild(dataDir: string): Promise<{ child: ChildProcess; dir: string }> {
  const script = path.join(dataDir, `child-${children.length}.mts`);
  writeFileSync(
    script,
    `import { AdvisorySpill } from ${JSON.stringify(pathToFileURL(SPILL).href)};
const spill = await AdvisorySpill.create(${JSON.stringify(dataDir)});
for (let i = 0; i < 30000; i++)
  spill.add({ id: 'A-' + i, key: { family: 'debian', release: '12' }, cves: ['CVE-2099-' + i], references: [],
    packages: [{ name: 'p' + i, ranges: [], versions: [], arches: [], wontFix: false }] });
process.stdout.write(spill.dir + '\\n');
setInterval(() => {}, 1000);
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: path.resolve(__dirname, '../../..'),
  });
  children.push(child);
  const dir = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', (code) => reject(new Error(`child exited with ${code} before spilling`)));
  });
  return { child, dir };
}

const spills = (dataDir: string) =>
  readdirSync(feedsDir(dataDir))
    .filter((n) => n.startsWith('.spill-'))
    .sort();

/** A pid no process has: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

describe('stale spill folders', () => {
  it('a spill whose process was killed (SIGKILL) mid-way is removed by the next spill; a live process keeps its own', async () => {
    const dataDir = tmp();
    const killed = await spillingChild(dataDir);
    const live = await spillingChild(dataDir);
    // The killed sync had written advisories to disk.
    expect(readdirSync(killed.dir).length).toBeGreaterThan(0);
    killed.child.kill('SIGKILL');
    await new Promise((resolve) => killed.child.once('exit', resolve));
    expect(existsSync(killed.dir)).toBe(true); // its `finally` never ran

    const next = await AdvisorySpill.create(dataDir);
    try {
      expect(existsSync(killed.dir)).toBe(false);
      expect(existsSync(live.dir)).toBe(true);
      expect(spills(dataDir)).toEqual([path.basename(live.dir), path.basename(next.dir)].sort());
    } finally {
      await next.dispose();
    }
    expect(spills(dataDir)).toEqual([path.basename(live.dir)]);
  });

  it("this process's own open spills are kept; a folder with this pid that it does not have open goes (a Lambda's previous runtime)", async () => {
    const dataDir = tmp();
    const first = await AdvisorySpill.create(dataDir);
    const leftover = path.join(feedsDir(dataDir), `.spill-${process.pid}-0badf00d`);
    mkdirSync(leftover);
    writeFileSync(path.join(leftover, '0.jsonl'), '{}\n');
    const second = await AdvisorySpill.create(dataDir);
    try {
      expect(existsSync(first.dir)).toBe(true);
      expect(existsSync(leftover)).toBe(false);
    } finally {
      await Promise.all([first.dispose(), second.dispose()]);
    }
  });

  it('a folder of a dead pid goes; one of a live pid goes only when not written to for an hour (pid reused)', async () => {
    const dataDir = tmp();
    const live = await spillingChild(dataDir);
    const dead = path.join(feedsDir(dataDir), `.spill-${deadPid()}-00000001`);
    const reused = path.join(feedsDir(dataDir), `.spill-${live.child.pid}-00000002`);
    const other = path.join(feedsDir(dataDir), 'not-a-spill');
    for (const d of [dead, reused, other]) mkdirSync(d);
    const old = new Date(Date.now() - STALE_FOLDER_MS - 60_000);
    utimesSync(reused, old, old);
    utimesSync(live.dir, new Date(Date.now() - STALE_FOLDER_MS + 600_000), new Date());
    const removed = await sweepStaleFolders(feedsDir(dataDir), '.spill-');
    expect(removed.sort()).toEqual([path.basename(dead), path.basename(reused)].sort());
    expect(existsSync(live.dir)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });

  it('an open spill touches its folder as it writes, so it never looks an hour old', async () => {
    const dataDir = tmp();
    const spill = await AdvisorySpill.create(dataDir);
    try {
      const old = new Date(Date.now() - 2 * STALE_FOLDER_MS);
      utimesSync(spill.dir, old, old);
      for (let i = 0; i < 20_000; i++)
        spill.add({
          id: `A-${i}`,
          key: { family: 'debian', release: '12' },
          cves: [`CVE-2099-${i}`],
          references: [],
          packages: [{ name: `p${i}`, ranges: [], versions: [], arches: [], wontFix: false }],
        });
      expect((await spill.advisories('debian:12')).length).toBe(20_000);
      const { mtimeMs } = await import('node:fs').then((f) => f.statSync(spill.dir));
      expect(Date.now() - mtimeMs).toBeLessThan(60_000);
    } finally {
      await spill.dispose();
    }
  });
});
