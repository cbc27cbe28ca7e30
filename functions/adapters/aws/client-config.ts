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
import { AdaptiveRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken, StandardRetryToken } from '@smithy/types';

/** Attempts per call (the first one included) for every client. */
export const AWS_MAX_ATTEMPTS = 5;

export interface RetryConfig {
  retryMode: 'adaptive';
  maxAttempts: number;
}

/** The retry settings every client of the product is built with, merged with the client's own options. */
export function awsClientConfig<T extends object = Record<never, never>>(options?: T): T & RetryConfig {
  return { ...(options ?? ({} as T)), retryMode: 'adaptive', maxAttempts: AWS_MAX_ATTEMPTS };
}

/**
 * A retry strategy that retries throttling errors only (adaptive: backoff with jitter and the client-side
 * rate limiter), and refuses to retry anything else: the SDK then throws the call's own error.
 */
export class ThrottlingOnlyRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'adaptive';
  private readonly inner: AdaptiveRetryStrategy;

  constructor(maxAttempts: number = AWS_MAX_ATTEMPTS) {
    this.inner = new AdaptiveRetryStrategy(maxAttempts);
  }

  acquireInitialRetryToken(scope: string): Promise<RetryToken> {
    return this.inner.acquireInitialRetryToken(scope);
  }

  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    if (errorInfo.errorType !== 'THROTTLING') {
      return Promise.reject(errorInfo.error ?? new Error('not retried: only throttling is retried'));
    }
    return this.inner.refreshRetryTokenForRetry(token as StandardRetryToken, errorInfo);
  }

  recordSuccess(token: RetryToken): void {
    this.inner.recordSuccess(token as StandardRetryToken);
  }
}

/** The SSM client that sends commands: throttles retried, nothing else (see the file comment). */
export function sendCommandClientConfig<T extends object = Record<never, never>>(
  options?: T,
): T & RetryConfig & { retryStrategy: RetryStrategyV2 } {
  return {
    ...awsClientConfig(options),
    retryStrategy: new ThrottlingOnlyRetryStrategy(AWS_MAX_ATTEMPTS),
  };
}
