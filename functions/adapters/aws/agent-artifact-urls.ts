/**
 * Pre-signed S3 GET URLs of the agent artifacts (issue 14, item 4): what Dispatch will pass to the agent
 * document so its shell step downloads the gzip artifact itself, into the instance's cache
 * (infra/constructs/agent-cache-script.ts), instead of `aws:downloadContent` on every run.
 *
 * Lifetime: the command's delivery timeout (SendCommand TimeoutSeconds = duration + margin). SSM does not
 * start a command after that timeout, and the shell step downloads first thing, so a URL never needs to
 * outlive it. S3 refuses a SigV4 pre-signed URL valid longer than 7 days. A URL signed with temporary
 * credentials (a Lambda role's) also stops working when they expire, whatever its lifetime: an instance that
 * starts later than that fails the download (the document's exit 17), an AGENT_FAILED exclusion.
 *
 * The URL is a bearer token for the artifact: never log it.
 *
 * NOT WIRED YET: Dispatch does not call this; see the README section "The agent download".
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

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
