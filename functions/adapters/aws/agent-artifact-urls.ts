/**
 * Pre-signed S3 GET URLs of the agent artifacts (issue 14, item 4): what Dispatch passes to the agent
 * document so its shell step downloads the gzip artifact itself, into the instance's cache
 * (infra/constructs/agent-cache-script.ts), instead of `aws:downloadContent` on every run.
 *
 * Lifetime: the command's delivery timeout (SendCommand TimeoutSeconds = duration + margin). SSM does not
 * start a command after that timeout, and the shell step downloads first thing, so a URL never needs to
 * outlive it. S3 refuses a SigV4 pre-signed URL valid longer than 7 days. A URL signed with temporary
 * credentials (a Lambda role's) also stops working when they expire, whatever its lifetime: an instance that
 * starts later than that fails the download (the document's exit 17), an AGENT_FAILED exclusion.
 *
 * The URL is a bearer token for the artifact: never log it. It is also one of the command's parameters, so
 * whoever may call ssm:ListCommands in the account can read it until it expires: it reads one agent
 * artifact, which is no secret (the same code is in this repository).
 *
 * Endpoint: the client is built for the Lambda's region with no endpoint override, so the URL is
 * `https://<bucket>.s3.<region>.amazonaws.com/<key>?…`, S3's regional endpoint, which an S3 gateway
 * endpoint in the instances' VPC carries (the document's allowedPattern accepts only that form).
 *
 * Dispatch calls it once per artifact and command batch (functions/core/run-lifecycle/dispatch-commands.ts),
 * through the AgentArtifactUrls port; the Dispatch role may read exactly the agent asset objects.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AgentArtifactUrls } from '../../ports/agent-artifact-urls';
import { awsClientConfig } from './client-config';
import { ENV } from './environment';

/** S3's limit on a SigV4 pre-signed URL's lifetime. */
export const MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;

export async function agentArtifactUrl(
  s3: S3Client,
  bucket: string,
  key: string,
  commandTimeoutSeconds: number,
): Promise<string> {
  if (!Number.isInteger(commandTimeoutSeconds) || commandTimeoutSeconds < 1)
    throw new Error(
      `agent artifact URL lifetime must be a positive whole number of seconds, got ${commandTimeoutSeconds}`,
    );
  if (commandTimeoutSeconds > MAX_PRESIGNED_SECONDS)
    throw new Error(
      `the command timeout (${commandTimeoutSeconds} s) exceeds the 7-day limit of a pre-signed S3 URL`,
    );
  return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), {
    expiresIn: commandTimeoutSeconds,
  });
}

/** The artifacts in one bucket (the CDK assets bucket), pre-signed with the caller's credentials. */
export class S3AgentArtifactUrls implements AgentArtifactUrls {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  urlFor(key: string, lifetimeSeconds: number): Promise<string> {
    return agentArtifactUrl(this.s3, this.bucket, key, lifetimeSeconds);
  }
}

/**
 * From the Lambda environment (AGENT_ARTIFACT_BUCKET); undefined without it. A custom S3 endpoint
 * (AWS_ENDPOINT_URL_S3: a local S3-compatible server in tests) switches to path-style addressing.
 */
export function agentArtifactUrlsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): AgentArtifactUrls | undefined {
  const bucket = env[ENV.agentArtifactBucket];
  if (!bucket) return undefined;
  return new S3AgentArtifactUrls(
    new S3Client(awsClientConfig({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3) })),
    bucket,
  );
}
