/**
 * The one place that says how the product's AWS SDK clients retry (EC2, SSM, SNS, EventBridge, KMS, S3,
 * DynamoDB, Step Functions and the rest built in functions/adapters and functions/handlers).
 *
 * Every client gets the SDK's `adaptive` retry mode: exponential backoff with full jitter on throttling
 * and transient errors (THROTTLING_RETRY_DELAY_BASE 500 ms for throttles, capped at 20 s), plus a client
 * side token bucket whose rate the SDK lowers on each throttle (CUBIC) and raises on success, so a warm
 * Lambda that keeps being throttled sends less instead of retrying harder. `maxAttempts` is 5 (the SDK
 * default is 3): a run's burst of control-plane calls (10,000 instances: 200 SendCommand calls, hundreds of
 * DescribeInstances/DescribeInstanceInformation pages, one SNS and one EventBridge call per state change)
 * is what throttles, and each retry already waits longer.
 *
 * SendCommand is the exception: it is not idempotent (no client token), and an SDK retry after SSM accepted
 * a request whose answer was lost would start a second agent nobody records. A throttled request, though,
 * was refused before SSM did anything, so the sender's strategy (`sendCommandClientConfig`) retries
 * THROTTLING errors only (adaptive, with jitter) and gives every other failure straight back to Dispatch,
 * whose own retry finds an accepted command by its batch comment (dispatch-commands.ts).
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Provider, RetryStrategyV2 } from '@smithy/types';

/** Attempts per call (the first one included) for every client. */
export const AWS_MAX_ATTEMPTS = 5;

export interface RetryConfig {
  retryMode: 'adaptive';
  maxAttempts: number;
}

/** The retry settings every client of the product is built with, merged with the client's own options. */
export function awsClientConfig<T extends object = Record<never, never>>(options?: T): T & RetryConfig {
  // A client may ask for more attempts (DynamoDB: dynamo-client.ts); the retry mode is always adaptive.
  return {
    ...(options ?? ({} as T)),
    retryMode: 'adaptive',
    maxAttempts: (options as { maxAttempts?: number } | undefined)?.maxAttempts ?? AWS_MAX_ATTEMPTS,
  };
}

/**
 * The SDK's own adaptive strategy (backoff with jitter and the client-side rate limiter; `inner` is the
 * SDK's resolved provider, which builds it once) made to retry throttling errors only: anything else is
 * refused and the SDK throws the call's own error. It is the SDK the Lambda runs with (the bundles leave
 * @aws-sdk/* to the runtime), not a copy bundled here.
 */
export function throttlingOnly(inner: Provider<RetryStrategyV2>): RetryStrategyV2 {
  return {
    acquireInitialRetryToken: async (scope) => (await inner()).acquireInitialRetryToken(scope),
    async refreshRetryTokenForRetry(token, errorInfo) {
      if (errorInfo.errorType !== 'THROTTLING') throw errorInfo.error ?? errorInfo;
      return (await inner()).refreshRetryTokenForRetry(token, errorInfo);
    },
    recordSuccess: (token) => void inner().then((s) => s.recordSuccess(token)),
  };
}

/** The SSM client that sends commands: throttles retried, nothing else (see the file comment). */
export function sendCommandClientConfig<T extends object = Record<never, never>>(
  options?: T,
): T & RetryConfig & { retryStrategy: RetryStrategyV2 } {
  const config = awsClientConfig(options);
  // A client that never sends: it resolves the SDK's adaptive strategy with this configuration.
  const resolver = new SSMClient(config);
  return {
    ...config,
    retryStrategy: throttlingOnly(resolver.config.retryStrategy as Provider<RetryStrategyV2>),
  };
}
