/**
 * The CLI as users install it (issue 15): `npm pack` (its prepack builds dist/cli), the tarball's contents,
 * then `npm install --omit=dev --offline` of the tarball into an empty directory (a package.json naming the
 * tarball and a lockfile pinning its run-time dependencies as the checkout's lockfile does; inside a network namespace
 * with no interface up when `unshare -n` works here, so nothing can come from the network), and the installed
 * `inspector` run from there: --version, an assessment in JSON with the default packages and cis, and a
 * control-plane command's help. Nothing of the checkout is on the installed CLI's path: no tsx, no sources.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import { sbpPassingRoot } from '../../helpers/sbp-roots';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

/** `unshare -n` (a new network namespace: only a loopback that is down) when this user may create one. */
function offlinePrefix(): string[] {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return ['unshare', '-n'];
  } catch {
    return [];
  }
}

interface LockEntry {
  dev?: boolean;
  [field: string]: unknown;
}

/** The checkout's package-lock.json: what the installed package must bring with it (its non-dev entries). */
const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};
/** The lockfile's run-time packages, at every depth (`node_modules/a/node_modules/b` included). */
const runtimeEntries = Object.entries(lock.packages).filter(
  ([key, entry]) => key.startsWith('node_modules/') && !entry.dev,
);

/**
 * The empty project the tarball is installed into: a package.json that depends on the tarball and a
 * lockfile that pins its run-time dependencies to the checkout's package-lock.json (their versions and
 * integrity). With the lockfile npm takes each package from its cache by integrity, where the `npm ci` of
 * the checkout put it; without one it would first need the registry's metadata of each name, which `npm ci`
 * never fetches, so an offline install would depend on what else the machine's npm cache happens to hold.
 */
function writeApp(dir: string, tarballName: string): void {
  const spec = `file:../${tarballName}`;
  const own = lock.packages[''] as { dependencies?: Record<string, string>; bin?: Record<string, string> };
  const packages: Record<string, LockEntry> = {
    '': { dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: spec,
      dependencies: own.dependencies ?? {},
      bin: own.bin ?? {},
    },
  };
  for (const [key, entry] of runtimeEntries) packages[key] = entry;
  writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ private: true, dependencies: { [pkg.name]: spec } }, null, 2)}\n`,
  );
  writeFileSync(
    path.join(dir, 'package-lock.json'),
    `${JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
}

let tmp: string;
let tarball: string;
let app: string;
let bin: string;
const noNetwork = offlinePrefix();

async function sh(cmd: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return run(cmd[0]!, cmd.slice(1), {
    cwd,
    env: { ...process.env, INSPECTOR_DATA_DIR: '', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'inspector-pack-'));
  const { stdout } = await sh(['npm', 'pack', '--pack-destination', tmp, '--silent'], REPO_ROOT);
  tarball = path.join(tmp, stdout.trim().split('\n').pop()!);
  app = path.join(tmp, 'app');
  mkdirSync(app);
  writeApp(app, path.basename(tarball));
  await sh([...noNetwork, 'npm', 'install', '--omit=dev', '--offline', '--no-audit', '--no-fund'], app);
  bin = path.join(app, 'node_modules', '.bin', 'inspector');
}, 300_000);
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  cleanupRoots();
});

describe('npm pack', () => {
  it('holds the built CLI, its data, package.json and README, and nothing else', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    const outside = files.filter(
      (f) => !/^package\/dist\/cli\/[^/]+\.mjs$/.test(f) && !f.startsWith('package/dist/cli/cis-data/'),
    );
    expect(outside.sort()).toEqual(['package/README.md', 'package/package.json']);
    expect(files).toContain('package/dist/cli/inspector.mjs');
    expect(files).toContain('package/dist/cli/cis-data/rules.json');
  });

  it('declares the built bin and no dependency the bundle does not leave out', () => {
    const packed = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    ) as { bin: Record<string, string>; dependencies?: Record<string, string> };
    expect(packed.bin).toEqual({ inspector: 'dist/cli/inspector.mjs' });
    expect(Object.keys(packed.dependencies ?? {})).not.toContain('tsx');
  });
});

describe('the installed inspector', () => {
  it('installed from the tarball alone: the package and its run-time dependencies, no devDependency, no tsx', () => {
    const installed = readdirSync(path.join(app, 'node_modules')).filter((n) => !n.startsWith('.'));
    // What npm must install with it: the lockfile's non-dev packages (pdfkit, the report fonts and theirs).
    const runtime = runtimeEntries
      .filter(([k]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(k))
      .map(([k]) => k.slice('node_modules/'.length).split('/')[0] as string);
    expect(new Set(installed)).toEqual(new Set([pkg.name, ...runtime]));
    expect(runtime).toContain('pdfkit');
    for (const dev of ['tsx', 'typescript', 'aws-cdk-lib', 'vitest']) expect(installed).not.toContain(dev);
  });

  it('inspector --version', async () => {
    const { stdout } = await sh([...noNetwork, bin, '--version'], app);
    expect(stdout).toMatch(new RegExp(`^inspector ${pkg.version} \\(telemetry schema \\d+, Node\\.js v`));
  });

  it('inspector assess --format json with the default packages and cis, offline', async () => {
    // A Debian 12 root on which every security-best-practices rule passes.
    const root = makeRoot(sbpPassingRoot());
    const data = path.join(tmp, 'data');
    const { stdout } = await sh(
      [
        ...noNetwork,
        bin,
        'assess',
        '--root',
        root,
        '--rules-packages',
        'default,cis',
        '--offline',
        '--format',
        'json',
        '--data-dir',
        data,
      ],
      app,
    );
    const doc = JSON.parse(stdout) as {
      run: { state: string; rulesPackages: string[] };
      results: Array<{ rulesPackage: string; ruleId: string; result: string }>;
      exclusions: Array<{ scope?: string; message: string }>;
    };
    expect(doc.run.state).toMatch(/^COMPLETED/);
    expect(doc.run.rulesPackages).toEqual(expect.arrayContaining(['security-best-practices', 'cis']));
    const sbp = doc.results.filter((r) => r.rulesPackage === 'security-best-practices');
    expect(sbp.filter((r) => r.result === 'PASS').length).toBeGreaterThan(0);
    expect(doc.results.some((r) => r.ruleId.startsWith('cis.debian12.'))).toBe(true);
    // The only exclusion allowed: cve, which --offline kept from downloading a feed.
    for (const x of doc.exclusions) expect(x.message).toMatch(/--offline/);
  });

  it('a control-plane command: --help', async () => {
    const { stdout } = await sh([...noNetwork, bin, 'list-findings', '--help'], app);
    expect(stdout).toContain('Usage: inspector list-findings');
  });
});
