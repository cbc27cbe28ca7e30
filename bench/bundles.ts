/**
 * What is in each Lambda bundle and what it costs to start. Every InspectorFunction of the stack (the
 * optional Security Hub export included) is rebuilt with the construct's own esbuild settings
 * (LAMBDA_BUNDLING, and the side bundles' with sideBundleArgs' API twin), with a metafile; for each bundle it
 * prints the minified size of index.js (and of its side bundles), the largest contributors (bytes each
 * package or source folder puts in the output), and its cold init: a fresh `node` process that requires
 * index.js (module load, the handler's imports and every SDK client they load, from node_modules as the
 * Lambda runtime provides them) and checks it exports `handler`, repeated N times (default 5): median
 * require time, median wall time of the whole process (Node start-up included), median peak RSS, and the
 * @aws-sdk/client-* packages the init loaded. Side bundles are timed the same way (what their first use adds).
 * Figures are printed, never asserted (the size limit is asserted by test/infra/inspector-stack.test.ts).
 *
 * Run: npx tsx bench/bundles.ts [runs]   (or: npm run bench -- bundles)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { App } from 'aws-cdk-lib';
import * as esbuild from 'esbuild';
import {
  BUNDLE_LIMIT_BYTES,
  InspectorFunction,
  LAMBDA_BUNDLING,
  SIDE_BUNDLE_API_OPTIONS,
} from '../infra/constructs/inspector-function';
import { InspectorStack } from '../infra/stacks/inspector-stack';
import { REPO_ROOT } from '../scripts/build-agent';

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface LambdaEntry {
  /** Construct id of the InspectorFunction (e.g. StartRun, ControlPlaneRuns). */
  name: string;
  entry: string;
  sideBundles: ReadonlyArray<{ entry: string; outfile: string }>;
}

/**
 * Every Lambda of the stack, read from the constructs (no synth: bundling is skipped, so this takes the
 * time of building the construct tree only).
 */
export function lambdaEntries(): LambdaEntry[] {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({
    outdir: mkdtempSync(path.join(os.tmpdir(), 'cdk.out-bundles-')),
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
  });
  try {
    new InspectorStack(app, 'InspectorClassic', { includeAgentExecutables: false, securityHubExport: true });
    return app.node
      .findAll()
      .filter((c): c is InspectorFunction => c instanceof InspectorFunction)
      .map((f) => ({ name: f.node.id, entry: f.entry, sideBundles: f.sideBundles }));
  } finally {
    rmSync(app.outdir, { recursive: true, force: true });
  }
}

export interface Contributor {
  name: string;
  bytes: number;
}

/** A package under node_modules by its name; a source file by its first two folders (functions/rules/cve). */
function contributorOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (m) return m[1]!;
  const parts = input.split('/');
  return parts.length > 3 ? parts.slice(0, 3).join('/') : parts.join('/');
}

export interface BuiltBundle {
  file: string;
  bytes: number;
  gzipBytes: number;
  contributors: Contributor[];
}

/** Builds one bundle with the construct's settings into `outfile` (with its metafile). */
export async function buildBundle(entry: string, outfile: string, side = false): Promise<BuiltBundle> {
  const result = await esbuild.build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [path.join(REPO_ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    external: [...LAMBDA_BUNDLING.external],
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    ...(side
      ? {
          define: { ...SIDE_BUNDLE_API_OPTIONS.define },
          banner: { ...SIDE_BUNDLE_API_OPTIONS.banner },
          alias: { ...SIDE_BUNDLE_API_OPTIONS.alias },
        }
      : { sourcemap: true, sourcesContent: false }),
    metafile: true,
    logLevel: 'error',
  });
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
  if (!output) throw new Error(`esbuild wrote no output for ${entry}`);
  const byName = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = contributorOf(input);
    byName.set(name, (byName.get(name) ?? 0) + bytesInOutput);
  }
  const code = readFileSync(outfile);
  return {
    file: outfile,
    bytes: code.byteLength,
    gzipBytes: gzipSync(code).byteLength,
    contributors: [...byName].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
  };
}

/** What the child process prints: its own measurement of the require. */
interface InitSample {
  requireMs: number;
  wallMs: number;
  maxRssMiB: number;
  sdkClients: string[];
  exportsHandler: boolean;
}

/**
 * The script a fresh process runs: require the bundle, time it, list the SDK clients loaded, report peak RSS.
 * NODE_PATH makes `@aws-sdk/*` (external to the bundle) resolve from the repository's node_modules.
 */
const CHILD = `
const t0 = process.hrtime.bigint();
const m = require(process.argv[1]);
const requireMs = Number(process.hrtime.bigint() - t0) / 1e6;
const sdkClients = [...new Set(Object.keys(require.cache).flatMap((f) => {
  const x = /node_modules\\/@aws-sdk\\/(client-[^/]+|lib-[^/]+)\\//.exec(f);
  return x ? [x[1]] : [];
}))].sort();
process.stdout.write(JSON.stringify({ requireMs, maxRssMiB: process.resourceUsage().maxRSS / 1024, sdkClients, exportsHandler: typeof m.handler === 'function' }));
`;

/** Environment a Lambda has (enough for module init; no call reaches AWS). */
export function lambdaLikeEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    NODE_PATH: path.join(REPO_ROOT, 'node_modules'),
    // As the construct sets it: stack traces through the bundled source maps.
    NODE_OPTIONS: '--enable-source-maps',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'bench',
  };
}

