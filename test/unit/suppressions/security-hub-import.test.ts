/**
 * BatchImportFindings within its real limits (a fake that refuses > 100 findings, > 6 MB a call and > 240 KB
 * a finding, and fails findings or calls on demand): batching, retries of failed findings alone, throttled
 * calls, permanent failures reported.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../functions/core/model';
import { type AsffFinding, toAsff } from '../../../functions/exports/asff';
import { type BatchImportTransport, importFindings } from '../../../functions/exports/security-hub-import';

const ctx = { accountId: '123456789012', region: 'us-east-1', now: new Date('2026-12-02T12:00:00Z') };
const base: Finding = {
  id: 'f-0',
  runId: 'run-1',
  instanceId: 'i-0123456789abcdef0',
  rulesPackage: 'security-best-practices',
  ruleId: 'sbp.aslr',
  title: 'ASLR',
  description: 'd',
  recommendation: 'r',
  severity: 'Low',
  numericSeverity: 3,
  attributes: [],
  evidence: [],
  createdAt: '2026-12-02T10:00:00.000Z',
};
/** One finding; `pad` bytes of ProductFields make it as large as wanted. */
const finding = (i: number, pad = 0): AsffFinding => ({
  ...toAsff({ ...base, id: `f-${i}` }, ctx),
  ProductFields: { pad: 'x'.repeat(pad) },
});

function fakeHub(opts: { failOnce?: Set<string>; failAlways?: Set<string>; throttle?: number } = {}) {
  const imported: string[] = [];
  const calls: number[] = [];
  let throttle = opts.throttle ?? 0;
  const transport: BatchImportTransport = {
    isTransient: (err) => (err as Error).name === 'TooManyRequestsException',
    async send(findings) {
      calls.push(findings.length);
      if (findings.length > 100)
        throw Object.assign(new Error('too many'), { name: 'InvalidInputException' });
      if (Buffer.byteLength(JSON.stringify(findings)) > 6 * 1024 * 1024)
        throw Object.assign(new Error('too big'), { name: 'InvalidInputException' });
      if (throttle-- > 0)
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      const failed = findings.filter((f) => opts.failAlways?.has(f.Id) || opts.failOnce?.delete(f.Id));
      for (const f of findings) if (!failed.includes(f)) imported.push(f.Id);
      return {
        SuccessCount: findings.length - failed.length,
        FailedCount: failed.length,
        FailedFindings: failed.map((f) => ({ Id: f.Id, ErrorCode: 'InternalError', ErrorMessage: 'retry' })),
      };
    },
  };
  return { transport, imported, calls };
}
const noDelay = async () => {};

describe('importFindings', () => {
  it('sends 250 findings in calls of at most 100', async () => {
    const hub = fakeHub();
    const out = await importFindings(
      hub.transport,
      Array.from({ length: 250 }, (_, i) => finding(i)),
      { delay: noDelay },
    );
    expect(hub.calls).toEqual([100, 100, 50]);
    expect(out).toMatchObject({ imported: 250, failed: [] });
  });

  it('keeps each call under 6 MB', async () => {
    const hub = fakeHub();
    const out = await importFindings(
      hub.transport,
      Array.from({ length: 60 }, (_, i) => finding(i, 200_000)),
      { delay: noDelay },
    );
    expect(Math.max(...hub.calls)).toBeLessThan(60);
    expect(out.imported).toBe(60);
  });

  it('retries failed findings alone and throttled calls; reports what keeps failing and what is too large', async () => {
    const hub = fakeHub({
      failOnce: new Set(['run-1/f-2']),
      failAlways: new Set(['run-1/f-5']),
      throttle: 1,
    });
    const big = finding(99, 250_000);
    const out = await importFindings(
      hub.transport,
      [...Array.from({ length: 8 }, (_, i) => finding(i)), big],
      {
        delay: noDelay,
        maxAttempts: 4,
      },
    );
    expect(hub.calls).toEqual([8, 8, 2, 1]); // 4 attempts: throttled, 2 failed, f-5 failed, f-5 failed
    expect(out.imported).toBe(7);
    expect(out.failed).toEqual([
      { id: 'run-1/f-99', reason: expect.stringMatching(/over BatchImportFindings' 245760/) },
      { id: 'run-1/f-5', reason: 'InternalError: retry' },
    ]);
    expect(new Set(hub.imported).size).toBe(hub.imported.length); // no duplicate
  });
});
