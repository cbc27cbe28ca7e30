/**
 * The dependencies of the EvaluateNetwork Lambda from its environment: the runs and findings tables and the
 * run-events topic only. Kept apart from lifecycle-deps.ts so its bundle carries no telemetry decryption,
 * SSM or rules packages other than network reachability.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { loadLimits } from '../../core/assessment';
import type { LifecycleLog } from '../../core/run-lifecycle/deps';
import type { NetworkDeps } from '../../core/run-lifecycle/evaluate-network';
import { awsClientConfig } from './client-config';
import { writePacingFromJson } from './dynamo-batch';
import { dynamoDocumentClient } from './dynamo-client';
import { DynamoFindingStore } from './dynamo-finding-store';
import { DynamoRunStore } from './dynamo-run-store';
import { DynamoSuppressionRules } from './dynamo-suppression-rules';
import { EmfLifecycleMetrics } from './emf-metrics';
import { ENV, requireEnv } from './environment';
import { EventBridgeRunEvents, SnsAndEventBridgeNotifier } from './eventbridge-notifier';
import { SnsNotifier } from './sns-notifier';

export function networkDepsFromEnv(log: LifecycleLog, env: NodeJS.ProcessEnv = process.env): NetworkDeps {
  const doc = dynamoDocumentClient({ convertClassInstanceToMap: true });
  const pacing = writePacingFromJson(env[ENV.dynamoWritePacingJson]);
  return {
    // Waivers (read only; EvaluateInstance and EvaluateNetwork mark the findings they write).
    ...(env[ENV.suppressionsTable]
      ? { suppressions: new DynamoSuppressionRules(doc, env[ENV.suppressionsTable] as string) }
      : {}),
    runs: new DynamoRunStore(doc, requireEnv(ENV.runsTable, env), { pacing }),
    findings: new DynamoFindingStore(doc, requireEnv(ENV.findingsTable, env), { pacing }),
    // Like the other lifecycle functions: every event of the stack topic also goes to the default bus.
    notifier: new SnsAndEventBridgeNotifier(
      new SnsNotifier(new SNSClient(awsClientConfig())),
      new EventBridgeRunEvents(new EventBridgeClient(awsClientConfig())),
      requireEnv(ENV.eventsTopicArn, env),
    ),
    config: {
      eventsTopicArn: requireEnv(ENV.eventsTopicArn, env),
      agentDocumentName: env[ENV.agentDocumentName] ?? '',
      kmsKeyArn: env[ENV.kmsKeyArn] ?? '',
      limits: loadLimits(env[ENV.limitsJson]),
    },
    now: () => new Date(),
    log,
    metrics: new EmfLifecycleMetrics(),
  };
}
