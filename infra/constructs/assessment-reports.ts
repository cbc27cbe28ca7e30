/**
 * get-assessment-report's infrastructure (functions/handlers/control-plane/reports.ts): the reports function's
 * sizing and files (the PDF renderer as a side bundle, the DejaVu fonts beside it), its least-privilege
 * permissions (waivers included), the expiry rule of generated reports, and the results objects EvaluateInstance writes and
 * delete-assessment-run deletes (results/<runId>/ in the telemetry bucket).
 */
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { REPORT_PDF_SIDE_BUNDLE } from '../../functions/report/render-bytes';
import type { DataStores } from './data-stores';
import type { InspectorFunction } from './inspector-function';
import { resourceEvidence } from './nag-evidence';

/** Generated reports (reports/<runId>/<type>.<ext>) are deleted this long after they were written. */
export const REPORT_EXPIRY_DAYS = 30;
export const REPORT_FONTS_FOLDER = 'fonts';

/** The reports function's options: a PDF of thousands of findings takes seconds and ~200 MB. */
export const REPORTS_FUNCTION_OPTIONS = {
  timeout: Duration.minutes(5),
  memorySize: 1024,
  bundleFiles: ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf'].map((f) => ({
    from: `node_modules/dejavu-fonts-ttf/ttf/${f}`,
    to: REPORT_FONTS_FOLDER,
  })),
  sideBundles: [{ entry: 'functions/report/pdf.ts', outfile: REPORT_PDF_SIDE_BUNDLE }],
};

export interface AssessmentReportsProps {
  data: DataStores;
  /** The control-plane reports function. */
  reports: InspectorFunction;
  /** EvaluateInstance: writes results/<runId>/<instanceId>.json.gz. */
  evaluateInstance: InspectorFunction;
  /** The control-plane runs function: delete-assessment-run deletes results/<runId>/. */
  runs?: InspectorFunction;
}

export class AssessmentReports extends Construct {
  constructor(scope: Construct, id: string, props: AssessmentReportsProps) {
    super(scope, id);
    const { data, reports, evaluateInstance, runs } = props;
    const { telemetryBucket, reportsBucket, key, tables } = data;

    reportsBucket.addLifecycleRule({
      id: 'expire-generated-reports',
      prefix: 'reports/',
      expiration: Duration.days(REPORT_EXPIRY_DAYS),
    });

    const results = telemetryBucket.arnForObjects('results/*');
    const reportObjects = reportsBucket.arnForObjects('reports/*');
    reports.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReportStatusAndRunData',
        actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [tables.runs.tableArn, `${tables.runs.tableArn}/index/*`],
      }),
    );
    reports.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadFindings',
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: [tables.findings.tableArn, `${tables.findings.tableArn}/index/*`],
      }),
    );
    reports.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'ReadResults', actions: ['s3:GetObject'], resources: [results] }),
    );
    // Waivers: the report marks the run's findings with the suppression rules in force and keys its cache on
    // them; a rule matching an instance tag needs EC2's current tags only for instances of runs that
    // recorded none at start (core/suppression-tags.ts).
    reports.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadSuppressionRules',
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: [tables.suppressions.tableArn],
      }),
    );
    reports.allowOnAnyResource('SuppressionInstanceTags', ['ec2:DescribeInstances']);
    reports.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteAndSignReports',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [reportObjects],
      }),
    );
    // Tables, results and reports are encrypted with the stack key; pre-signed downloads decrypt with it too.
    key.grant(reports.fn, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
    // In a policy of its own: in the role's default policy the function's ARN makes a cycle.
    new iam.Policy(reports, 'InvokeSelfPolicy', {
      roles: [reports.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'RenderAssessmentReport',
          actions: ['lambda:InvokeFunction'],
          resources: [reports.fn.functionArn],
        }),
      ],
    });
    reports.acknowledgeWildcard(
      resourceEvidence(this, `${tables.runs.tableArn}/index/*`),
      "finds the previous completed run of the template on the runs table's byTemplate index (the report's changes).",
    );
    reports.acknowledgeWildcard(
      resourceEvidence(this, `${tables.findings.tableArn}/index/*`),
      "reads a run's findings; the findings store may query its indexes.",
    );
    reports.acknowledgeWildcard(
      resourceEvidence(this, results),
      'reads the rule results of the run it reports on: results/<runId>/<instanceId>.json.gz, ids known at run time.',
    );
    reports.acknowledgeWildcard(
      resourceEvidence(this, reportObjects),
      'writes and signs downloads of reports/<runId>/<type>.<ext>, run ids known at run time.',
    );

    evaluateInstance.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'WriteResults', actions: ['s3:PutObject'], resources: [results] }),
    );
    key.grant(evaluateInstance.fn, 'kms:GenerateDataKey');
    evaluateInstance.acknowledgeWildcard(
      resourceEvidence(this, results),
      'writes the rule results of the instance it evaluates: results/<runId>/<instanceId>.json.gz.',
    );

    if (runs) {
      runs.role.addToPolicy(
        new iam.PolicyStatement({ sid: 'DeleteResults', actions: ['s3:DeleteObject'], resources: [results] }),
      );
      runs.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ListResults',
          actions: ['s3:ListBucket'],
          resources: [telemetryBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': ['results/*'] } },
        }),
      );
      runs.acknowledgeWildcard(
        resourceEvidence(this, results),
        'deletes the rule results of a deleted run: results/<runId>/.',
      );
    }
  }
}
