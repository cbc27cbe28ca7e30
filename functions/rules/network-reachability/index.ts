/**
 * The Network Reachability rules package: Amazon Inspector Classic's five finding types over the path
 * evaluator's results (functions/core/network/evaluate.ts). Unlike the other packages it is evaluated once
 * per run over the account's EC2 and ELB configuration, not per instance's telemetry; the agent's listening
 * inventory of an instance (InstanceSummary.listeners), when there is one, tells the listener-aware types
 * apart. Rule ids are this project's; finding types, recognized ports and the attributes follow Classic's
 * user guide (awsdocs/amazon-inspector-user-guide, doc_source/inspector_network-reachability.md).
 */
import type { Exclusion, ListeningSummary, RuleResult } from '../../core/model';
import type { NetworkConfig } from '../../core/network/aws-config';
import {
  analyzeNetwork,
  type EvaluatorOptions,
  type NetworkAnalysis,
  type NetworkModel,
  NOT_MODELLED,
} from '../../core/network/evaluate';
import { limitsSentence, type NrInstanceInput, type NrRule } from './common';
import { networkExposure } from './network-exposure';
import { recognizedPortNoAgent } from './recognized-port-no-agent';
import { recognizedPortNoListener } from './recognized-port-no-listener';
import { recognizedPortWithListener } from './recognized-port-with-listener';
import { unrecognizedPortWithListener } from './unrecognized-port-with-listener';

export const NETWORK_REACHABILITY_PACKAGE = {
  id: 'network-reachability',
  name: 'Network Reachability',
  version: '1.0.0',
  description:
    'Security groups, network ACLs, route tables, internet and virtual private gateways, peering connections and internet-facing load balancers analysed for ports reachable from the internet, a peered VPC or a VGW, joined with what listens on them.',
} as const;

export const NETWORK_REACHABILITY_RULES: readonly NrRule[] = [
  recognizedPortWithListener,
  recognizedPortNoListener,
  recognizedPortNoAgent,
  unrecognizedPortWithListener,
  networkExposure,
];

/** Every rule on one instance: one result per thing found, else one PASS / NOT_APPLICABLE per rule. */
export function evaluateInstanceReachability(input: NrInstanceInput): RuleResult[] {
  const out: RuleResult[] = [];
  for (const rule of NETWORK_REACHABILITY_RULES) {
    let outcomes: ReturnType<NrRule['check']>;
    try {
      outcomes = rule.check(input);
    } catch (err) {
      outcomes = [
        {
          result: 'ERROR',
          message: `${rule.id} failed while evaluating: ${(err as Error).message}`,
          evidence: [],
        },
      ];
    }
    for (const o of outcomes) {
      // Every result says what the evaluator does not model (and what it could not resolve).
      const message = o.message.includes(NOT_MODELLED) ? o.message : `${o.message}. ${limitsSentence(input)}`;
      out.push({
        rulesPackage: NETWORK_REACHABILITY_PACKAGE.id,
        ruleId: rule.id,
        instanceId: input.instanceId,
        result: o.result,
        severity: o.severity ?? rule.severity,
        title: rule.title,
        message,
        evidence: o.evidence,
        ...(o.result === 'FAIL' && o.identity ? { identity: o.identity } : {}),
        ...(o.result === 'FAIL'
          ? {
              finding: {
                title: o.findingTitle ?? rule.findingTitle,
                ...(o.attributes ? { attributes: o.attributes } : {}),
              },
            }
          : {}),
      });
    }
  }
  return out;
}

export interface NetworkReachabilityOptions extends EvaluatorOptions {
  /**
   * The listening inventory of an instance: a summary when the instance has agent telemetry, undefined
   * when it has none (no agent). Absent: no instance has an agent (offline evaluation).
   */
  listeners?: (instanceId: string) => ListeningSummary | undefined;
  /** Only these instances (a run's target); default every instance of the configuration. */
  instanceIds?: readonly string[];
}

export interface NetworkReachabilityEvaluation {
  analysis: NetworkAnalysis;
  model: NetworkModel;
  results: RuleResult[];
  exclusions: Exclusion[];
}

/** The package over a whole configuration: results for every instance, exclusions for what is unknown. */
export function evaluateNetworkReachability(
  config: NetworkConfig,
  opts: NetworkReachabilityOptions = {},
): NetworkReachabilityEvaluation {
  const { model, analysis } = analyzeNetwork(config, opts);
  const results: RuleResult[] = [];
  const exclusions: Exclusion[] = [];
  const ids = opts.instanceIds ?? [...analysis.byInstance.keys()];
  for (const instanceId of ids) {
    const interfaces = analysis.byInstance.get(instanceId);
    if (!interfaces) {
      exclusions.push({
        instanceId,
        scope: NETWORK_REACHABILITY_PACKAGE.id,
        reason: 'EVALUATION_ERROR',
        message: `${instanceId} is not in the EC2 configuration (describe-instances): its network paths could not be evaluated`,
      });
      continue;
    }
    const listeners = opts.listeners?.(instanceId);
    results.push(
      ...evaluateInstanceReachability({ instanceId, interfaces, model, ...(listeners ? { listeners } : {}) }),
    );
    // A security group whose rules are unknown can hide an opening: the results stand, and say so here too.
    const unknown = [...new Set(interfaces.flatMap((i) => i.notes))].filter((n) => n.includes('are unknown'));
    if (unknown.length)
      exclusions.push({
        instanceId,
        scope: NETWORK_REACHABILITY_PACKAGE.id,
        reason: 'EVALUATION_ERROR',
        message: `network paths evaluated without part of the configuration: ${unknown.join('; ')}`,
      });
  }
  return { analysis, model, results, exclusions };
}

/** The rules for listings (describe-rules-packages, the report). */
export const NETWORK_REACHABILITY_RULE_LIST = NETWORK_REACHABILITY_RULES.map((r) => ({
  id: r.id,
  title: r.title,
  severity: r.severity,
  description: r.description,
  recommendation: r.recommendation,
}));
