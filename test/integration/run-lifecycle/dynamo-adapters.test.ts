/** The DynamoDB adapters against Amazon's DynamoDB Local: transactional locks, idempotent finding writes. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoFindingStore } from '../../../functions/adapters/aws/dynamo-finding-store';
import { DynamoLockStore } from '../../../functions/adapters/aws/dynamo-lock-store';
import type { Finding } from '../../../functions/core/model';
import { InstanceLockConflictError } from '../../../functions/ports/lock-store';
import {
  createTables,
  type DynamoLocal,
  setFakeAwsEnv,
  startDynamoLocal,
  type TableNames,
} from '../../helpers/run-lifecycle/local-servers';

let dynamo: DynamoLocal;
let tables: TableNames;
let doc: DynamoDBDocumentClient;

beforeAll(async () => {
  setFakeAwsEnv();
  dynamo = await startDynamoLocal();
  tables = await createTables(dynamo.endpoint, 'adapters');
  doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamo.endpoint }), {
    marshallOptions: { removeUndefinedValues: true },
  });
});
afterAll(async () => {
  doc?.destroy();
  await dynamo?.stop();
});

const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

async function lockOwners(): Promise<Map<string, string>> {
  const out = await doc.send(new ScanCommand({ TableName: tables.locks }));
  return new Map((out.Items ?? []).map((i) => [String(i.instanceId), String(i.runId)]));
}

describe('DynamoLockStore', () => {
  const now = new Date();
  const expiresAt = new Date(now.getTime() + 3600_000);

  it('locks 250 instances (3 transactions) and re-acquiring its own locks succeeds', async () => {
    const locks = new DynamoLockStore(doc, tables.locks);
    await locks.acquire('run-a', ids('i-a', 250), { now, expiresAt });
    await locks.acquire('run-a', ids('i-a', 250), { now, expiresAt });
    const owners = await lockOwners();
    expect([...owners.values()].filter((r) => r === 'run-a')).toHaveLength(250);
  });

  it('a conflict in a later chunk rolls back the chunks already written and names the holder', async () => {
    const locks = new DynamoLockStore(doc, tables.locks);
    // run-b wants 150 new instances and one of run-a's (in its second chunk of 100)
    const wanted = [...ids('i-b', 150), 'i-a-0007'];
    const err = await locks.acquire('run-b', wanted, { now, expiresAt }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstanceLockConflictError);
    expect((err as InstanceLockConflictError).instanceIds).toEqual(['i-a-0007']);
    expect((err as Error).message).toMatch(/already in an active assessment run \(run-a\): i-a-0007/);
    const owners = await lockOwners();
    expect([...owners.values()].filter((r) => r === 'run-b')).toHaveLength(0);
    expect(owners.get('i-a-0007')).toBe('run-a');
  });

  it('expired locks are taken over; release leaves other runs’ locks alone', async () => {
    const locks = new DynamoLockStore(doc, tables.locks);
    await locks.acquire('run-old', ['i-exp'], {
      now: new Date(now.getTime() - 7200_000),
      expiresAt: new Date(now.getTime() - 3600_000),
    });
    await locks.acquire('run-new', ['i-exp'], { now, expiresAt });
    await locks.release('run-old', ['i-exp']);
    expect((await lockOwners()).get('i-exp')).toBe('run-new');
    await locks.release('run-a', ids('i-a', 250));
    expect([...(await lockOwners()).values()].filter((r) => r === 'run-a')).toHaveLength(0);
  });
});

describe('DynamoFindingStore', () => {
  it('writes idempotently (same ids twice, duplicates in one batch) and deletes by run', async () => {
    const store = new DynamoFindingStore(doc, tables.findings);
    const findings: Finding[] = Array.from({ length: 60 }, (_, i) => ({
      id: `f-${i}`,
      runId: 'run-f',
      instanceId: `i-${i % 3}`,
      rulesPackage: 'security-best-practices',
      ruleId: 'sbp.aslr',
      title: 'ASLR',
      description: 'd',
      recommendation: 'r',
      severity: 'Medium',
      numericSeverity: 6,
      attributes: [],
      evidence: [{ source: 'kernel.randomize_va_space', value: '1' }],
      createdAt: '2026-11-30T00:00:00.000Z',
    }));
    await store.putFindings([...findings, ...findings.slice(0, 10)]);
    await store.putFindings(findings);
    const stored = await store.listByRun('run-f');
    expect(stored).toHaveLength(60);
    expect(stored.find((f) => f.id === 'f-5')).toEqual(findings[5]);
    expect(await store.deleteByRun('run-f')).toBe(60);
    expect(await store.listByRun('run-f')).toHaveLength(0);
  });

  it('pagesByRunPackage: only the package asked for, the run over several 1 MB pages, each finding once', async () => {
    const store = new DynamoFindingStore(doc, tables.findings);
    // 120 findings of ~20 KB: ~2.4 MB over the partition, so the Query returns several pages.
    const findings: Finding[] = Array.from({ length: 120 }, (_, i) => ({
      id: `f-${String(i).padStart(3, '0')}`,
      runId: 'run-p',
      instanceId: `i-${i % 4}`,
      rulesPackage: i % 2 ? 'cve' : 'security-best-practices',
      ruleId: i % 2 ? `cve.CVE-2099-${i}` : 'sbp.aslr',
      title: 't',
      description: 'x'.repeat(20_000),
      recommendation: 'r',
      severity: 'High',
      numericSeverity: 7,
      attributes: [],
      evidence: [],
      createdAt: '2026-11-30T00:00:00.000Z',
    }));
    await store.putFindings(findings);
    const pages: Finding[][] = [];
    for await (const page of store.pagesByRunPackage('run-p', 'cve')) pages.push(page);
    expect(pages.length).toBeGreaterThan(1);
    const got = pages.flat().sort((a, b) => a.id.localeCompare(b.id));
    expect(got).toEqual(findings.filter((f) => f.rulesPackage === 'cve'));
    const none: Finding[][] = [];
    for await (const page of store.pagesByRunPackage('run-p', 'network-reachability')) none.push(page);
    expect(none).toEqual([]);
    expect(await store.deleteByRun('run-p')).toBe(120);
  });
});
