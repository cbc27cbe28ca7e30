/**
 * ExportToSecurityHub's decisions, with in-memory stores and a BatchImportFindings fake: which earlier
 * findings are archived (only what this run assessed), runs that did not complete, failures recorded.
 */
import { describe, expect, it } from 'vitest';
import { EXCLUSION_REASONS, type Finding } from '../../../functions/core/model';
import {
  exportToSecurityHub,
  RECORDED_FAILURES,
  recordSecurityHubFailure,
  type SecurityHubExportDeps,
  type SecurityHubExportRecord,
} from '../../../functions/core/run-lifecycle/export-security-hub';
import type { RunInstance, StoredRun } from '../../../functions/core/run-lifecycle/model';
import type { AsffFinding } from '../../../functions/exports/asff';

const f = (
  runId: string,
  id: string,
  instanceId: string,
  rulesPackage = 'security-best-practices',
): Finding => ({
  id,
  runId,
  instanceId,
  rulesPackage,
  ruleId: `rule-${id}`,
  title: id,
  description: 'd',
  recommendation: 'r',
  severity: 'Medium',
  numericSeverity: 6,
  attributes: [],
  evidence: [],
  createdAt: '2026-12-02T10:00:00.000Z',
});

function setup(opts: {
  state?: StoredRun['state'];
  current: Finding[];
  previous?: Finding[];
  instances: Array<Partial<RunInstance> & { instanceId: string }>;
  failIds?: Set<string>;
}) {
  const sent: AsffFinding[] = [];
  const records: SecurityHubExportRecord[] = [];
  const counted: number[] = [];
  const run = {
    runId: 'run-2',
    templateId: 'tpl',
    createdAt: '2026-12-02T11:00:00.000Z',
    state: opts.state ?? 'COMPLETED',
    rulesPackages: ['security-best-practices', 'cve'],
  } as unknown as StoredRun; // the fields the export reads
  const pages = (list: Finding[]) =>
    (async function* () {
      for (let i = 0; i < list.length; i += 2) yield list.slice(i, i + 2);
    })();
  const deps: SecurityHubExportDeps = {
    runs: {
      getRun: async (id) => (id === 'run-2' ? run : undefined),
      listInstances: async () =>
        opts.instances.map(
          (i) => ({ runId: 'run-2', evaluation: 'EVALUATED', exclusions: [], ...i }) as RunInstance,
        ),
    },
    findingPages: (runId) => pages(runId === 'run-2' ? opts.current : (opts.previous ?? [])),
    previousExportedRun: async () => (opts.previous ? 'run-1' : undefined),
    recordExport: async (_runId, r) => {
      records.push(r);
    },
    transport: {
      async send(findings) {
        const failed = findings.filter((x) => opts.failIds?.has(x.Id));
        sent.push(...findings.filter((x) => !failed.includes(x)));
        return {
          FailedFindings: failed.map((x) => ({ Id: x.Id, ErrorCode: 'InvalidInput', ErrorMessage: 'no' })),
        };
      },
      isTransient: () => false,
    },
    asff: { accountId: '123456789012', region: 'us-east-1' },
    now: () => new Date('2026-12-02T12:00:00Z'),
    log: { info() {}, warn() {}, error() {} },
    metrics: { count: (_n, v) => counted.push(v) },
    delay: async () => {},
  };
  return { deps, sent, records, counted };
}

describe('exportToSecurityHub', () => {
  it('archives earlier findings only of instances and packages this run assessed', async () => {
    const a = 'i-0aaaaaaaaaaaaaaa1';
    const b = 'i-0aaaaaaaaaaaaaaa2';
    const c = 'i-0aaaaaaaaaaaaaaa3';
    const d = 'i-0aaaaaaaaaaaaaaa4';
    const { deps, sent, records } = setup({
      current: [f('run-2', 'keep', a)],
      previous: [
        f('run-1', 'keep', a),
        f('run-1', 'fixed', a),
        f('run-1', 'cve-gone', a, 'cve'),
        f('run-1', 'excluded-instance', b),
        f('run-1', 'not-in-run', c),
        f('run-1', 'unselected', a, 'cis'),
        f('run-1', 'unknown-scope', d),
      ],
      instances: [
        {
          instanceId: a,
          exclusions: [
            { instanceId: a, scope: 'cve', reason: EXCLUSION_REASONS[0], message: 'cve feed unreadable' },
          ],
        },
        { instanceId: b, evaluation: 'EXCLUDED' },
        {
          instanceId: d,
          exclusions: [
            { instanceId: d, scope: 'rpmdb', reason: EXCLUSION_REASONS[0], message: 'unreadable' },
          ],
        },
      ],
    });
    const out = await exportToSecurityHub(deps, { runId: 'run-2' });
    const state = new Map(sent.map((x) => [x.Id, x.RecordState]));
    expect(state).toEqual(
      new Map([
        ['run-2/keep', 'ACTIVE'],
        ['run-1/keep', 'ARCHIVED'],
        ['run-1/fixed', 'ARCHIVED'],
      ]),
    );
    expect(out).toMatchObject({ status: 'EXPORTED', imported: 1, archived: 1, failed: 0 });
    expect(records[0]).toMatchObject({
      status: 'EXPORTED',
      archived: 1,
      superseded: 1,
      previousRunId: 'run-1',
    });
  });

  it('a run that did not complete sends nothing and records nothing', async () => {
    const { deps, sent, records } = setup({
      state: 'CANCELED',
      current: [f('run-2', 'x', 'i-0aaaaaaaaaaaaaaa1')],
      instances: [],
    });
    expect(await exportToSecurityHub(deps, { runId: 'run-2' })).toMatchObject({ status: 'SKIPPED' });
    expect(await exportToSecurityHub(deps, { runId: 'missing' })).toMatchObject({ status: 'SKIPPED' });
    expect(sent).toEqual([]);
    expect(records).toEqual([]);
  });

  it('refused findings: PARTIAL, the count whole, the first 20 kept, a metric', async () => {
    const current = Array.from({ length: 30 }, (_, n) => f('run-2', `f${n}`, 'i-0aaaaaaaaaaaaaaa1'));
    const failIds = new Set(current.slice(0, 25).map((x) => `run-2/${x.id}`));
    const { deps, records, counted } = setup({
      current,
      instances: [{ instanceId: 'i-0aaaaaaaaaaaaaaa1' }],
      failIds,
    });
    const out = await exportToSecurityHub(deps, { runId: 'run-2' });
    expect(out).toMatchObject({ status: 'PARTIAL', imported: 5, failed: 25 });
    expect(records[0]?.failedCount).toBe(25);
    expect(records[0]?.failures).toHaveLength(RECORDED_FAILURES);
    expect(records[0]?.failures[0]?.reason).toBe('InvalidInput: no');
    expect(counted).toEqual([25]);
  });

  it('the catch records the error on the run with a metric', async () => {
    const { deps, records, counted } = setup({ current: [], instances: [] });
    const out = await recordSecurityHubFailure(deps, {
      runId: 'run-2',
      failure: { Error: 'Sandbox.Timedout', Cause: 'Task timed out' },
    });
    expect(out.status).toBe('FAILED');
    expect(records[0]).toMatchObject({ status: 'FAILED', error: 'Sandbox.Timedout: Task timed out' });
    expect(counted).toEqual([1]);
  });
});
