/**
 * Download URLs of the agent artifacts, for the agent document's shell step (Dispatch passes one per
 * artifact and command batch as `agentUrl` / `legacyAgentUrl`). Each URL is a bearer token for reading one
 * artifact: never log it.
 */
export interface AgentArtifactUrls {
  /** A URL that GETs the artifact stored under `key`, valid for at most `lifetimeSeconds`. */
  urlFor(key: string, lifetimeSeconds: number): Promise<string>;
}
