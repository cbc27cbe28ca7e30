/**
 * Issue 13's "a waiver expiring between two runs", in the stack: the synthesized state machine executed
 * twice with the real handlers over DynamoDB Local and s3rver, with waivers in the stack's suppressions
 * table (the real adapter) and the lifecycle's clock moved past the waiver's expiry day between the runs.
 *
 * Run 1 (waiver in force): the finding is stored marked, counted apart on its instance and the run
 * (suppressedFindingCounts, also in ASSESSMENT_RUN_COMPLETED), and not announced as FINDING_REPORTED (SNS nor
 * EventBridge). Run 2 (from the expiry day): the same finding is active, announced, and the report's
 * changes show it as WAIVER_ENDED. A tag waiver is judged on the tags StartRun recorded. The reports
 * (get-assessment-report, rendered by the reports function's code) count suppressed findings apart, and a
 * cached report is rendered again when the waivers that apply change (expiry, a new rule, a deleted one).
 * With the Security Hub export on, the suppressed findings are imported with their waiver as the Note.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoReportStatusStore, S3ReportObjects } from '../../../functions/adapters/aws/assessment-reports';
import { DynamoSuppressionStore } from '../../../functions/adapters/aws/dynamo-suppression-store';
import { S3ResultsStore } from '../../../functions/adapters/aws/s3-results-store';
import {
  type AssessmentReportAnswer,
  generateAssessmentReport,
  type ReportJob,
  reportKey,
} from '../../../functions/core/control-plane/assessment-reports';
import { dispatch } from '../../../functions/core/control-plane/operations';
import type { ControlPlaneDeps } from '../../../functions/core/control-plane/ports';
import type { Finding } from '../../../functions/core/model';
import { createSuppression, deleteSuppression } from '../../../functions/core/suppression-service';
import { controlPlaneDepsFromEnv } from '../../../functions/handlers/control-plane/aws-deps';
import { configureLifecycle } from '../../../functions/handlers/lifecycle-runtime';
import { renderReportBytes } from '../../../functions/report/render-bytes';
import { cleanupRoots } from '../../helpers/fixture-root';
import {
  execute,
  type Harness,
  REPORTS_BUCKET,
  seedTemplate,
  startHarness,
  TELEMETRY_BUCKET,
  testRulesPackage,
} from '../../helpers/run-lifecycle/harness';
import { healthy, runState } from '../../helpers/run-lifecycle/scenario-helpers';

const DAY = 86_400_000;
const A = 'i-0a1b2c3d4e5f6w001';
const B = 'i-0a1b2c3d4e5f6w002';
const PRODUCT = 'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default';
const ACTOR = { actor: 'arn:aws:iam::111122223333:user/alice', actorSource: 'test' };

let h: Harness;
let s3: S3Client;
/** The lifecycle's and the control plane's clock: real time moved by `offset` (the runs really wait). */
let offset = 0;
const clock = () => new Date(Date.now() + offset);
let cp: ControlPlaneDeps;
let store: DynamoSuppressionStore;
const jobs: ReportJob[] = [];

beforeAll(async () => {
  h = await startHarness({ securityHubExport: true });
  configureLifecycle({ resolveRulesPackages: async () => [testRulesPackage], now: clock });
  s3 = new S3Client({ forcePathStyle: true });
  store = new DynamoSuppressionStore(h.doc, h.tables.suppressions);
  cp = controlPlaneDepsFromEnv(process.env, {
    now: clock,
    suppressions: store,
    reports: {
      status: new DynamoReportStatusStore(h.doc, h.tables.runs),
      objects: new S3ReportObjects(s3, REPORTS_BUCKET),
      jobs: { start: async (job) => void jobs.push(job) },
      results: new S3ResultsStore(s3, TELEMETRY_BUCKET),
      render: renderReportBytes,
    },
  });
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await h?.stop();
  cleanupRoots();
});

const day = (d: Date, plus: number) => new Date(d.getTime() + plus * DAY).toISOString().slice(0, 10);
const ids = (fs: Finding[]) => fs.map((f) => `${f.instanceId} ${f.ruleId}`).sort();

/** get-assessment-report until COMPLETED (the queued renders run in between); the HTML and renders done. */
async function report(runId: string): Promise<{ html: string; renders: number }> {
  const ask = async () => {
    const answer = await dispatch(cp, 'reports', {
      operation: 'get-assessment-report',
      input: { assessmentRunId: runId, reportType: 'FINDING', reportFileFormat: 'HTML' },
    });
    if (!answer.ok) throw new Error(`${answer.error.code}: ${answer.error.message}`);
    return answer.result as AssessmentReportAnswer;
  };
  let renders = 0;
  let answer = await ask();
  while (answer.status === 'WORK_IN_PROGRESS') {
    for (const job of jobs.splice(0)) {
      expect(await generateAssessmentReport(cp, job)).toBe('COMPLETED');
      renders++;
    }
    answer = await ask();
  }
  expect(answer.status, answer.failure).toBe('COMPLETED');
  const object = await s3.send(
    new GetObjectCommand({ Bucket: REPORTS_BUCKET, Key: reportKey(runId, 'FINDING', 'HTML') }),
  );
  return { html: await object.Body!.transformToString(), renders };
}

