/**
 * Network reachability added to a run's output (the local `assess --ec2-config DIR`): the package evaluated
 * once over the EC2 configuration for the run's instances (each local instance named by its EC2 instance id),
 * with their listening inventories, its results and findings appended, and the exposure chain added to the
 * run's CVE findings. The finding ids and results stay under the run's own instance ids.
 */
import { toFinding } from '../../core/evaluate';
import { boundExclusion, boundResult } from '../../core/finding-limits';
import type { NetworkConfig } from '../../core/network/aws-config';
import type { AssessmentOutput } from '../../core/run';
import { SEVERITIES, type Severity } from '../../core/severity';
import { addExposureChain } from './exposure-chain';
import {
  evaluateNetworkReachability,
  NETWORK_REACHABILITY_PACKAGE,
  NETWORK_REACHABILITY_RULE_LIST,
} from './index';

export function addNetworkReachability(
  output: AssessmentOutput,
  config: NetworkConfig,
  /** Run instance id → EC2 instance id. */
  ec2Ids: ReadonlyMap<string, string>,
): AssessmentOutput {
  const local = new Map([...ec2Ids].map(([runId, ec2]) => [ec2, runId]));
  const listeners = new Map(
    output.instances.map((i) => [ec2Ids.get(i.instanceId) ?? i.instanceId, i.listeners]),
  );
  const evaluation = evaluateNetworkReachability(config, {
    instanceIds: output.instances.map((i) => ec2Ids.get(i.instanceId) ?? i.instanceId),
    // An instance with agent telemetry always has an inventory here, even an empty one: its listeners are known.
    listeners: (id) => listeners.get(id) ?? { services: [], ownersLookedUp: false },
  });
  const createdAt = new Date().toISOString();
  const results = [...output.results];
  const findings = [...output.findings];
  const byId = new Map(output.instances.map((i) => [i.instanceId, i]));
  for (const r0 of evaluation.results) {
    const r = { ...r0, instanceId: local.get(r0.instanceId) ?? r0.instanceId };
    const { identity: _identity, ...stored } = r;
    results.push(boundResult(stored));
    if (r.result === 'FAIL')
      findings.push(
        toFinding(
          r,
          { rules: NETWORK_REACHABILITY_RULE_LIST },
          byId.get(r.instanceId) ?? { instanceId: r.instanceId, agentStatus: 'UNKNOWN' },
          {
            runId: output.run.runId,
            createdAt,
          },
        ),
      );
  }
  const exclusions = [
    ...output.exclusions,
    ...evaluation.exclusions.map((e) =>
      boundExclusion({ ...e, instanceId: local.get(e.instanceId) ?? e.instanceId }),
    ),
  ];
  // The analysis is keyed by EC2 id; the chain looks findings up by the run's ids.
  const analysis = {
    ...evaluation.analysis,
    byInstance: new Map([...evaluation.analysis.byInstance].map(([ec2, v]) => [local.get(ec2) ?? ec2, v])),
  };
  const chained = addExposureChain(findings, output.instances, analysis);
  const findingCounts = Object.fromEntries(
    SEVERITIES.map((s) => [s, chained.filter((f) => f.severity === s).length]),
  ) as Record<Severity, number>;
  const rulesPackages = output.run.rulesPackages.includes(NETWORK_REACHABILITY_PACKAGE.id)
    ? output.run.rulesPackages
    : [...output.run.rulesPackages, NETWORK_REACHABILITY_PACKAGE.id];
  const state =
    output.run.state === 'COMPLETED' && evaluation.exclusions.length > 0
      ? 'COMPLETED_WITH_ERRORS'
      : output.run.state;
  return {
    ...output,
    run: {
      ...output.run,
      rulesPackages,
      findingCounts,
      state,
      stateHistory:
        state === output.run.state
          ? output.run.stateHistory
          : [...output.run.stateHistory, { state, at: createdAt }],
    },
    results,
    findings: chained,
    exclusions,
  };
}
