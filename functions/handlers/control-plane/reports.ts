/**
 * Control-plane function "reports": get-assessment-report (Classic's GetAssessmentReport), and the render it
 * starts: the operation records the report WORK_IN_PROGRESS and invokes this function asynchronously with
 * {assessmentReportJob}, which builds the report from the stored run and writes it
 * (core/control-plane/assessment-reports.ts). pdfkit and the DejaVu fonts (fonts/ beside index.js) are
 * loaded only by a PDF render.
 *
 * For INFRA (infra/constructs/assessment-reports.ts):
 * - Stack output: ControlPlaneReportsFunctionName.
 * - Environment: RUNS_TABLE, FINDINGS_TABLE, SUPPRESSIONS_TABLE (waivers), TELEMETRY_BUCKET (results/),
 *   REPORTS_BUCKET (reports/), INSPECTOR_REPORT_FONTS (the fonts directory beside the bundle).
 * - DynamoDB: runs table GetItem, Query (run, instance items, byTemplate index), PutItem and UpdateItem
 *   (REPORT#… status items); findings table Query. KMS Decrypt/GenerateDataKey on the stack key.
 * - Waivers: suppressions table GetItem and Query (the rules, to mark findings and key the cache);
 *   ec2:DescribeInstances (current tags, only for instances of runs that recorded none at start).
 * - S3: GetObject on results/ of the telemetry bucket; GetObject and PutObject on reports/ of the reports
 *   bucket (HeadObject is GetObject's permission; the pre-signed URL is signed with this role, so it needs
 *   GetObject and kms:Decrypt too).
 * - Lambda: InvokeFunction on this function itself (the asynchronous render).
 * - Callers: lambda:InvokeFunction on this function.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import {
  DynamoReportStatusStore,
  isReportJobEvent,
  LambdaReportJobs,
  S3ReportObjects,
} from '../../adapters/aws/assessment-reports';
import { awsClientConfig } from '../../adapters/aws/client-config';
import { dynamoDocumentClient } from '../../adapters/aws/dynamo-client';
import { suppressionStoreFromEnv } from '../../adapters/aws/dynamo-suppression-store';
import { ENV, requireEnv } from '../../adapters/aws/environment';
import { S3ResultsStore } from '../../adapters/aws/s3-results-store';
import type { AssessmentReportDeps } from '../../core/control-plane/assessment-reports';
import { generateAssessmentReport } from '../../core/control-plane/assessment-reports';
import { REPORTS_OPERATIONS } from '../../core/control-plane/reports-operations';
import { renderReportBytes } from '../../report/render-bytes';
import { controlPlaneDepsFromEnv, groupHandler, logger } from './aws-deps';

/** The report parts of the control plane's dependencies, from the Lambda environment. */
export function reportDepsFromEnv(env: NodeJS.ProcessEnv = process.env): AssessmentReportDeps {
  const s3 = new S3Client(awsClientConfig({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3) }));
  const doc = dynamoDocumentClient();
  const functionName = env.AWS_LAMBDA_FUNCTION_NAME;
  if (!functionName) throw new Error('environment variable AWS_LAMBDA_FUNCTION_NAME is not set');
  return {
    status: new DynamoReportStatusStore(doc, requireEnv(ENV.runsTable, env)),
    objects: new S3ReportObjects(s3, requireEnv(ENV.reportsBucket, env)),
    jobs: new LambdaReportJobs(new LambdaClient(awsClientConfig()), functionName),
    results: new S3ResultsStore(s3, requireEnv(ENV.telemetryBucket, env)),
    render: renderReportBytes,
  };
}

let deps: ReturnType<typeof controlPlaneDepsFromEnv> | undefined;
const reportsDeps = () => {
  deps ??= controlPlaneDepsFromEnv(process.env, {
    reports: reportDepsFromEnv(),
    suppressions: suppressionStoreFromEnv(),
  });
  return deps;
};
const operations = groupHandler('reports', REPORTS_OPERATIONS, reportsDeps);

export const handler = async (event: unknown) => {
  if (isReportJobEvent(event)) {
    logger.appendKeys({ group: 'reports' });
    const outcome = await generateAssessmentReport(reportsDeps(), event.assessmentReportJob);
    logger.info('assessment report job done', { ...event.assessmentReportJob, outcome });
    return { ok: true, result: { ...event.assessmentReportJob, outcome } };
  }
  return operations(event);
};
