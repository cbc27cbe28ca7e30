/**
 * The agent as it ships: the esbuild bundle (and the x64 single executable when `npm run build:agent` has
 * built it) run on a fixture root, output decrypted with the envelope; the CLI's argument checks; the S3
 * upload; and the SSM document's shell step run for real with sh against a local HTTP server serving the
 * gzip artifact: downloaded once into the instance cache, nothing on the next run; SHA-256 check fails closed.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAgentArgs } from '../../agent/main';
import { telemetryObjectKey, uploadTelemetry } from '../../agent/upload';
import { decryptTelemetry, rawAesKeyring } from '../../functions/core/telemetry';
import {
  AGENT_WORK_DIR,
  AgentDistribution,
  DOCUMENT_PARAMETERS,
} from '../../infra/constructs/agent-distribution';
import { DataStores } from '../../infra/constructs/data-stores';
import { type BuiltArtifact, buildAgentBundle, executablePath, REPO_ROOT } from '../../scripts/build-agent';
import { cleanupRoots, makeRoot } from '../helpers/fixture-root';

const run = promisify(execFile);
let work: string;
let bundle: BuiltArtifact;
let root: string;
let keyFile: string;
let key: Buffer;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'inspector-agent-test-'));
  bundle = buildAgentBundle(path.join(work, 'dist', 'agent.js'));
  root = makeRoot({
    files: {
      '/etc/os-release': 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
      '/etc/ssh/sshd_config': 'PermitRootLogin no\nPasswordAuthentication no\n',
      '/etc/login.defs': 'PASS_MAX_DAYS 90\nPASS_MIN_LEN 12\n',
    },
    dirs: { '/usr/bin': 0o755, '/etc': 0o755 },
    sysctl: { 'kernel.randomize_va_space': '2' },
  });
  key = randomBytes(32);
  keyFile = path.join(work, 'telemetry.key');
  writeFileSync(keyFile, key, { mode: 0o600 });
});
afterAll(() => {
  cleanupRoots();
  rmSync(work, { recursive: true, force: true });
});

async function runAndDecrypt(command: string, args: string[], instanceId: string) {
  const out = path.join(work, `${instanceId}.bin`);
  const { stdout } = await run(command, [
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
  ]);
  expect(JSON.parse(stdout)).toMatchObject({
    status: 'delivered',
    runId: 'run-1',
    instanceId,
    destination: out,
  });
  return decryptTelemetry(readFileSync(out), rawAesKeyring(key), { runId: 'run-1', instanceId });
}

describe('agent bundle', () => {
  it('is one minified CommonJS file', () => {
    expect(bundle.bytes).toBeGreaterThan(100_000);
    expect(readFileSync(path.join(work, 'dist', 'package.json'), 'utf8')).toContain('commonjs');
  });

  it('collects a fixture root and writes telemetry that decrypts with the envelope', async () => {
    const doc = await runAndDecrypt(process.execPath, [bundle.file], 'i-0bundle');
    expect(doc.root).toBe(root);
    const osRelease = doc.files['/etc/os-release'];
    expect(osRelease?.status).toBe('ok');
    expect(JSON.stringify(osRelease)).toContain('bookworm');
    expect(JSON.stringify(doc.kernelParameters)).toContain('randomize_va_space');
  });

  it('refuses telemetry read for another instance', async () => {
    const out = path.join(work, 'i-0bundle.bin');
    await expect(
      decryptTelemetry(readFileSync(out), rawAesKeyring(key), { runId: 'run-1', instanceId: 'i-other' }),
    ).rejects.toThrow(/encryption context mismatch/);
  });

  const sea = executablePath('linux-x64');
  it.skipIf(!existsSync(sea) || process.arch !== 'x64')(
    'the linux-x64 single executable does the same',
    async () => {
      const doc = await runAndDecrypt(sea, [], 'i-0sea');
      expect(JSON.stringify(doc.files['/etc/os-release'])).toContain('bookworm');
    },
  );
});

describe('agent CLI arguments', () => {
  it('cloud mode needs run, instance, bucket and key; prefix defaults to telemetry/<run>/', () => {
    expect(() => parseAgentArgs(['--run-id', 'r1'])).toThrow(/--instance-id, --bucket, --kms-key-arn/);
    const o = parseAgentArgs([
      '--run-id',
      'r1',
      '--instance-id',
      'i-1',
      '--bucket',
      'b',
      '--kms-key-arn',
      'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ]);
    expect(o).toMatchObject({ mode: 'cloud', prefix: 'telemetry/r1/', durationSeconds: 0, root: '/' });
  });
  it('rejects ids that would escape a storage key and out-of-range durations', () => {
    expect(() => parseAgentArgs(['--out', 'f', '--key-file', 'k', '--instance-id', '../x'])).toThrow(
      /not a valid id/,
    );
    expect(() => parseAgentArgs(['--out', 'f', '--key-file', 'k', '--duration', '90000'])).toThrow(
      /--duration/,
    );
    expect(() => parseAgentArgs(['--out', 'f'])).toThrow(/--key-file/);
  });
});

describe('upload', () => {
  it('puts <prefix><instanceId>.bin with SSE-KMS under the stack key', async () => {
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({ ETag: '"abc"' });
    const res = await uploadTelemetry(
      {
        bucket: 'tb',
        prefix: 'telemetry/run-1/',
        instanceId: 'i-1',
        kmsKeyArn: 'arn:aws:kms:eu-west-1:1:key/k',
      },
      new Uint8Array([1, 2, 3]),
      s3 as unknown as S3Client,
    );
    expect(res).toEqual({ bucket: 'tb', key: 'telemetry/run-1/i-1.bin', etag: '"abc"' });
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      Bucket: 'tb',
      Key: 'telemetry/run-1/i-1.bin',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'arn:aws:kms:eu-west-1:1:key/k',
    });
    expect(telemetryObjectKey('telemetry/r', 'i')).toBe('telemetry/r/i.bin');
  });
});

describe('SSM document shell step (run with sh, the artifact from a local HTTP server)', () => {
  let script: string;
  let bundleKey: string;
  let server: http.Server;
  let base: string;
  /** path -> gzip body; anything else 403 */
  const served = new Map<string, Buffer>();
  const requests: string[] = [];

  beforeAll(async () => {
    const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    const app = new App({ outdir: path.join(work, 'cdk.out'), context: cdkJson.context });
    const stack = new Stack(app, 'DocOnly');
    const data = new DataStores(stack, 'Data');
    new AgentDistribution(stack, 'Agent', {
      telemetryBucket: data.telemetryBucket,
      key: data.key,
      includeExecutables: false,
    });
    const resources = Template.fromStack(stack).findResources('AWS::SSM::Document');
    const content = Object.values(resources)[0]!.Properties.Content as {
      parameters: Record<string, { default?: unknown }>;
      mainSteps: Array<{ action: string; inputs: { runCommand?: unknown[] } }>;
    };
    bundleKey = content.parameters[DOCUMENT_PARAMETERS.agentKey]!.default as string;
    expect(content.mainSteps.map((m) => m.action)).toEqual(['aws:runShellScript']);
    const lines = content.mainSteps[0]!.inputs.runCommand!;
    expect(lines.every((l) => typeof l === 'string')).toBe(true);
    script = (lines as string[]).join('\n');
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = served.get((req.url ?? '').split('?')[0] ?? '');
      if (!body) return void res.writeHead(403).end('<Error><Code>AccessDenied</Code></Error>');
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Substitutes {{ parameters }} as SSM does, with the agent's directory moved under the test's temp dir. */
  function render(params: Record<string, string>, workDir: string): string {
    return script
      .replaceAll(AGENT_WORK_DIR, workDir)
      .replace(/\{\{ (\w+) \}\}/g, (_m, name: string) => params[name] ?? '');
  }

  const fakeAgent = Buffer.from('console.log(JSON.stringify(process.argv.slice(2)));\n');
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  /** Runs the step on a "host" whose agent directory is `host` (its cache survives between runs). */
  async function runStep(opts: {
    host: string;
    sha256: string;
    /** the gzip body served at the URL (absent: 403) */
    serve?: Buffer;
    runId?: string;
    extra?: Record<string, string>;
  }) {
    const runId = opts.runId ?? 'run-7';
    const urlPath = `/${randomBytes(4).toString('hex')}.gz`;
    if (opts.serve) served.set(urlPath, opts.serve);
    const rendered = render(
      {
        runId,
        durationSeconds: '5',
        uploadBucket: 'telemetry-bucket',
        uploadPrefix: `telemetry/${runId}/`,
        kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abc',
        region: 'eu-west-1',
        agentKey: bundleKey,
        agentSha256: opts.sha256,
        agentUrl: `${base}${urlPath}?X-Amz-Signature=secretsignature`,
        ...opts.extra,
      },
      opts.host,
    );
    const scriptFile = path.join(work, `step-${randomBytes(4).toString('hex')}.sh`);
    writeFileSync(scriptFile, rendered);
    const runDir = path.join(opts.host, 'runs', runId);
    try {
      const r = await run('sh', [scriptFile], { env: { ...process.env, AWS_SSM_INSTANCE_ID: 'i-0123' } });
      return { code: 0, stdout: r.stdout, stderr: r.stderr, runDirLeft: existsSync(runDir) };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr, runDirLeft: existsSync(runDir) };
    }
  }
  const newHost = () => mkdtempSync(path.join(work, 'host-'));

  it('downloads the gzip artifact once, runs it with the run parameters, and the second run downloads nothing', async () => {
    const host = newHost();
    const gz = gzipSync(fakeAgent, { level: 9 });
    requests.length = 0;
    const first = await runStep({ host, sha256: sha(fakeAgent), serve: gz });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual([
      '--run-id',
      'run-7',
      '--instance-id',
      'i-0123',
      '--duration',
      '5',
      '--bucket',
      'telemetry-bucket',
      '--prefix',
      'telemetry/run-7/',
      '--kms-key-arn',
      'arn:aws:kms:eu-west-1:123456789012:key/abc',
      '--region',
      'eu-west-1',
    ]);
    expect(first.runDirLeft).toBe(false);
    expect(requests).toHaveLength(1);
    // kept in the cache by the SHA-256 of the decompressed artifact
    const cached = path.join(host, 'cache', sha(fakeAgent), 'agent');
    expect(readFileSync(cached)).toEqual(fakeAgent);

    // the next run (new run id, a URL that would now fail): nothing is downloaded, the agent runs
    const second = await runStep({ host, sha256: sha(fakeAgent), runId: 'run-8' });
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toContain('run-8');
    expect(requests).toHaveLength(1);
    expect(second.runDirLeft).toBe(false);

    // a new version (another SHA-256) is downloaded
    const v2 = Buffer.from('console.log("v2", process.argv.length);\n');
    const third = await runStep({ host, sha256: sha(v2), serve: gzipSync(v2), runId: 'run-9' });
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('v2');
    expect(requests).toHaveLength(2);
  });

  it('passes --upload-jitter to the agent when uploadJitterSeconds is set, and nothing when it is 0', async () => {
    const host = newHost();
    const gz = gzipSync(fakeAgent);
    const withJitter = await runStep({
      host,
      sha256: sha(fakeAgent),
      serve: gz,
      extra: { uploadJitterSeconds: '45' },
    });
    expect(withJitter.code).toBe(0);
    expect((JSON.parse(withJitter.stdout) as string[]).slice(0, 4)).toEqual([
      '--upload-jitter',
      '45',
      '--run-id',
      'run-7',
    ]);
    const zero = await runStep({ host, sha256: sha(fakeAgent), extra: { uploadJitterSeconds: '0' } });
    expect(JSON.parse(zero.stdout)).not.toContain('--upload-jitter');
  });

  it('a failed download (HTTP 403: an expired URL) exits 17 without printing the URL, leaving nothing', async () => {
    const host = newHost();
    const r = await runStep({ host, sha256: sha(fakeAgent) });
    expect(r.code).toBe(17);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/downloading the agent artifact failed/);
    expect(r.stderr).not.toContain('secretsignature');
    expect(r.runDirLeft).toBe(false);
    expect(existsSync(path.join(host, 'cache', sha(fakeAgent), 'agent'))).toBe(false);
  });

  it('no URL and nothing cached: exit 17', async () => {
    const host = newHost();
    const r = await runStep({ host, sha256: sha(fakeAgent), extra: { agentUrl: '' } });
    expect(r.code).toBe(17);
  });

  it('refuses to run a tampered artifact (fails closed, exit 11)', async () => {
    const host = newHost();
    const tampered = Buffer.from('console.log("tampered");\n');
    const r = await runStep({ host, sha256: sha(fakeAgent), serve: gzipSync(tampered) });
    expect(r.code).toBe(11);
    expect(r.stdout).not.toContain('tampered');
    expect(r.stderr).toMatch(/SHA-256 [a-f0-9]{64}, expected [a-f0-9]{64}; refusing to run it/);
  });

  it('refuses an agentKey that is none of the artifacts (exit 12) before downloading', async () => {
    const host = newHost();
    requests.length = 0;
    const r = await runStep({
      host,
      sha256: sha(fakeAgent),
      serve: gzipSync(fakeAgent),
      extra: { agentKey: 'other.gz' },
    });
    expect(r.code).toBe(12);
    expect(requests).toHaveLength(0);
  });

  it('cannot be pointed at the cache by a run id (run directories are under runs/)', async () => {
    const host = newHost();
    await runStep({ host, sha256: sha(fakeAgent), serve: gzipSync(fakeAgent) });
    const r = await runStep({ host, sha256: sha(fakeAgent), runId: 'cache' });
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(host, 'cache', sha(fakeAgent), 'agent'))).toEqual(fakeAgent);
  });
});
