/**
 * Issue 7, item 1: one instance's oversized finding must not fail the run. Against Amazon's DynamoDB Local:
 * a host serving SFTP with 2,500 `Match User` blocks (a 250 KB sshd_config), collected by the real agent and
 * evaluated with the real Security Best Practices rules, made two findings over DynamoDB's 400 KB item limit;
 * bounded, they fit, say "and N more", and are stored. The store itself refuses an oversized item with
 * FindingTooLargeError before it writes anything of the call.
 */
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import {
  DYNAMODB_MAX_ITEM_BYTES,
  DynamoFindingStore,
  findingItem,
} from '../../../functions/adapters/aws/dynamo-finding-store';
import { evaluateTelemetry, findingId } from '../../../functions/core/evaluate';
import { Facts } from '../../../functions/core/facts/facts';
import { FINDING_LIMITS, storedSize } from '../../../functions/core/finding-limits';
import type { Finding, RuleResult } from '../../../functions/core/model';
import type { Telemetry } from '../../../functions/core/telemetry';
import { FindingTooLargeError } from '../../../functions/ports/finding-store';
import { renderHtmlReport } from '../../../functions/report/html';
import { securityBestPracticesPackage } from '../../../functions/rules/security-best-practices';
import { type DynamoDbLocal, startDynamoDbLocal, type TableNames } from '../../helpers/dynamodb-local';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import { sbpFailingRoot } from '../../helpers/sbp-roots';

let ddb: DynamoDbLocal;
let tables: TableNames;

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  tables = await ddb.createTables('size');
});
afterAll(async () => {
  cleanupRoots();
  await ddb?.stop();
});

const MATCH_BLOCKS = 2500;
const SSH_RULES = ['sbp.ssh-root-login', 'sbp.ssh-password-auth'];

/** An SFTP server: passwords and root allowed globally, and one chrooted Match block per SFTP user. */
function sftpSshdConfig(): string {
  let cfg = 'PermitRootLogin yes\nPasswordAuthentication yes\nSubsystem sftp internal-sftp\n';
  for (let i = 0; i < MATCH_BLOCKS; i++) {
    cfg += `Match User sftp${i}\n  ChrootDirectory /srv/sftp/%u\n  PasswordAuthentication yes\n  PermitRootLogin yes\n`;
  }
  return cfg;
}

async function sftpTelemetry(runId: string): Promise<Telemetry> {
  const spec = sbpFailingRoot();
  spec.files = { ...spec.files, '/etc/ssh/sshd_config': sftpSshdConfig() };
  return collectTelemetry({ root: makeRoot(spec), runId, instanceId: 'i-sftp' });
}

