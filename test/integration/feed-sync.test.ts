/**
 * Feed sync in the cloud, without a network: the fixture feeds in their official formats served by an HTTP
 * server on 127.0.0.1, published by the real handler (and by syncAndPublish with a recording store) into
 * s3rver. Bad downloads keep the previous generation; the pointer is written last and only after every
 * object; old generations go; nothing refreshed = a failed invocation and an untouched pointer. Single flight
 * (issue 16, item 1: no reserved concurrency): the lease item in DynamoDB Local's locks table lets one of two
 * concurrent syncs publish; a crashed sync's lease expires; a sync that lost its lease writes no pointer.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DynamoFeedSyncLease,
  FEED_SYNC_LEASE_KEY,
} from '../../functions/adapters/aws/dynamo-feed-sync-lease';
import { feedS3Client, S3FeedObjectStore } from '../../functions/adapters/aws/s3-feed-store';
import type { FeedObjectStore } from '../../functions/core/feeds-cloud/object-store';
import { type FeedPointer, POINTER_KEY, parsePointer } from '../../functions/core/feeds-cloud/pointer';
import { syncAndPublish } from '../../functions/core/feeds-cloud/publish';
import { FeedSyncLeaseLostError, withFeedSyncLease } from '../../functions/core/feeds-cloud/sync-lease';
import { httpGetter, officialSources } from '../../functions/feeds/sync';
import {
  FeedSyncFailedError,
  type FeedSyncSummary,
  handler as feedSyncHandler,
  logger,
} from '../../functions/handlers/feed-sync';
import { createTables, type DynamoDbLocal, startDynamoDbLocal } from '../helpers/dynamodb-local';
import {
  debianRecord,
  type FeedServer,
  SERVED_SOURCES,
  startFeedServer,
  zipStored,
} from '../helpers/feed-server';
import { FAKE_ENV, type S3Local, setFakeAwsEnv, startS3Local } from '../helpers/run-lifecycle/local-servers';

const BUCKET = 'inspector-feeds';
let dynamo: DynamoDbLocal;
/** A client with the handler's (fake) credentials: DynamoDB Local keeps tables per access key. */
let ddb: DynamoDBDocumentClient;
let locksTable: string;
let s3local: S3Local;
let server: FeedServer;
let s3: S3Client;
let store: S3FeedObjectStore;

beforeAll(async () => {
  setFakeAwsEnv();
  logger.setLogLevel('SILENT');
  [s3local, server, dynamo] = await Promise.all([
    startS3Local([BUCKET]),
    startFeedServer(),
    startDynamoDbLocal(),
  ]);
  // No TTL: DynamoDB Local would delete the expired lease the crash test writes on purpose.
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: FAKE_ENV.AWS_REGION,
    credentials: { accessKeyId: FAKE_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: FAKE_ENV.AWS_SECRET_ACCESS_KEY },
  });
  ddb = DynamoDBDocumentClient.from(client);
  locksTable = (await createTables(client, 'feed-sync', { ttl: false })).locks;
  process.env.AWS_ENDPOINT_URL_S3 = s3local.endpoint;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  process.env.LOCKS_TABLE = locksTable;
  process.env.FEED_BUCKET = BUCKET;
  process.env.FEED_SYNC_CONFIG = JSON.stringify({
    urls: server.urls,
    allowHttp: true,
    downloadTimeoutSeconds: 10,
    sources: SERVED_SOURCES,
  });
  s3 = feedS3Client();
  store = new S3FeedObjectStore(s3, BUCKET);
});

afterAll(async () => {
  s3?.destroy();
  ddb?.destroy();
  await Promise.all([s3local?.stop(), server?.close(), dynamo?.stop()]);
  delete process.env.FEED_BUCKET;
  delete process.env.LOCKS_TABLE;
  delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
  delete process.env.FEED_SYNC_CONFIG;
});

beforeEach(() => server.reset());

