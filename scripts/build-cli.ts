/**
 * Builds the `inspector` CLI as users install it: plain JavaScript in dist/cli/, no TypeScript and no tsx at
 * run time (`npm run build`; `npm start` and `npm pack` build first).
 *
 * - dist/cli/inspector.mjs: the entry (the package.json `bin`), bundled by esbuild from functions/cli/main.ts,
 *   so every command registered there is in it with nothing to list here. ESM with code splitting: what a
 *   command loads with `await import()` (the assessment, the feeds, the AWS SDK of the control-plane
 *   commands, the cis package) is a chunk (dist/cli/<name>-<hash>.mjs) read only when that command runs, so
 *   `inspector --help` parses a fraction of the code.
 * - Dependencies: every package is bundled except the package.json `dependencies`, which stay imports that
 *   npm installs beside the package. So a library is a devDependency when it bundles cleanly (the default) and
 *   a dependency only when it cannot be bundled: native code, or files of its own it reads at run time (a PDF
 *   library's font metrics). test/unit/cli/build-cli.test.ts checks that the bundle imports no other package.
 * - CLI_ASSETS: the data files the bundled code reads from disk at run time, copied beside the bundle. A
 *   module that reads such files looks first in the folder named here beside the bundle, then beside its
 *   source (as functions/rules/cis/data.ts does with CIS_DATA_FOLDER); add a line here for each new one.
 *
 * `--if-stale` skips the build when dist/cli is newer than every input of the last build (esbuild's metafile,
 * dist/cli/meta.json, lists them, with the assets and this script) and than package.json and the lockfile
 * (scripts/cli-build-state.mjs, which `npm start` runs through scripts/start.mjs without a TypeScript loader).
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { CLI_ENTRY_NAME as ENTRY_NAME, staleReason } from './cli-build-state.mjs';

// functions/rules/cis/data.ts's CIS_DATA_FOLDER (not imported: that module loads zod; the build test compares them).
const CIS_DATA_FOLDER = 'cis-data';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_DIR = path.join(REPO_ROOT, 'dist', 'cli');
export const CLI_ENTRY = path.join(CLI_DIR, 'inspector.mjs');
export const CLI_METAFILE = path.join(CLI_DIR, 'meta.json');

/** Run-time data the bundled code reads from disk: source (file or folder, from the repository root) → place under dist/cli. */
export const CLI_ASSETS: ReadonlyArray<{ from: string; to: string }> = [
  { from: 'functions/rules/cis/rules.json', to: `${CIS_DATA_FOLDER}/rules.json` },
  { from: 'functions/rules/cis/benchmarks', to: `${CIS_DATA_FOLDER}/benchmarks` },
  { from: 'functions/rules/cis/NOTICE', to: `${CIS_DATA_FOLDER}/NOTICE` },
];

/**
 * Node.js flags of the installed bin (its shebang, through `env -S`) and of `npm start`. A 2 MiB young
 * generation (Node's default is 16 MiB per semi-space) keeps an assessment's peak RSS about 30 MB lower, mostly
 * short-lived buffers of the agent's reads, at no measurable CPU cost (bench/cli-startup.ts). V8's
 * `--optimize-for-size` (its heap grows more slowly and is collected sooner) takes another 7–20 MiB off an
 * assessment's peak (88 instead of 96 MiB with no feed, 120 instead of 140 with 3,679 findings) for 0–15 % more
 * CPU; `--help` is unchanged (README, "Start-up and memory").
 */
export const NODE_FLAGS = ['--max-semi-space-size=2', '--optimize-for-size'];

interface PackageJson {
  version: string;
  dependencies?: Record<string, string>;
}

export function readPackageJson(root = REPO_ROOT): PackageJson {
  return JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
}

/**
 * Optional packages a bundled library imports only on a path the CLI never takes: left out of the bundle and
 * not installed. `xmlbuilder2`: @cyclonedx/cyclonedx-library's XML serializer (the CLI writes CycloneDX JSON).
 */
export const NEVER_LOADED = ['xmlbuilder2'] as const;

/** The packages left out of the bundle: the package.json `dependencies` (and their subpaths), and NEVER_LOADED. */
export function externalPackages(pkg: PackageJson = readPackageJson()): string[] {
  return [...Object.keys(pkg.dependencies ?? {}), ...NEVER_LOADED].flatMap((n) => [n, `${n}/*`]);
}