const suppressedCount = (html: string) => Number(/class="suppressed-count">(\d+)</.exec(html)?.[1]);
const changeOf = (html: string, findingId: string) =>
  new RegExp(`data-change="([A-Z_]+)" data-finding-id="${findingId}"`).exec(html)?.[1];

describe('a waiver expiring between two runs, in the stack', () => {
  it('run 1 suppressed, run 2 active again: stored marks, counts, events, reports and their cache', async () => {
    h.cloud.add(healthy(A, { app: 'waiver', env: 'prod' }), healthy(B, { app: 'waiver', env: 'lab' }));
    const tpl = await seedTemplate(h, { tags: [{ key: 'app', values: ['waiver'] }] });
    const start = clock();
    // Ends two days from now: run 2 runs on its expiry day. The tag waiver lasts past both runs.
    const ending = await createSuppression(
      store,
      {
        match: { ruleId: 'sbp.ssh-root-login', instanceId: A },
        owner: 'platform',
        reason: 'bastion until its migration',
        expiresOn: day(start, 2),
      },
      { now: start, ...ACTOR },
    );
    const lab = await createSuppression(
      store,
      {
        match: { ruleId: 'sbp.aslr', instanceTag: { key: 'env', value: 'lab' } },
        owner: 'lab team',
        reason: 'lab kernels',
        expiresOn: day(start, 30),
      },
      { now: start, ...ACTOR },
    );

    // --- Run 1, both waivers in force.
    expect((await execute(h, { templateId: tpl.templateId }, { executionName: 'waiver-1' })).status).toBe(
      'SUCCEEDED',
    );
    const run1 = await runState('run-waiver-1');
    expect(run1.run?.state).toBe('COMPLETED');
    expect(ids(run1.findings)).toEqual([
      `${A} sbp.aslr`,
      `${A} sbp.ssh-root-login`,
      `${B} sbp.aslr`,
      `${B} sbp.ssh-root-login`,
    ]);
    const mark = (fs: Finding[], instanceId: string, ruleId: string) =>
      fs.find((f) => f.instanceId === instanceId && f.ruleId === ruleId)?.suppression?.suppressionRuleId;
    expect(mark(run1.findings, A, 'sbp.ssh-root-login')).toBe(ending.suppressionRuleId);
    expect(mark(run1.findings, B, 'sbp.aslr')).toBe(lab.suppressionRuleId);
    expect(mark(run1.findings, A, 'sbp.aslr')).toBeUndefined();
    expect(mark(run1.findings, B, 'sbp.ssh-root-login')).toBeUndefined();
    // The tags the waiver was judged on: recorded at start.
    expect(run1.byId.get(B)?.tags).toEqual({ app: 'waiver', env: 'lab' });
    // Counted apart: all four counted, two of them suppressed.
    expect(run1.run?.findingCounts).toMatchObject({ High: 2, Medium: 2 });
    expect(run1.run?.suppressedFindingCounts).toEqual({ High: 1, Medium: 1, Low: 0, Informational: 0 });
    expect(run1.byId.get(A)?.suppressedFindingCounts).toMatchObject({ High: 1, Medium: 0 });
    // Announced: only the two active findings, on SNS and on the default bus.
    const reported = (runId: string) =>
      h.cloud
        .events('FINDING_REPORTED', runId)
        .map((e) => {
          const f = e.body.finding as { instanceId: string; ruleId: string };
          return `${f.instanceId} ${f.ruleId}`;
        })
        .sort();
    const onBus = (runId: string) =>
      h.cloud.busEvents
        .filter((e) => e.detailType === 'Inspector Finding Reported' && e.detail.runId === runId)
        .map((e) => {
          const f = e.detail.finding as { instanceId: string; ruleId: string };
          return `${f.instanceId} ${f.ruleId}`;
        })
        .sort();
    expect([...new Set(reported('run-waiver-1'))]).toEqual([`${A} sbp.aslr`, `${B} sbp.ssh-root-login`]);
    expect([...new Set(onBus('run-waiver-1'))]).toEqual([`${A} sbp.aslr`, `${B} sbp.ssh-root-login`]);
    const completed1 = h.cloud.events('ASSESSMENT_RUN_COMPLETED', 'run-waiver-1')[0];
    expect(completed1?.body.suppressedFindingCounts).toEqual({
      High: 1,
      Medium: 1,
      Low: 0,
      Informational: 0,
    });

    // Security Hub gets every finding, the suppressed ones with their waiver as the Note.
    const hub = (runId: string, f: Finding) => h.cloud.securityHubFindings.get(`${PRODUCT} ${runId}/${f.id}`);
    const waivedA = run1.findings.find((f) => f.instanceId === A && f.ruleId === 'sbp.ssh-root-login')!;
    expect(hub('run-waiver-1', waivedA)?.Note?.Text).toContain(`Suppressed by ${ending.suppressionRuleId}`);
    expect(
      run1.findings.filter((f) => hub('run-waiver-1', f)?.Note).map((f) => `${f.instanceId} ${f.ruleId}`),
    ).toEqual(expect.arrayContaining([`${A} sbp.ssh-root-login`, `${B} sbp.aslr`]));
    expect(run1.findings.filter((f) => hub('run-waiver-1', f)?.Note)).toHaveLength(2);

    // Run 1's report while the waiver is in force: two suppressed, counted apart and marked.
    const r1 = await report('run-waiver-1');
    expect(r1.renders).toBe(1);
    expect(suppressedCount(r1.html)).toBe(2);
    expect(r1.html).toContain(ending.suppressionRuleId);
    // Asked again with the same waivers: the cached report, nothing rendered.
    expect((await report('run-waiver-1')).renders).toBe(0);

    // --- Run 2, one hour into the waiver's expiry day (UTC).
    offset = Date.parse(`${ending.expiresOn}T01:00:00.000Z`) - Date.now();
    expect((await execute(h, { templateId: tpl.templateId }, { executionName: 'waiver-2' })).status).toBe(
      'SUCCEEDED',
    );
    const run2 = await runState('run-waiver-2');
    expect(run2.run?.state).toBe('COMPLETED');
    expect(mark(run2.findings, A, 'sbp.ssh-root-login')).toBeUndefined();
    expect(mark(run2.findings, B, 'sbp.aslr')).toBe(lab.suppressionRuleId);
    expect(run2.run?.suppressedFindingCounts).toEqual({ High: 0, Medium: 1, Low: 0, Informational: 0 });
    // Active again, so announced this time.
    expect([...new Set(reported('run-waiver-2'))]).toEqual([
      `${A} sbp.aslr`,
      `${A} sbp.ssh-root-login`,
      `${B} sbp.ssh-root-login`,
    ]);
    expect([...new Set(onBus('run-waiver-2'))]).toEqual([
      `${A} sbp.aslr`,
      `${A} sbp.ssh-root-login`,
      `${B} sbp.ssh-root-login`,
    ]);

    expect(hub('run-waiver-2', run2.findings.find((f) => f.id === waivedA.id)!)?.Note).toBeUndefined();

    // Run 2's report: one suppressed; the changes since run 1 show the waiver that ended.
    const ended = run2.findings.find((f) => f.instanceId === A && f.ruleId === 'sbp.ssh-root-login')!;
    const r2 = await report('run-waiver-2');
    expect(suppressedCount(r2.html)).toBe(1);
    expect(r2.html).toContain('Changes since run-waiver-1');
    expect(changeOf(r2.html, ended.id)).toBe('WAIVER_ENDED');

    // Run 1's cached report was made with a waiver that has expired since: rendered again, now active.
    const r1again = await report('run-waiver-1');
    expect(r1again.renders).toBe(1);
    expect(suppressedCount(r1again.html)).toBe(1);

    // A waiver created now applies to run 2's report at once (WAIVED in the changes); deleting it undoes it.
    const fresh = await createSuppression(
      store,
      {
        match: { ruleId: 'sbp.ssh-root-login', instanceId: B },
        owner: 'platform',
        reason: 'accepted for a week',
        expiresOn: day(clock(), 7),
      },
      { now: clock(), ...ACTOR },
    );
    const waived = run2.findings.find((f) => f.instanceId === B && f.ruleId === 'sbp.ssh-root-login')!;
    const r2waived = await report('run-waiver-2');
    expect(r2waived.renders).toBe(1);
    expect(suppressedCount(r2waived.html)).toBe(2);
    expect(changeOf(r2waived.html, waived.id)).toBe('WAIVED');
    await deleteSuppression(store, fresh.suppressionRuleId, { now: clock(), ...ACTOR });
    const r2back = await report('run-waiver-2');
    expect(r2back.renders).toBe(1);
    expect(suppressedCount(r2back.html)).toBe(1);
    expect(changeOf(r2back.html, waived.id)).toBeUndefined();

    // list-findings (the findings function) marks with the same recorded tags.
    const listed = await dispatch(cp, 'findings', {
      operation: 'list-findings',
      input: { runIds: ['run-waiver-2'] },
    });
    expect(listed.ok).toBe(true);
    const items = (listed as { result: { items: Array<{ instanceId: string; suppressionRuleId?: string }> } })
      .result.items;
    expect(items.filter((f) => f.suppressionRuleId).map((f) => [f.instanceId, f.suppressionRuleId])).toEqual([
      [B, lab.suppressionRuleId],
    ]);
  }, 240_000);
});
