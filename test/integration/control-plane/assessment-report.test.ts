/**
 * get-assessment-report end to end over DynamoDB Local (status items, runs, findings) and s3rver (results
 * objects, report objects, pre-signed URLs): WORK_IN_PROGRESS, the asynchronous render, COMPLETED with a URL
 * that downloads the stored bytes, the cache, a render that fails on a damaged results object, and a report
 * whose object expired rendered again.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoReportStatusStore, S3ReportObjects } from '../../../functions/adapters/aws/assessment-reports';
import { S3ResultsStore } from '../../../functions/adapters/aws/s3-results-store';
import { setTransportFactory, unwrap } from '../../../functions/cli/aws-client';
import { main } from '../../../functions/cli/main';
import {
  type AssessmentReportAnswer,
  generateAssessmentReport,
  REPORT_RETRY_AFTER_MS,
  type ReportJob,
  reportKey,
} from '../../../functions/core/control-plane/assessment-reports';
import { dispatch } from '../../../functions/core/control-plane/operations';
import type { RuleResult } from '../../../functions/core/model';
import { renderReportBytes } from '../../../functions/report/render-bytes';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../helpers/dynamodb-local';
import {
  createTables,
  FAKE_ENV,
  type S3Local,
  setFakeAwsEnv,
  startS3Local,
} from '../../helpers/run-lifecycle/local-servers';
import { finding, type Harness, makeHarness } from './harness';

const TELEMETRY = 'telemetry-bucket';
const REPORTS = 'reports-bucket';
let ddb: DynamoDbLocal;
let s3local: S3Local;
let s3: S3Client;
let h: Harness;
let jobs: ReportJob[];
let renders: number;

beforeAll(async () => {
  setFakeAwsEnv();
  [ddb, s3local] = await Promise.all([startDynamoDbLocal(), startS3Local([TELEMETRY, REPORTS])]);
  s3 = new S3Client({
    endpoint: s3local.endpoint,
    forcePathStyle: true,
    region: FAKE_ENV.AWS_REGION,
    credentials: { accessKeyId: FAKE_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: FAKE_ENV.AWS_SECRET_ACCESS_KEY },
  });
}, 60_000);
afterAll(async () => {
  s3?.destroy();
  await Promise.all([ddb?.stop(), s3local?.stop()]);
});
beforeEach(async () => {
  h = await makeHarness(ddb);
  jobs = [];
  renders = 0;
  h.deps.reports = {
    status: new DynamoReportStatusStore(ddb.doc, h.tables.runs),
    objects: new S3ReportObjects(s3, REPORTS),
    jobs: { start: async (job) => void jobs.push(job) },
    results: new S3ResultsStore(s3, TELEMETRY),
    render: async (output, options) => {
      renders++;
      return renderReportBytes(output, options);
    },
  };
});
afterEach(() => {
  setTransportFactory(undefined);
  vi.restoreAllMocks();
  h.restore();
});

function result(partial: Partial<RuleResult> & Pick<RuleResult, 'ruleId' | 'result'>): RuleResult {
  return {
    rulesPackage: 'security-best-practices',
    instanceId: 'i-0aaa',
    severity: 'Medium',
    title: `rule ${partial.ruleId}`,
    message: `${partial.ruleId} ${partial.result}`,
    evidence: [],
    ...partial,
  };
}

async function ask(runId: string, reportType: 'FINDING' | 'FULL', format: 'HTML' | 'PDF') {
  const answer = await dispatch(h.deps, 'reports', {
    operation: 'get-assessment-report',
    input: { assessmentRunId: runId, reportType, reportFileFormat: format },
  });
  if (!answer.ok) throw new Error(`${answer.error.code}: ${answer.error.message}`);
  return answer.result as AssessmentReportAnswer;
}

async function runJobs(): Promise<string[]> {
  const outcomes: string[] = [];
  for (const job of jobs.splice(0)) outcomes.push(await generateAssessmentReport(h.deps, job));
  return outcomes;
}

/** Two completed runs of one template: the earlier one is the diff's baseline. */
async function seedRuns(): Promise<void> {
  await h.putRun({
    runId: 'run-old',
    state: 'COMPLETED',
    createdAt: '2026-11-29T09:00:00.000Z',
    completedAt: '2026-11-29T10:00:00.000Z',
  });
  await h.putFinding(
    finding({ id: 'f-fixed', runId: 'run-old', instanceId: 'i-0aaa', title: 'Fixed since' }),
  );
  await h.putFinding(finding({ id: 'f-stays', runId: 'run-old', instanceId: 'i-0aaa', title: 'Still open' }));
  await h.putRun({ runId: 'run-new', state: 'COMPLETED', completedAt: '2026-11-30T09:50:00.000Z' });
  await h.putRunInstance('run-new', {
    instanceId: 'i-0aaa',
    agentHealth: 'HEALTHY',
    collection: 'SUCCEEDED',
    evaluation: 'EVALUATED',
    exclusions: [],
    hostname: 'web-1',
    updatedAt: '2026-11-30T09:40:00.000Z',
  });
  await h.putFinding(finding({ id: 'f-stays', runId: 'run-new', instanceId: 'i-0aaa', title: 'Still open' }));
  await h.putFinding(
    finding({
      id: 'f-new',
      runId: 'run-new',
      instanceId: 'i-0aaa',
      title: 'Appeared this run',
      ruleId: 'sbp.x',
    }),
  );
  await new S3ResultsStore(s3, TELEMETRY).put('run-new', 'i-0aaa', {
    instance: { instanceId: 'i-0aaa', hostname: 'web-1', os: 'Debian GNU/Linux 12', agentStatus: 'HEALTHY' },
    results: [
      result({ ruleId: 'sbp.ssh-root-login', result: 'FAIL', title: 'Still open' }),
      result({ ruleId: 'sbp.x', result: 'FAIL', title: 'Appeared this run' }),
      result({ ruleId: 'sbp.password-auth', result: 'PASS', title: 'Passwords are not accepted by sshd' }),
      result({ ruleId: 'sbp.fixed', result: 'PASS', title: 'Fixed since' }),
    ],
  });
}

