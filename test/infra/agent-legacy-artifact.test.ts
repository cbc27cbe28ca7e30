/**
 * The legacy agent artifacts (Node.js 16 + the agent bundle, self-extracting; for hosts with glibc 2.17 to
 * 2.27: Amazon Linux 2, RHEL/CentOS 7, Ubuntu 18.04), as `npm run build:agent` builds them:
 *
 * - what the Node.js binary inside each (x64 and arm64) needs from the host, read from its ELF version
 *   needs (readelf -V): nothing newer than GLIBC_2.17, GLIBCXX_3.4.19 and CXXABI_1.3.7 (CentOS 7's glibc
 *   2.17 and libstdc++ of GCC 4.8.5), and only the libraries every glibc system has; while the Node.js 22
 *   binary of the default executables needs GLIBC_2.28;
 * - the payload is the npm registry's tarball byte for byte (the pinned integrity);
 * - the artifact run on a fixture root writes telemetry that the product decrypts, the same as the
 *   bundle's on Node.js 20, and leaves nothing unpacked behind;
 * - the SSM document's shell step (run with sh, getconf faked, the gzip assets from a local HTTP server)
 *   fetches and runs it instead of the executable when glibc is older than 2.28 (only it is downloaded,
 *   once per version), after the same SHA-256 and architecture checks, and in cloud mode the Node.js 16
 *   agent gets instance-profile credentials from (fake) IMDS, a data key from (fake) KMS, and PUTs the
 *   envelope with SSE-KMS to (fake) S3; the envelope decrypts through the KMS keyring.
 *
 * - and on glibc 2.17 for real: the Node.js 16 binary and bundle of the artifact of this machine's
 *   architecture, run through the dynamic loader of a glibc 2.17 sysroot (libc-2.17.so, libstdc++ of GCC
 *   4.8: CentOS 7's) from the npm registry (@napi-rs/cross-toolchain-*, integrity pinned), collect a fixture
 *   root and, in cloud mode, get IMDS credentials, a KMS data key and upload to S3 (fakes); Node.js 22 does
 *   not start there.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { getClient, KMS, KmsKeyringNode } from '@aws-crypto/client-node';
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptTelemetry, rawAesKeyring } from '../../functions/core/telemetry';
import {
  AGENT_WORK_DIR,
  AgentDistribution,
  DOCUMENT_PARAMETERS,
} from '../../infra/constructs/agent-distribution';
import {
  AGENT_PLATFORMS,
  type AgentPlatform,
  buildAgentExecutables,
  buildLegacyAgentExecutables,
  builtExecutables,
  builtLegacyExecutables,
  LEGACY_NODE_BINARIES,
  nodeBinary,
  nodeTarball,
} from '../../scripts/build-agent';
import { cleanupRoots, makeRoot } from '../helpers/fixture-root';

const run = promisify(execFile);
const HOST: AgentPlatform = process.arch === 'arm64' ? 'linux-arm64' : 'linux-x64';
const OTHER: AgentPlatform = HOST === 'linux-x64' ? 'linux-arm64' : 'linux-x64';
const UNAME_M: Record<AgentPlatform, string> = { 'linux-x64': 'x86_64', 'linux-arm64': 'aarch64' };

let work: string;
let legacy: Record<AgentPlatform, string>;
let root: string;
let keyFile: string;
let key: Buffer;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'inspector-legacy-agent-'));
  // `npm run build:agent` (.ci/run) builds them before the tests; a bare `npm test` builds them here.
  if (!builtExecutables()[HOST]) buildAgentExecutables();
  const built = builtLegacyExecutables();
  legacy = (
    AGENT_PLATFORMS.every((p) => built[p])
      ? built
      : Object.fromEntries(buildLegacyAgentExecutables().map((a, i) => [AGENT_PLATFORMS[i], a.file]))
  ) as Record<AgentPlatform, string>;
  root = makeRoot({
    files: {
      '/etc/os-release':
        'NAME="Amazon Linux"\nVERSION="2"\nID="amzn"\nVERSION_ID="2"\nPRETTY_NAME="Amazon Linux 2"\n',
      '/etc/ssh/sshd_config': 'PermitRootLogin no\nPasswordAuthentication no\n',
      '/etc/login.defs': 'PASS_MAX_DAYS 90\nPASS_MIN_LEN 12\n',
    },
    dirs: { '/usr/bin': 0o755, '/etc': 0o755 },
    sysctl: { 'kernel.randomize_va_space': '2' },
  });
  key = randomBytes(32);
  keyFile = path.join(work, 'telemetry.key');
  writeFileSync(keyFile, key, { mode: 0o600 });
}, 300_000);
afterAll(() => {
  cleanupRoots();
  rmSync(work, { recursive: true, force: true });
});

/** The payloads of a legacy artifact, split by its own header. */
function split(file: string): { header: string; tarball: Buffer; bundle: Buffer } {
  const data = readFileSync(file);
  const head = data.subarray(0, 4096).toString('latin1');
  const headerBytes = Number(/^header=(\d+)$/m.exec(head)?.[1]);
  const nodeBytes = Number(/^nodebytes=(\d+)$/m.exec(head)?.[1]);
  expect(headerBytes).toBeGreaterThan(0);
  expect(nodeBytes).toBeGreaterThan(0);
  return {
    header: data.subarray(0, headerBytes).toString('utf8'),
    tarball: data.subarray(headerBytes, headerBytes + nodeBytes),
    bundle: gunzipSync(data.subarray(headerBytes + nodeBytes)),
  };
}

