/**
 * Step Functions state handler (EvaluateNetwork): thin; the logic is in core/run-lifecycle/evaluate-network.ts.
 * The configuration is read with the SDK (adapters/aws/ec2-network-config.ts), with this Lambda's read-only
 * role (ec2:Describe*, ec2:GetManagedPrefixListEntries, elasticloadbalancing:Describe*). The same function
 * serves the state's catch (RecordNetworkFailure), whose payload carries the `failure`.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsClientConfig } from '../adapters/aws/client-config';
import { readNetworkConfig } from '../adapters/aws/ec2-network-config';
import { networkDepsFromEnv } from '../adapters/aws/network-deps';
import type { LifecycleLog } from '../core/run-lifecycle/deps';
import {
  type EvaluateNetworkInput,
  type EvaluateNetworkResult,
  evaluateNetwork,
  type NetworkConfigSource,
  type NetworkDeps,
  recordNetworkFailure,
} from '../core/run-lifecycle/evaluate-network';

/** Its own logger and dependencies (not lifecycle-runtime's): the bundle stays free of what it does not use. */
export const logger = new Logger({ serviceName: 'inspector-run-lifecycle' });
const log: LifecycleLog = {
  info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
  warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
  error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
};
let deps: NetworkDeps | undefined;
let source: NetworkConfigSource | undefined;
const networkDeps = () => (deps ??= networkDepsFromEnv(log));

/** Replaces where the configuration comes from (a local harness); undefined restores the SDK reader. */
export function configureNetworkSource(s: NetworkConfigSource | undefined): void {
  source = s;
}

function sdkSource(): NetworkConfigSource {
  const clients = {
    ec2: new EC2Client(awsClientConfig()),
    elbv2: new ElasticLoadBalancingV2Client(awsClientConfig()),
    elb: new ElasticLoadBalancingClient(awsClientConfig()),
  };
  return { read: () => readNetworkConfig(clients) };
}

export const handler = async (event: EvaluateNetworkInput): Promise<EvaluateNetworkResult> => {
  if (event.failure) {
    logger.appendKeys({ step: 'recordNetworkFailure' });
    return recordNetworkFailure(networkDeps(), event);
  }
  logger.appendKeys({ step: 'evaluateNetwork' });
  source ??= sdkSource();
  return evaluateNetwork(networkDeps(), source, event);
};
