/** The cost model of bench/run-cost.ts: list prices times counted requests, rounding as the services bill. */
import { describe, expect, it } from 'vitest';
import {
  estimateRunCost,
  expressGbSeconds,
  lambdaGbSeconds,
  natDownloadCost,
  type RunUsage,
} from '../../../bench/cost/estimate';
import { PRICES } from '../../../bench/cost/prices';

const usage: RunUsage = {
  instances: 1000,
  standardTransitions: 40_000,
  expressExecutions: 40,
  expressGbSeconds: 2,
  lambda: [{ name: 'EvaluateInstance', invocations: 40, memoryMiB: 1024, billedMs: 100_000 }],
  dynamoWriteUnits: 2_000_000,
  dynamoReadUnits: 4_000_000,
  s3Put: 2_000,
  s3Get: 10_000,
  kms: 20_000,
  sns: 1_000_000,
  eventBridge: 1_000_000,
  agentDownloadBytes: { first: 40 * 1024 ** 2, later: 0 },
};

describe('run cost estimate', () => {
  it('prices each counted quantity at its list price', () => {
    const { lines, totalUsd } = estimateRunCost(usage);
    const usd = (item: string) => lines.find((l) => l.item.startsWith(item))?.usd;
    expect(usd('Step Functions state transitions')).toBeCloseTo(1.0, 10); // 40,000 × $0.025/1,000
    expect(usd('Lambda GB-seconds')).toBeCloseTo(100 * PRICES.lambdaArmGbSecond.usd, 10);
    expect(usd('DynamoDB write')).toBeCloseTo(1.25, 10);
    expect(usd('DynamoDB read')).toBeCloseTo(0.5, 10);
    expect(usd('S3 PUT')).toBeCloseTo(0.01, 10);
    expect(usd('KMS')).toBeCloseTo(0.06, 10);
    expect(usd('SNS')).toBeCloseTo(0.5, 10);
    expect(usd('EventBridge')).toBeCloseTo(1.0, 10);
    expect(totalUsd).toBeCloseTo(
      lines.reduce((s, l) => s + l.usd, 0),
      10,
    );
  });

  it('bills Lambda by memory and Express in 100 ms steps of 64 MB', () => {
    expect(lambdaGbSeconds({ name: 'x', invocations: 1, memoryMiB: 512, billedMs: 2000 })).toBe(1);
    // 1 ms and 100 ms are one step each, 101 ms two.
    expect(expressGbSeconds([1, 100, 101])).toBeCloseTo((0.1 + 0.1 + 0.2) * (64 / 1024), 12);
  });

  it('prices the agent download through a NAT gateway per GB', () => {
    const nat = natDownloadCost(usage);
    expect(nat?.firstUsd).toBeCloseTo((40_000 / 1024) * PRICES.natGatewayGb.usd, 10);
    expect(nat?.laterUsd).toBe(0);
  });
});
