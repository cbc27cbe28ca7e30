/**
 * Agent material for the last cis rules (issue 8): firewalld's shipped zones, /etc/issue.d, the emergency
 * and rescue units with their /etc copies and drop-ins, crypto policy modules and the rpm-sequoia back-end,
 * GDM's custom.conf, on a fixture root tree read by the real agent; the same material on this machine's
 * own root collects without error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import { parseTelemetry } from '../../../functions/core/telemetry';
import { configFixture } from '../../helpers/cis-material';
import { writeProcess, writeSockets } from '../../helpers/fixture-proc';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';

afterAll(cleanupRoots);

describe('cis rule material on a fixture root', () => {
  it('reads the new files and directories, only their named suffixes', async () => {
    const root = makeRoot({
      files: {
        '/usr/lib/firewalld/zones/trusted.xml': configFixture('debian-12/firewalld/zones/trusted.xml'),
        '/usr/lib/firewalld/zones/public.xml': configFixture('debian-12/firewalld/zones/public.xml'),
        '/usr/lib/firewalld/zones/README': 'not a zone\n',
        '/etc/issue.d/50-site.issue': 'Authorized users only.\n',
        '/usr/lib/systemd/system/emergency.service': configFixture('debian-12/systemd/emergency.service'),
        '/usr/lib/systemd/system/emergency.target': configFixture('debian-12/systemd/emergency.target'),
        '/usr/lib/systemd/system/rescue.service': configFixture('debian-12/systemd/rescue.service'),
        '/usr/lib/systemd/system/rescue.target': configFixture('debian-12/systemd/rescue.target'),
        '/etc/systemd/system/rescue.service.d/10-site.conf': '[Service]\nExecStart=\nExecStart=/bin/bash\n',
        '/etc/systemd/system/rescue.service.d/notes.txt': 'ignored\n',
        '/etc/crypto-policies/policies/modules/NO-SSHCBC.pmod': 'cipher@SSH = -*-CBC\n',
        '/etc/crypto-policies/back-ends/rpm-sequoia.config': '[hash_algorithms]\n',
        '/etc/gdm/custom.conf': '[daemon]\nWaylandEnable=false\n',
        '/etc/authselect/authselect.conf': 'custom/cis\nwith-faillock\n',
        '/etc/authselect/custom/cis/system-auth': 'auth required pam_env.so\n',
        '/etc/authselect/custom/cis/password-auth': 'auth required pam_env.so\n',
        '/etc/authselect/custom/cis/nsswitch.conf': 'passwd: files\n',
      },
      symlinks: {
        '/usr/lib/systemd/system/runlevel1.target': 'rescue.target',
        '/etc/systemd/system/emergency.service': '/dev/null',
      },
    });
    const doc = parseTelemetry(await collectTelemetry({ root, runId: 'r', instanceId: 'i', walk: false }));
    for (const p of [
      '/usr/lib/firewalld/zones/trusted.xml',
      '/usr/lib/firewalld/zones/public.xml',
      '/etc/issue.d/50-site.issue',
      '/usr/lib/systemd/system/emergency.service',
      '/usr/lib/systemd/system/emergency.target',
      '/usr/lib/systemd/system/rescue.service',
      '/usr/lib/systemd/system/rescue.target',
      '/usr/lib/systemd/system/runlevel1.target',
      '/etc/systemd/system/rescue.service.d/10-site.conf',
      '/etc/crypto-policies/policies/modules/NO-SSHCBC.pmod',
      '/etc/gdm/custom.conf',
      '/etc/authselect/authselect.conf',
      '/etc/authselect/custom/cis/system-auth',
      '/etc/authselect/custom/cis/password-auth',
    ])
      expect(doc.files[p], p).toMatchObject({ status: 'ok' });
    expect(doc.files['/usr/lib/firewalld/zones/README']).toBeUndefined();
    expect(doc.files['/etc/authselect/custom/cis/nsswitch.conf']).toBeUndefined();
    expect(doc.files['/etc/systemd/system/rescue.service.d/notes.txt']).toBeUndefined();
    // runlevel1.target is read through its link.
    const rl1 = doc.files['/usr/lib/systemd/system/runlevel1.target'];
    expect(rl1?.status === 'ok' && rl1.content).toMatch(/Requires=sysinit.target rescue.service/);
    // A masked /etc unit is recorded as such, not read.
    expect(doc.files['/etc/systemd/system/emergency.service']).toMatchObject({
      status: 'missing',
      reason: 'not-a-file',
    });
    expect(doc.paths['/etc/crypto-policies/back-ends/rpm-sequoia.config']).toMatchObject({ status: 'ok' });
    // Absent directories are recorded as absent (older agents: not looked at).
    expect(doc.paths['/etc/systemd/system/emergency.service.d']).toMatchObject({
      status: 'missing',
      reason: 'not-found',
    });
  });
  it('does not follow an authselect profile id that is not a plain [custom/]name', async () => {
    const root = makeRoot({
      files: {
        '/etc/authselect/authselect.conf': '../../etc\n',
        '/etc/system-auth': 'secret\n',
      },
    });
    const doc = parseTelemetry(await collectTelemetry({ root, runId: 'r', instanceId: 'i', walk: false }));
    expect(doc.files['/etc/authselect/authselect.conf']).toMatchObject({ status: 'ok' });
    expect(
      Object.keys(doc.files).filter((p) => p.includes('system-auth') && p.startsWith('/etc/authselect')),
    ).toEqual([]);
    expect(doc.files['/etc/system-auth']).toBeUndefined();
  });
});

describe('process security labels (runtime sampler)', () => {
  it('records /proc/PID/attr/current without its NUL, skips labels past 256 characters', async () => {
    const root = makeRoot();
    writeSockets(root, []);
    const labels: Array<[number, string]> = [
      [500, 'system_u:system_r:sshd_t:s0-s0:c0.c1023\0'],
      [600, 'unconfined\n'],
      [700, `${'x'.repeat(300)}\0`],
    ];
    for (const [pid, label] of labels) {
      writeProcess(root, { pid, comm: `p${pid}`, exe: '/usr/bin/true' });
      mkdirSync(path.join(root, 'proc', String(pid), 'attr'), { recursive: true });
      writeFileSync(path.join(root, 'proc', String(pid), 'attr', 'current'), label);
    }
    writeProcess(root, { pid: 800, comm: 'nolabel', exe: '/usr/bin/true' });
    const doc = parseTelemetry(await collectTelemetry({ root, runId: 'r', instanceId: 'i', walk: false }));
    const byPid = Object.fromEntries((doc.runtime?.processes ?? []).map((p) => [p.pid, p.securityLabel]));
    expect(byPid).toEqual({
      500: 'system_u:system_r:sshd_t:s0-s0:c0.c1023',
      600: 'unconfined',
      700: undefined,
      800: undefined,
    });
  });
});

describe('cis rule material on the real root of this machine', () => {
  it('collects and validates (whatever of it exists here)', async () => {
    const doc = parseTelemetry(
      await collectTelemetry({ root: '/', runId: 'r', instanceId: 'i', walk: false }),
    );
    for (const dir of ['/usr/lib/firewalld/zones', '/etc/issue.d', '/etc/crypto-policies/policies/modules'])
      expect(doc.paths[dir], dir).toBeDefined();
    expect(doc.files['/usr/lib/systemd/system/emergency.service']).toBeDefined();
  }, 60_000);
});
