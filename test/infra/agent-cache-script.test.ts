/**
 * The agent cache shell function (infra/constructs/agent-cache-script.ts) run for real with sh (dash here)
 * against a local HTTP server that serves the gzip-compressed artifact and counts requests.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  agentCacheScript,
  EXIT_DOWNLOAD_FAILED,
  EXIT_SHA256_MISMATCH,
} from '../../infra/constructs/agent-cache-script';
import { compressArtifact, compressedArtifact, describeArtifact } from '../../scripts/build-agent';

const run = promisify(execFile);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const agentV1 = Buffer.from('#!/bin/sh\necho "agent v1 $*"\n');
const agentV2 = Buffer.from('#!/bin/sh\necho "agent v2 $*"\n');

let work: string;
let cacheRoot: string;
let server: http.Server;
let base: string;
/** path -> body served with 200; anything else is 403. */
const served = new Map<string, Buffer>();
const requests: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'inspector-agent-cache-'));
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = served.get((req.url ?? '').split('?')[0] ?? '');
    if (!body) {
      res.writeHead(403).end('<Error><Code>AccessDenied</Code></Error>');
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  cacheRoot = mkdtempSync(path.join(work, 'cache-'));
  requests.length = 0;
  served.clear();
  served.set('/v1.gz', gzipSync(agentV1, { level: 9 }));
  served.set('/v2.gz', gzipSync(agentV2, { level: 9 }));
});

/** Presigned-looking URL: the query must never appear in a message. */
const url = (p: string) => `${base}${p}?X-Amz-Signature=secretsignature0123&X-Amz-Credential=AKIDEXAMPLE`;