/** The handler when it ran the sync (not skipped for a held lease). */
async function handler(event: unknown): Promise<FeedSyncSummary> {
  const out = await feedSyncHandler(event);
  if (out.outcome === 'skipped') throw new Error(`unexpectedly skipped: ${out.reason}`);
  return out;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function pointer(): Promise<FeedPointer> {
  const bytes = await store.get(POINTER_KEY);
  if (!bytes) throw new Error('no pointer');
  return parsePointer(bytes, POINTER_KEY);
}

const generations = async () =>
  (await store.listFolders('feeds/')).map((f) => f.slice('feeds/'.length, -1)).sort();

/** Records every write, and can fail the n-th write (PUT or copy). */
function recording(inner: FeedObjectStore, failWriteNo?: number) {
  const ops: string[] = [];
  let writes = 0;
  const fail = (what: string) => {
    writes++;
    if (writes === failWriteNo) throw new Error(`injected failure on ${what}`);
  };
  const wrapped: FeedObjectStore = {
    location: inner.location,
    get: (k) => inner.get(k),
    async put(k, b, t) {
      fail(`PUT ${k}`);
      ops.push(`put ${k}`);
      return inner.put(k, b, t);
    },
    async copy(from, to) {
      fail(`copy to ${to}`);
      ops.push(`copy ${from} -> ${to}`);
      return inner.copy(from, to);
    },
    listFolders: (p) => inner.listFolders(p),
    async deletePrefix(p) {
      ops.push(`delete ${p}`);
      return inner.deletePrefix(p);
    },
  };
  return { store: wrapped, ops };
}

const sources = () =>
  officialSources(server.urls, { allowHttp: true }).filter((s) => SERVED_SOURCES.includes(s.name));

describe('feed-sync handler → s3rver', () => {
  it('publishes every feed as a new generation whose pointer names each object with its size and sha256', async () => {
    const out = await handler({});
    expect(out.outcome).toBe('published');
    expect(out.failed).toEqual([]);
    expect(out.refreshed.map((r) => r.source).sort()).toEqual([...SERVED_SOURCES].sort());
    const p = await pointer();
    expect(p.generation).toBe(out.generation);
    expect(p.previousGeneration).toBeUndefined();
    expect(Object.keys(p.releases)).toEqual(
      expect.arrayContaining(['debian:12', 'amazon:2023', 'almalinux:8', 'almalinux:9']),
    );
    expect(Object.keys(p.releases).some((k) => k.startsWith('ubuntu:'))).toBe(true);
    expect(Object.keys(p.releases).some((k) => k.startsWith('rocky:'))).toBe(true);
    expect(p.releases['debian:12']).toMatchObject({
      key: `feeds/${p.generation}/debian-12.idx`,
      source: 'osv:Debian',
      family: 'debian',
      release: '12',
    });
    expect(p.kev).toMatchObject({ key: `feeds/${p.generation}/kev.json`, entries: 1404, source: 'cisa-kev' });
    expect(p.epss).toMatchObject({ entries: 2, scoreDate: '2025-09-01T00:00:00+0000', source: 'first-epss' });
    expect(p.cveScores).toMatchObject({
      key: `feeds/${p.generation}/cve-scores.json`,
      entries: 10,
      source: 'cve-records',
    });
    expect(p.debianUrgency).toMatchObject({
      key: `feeds/${p.generation}/debian-urgency.json`,
      source: 'debian-security-tracker',
      releases: ['8', '9', '10', '11', '12', '13'],
    });
    expect(p.sources.every((s) => s.status === 'refreshed')).toBe(true);
    for (const o of [...Object.values(p.releases), p.kev!, p.epss!, p.cveScores!, p.debianUrgency!]) {
      const bytes = await store.get(o.key);
      expect(bytes?.byteLength).toBe(o.size);
      expect(sha(bytes!)).toBe(o.sha256);
    }
    expect(await generations()).toEqual([p.generation]);
  });

  it('a download answered with HTTP 500 or a truncated body keeps that feed’s previous index; the others refresh', async () => {
    const before = await pointer();
    server.routes.set('/osv/Debian/all.zip', { status: 500, body: 'internal error' });
    server.routes.get('/kev.json')!.truncate = true; // well-formed HTTP, half a JSON document
    server.routes.get('/osv/Rocky Linux/all.zip')!.truncate = true; // half a zip
    const out = await handler({});
    expect(out.outcome).toBe('published');
    expect(out.failed).toEqual([
      { source: 'osv:Debian', reason: expect.stringMatching(/osv\/Debian\/all\.zip: HTTP 500$/) },
      { source: 'osv:Rocky Linux', reason: expect.stringMatching(/invalid record/) },
      { source: 'cisa-kev', reason: expect.stringMatching(/invalid record.*not JSON/) },
    ]);
    expect(out.carried.sort()).toEqual(
      [
        'debian-12.idx',
        'kev.json',
        ...Object.values(before.releases)
          .filter((r) => r.family === 'rocky')
          .map((r) => r.key.split('/').pop()!),
      ].sort(),
    );
    const p = await pointer();
    expect(p.previousGeneration).toBe(before.generation);
    // Same content, now inside the new generation (self-contained), verifiable by the same sha256.
    expect(p.releases['debian:12']).toEqual({
      ...before.releases['debian:12'],
      key: `feeds/${p.generation}/debian-12.idx`,
    });
    expect(p.kev?.sha256).toBe(before.kev?.sha256);
    expect(sha((await store.get(p.releases['debian:12']!.key))!)).toBe(before.releases['debian:12']!.sha256);
    expect(p.sources.find((s) => s.name === 'osv:Debian')).toMatchObject({ status: 'failed' });
    expect(p.sources.find((s) => s.name === 'osv:Ubuntu')).toEqual({
      name: 'osv:Ubuntu',
      status: 'refreshed',
    });
    expect(await generations()).toEqual([before.generation, p.generation].sort());
  });

  it('a well-formed but much smaller feed (truncated upstream) is refused and the previous index kept', async () => {
    const before = await pointer();
    server.routes.set('/osv/Debian/all.zip', {
      body: zipStored([debianRecord('DEBIAN-CVE-2099-0009', 'tar')]),
    });
    const out = await handler({});
    expect(out.failed).toEqual([
      {
        source: 'osv:Debian',
        reason: expect.stringMatching(
          /^debian:12: 1 advisories where the previous generation had \d+ \(below 50%\)/,
        ),
      },
    ]);
    expect(out.carried).toEqual(['debian-12.idx']);
    expect((await pointer()).releases['debian:12']?.sha256).toBe(before.releases['debian:12']?.sha256);
  });

  it('when nothing can be refreshed the invocation fails and the pointer is untouched', async () => {
    const before = await store.get(POINTER_KEY);
    const gens = await generations();
    for (const r of server.routes.values()) r.status = 500;
    await expect(handler({})).rejects.toThrow(FeedSyncFailedError);
    await expect(handler({})).rejects.toThrow(
      /no vulnerability feed could be refreshed \(osv:Debian: .*HTTP 500.*the published feed is unchanged/,
    );
    expect(Buffer.from((await store.get(POINTER_KEY))!).equals(Buffer.from(before!))).toBe(true);
    expect(await generations()).toEqual(gens);
  });

  it('writes the pointer last; an upload that fails leaves the pointer on the previous generation', async () => {
    const before = await pointer();
    const gens = await generations();
    const failing = recording(store, 3);
    await expect(
      syncAndPublish({ store: failing.store, get: httpGetter(10_000), sources: sources() }),
    ).rejects.toThrow(
      /publishing feed generation .* failed \(the pointer still names .*\): injected failure/,
    );
    expect((await pointer()).generation).toBe(before.generation);
    expect(failing.ops.some((o) => o.startsWith(`put ${POINTER_KEY}`))).toBe(false);
    expect(await generations()).toEqual(gens); // the partial generation was removed

    const ok = recording(store);
    const out = await syncAndPublish({ store: ok.store, get: httpGetter(10_000), sources: sources() });
    const writes = ok.ops.filter((o) => !o.startsWith('delete'));
    expect(writes.at(-1)).toBe(`put ${POINTER_KEY}`);
    // Every object of the new generation (uploaded, or copied when its advisories did not change) before it.
    const into = (o: string) => o.replace(/^copy .* -> /, 'put ');
    expect(writes.slice(0, -1).every((o) => into(o).startsWith(`put feeds/${out.generation}/`))).toBe(true);
    const p = await pointer();
    // Releases, kev, epss, cve-scores, debian-urgency.
    const others = [p.kev, p.epss, p.cveScores, p.debianUrgency].filter(Boolean).length;
    expect(others).toBe(4);
    expect(writes.length - 1).toBe(Object.keys(p.releases).length + others);
    expect(out.reused.length).toBeGreaterThan(0);
    expect(writes.filter((o) => o.startsWith('copy')).length).toBe(out.reused.length + out.carried.length);
    // Deletions come after the pointer, and spare the generation it replaced.
    expect(ok.ops.indexOf(`put ${POINTER_KEY}`)).toBeLessThan(
      ok.ops.findIndex((o) => o.startsWith('delete')),
    );
    expect(out.deletedGenerations.length).toBeGreaterThan(0);
    expect(await generations()).toEqual([before.generation, out.generation!].sort());
  });

  it('removes the work folders of invocations killed before their cleanup (a timeout; the next one keeps /tmp and the pid), not those of live syncs', async () => {
    const workRoot = mkdtempSync(path.join(os.tmpdir(), 'feed-sync-root-'));
    try {
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
      const planted = (name: string) => {
        const spill = path.join(workRoot, name, 'feeds', `.spill-${dead}-0badf00d`);
        mkdirSync(spill, { recursive: true });
        writeFileSync(path.join(spill, '0.jsonl'), `${'{}\n'.repeat(1000)}`);
        return path.join(workRoot, name);
      };
      // A previous runtime of this sandbox: same pid as this process, not a folder it has open.
      const samePid = planted(`feed-sync-${process.pid}-AbC123`);
      const killed = planted(`feed-sync-${dead}-XyZ789`);
      // A live sync (pid 1 always runs), written to just now.
      const live = planted('feed-sync-1-Live01');
      const other = planted('something-else');
      await syncAndPublish({ store, get: httpGetter(10_000), sources: sources(), workRoot });
      expect(existsSync(samePid)).toBe(false);
      expect(existsSync(killed)).toBe(false);
      expect(existsSync(live)).toBe(true);
      expect(existsSync(other)).toBe(true);
      expect(readdirSync(workRoot).sort()).toEqual(['feed-sync-1-Live01', 'something-else']); // its own went too
    } finally {
      rmSync(workRoot, { recursive: true, force: true });
    }
  });
});

describe('single flight without reserved concurrency (the lease item in the locks table)', () => {
  const lease = () => new DynamoFeedSyncLease(ddb, locksTable);

  it('of two syncs started together exactly one publishes; the other returns skipped and writes nothing', async () => {
    const before = await pointer();
    const outs = await Promise.all([feedSyncHandler({}), feedSyncHandler({})]);
    const published = outs.filter((o) => o.outcome === 'published');
    const skipped = outs.filter((o) => o.outcome === 'skipped');
    expect(published).toHaveLength(1);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({
      reason: expect.stringMatching(/another feed sync .* holds the lease/),
    });
    const p = await pointer();
    expect(p.generation).toBe((published[0] as FeedSyncSummary).generation);
    expect(p.previousGeneration).toBe(before.generation);
    expect(await generations()).toEqual([before.generation, p.generation].sort());
    // Released at the end: the next sync runs.
    expect((await feedSyncHandler({})).outcome).toBe('published');
  });

  it('a sync that finds a live lease returns skipped without publishing; one whose holder crashed takes it over', async () => {
    const before = Buffer.from((await store.get(POINTER_KEY))!);
    const held = { instanceId: FEED_SYNC_LEASE_KEY, owner: 'crashed-sync', expiresAt: 0 };
    await ddb.send(
      new PutCommand({ TableName: locksTable, Item: { ...held, leaseUntilMs: Date.now() + 60_000 } }),
    );
    const out = await feedSyncHandler({});
    expect(out).toMatchObject({ outcome: 'skipped', heldBy: 'crashed-sync' });
    expect(Buffer.from((await store.get(POINTER_KEY))!).equals(before)).toBe(true);
    // The holder stopped renewing (timed out, out of memory): its lease ends and the next sync takes over.
    await ddb.send(
      new PutCommand({ TableName: locksTable, Item: { ...held, leaseUntilMs: Date.now() - 1 } }),
    );
    expect((await feedSyncHandler({})).outcome).toBe('published');
  });

  it('a sync that lost its lease before the pointer write stops there: no pointer, its generation removed', async () => {
    const before = await pointer();
    const gens = await generations();
    let t = Date.now();
    const now = () => new Date(t);
    const result = withFeedSyncLease(
      lease(),
      'slow-sync',
      (held) =>
        syncAndPublish({
          store,
          get: httpGetter(10_000),
          sources: sources(),
          beforePointer: async () => {
            // Frozen past its lease meanwhile; another sync took the lease over.
            t += 10 * 60_000;
            expect(await lease().acquire('newer-sync', now(), 60_000)).toEqual({ acquired: true });
            await held.confirm();
          },
        }),
      { now, leaseMs: 60_000, renewMs: 3_600_000 },
    );
    await expect(result).rejects.toThrow(FeedSyncLeaseLostError);
    expect((await pointer()).generation).toBe(before.generation);
    expect(await generations()).toEqual(gens);
    // Its release did not free the newer sync's lease.
    expect(await lease().acquire('third-sync', now(), 60_000)).toMatchObject({
      acquired: false,
      holder: { owner: 'newer-sync' },
    });
    await lease().release('newer-sync');
  });

  it('renewal keeps the lease of a sync that runs longer than one lease period', async () => {
    let t = Date.now();
    const now = () => new Date(t);
    const l = lease();
    expect(await l.acquire('long-sync', now(), 60_000)).toEqual({ acquired: true });
    t += 50_000;
    expect(await l.renew('long-sync', now(), 60_000)).toBe(true);
    t += 50_000; // 100 s after acquiring: alive thanks to the renewal
    expect(await l.acquire('other', now(), 60_000)).toMatchObject({ acquired: false });
    expect(await l.renew('other', now(), 60_000)).toBe(false);
    await l.release('other'); // not the owner: no effect
    expect(await l.acquire('other', now(), 60_000)).toMatchObject({ acquired: false });
    await l.release('long-sync');
    expect(await l.acquire('other', now(), 60_000)).toEqual({ acquired: true });
    await l.release('other');
  });
});
