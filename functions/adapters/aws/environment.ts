/**
 * The environment every Lambda reads, set by the CDK stack (infra/) from these names: one list, so the
 * stack and the handlers cannot drift apart. Each handler reads only what it needs with `requireEnv`.
 */
import type { AgentArchitecture, AgentArtifacts } from '../../core/run-lifecycle/agent-artifacts';

export const ENV = {
  targetsTable: 'TARGETS_TABLE',
  templatesTable: 'TEMPLATES_TABLE',
  runsTable: 'RUNS_TABLE',
  findingsTable: 'FINDINGS_TABLE',
  locksTable: 'LOCKS_TABLE',
  /** Suppression rules and their audit log (the findings control-plane function). */
  suppressionsTable: 'SUPPRESSIONS_TABLE',
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
  /** Dispatch: the agent artifact (S3 key in the assets bucket, hex SHA-256) per instance architecture. */
  agentArtifactKeyX86_64: 'AGENT_ARTIFACT_KEY_X86_64',
  agentArtifactSha256X86_64: 'AGENT_ARTIFACT_SHA256_X86_64',
  agentArtifactKeyArm64: 'AGENT_ARTIFACT_KEY_ARM64',
  agentArtifactSha256Arm64: 'AGENT_ARTIFACT_SHA256_ARM64',
  /** Dispatch: the legacy artifact (glibc 2.17+) per architecture, sent beside the executable when built. */
  agentLegacyArtifactKeyX86_64: 'AGENT_LEGACY_ARTIFACT_KEY_X86_64',
  agentLegacyArtifactSha256X86_64: 'AGENT_LEGACY_ARTIFACT_SHA256_X86_64',
  agentLegacyArtifactKeyArm64: 'AGENT_LEGACY_ARTIFACT_KEY_ARM64',
  agentLegacyArtifactSha256Arm64: 'AGENT_LEGACY_ARTIFACT_SHA256_ARM64',
  stateMachineArn: 'STATE_MACHINE_ARN',
  /** SSM Run Command: where command output goes (a prefix of the telemetry bucket). */
  commandOutputPrefix: 'COMMAND_OUTPUT_PREFIX',
  /**
   * Optional JSON overriding the DynamoDB write pacing of the run and finding stores (dynamo-batch.ts,
   * WRITE_DEFAULTS): {"writeUnitsPerSecond", "concurrency", "maxAttempts", "baseDelayMs", "maxDelayMs"}.
   */
  dynamoWritePacingJson: 'DYNAMO_WRITE_PACING_JSON',
  /** JSON of limits overriding the defaults (max instances per run, per account, durations). */
  limitsJson: 'LIMITS_JSON',
  /** ExportToSecurityHub (-c inspector:securityHubExport=true): the account, region and partition of the
   * product ARN arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default it imports to. */
  securityHubAccountId: 'SECURITY_HUB_ACCOUNT_ID',
  securityHubRegion: 'SECURITY_HUB_REGION',
  securityHubPartition: 'SECURITY_HUB_PARTITION',
} as const;
export type EnvName = (typeof ENV)[keyof typeof ENV];

export function requireEnv(name: EnvName, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

/** The artifact variables of each architecture Dispatch can send the agent to. */
export const AGENT_ARTIFACT_ENV = {
  x86_64: { key: ENV.agentArtifactKeyX86_64, sha256: ENV.agentArtifactSha256X86_64 },
  arm64: { key: ENV.agentArtifactKeyArm64, sha256: ENV.agentArtifactSha256Arm64 },
} as const satisfies Record<AgentArchitecture, { key: EnvName; sha256: EnvName }>;

/** The legacy (glibc 2.17+) artifact variables of each architecture; optional. */
export const AGENT_LEGACY_ARTIFACT_ENV = {
  x86_64: { key: ENV.agentLegacyArtifactKeyX86_64, sha256: ENV.agentLegacyArtifactSha256X86_64 },
  arm64: { key: ENV.agentLegacyArtifactKeyArm64, sha256: ENV.agentLegacyArtifactSha256Arm64 },
} as const satisfies Record<AgentArchitecture, { key: EnvName; sha256: EnvName }>;

/**
 * The per-architecture agent artifacts from the environment; undefined when none is set (Dispatch then
 * sends the document's default artifact). A key without its SHA-256 (or the reverse) is a deployment error.
 */
export function agentArtifactsFromEnv(env: NodeJS.ProcessEnv = process.env): AgentArtifacts | undefined {
  const out: AgentArtifacts = {};
  for (const [arch, names] of Object.entries(AGENT_ARTIFACT_ENV) as Array<
    [AgentArchitecture, (typeof AGENT_ARTIFACT_ENV)[AgentArchitecture]]
  >) {
    const key = env[names.key];
    const sha256 = env[names.sha256];
    if (!key && !sha256) continue;
    if (!key || !sha256 || !/^[a-f0-9]{64}$/.test(sha256)) {
      throw new Error(
        `${names.key} and ${names.sha256} must be set together (an S3 key and a hex SHA-256) for ${arch} instances`,
      );
    }
    const legacyNames = AGENT_LEGACY_ARTIFACT_ENV[arch];
    const legacyKey = env[legacyNames.key];
    const legacySha256 = env[legacyNames.sha256];
    if (!legacyKey && !legacySha256) {
      out[arch] = { key, sha256 };
      continue;
    }
    if (!legacyKey || !legacySha256 || !/^[a-f0-9]{64}$/.test(legacySha256)) {
      throw new Error(
        `${legacyNames.key} and ${legacyNames.sha256} must be set together (an S3 key and a hex SHA-256) for ${arch} instances`,
      );
    }
    out[arch] = { key, sha256, legacy: { key: legacyKey, sha256: legacySha256 } };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
