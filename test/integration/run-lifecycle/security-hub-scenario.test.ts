/**
 * The Security Hub export (-c inspector:securityHubExport=true) in the synthesized state machine, executed
 * locally with the real handlers (DynamoDB Local; Security Hub through the SDK client's fake, which enforces
 * BatchImportFindings' 100 findings a call and reports failed findings): a run's findings arrive as ASFF,
 * the next run of the template archives what it no longer finds, and a Security Hub that fails every call
 * leaves the run COMPLETED with the failure recorded on it.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityHubExportRecord } from '../../../functions/core/run-lifecycle/export-security-hub';
import { checkAsff } from '../../../functions/exports/asff';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import {
  execute,
  type Harness,
  insecureRootSpec,
  lifecycleDeps,
  seedTemplate,
  startHarness,
} from '../../helpers/run-lifecycle/harness';
import { healthy, runState } from '../../helpers/run-lifecycle/scenario-helpers';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ securityHubExport: true });
});

afterAll(async () => {
  await h?.stop();
  cleanupRoots();
});

const PRODUCT = 'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default';

async function exportRecord(runId: string): Promise<SecurityHubExportRecord | undefined> {
  const out = await h.doc.send(new GetCommand({ TableName: h.tables.runs, Key: { runId, sk: 'RUN' } }));
  return out.Item?.securityHubExport as SecurityHubExportRecord | undefined;
}

const hubFinding = (runId: string, findingId: string) =>
  h.cloud.securityHubFindings.get(`${PRODUCT} ${runId}/${findingId}`);

describe('Security Hub export after FinalizeRun', () => {
  it('sends the run findings as ASFF; the next run archives the resolved ones, in calls of at most 100', async () => {
    const a = 'i-0a1b2c3d4e5f60001';
    const b = 'i-0a1b2c3d4e5f60002';
    h.cloud.add(healthy(a, { app: 'hub' }), healthy(b, { app: 'hub' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'app', values: ['hub'] }] });
    // Two findings fail once at Security Hub (InternalFailure): the sender sends them again.
    h.cloud.securityHubFindingFailures = 2;
    const first = await execute(h, { templateId: tpl.templateId }, { executionName: 'hub-1' });
    expect(first.status).toBe('SUCCEEDED');
    expect(first.states.slice(-3)).toEqual(['FinalizeRun', 'ExportToSecurityHub', 'RunFinished']);
    const run1 = await runState('run-hub-1');
    expect(run1.run?.state).toBe('COMPLETED');
    expect(run1.findings).toHaveLength(4);
    for (const f of run1.findings) {
      const sent = hubFinding('run-hub-1', f.id);
      expect(sent, f.id).toBeDefined();
      expect(checkAsff(sent)).toEqual([]);
      expect(sent).toMatchObject({
        ProductArn: PRODUCT,
        AwsAccountId: '111122223333',
        RecordState: 'ACTIVE',
        Resources: [
          { Type: 'AwsEc2Instance', Id: `arn:aws:ec2:us-east-1:111122223333:instance/${f.instanceId}` },
        ],
        Severity: { Label: f.severity === 'High' ? 'HIGH' : 'MEDIUM' },
      });
    }
    expect(await exportRecord('run-hub-1')).toMatchObject({
      status: 'EXPORTED',
      imported: 4,
      archived: 0,
      failedCount: 0,
    });

    // The first run also held 230 more findings on instance a (written here): the second run, where a
    // no longer permits root login over SSH, no longer reports them, so 231 findings are archived.
    const root = lifecycleDeps();
    const template = run1.findings.find((f) => f.instanceId === a && f.ruleId === 'sbp.aslr')!;
    await root.findings.putFindings(
      Array.from({ length: 230 }, (_, n) => ({ ...template, id: `${template.id}-extra-${n}` })),
    );
    h.cloud.instances.set(
      a,
      healthy(
        a,
        { app: 'hub' },
        {
          root: makeRoot({
            ...insecureRootSpec,
            files: { ...insecureRootSpec.files, '/etc/ssh/sshd_config': 'Port 22\nPermitRootLogin no\n' },
          }),
        },
      ),
    );
    const callsBefore = h.cloud.batchImportCalls.length;
    const second = await execute(h, { templateId: tpl.templateId }, { executionName: 'hub-2' });
    expect(second.status).toBe('SUCCEEDED');
    const run2 = await runState('run-hub-2');
    expect(run2.run?.state).toBe('COMPLETED');
    expect(run2.findings).toHaveLength(3);
    const calls = h.cloud.batchImportCalls.slice(callsBefore);
    expect(Math.max(...calls)).toBeLessThanOrEqual(100);
    // 3 findings of this run; 231 resolved and 3 superseded copies of the first run's, archived.
    expect(calls.reduce((x, y) => x + y, 0)).toBe(3 + 231 + 3);

    const resolved = run1.findings.find((f) => f.instanceId === a && f.ruleId === 'sbp.ssh-root-login')!;
    expect(hubFinding('run-hub-1', resolved.id)).toMatchObject({ RecordState: 'ARCHIVED' });
    expect(hubFinding('run-hub-1', `${template.id}-extra-229`)).toMatchObject({ RecordState: 'ARCHIVED' });
    // Still reported: ACTIVE under this run's Id, the first run's copy archived (listed once).
    const stillOpen = run1.findings.find((f) => f.instanceId === b && f.ruleId === 'sbp.ssh-root-login')!;
    expect(hubFinding('run-hub-1', stillOpen.id)).toMatchObject({ RecordState: 'ARCHIVED' });
    expect(hubFinding('run-hub-2', stillOpen.id)).toMatchObject({ RecordState: 'ACTIVE' });
    const active = [...h.cloud.securityHubFindings.values()].filter(
      (f) => f.RecordState === 'ACTIVE' && String(f.Id).startsWith('run-hub-'),
    );
    expect(active.map((f) => f.Id).sort()).toEqual(run2.findings.map((f) => `run-hub-2/${f.id}`).sort());
    for (const f of run2.findings) {
      expect(hubFinding('run-hub-2', f.id)).toMatchObject({ RecordState: 'ACTIVE' });
      expect(checkAsff(hubFinding('run-hub-2', f.id))).toEqual([]);
    }
    expect(await exportRecord('run-hub-2')).toMatchObject({
      status: 'EXPORTED',
      imported: 3,
      archived: 231,
      superseded: 3,
      failedCount: 0,
      previousRunId: 'run-hub-1',
    });
  });

  it('a Security Hub that fails every call leaves the run COMPLETED with the failure recorded', async () => {
    h.cloud.add(healthy('i-0a1b2c3d4e5f60003', { app: 'down' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'app', values: ['down'] }] });
    h.cloud.securityHubOutage = 'ServiceUnavailableException';
    const callsBefore = h.cloud.batchImportCalls.length;
    try {
      const out = await execute(h, { templateId: tpl.templateId }, { executionName: 'hub-down' });
      expect(out.status).toBe('SUCCEEDED');
      expect(out.states.slice(-2)).toEqual(['ExportToSecurityHub', 'RunFinished']);
    } finally {
      h.cloud.securityHubOutage = undefined;
    }
    const { run, findings } = await runState('run-hub-down');
    expect(run?.state).toBe('COMPLETED');
    expect(findings).toHaveLength(2);
    // One batch, tried 5 times (the sender's attempts), then given up.
    expect(h.cloud.batchImportCalls.slice(callsBefore)).toEqual([2, 2, 2, 2, 2]);
    const record = await exportRecord('run-hub-down');
    expect(record).toMatchObject({ status: 'FAILED', imported: 0, failedCount: 2 });
    expect(record?.failures[0]?.reason).toMatch(/ServiceUnavailableException/);
    expect(hubFinding('run-hub-down', findings[0]!.id)).toBeUndefined();
  });

  it('an export that errors out (the Lambda itself) is recorded by RecordSecurityHubFailure; the run stays COMPLETED', async () => {
    h.cloud.add(healthy('i-0a1b2c3d4e5f60004', { app: 'crash' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'app', values: ['crash'] }] });
    const out = await execute(
      h,
      { templateId: tpl.templateId },
      {
        executionName: 'hub-crash',
        handlers: {
          // As a Lambda timing out or a table read failing after the retries would.
          ExportToSecurityHub: async () => {
            throw Object.assign(new Error('Task timed out after 900.00 seconds'), { name: 'States.Timeout' });
          },
        },
      },
    );
    expect(out.status).toBe('SUCCEEDED');
    expect(out.states.slice(-3)).toEqual(['ExportToSecurityHub', 'RecordSecurityHubFailure', 'RunFinished']);
    const { run } = await runState('run-hub-crash');
    expect(run?.state).toBe('COMPLETED');
    const record = await exportRecord('run-hub-crash');
    expect(record).toMatchObject({ status: 'FAILED' });
    expect(record?.error).toMatch(/timed out/);
  });
});