/** The Node.js binary inside a legacy artifact, unpacked with tar as the header does. */
function unpackNode(platform: AgentPlatform): string {
  const dir = path.join(work, `unpacked-${platform}`);
  if (!existsSync(dir)) {
    mkdirSync(dir);
    const tgz = path.join(dir, 'node.tgz');
    writeFileSync(tgz, split(legacy[platform]).tarball);
    execFileSync('tar', ['-xzf', tgz, '-C', dir, 'package/bin/node']);
  }
  return path.join(dir, 'package', 'bin', 'node');
}

/** An ELF file's version needs (readelf -V): the libraries it names and every symbol version per family. */
function versionNeeds(file: string): { libraries: string[]; versions: Map<string, string[]> } {
  const out = execFileSync('readelf', ['-V', '-W', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const section = out.slice(out.indexOf(".gnu.version_r'"));
  const libraries = [...section.matchAll(/File: (\S+)/g)].map((m) => m[1] as string);
  const versions = new Map<string, string[]>();
  for (const [, family, version] of section.matchAll(/Name: ([A-Z_]+?)_([0-9.]+|PRIVATE)\b/g)) {
    versions.set(family as string, [...(versions.get(family as string) ?? []), version as string]);
  }
  return { libraries, versions };
}

const compare = (a: string, b: string): number => {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};
const newest = (vs: string[] = []) => [...vs].sort(compare).at(-1);

/**
 * What CentOS 7 (glibc 2.17; libstdc++ and libgcc_s of GCC 4.8.5) provides: the oldest host the artifact is
 * for. Amazon Linux 2 (glibc 2.26, GCC 7) and Ubuntu 18.04 (glibc 2.27, GCC 8) provide more.
 */
const CENTOS7 = { GLIBC: '2.17', GLIBCXX: '3.4.19', CXXABI: '1.3.7', GCC: '4.8.0' } as const;
const BASE_LIBRARIES = [
  'ld-linux-x86-64.so.2',
  'ld-linux-aarch64.so.1',
  'libc.so.6',
  'libm.so.6',
  'libdl.so.2',
  'libpthread.so.0',
  'libgcc_s.so.1',
  'libstdc++.so.6',
];

describe('legacy artifact: what it needs from the host', () => {
  for (const platform of AGENT_PLATFORMS) {
    it(`${platform}: the Node.js binary needs glibc <= 2.17, libstdc++ of GCC 4.8 and base libraries only`, () => {
      const node = unpackNode(platform);
      const { libraries, versions } = versionNeeds(node);
      expect(libraries).toContain('libc.so.6');
      for (const lib of libraries) expect(BASE_LIBRARIES, lib).toContain(lib);
      expect([...versions.keys()].sort()).toEqual(['CXXABI', 'GCC', 'GLIBC', 'GLIBCXX']);
      expect(versions.get('GLIBC')).not.toContain('PRIVATE');
      for (const [family, max] of Object.entries(CENTOS7)) {
        const need = newest(versions.get(family));
        expect(need, family).toBeDefined();
        expect(compare(need as string, max), `${family}_${need} > ${family}_${max}`).toBeLessThanOrEqual(0);
      }
      // The real numbers (Node.js 16.20.2 is built on CentOS 7 with devtoolset; libstdc++ stays 4.8's).
      expect(newest(versions.get('GLIBC'))).toBe('2.17');
      expect(newest(versions.get('GLIBCXX'))).toBe('3.4.18');
      expect(newest(versions.get('CXXABI'))).toBe('1.3.5');
      // ELF machine of the platform.
      const machine = execFileSync('readelf', ['-h', node], { encoding: 'utf8' });
      expect(machine).toMatch(platform === 'linux-x64' ? /X86-64/ : /AArch64/);
    });
  }

  it("while the default executables' Node.js 22 needs glibc 2.28 (why the legacy artifact exists)", () => {
    const { versions } = versionNeeds(nodeBinary('linux-x64'));
    expect(newest(versions.get('GLIBC'))).toBe('2.28');
  });

  it('carries the npm registry tarball byte for byte, and a /bin/sh header using only base tools', () => {
    for (const platform of AGENT_PLATFORMS) {
      const { header, tarball, bundle } = split(legacy[platform]);
      const sri = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
      expect(sri).toBe(LEGACY_NODE_BINARIES[platform].integrity);
      expect(header.startsWith('#!/bin/sh\n')).toBe(true);
      expect(header).toContain(`want='${UNAME_M[platform]}'`);
      expect(bundle.byteLength).toBeGreaterThan(100_000);
      // the Node.js 16 bundle carries the Web Crypto global the AWS SDK's request ids need
      expect(bundle.toString('utf8', 0, 400)).toContain('webcrypto');
      expect(header).toContain('needs sh, uname, dirname, mktemp, tail, head, tar, gzip, rm');
    }
  });
});

/** A PATH holding only the tools the header says it needs. */
function basePath(): string {
  const dir = path.join(work, 'base-tools');
  if (!existsSync(dir)) {
    mkdirSync(dir);
    for (const tool of ['uname', 'dirname', 'mktemp', 'tail', 'head', 'tar', 'gzip', 'rm']) {
      const real = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
      symlinkSync(real, path.join(dir, tool));
    }
  }
  return dir;
}

async function runLocal(command: string, args: string[], instanceId: string, env?: NodeJS.ProcessEnv) {
  const out = path.join(work, `${instanceId}.bin`);
  const { stdout } = await run(
    command,
    [
      ...args,
      '--root',
      root,
      '--out',
      out,
      '--key-file',
      keyFile,
      '--run-id',
      'run-1',
      '--instance-id',
      instanceId,
    ],
    env ? { env } : {},
  );
  expect(JSON.parse(stdout)).toMatchObject({ status: 'delivered', instanceId, destination: out });
  return decryptTelemetry(readFileSync(out), rawAesKeyring(key), { runId: 'run-1', instanceId });
}

describe('legacy artifact: runs', () => {
  it('collects a fixture root like its bundle on Node.js 20, and leaves nothing unpacked', async () => {
    const dir = path.join(work, 'run-local');
    mkdirSync(dir);
    const artifact = path.join(dir, path.basename(legacy[HOST]));
    copyFileSync(legacy[HOST], artifact);
    chmodSync(artifact, 0o755);
    const doc = await runLocal(artifact, [], 'i-0legacy', { PATH: basePath() });
    expect(readdirSync(dir)).toEqual([path.basename(artifact)]);
    expect(doc.root).toBe(root);
    expect(JSON.stringify(doc.files['/etc/os-release'])).toContain('Amazon Linux 2');
    expect(JSON.stringify(doc.kernelParameters)).toContain('randomize_va_space');

    // the same bundle (the artifact's own) on this machine's Node.js: only the runtime differs
    const referenceDir = path.join(work, 'reference');
    mkdirSync(referenceDir);
    writeFileSync(path.join(referenceDir, 'agent.js'), split(legacy[HOST]).bundle);
    writeFileSync(path.join(referenceDir, 'package.json'), '{ "type": "commonjs" }\n');
    const reference = await runLocal(process.execPath, [path.join(referenceDir, 'agent.js')], 'i-0legacy');
    expect(doc.files).toEqual(reference.files);
    expect(doc.paths).toEqual(reference.paths);
    expect(doc.kernelParameters).toEqual(reference.kernelParameters);
    expect(doc.host).toEqual(reference.host);
  });

  it('refuses another architecture before unpacking anything (exit 13)', async () => {
    const err = await run(legacy[OTHER], ['--help']).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 13 });
    expect((err as { stderr: string }).stderr).toContain(`this artifact is for linux ${UNAME_M[OTHER]}`);
  });
});

