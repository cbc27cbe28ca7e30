/**
 * The built CLI (scripts/build-cli.ts): what `--help` loads, what the bundle leaves to npm, the data files
 * beside it, and the staleness check `npm start` uses. Builds into a temporary folder (esbuild, ~1–2 s).
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_SOURCE_NAMES } from '../../../functions/cli/defaults';
import { OFFICIAL_SOURCES } from '../../../functions/feeds/sync';
import { CIS_DATA_FOLDER } from '../../../functions/rules/cis/data';
import {
  buildCli,
  CLI_ASSETS,
  type CliBuild,
  NEVER_LOADED,
  NODE_FLAGS,
  REPO_ROOT,
  readPackageJson,
} from '../../../scripts/build-cli';
import { staleReason } from '../../../scripts/cli-build-state.mjs';

const run = promisify(execFile);
let tmp: string;
let outDir: string;
let built: CliBuild;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'inspector-build-cli-'));
  outDir = path.join(tmp, 'cli');
  built = await buildCli(outDir);
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The output files the entry loads before any `await import()`: what `inspector --help` parses. */
function staticClosure(meta: Metafile): string[] {
  const entry = Object.keys(meta.outputs).find((f) => f.endsWith('/inspector.mjs'));
  if (!entry) throw new Error('no entry in the metafile');
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const i of meta.outputs[f]!.imports)
      if (i.kind !== 'dynamic-import' && meta.outputs[i.path]) todo.push(i.path);
  }
  return [...seen];
}

const packageOf = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];

describe('npm run build (scripts/build-cli.ts)', () => {
  it('writes the entry with a shebang, its chunks beside it, and the run-time data (CLI_ASSETS)', () => {
    const entry = readFileSync(path.join(outDir, 'inspector.mjs'), 'utf8');
    expect(entry.startsWith(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}\n`)).toBe(true);
    expect(built.files.every((f) => !f.file.includes('/'))).toBe(true);
    for (const a of CLI_ASSETS) expect(existsSync(path.join(outDir, a.to)), a.to).toBe(true);
    // The cis package finds its data beside the bundle under the folder name data.ts looks for.
    const cisAssets = CLI_ASSETS.filter((a) => a.from.startsWith('functions/rules/cis/'));
    expect(cisAssets.map((a) => a.to.split('/')[0])).toEqual(cisAssets.map(() => CIS_DATA_FOLDER));
    expect(existsSync(path.join(outDir, CIS_DATA_FOLDER, 'benchmarks', 'debian12.json'))).toBe(true);
  });

  it('keeps the AWS SDK, the Encryption SDK, zod, the agent and the rules out of what --help loads', () => {
    const closure = staticClosure(built.metafile);
    const inputs = closure.flatMap((f) => Object.keys(built.metafile.outputs[f]!.inputs));
    const packages = new Set(inputs.map(packageOf).filter(Boolean));
    expect([...packages].sort()).toEqual(['commander']);
    // Only option metadata: the cis tailoring names (--cis-variable, --cis-skip are checked at parse time).
    const metadata = /^functions\/rules\/cis\/(tailoring|variable-names|benchmark-ids)\.ts$/;
    const heavy = /^(agent|functions\/(rules\/[^/]+\/|feeds|report|adapters\/aws))/;
    expect(inputs.filter((i) => heavy.test(i) && !metadata.test(i))).toEqual([]);
  });

  it('npm ci and npm pack build it; npm start runs node with the flags of the bin', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    // npm ci builds it (so `npx inspector` works in a checkout), npm pack rebuilds it.
    expect(pkg.scripts.prepare).toBe('tsx scripts/build-cli.ts --if-stale --quiet');
    expect(pkg.scripts.prepack).toBe('tsx scripts/build-cli.ts --quiet');
    expect(pkg.scripts.start).toMatch(new RegExp(`^node ${NODE_FLAGS.join(' ')} scripts/start\\.mjs `));
  });

  it('bundles every package except the package.json dependencies, which npm installs', () => {
    const deps = Object.keys(readPackageJson().dependencies ?? {});
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const external = new Set<string>();
    for (const o of Object.values(built.metafile.outputs))
      for (const i of o.imports)
        if (i.external && !builtins.has(i.path))
          external.add(
            i.path
              .split('/')
              .slice(0, i.path.startsWith('@') ? 2 : 1)
              .join('/'),
          );
    // Besides them only the optional packages a library loads on a path the CLI never takes (NEVER_LOADED).
    const neverLoaded: readonly string[] = NEVER_LOADED;
    expect([...external].filter((p) => !deps.includes(p) && !neverLoaded.includes(p))).toEqual([]);
  });

  it('names the feed sources in --help as feeds/sync.ts has them', () => {
    expect(FEED_SOURCE_NAMES).toEqual(OFFICIAL_SOURCES.map((s) => s.name));
  });

  it('runs: --help, and cis reads its benchmarks beside the bundle', async () => {
    const help = await run(process.execPath, [path.join(outDir, 'inspector.mjs'), '--help']);
    expect(help.stdout).toContain('Usage: inspector');
    const data = mkdtempSync(path.join(tmp, 'data-'));
    const root = mkdtempSync(path.join(tmp, 'root-'));
    mkdirSync(path.join(root, 'etc'));
    writeFileSync(path.join(root, 'etc', 'os-release'), 'ID=debian\nVERSION_ID="12"\n');
    const out = await run(
      process.execPath,
      [
        path.join(outDir, 'inspector.mjs'),
        'assess',
        '--root',
        root,
        '--rules-packages',
        'cis',
        '--format',
        'json',
        '--data-dir',
        data,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const doc = JSON.parse(out.stdout) as { exclusions: unknown[]; results: Array<{ ruleId: string }> };
    expect(doc.exclusions).toEqual([]);
    expect(doc.results.some((r) => r.ruleId.startsWith('cis.debian12.'))).toBe(true);
  });
});

describe('the staleness check of npm start (scripts/cli-build-state.mjs)', () => {
  it('is fresh right after a build and stale once an input is newer', () => {
    // A copy of the build's record whose other inputs include a file this test controls.
    const dir = path.join(tmp, 'stale');
    cpSync(outDir, dir, { recursive: true });
    const marker = path.join(tmp, 'marker.txt');
    writeFileSync(marker, 'x');
    const past = new Date(Date.now() - 60_000);
    utimesSync(marker, past, past);
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { otherInputs: string[] };
    meta.otherInputs.push(path.relative(REPO_ROOT, marker));
    writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));
    // package.json and the lockfile of the checkout may be newer than a fresh meta.json only if edited now.
    expect(staleReason(dir, REPO_ROOT)).toBeUndefined();
    const future = new Date(Date.now() + 60_000);
    utimesSync(marker, future, future);
    expect(staleReason(dir, REPO_ROOT)).toBe(`${path.relative(REPO_ROOT, marker)} changed`);
    rmSync(marker);
    expect(staleReason(dir, REPO_ROOT)).toBe(`${path.relative(REPO_ROOT, marker)} is gone`);
    rmSync(path.join(dir, 'meta.json'));
    expect(staleReason(dir, REPO_ROOT)).toBe('no build');
  });
});
