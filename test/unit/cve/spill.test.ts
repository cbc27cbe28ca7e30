/**
 * The advisory spill feeds sync reads large exports through: advisories go to one JSON-lines file per release
 * as they are read and come back the same, in order, one release at a time; the folder goes afterwards.
 * writeSpilled compiles exactly what writeBundle compiles from the same advisories held in memory.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Advisory, emptyRead, type KevCatalog } from '../../../functions/feeds/model';
import { AdvisorySpill, writeSpilled } from '../../../functions/feeds/spill';
import { feedsDir, readManifest, writeBundle } from '../../../functions/feeds/store';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'spill-'));
  dirs.push(d);
  return d;
};

/** `n` advisories over three releases, with every optional field used somewhere and a repeated id. */
function advisories(n: number): Advisory[] {
  const keys = [
    { family: 'debian', release: '12' },
    { family: 'ubuntu', release: 'pro-22.04' },
    { family: 'amazon', release: '2023' },
  ] as const;
  return Array.from({ length: n }, (_, i) => {
    const a: Advisory = {
      id: `ADV-${i % (n - 3)}`, // the last three repeat earlier ids: the later one must win
      key: { ...keys[i % 3]! },
      cves: [`CVE-2099-${1000 + i}`],
      references: [`https://example.test/${i}`],
      packages: [
        {
          name: `pkg${i % 17}`,
          ranges: [
            [
              { kind: 'introduced', version: '0' },
              { kind: 'fixed', version: `1.${i}-1` },
            ],
          ],
          versions: i % 5 === 0 ? ['1.0-1', '1.0-2'] : [],
          arches: i % 3 === 2 ? ['x86_64', 'aarch64'] : [],
          wontFix: i % 7 === 0,
          ...(i % 11 === 0 ? { stream: '5.10' } : {}),
        },
      ],
    };
    if (i % 2) a.severity = 'high';
    if (i % 4 === 0)
      a.cvss = { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 };
    if (i % 3 === 0) a.summary = `summary ${'é'.repeat(i % 4)} ${i}`;
    return a;
  });
}

describe('AdvisorySpill', () => {
  it('gives back each release’s advisories as added, in order, and removes its folder', async () => {
    const dataDir = tmp();
    const spill = await AdvisorySpill.create(dataDir);
    expect(path.dirname(spill.dir)).toBe(feedsDir(dataDir));
    const all = advisories(9_000); // past the 1 MiB flush threshold for every release
    for (const a of all) spill.add(a);
    expect(spill.count).toBe(9_000);
    expect(spill.releaseKeys()).toEqual(['amazon:2023', 'debian:12', 'ubuntu:pro-22.04']);
    for (const key of spill.releaseKeys()) {
      const want = all.filter((a) => `${a.key.family}:${a.key.release}` === key);
      expect(await spill.advisories(key)).toEqual(want);
    }
    expect(await spill.advisories('alpine:v3.20')).toEqual([]);
    await spill.dispose();
    expect(existsSync(spill.dir)).toBe(false);
  });

  it('writeSpilled compiles the same index files and manifest entries as writeBundle from memory', async () => {
    const all = advisories(600);
    const kev: KevCatalog = {
      catalogVersion: '2026.11.30',
      entries: [{ cve: 'CVE-2099-1000', dateAdded: '2026-11-01', dueDate: '2026-11-22' }],
    };
    const now = '2026-12-01T00:00:00.000Z';
    const inMemory = tmp();
    const fromMemory = await writeBundle(
      inMemory,
      { read: { ...emptyRead(), advisories: all }, kev },
      { replace: true, now },
    );

    const spilled = tmp();
    const spill = await AdvisorySpill.create(spilled);
    for (const a of all) spill.add(a);
    const fromSpill = await writeSpilled(spilled, spill, { kev }, { now });
    await spill.dispose();

    expect(fromSpill.kev).toEqual(fromMemory.kev);
    expect([...fromSpill.releases].sort((a, b) => a.key.localeCompare(b.key))).toEqual(
      [...fromMemory.releases].sort((a, b) => a.key.localeCompare(b.key)),
    );
    const files = (d: string) =>
      readdirSync(feedsDir(d))
        .filter((f) => f !== 'manifest.json')
        .sort();
    expect(files(spilled)).toEqual(files(inMemory));
    for (const f of files(inMemory))
      expect(readFileSync(path.join(feedsDir(spilled), f), 'utf8')).toBe(
        readFileSync(path.join(feedsDir(inMemory), f), 'utf8'),
      );
    const m1 = await readManifest(feedsDir(inMemory));
    const m2 = await readManifest(feedsDir(spilled));
    expect(m2?.releases).toEqual(m1?.releases);
    expect(m2?.kev).toEqual(m1?.kev);
    expect(readdirSync(feedsDir(spilled)).filter((f) => f.startsWith('.spill-'))).toEqual([]);
  });
});
