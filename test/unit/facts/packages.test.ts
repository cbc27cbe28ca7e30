import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import { Facts } from '../../../functions/core/facts/facts';
import {
  type InstalledPackage,
  inventory,
  isKernelPackage,
  runningKernelPackages,
} from '../../../functions/core/facts/packages';
import { parseTelemetry, type Telemetry } from '../../../functions/core/telemetry';
import { cleanupRoots, makeRoot, type RootSpec } from '../../helpers/fixture-root';

afterAll(cleanupRoots);

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/inventory/${name}`, import.meta.url), 'utf8');

async function collect(spec: RootSpec): Promise<Telemetry> {
  return collectTelemetry({ root: makeRoot(spec), runId: 'run-inv', instanceId: 'i-inv' });
}

const DEBIAN_OS =
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n';

/** A Debian status database: the real excerpt plus the stanzas of an installed kernel image and headers. */
const KERNEL_STANZAS = `
Package: linux-image-6.1.0-28-amd64
Status: install ok installed
Priority: optional
Section: kernel
Installed-Size: 408092
Maintainer: Debian Kernel Team <debian-kernel@lists.debian.org>
Architecture: amd64
Source: linux-signed-amd64 (6.1.119+1)
Version: 6.1.119-1
Description: Linux 6.1 for 64-bit PCs (signed)

Package: linux-image-6.1.0-27-amd64
Status: install ok installed
Architecture: amd64
Source: linux-signed-amd64 (6.1.115+1)
Version: 6.1.115-1
Description: Linux 6.1 for 64-bit PCs (signed)

Package: linux-headers-6.1.0-28-amd64
Status: install ok installed
Architecture: amd64
Source: linux
Version: 6.1.119-1
Description: Header files for Linux 6.1.0-28-amd64

Package: linux-image-6.1.0-26-amd64
Status: deinstall ok config-files
Architecture: amd64
Source: linux-signed-amd64 (6.1.112+1)
Version: 6.1.112-1

