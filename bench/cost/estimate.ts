/**
 * What one assessment run costs at list prices, from the requests counted in a local run. Pure: the
 * counting is done by bench/run-cost.ts (a request meter on the SDK clients and the state machine's events).
 */
import { PRICES, type PriceKey } from './prices';

export interface LambdaUsage {
  /** The function's state (StartRun, EvaluateInstance...). */
  name: string;
  invocations: number;
  /** Configured memory of the deployed function (from the synthesized stack). */
  memoryMiB: number;
  /** Sum of the invocations' durations, each rounded up to 1 ms as Lambda bills. */
  billedMs: number;
}

export interface RunUsage {
  instances: number;
  /** State transitions of the Standard (parent) execution, retries included. */
  standardTransitions: number;
  /** Express child executions the distributed Map started, and their billed GB-seconds. */
  expressExecutions: number;
  expressGbSeconds: number;
  lambda: LambdaUsage[];
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  s3Put: number;
  s3Get: number;
  kms: number;
  sns: number;
  eventBridge: number;
  /** Bytes each instance downloads for the agent (first run of a version, later runs). */
  agentDownloadBytes?: { first: number; later: number };
}

export interface CostLine {
  item: string;
  quantity: number;
  usd: number;
  price: PriceKey;
}

const cost = (key: PriceKey, quantity: number): number => (quantity / PRICES[key].per) * PRICES[key].usd;

export function lambdaGbSeconds(l: LambdaUsage): number {
  return (l.billedMs / 1000) * (l.memoryMiB / 1024);
}

/** Express duration is billed in 64 MB chunks and 100 ms steps; a child uses the 64 MB minimum here. */
export function expressGbSeconds(durationsMs: number[], memoryMb = 64): number {
  return durationsMs.reduce(
    (sum, ms) => sum + (Math.ceil(Math.max(ms, 1) / 100) / 10) * (memoryMb / 1024),
    0,
  );
}

export function estimateRunCost(u: RunUsage): { lines: CostLine[]; totalUsd: number } {
  const lambdaRequests = u.lambda.reduce((s, l) => s + l.invocations, 0);
  const lambdaGbs = u.lambda.reduce((s, l) => s + lambdaGbSeconds(l), 0);
  const lines: CostLine[] = [
    line('Step Functions state transitions (Standard)', u.standardTransitions, 'stepFunctionsTransition'),
    line('Step Functions Express child executions', u.expressExecutions, 'expressRequest'),
    line('Step Functions Express GB-seconds', u.expressGbSeconds, 'expressGbSecond'),
    line('Lambda requests', lambdaRequests, 'lambdaRequest'),
    line('Lambda GB-seconds (arm64)', lambdaGbs, 'lambdaArmGbSecond'),
    line('DynamoDB write request units', u.dynamoWriteUnits, 'dynamoWriteUnit'),
    line('DynamoDB read request units', u.dynamoReadUnits, 'dynamoReadUnit'),
    line('S3 PUT/LIST requests', u.s3Put, 's3Put'),
    line('S3 GET requests', u.s3Get, 's3Get'),
    line('KMS requests', u.kms, 'kmsRequest'),
    line('SNS publish requests', u.sns, 'snsRequest'),
    line('EventBridge events', u.eventBridge, 'eventBridgeEvent'),
  ];
  return { lines, totalUsd: lines.reduce((s, l) => s + l.usd, 0) };
}

/** The agent download through a NAT gateway (no S3 gateway endpoint), first run and later runs. */
export function natDownloadCost(u: RunUsage): { firstUsd: number; laterUsd: number } | undefined {
  if (!u.agentDownloadBytes) return undefined;
  const gb = (bytes: number) => (bytes * u.instances) / 1024 ** 3;
  return {
    firstUsd: cost('natGatewayGb', gb(u.agentDownloadBytes.first)),
    laterUsd: cost('natGatewayGb', gb(u.agentDownloadBytes.later)),
  };
}

function line(item: string, quantity: number, price: PriceKey): CostLine {
  return { item, quantity, usd: cost(price, quantity), price };
}
