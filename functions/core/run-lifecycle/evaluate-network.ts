/**
 * EvaluateNetwork: the network-reachability package, once per run (not per instance), after the instances'
 * evaluation. It reads the account's EC2 and load balancer configuration (the NetworkConfigSource port: the
 * SDK reader in the Lambda), joins each instance's listening inventory recorded by EvaluateInstance
 * (RunInstance.listeners) when the template also ran the agent, writes the findings to the findings table
 * and publishes FINDING_REPORTED like the other packages, and adds its finding counts and exclusions to each
 * instance of the run, which FinalizeRun sums. Then it adds the exposure chain to the run's CVE findings
 * (chainCveFindings).
 *
 * Idempotent: finding ids are deterministic, and the counts it added last time (networkFindingCounts) are
 * replaced, not added again, when a retry runs it twice. Reading the configuration fails for throttling or a
 * fault: thrown, for the state machine to retry; after the retries its catch calls recordNetworkFailure,
 * which records the failure as an exclusion of every instance (the run goes on without this package).
 */

import { RUN_LEVEL_PACKAGES } from '../../rules/catalog';
import {
  evaluateNetworkReachability,
  NETWORK_REACHABILITY_PACKAGE,
  NETWORK_REACHABILITY_RULE_LIST,
} from '../../rules/network-reachability';
import { addExposureChain, EXPOSURE_CHAIN_SOURCE } from '../../rules/network-reachability/exposure-chain';
import { toFinding } from '../evaluate';
import { boundExclusion } from '../finding-limits';
import type { Exclusion, Finding, InstanceSummary } from '../model';
import type { NetworkConfig } from '../network/aws-config';
import type { NetworkAnalysis } from '../network/evaluate';
import { TERMINAL_RUN_STATES } from '../run';
import type { Severity } from '../severity';
import type { LifecycleDeps } from './deps';
import { EventsNotPublishedError, failureCause, RunNotFoundError } from './errors';
import { findingMessages, type PublishDeps, publish } from './events';
import type { RunInstance } from './model';
import { emptyCounts } from './start-run';
import { countWithSuppressed, markSuppressed } from './suppression-state';

/**
 * What this state needs: the run and findings stores and publishing; not the telemetry, keys or agents
 * (its Lambda carries none of them).
 */
export type NetworkDeps = PublishDeps & Pick<LifecycleDeps, 'findings' | 'suppressions'>;

/** Where the configuration comes from (the SDK reader in the cloud, files or a fake in tests). */
export interface NetworkConfigSource {
  read(): Promise<NetworkConfig>;
}

export interface EvaluateNetworkInput {
  runId: string;
  failure?: { Error?: string; Cause?: string };
}

export interface EvaluateNetworkResult {
  runId: string;
  status: 'EVALUATED' | 'NOT_SELECTED' | 'SKIPPED' | 'FAILED';
  findings: number;
}

const scope = NETWORK_REACHABILITY_PACKAGE.id;

export async function evaluateNetwork(
  deps: NetworkDeps,
  source: NetworkConfigSource,
  { runId }: EvaluateNetworkInput,
): Promise<EvaluateNetworkResult> {
  const run = await deps.runs.getRun(runId);
  if (!run) throw new RunNotFoundError(`run ${runId} does not exist`);
  if (!run.rulesPackages.includes(scope)) return { runId, status: 'NOT_SELECTED', findings: 0 };
  if (TERMINAL_RUN_STATES.includes(run.state) || run.stopRequest?.action === 'SKIP_EVALUATION') {
    deps.log.info('network reachability skipped: the run ended or was stopped', { runId, state: run.state });
    return { runId, status: 'SKIPPED', findings: 0 };
  }
  const at = deps.now().toISOString();
  const instances = await deps.runs.listInstances(runId);
  const config = await source.read();
  // The agent ran when the template chose a package that needs it: an instance it evaluated has an
  // inventory (empty when nothing listened); an instance without telemetry is "no agent" for these rules.
  const agentRan = run.rulesPackages.some((p) => !RUN_LEVEL_PACKAGES.includes(p));
  const byId = new Map(instances.map((i) => [i.instanceId, i]));
  const evaluation = evaluateNetworkReachability(config, {
    instanceIds: instances.map((i) => i.instanceId),
    listeners: (id) => {
      const i = byId.get(id);
      if (!agentRan || i?.evaluation !== 'EVALUATED') return undefined;
      return i.listeners ?? { services: [], ownersLookedUp: false };
    },
  });
  const evaluated: Finding[] = [];
  for (const r of evaluation.results) {
    if (r.result !== 'FAIL') continue;
    const i = byId.get(r.instanceId);
    const summary: InstanceSummary = {
      instanceId: r.instanceId,
      agentStatus: i?.agentHealth === 'HEALTHY' ? 'HEALTHY' : 'UNKNOWN',
      ...(i?.hostname ? { hostname: i.hostname } : {}),
    };
    evaluated.push(
      toFinding(r, { rules: NETWORK_REACHABILITY_RULE_LIST }, summary, {
        runId,
        createdAt: at,
        ...(run.userAttributes ? { attributes: run.userAttributes } : {}),
      }),
    );
  }
  // Waivers in force now mark what they match (suppression-state.ts): stored marked, not announced.
  const findings = await markSuppressed(deps, evaluated, async () => instances);
  await deps.findings.putFindings(findings);
  try {
    await publish(deps, run, 'FINDING_REPORTED', findingMessages(run, findings, at));
  } catch (err) {
    throw new EventsNotPublishedError(
      `FINDING_REPORTED of network reachability could not be published to the run-events topic: ${(err as Error).message}`,
    );
  }
  const chained = await chainCveFindings(deps, runId, instances, agentRan, evaluation.analysis);
  const exclusionsOf = new Map<string, Exclusion[]>();
  for (const e of evaluation.exclusions)
    exclusionsOf.set(e.instanceId, [...(exclusionsOf.get(e.instanceId) ?? []), boundExclusion(e)]);
  const findingsOf = new Map<string, Finding[]>();
  for (const f of findings) {
    const mine = findingsOf.get(f.instanceId);
    if (mine) mine.push(f);
    else findingsOf.set(f.instanceId, [f]);
  }
  for (const i of instances)
    await recordOnInstance(
      deps,
      i,
      countWithSuppressed(findingsOf.get(i.instanceId) ?? []),
      exclusionsOf.get(i.instanceId) ?? [],
      at,
    );
  deps.log.info('network reachability evaluated', { runId, findings: findings.length, chained });
  return { runId, status: 'EVALUATED', findings: findings.length };
}

