/**
 * The run lifecycle's dependencies built from the Lambda environment (names in environment.ts). Clients
 * use the default credential chain; a custom S3 endpoint (AWS_ENDPOINT_URL_S3, a local S3-compatible
 * server) switches to path-style addressing.
 */

import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { loadLimits } from '../../core/assessment';
import type { RulesPackage } from '../../core/rule';
import type { LifecycleDeps, LifecycleLog } from '../../core/run-lifecycle/deps';
import { templateStore } from '../../ports/template-store';
import { awsClientConfig, sendCommandClientConfig } from './client-config';
import { writePacingFromJson } from './dynamo-batch';
import { dynamoDocumentClient } from './dynamo-client';
import { DynamoFindingStore } from './dynamo-finding-store';
import { DynamoLockStore } from './dynamo-lock-store';
import { DynamoRunStore } from './dynamo-run-store';
import { DynamoSuppressionRules } from './dynamo-suppression-rules';
import { EmfLifecycleMetrics } from './emf-metrics';
import { ENV, requireEnv } from './environment';
import { EventBridgeRunEvents, SnsAndEventBridgeNotifier } from './eventbridge-notifier';
import { lazyEc2Fleet } from './lazy-ec2-fleet';
import { S3ReportStore, S3TelemetryStore, s3EvaluationManifests } from './s3-object-stores';
import { S3ResultsStore } from './s3-results-store';
import { SfnExecutions } from './sfn-executions';
import { SnsNotifier } from './sns-notifier';
import { SsmAgentFleet, SsmCommandRunner } from './ssm-agents';
import { DynamoTargetsRepository } from './targets-repository';
import { DynamoTemplatesRepository } from './templates-repository';

export type RulesPackageResolver = (ids: readonly string[]) => Promise<RulesPackage[]>;

/**
 * Everything but the telemetry keyring: only EvaluateInstance decrypts, and the Encryption SDK it needs is
 * half of a bundle, so that Lambda adds the keyring itself (functions/handlers/evaluation-runtime.ts).
 */
export function lifecycleDepsFromEnv(
  log: LifecycleLog,
  resolveRulesPackages: RulesPackageResolver,
  env: NodeJS.ProcessEnv = process.env,
): Omit<LifecycleDeps, 'keyrings'> {
  const doc = dynamoDocumentClient({ convertClassInstanceToMap: true });
  const pacing = writePacingFromJson(env[ENV.dynamoWritePacingJson]);
  const s3 = new S3Client(awsClientConfig({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3) }));
  const ssm = new SSMClient(awsClientConfig());
  const telemetryBucket = requireEnv(ENV.telemetryBucket, env);
  const reportsBucket = env[ENV.reportsBucket] || telemetryBucket;
  const outputPrefix = env[ENV.commandOutputPrefix];
  const stateMachineArn = env[ENV.stateMachineArn];
  return {
    // Waivers (read only; EvaluateInstance and EvaluateNetwork mark the findings they write).
    ...(env[ENV.suppressionsTable]
      ? { suppressions: new DynamoSuppressionRules(doc, env[ENV.suppressionsTable] as string) }
      : {}),
    runs: new DynamoRunStore(doc, requireEnv(ENV.runsTable, env), { pacing }),
    findings: new DynamoFindingStore(doc, requireEnv(ENV.findingsTable, env), { pacing }),
    locks: new DynamoLockStore(doc, requireEnv(ENV.locksTable, env)),
    templates: templateStore(
      new DynamoTemplatesRepository(doc, requireEnv(ENV.templatesTable, env)),
      new DynamoTargetsRepository(doc, requireEnv(ENV.targetsTable, env)),
    ),
    telemetry: new S3TelemetryStore(s3, telemetryBucket),
    manifests: s3EvaluationManifests(s3, telemetryBucket),
    reports: new S3ReportStore(s3, reportsBucket),
    results: new S3ResultsStore(s3, telemetryBucket),
    // EC2 loads on first use (StartRun only): see lazy-ec2-fleet.ts.
    fleet: lazyEc2Fleet(),
    agents: new SsmAgentFleet(ssm),
    commands: new SsmCommandRunner(ssm, new SSMClient(sendCommandClientConfig())),
    // Every event of the stack topic also goes to the default EventBridge bus (eventbridge-notifier.ts).
    notifier: new SnsAndEventBridgeNotifier(
      new SnsNotifier(new SNSClient(awsClientConfig())),
      new EventBridgeRunEvents(new EventBridgeClient(awsClientConfig())),
      requireEnv(ENV.eventsTopicArn, env),
    ),
    ...(stateMachineArn
      ? { executions: new SfnExecutions(new SFNClient(awsClientConfig()), stateMachineArn) }
      : {}),
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
