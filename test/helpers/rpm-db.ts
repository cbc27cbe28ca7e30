/**
 * Real rpm databases for agent tests: each package is built with the real rpmbuild (noarch, files with
 * small contents) and recorded with the real `rpm --root ROOT --dbpath /var/lib/rpm -i --justdb`, so the
 * database under ROOT/var/lib/rpm is rpm's own (sqlite with rpm >= 4.16). The files are also written under
 * the root, as on an installed system. Needs the rpm package (rpm, rpmbuild), which .ci/run installs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RpmPackage {
  name: string;
  epoch?: number;
  version: string;
  release: string;
  /** Absolute paths the package owns. */
  files: string[];
}

const dirs: string[] = [];

function spec(p: RpmPackage): string {
  const install = p.files
    .map((f) => `mkdir -p "%{buildroot}${path.posix.dirname(f)}"\necho '${p.name}' > "%{buildroot}${f}"`)
    .join('\n');
  return [
    `Name: ${p.name}`,
    `Version: ${p.version}`,
    `Release: ${p.release}`,
    ...(p.epoch !== undefined ? [`Epoch: ${p.epoch}`] : []),
    'Summary: test package',
    'License: MIT',
    'BuildArch: noarch',
    '%description',
    'test package',
    '%install',
    install,
    '%files',
    ...p.files,
    '',
  ].join('\n');
}

/** Build the packages and record them in ROOT/var/lib/rpm (files with two owners are allowed). */
export function installRpms(root: string, packages: readonly RpmPackage[]): void {
  const top = mkdtempSync(path.join(os.tmpdir(), 'rpmbuild-'));
  dirs.push(top);
  for (const p of packages) {
    const file = path.join(top, `${p.name}.spec`);
    writeFileSync(file, spec(p));
    execFileSync(
      'rpmbuild',
      ['-bb', '--define', `_topdir ${top}`, '--define', '_build_id_links none', file],
      {
        stdio: 'ignore',
      },
    );
    for (const f of p.files) {
      mkdirSync(path.join(root, path.posix.dirname(f)), { recursive: true });
      writeFileSync(path.join(root, f), `${p.name}\n`);
    }
  }
  const db = ['--root', root, '--dbpath', '/var/lib/rpm'];
  execFileSync('rpm', [...db, '--initdb']);
  if (packages.length === 0) return;
  const rpms = readdirSync(path.join(top, 'RPMS/noarch')).map((n) => path.join(top, 'RPMS/noarch', n));
  // Debian's rpm warns that alien should be used instead: stderr ignored.
  execFileSync('rpm', [...db, '-i', '--justdb', '--nodeps', '--noscripts', '--replacefiles', ...rpms], {
    stdio: 'ignore',
  });
}

export function cleanupRpmBuilds(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
