/**
 * rpm ownership against a real rpm database (built with rpmbuild and `rpm -i --justdb` under a temp root,
 * test/helpers/rpm-db.ts) and the real `rpm -qf`: epoch:version-release, unowned and missing paths among
 * owned ones in the same batch, a file two packages own (the batch is split until owner lines match
 * paths), more paths than one batch holds, and a merged-/usr name (/bin/demo for /usr/bin/demo).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookUpPackageOwners, type OwnerLookup } from '../../../agent/package-owners';
import { RootFs } from '../../../agent/root-fs';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import { cleanupRpmBuilds, installRpms } from '../../helpers/rpm-db';

const BULK = Array.from({ length: 300 }, (_, i) => `/usr/share/bulk/file-${String(i).padStart(3, '0')}.txt`);
let root: string;

beforeAll(() => {
  root = makeRoot({
    dirs: { '/usr/bin': 0o755, '/usr/local/bin': 0o755 },
    symlinks: { '/bin': 'usr/bin' },
    files: { '/usr/local/bin/mine': '#!/bin/sh\n' },
  });
  installRpms(root, [
    {
      name: 'demo-tool',
      epoch: 2,
      version: '1.2.3',
      release: '4.el9',
      files: ['/usr/bin/demo', '/usr/lib64/libdemo.so.1'],
    },
    { name: 'plain', version: '0.9', release: '1.el9', files: ['/usr/bin/plain'] },
    { name: 'shared-a', version: '1.0', release: '1', files: ['/usr/share/shared/common.txt'] },
    { name: 'shared-b', version: '1.0', release: '1', files: ['/usr/share/shared/common.txt'] },
    { name: 'bulk', version: '3', release: '1', files: BULK },
  ]);
});

afterAll(() => {
  cleanupRpmBuilds();
  cleanupRoots();
});

describe('rpm -qf against a real rpm database', () => {
  let r: OwnerLookup;
  beforeAll(async () => {
    r = await lookUpPackageOwners(new RootFs(root), [
      '/usr/bin/demo',
      '/usr/local/bin/mine',
      '/usr/lib64/libdemo.so.1',
      '/opt/gone/missing',
      '/usr/share/shared/common.txt',
      '/usr/bin/plain',
      '/bin/demo',
      ...BULK,
    ]);
  });

  it('owners with epoch:version-release; unowned and missing paths have none', () => {
    expect(r.status).toEqual({ status: 'ok', managers: ['rpm'] });
    expect(r.owners.get('/usr/bin/demo')).toEqual({
      manager: 'rpm',
      name: 'demo-tool',
      version: '2:1.2.3-4.el9',
    });
    expect(r.owners.get('/usr/lib64/libdemo.so.1')).toEqual(r.owners.get('/usr/bin/demo'));
    expect(r.owners.get('/usr/bin/plain')).toEqual({ manager: 'rpm', name: 'plain', version: '0.9-1.el9' });
    expect(r.owners.has('/usr/local/bin/mine')).toBe(false);
    expect(r.owners.has('/opt/gone/missing')).toBe(false);
    expect(r.warnings).toEqual([]);
  });

  it('a file two packages own gets one of them; 300 more paths go in batches; invocations stay few', () => {
    expect(['shared-a', 'shared-b']).toContain(r.owners.get('/usr/share/shared/common.txt')?.name);
    for (const f of BULK)
      expect(r.owners.get(f), f).toEqual({ manager: 'rpm', name: 'bulk', version: '3-1' });
    // 307 paths: 2 batches, the first split (two owners of one file) down to that file: ~2 × log2(256) more.
    console.log(`rpm: ${r.rpmInvocations} invocations for 307 paths`);
    expect(r.rpmInvocations).toBeGreaterThanOrEqual(2);
    expect(r.rpmInvocations).toBeLessThanOrEqual(2 + 2 * 8 + 1);
  });

  it('merged /usr: /bin/demo is owned like /usr/bin/demo', () => {
    expect(r.owners.get('/bin/demo')).toEqual({
      manager: 'rpm',
      name: 'demo-tool',
      version: '2:1.2.3-4.el9',
    });
  });

  it('an empty rpm database: everything unowned, rpm still consulted', async () => {
    const empty = makeRoot({ files: { '/usr/bin/x': 'x' } });
    installRpms(empty, []);
    const e = await lookUpPackageOwners(new RootFs(empty), ['/usr/bin/x']);
    expect(e.status).toEqual({ status: 'ok', managers: ['rpm'] });
    expect(e.owners.size).toBe(0);
  });
});
