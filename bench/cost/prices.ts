/**
 * List prices (US East, N. Virginia; on-demand, no free tier applied) of what one assessment run uses.
 * Each price names the public pricing page it comes from and the day it was read; update both together.
 * The cost script multiplies these by the requests counted in an actual local run (bench/run-cost.ts).
 */
export interface Price {
  /** US dollars per `per` units of `unit`. */
  usd: number;
  per: number;
  unit: string;
  source: string;
}

const CHECKED = '2026-12-02';

export const PRICES = {
  stepFunctionsTransition: {
    usd: 0.025,
    per: 1_000,
    unit: 'Standard state transitions',
    source: `https://aws.amazon.com/step-functions/pricing/ (${CHECKED})`,
  },
  expressRequest: {
    usd: 1.0,
    per: 1_000_000,
    unit: 'Express workflow requests (child executions)',
    source: `https://aws.amazon.com/step-functions/pricing/ (${CHECKED})`,
  },
  expressGbSecond: {
    usd: 0.00001667,
    per: 1,
    unit: 'Express GB-seconds (64 MB chunks, 100 ms steps)',
    source: `https://aws.amazon.com/step-functions/pricing/ (${CHECKED})`,
  },
  lambdaRequest: {
    usd: 0.2,
    per: 1_000_000,
    unit: 'Lambda requests',
    source: `https://aws.amazon.com/lambda/pricing/ (${CHECKED})`,
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 1,
    unit: 'Lambda GB-seconds, Arm (the stack deploys arm64 functions)',
    source: `https://aws.amazon.com/lambda/pricing/ (${CHECKED})`,
  },
  dynamoWriteUnit: {
    usd: 0.625,
    per: 1_000_000,
    unit: 'DynamoDB on-demand write request units',
    source: `https://aws.amazon.com/dynamodb/pricing/on-demand/ (${CHECKED})`,
  },
  dynamoReadUnit: {
    usd: 0.125,
    per: 1_000_000,
    unit: 'DynamoDB on-demand read request units',
    source: `https://aws.amazon.com/dynamodb/pricing/on-demand/ (${CHECKED})`,
  },
  s3Put: {
    usd: 0.005,
    per: 1_000,
    unit: 'S3 Standard PUT, COPY, POST, LIST requests',
    source: `https://aws.amazon.com/s3/pricing/ (${CHECKED})`,
  },
  s3Get: {
    usd: 0.0004,
    per: 1_000,
    unit: 'S3 Standard GET and other requests',
    source: `https://aws.amazon.com/s3/pricing/ (${CHECKED})`,
  },
  kmsRequest: {
    usd: 0.03,
    per: 10_000,
    unit: 'KMS symmetric key requests',
    source: `https://aws.amazon.com/kms/pricing/ (${CHECKED})`,
  },
  snsRequest: {
    usd: 0.5,
    per: 1_000_000,
    unit: 'SNS publish requests (each 64 KB chunk of a message counts as one)',
    source: `https://aws.amazon.com/sns/pricing/ (${CHECKED})`,
  },
  eventBridgeEvent: {
    usd: 1.0,
    per: 1_000_000,
    unit: 'EventBridge custom events put on the default bus (64 KB chunks)',
    source: `https://aws.amazon.com/eventbridge/pricing/ (${CHECKED})`,
  },
  natGatewayGb: {
    usd: 0.045,
    per: 1,
    unit: 'NAT gateway data processed, GB (an agent download without an S3 gateway endpoint)',
    source: `https://aws.amazon.com/vpc/pricing/ (${CHECKED})`,
  },
} as const satisfies Record<string, Price>;

export type PriceKey = keyof typeof PRICES;
