/**
 * The Evaluate Lambda's view of the published feed (PublishedCveIndex over s3rver): a clear exclusion before
 * any sync, one download per release across evaluations, the pointer re-read only after its TTL, a reload
 * when the pointer names new content, sha256 verification, and an object deleted under a cached pointer.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../agent/collect';
import { feedS3Client, S3FeedObjectStore } from '../../functions/adapters/aws/s3-feed-store';
import { evaluateTelemetry } from '../../functions/core/evaluate';
import { cloudCveRulesPackage } from '../../functions/core/feeds-cloud/cloud-cve-package';
import { FeedNotPublishedError } from '../../functions/core/feeds-cloud/object-store';
import { POINTER_KEY, parsePointer } from '../../functions/core/feeds-cloud/pointer';
import { syncAndPublish } from '../../functions/core/feeds-cloud/publish';
import { PublishedCveIndex } from '../../functions/core/feeds-cloud/published-index';
import type { Telemetry } from '../../functions/core/telemetry';
import { httpGetter, officialSources } from '../../functions/feeds/sync';
import { securityBestPracticesPackage } from '../../functions/rules/security-best-practices';
import {
  DEBIAN_DPKG_STATUS,
  debianRecord,
  debianZip,
  type FeedServer,
  startFeedServer,
} from '../helpers/feed-server';
import { cleanupRoots, makeRoot } from '../helpers/fixture-root';
import { type S3Local, setFakeAwsEnv, startS3Local } from '../helpers/run-lifecycle/local-servers';

const BUCKET = 'inspector-feeds-eval';
let s3local: S3Local;
let server: FeedServer;
let s3: S3Client;
let store: S3FeedObjectStore;
let telemetry: Telemetry;

beforeAll(async () => {
  setFakeAwsEnv();
  [s3local, server] = await Promise.all([startS3Local([BUCKET]), startFeedServer()]);
  process.env.AWS_ENDPOINT_URL_S3 = s3local.endpoint;
  s3 = feedS3Client();
  store = new S3FeedObjectStore(s3, BUCKET);
  const root = makeRoot({
    files: {
      '/etc/os-release': 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
      '/var/lib/dpkg/status': DEBIAN_DPKG_STATUS,
    },
    sysctl: { 'kernel.osrelease': '6.1.0-30-amd64', 'kernel.ostype': 'Linux', 'kernel.arch': 'x86_64' },
  });
  telemetry = await collectTelemetry({ root, runId: 'run-feed', instanceId: 'i-debian' });
});

afterAll(async () => {
  s3?.destroy();
  cleanupRoots();
  await Promise.all([s3local?.stop(), server?.close()]);
});

const publish = () =>
  syncAndPublish({
    store,
    get: httpGetter(10_000),
    sources: officialSources(server.urls, { allowHttp: true }).filter((s) =>
      ['osv:Debian', 'cisa-kev', 'first-epss'].includes(s.name),
    ),
  });

async function evaluate(index: PublishedCveIndex) {
  return evaluateTelemetry(telemetry, [cloudCveRulesPackage(index), securityBestPracticesPackage], {
    runId: 'run-feed',
    createdAt: '2026-11-30T00:00:00Z',
  });
}

/** What the curated Debian 12 records and CVE-2099-0001 (bash) find on the root above. */
const FOUND = [
  'cve.CVE-2025-32728',
  'cve.CVE-2025-48384',
  'cve.CVE-2025-48385',
  'cve.CVE-2026-35388',
  'cve.CVE-2026-35414',
  'cve.CVE-2099-0001',
];

const cves = (ev: Awaited<ReturnType<typeof evaluate>>) =>
  ev.findings
    .filter((f) => f.rulesPackage === 'cve')
    .map((f) => f.ruleId)
    .sort();

