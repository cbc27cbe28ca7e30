/**
 * The contract between Dispatch and the SSM agent document (infra/): the document's parameter names.
 * Each is a String parameter; the agent reads its own instance id from the instance metadata and uploads
 * to s3://<uploadBucket>/<uploadPrefix><instanceId>.bin, encrypting under <kmsKeyArn> with the encryption
 * context of envelope.ts (run id and instance id).
 */
export const AGENT_COMMAND_PARAMETERS = {
  runId: 'runId',
  durationSeconds: 'durationSeconds',
  uploadBucket: 'uploadBucket',
  uploadPrefix: 'uploadPrefix',
  kmsKeyArn: 'kmsKeyArn',
  /** Seconds 0..N the agent waits at random before encrypting and uploading (limits.agentUploadJitterSeconds). */
  uploadJitterSeconds: 'uploadJitterSeconds',
} as const;
export type AgentCommandParameter = keyof typeof AGENT_COMMAND_PARAMETERS;

export function agentCommandParameters(p: Record<AgentCommandParameter, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, name] of Object.entries(AGENT_COMMAND_PARAMETERS)) out[name] = p[k as AgentCommandParameter];
  return out;
}

/**
 * The document's artifact parameters: which artifact (per architecture), its SHA-256 (of the decompressed
 * file, the instance cache's key) and the pre-signed URL of its gzip copy (used only on a cache miss).
 */
export const AGENT_ARTIFACT_PARAMETERS = {
  key: 'agentKey',
  sha256: 'agentSha256',
  url: 'agentUrl',
} as const;

/** The legacy (glibc 2.17+) artifact of the same architecture; in the document only when it was built. */
export const AGENT_LEGACY_ARTIFACT_PARAMETERS = {
  key: 'legacyAgentKey',
  sha256: 'legacyAgentSha256',
  url: 'legacyAgentUrl',
} as const;

/** The artifact parameters of one command; the URLs only when given (a bearer token each: never log them). */
export function agentArtifactParameters(
  a: { key: string; sha256: string; legacy?: { key: string; sha256: string } },
  urls?: { agent: string; legacy?: string },
): Record<string, string> {
  return {
    [AGENT_ARTIFACT_PARAMETERS.key]: a.key,
    [AGENT_ARTIFACT_PARAMETERS.sha256]: a.sha256,
    ...(urls ? { [AGENT_ARTIFACT_PARAMETERS.url]: urls.agent } : {}),
    ...(a.legacy
      ? {
          [AGENT_LEGACY_ARTIFACT_PARAMETERS.key]: a.legacy.key,
          [AGENT_LEGACY_ARTIFACT_PARAMETERS.sha256]: a.legacy.sha256,
          ...(urls?.legacy ? { [AGENT_LEGACY_ARTIFACT_PARAMETERS.url]: urls.legacy } : {}),
        }
      : {}),
  };
}