function pdfText(bytes: Uint8Array): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'report-pdf-'));
  try {
    writeFileSync(path.join(dir, 'r.pdf'), bytes);
    return execFileSync('pdftotext', ['-layout', path.join(dir, 'r.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function stored(key: string): Promise<Uint8Array> {
  const out = await s3.send(new GetObjectCommand({ Bucket: REPORTS, Key: key }));
  return out.Body!.transformToByteArray();
}

describe('get-assessment-report', () => {
  it('WORK_IN_PROGRESS, then COMPLETED with a URL that downloads the stored PDF; then served from the cache', async () => {
    await seedRuns();
    expect(await ask('run-new', 'FULL', 'PDF')).toEqual({ status: 'WORK_IN_PROGRESS' });
    expect(jobs).toHaveLength(1);
    // Asked again while it renders: still in progress, no second render started.
    expect(await ask('run-new', 'FULL', 'PDF')).toEqual({ status: 'WORK_IN_PROGRESS' });
    expect(jobs).toHaveLength(1);
    expect(await runJobs()).toEqual(['COMPLETED']);

    const done = await ask('run-new', 'FULL', 'PDF');
    expect(done.status).toBe('COMPLETED');
    expect(done.url).toMatch(/X-Amz-Expires=900/);
    const res = await fetch(done.url!);
    expect(res.status).toBe(200);
    const downloaded = new Uint8Array(await res.arrayBuffer());
    const object = await stored(reportKey('run-new', 'FULL', 'PDF'));
    expect(Buffer.from(downloaded).equals(Buffer.from(object))).toBe(true);
    const text = pdfText(downloaded);
    // Full: every result, passes too; the diff against run-old.
    expect(text).toMatch(/sbp\.password-auth +Passwords are not +Medium +PASS/);
    expect(text).toContain('Appeared this run');
    expect(text).toContain('run-old');

    // The cache: a fresh URL, nothing rendered again.
    const again = await ask('run-new', 'FULL', 'PDF');
    expect(again.status).toBe('COMPLETED');
    expect(jobs).toHaveLength(0);
    expect(renders).toBe(1);
  });

  it('the findings report in HTML marks changes against the previous completed run of the template', async () => {
    await seedRuns();
    await ask('run-new', 'FINDING', 'HTML');
    await runJobs();
    const done = await ask('run-new', 'FINDING', 'HTML');
    const html = await (await fetch(done.url!)).text();
    expect(html).toContain('Appeared this run');
    expect(html).toContain('run-old');
    expect(html).toContain('Fixed since');
    // A findings report does not list the passed rules.
    expect(html).not.toContain('Passwords are not accepted by sshd');
  });

  it('a damaged results object ends FAILED with the reason; a request after the retry delay renders again', async () => {
    await seedRuns();
    await s3.send(
      new PutObjectCommand({ Bucket: TELEMETRY, Key: 'results/run-new/i-0aaa.json.gz', Body: 'not gzip' }),
    );
    await ask('run-new', 'FULL', 'HTML');
    expect(await runJobs()).toEqual(['FAILED']);
    const failed = await ask('run-new', 'FULL', 'HTML');
    expect(failed.status).toBe('FAILED');
    expect(failed.failure).toMatch(/could not be rendered: .*(header|gzip)/i);
    expect(jobs).toHaveLength(0);

    const later = new Date(h.deps.now().getTime() + REPORT_RETRY_AFTER_MS + 1000);
    h.deps.now = () => later;
    expect(await ask('run-new', 'FULL', 'HTML')).toEqual({ status: 'WORK_IN_PROGRESS' });
    expect(jobs).toHaveLength(1);
  });

  it('a report whose object expired is rendered again; a stale job of a replaced render does nothing', async () => {
    await seedRuns();
    await ask('run-new', 'FINDING', 'PDF');
    const [first] = jobs;
    await runJobs();
    await s3.send(new DeleteObjectCommand({ Bucket: REPORTS, Key: reportKey('run-new', 'FINDING', 'PDF') }));
    expect(await ask('run-new', 'FINDING', 'PDF')).toEqual({ status: 'WORK_IN_PROGRESS' });
    expect(jobs).toHaveLength(1);
    // The first job delivered again (Lambda retries asynchronous events): its token was replaced.
    expect(await generateAssessmentReport(h.deps, first!)).toBe('SUPERSEDED');
    expect(await runJobs()).toEqual(['COMPLETED']);
    expect((await ask('run-new', 'FINDING', 'PDF')).status).toBe('COMPLETED');
  });

  it('a render that cannot be started ends FAILED at once, not in progress for minutes', async () => {
    await seedRuns();
    h.deps.reports!.jobs = {
      start: () => Promise.reject(new Error('Rate exceeded')),
    };
    expect(await ask('run-new', 'FULL', 'PDF')).toEqual({
      status: 'FAILED',
      failure: 'the report could not be started: Rate exceeded',
    });
    expect((await ask('run-new', 'FULL', 'PDF')).status).toBe('FAILED');
  });

  it('an instance evaluated without kept results is named in the exclusions of the full report', async () => {
    await seedRuns();
    await h.putRunInstance('run-new', {
      instanceId: 'i-0bbb',
      agentHealth: 'HEALTHY',
      collection: 'SUCCEEDED',
      evaluation: 'EVALUATED',
      resultsStored: false,
      exclusions: [],
      updatedAt: '2026-11-30T09:40:00.000Z',
    });
    await ask('run-new', 'FULL', 'HTML');
    expect(await runJobs()).toEqual(['COMPLETED']);
    const html = await (await fetch((await ask('run-new', 'FULL', 'HTML')).url!)).text();
    expect(html).toContain('i-0bbb');
    expect(html).toContain('its rule results were too large to keep');
  });

  it('refuses runs that have not ended and runs that do not exist', async () => {
    await h.putRun({ runId: 'run-busy', state: 'EVALUATING_RULES' });
    const busy = await dispatch(h.deps, 'reports', {
      operation: 'get-assessment-report',
      input: { assessmentRunId: 'run-busy', reportType: 'FULL', reportFileFormat: 'PDF' },
    });
    expect(busy).toMatchObject({ ok: false, error: { code: 'AssessmentRunInProgressException' } });
    const missing = await dispatch(h.deps, 'reports', {
      operation: 'get-assessment-report',
      input: { assessmentRunId: 'run-none', reportType: 'FULL', reportFileFormat: 'PDF' },
    });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NoSuchEntityException' } });
    const bad = await dispatch(h.deps, 'reports', {
      operation: 'get-assessment-report',
      input: { assessmentRunId: 'run-none', reportType: 'ALL', reportFileFormat: 'DOCX' },
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'InvalidInputException' } });
  });

  it('inspector get-assessment-report --out waits for the render and writes the same bytes', async () => {
    await seedRuns();
    // The transport renders what was started before answering again, as the asynchronous invocation would.
    setTransportFactory(() => ({
      call: async (group, operation, input) => {
        await runJobs();
        return unwrap(JSON.parse(JSON.stringify(await dispatch(h.deps, group, { operation, input }))));
      },
    }));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'report-out-'));
    try {
      const out = path.join(dir, 'report.pdf');
      const code = await main([
        'node',
        'inspector',
        'get-assessment-report',
        '--run-id',
        'run-new',
        '--format',
        'pdf',
        '--report-type',
        'full',
        '--out',
        out,
        '--poll-seconds',
        '0',
      ]);
      expect(code).toBe(0);
      const written = readFileSync(out);
      expect(written.equals(Buffer.from(await stored(reportKey('run-new', 'FULL', 'PDF'))))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the reports Lambda handler, from its environment', () => {
  it('answers the operation, renders on the asynchronous event it sent itself, then serves the URL', async () => {
    // The handler's clients take the environment's credentials, s3rver's (DynamoDB Local keeps tables per
    // access key): a harness whose tables and items are written with them too.
    h.restore();
    const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: FAKE_ENV.AWS_REGION });
    h = await makeHarness({
      ...ddb,
      client,
      doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      createTables: (prefix) => createTables(ddb.endpoint, prefix),
    });
    await seedRuns();
    const saved = { ...process.env };
    const lambda = mockClient(LambdaClient);
    const sent: unknown[] = [];
    lambda.on(InvokeCommand).callsFake((input) => {
      sent.push({
        functionName: input.FunctionName,
        type: input.InvocationType,
        event: JSON.parse(new TextDecoder().decode(input.Payload)),
      });
      return { StatusCode: 202 };
    });
    try {
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
        AWS_ENDPOINT_URL_S3: s3local.endpoint,
        RUNS_TABLE: h.tables.runs,
        FINDINGS_TABLE: h.tables.findings,
        SUPPRESSIONS_TABLE: h.tables.suppressions,
        TELEMETRY_BUCKET: TELEMETRY,
        REPORTS_BUCKET: REPORTS,
        AWS_LAMBDA_FUNCTION_NAME: 'inspector-reports',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      });
      const { handler } = await import('../../../functions/handlers/control-plane/reports');
      const request = {
        operation: 'get-assessment-report',
        input: { assessmentRunId: 'run-new', reportType: 'FINDING', reportFileFormat: 'HTML' },
      };
      expect(await handler(request)).toEqual({ ok: true, result: { status: 'WORK_IN_PROGRESS' } });
      expect(sent).toEqual([
        {
          functionName: 'inspector-reports',
          type: 'Event',
          event: {
            assessmentReportJob: expect.objectContaining({
              runId: 'run-new',
              reportType: 'FINDING',
              format: 'HTML',
            }),
          },
        },
      ]);
      const job = (sent[0] as { event: unknown }).event;
      const rendered = await handler(job);
      expect(rendered).toMatchObject({ ok: true, result: { outcome: 'COMPLETED' } });
      const done = (await handler(request)) as { ok: true; result: AssessmentReportAnswer };
      expect(done.result.status).toBe('COMPLETED');
      const html = await (await fetch(done.result.url!)).text();
      expect(html).toContain('Appeared this run');
      expect(sent).toHaveLength(1);
      // Something that is neither a request nor a job is refused, not rendered.
      expect(await handler({ assessmentReportJob: { runId: 'run-new' } })).toMatchObject({
        ok: false,
        error: { code: 'InvalidInputException' },
      });
    } finally {
      lambda.restore();
      process.env = saved;
    }
  });
});
