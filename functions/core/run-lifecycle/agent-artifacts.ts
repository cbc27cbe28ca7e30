/**
 * Which agent artifact an instance gets. The agent ships as Node single executables for linux x86_64 and
 * arm64 (no runtime needed on the instance) and as one esbuild bundle that runs with `node` on PATH on any
 * architecture. The stack gives Dispatch one artifact (S3 key + SHA-256) per architecture: the executable
 * when it was built, else the bundle. The SSM document checks the SHA-256, and for an executable checks
 * `uname -m` against the artifact (exit 13 on a mismatch), so each instance must be sent the artifact of
 * its own architecture: Dispatch sends one command per architecture.
 *
 * Architectures are EC2's (DescribeInstances `Architecture`): x86_64, arm64, i386, x86_64_mac, arm64_mac.
 * SSM instance information carries no architecture, so EC2 is the source.
 */
export const AGENT_ARCHITECTURES = ['x86_64', 'arm64'] as const;
export type AgentArchitecture = (typeof AGENT_ARCHITECTURES)[number];

export function isAgentArchitecture(value: string | undefined): value is AgentArchitecture {
  return (AGENT_ARCHITECTURES as readonly string[]).includes(value ?? '');
}

export interface AgentArtifactRef {
  /** S3 key of the artifact in the CDK assets bucket (the document's `agentKey`). */
  key: string;
  /** Hex SHA-256 the document checks before running it (`agentSha256`). */
  sha256: string;
  /**
   * The legacy artifact of the same architecture (Node.js 16, glibc 2.17+; `legacyAgentKey` /
   * `legacyAgentSha256`): the document downloads it too and runs it instead when the host's glibc is older
   * than the 2.28 the executable needs (Amazon Linux 2, RHEL/CentOS 7, Ubuntu 18.04).
   */
  legacy?: { key: string; sha256: string };
}

/** One artifact per architecture that this deployment can assess. */
export type AgentArtifacts = Partial<Record<AgentArchitecture, AgentArtifactRef>>;

export type ArtifactChoice =
  | { ok: true; architecture: AgentArchitecture; artifact?: AgentArtifactRef }
  | { ok: false; message: string };

/**
 * The artifact for an instance of `architecture`. With `artifacts` undefined (a deployment that passes no
 * artifacts to Dispatch) supported and unknown architectures get the document's default artifact
 * (`artifact` absent); with artifacts, an architecture without one, or an unknown architecture, is refused.
 */
export function chooseAgentArtifact(
  architecture: string | undefined,
  artifacts: AgentArtifacts | undefined,
): ArtifactChoice {
  const supported = AGENT_ARCHITECTURES.join(' and ');
  if (architecture !== undefined && !isAgentArchitecture(architecture)) {
    return {
      ok: false,
      message: `the agent runs on linux ${supported}; this instance's architecture is ${architecture}`,
    };
  }
  if (!artifacts) return { ok: true, architecture: architecture ?? 'x86_64' };
  if (architecture === undefined) {
    return {
      ok: false,
      message: `EC2 reported no architecture for this instance, so no agent artifact (${supported}) can be chosen for it`,
    };
  }
  const artifact = artifacts[architecture];
  if (!artifact) {
    const have = AGENT_ARCHITECTURES.filter((a) => artifacts[a]);
    return {
      ok: false,
      message: `this deployment has no agent artifact for ${architecture} (it has ${have.length > 0 ? have.join(', ') : 'none'}); build the executables (npm run build:agent) and redeploy`,
    };
  }
  return { ok: true, architecture, artifact };
}
