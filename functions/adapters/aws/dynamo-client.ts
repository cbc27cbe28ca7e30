/**
 * The DynamoDB clients of the Lambdas: the SDK's adaptive retry mode (exponential backoff with jitter, plus
 * a client-side rate limiter that slows this client down when DynamoDB throttles it), with more attempts than
 * the SDK's default 3 because a partition that throttles is a normal event at scale (README, "DynamoDB
 * keys"). What is still throttled after these attempts surfaces to the writer (dynamo-batch.ts), which
 * retries it again with its own backoff.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsClientConfig } from './client-config';

/** Attempts per request (the first one included) in the SDK's adaptive retry mode. */
export const DYNAMO_MAX_ATTEMPTS = 6;

export function dynamoClient(): DynamoDBClient {
  return new DynamoDBClient(awsClientConfig({ maxAttempts: DYNAMO_MAX_ATTEMPTS }));
}

export function dynamoDocumentClient(
  opts: { convertClassInstanceToMap?: boolean } = {},
): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(dynamoClient(), {
    marshallOptions: {
      removeUndefinedValues: true,
      ...(opts.convertClassInstanceToMap ? { convertClassInstanceToMap: true } : {}),
    },
  });
}