/** Fake instance metadata (IMDSv2 credentials), KMS (GenerateDataKey/Decrypt) and S3 (PutObject). */
function fakeAws() {
  const calls: Array<{
    method: string;
    url: string;
    target?: string;
    headers: http.IncomingHttpHeaders;
    body: Buffer;
  }> = [];
  const objects = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = req.headers['x-amz-target'] as string | undefined;
      calls.push({ method: req.method ?? '', url: req.url ?? '', target, headers: req.headers, body });
      const url = req.url ?? '';
      if (req.method === 'PUT' && url === '/latest/api/token') return void res.end('imds-token');
      if (url.startsWith('/latest/meta-data/iam/security-credentials')) {
        if (req.headers['x-aws-ec2-metadata-token'] !== 'imds-token') return void res.writeHead(401).end();
        if (url.endsWith('/')) return void res.end('inspector-instance-role');
        return void res.end(
          JSON.stringify({
            Code: 'Success',
            Type: 'AWS-HMAC',
            AccessKeyId: 'ASIAFAKEINSTANCEROLE',
            SecretAccessKey: 'fake-secret',
            Token: 'fake-session-token',
            Expiration: new Date(Date.now() + 3600_000).toISOString(),
            LastUpdated: new Date().toISOString(),
          }),
        );
      }
      if (target === 'TrentService.GenerateDataKey') {
        const input = JSON.parse(body.toString()) as { KeyId: string; NumberOfBytes?: number };
        const plaintext = randomBytes(input.NumberOfBytes ?? 32);
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        return void res.end(
          JSON.stringify({
            KeyId: input.KeyId,
            Plaintext: plaintext.toString('base64'),
            CiphertextBlob: Buffer.concat([Buffer.from('fake-kms:'), plaintext]).toString('base64'),
          }),
        );
      }
      if (target === 'TrentService.Decrypt') {
        const input = JSON.parse(body.toString()) as { KeyId: string; CiphertextBlob: string };
        const blob = Buffer.from(input.CiphertextBlob, 'base64');
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        return void res.end(
          JSON.stringify({
            KeyId: input.KeyId,
            Plaintext: blob.subarray('fake-kms:'.length).toString('base64'),
          }),
        );
      }
      if (req.method === 'PUT') {
        objects.set(url.split('?')[0] as string, body);
        res.setHeader('ETag', '"fake"');
        return void res.end();
      }
      res.writeHead(400).end('unexpected request');
    });
  });
  return {
    calls,
    objects,
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('SSM document shell step: the legacy artifact on hosts with glibc < 2.28 (run with sh)', () => {
  let script: string;
  let keys: { executable: string; legacy: string };
  const outdir = () => path.join(work, 'cdk.out');
  let server: http.Server;
  let base: string;
  /** path -> gzip body served; the paths asked for */
  const served = new Map<string, Buffer>();
  const requests: string[] = [];

  beforeAll(async () => {
    const stack = new Stack(new App({ outdir: outdir() }), 'DocOnly', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const d = new AgentDistribution(stack, 'Agent', {
      telemetryBucket: new s3.Bucket(stack, 'Telemetry'),
      key: new kms.Key(stack, 'Key'),
    });
    const arch = HOST === 'linux-x64' ? 'x86_64' : 'arm64';
    const legacyArtifact = d.legacyByArchitecture[arch];
    expect(legacyArtifact?.kind).toBe(`${HOST}-glibc217`);
    expect(d.byArchitecture[arch].kind).toBe(HOST);
    keys = {
      executable: d.byArchitecture[arch].asset.s3ObjectKey,
      legacy: legacyArtifact!.asset.s3ObjectKey,
    };
    // the assets are the gzip copies, keyed by the SHA-256 of what they decompress to
    expect(keys.executable).toMatch(/^[a-f0-9]{64}\.gz$/);
    expect(legacyArtifact!.sha256).toBe(
      createHash('sha256').update(readFileSync(legacy[HOST])).digest('hex'),
    );
    const content = stack.resolve(d.document.content) as {
      parameters: Record<string, { default?: unknown; allowedValues?: unknown[] }>;
      mainSteps: Array<{ action: string; name: string; inputs: Record<string, unknown> }>;
    };
    // one step: the shell decides what to download (a Command document's downloadContent cannot)
    expect(content.mainSteps.map((s) => s.name)).toEqual(['runAgent']);
    expect(content.parameters[DOCUMENT_PARAMETERS.legacyAgentKey]!.allowedValues).toContain(keys.legacy);
    expect(content.parameters[DOCUMENT_PARAMETERS.agentKey]!.allowedValues).not.toContain(keys.legacy);
    expect(content.parameters[DOCUMENT_PARAMETERS.legacyAgentKey]!.default).toBe(
      d.legacyByArchitecture.x86_64!.asset.s3ObjectKey,
    );
    expect(content.parameters[DOCUMENT_PARAMETERS.legacyAgentUrl]!.default).toBe('');
    script = (content.mainSteps[0]!.inputs.runCommand as string[]).join('\n');
    server = http.createServer((req, res) => {
      const p = (req.url ?? '').split('?')[0] ?? '';
      requests.push(p);
      const body = served.get(p);
      if (!body) return void res.writeHead(403).end();
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 300_000);
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(outdir(), { recursive: true, force: true });
  });

  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const fake = (name: string) => Buffer.from(`#!/bin/sh\necho ${name} "$@"\n`);

  /** Runs the step with a fake getconf reporting `glibc` (empty: getconf fails, as on musl). */
  async function step(opts: {
    glibc: string;
    executable: Buffer;
    legacy: Buffer;
    legacySha256?: string;
    legacyKey?: string;
    /** the host's agent directory (its cache); a fresh one by default */
    host?: string;
    env?: NodeJS.ProcessEnv;
  }) {
    const id = `run-${randomBytes(4).toString('hex')}`;
    const host = opts.host ?? path.join(work, `host-${id}`);
    served.set(`/${id}/exe.gz`, gzipSync(opts.executable));
    served.set(`/${id}/legacy.gz`, gzipSync(opts.legacy));
    const bin = path.join(work, `bin-${id}`);
    mkdirSync(bin);
    writeFileSync(
      path.join(bin, 'getconf'),
      opts.glibc ? `#!/bin/sh\necho 'glibc ${opts.glibc}'\n` : '#!/bin/sh\nexit 1\n',
      { mode: 0o755 },
    );
    const params: Record<string, string> = {
      runId: id,
      durationSeconds: '0',
      uploadBucket: 'telemetry-bucket',
      uploadPrefix: `telemetry/${id}/`,
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      region: 'eu-west-1',
      agentKey: keys.executable,
      agentSha256: sha(opts.executable),
      agentUrl: `${base}/${id}/exe.gz?X-Amz-Signature=s`,
      legacyAgentKey: opts.legacyKey ?? keys.legacy,
      legacyAgentSha256: opts.legacySha256 ?? sha(opts.legacy),
      legacyAgentUrl: `${base}/${id}/legacy.gz?X-Amz-Signature=s`,
    };
    const rendered = script
      .replaceAll(AGENT_WORK_DIR, host)
      .replace(/\{\{ (\w+) \}\}/g, (_m, name: string) => params[name] ?? '');
    const file = path.join(work, `${id}.sh`);
    writeFileSync(file, rendered);
    const env = {
      ...(opts.env ?? process.env),
      PATH: `${bin}:${process.env.PATH}`,
      AWS_SSM_INSTANCE_ID: 'i-0legacy',
    };
    const r = await run('sh', [file], { env, maxBuffer: 16 << 20 }).then(
      (o) => ({ code: 0, ...o }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    const fetched = requests.filter((p) => p.startsWith(`/${id}/`)).map((p) => p.slice(id.length + 2));
    return { ...r, id, host, fetched, left: existsSync(path.join(host, 'runs', id)) };
  }

  it('fetches and runs the legacy artifact alone on glibc 2.17, 2.26 and 2.27, the executable alone from 2.28 on', async () => {
    for (const [glibc, want] of [
      ['2.17', 'legacy'],
      ['2.26', 'legacy'],
      ['2.27', 'legacy'],
      ['2.28', 'executable'],
      ['2.31', 'executable'],
      ['2.36', 'executable'],
      ['2.41', 'executable'],
      ['', 'executable'],
    ] as const) {
      const r = await step({ glibc, executable: fake('executable'), legacy: fake('legacy') });
      expect(r.code, `glibc ${glibc}: ${r.stderr}`).toBe(0);
      expect(r.stdout.split(' ')[0], `glibc ${glibc}`).toBe(want);
      expect(r.fetched, `glibc ${glibc}`).toEqual([want === 'legacy' ? 'legacy.gz' : 'exe.gz']);
      expect(r.stdout).toContain('--instance-id i-0legacy');
      expect(r.stderr).toBe(
        want === 'legacy'
          ? `inspector: glibc ${glibc} is older than 2.28: running the legacy agent artifact (Node.js 16)\n`
          : '',
      );
      expect(r.left).toBe(false);
    }
  });

  it('a glibc 2.26 host downloads the legacy artifact once; the next run downloads nothing', async () => {
    const first = await step({ glibc: '2.26', executable: fake('executable'), legacy: fake('legacy') });
    expect(first.fetched).toEqual(['legacy.gz']);
    const second = await step({
      glibc: '2.26',
      executable: fake('executable'),
      legacy: fake('legacy'),
      host: first.host,
    });
    expect(second.code).toBe(0);
    expect(second.stdout.split(' ')[0]).toBe('legacy');
    expect(second.fetched).toEqual([]);
  });

  it('checks the legacy artifact SHA-256 (exit 11), refuses a legacyAgentKey that is no legacy artifact (16)', async () => {
    const tampered = await step({
      glibc: '2.26',
      executable: fake('executable'),
      legacy: fake('tampered'),
      legacySha256: sha(fake('legacy')),
    });
    expect(tampered.code).toBe(11);
    expect(tampered.stdout).toBe('');
    expect(tampered.stderr).toMatch(/SHA-256 [a-f0-9]{64}, expected [a-f0-9]{64}; refusing to run it/);
    expect(tampered.left).toBe(false);

    const notLegacy = await step({
      glibc: '2.17',
      executable: fake('executable'),
      legacy: fake('legacy'),
      legacyKey: keys.executable,
    });
    expect(notLegacy.code).toBe(16);
    expect(notLegacy.stderr).toContain('this host has glibc 2.17, the agent executable needs 2.28');
    expect(notLegacy.fetched).toEqual([]);
    expect(notLegacy.left).toBe(false);
  });

  it('end to end on "Amazon Linux 2": the real legacy artifact (gzip asset), Node.js 16, IMDS credentials, KMS envelope, S3 upload', async () => {
    const aws = fakeAws();
    const endpoint = await aws.start();
    try {
      // only the instance profile: no credentials, profiles or region from this machine's environment
      const env: NodeJS.ProcessEnv = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')),
      );
      Object.assign(env, {
        HOME: work,
        AWS_ENDPOINT_URL: endpoint,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint,
        AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv4',
      });
      const r = await step({
        glibc: '2.26',
        executable: fake('executable'),
        legacy: readFileSync(legacy[HOST]),
        env,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('running the legacy agent artifact (Node.js 16)');
      expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|Error/);
      // it unpacked its runtime in the run directory (removed), not beside itself in the cache
      const cached = path.join(r.host, 'cache', sha(readFileSync(legacy[HOST])));
      expect(readdirSync(cached)).toEqual(['agent']);
      const result = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
      expect(result).toMatchObject({
        status: 'delivered',
        runId: r.id,
        instanceId: 'i-0legacy',
        destination: `s3://telemetry-bucket/telemetry/${r.id}/i-0legacy.bin`,
      });
      // KMS and S3 were called with the instance role's credentials from IMDS
      const kmsCall = aws.calls.find((c) => c.target === 'TrentService.GenerateDataKey');
      expect(kmsCall?.headers.authorization).toContain('Credential=ASIAFAKEINSTANCEROLE/');
      expect(kmsCall?.headers['x-amz-security-token']).toBe('fake-session-token');
      const context = (JSON.parse(kmsCall!.body.toString()) as { EncryptionContext: Record<string, string> })
        .EncryptionContext;
      expect(context['inspector:instance-arn']).toBe('arn:aws:ec2:eu-west-1:123456789012:instance/i-0legacy');
      const put = aws.calls.find((c) => c.method === 'PUT' && c.url.startsWith('/telemetry-bucket/'));
      expect(put?.headers['x-amz-server-side-encryption']).toBe('aws:kms');
      const body = aws.objects.get(`/telemetry-bucket/telemetry/${r.id}/i-0legacy.bin`);
      expect(body).toBeDefined();
      // the evaluator's decryption, through the KMS keyring
      const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      const keyring = new KmsKeyringNode({
        keyIds: [keyArn],
        clientProvider: getClient(KMS, {
          endpoint,
          region: 'eu-west-1',
          credentials: { accessKeyId: 'AKIDEVALUATE', secretAccessKey: 'x' },
        }),
      });
      const doc = await decryptTelemetry(
        body as Buffer,
        keyring,
        { runId: r.id, instanceId: 'i-0legacy' },
        { kind: 'kms', keyArn },
      );
      expect(doc.root).toBe('/');
      expect(doc.host.arch).toBe(UNAME_M[HOST]);
    } finally {
      await aws.stop();
    }
  });
});

/**
 * glibc 2.17 runtimes (libc-2.17.so, ld.so, libstdc++.so.6.0.19 of GCC 4.8, libgcc_s: what CentOS 7 has),
 * from the sysroots of napi-rs' cross toolchains on the npm registry, for this machine's architecture.
 */
const GLIBC217_SYSROOTS: Record<
  AgentPlatform,
  { spec: string; integrity: string; xz: string; loader: string }
> = {
  'linux-x64': {
    spec: '@napi-rs/cross-toolchain-x64-target-x86_64@1.0.0',
    integrity:
      'sha512-lecoghCfoTAX9MLFcIx9/nL9M8xdkZ9n8Pki8qjKUNzjiq1zbECdEbzIZAMMHRtrXxifK9dAyYuh8gSxNbr2og==',
    xz: 'x86_64-unknown-linux-gnu',
    loader: 'ld-linux-x86-64.so.2',
  },
  'linux-arm64': {
    spec: '@napi-rs/cross-toolchain-x64-target-aarch64@1.0.3',
    integrity:
      'sha512-EMFcy/ahFsmCY3BI1tMC3wRUYZ+cDuILg7nP1micaKXW1tO1+RvUB1CC6QYe+cv2W4Tuz9wr3qcFExWyjgWf2w==',
    xz: 'aarch64-unknown-linux-gnu',
    loader: 'ld-linux-aarch64.so.1',
  },
};

/** The sysroot's lib/ directory (unpacked once into dist/.node-cache). */
function glibc217Lib(platform: AgentPlatform): string {
  const pin = GLIBC217_SYSROOTS[platform];
  const dir = path.join(path.dirname(nodeTarball(pin)), `glibc-2.17-${platform}`);
  const lib = path.join(dir, pin.xz, 'sysroot', 'lib');
  if (!existsSync(path.join(lib, pin.loader))) {
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    execFileSync('sh', [
      '-c',
      'tar -xzf "$1" -O "package/$2.tar.xz" | tar -xJf - -C "$3" "./$2/sysroot/lib"',
      'sh',
      nodeTarball(pin),
      pin.xz,
      tmp,
    ]);
    rmSync(dir, { recursive: true, force: true });
    execFileSync('mv', [tmp, dir]);
  }
  return lib;
}

describe('legacy artifact on glibc 2.17 for real (the loader and libraries of a glibc 2.17 sysroot)', () => {
  let lib: string;
  let unpacked: string;
  /** argv that runs `binary` with the glibc 2.17 loader and only the sysroot's libraries. */
  const on217 = (binary: string, ...args: string[]): [string, string[]] => [
    path.join(lib, GLIBC217_SYSROOTS[HOST].loader),
    ['--library-path', lib, binary, ...args],
  ];

  beforeAll(() => {
    lib = glibc217Lib(HOST);
    expect(existsSync(path.join(lib, 'libc-2.17.so'))).toBe(true);
    expect(existsSync(path.join(lib, 'libstdc++.so.6.0.19'))).toBe(true);
    // the artifact's own Node.js binary and bundle, unpacked as its header does
    unpacked = path.join(work, 'unpacked-217');
    mkdirSync(unpacked);
    const { tarball, bundle } = split(legacy[HOST]);
    writeFileSync(path.join(unpacked, 'node.tgz'), tarball);
    execFileSync('tar', ['-xzf', path.join(unpacked, 'node.tgz'), '-C', unpacked, 'package/bin/node']);
    writeFileSync(path.join(unpacked, 'agent.js'), bundle);
    writeFileSync(path.join(unpacked, 'package.json'), '{ "type": "commonjs" }\n');
  }, 300_000);

  const node16 = () => path.join(unpacked, 'package', 'bin', 'node');

  it('Node.js 16 starts on glibc 2.17 and Node.js 22 does not', async () => {
    const [loader, args] = on217(node16(), '-p', 'process.report.getReport().header.glibcVersionRuntime');
    const { stdout } = await run(loader, args);
    expect(stdout.trim()).toBe('2.17');
    const [loader22, args22] = on217(nodeBinary(HOST), '--version');
    await expect(run(loader22, args22)).rejects.toMatchObject({
      stderr: expect.stringContaining("GLIBC_2.28' not found"),
    });
  });

  it('collects a fixture root into telemetry the product decrypts', async () => {
    const [loader, args] = on217(node16(), path.join(unpacked, 'agent.js'));
    const doc = await runLocal(loader, args, 'i-0glibc217');
    expect(JSON.stringify(doc.files['/etc/os-release'])).toContain('Amazon Linux 2');
    expect(JSON.stringify(doc.kernelParameters)).toContain('randomize_va_space');
  });

  it('cloud mode: IMDS credentials, KMS data key, SSE-KMS upload (fakes), decrypted through the KMS keyring', async () => {
    const aws = fakeAws();
    const endpoint = await aws.start();
    try {
      const env: NodeJS.ProcessEnv = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')),
      );
      Object.assign(env, {
        HOME: work,
        AWS_ENDPOINT_URL: endpoint,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint,
        AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv4',
      });
      const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      const [loader, args] = on217(
        node16(),
        path.join(unpacked, 'agent.js'),
        ...['--run-id', 'run-217', '--instance-id', 'i-0glibc217', '--bucket', 'telemetry-bucket'],
        ...['--kms-key-arn', keyArn, '--region', 'eu-west-1', '--root', root],
      );
      const { stdout } = await run(loader, args, { env });
      expect(JSON.parse(stdout)).toMatchObject({
        status: 'delivered',
        destination: 's3://telemetry-bucket/telemetry/run-217/i-0glibc217.bin',
      });
      const kmsCall = aws.calls.find((c) => c.target === 'TrentService.GenerateDataKey');
      expect(kmsCall?.headers.authorization).toContain('Credential=ASIAFAKEINSTANCEROLE/');
      const body = aws.objects.get('/telemetry-bucket/telemetry/run-217/i-0glibc217.bin') as Buffer;
      const keyring = new KmsKeyringNode({
        keyIds: [keyArn],
        clientProvider: getClient(KMS, {
          endpoint,
          region: 'eu-west-1',
          credentials: { accessKeyId: 'AKIDEVALUATE', secretAccessKey: 'x' },
        }),
      });
      const doc = await decryptTelemetry(
        body,
        keyring,
        { runId: 'run-217', instanceId: 'i-0glibc217' },
        { kind: 'kms', keyArn },
      );
      expect(JSON.stringify(doc.files['/etc/os-release'])).toContain('Amazon Linux 2');
    } finally {
      await aws.stop();
    }
  });
});