/**
 * The exposure chain on the run's CVE findings, as the local `assess --ec2-config` adds it (addExposureChain):
 * every CVE finding of an instance the agent evaluated with a listening inventory (RunInstance.listeners, an
 * empty one included; none when the telemetry carried none, as locally) that the analysis covers gets
 * EXPOSURE (None when no listening process of its packages is reachable), EXPOSED_PORTS, PROCESSES and the
 * chain evidence, bounded. Read and rewritten a page at a time (one
 * consistent Query over the run); the chain evidence an earlier attempt added is dropped first, so a retry
 * writes the same findings under the same ids. Returns how many findings were rewritten.
 */
async function chainCveFindings(
  deps: NetworkDeps,
  runId: string,
  instances: readonly RunInstance[],
  agentRan: boolean,
  analysis: NetworkAnalysis,
): Promise<number> {
  if (!agentRan) return 0;
  const summaries = new Map<string, InstanceSummary>();
  for (const i of instances) {
    if (i.evaluation !== 'EVALUATED' || !i.listeners || !analysis.byInstance.has(i.instanceId)) continue;
    summaries.set(i.instanceId, {
      instanceId: i.instanceId,
      agentStatus: i.agentHealth === 'HEALTHY' ? 'HEALTHY' : 'UNKNOWN',
      listeners: i.listeners,
    });
  }
  if (summaries.size === 0) return 0;
  let written = 0;
  for await (const page of deps.findings.pagesByRunPackage(runId, 'cve')) {
    const mine = page
      .filter((f) => summaries.has(f.instanceId))
      .map((f) => ({ ...f, evidence: f.evidence.filter((e) => e.source !== EXPOSURE_CHAIN_SOURCE) }));
    if (mine.length === 0) continue;
    const chained = addExposureChain(mine, [...summaries.values()], analysis);
    await deps.findings.putFindings(chained);
    written += chained.length;
  }
  return written;
}

/** This package's counts and exclusions on one instance, replacing what an earlier attempt wrote. */
async function recordOnInstance(
  deps: NetworkDeps,
  i: RunInstance,
  counts: ReturnType<typeof countWithSuppressed>,
  exclusions: Exclusion[],
  at: string,
): Promise<void> {
  const total = emptyCounts();
  const suppressed = emptyCounts();
  for (const s of Object.keys(total) as Severity[]) {
    total[s] = (i.findingCounts?.[s] ?? 0) - (i.networkFindingCounts?.[s] ?? 0) + counts.findingCounts[s];
    suppressed[s] =
      (i.suppressedFindingCounts?.[s] ?? 0) -
      (i.networkSuppressedCounts?.[s] ?? 0) +
      counts.suppressedFindingCounts[s];
  }
  await deps.runs.updateInstance(i.runId, i.instanceId, {
    findingCounts: total,
    networkFindingCounts: counts.findingCounts,
    suppressedFindingCounts: suppressed,
    networkSuppressedCounts: counts.suppressedFindingCounts,
    exclusions: [...i.exclusions.filter((e) => e.scope !== scope), ...exclusions],
    updatedAt: at,
  });
}

/**
 * The state's catch: the configuration could not be read or evaluated after the retries (permissions,
 * an outage). Every instance gets an exclusion saying so; the other packages' findings stand.
 */
export async function recordNetworkFailure(
  deps: NetworkDeps,
  { runId, failure }: EvaluateNetworkInput,
): Promise<EvaluateNetworkResult> {
  if (failure?.Error === 'EventsNotPublishedError')
    throw new EventsNotPublishedError(failureCause(failure.Cause));
  const run = await deps.runs.getRun(runId);
  if (!run) throw new RunNotFoundError(`run ${runId} does not exist`);
  const at = deps.now().toISOString();
  const message =
    `network reachability could not be evaluated after its retries: ${failure?.Error ?? 'States.TaskFailed'}: ${failureCause(failure?.Cause)}`.slice(
      0,
      2000,
    );
  for (const i of await deps.runs.listInstances(runId)) {
    await recordOnInstance(
      deps,
      i,
      countWithSuppressed([]),
      [{ instanceId: i.instanceId, scope, reason: 'EVALUATION_ERROR', message }],
      at,
    );
  }
  deps.log.warn('network reachability failed', { runId, message });
  return { runId, status: 'FAILED', findings: 0 };
}