export function measureInit(file: string, runs: number): InitSample & { runs: number } {
  const samples: InitSample[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const r = spawnSync(process.execPath, ['-e', CHILD, file], {
      env: lambdaLikeEnv(),
      encoding: 'utf8',
    });
    const wallMs = performance.now() - started;
    if (r.status !== 0)
      throw new Error(`loading ${file} failed (exit ${r.status}): ${r.stderr.slice(-1500)}`);
    samples.push({ ...(JSON.parse(r.stdout) as Omit<InitSample, 'wallMs'>), wallMs });
  }
  return {
    runs,
    requireMs: median(samples.map((s) => s.requireMs)),
    wallMs: median(samples.map((s) => s.wallMs)),
    maxRssMiB: median(samples.map((s) => s.maxRssMiB)),
    sdkClients: samples[0]!.sdkClients,
    exportsHandler: samples.every((s) => s.exportsHandler),
  };
}

/** An empty Node process, the floor every figure above sits on. */
function emptyProcess(runs: number): { wallMs: number; maxRssMiB: number } {
  const wall: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const out = execFileSync(
      process.execPath,
      ['-e', 'process.stdout.write(String(process.resourceUsage().maxRSS / 1024))'],
      { env: lambdaLikeEnv(), encoding: 'utf8' },
    );
    wall.push(performance.now() - started);
    rss.push(Number(out));
  }
  return { wallMs: median(wall), maxRssMiB: median(rss) };
}

const top = (b: BuiltBundle, n: number) =>
  b.contributors
    .slice(0, n)
    .map((c) => `${c.name} ${kib(c.bytes)}`)
    .join(', ');

export async function bundlesBench(runs = 5): Promise<void> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'inspector-bundles-'));
  try {
    const entries = lambdaEntries();
    const floor = emptyProcess(runs);
    console.log(
      `# Lambda bundles: size, contents, cold init (${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}; median of ${runs} fresh processes; limit ${kib(BUNDLE_LIMIT_BYTES)} per index.js)`,
    );
    console.log(
      `an empty node process: ${floor.wallMs.toFixed(0)} ms wall, ${floor.maxRssMiB.toFixed(0)} MiB peak RSS`,
    );
    console.log(
      `${'function'.padEnd(26)} ${'index.js'.padStart(9)} ${'gzip'.padStart(8)} ${'require'.padStart(9)} ${'wall'.padStart(8)} ${'peak RSS'.padStart(9)}  SDK clients loaded at init`,
    );
    const rows: Array<{ name: string; bundle: BuiltBundle; side: Array<[string, BuiltBundle]> }> = [];
    for (const fn of entries) {
      const dir = path.join(out, fn.name);
      mkdirSync(dir, { recursive: true });
      const bundle = await buildBundle(fn.entry, path.join(dir, 'index.js'));
      const init = measureInit(bundle.file, runs);
      const side: Array<[string, BuiltBundle]> = [];
      for (const s of fn.sideBundles)
        side.push([s.outfile, await buildBundle(s.entry, path.join(dir, s.outfile), true)]);
      rows.push({ name: fn.name, bundle, side });
      console.log(
        `${fn.name.padEnd(26)} ${kib(bundle.bytes).padStart(9)} ${kib(bundle.gzipBytes).padStart(8)} ${`${init.requireMs.toFixed(0)} ms`.padStart(9)} ${`${init.wallMs.toFixed(0)} ms`.padStart(8)} ${`${init.maxRssMiB.toFixed(0)} MiB`.padStart(9)}  ${init.sdkClients.join(' ') || '-'}${bundle.bytes < BUNDLE_LIMIT_BYTES ? '' : '  OVER THE LIMIT'}${init.exportsHandler ? '' : '  (no handler export!)'}`,
      );
      for (const [outfile, b] of side) {
        const sideInit = measureInit(b.file, runs);
        console.log(
          `${`  + ${outfile}`.padEnd(26)} ${kib(b.bytes).padStart(9)} ${kib(b.gzipBytes).padStart(8)} ${`${sideInit.requireMs.toFixed(0)} ms`.padStart(9)} ${`${sideInit.wallMs.toFixed(0)} ms`.padStart(8)} ${`${sideInit.maxRssMiB.toFixed(0)} MiB`.padStart(9)}  (side bundle, loaded on first use)`,
        );
      }
    }
    console.log('\nLargest contributors (bytes in the minified output):');
    for (const { name, bundle, side } of rows) {
      console.log(`  ${name}: ${top(bundle, 6)}`);
      for (const [outfile, b] of side) console.log(`    ${outfile}: ${top(b, 6)}`);
    }
    const sizes = rows.map((r) => r.bundle.bytes);
    console.log(
      `\nindex.js: ${kib(Math.min(...sizes))}–${kib(Math.max(...sizes))} over ${rows.length} Lambdas; ${rows.filter((r) => r.bundle.bytes >= BUNDLE_LIMIT_BYTES).length} over ${kib(BUNDLE_LIMIT_BYTES)}`,
    );
    console.log('reproduce: npx tsx bench/bundles.ts [runs]');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === `file://${path.resolve(process.argv[1])}`) {
  await bundlesBench(Number(process.argv[2] ?? 5));
}
