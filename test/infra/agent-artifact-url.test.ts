/**
 * A pre-signed S3 GET URL of the gzip agent artifact (functions/adapters/aws/agent-artifact-urls.ts),
 * fetched by the agent cache shell function (infra/constructs/agent-cache-script.ts) run with sh, against
 * s3rver (which serves pre-signed GETs but does not check their signatures: the refusal case is a missing key).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentArtifactUrl,
  agentArtifactUrlsFromEnv,
  MAX_PRESIGNED_SECONDS,
} from '../../functions/adapters/aws/agent-artifact-urls';
import { agentCacheScript, EXIT_DOWNLOAD_FAILED } from '../../infra/constructs/agent-cache-script';
import { FAKE_ENV, type S3Local, setFakeAwsEnv, startS3Local } from '../helpers/run-lifecycle/local-servers';

const run = promisify(execFile);
const agent = Buffer.from('#!/bin/sh\necho "agent from s3 $*"\n');
const sha256 = createHash('sha256').update(agent).digest('hex');
const BUCKET = 'cdk-assets-test';
const KEY = 'abc123.gz';

let s3local: S3Local;
let s3: S3Client;
let work: string;

beforeAll(async () => {
  setFakeAwsEnv();
  s3local = await startS3Local([BUCKET]);
  s3 = new S3Client({ endpoint: s3local.endpoint, forcePathStyle: true, region: FAKE_ENV.AWS_REGION });
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: gzipSync(agent, { level: 9 }) }));
  work = mkdtempSync(path.join(os.tmpdir(), 'inspector-agent-url-'));
}, 60_000);
afterAll(async () => {
  s3.destroy();
  await s3local.stop();
  rmSync(work, { recursive: true, force: true });
});

async function fetchAgent(url: string, cacheRoot: string) {
  const file = path.join(work, 'fetch.sh');
  writeFileSync(
    file,
    ['set -u', ...agentCacheScript(cacheRoot), 'agent_fetch "$@"', '"$fetched" ran'].join('\n'),
  );
  try {
    const r = await run('/bin/sh', [file, url, sha256]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('pre-signed agent artifact URL', () => {
  it('is signed for GET of the key, with the command timeout as lifetime', async () => {
    const url = new URL(await agentArtifactUrl(s3, BUCKET, KEY, 3900));
    expect(url.pathname).toBe(`/${BUCKET}/${KEY}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3900');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[a-f0-9]{64}$/);
  });

  it('the agent cache downloads and installs the artifact through it', async () => {
    const cacheRoot = mkdtempSync(path.join(work, 'cache-'));
    const r = await fetchAgent(await agentArtifactUrl(s3, BUCKET, KEY, 600), cacheRoot);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('agent from s3 ran');
    expect(readFileSync(path.join(cacheRoot, sha256, 'agent'))).toEqual(agent);
  });

  it('a URL S3 answers with an error (a missing key) ends in the download exit code, nothing cached, URL not printed', async () => {
    const cacheRoot = mkdtempSync(path.join(work, 'cache-'));
    const r = await fetchAgent(await agentArtifactUrl(s3, BUCKET, 'missing.gz', 600), cacheRoot);
    expect(r.code).toBe(EXIT_DOWNLOAD_FAILED);
    expect(r.stderr).toMatch(/downloading the agent artifact failed/);
    expect(r.stderr).not.toContain('X-Amz');
    expect(() => readFileSync(path.join(cacheRoot, sha256, 'agent'))).toThrow();
  });

  it("Dispatch's adapter signs at S3's regional endpoint (what an S3 gateway endpoint carries) in the bucket of its environment", async () => {
    const env = {
      AGENT_ARTIFACT_BUCKET: 'cdk-hnb659fds-assets-123456789012-eu-west-1',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    };
    const saved = { ...process.env };
    // the SDK reads the region and credentials from process.env; no endpoint override here
    delete process.env.AWS_ENDPOINT_URL_S3;
    delete process.env.AWS_ENDPOINT_URL;
    Object.assign(process.env, env);
    try {
      const urls = agentArtifactUrlsFromEnv(env);
      const url = new URL(await urls!.urlFor(`${'a'.repeat(64)}.gz`, 900));
      expect(url.origin).toBe(
        'https://cdk-hnb659fds-assets-123456789012-eu-west-1.s3.eu-west-1.amazonaws.com',
      );
      expect(url.pathname).toBe(`/${'a'.repeat(64)}.gz`);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
      expect(url.searchParams.get('X-Amz-Security-Token')).toBe('token');
      // it fits the document's agentUrl pattern (agent-distribution.ts) with this bucket and region
      expect(url.href).toMatch(
        /^https:\/\/cdk-hnb659fds-assets-123456789012-eu-west-1[.]s3[.]eu-west-1[.]amazonaws.com\/[a-f0-9]{64}[.]gz[?][A-Za-z0-9%._~&=-]+$/,
      );
      expect(agentArtifactUrlsFromEnv({})).toBeUndefined();
    } finally {
      process.env = saved;
    }
  });

  it('refuses lifetimes S3 would refuse', async () => {
    await expect(agentArtifactUrl(s3, BUCKET, KEY, MAX_PRESIGNED_SECONDS + 1)).rejects.toThrow(/7-day limit/);
    await expect(agentArtifactUrl(s3, BUCKET, KEY, 0)).rejects.toThrow(/positive whole number/);
  });
});
