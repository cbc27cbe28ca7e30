/**
 * The run lifecycle's dependencies built from the Lambda environment (names in environment.ts). Clients
 * use the default credential chain; a custom S3 endpoint (AWS_ENDPOINT_URL_S3, a local S3-compatible
 * server) switches to path-style addressing.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadLimits } from '../../core/assessment';
import type { RulesPackage } from '../../core/rule';
import type { LifecycleDeps, LifecycleLog } from '../../core/run-lifecycle/deps';
import { templateStore } from '../../ports/template-store';
import { DynamoFindingStore } from './dynamo-finding-store';
import { DynamoLockStore } from './dynamo-lock-store';
import { DynamoRunStore } from './dynamo-run-store';
import { DynamoSuppressionRules } from './dynamo-suppression-rules';
import { Ec2Fleet } from './ec2-fleet';
import { EmfLifecycleMetrics } from './emf-metrics';
import { ENV, requireEnv } from './environment';
import { EventBridgeRunEvents, SnsAndEventBridgeNotifier } from './eventbridge-notifier';
import { KmsKeyringProvider } from './kms-keyring';
import { S3ReportStore, S3TelemetryStore } from './s3-object-stores';
import { S3ResultsStore } from './s3-results-store';
import { SfnExecutions } from './sfn-executions';
import { SnsNotifier } from './sns-notifier';
import { SsmAgentFleet, SsmCommandRunner } from './ssm-agents';
import { DynamoTargetsRepository } from './targets-repository';
import { DynamoTemplatesRepository } from './templates-repository';

export type RulesPackageResolver = (ids: readonly string[]) => Promise<RulesPackage[]>;

export function lifecycleDepsFromEnv(
  log: LifecycleLog,
  resolveRulesPackages: RulesPackageResolver,
  env: NodeJS.ProcessEnv = process.env,
): LifecycleDeps {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
  const s3 = new S3Client({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3) });
  const ssm = new SSMClient({});
  const telemetryBucket = requireEnv(ENV.telemetryBucket, env);
  const reportsBucket = env[ENV.reportsBucket] || telemetryBucket;
  const outputPrefix = env[ENV.commandOutputPrefix];
  const stateMachineArn = env[ENV.stateMachineArn];
  return {
    // Waivers (read only; EvaluateInstance and EvaluateNetwork mark the findings they write).
    ...(env[ENV.suppressionsTable]
      ? { suppressions: new DynamoSuppressionRules(doc, env[ENV.suppressionsTable] as string) }
      : {}),
    runs: new DynamoRunStore(doc, requireEnv(ENV.runsTable, env)),
    findings: new DynamoFindingStore(doc, requireEnv(ENV.findingsTable, env)),
    locks: new DynamoLockStore(doc, requireEnv(ENV.locksTable, env)),
    templates: templateStore(
      new DynamoTemplatesRepository(doc, requireEnv(ENV.templatesTable, env)),
      new DynamoTargetsRepository(doc, requireEnv(ENV.targetsTable, env)),
    ),
    telemetry: new S3TelemetryStore(s3, telemetryBucket),
    reports: new S3ReportStore(s3, reportsBucket),
    results: new S3ResultsStore(s3, telemetryBucket),
    fleet: new Ec2Fleet(new EC2Client({})),
    agents: new SsmAgentFleet(ssm),
    commands: new SsmCommandRunner(ssm, new SSMClient({ maxAttempts: 1 })),
    // Every event of the stack topic also goes to the default EventBridge bus (eventbridge-notifier.ts).
    notifier: new SnsAndEventBridgeNotifier(
      new SnsNotifier(new SNSClient({})),
      new EventBridgeRunEvents(new EventBridgeClient({})),
      requireEnv(ENV.eventsTopicArn, env),
    ),
    keyrings: new KmsKeyringProvider(requireEnv(ENV.kmsKeyArn, env)),
    ...(stateMachineArn ? { executions: new SfnExecutions(new SFNClient({}), stateMachineArn) } : {}),
    resolveRulesPackages,
    config: {
      eventsTopicArn: requireEnv(ENV.eventsTopicArn, env),
      agentDocumentName: requireEnv(ENV.agentDocumentName, env),
      kmsKeyArn: requireEnv(ENV.kmsKeyArn, env),
      ...(outputPrefix ? { commandOutput: { bucket: telemetryBucket, prefix: outputPrefix } } : {}),
      limits: loadLimits(env[ENV.limitsJson]),
    },
    now: () => new Date(),
    log,
    metrics: new EmfLifecycleMetrics(),
  };
}