async function fetchAgent(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const script = [
    'set -u',
    ...agentCacheScript(cacheRoot),
    'agent_fetch "$@"',
    '"$fetched" ran',
    'echo "at $fetched"',
  ].join('\n');
  const file = path.join(work, 'fetch.sh');
  writeFileSync(file, script);
  try {
    const r = await run('/bin/sh', [file, ...args], { env });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every file under the cache, relative. */
function cacheFiles(): string[] {
  const out: string[] = [];
  for (const d of readdirSync(cacheRoot)) {
    for (const f of readdirSync(path.join(cacheRoot, d))) out.push(`${d}/${f}`);
  }
  return out.sort();
}

/** A PATH holding only the listed tools (symlinks to this machine's). */
function pathWith(tools: string[]): string {
  const dir = mkdtempSync(path.join(work, 'bin-'));
  for (const t of tools) {
    const real = ['/usr/bin', '/bin'].map((d) => path.join(d, t)).find((p) => existsSync(p));
    if (!real) throw new Error(`${t} is not installed`);
    symlinkSync(real, path.join(dir, t));
  }
  return dir;
}
const BASE_TOOLS = [
  'mkdir',
  'chmod',
  'sha256sum',
  'cut',
  'rm',
  'find',
  'gzip',
  'mv',
  'basename',
  'cat',
  'touch',
];

describe('agent cache (sh)', () => {
  it('downloads, decompresses, verifies and installs the agent on the first run; nothing on the second', async () => {
    const first = await fetchAgent([url('/v1.gz'), sha(agentV1)]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('agent v1 ran');
    expect(requests).toHaveLength(1);
    const target = path.join(cacheRoot, sha(agentV1), 'agent');
    expect(readFileSync(target)).toEqual(agentV1);
    expect(statSync(target).mode & 0o777).toBe(0o700);
    expect(statSync(path.dirname(target)).mode & 0o777).toBe(0o700);
    expect(statSync(cacheRoot).mode & 0o777).toBe(0o700);
    expect(cacheFiles()).toEqual([`${sha(agentV1)}/agent`]);

    const second = await fetchAgent([url('/v1.gz'), sha(agentV1)]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('agent v1 ran');
    expect(requests).toHaveLength(1);
  });

  it('downloads again when the cached file was tampered with', async () => {
    await fetchAgent([url('/v1.gz'), sha(agentV1)]);
    const target = path.join(cacheRoot, sha(agentV1), 'agent');
    writeFileSync(target, '#!/bin/sh\necho tampered\n');
    const r = await fetchAgent([url('/v1.gz'), sha(agentV1)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('agent v1 ran');
    expect(r.stdout).not.toContain('tampered');
    expect(r.stderr).toMatch(
      /cached agent .* has SHA-256 [a-f0-9]{64}, expected [a-f0-9]{64}; downloading it again/,
    );
    expect(requests).toHaveLength(2);
    expect(readFileSync(target)).toEqual(agentV1);
  });

  it('refuses a download that is not gzip, leaving nothing installed', async () => {
    served.set('/v1.gz', Buffer.from('this is not gzip at all'));
    const r = await fetchAgent([url('/v1.gz'), sha(agentV1)]);
    expect(r.code).toBe(EXIT_SHA256_MISMATCH);
    expect(r.stdout).not.toContain('ran');
    expect(r.stderr).toMatch(/not a valid gzip file/);
    expect(cacheFiles()).toEqual([]);
  });

  it('refuses a truncated gzip, leaving nothing installed', async () => {
    const gz = gzipSync(Buffer.concat([agentV1, Buffer.alloc(100_000, 7)]));
    served.set('/v1.gz', gz.subarray(0, gz.length - 20));
    const r = await fetchAgent([url('/v1.gz'), sha(agentV1)]);
    expect(r.code).toBe(EXIT_SHA256_MISMATCH);
    expect(cacheFiles()).toEqual([]);
  });

  it('refuses a valid gzip of another artifact (SHA-256 of the decompressed bytes), leaving nothing installed', async () => {
    const r = await fetchAgent([url('/v2.gz'), sha(agentV1)]);
    expect(r.code).toBe(EXIT_SHA256_MISMATCH);
    expect(r.stderr).toMatch(`has SHA-256 ${sha(agentV2)}, expected ${sha(agentV1)}; refusing to run it`);
    expect(r.stdout).not.toContain('ran');
    expect(cacheFiles()).toEqual([]);
  });

  it('fails with the download exit code on an HTTP error, without the URL in its messages', async () => {
    const r = await fetchAgent([url('/missing.gz'), sha(agentV1)]);
    expect(r.code).toBe(EXIT_DOWNLOAD_FAILED);
    expect(r.stderr).toMatch(/downloading the agent artifact failed/);
    expect(r.stderr).not.toContain('secretsignature');
    expect(r.stderr).not.toContain('AKIDEXAMPLE');
    expect(cacheFiles()).toEqual([]);
    // curl retries only transient errors: a 403 is asked once.
    expect(requests).toHaveLength(1);
  });

  it('keeps the URL off the command line (it travels on stdin)', () => {
    const text = agentCacheScript(cacheRoot).join('\n');
    expect(text).toMatch(/curl [^\n]*-K -/);
    expect(text).toMatch(/wget [^\n]*-i -/);
    expect(text).not.toMatch(/curl [^\n|]*"\$url"/);
  });

  it('uses wget when curl is missing', async () => {
    const bin = pathWith([...BASE_TOOLS, 'wget']);
    const env = { ...process.env, PATH: bin };
    const r = await fetchAgent([url('/v1.gz'), sha(agentV1)], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('agent v1 ran');
    expect(requests).toHaveLength(1);
    const bad = await fetchAgent([url('/missing.gz'), sha(agentV2)], env);
    expect(bad.code).toBe(EXIT_DOWNLOAD_FAILED);
    expect(bad.stderr).not.toContain('secretsignature');
  });

  it('fails clearly when neither curl nor wget is installed', async () => {
    const r = await fetchAgent([url('/v1.gz'), sha(agentV1)], { ...process.env, PATH: pathWith(BASE_TOOLS) });
    expect(r.code).toBe(EXIT_DOWNLOAD_FAILED);
    expect(r.stderr).toMatch(/neither curl nor wget/);
    expect(requests).toHaveLength(0);
  });

  /** Makes a cached version look last used `hours` ago (its directory's mtime, which every use touches). */
  const lastUsed = (sha256: string, hours: number) => {
    const at = new Date(Date.now() - hours * 3600 * 1000);
    utimesSync(path.join(cacheRoot, sha256), at, at);
  };

  it('prunes other cached versions once unused for longer than a run, except those it is told to keep', async () => {
    await fetchAgent([url('/v1.gz'), sha(agentV1)]);
    // v1 was used a moment ago (a run of it may still be starting): v2's install spares it
    const r = await fetchAgent([url('/v2.gz'), sha(agentV2)]);
    expect(r.stdout).toContain('agent v2 ran');
    expect(cacheFiles()).toEqual([`${sha(agentV1)}/agent`, `${sha(agentV2)}/agent`].sort());
    // 25 h later it is still within the longest run (24 h + margin): kept; after 27 h: pruned, on a cache hit too
    lastUsed(sha(agentV1), 25);
    await fetchAgent([url('/v2.gz'), sha(agentV2)]);
    expect(cacheFiles()).toEqual([`${sha(agentV1)}/agent`, `${sha(agentV2)}/agent`].sort());
    lastUsed(sha(agentV1), 27);
    const hit = await fetchAgent([url('/v2.gz'), sha(agentV2)]);
    expect(hit.stdout).toContain('agent v2 ran');
    expect(requests).toHaveLength(2);
    expect(cacheFiles()).toEqual([`${sha(agentV2)}/agent`]);
    // KEEP spares a version however old
    await fetchAgent([url('/v1.gz'), sha(agentV1)]);
    lastUsed(sha(agentV2), 48);
    await fetchAgent([url('/v1.gz'), sha(agentV1), sha(agentV2)]);
    expect(cacheFiles()).toEqual([`${sha(agentV1)}/agent`, `${sha(agentV2)}/agent`].sort());
  });

  it('a cache hit marks its version as used (so a later version does not prune it during a run)', async () => {
    await fetchAgent([url('/v1.gz'), sha(agentV1)]);
    lastUsed(sha(agentV1), 30);
    await fetchAgent([url('/v1.gz'), sha(agentV1)]);
    expect(Date.now() - statSync(path.join(cacheRoot, sha(agentV1))).mtimeMs).toBeLessThan(3600_000);
    await fetchAgent([url('/v2.gz'), sha(agentV2)]);
    expect(cacheFiles()).toEqual([`${sha(agentV1)}/agent`, `${sha(agentV2)}/agent`].sort());
  });

  it("leaves the caller's shell variables alone (only $fetched is set)", async () => {
    const file = path.join(work, 'vars.sh');
    writeFileSync(
      file,
      [
        'set -u',
        "dir='/the/run/dir'; want='x86_64'; url='mine'; target=t; tmp=x; status=s; name=n",
        ...agentCacheScript(cacheRoot),
        'agent_fetch "$1" "$2"',
        'echo "$dir $want $url $target $tmp $status $name"',
      ].join('\n'),
    );
    const r = await run('/bin/sh', [file, url('/v1.gz'), sha(agentV1)]);
    expect(r.stdout.trim()).toBe('/the/run/dir x86_64 mine t x s n');
  });

  it('removes the temporary files of a download interrupted over an hour ago, not a recent one', async () => {
    const dir = path.join(cacheRoot, sha(agentV1));
    mkdirSync(dir, { recursive: true });
    const stale = path.join(dir, '.agent.999999.gz');
    const recent = path.join(dir, '.agent.999998.gz');
    writeFileSync(stale, 'partial');
    writeFileSync(recent, 'partial');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    const r = await fetchAgent([url('/v1.gz'), sha(agentV1)]);
    expect(r.code).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(readFileSync(path.join(dir, 'agent'))).toEqual(agentV1);
  });

  it('refuses a SHA-256 parameter that is not hex (no path tricks)', async () => {
    const r = await fetchAgent([url('/v1.gz'), '../../etc']);
    expect(r.code).toBe(EXIT_SHA256_MISMATCH);
    expect(requests).toHaveLength(0);
  });

  it('refuses a cache root that is not a plain absolute path', () => {
    expect(() => agentCacheScript("/tmp/x'; rm -rf /")).toThrow(/not a plain absolute path/);
  });

  it('leaves no temporary file behind after a download that failed half-way', async () => {
    served.set('/v1.gz', gzipSync(agentV1).subarray(0, 10));
    const r = await fetchAgent([url('/v1.gz'), sha(agentV1)]);
    expect(r.code).toBe(EXIT_SHA256_MISMATCH);
    expect(cacheFiles()).toEqual([]);
  });
});

describe('compressed artifact (scripts/build-agent.ts)', () => {
  it('writes <file>.gz keyed by the decompressed SHA-256, byte-for-byte reproducible, and the cache installs it', async () => {
    const file = path.join(work, 'agent-linux-x64');
    writeFileSync(file, Buffer.concat([agentV1, Buffer.alloc(200_000, 0x41)]), { mode: 0o755 });
    const built = describeArtifact(file);
    const c = compressArtifact(built);
    expect(c.compressedFile).toBe(`${file}.gz`);
    const gz = readFileSync(c.compressedFile);
    expect(c.compressedBytes).toBe(gz.length);
    expect(c.compressedBytes).toBeLessThan(built.bytes / 10);
    expect(c.sha256).toBe(sha(readFileSync(file)));
    expect(sha(gunzipSync(gz))).toBe(c.sha256);
    expect(compressArtifact(built).compressedBytes).toBe(gz.length);
    expect(readFileSync(c.compressedFile)).toEqual(gz);

    served.set('/agent.gz', gz);
    const r = await fetchAgent([url('/agent.gz'), c.sha256]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('agent v1 ran');
    expect(readFileSync(path.join(cacheRoot, c.sha256, 'agent'))).toEqual(readFileSync(file));
  });

  it('compressedArtifact reuses <file>.gz only when its .gz.sha256 names this very executable', () => {
    const file = path.join(work, 'agent-reuse');
    writeFileSync(file, Buffer.concat([agentV1, Buffer.alloc(50_000, 0x42)]));
    const first = compressedArtifact(describeArtifact(file));
    expect(readFileSync(`${file}.gz.sha256`, 'utf8').trim()).toBe(first.sha256);
    // a .gz whose sidecar matches is taken as it is (the synth does not compress again)
    const marker = Buffer.concat([readFileSync(first.compressedFile), Buffer.from('kept')]);
    writeFileSync(first.compressedFile, marker);
    expect(compressedArtifact(describeArtifact(file)).compressedBytes).toBe(marker.length);
    // another executable in the same place: compressed again
    writeFileSync(file, agentV2);
    const next = compressedArtifact(describeArtifact(file));
    expect(gunzipSync(readFileSync(next.compressedFile))).toEqual(agentV2);
    expect(readFileSync(`${file}.gz.sha256`, 'utf8').trim()).toBe(sha(agentV2));
  });

  it('refuses to compress an executable that changed since it was described', () => {
    const file = path.join(work, 'agent-changed');
    writeFileSync(file, 'one');
    const built = describeArtifact(file);
    writeFileSync(file, 'two');
    expect(() => compressArtifact(built)).toThrow(/changed since it was built/);
    expect(existsSync(`${file}.gz`)).toBe(false);
  });
});
