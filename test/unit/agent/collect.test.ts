import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import { parseTelemetry } from '../../../functions/core/telemetry';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';

afterAll(cleanupRoots);

const collect = (root: string, extra: { durationSeconds?: number; sampleIntervalSeconds?: number } = {}) =>
  collectTelemetry({ root, runId: 'run-t', instanceId: 'i-t', ...extra });

describe('agent collection on fixture roots', () => {
  it('produces a schema-valid document and records missing files with a reason', async () => {
    const root = makeRoot({ files: { '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n' } });
    const doc = await collect(root);
    expect(() => parseTelemetry(doc)).not.toThrow();
    expect(doc.files['/etc/os-release']).toMatchObject({
      status: 'ok',
      encoding: 'utf8',
      content: 'ID=debian\nVERSION_ID="12"\n',
    });
    expect(doc.files['/etc/login.defs']).toMatchObject({ status: 'missing', reason: 'not-found' });
    expect(doc.files['/etc/ssh/sshd_config']).toMatchObject({ status: 'missing', reason: 'not-found' });
    expect(doc.kernelParameters).toMatchObject({ status: 'missing', reason: 'not-found' });
    expect(doc.host).toEqual({ kernelName: 'Linux', kernelNameSource: 'os-release' });
    expect(doc.root).toBe(root);
  });

  it('an empty root is not recognised as Linux', async () => {
    const doc = await collect(makeRoot());
    expect(doc.host.kernelName).toBe('unknown');
  });

  it('reads kernel parameters, kernel name and architecture from the root /proc/sys', async () => {
    const root = makeRoot({
      sysctl: {
        'kernel.randomize_va_space': '2',
        'kernel.ostype': 'Linux',
        'kernel.arch': 'aarch64',
        'net.ipv4.ip_forward': '0',
      },
    });
    const doc = await collect(root);
    expect(doc.kernelParameters).toMatchObject({
      status: 'ok',
      values: { 'kernel.randomize_va_space': '2', 'kernel.ostype': 'Linux', 'net.ipv4.ip_forward': '0' },
    });
    expect(doc.host).toEqual({
      kernelName: 'Linux',
      kernelNameSource: 'proc',
      arch: 'aarch64',
      archSource: 'proc',
    });
  });

  it('resolves absolute and relative symlinks inside the root, never on the host', async () => {
    const root = makeRoot({
      files: {
        '/usr/lib/os-release': 'ID=fixture\n',
        '/usr/lib/x/login.defs': 'PASS_MAX_DAYS 30\n',
        '/etc/hostname': 'inside-the-root\n',
      },
      dirs: { '/usr/bin': 0o755 },
      symlinks: {
        '/etc/os-release': '../usr/lib/os-release',
        '/etc/login.defs': '/usr/lib/x/login.defs',
        '/bin': 'usr/bin',
        // A link that tries to climb out of the root stays inside it.
        '/etc/machine-id': '../../../../../../../etc/hostname',
        '/var/lib/dbus/machine-id': '/var/lib/dbus/machine-id',
      },
    });
    const doc = await collect(root);
    expect(doc.files['/etc/os-release']).toMatchObject({
      status: 'ok',
      content: 'ID=fixture\n',
      resolvedPath: '/usr/lib/os-release',
    });
    expect(doc.files['/etc/login.defs']).toMatchObject({
      status: 'ok',
      content: 'PASS_MAX_DAYS 30\n',
      resolvedPath: '/usr/lib/x/login.defs',
    });
    expect(doc.paths['/bin']).toMatchObject({
      status: 'ok',
      type: 'directory',
      linkTarget: 'usr/bin',
      resolvedPath: '/usr/bin',
    });
    expect(doc.files['/etc/machine-id']).toMatchObject({
      status: 'ok',
      content: 'inside-the-root\n',
      resolvedPath: '/etc/hostname',
    });
    // A link to itself is a loop: recorded with its reason, the collection goes on.
    expect(doc.files['/var/lib/dbus/machine-id']).toMatchObject({ status: 'missing', reason: 'error' });
    expect((doc.files['/var/lib/dbus/machine-id'] as { detail: string }).detail).toMatch(/too many symlinks/);
  });

  it('follows sshd Include directives with globs, relative to /etc/ssh, in order', async () => {
    const root = makeRoot({
      files: {
        '/etc/ssh/sshd_config':
          'Include /etc/ssh/sshd_config.d/*.conf\nInclude "extra.conf"\nPermitRootLogin no\n',
        '/etc/ssh/sshd_config.d/10-a.conf': 'Include nested/*.conf\n',
        '/etc/ssh/sshd_config.d/20-b.conf': 'PasswordAuthentication no\n',
        '/etc/ssh/sshd_config.d/ignored.txt': 'x\n',
        '/etc/ssh/nested/n.conf': 'X11Forwarding no\n',
        '/etc/ssh/extra.conf': 'Protocol 2\n',
      },
    });
    const doc = await collect(root);
    const ssh = Object.keys(doc.files)
      .filter((p) => p.startsWith('/etc/ssh/'))
      .sort();
    expect(ssh).toEqual([
      '/etc/ssh/extra.conf',
      '/etc/ssh/nested/n.conf',
      '/etc/ssh/sshd_config',
      '/etc/ssh/sshd_config.d/10-a.conf',
      '/etc/ssh/sshd_config.d/20-b.conf',
    ]);
  });

  it('records a directory where a file is expected, binary content and oversized files without stopping', async () => {
    const root = makeRoot({
      dirs: { '/etc/login.defs': 0o755 },
      files: {
        '/etc/hostname': { content: Buffer.from([0xff, 0xfe, 0x00, 0x41]) },
        '/etc/security/pwquality.conf': 'x'.repeat(1024 * 1024 + 1),
      },
    });
    const doc = await collect(root);
    expect(doc.files['/etc/login.defs']).toMatchObject({ status: 'missing', reason: 'not-a-file' });
    expect(doc.files['/etc/hostname']).toMatchObject({
      status: 'ok',
      encoding: 'base64',
      content: '//4AQQ==',
    });
    expect(doc.files['/etc/security/pwquality.conf']).toMatchObject({
      status: 'missing',
      reason: 'too-large',
    });
    expect(() => parseTelemetry(doc)).not.toThrow();
  });

  it('stats system directories with owner and mode', async () => {
    const root = makeRoot({ dirs: { '/etc': 0o775, '/usr/sbin': 0o755 } });
    const doc = await collect(root);
    expect(doc.paths['/etc']).toMatchObject({ status: 'ok', type: 'directory', mode: 0o40775, uid: 0 });
    expect(doc.paths['/boot']).toMatchObject({ status: 'missing', reason: 'not-found' });
  });

  it('samples processes over the duration', async () => {
    const doc = await collect('/', { durationSeconds: 1, sampleIntervalSeconds: 0.4 });
    // A start and an end sample at least (how many between depends on how long a sample of this busy host
    // takes: timing does not decide the test), the last after the window.
    expect(doc.samples.length).toBeGreaterThanOrEqual(2);
    expect(Date.parse(doc.samples.at(-1)!.at) - Date.parse(doc.samples[0]!.at)).toBeGreaterThanOrEqual(900);
    expect(doc.samples[0]?.processes?.some((p) => p.pid === process.pid)).toBe(true);
    expect(doc.collection.durationSeconds).toBe(1);
    expect(() => parseTelemetry(doc)).not.toThrow();
  });
});

