/**
 * The reports function (get-assessment-report) in the synthesized template: sizing, least-privilege
 * permissions, the expiry rule of generated reports, the results objects EvaluateInstance writes, and its
 * bundle: index.js and the PDF renderer (a side file beside it, with the DejaVu fonts) under 500 KiB each,
 * rendering a real PDF from the bundle.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssessmentOutput } from '../../functions/core/run';
import { REPORT_PDF_SIDE_BUNDLE } from '../../functions/report/render-bytes';
import { REPORT_EXPIRY_DAYS, REPORT_FONTS_FOLDER } from '../../infra/constructs/assessment-reports';
import { BUNDLE_LIMIT_BYTES } from '../../infra/constructs/inspector-function';
import { type Synthesized, synthStack } from './synth-stack';

let s: Synthesized;
let t: Template;
type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

beforeAll(async () => {
  s = await synthStack({ env: { account: '123456789012', region: 'eu-west-1' } });
  t = s.template;
});
afterAll(() => s?.cleanup());

function fnByDescription(re: RegExp): [string, Resource] {
  const found = Object.entries(
    t.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp(re.source) },
    }),
  ) as Array<[string, Resource]>;
  expect(found, re.source).toHaveLength(1);
  return found[0]!;
}

function statementsOf(fn: Resource): Statement[] {
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = Object.values(t.findResources('AWS::IAM::Policy')) as Resource[];
  return policies
    .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actions = (st: Statement) => (Array.isArray(st.Action) ? st.Action : [st.Action]);
const json = (v: unknown) => JSON.stringify(v);

describe('the reports function', () => {
  it('is sized for PDF renders and carries the stack environment', () => {
    const [, fn] = fnByDescription(/^Control plane: reports operations$/);
    expect(fn.Properties.Timeout).toBe(300);
    expect(fn.Properties.MemorySize).toBe(1024);
  });

  it('may read the run, write report status items, read results and write reports, nothing more', () => {
    const [, fn] = fnByDescription(/^Control plane: reports operations$/);
    const sts = statementsOf(fn);
    const all = sts.flatMap(actions);
    // DynamoDB: no delete, no batch write, no scan; findings and suppression rules read only.
    expect(all.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:GetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:Query',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ].sort(),
    );
    const waivers = sts.find((st) => st.Sid === 'ReadSuppressionRules')!;
    expect(actions(waivers).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(json(waivers.Resource)).toMatch(/SuppressionsTable/);
    const findings = sts.find((st) => st.Sid === 'ReadFindings')!;
    expect(actions(findings).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(json(findings.Resource)).toMatch(/FindingsTable/);
    const status = sts.find((st) => st.Sid === 'ReportStatusAndRunData')!;
    expect(json(status.Resource)).toMatch(/RunsTable/);
    expect(json(status.Resource)).not.toMatch(/FindingsTable|TargetsTable|TemplatesTable|LocksTable/);
    // S3: GetObject on results/ of the telemetry bucket; GetObject and PutObject on reports/ only.
    const s3 = sts.filter((st) => actions(st).some((a) => a.startsWith('s3:')));
    expect(s3.map((st) => [st.Sid, actions(st).sort()])).toEqual([
      ['ReadResults', ['s3:GetObject']],
      ['WriteAndSignReports', ['s3:GetObject', 's3:PutObject']],
    ]);
    expect(json(s3[0]!.Resource)).toMatch(/TelemetryBucket.*\/results\/\*/);
    expect(json(s3[1]!.Resource)).toMatch(/ReportsBucket.*\/reports\/\*/);
    expect(all).not.toContain('s3:DeleteObject');
    expect(all).not.toContain('s3:ListBucket');
    // KMS on the stack key; Lambda: only itself.
    expect(all.filter((a) => a.startsWith('kms:')).sort()).toEqual(
      ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'].sort(),
    );
    const invoke = sts.find((st) => st.Sid === 'RenderAssessmentReport')!;
    expect(actions(invoke)).toEqual(['lambda:InvokeFunction']);
    expect(json(invoke.Resource)).toMatch(/ControlPlaneReports/);
    expect(all.filter((a) => /^(ssm|states|sns|scheduler):/.test(a))).toEqual([]);
    // EC2: only the current tags of instances a tag waiver names (runs that recorded none at start).
    expect(all.filter((a) => a.startsWith('ec2:'))).toEqual(['ec2:DescribeInstances']);
  });

  it('generated reports expire: a lifecycle rule on reports/ of the reports bucket', () => {
    const buckets = Object.entries(t.findResources('AWS::S3::Bucket')).filter(([id]) =>
      id.includes('ReportsBucket'),
    ) as Array<[string, Resource]>;
    expect(buckets).toHaveLength(1);
    const rules = (
      buckets[0]![1].Properties.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }
    ).Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({
        Id: 'expire-generated-reports',
        Prefix: 'reports/',
        ExpirationInDays: REPORT_EXPIRY_DAYS,
        Status: 'Enabled',
      }),
    );
  });

  it('EvaluateInstance writes results/; the runs function deletes them with the run', () => {
    const evaluate = statementsOf(fnByDescription(/^Evaluate:/)[1]);
    const write = evaluate.find((st) => st.Sid === 'WriteResults')!;
    expect(actions(write)).toEqual(['s3:PutObject']);
    expect(json(write.Resource)).toMatch(/TelemetryBucket.*\/results\/\*/);
    const runs = statementsOf(fnByDescription(/^Control plane: runs operations$/)[1]);
    expect(actions(runs.find((st) => st.Sid === 'DeleteResults')!)).toEqual(['s3:DeleteObject']);
    expect(runs.find((st) => st.Sid === 'ListResults')!.Condition).toEqual({
      StringLike: { 's3:prefix': ['results/*'] },
    });
  });

  it('its bundle: index.js and the PDF renderer beside it under 500 KiB each, the fonts beside them, rendering a PDF', () => {
    const [, fn] = fnByDescription(/^Control plane: reports operations$/);
    const key = (fn.Properties.Code as { S3Key: string }).S3Key;
    const dir = path.join(s.outdir, `asset.${key.replace(/\.zip$/, '')}`);
    const index = statSync(path.join(dir, 'index.js')).size;
    const side = path.join(dir, REPORT_PDF_SIDE_BUNDLE);
    expect(index).toBeLessThan(BUNDLE_LIMIT_BYTES);
    // pdfkit and fontkit, loaded when a PDF is rendered (fontkit's brotli is Node's: brotli-decompress.ts).
    expect(statSync(side).size).toBeLessThan(BUNDLE_LIMIT_BYTES);
    expect(readdirSync(path.join(dir, REPORT_FONTS_FOLDER)).sort()).toEqual([
      'DejaVuSans-Bold.ttf',
      'DejaVuSans.ttf',
      'DejaVuSansMono.ttf',
    ]);
    // pdfkit is in the side file only.
    expect(existsSync(side)).toBe(true);
    const output: AssessmentOutput = {
      run: {
        runId: 'run-bundle',
        name: 'bundle check',
        state: 'COMPLETED',
        stateHistory: [],
        createdAt: '2026-11-30T09:00:00.000Z',
        durationSeconds: 60,
        rulesPackages: ['security-best-practices'],
        findingCounts: { High: 0, Medium: 0, Low: 0, Informational: 0 },
        mode: 'aws',
      },
      instances: [],
      results: [],
      findings: [],
      exclusions: [],
    };
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'report-bundle-'));
    try {
      const out = path.join(tmp, 'r.pdf');
      writeFileSync(path.join(tmp, 'output.json'), JSON.stringify(output));
      // A fresh process, with no INSPECTOR_REPORT_FONTS and no node_modules in reach: the fonts beside the
      // bundle are the only ones it can find.
      const env = { ...process.env };
      delete env.INSPECTOR_REPORT_FONTS;
      delete env.NODE_PATH;
      execFileSync(
        process.execPath,
        [
          '-e',
          `require(${json(side)}).renderPdfReport(require(${json(path.join(tmp, 'output.json'))}), { rulesPackages: [], generatedAt: '2026-11-30T10:00:00.000Z' }).then((b) => require('fs').writeFileSync(${json(out)}, b))`,
        ],
        { cwd: tmp, env },
      );
      expect(execFileSync('pdfinfo', [out], { encoding: 'utf8' })).toMatch(/Pages:\s+[1-9]/);
      expect(execFileSync('pdffonts', [out], { encoding: 'utf8' })).toMatch(/DejaVuSans\s.*yes\s+yes/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
