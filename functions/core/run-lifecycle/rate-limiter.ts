/**
 * A token bucket for one sequential caller (Dispatch's send loop): `take()` returns at once while tokens
 * are left (a burst of `burst` calls), then waits so that calls go out at no more than `ratePerSecond` on
 * average. Time comes from the injected clock and waiting from the injected sleep, so tests count calls
 * per window on a fake clock instead of wall time.
 *
 * After a wait the bucket assumes the time it slept has passed even if the clock says otherwise (a frozen
 * test clock): the rate stays bounded by the sleeps alone, and the loop never spins.
 */
export interface RateLimiterOptions {
  ratePerSecond: number;
  /** Calls allowed back to back before the rate applies (at least 1). */
  burst: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly intervalMs: number;
  /** Milliseconds spent waiting so far (for the log). */
  waitedMs = 0;

  constructor(private readonly opts: RateLimiterOptions) {
    if (!(opts.ratePerSecond > 0 && Number.isFinite(opts.ratePerSecond) && opts.burst >= 1))
      throw new Error(`rate ${opts.ratePerSecond}/s must be positive, burst ${opts.burst} at least 1`);
    this.intervalMs = 1000 / opts.ratePerSecond;
    this.tokens = opts.burst;
    this.last = opts.now();
  }

  async take(): Promise<void> {
    const t = this.opts.now();
    if (t > this.last) {
      this.tokens = Math.min(this.opts.burst, this.tokens + (t - this.last) / this.intervalMs);
      this.last = t;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return;
    }
    const waitMs = Math.ceil((1 - this.tokens) * this.intervalMs);
    await this.opts.sleep(waitMs);
    this.waitedMs += waitMs;
    // The token that accrued while waiting is this call's; the bucket's time moves on by the wait.
    this.tokens = 0;
    this.last += waitMs;
  }
}

export const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
