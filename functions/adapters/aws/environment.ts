/**
 * The environment every Lambda reads, set by the CDK stack (infra/) from these names: one list, so the
 * stack and the handlers cannot drift apart. Each handler reads only what it needs with `requireEnv`.
 */
export const ENV = {
  targetsTable: 'TARGETS_TABLE',
  templatesTable: 'TEMPLATES_TABLE',
  runsTable: 'RUNS_TABLE',
  findingsTable: 'FINDINGS_TABLE',
  locksTable: 'LOCKS_TABLE',
  idempotencyTable: 'IDEMPOTENCY_TABLE',
  telemetryBucket: 'TELEMETRY_BUCKET',
  reportsBucket: 'REPORTS_BUCKET',
  feedBucket: 'FEED_BUCKET',
  /** Evaluate: how long the feed pointer is trusted before it is re-read (seconds; default 600). */
  feedPointerTtlSeconds: 'FEED_POINTER_TTL_SECONDS',
  /** Feed sync (optional JSON): { urls: {...}, allowHttp, downloadTimeoutSeconds, sources: [names] }. */
  feedSyncConfig: 'FEED_SYNC_CONFIG',
  /** KMS key for telemetry envelopes (and the stack's data at rest). */
  kmsKeyArn: 'KMS_KEY_ARN',
  eventsTopicArn: 'EVENTS_TOPIC_ARN',
  agentDocumentName: 'AGENT_DOCUMENT_NAME',
  agentArtifactBucket: 'AGENT_ARTIFACT_BUCKET',
  agentArtifactPrefix: 'AGENT_ARTIFACT_PREFIX',
  stateMachineArn: 'STATE_MACHINE_ARN',
  /** SSM Run Command: where command output goes (a prefix of the telemetry bucket). */
  commandOutputPrefix: 'COMMAND_OUTPUT_PREFIX',
  /** JSON of limits overriding the defaults (max instances per run, per account, durations). */
  limitsJson: 'LIMITS_JSON',
} as const;
export type EnvName = (typeof ENV)[keyof typeof ENV];

export function requireEnv(name: EnvName, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}
