/**
 * Issue 12: what the agent adds for the CVE package, read under --root like every other path: the Ubuntu Pro
 * client's status cache and the kernel's loaded live patches (/sys/kernel/livepatch/<patch>/enabled).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import { parseTelemetry } from '../../../functions/core/telemetry';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';

afterAll(cleanupRoots);

const status = readFileSync(
  new URL('../../fixtures/cve-extra/ubuntu-pro/status-attached-jammy.json', import.meta.url),
  'utf8',
);

describe('agent: Ubuntu Pro status and loaded live patches', () => {
  it('records the Pro status file and every /sys/kernel/livepatch/<patch>/enabled under the root', async () => {
    const root = makeRoot({
      files: {
        '/etc/os-release': 'ID=amzn\nVERSION_ID="2"\n',
        '/var/lib/ubuntu-advantage/status.json': status,
        '/sys/kernel/livepatch/livepatch_CVE_2019_20096/enabled': '1\n',
        '/sys/kernel/livepatch/livepatch_CVE_2019_20096/transition': '0\n',
        '/sys/kernel/livepatch/livepatch_cifs_lease_buffer_len/enabled': '0\n',
      },
    });
    const doc = parseTelemetry(await collectTelemetry({ root, runId: 'r', instanceId: 'i' }));
    expect(doc.files['/var/lib/ubuntu-advantage/status.json']).toMatchObject({
      status: 'ok',
      content: status,
    });
    expect(doc.paths['/sys/kernel/livepatch']).toMatchObject({ status: 'ok', type: 'directory' });
    expect(
      Object.entries(doc.files)
        .filter(([p]) => p.startsWith('/sys/kernel/livepatch/'))
        .map(([p, f]) => [p, f.status === 'ok' ? f.content : f.reason]),
    ).toEqual([
      ['/sys/kernel/livepatch/livepatch_CVE_2019_20096/enabled', '1\n'],
      ['/sys/kernel/livepatch/livepatch_cifs_lease_buffer_len/enabled', '0\n'],
    ]);
  });

  it('a host without them: the file is missing (not-found) and the directory is recorded as absent', async () => {
    const doc = await collectTelemetry({
      root: makeRoot({ files: { '/etc/os-release': 'ID=debian\n' } }),
      runId: 'r',
      instanceId: 'i',
    });
    expect(doc.files['/var/lib/ubuntu-advantage/status.json']).toMatchObject({
      status: 'missing',
      reason: 'not-found',
    });
    expect(doc.paths['/sys/kernel/livepatch']).toMatchObject({ status: 'missing', reason: 'not-found' });
  });

  it('a live patch directory that is a symlink out of the root is read inside the root', async () => {
    const root = makeRoot({
      files: { '/elsewhere/livepatch/p1/enabled': '1\n' },
      symlinks: { '/sys/kernel/livepatch': '/elsewhere/livepatch' },
    });
    const doc = await collectTelemetry({ root, runId: 'r', instanceId: 'i' });
    expect(doc.files['/sys/kernel/livepatch/p1/enabled']).toMatchObject({ status: 'ok', content: '1\n' });
  });
});