describe('published feed index (Evaluate side)', () => {
  it('before any sync: the cve package ends in a clear exclusion, the other packages still run', async () => {
    const index = new PublishedCveIndex(store);
    await expect(index.release({ family: 'debian', release: '12' })).rejects.toThrow(FeedNotPublishedError);
    const ev = await evaluate(index);
    expect(ev.exclusions).toEqual([
      {
        instanceId: 'i-debian',
        scope: 'cve',
        reason: 'EVALUATION_ERROR',
        message: expect.stringMatching(
          /^rules package cve could not be evaluated: the vulnerability feed could not be loaded: the vulnerability feed has not been synced yet: s3:\/\/inspector-feeds-eval\/feeds\/CURRENT\.json does not exist/,
        ),
      },
    ]);
    expect(ev.results.some((r) => r.rulesPackage === 'security-best-practices')).toBe(true);
    expect(ev.results.some((r) => r.rulesPackage === 'cve')).toBe(false);
  });

  it('loads the pointer and the release once across evaluations, re-reads the pointer after its TTL, reloads when the content changes', async () => {
    let now = 1_000_000;
    const index = new PublishedCveIndex(store, { ttlMs: 600_000, clock: () => now });
    // Not synced yet: absence is not cached, the first evaluation after the first publish finds the feed.
    await expect(index.threatData()).rejects.toThrow(/not been synced yet/);
    const first = await publish();
    expect(first.outcome).toBe('published');

    const t0 = performance.now();
    const rel = await index.release({ family: 'debian', release: '12' });
    const coldMs = performance.now() - t0;
    console.log(
      `cold load of debian:12 (${rel?.advisoryCount} advisories) from s3rver: ${coldMs.toFixed(1)} ms (pointer + object + sha256 + parse)`,
    );
    const a = await evaluate(index);
    const b = await evaluate(index);
    expect(a.exclusions).toEqual([]);
    expect(cves(a)).toEqual(FOUND);
    expect(cves(b)).toEqual(cves(a));
    expect(a.findings.find((f) => f.ruleId === 'cve.CVE-2025-48384')?.vulnerability?.kev).toBeDefined();
    expect(index.reads).toEqual({ pointer: 2, objects: 3 }); // 1 failed + 1 pointer; release, kev, epss
    expect(index.generation).toBe(first.generation);

    // A new generation with one more advisory: not seen while the pointer is within its TTL...
    server.routes.set('/osv/Debian/all.zip', {
      body: debianZip([
        debianRecord('DEBIAN-CVE-2099-0001', 'bash', '5.2.15-2+deb12u1'),
        debianRecord('DEBIAN-CVE-2099-0002', 'tar'),
      ]),
    });
    const second = await publish();
    now += 60_000;
    expect(cves(await evaluate(index))).toEqual(FOUND);
    expect(index.reads).toEqual({ pointer: 2, objects: 3 });
    // ...and seen after it: the changed release is downloaded again; KEV/EPSS (same sha256) are not.
    now += 600_000;
    expect(cves(await evaluate(index))).toEqual([...FOUND, 'cve.CVE-2099-0002']);
    expect(index.reads).toEqual({ pointer: 3, objects: 4 });
    expect(index.generation).toBe(second.generation);
    // The pointer re-read with nothing changed downloads nothing.
    await publish();
    now += 600_000;
    await evaluate(index);
    expect(index.reads).toEqual({ pointer: 4, objects: 4 });
  });

  it('an object whose bytes do not match the pointer’s sha256 is refused (exclusion, never a silent pass)', async () => {
    const ptr = parsePointer((await store.get(POINTER_KEY))!, POINTER_KEY);
    const key = ptr.releases['debian:12']!.key;
    const original = (await store.get(key))!;
    const tampered = Buffer.from(original);
    tampered[tampered.indexOf('DEBIAN-CVE-2099-0001')] = 'X'.charCodeAt(0);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: tampered }));
    try {
      const ev = await evaluate(new PublishedCveIndex(store));
      expect(ev.exclusions).toEqual([
        expect.objectContaining({
          scope: 'cve',
          reason: 'EVALUATION_ERROR',
          message: expect.stringMatching(/debian-12\.idx does not match the feed pointer's sha256/),
        }),
      ]);
      expect(cves(ev)).toEqual([]);
    } finally {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: original }));
    }
  });

  it('a release deleted under a cached pointer (two publishes later) is found through a fresh pointer', async () => {
    const index = new PublishedCveIndex(store);
    await index.threatData(); // pointer cached, release not loaded yet
    const held = index.generation;
    await publish();
    const out = await publish(); // deletes the generation `index` still points at
    expect(out.deletedGenerations).toContain(held);
    const rel = await index.release({ family: 'debian', release: '12' });
    expect(rel?.advisoryCount).toBeGreaterThan(0);
    expect(index.generation).toBe(out.generation);
  });

  it('a bucket that does not exist is an error naming it, not "not synced"', async () => {
    const index = new PublishedCveIndex(new S3FeedObjectStore(s3, 'feeds-missing'));
    await expect(index.threatData()).rejects.toThrow(/bucket/i);
  });
});