describe('agent boundaries', () => {
  it('an Include pattern glob(3) cannot use does not stop the collection', async () => {
    const root = makeRoot({
      files: {
        '/etc/ssh/sshd_config': `Include /etc/ssh/[z-a]*\nInclude /etc/ssh/${'[a'.repeat(40_000)}]\nInclude a.conf\n`,
        '/etc/ssh/a.conf': 'PermitRootLogin no\n',
        '/etc/login.defs': 'PASS_MAX_DAYS 90\n',
      },
    });
    const doc = await collect(root);
    expect(() => parseTelemetry(doc)).not.toThrow();
    expect(doc.files['/etc/ssh/a.conf']).toMatchObject({ status: 'ok', content: 'PermitRootLogin no\n' });
    expect(doc.files['/etc/login.defs']).toMatchObject({ status: 'ok' });
  });

  it('imports nothing from functions/ except the telemetry contract', () => {
    const dir = path.resolve(__dirname, '../../../agent');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const src = readFileSync(path.join(dir, f), 'utf8');
      for (const m of src.matchAll(/from\s+'([^']+)'/g)) {
        const spec = m[1]!;
        if (spec.includes('functions/'))
          expect(spec, `${f} imports ${spec}`).toMatch(/functions\/core\/telemetry(\/[a-z-]+)?$/);
      }
    }
  });
});