/** The finding as it was made before bounding: the package's FAIL result as is. */
function unboundedFinding(r: RuleResult, runId: string): Finding {
  const rule = securityBestPracticesPackage.rules.find((x) => x.id === r.ruleId)!;
  return {
    id: findingId(r.instanceId, r.ruleId, r.evidence),
    runId,
    instanceId: r.instanceId,
    rulesPackage: r.rulesPackage,
    ruleId: r.ruleId,
    title: r.finding?.title ?? r.title,
    description: rule.description,
    recommendation: r.finding?.recommendation ?? rule.recommendation,
    severity: r.severity,
    numericSeverity: 6,
    attributes: [],
    evidence: r.evidence,
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

/** The ids stored for the run, read from every shard of the run (the store's own reader). */
async function storedIds(runId: string): Promise<string[]> {
  const stored = await new DynamoFindingStore(ddb.doc, tables.findings).listByRun(runId);
  return stored.map((f) => f.id).sort();
}

describe('an SFTP host with 2,500 Match blocks in sshd_config (issue 7)', () => {
  it('the sshd_config is about 250 KB, within the agent’s file limit, and read whole', async () => {
    const cfg = sftpSshdConfig();
    expect(cfg.length).toBeGreaterThan(250_000);
    expect(cfg.length).toBeLessThan(260_000);
    const t = await sftpTelemetry('run-size-0');
    expect(t.files['/etc/ssh/sshd_config']).toMatchObject({ status: 'ok', encoding: 'utf8', content: cfg });
  });

  it('before bounding: each ssh finding is over 400 KB, DynamoDB refuses it, the store refuses the batch', async () => {
    const runId = 'run-size-before';
    const telemetry = await sftpTelemetry(runId);
    const raw = await securityBestPracticesPackage.evaluate(new Facts(telemetry), {});
    const fails = raw.filter((r) => r.result === 'FAIL');
    const ssh = fails.filter((r) => SSH_RULES.includes(r.ruleId));
    expect(ssh).toHaveLength(2);
    const unbounded = fails.map((r) => unboundedFinding(r, runId));
    for (const f of unbounded.filter((x) => SSH_RULES.includes(x.ruleId))) {
      expect(f.evidence).toHaveLength(MATCH_BLOCKS + 1);
      expect(storedSize(findingItem(f))).toBeGreaterThan(DYNAMODB_MAX_ITEM_BYTES);
      expect(Buffer.byteLength(JSON.stringify(f))).toBeGreaterThan(500_000);
    }
    // DynamoDB itself refuses such an item (what made EvaluateInstance throw and the run fail).
    const big = unbounded.find((f) => f.ruleId === 'sbp.ssh-password-auth')!;
    const refused = await ddb.doc
      .send(new PutCommand({ TableName: tables.findings, Item: findingItem(big) }))
      .catch((e: unknown) => e);
    expect((refused as Error).name).toBe('ValidationException');
    expect((refused as Error).message).toMatch(/size/i);
    // The store refuses the instance's whole batch before writing any of it.
    const store = new DynamoFindingStore(ddb.doc, tables.findings);
    const err = await store.putFindings(unbounded).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FindingTooLargeError);
    const e = err as FindingTooLargeError;
    expect(SSH_RULES).toContain(e.ruleId);
    expect(e).toMatchObject({ instanceId: 'i-sftp', runId, oversized: 2, total: unbounded.length });
    expect(e.sizeBytes).toBeGreaterThan(DYNAMODB_MAX_ITEM_BYTES);
    expect(e.limitBytes).toBe(DYNAMODB_MAX_ITEM_BYTES);
    expect(e.message).toMatch(
      /over the store's limit of 409600 bytes \(2 of the findings are\): none of the \d+ findings was written/,
    );
    expect(await storedIds(runId)).toEqual([]);
  });

  it('after bounding: every finding fits, the ssh ones end "and N more", and all are stored', async () => {
    const runId = 'run-size-after';
    const telemetry = await sftpTelemetry(runId);
    const ev = await evaluateTelemetry(telemetry, [securityBestPracticesPackage], {
      runId,
      createdAt: '2026-01-01T00:00:00.000Z',
      attributes: [{ key: 'service', value: 'sftp' }],
    });
    // Every rule of the failing root fails but sbp.ssh-protocol-2 (this sshd_config sets no Protocol).
    expect(ev.findings.map((f) => f.ruleId).sort()).toHaveLength(8);
    for (const f of ev.findings) {
      expect(storedSize(findingItem(f))).toBeLessThanOrEqual(FINDING_LIMITS.maxFindingBytes);
    }
    for (const ruleId of SSH_RULES) {
      const f = ev.findings.find((x) => x.ruleId === ruleId)!;
      expect(f.evidence).toHaveLength(FINDING_LIMITS.maxEvidence);
      expect(f.evidence[0]).toMatchObject({ line: expect.any(Number), value: 'yes', expected: 'no' });
      const marker = f.evidence.at(-1)!;
      expect(marker.source).toBe('/etc/ssh/sshd_config');
      expect(marker.note).toMatch(/^and 2402 more \(2501 evidence entries in all; the first 99 are kept/);
      expect(f.truncated).toEqual(['evidence: 99 of 2501 entries kept']);
      // Results carry the same bounded evidence (the local JSON output).
      const r = ev.results.find((x) => x.ruleId === ruleId)!;
      expect(r.evidence).toEqual(f.evidence);
      expect(r.truncated).toEqual(f.truncated);
    }
    // The other findings were not touched.
    for (const f of ev.findings.filter((x) => !SSH_RULES.includes(x.ruleId))) {
      expect(f.truncated).toBeUndefined();
    }

    const store = new DynamoFindingStore(ddb.doc, tables.findings);
    await store.putFindings(ev.findings);
    const stored = await store.listByRun(runId);
    expect(stored.sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(
      [...ev.findings].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );

    // The HTML report shows the marker as one more evidence row, with no change to the report.
    const html = renderHtmlReport(
      {
        run: {
          runId,
          name: 'sftp',
          state: 'COMPLETED',
          stateHistory: [],
          createdAt: '2026-01-01T00:00:00.000Z',
          durationSeconds: 0,
          rulesPackages: ['security-best-practices'],
          findingCounts: { High: 0, Medium: 8, Low: 0, Informational: 0 },
          mode: 'local',
        },
        instances: [ev.instance],
        results: ev.results,
        findings: ev.findings,
        exclusions: ev.exclusions,
      },
      { rulesPackages: [], generatedAt: '2026-01-01T00:00:00.000Z', kind: 'full' },
    );
    expect(html).toContain('and 2402 more (2501 evidence entries in all; the first 99 are kept');
  });
});

describe('DynamoFindingStore checks every item before the write', () => {
  const finding = (runId: string, i: number, description = 'd'): Finding => ({
    id: `f-${String(i).padStart(3, '0')}`,
    runId,
    instanceId: 'i-big',
    rulesPackage: 'security-best-practices',
    ruleId: `sbp.rule-${i}`,
    title: 't',
    description,
    recommendation: 'r',
    severity: 'Low',
    numericSeverity: 3,
    attributes: [],
    evidence: [{ source: '/etc/x', value: 'v' }],
    createdAt: '2026-01-01T00:00:00.000Z',
  });

  it('one oversized finding in the second batch of 25: typed error, nothing of the call written', async () => {
    const runId = 'run-size-refuse';
    const findings = Array.from({ length: 30 }, (_, i) => finding(runId, i));
    findings[27] = finding(runId, 27, 'x'.repeat(500_000));
    const store = new DynamoFindingStore(ddb.doc, tables.findings);
    const err = await store.putFindings(findings).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FindingTooLargeError);
    expect(err).toMatchObject({
      name: 'FindingTooLargeError',
      findingId: 'f-027',
      ruleId: 'sbp.rule-27',
      instanceId: 'i-big',
      runId,
      oversized: 1,
      total: 30,
    });
    expect((err as FindingTooLargeError).sizeBytes).toBeGreaterThan(500_000);
    expect(await storedIds(runId)).toEqual([]);
    // Without it, the same batch is written whole.
    findings[27] = finding(runId, 27);
    await store.putFindings(findings);
    expect(await storedIds(runId)).toHaveLength(30);
  });

  it('the estimate is never below DynamoDB’s own count near the limit', async () => {
    const runId = 'run-size-edge';
    const base = finding(runId, 0, '');
    const overhead = storedSize(findingItem(base));
    // Estimated 16 bytes under the limit: DynamoDB Local accepts it.
    const under = finding(runId, 1, '€'.repeat(Math.floor((DYNAMODB_MAX_ITEM_BYTES - overhead - 16) / 3)));
    const underSize = storedSize(findingItem(under));
    expect(underSize).toBeLessThanOrEqual(DYNAMODB_MAX_ITEM_BYTES);
    expect(underSize).toBeGreaterThan(DYNAMODB_MAX_ITEM_BYTES - 64);
    await new DynamoFindingStore(ddb.doc, tables.findings).putFindings([under]);
    expect(await storedIds(runId)).toEqual(['f-001']);
    // An item DynamoDB Local refuses is also over the estimate's limit.
    const over = finding(runId, 2, 'x'.repeat(DYNAMODB_MAX_ITEM_BYTES - overhead + 64));
    const refused = await ddb.doc
      .send(
        new BatchWriteCommand({
          RequestItems: { [tables.findings]: [{ PutRequest: { Item: findingItem(over) } }] },
        }),
      )
      .catch((e: unknown) => e);
    expect((refused as Error).name).toBe('ValidationException');
    expect(storedSize(findingItem(over))).toBeGreaterThan(DYNAMODB_MAX_ITEM_BYTES);
  });
});