Package: unpacked-only
Status: install reinstreq half-installed
Architecture: amd64
Version: 1.0-1
`;

describe('inventory() on roots collected by the real agent', () => {
  it('Debian: dpkg packages with source names and versions, binNMUs, distro and the running kernel', async () => {
    const doc = await collect({
      files: {
        '/etc/os-release': DEBIAN_OS,
        '/var/lib/dpkg/status': `${fixture('dpkg-status-excerpt.txt')}\n${KERNEL_STANZAS}`,
      },
      sysctl: { 'kernel.osrelease': '6.1.0-28-amd64', 'kernel.ostype': 'Linux' },
    });
    const inv = inventory(new Facts(parseTelemetry(doc)));
    expect(inv.ok).toBe(true);
    if (!inv.ok) return;
    expect(inv.value.manager).toBe('dpkg');
    expect(inv.value.format).toBe('dpkg');
    expect(inv.value.distro).toEqual({ id: 'debian', versionId: '12', codename: 'bookworm' });
    const byName = new Map(inv.value.packages.map((p) => [p.name, p]));
    expect(byName.get('bash')).toEqual({
      manager: 'dpkg',
      name: 'bash',
      version: '5.2.15-2+b8',
      arch: 'amd64',
      sourceName: 'bash',
      sourceVersion: '5.2.15-2',
      status: 'install ok installed',
    });
    expect(byName.get('libc6')).toMatchObject({ sourceName: 'glibc', sourceVersion: '2.36-9+deb12u14' });
    expect(byName.get('openssh-client')?.version).toBe('1:9.2p1-2+deb12u6');
    // Removed (config-files) and half-installed packages are not in the inventory; the latter is reported.
    expect(byName.has('linux-image-6.1.0-26-amd64')).toBe(false);
    expect(byName.has('unpacked-only')).toBe(false);
    expect(inv.value.errors).toEqual([
      expect.stringMatching(
        /^\/var\/lib\/dpkg\/status:\d+: package unpacked-only is half-installed .*not assessed$/,
      ),
    ]);
    // Only the running image is the running kernel: not the other installed image, not headers, not libc-dev.
    expect(inv.value.runningKernel?.release).toBe('6.1.0-28-amd64');
    expect(inv.value.runningKernel?.packages.map((p) => p.name)).toEqual(['linux-image-6.1.0-28-amd64']);
    const kernel = inv.value.packages.filter(isKernelPackage).map((p) => p.name);
    expect(kernel.sort()).toEqual([
      'linux-headers-6.1.0-28-amd64',
      'linux-image-6.1.0-27-amd64',
      'linux-image-6.1.0-28-amd64',
      'linux-libc-dev',
    ]);
  });

  it('Debian with only linux-libc-dev (a container or a foreign kernel): no running kernel package', async () => {
    const doc = await collect({
      files: { '/etc/os-release': DEBIAN_OS, '/var/lib/dpkg/status': fixture('dpkg-status-this-host.txt') },
      sysctl: { 'kernel.osrelease': '6.18.44-fc-v782' },
    });
    const inv = inventory(new Facts(parseTelemetry(doc)));
    expect(inv.ok && inv.value.runningKernel).toEqual({ release: '6.18.44-fc-v782', packages: [] });
    expect(inv.ok && inv.value.packages.filter(isKernelPackage).map((p) => p.name)).toEqual([
      'linux-libc-dev',
    ]);
    expect(inv.ok && inv.value.errors).toEqual([]);
    expect(inv.ok && inv.value.packages.find((p) => p.name === 'bsdutils')).toMatchObject({
      version: '1:2.38.1-5+deb12u3',
      sourceName: 'util-linux',
      sourceVersion: '2.38.1-5+deb12u3',
    });
  });

  it('distroless: the status.d files (no Status field) are the database, md5sums files skipped', async () => {
    const doc = await collect({
      files: {
        '/etc/os-release': DEBIAN_OS,
        '/var/lib/dpkg/status.d/base-files':
          'Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n',
        '/var/lib/dpkg/status.d/libssl3':
          'Package: libssl3\nSource: openssl\nVersion: 3.0.15-1~deb12u1\nArchitecture: amd64\n',
        '/var/lib/dpkg/status.d/libssl3.md5sums': 'd41d8cd98f00b204e9800998ecf8427e  usr/lib/libssl.so.3\n',
      },
    });
    const inv = inventory(new Facts(parseTelemetry(doc)));
    expect(inv.ok).toBe(true);
    if (!inv.ok) return;
    expect(inv.value.packages.map((p) => [p.name, p.version, p.sourceName])).toEqual([
      ['base-files', '12.4+deb12u5', 'base-files'],
      ['libssl3', '3.0.15-1~deb12u1', 'openssl'],
    ]);
    expect(inv.value.runningKernel).toBeUndefined();
    expect(inv.value.errors).toEqual([]);
  });

  it('reports malformed stanzas and keeps the rest', async () => {
    const doc = await collect({
      files: {
        '/etc/os-release': DEBIAN_OS,
        '/var/lib/dpkg/status':
          'Package: ok\nStatus: install ok installed\nVersion: 1.0\n\nPackage: bad\nStatus: install ok installed\nVersion: :1\n',
      },
    });
    const inv = inventory(new Facts(parseTelemetry(doc)));
    expect(inv.ok && inv.value.packages.map((p) => p.name)).toEqual(['ok']);
    expect(inv.ok && inv.value.errors).toEqual([
      '/var/lib/dpkg/status:5: package bad: invalid dpkg version ":1": epoch in version is empty',
    ]);
  });

  it('Amazon Linux 2023: rpm -qa output, source rpms, gpg-pubkey left out, kernel matched on version-release.arch', async () => {
    const doc = await collect({
      files: {
        '/etc/os-release':
          'NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"\n',
      },
      sysctl: { 'kernel.osrelease': '6.1.79-99.164.amzn2023.x86_64' },
    });
    const kernelLines = [
      'kernel\t(none)\t6.1.79\t99.164.amzn2023\tx86_64\tkernel-6.1.79-99.164.amzn2023.src.rpm',
      'kernel\t(none)\t6.1.77\t99.164.amzn2023\tx86_64\tkernel-6.1.77-99.164.amzn2023.src.rpm',
      'kernel-headers\t(none)\t6.1.79\t99.164.amzn2023\tx86_64\tkernel-6.1.79-99.164.amzn2023.src.rpm',
      'kernel-tools\t(none)\t6.1.79\t99.164.amzn2023\tx86_64\tkernel-6.1.79-99.164.amzn2023.src.rpm',
      'gpg-pubkey\t(none)\td832c631\t5515e7fc\t(none)\t(none)',
    ];
    const stdout = `${fixture('rpm-qa-amzn2023.tsv')}${kernelLines.join('\n')}\n`;
    const withRpm = parseTelemetry({
      ...doc,
      commands: {
        ...doc.commands,
        rpm: {
          status: 'ok',
          argv: ['rpm', '--root', doc.root, '-qa', '--queryformat', '%{NAME}\\t...'],
          exitCode: 0,
          stdout,
          stderr: '',
        },
      },
    });
    const inv = inventory(new Facts(withRpm));
    expect(inv.ok).toBe(true);
    if (!inv.ok) return;
    expect(inv.value.manager).toBe('rpm');
    expect(inv.value.format).toBe('rpm');
    expect(inv.value.distro).toEqual({ id: 'amzn', versionId: '2023' });
    expect(inv.value.errors).toEqual([]);
    expect(inv.value.packages.some((p) => p.name === 'gpg-pubkey')).toBe(false);
    expect(inv.value.packages.find((p) => p.name === 'openssl-libs')).toEqual({
      manager: 'rpm',
      name: 'openssl-libs',
      version: '1:3.0.8-1.amzn2023.0.9',
      arch: 'x86_64',
      sourceName: 'openssl',
      sourceVersion: '1:3.0.8-1.amzn2023.0.9',
    });
    expect(inv.value.runningKernel?.packages.map((p) => `${p.name}-${p.version}`)).toEqual([
      'kernel-6.1.79-99.164.amzn2023',
    ]);
    expect(
      inv.value.packages
        .filter(isKernelPackage)
        .map((p) => `${p.name}-${p.version}`)
        .sort(),
    ).toEqual([
      'kernel-6.1.77-99.164.amzn2023',
      'kernel-6.1.79-99.164.amzn2023',
      'kernel-headers-6.1.79-99.164.amzn2023',
      'kernel-tools-6.1.79-99.164.amzn2023',
    ]);
  });

  it('rpm: a failed rpm -qa is no inventory, with the reason', async () => {
    const doc = await collect({ files: { '/etc/os-release': 'ID="almalinux"\nVERSION_ID="9.4"\n' } });
    const failed = parseTelemetry({
      ...doc,
      commands: {
        rpm: {
          status: 'ok',
          argv: ['rpm', '-qa'],
          exitCode: 1,
          stdout: 'bash\t(none)\t5.1.8\t9.el9\tx86_64\tbash-5.1.8-9.el9.src.rpm\n',
          stderr: 'error: rpmdb: BDB0113 Thread/process failed\n',
        },
      },
    });
    const inv = inventory(new Facts(failed));
    expect(inv).toEqual({
      ok: false,
      reason: expect.stringMatching(/^rpm -qa exited with status 1: error: rpmdb/),
    });
    const missing = parseTelemetry({
      ...doc,
      commands: {
        rpm: { status: 'missing', reason: 'not-found', detail: 'spawn rpm ENOENT', argv: ['rpm', '-qa'] },
      },
    });
    const inv2 = inventory(new Facts(missing));
    expect(inv2.ok).toBe(false);
    expect(!inv2.ok && inv2.reason).toMatch(/rpm -qa could not run: not-found \(spawn rpm ENOENT\)/);
  });

  it('Alpine: the apk database with origins; the running kernel is linux-<flavor> of the same version', async () => {
    const installed = `${fixture('apk-installed-alpine318-aarch64.txt')}P:linux-virt\nV:6.1.55-r0\nA:aarch64\no:linux-lts\n\nP:linux-lts\nV:6.1.55-r0\nA:aarch64\no:linux-lts\n\nP:linux-headers\nV:6.3-r0\nA:aarch64\no:linux-headers\n\nP:linux-firmware-none\nV:20230515-r6\nA:aarch64\no:linux-firmware\n`;
    const doc = await collect({
      files: {
        '/etc/os-release':
          'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME="Alpine Linux v3.18"\n',
        '/lib/apk/db/installed': installed,
      },
      sysctl: { 'kernel.osrelease': '6.1.55-0-virt' },
    });
    const inv = inventory(new Facts(parseTelemetry(doc)));
    expect(inv.ok).toBe(true);
    if (!inv.ok) return;
    expect(inv.value.manager).toBe('apk');
    expect(inv.value.distro).toEqual({ id: 'alpine', versionId: '3.18.4' });
    expect(inv.value.packages.find((p) => p.name === 'libssl3')).toEqual({
      manager: 'apk',
      name: 'libssl3',
      version: '3.1.2-r0',
      arch: 'aarch64',
      sourceName: 'openssl',
      sourceVersion: '3.1.2-r0',
    });
    expect(inv.value.runningKernel?.packages.map((p) => p.name)).toEqual(['linux-virt']);
    expect(inv.value.packages.filter(isKernelPackage).map((p) => p.name)).toEqual([
      'linux-virt',
      'linux-lts',
      'linux-headers',
    ]);
  });

  it('no package database: no inventory, saying what was looked for', async () => {
    const doc = await collect({ files: { '/etc/os-release': DEBIAN_OS, '/var/lib/dpkg/status': '' } });
    const inv = inventory(new Facts(parseTelemetry(doc)));
    expect(inv.ok).toBe(false);
    expect(!inv.ok && inv.reason).toMatch(
      /^no package database was found: \/var\/lib\/dpkg\/status is empty; no rpm database was found; \/lib\/apk\/db\/installed: not-found/,
    );
  });

  it('no os-release: no inventory', async () => {
    const doc = await collect({ files: { '/var/lib/dpkg/status': fixture('dpkg-status-excerpt.txt') } });
    const inv = inventory(new Facts(parseTelemetry(doc)));
    expect(inv.ok).toBe(false);
    expect(!inv.ok && inv.reason).toMatch(/^the distribution is unknown/);
  });

  it('is memoized per Facts', async () => {
    const doc = await collect({
      files: { '/etc/os-release': DEBIAN_OS, '/var/lib/dpkg/status': fixture('dpkg-status-excerpt.txt') },
    });
    const facts = new Facts(parseTelemetry(doc));
    expect(inventory(facts)).toBe(inventory(facts));
  });
});

describe('isKernelPackage and runningKernelPackages', () => {
  const deb = (name: string, sourceName: string, version = '1'): InstalledPackage => ({
    manager: 'dpkg',
    name,
    version,
    sourceName,
    sourceVersion: version,
  });
  const rpm = (name: string, sourceName: string, version: string, arch = 'x86_64'): InstalledPackage => ({
    manager: 'rpm',
    name,
    version,
    arch,
    sourceName,
    sourceVersion: version,
  });

  it.each([
    [deb('linux-libc-dev', 'linux'), true],
    [deb('linux-image-6.1.0-28-amd64', 'linux-signed-amd64'), true],
    [deb('linux-image-5.15.0-91-generic', 'linux-signed'), true],
    [deb('linux-headers-6.8.0-1018-aws', 'linux-aws'), true],
    [deb('linux-modules-6.5.0-44-generic', 'linux-hwe-6.5'), true],
    [deb('linux-image-aws', 'linux-meta-aws'), true],
    [deb('linux-base', 'linux-base'), false],
    [deb('linux-firmware', 'linux-firmware'), false],
    [deb('libpam0g', 'pam'), false],
    [rpm('kernel-headers', 'kernel', '5.14.0-427.13.1.el9_4'), true],
    [rpm('python3-perf', 'kernel', '5.14.0-427.13.1.el9_4'), true],
    [rpm('kernel-uek-core', 'kernel-uek', '5.15.0-200.131.27.el9uek'), true],
    [rpm('kernel-srpm-macros', 'redhat-rpm-config', '1.0-13.el9'), false],
  ])('%o is a kernel package: %s', (pkg, expected) => {
    expect(isKernelPackage(pkg)).toBe(expected);
  });

  it('EL9: kernel and kernel-core of the running version-release.arch; +debug picks the debug kernel', () => {
    const pkgs = [
      rpm('kernel', 'kernel', '5.14.0-427.13.1.el9_4'),
      rpm('kernel-core', 'kernel', '5.14.0-427.13.1.el9_4'),
      rpm('kernel-modules', 'kernel', '5.14.0-427.13.1.el9_4'),
      rpm('kernel-core', 'kernel', '5.14.0-362.8.1.el9_3'),
      rpm('kernel-debug-core', 'kernel', '5.14.0-427.13.1.el9_4'),
      rpm('kernel-headers', 'kernel', '5.14.0-427.13.1.el9_4'),
    ];
    expect(runningKernelPackages('rpm', '5.14.0-427.13.1.el9_4.x86_64', pkgs).map((p) => p.name)).toEqual([
      'kernel',
      'kernel-core',
    ]);
    expect(
      runningKernelPackages('rpm', '5.14.0-427.13.1.el9_4.x86_64+debug', pkgs).map((p) => p.name),
    ).toEqual(['kernel-debug-core']);
    expect(runningKernelPackages('rpm', '5.14.0-427.13.1.el9_4.aarch64', pkgs)).toEqual([]);
  });

  it('Ubuntu: linux-image and linux-image-unsigned of the running release', () => {
    const pkgs = [
      deb('linux-image-5.15.0-91-generic', 'linux-signed'),
      deb('linux-image-unsigned-5.15.0-91-generic', 'linux'),
      deb('linux-modules-5.15.0-91-generic', 'linux'),
      deb('linux-image-5.15.0-89-generic', 'linux-signed'),
    ];
    expect(runningKernelPackages('dpkg', '5.15.0-91-generic', pkgs).map((p) => p.name)).toEqual([
      'linux-image-5.15.0-91-generic',
      'linux-image-unsigned-5.15.0-91-generic',
    ]);
  });
});

describe('memory', () => {
  it('the packages keep no part of the database text alive (their strings are their own)', async () => {
    // A status database of ~6 MB (long descriptions), parsed in a child process: with the packages kept and the
    // telemetry dropped, the heap must not hold the text. Substrings cut by a parser are views of it in V8, and
    // kept names would keep all of it (this host: 1.4 MB, a heap snapshot of `inspector assess`).
    const stanzas = Array.from(
      { length: 1500 },
      (_, i) =>
        `Package: package-with-a-long-name-${i}\nStatus: install ok installed\nArchitecture: amd64\nSource: source-package-${i} (1.0.${i}-1)\nVersion: 1.0.${i}-1+deb12u1\nDescription: ${'words '.repeat(650)}\n`,
    );
    const files = { '/etc/os-release': DEBIAN_OS, '/var/lib/dpkg/status': stanzas.join('\n') };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'packages-memory-'));
    try {
      // Collected here; the child reads the document's text, as an evaluation reads the decrypted telemetry.
      const docFile = path.join(dir, 'telemetry.json');
      writeFileSync(docFile, JSON.stringify(await collect({ files: files })));
      const script = path.join(dir, 'measure.mts');
      const mod = (p: string) => JSON.stringify(pathToFileURL(path.resolve(__dirname, p)).href);
      writeFileSync(
        script,
        [
          `import { Facts } from ${mod('../../../functions/core/facts/facts.ts')};`,
          `import { inventory } from ${mod('../../../functions/core/facts/packages.ts')};`,
          `import { parseTelemetryJson } from ${mod('../../../functions/core/telemetry/schema.ts')};`,
          `import { writeHeapSnapshot } from 'node:v8';`,
          `import { readFileSync } from 'node:fs';`,
          // Inside a function whose frame is gone when it returns (a value left in a live frame's register would
          // stay reachable).
          'async function packagesOnly() {',
          `  const telemetry = parseTelemetryJson(readFileSync(${JSON.stringify(docFile)}, 'utf8'));`,
          '  const inv = inventory(new Facts(telemetry));',
          '  if (!inv.ok) throw new Error(inv.reason);',
          '  return { packages: inv.value.packages, textBytes: telemetry.files["/var/lib/dpkg/status"]!.content.length };',
          '}',
          'const { packages, textBytes } = await packagesOnly();',
          // What is reachable with only the packages kept: a heap snapshot (it collects first, and counts only
          // reachable objects), its largest string.
          `const file = writeHeapSnapshot(${JSON.stringify(path.join(dir, 'kept.heapsnapshot'))});`,
          'const snap = JSON.parse(readFileSync(file, "utf8"));',
          'const f = snap.snapshot.meta.node_fields; const types = snap.snapshot.meta.node_types[0];',
          'const [t, size] = [f.indexOf("type"), f.indexOf("self_size")];',
          'let largest = 0;',
          'for (let i = 0; i < snap.nodes.length; i += f.length) if (types[snap.nodes[i + t]] === "string") largest = Math.max(largest, snap.nodes[i + size]);',
          'console.log(JSON.stringify({ n: packages.length, textBytes, largest }));',
        ].join('\n'),
      );
      const out = execFileSync(process.execPath, ['--import', 'tsx', script], {
        cwd: path.resolve(__dirname, '../../..'),
        encoding: 'utf8',
      });
      const { n, textBytes, largest } = JSON.parse(out.trim().split('\n').at(-1)!) as {
        n: number;
        textBytes: number;
        largest: number;
      };
      expect(n).toBe(1500);
      expect(textBytes).toBeGreaterThan(4_000_000);
      // The text is not among what the packages keep reachable (the largest string left is code or a small one).
      expect(largest).toBeLessThan(textBytes / 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