export interface CliBuild {
  /** Files written under dist/cli (relative), with their sizes. */
  files: Array<{ file: string; bytes: number }>;
  ms: number;
  metafile: Metafile;
}

export async function buildCli(outDir: string = CLI_DIR): Promise<CliBuild> {
  const started = performance.now();
  const pkg = readPackageJson();
  // Built into a fresh folder beside the target and renamed into place: no stale chunk survives, and a
  // process running the previous build meanwhile never reads half a new one.
  const tmp = `${outDir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const result = await build({
    stdin: {
      contents: [
        "import { main } from './functions/cli/main';",
        'process.exitCode = await main(process.argv);',
      ].join('\n'),
      resolveDir: REPO_ROOT,
      sourcefile: ENTRY_NAME,
      loader: 'ts',
    },
    absWorkingDir: REPO_ROOT,
    outdir: tmp,
    entryNames: 'inspector',
    // Chunks beside the entry: every bundled module's import.meta.url names dist/cli, where CLI_ASSETS are.
    chunkNames: '[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'eof',
    metafile: true,
    external: externalPackages(pkg),
    define: { 'process.env.INSPECTOR_PACKAGE_VERSION': JSON.stringify(pkg.version) },
    banner: {
      // Bundled CommonJS packages call require() for Node's built-ins; ESM has none of its own.
      js: [
        `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`,
        "import { createRequire as __inspectorRequire } from 'node:module';",
        'const require = __inspectorRequire(import.meta.url);',
        'process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";',
      ].join('\n'),
    },
    logLevel: 'error',
  });
  for (const a of CLI_ASSETS) {
    const from = path.join(REPO_ROOT, a.from);
    if (!existsSync(from)) throw new Error(`CLI asset ${a.from} does not exist`);
    cpSync(from, path.join(tmp, a.to), { recursive: true });
  }
  // Output paths as they will be (dist/cli/…), not the temporary folder's.
  const tmpRel = path.relative(REPO_ROOT, tmp);
  const finalRel = path.relative(REPO_ROOT, outDir);
  const rename = (f: string) => (f.startsWith(`${tmpRel}/`) ? `${finalRel}${f.slice(tmpRel.length)}` : f);
  const metafile: Metafile & { otherInputs: string[] } = {
    otherInputs: [...CLI_ASSETS.map((a) => a.from), 'scripts/build-cli.ts'],
    inputs: result.metafile.inputs,
    outputs: Object.fromEntries(
      Object.entries(result.metafile.outputs).map(([f, o]) => [
        rename(f),
        { ...o, imports: o.imports.map((i) => ({ ...i, path: rename(i.path) })) },
      ]),
    ),
  };
  writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify(metafile));
  chmodSync(path.join(tmp, 'inspector.mjs'), 0o755);
  // The banner (shebang included) is in every chunk: harmless, a hashbang line is valid at the top of any module.
  mkdirSync(path.dirname(outDir), { recursive: true });
  const old = `${outDir}.${process.pid}.old`;
  if (existsSync(outDir)) renameSync(outDir, old);
  try {
    renameSync(tmp, outDir);
  } catch (err) {
    // Another build (npm pack's prepare and prepack, a parallel npm start) put its output there first: the
    // same sources, so keep it.
    if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    rmSync(tmp, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
  const files = Object.keys(metafile.outputs).map((f) => {
    const rel = path.relative(outDir, path.resolve(REPO_ROOT, f));
    return { file: rel, bytes: statSync(path.join(outDir, rel)).size };
  });
  return { files, ms: Math.round(performance.now() - started), metafile };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const quiet = process.argv.includes('--quiet');
  const why = process.argv.includes('--if-stale') ? staleReason(CLI_DIR, REPO_ROOT) : 'asked';
  if (why === undefined) {
    if (!quiet) process.stdout.write(`${path.relative(REPO_ROOT, CLI_DIR)} is up to date\n`);
  } else {
    const b = await buildCli();
    const total = b.files.reduce((n, f) => n + f.bytes, 0);
    if (!quiet) {
      process.stdout.write(
        `built dist/cli (${b.files.length} files, ${total} bytes of JavaScript) in ${b.ms} ms (${why})\n`,
      );
    }
  }
}
