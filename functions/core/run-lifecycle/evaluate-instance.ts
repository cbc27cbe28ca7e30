/**
 * EvaluateInstance: read the instance's encrypted telemetry, decrypt it in memory (the envelope checks the
 * encryption context against the run and instance), validate, run the template's rules packages (with its
 * rule parameters, which StartRun copied to the run record), write the findings (idempotent: deterministic
 * ids) and publish FINDING_REPORTED. Bad telemetry of any kind, and
 * findings the store refuses, are an exclusion for this instance; the run goes on. Storage or KMS outages
 * (throttling, service faults) throw, for the state machine to retry; when the retries are spent, the Map's
 * catch calls recordEvaluationFailure, which turns the error into this instance's exclusion.
 * A stop with SKIP_EVALUATION makes every later evaluation a no-op (SKIPPED): nothing written or published.
 */

import { ResultsTooLargeError } from '../../ports/results-store';
import { TelemetryTooLargeError } from '../../ports/telemetry-store';
import { RUN_LEVEL_PACKAGES } from '../../rules/catalog';
import { evaluateTelemetry } from '../evaluate';
import type { Exclusion, ExclusionReason } from '../model';
import type { RulesPackage } from '../rule';
import { TERMINAL_RUN_STATES } from '../run';
import {
  decryptTelemetry,
  MAX_CIPHERTEXT_BYTES,
  type Telemetry,
  TelemetryDecryptError,
  TelemetryValidationError,
} from '../telemetry';
import type { LifecycleDeps } from './deps';
import {
  EventsNotPublishedError,
  failureCause,
  KeyConfigurationError,
  KeyServiceUnavailableError,
  RunNotFoundError,
} from './errors';
import { findingMessages, publish } from './events';
import type { EvaluateItem } from './model';
import { countWithSuppressed, markSuppressed } from './suppression-state';
import { telemetryMetadata } from './telemetry-metadata';

export interface EvaluateResult {
  runId: string;
  instanceId: string;
  status: 'EVALUATED' | 'EXCLUDED' | 'SKIPPED';
  findings: number;
  reason?: ExclusionReason;
}

export async function evaluateInstance(deps: LifecycleDeps, item: EvaluateItem): Promise<EvaluateResult> {
  const { runId, instanceId } = item;
  const run = await deps.runs.getRun(runId);
  if (!run) throw new RunNotFoundError(`run ${runId} does not exist`);
  const at = deps.now().toISOString();
  if (TERMINAL_RUN_STATES.includes(run.state)) {
    // An evaluation still in flight when the run was ended (execution aborted, FailRun): write nothing.
    deps.log.warn('run already ended: evaluation skipped', { runId, instanceId, state: run.state });
    return { runId, instanceId, status: 'SKIPPED', findings: 0 };
  }
  if (run.stopRequest?.action === 'SKIP_EVALUATION') {
    await deps.runs.updateInstance(runId, instanceId, { evaluation: 'SKIPPED', updatedAt: at });
    deps.log.info('evaluation skipped: the run was stopped with SKIP_EVALUATION', { runId, instanceId });
    return { runId, instanceId, status: 'SKIPPED', findings: 0 };
  }
  const exclude = (reason: ExclusionReason, message: string) =>
    excludeInstance(deps, item, reason, message, at);

  let ciphertext: Uint8Array | undefined;
  try {
    ciphertext = await deps.telemetry.get(runId, instanceId, MAX_CIPHERTEXT_BYTES);
  } catch (err) {
    if (err instanceof TelemetryTooLargeError) return exclude('TELEMETRY_INVALID', err.message);
    throw err;
  }
  if (!ciphertext) return exclude('TELEMETRY_MISSING', 'the agent uploaded no telemetry for this run');

  let telemetry: Telemetry;
  const keys = deps.keyrings.session();
  try {
    telemetry = await decryptTelemetry(ciphertext, keys.keyring, { runId, instanceId });
  } catch (err) {
    // Throttling or a fault of the key service is not the instance's fault: retried, never an exclusion.
    const [transient] = keys.transientErrors();
    if (transient) {
      throw new KeyServiceUnavailableError(
        `the key service could not decrypt the telemetry of ${instanceId} now (${transient.name}: ${transient.message})`,
      );
    }
    // Neither is a key the evaluator may not use (key policy, disabled, pending deletion): say so.
    const [config] = keys.configurationErrors();
    if (config) {
      throw new KeyConfigurationError(
        `the telemetry key cannot be used to decrypt (${config.name}: ${config.message}); check the key's state and policy`,
      );
    }
    if (err instanceof TelemetryValidationError) return exclude('TELEMETRY_INVALID', err.message);
    if (err instanceof TelemetryDecryptError) return exclude('TELEMETRY_DECRYPT_FAILED', err.message);
    throw err;
  }

  let packages: RulesPackage[];
  try {
    // Network reachability runs once per run, in its own state (evaluate-network.ts), not on telemetry.
    packages = await deps.resolveRulesPackages(
      run.rulesPackages.filter((p) => !RUN_LEVEL_PACKAGES.includes(p)),
    );
  } catch (err) {
    return exclude('EVALUATION_ERROR', `rules packages could not be loaded: ${(err as Error).message}`);
  }
  const result = await evaluateTelemetry(telemetry, packages, {
    runId,
    // Stable across retries of this evaluation: the agent's collection end, validated as ISO 8601.
    createdAt: telemetry.collection.finishedAt,
    attributes: run.userAttributes,
    ...(run.ruleParameters || run.cis
      ? {
          context: {
            ...(run.ruleParameters ? { parameters: run.ruleParameters } : {}),
            ...(run.cis ? { cis: run.cis } : {}),
          },
        }
      : {}),
  });
  // Waivers in force now mark what they match (stored marked, counted apart, not announced).
  const findings = await markSuppressed(deps, result.findings, async () => {
    const recorded = await deps.runs.getInstance(runId, instanceId);
    return recorded ? [recorded] : [];
  });
  try {
    await deps.findings.putFindings(findings);
  } catch (err) {
    // A finding the store refuses (too large, invalid) fails the same way on every retry.
    if (isRefusedByStore(err)) {
      return exclude(
        'EVALUATION_ERROR',
        `the findings of this instance could not be stored: ${(err as Error).message}`,
      );
    }
    throw err;
  }
  // Every rule's result, for the full report (ports/results-store.ts). Written before the instance is marked
  // EVALUATED, so a retry rewrites the same object. Results too large to keep are said in the instance item
  // (resultsStored: false) and the full report names the instance; the findings stand.
  let resultsStored = true;
  try {
    await deps.results.put(runId, instanceId, { instance: result.instance, results: result.results });
  } catch (err) {
    if (!(err instanceof ResultsTooLargeError)) throw err;
    resultsStored = false;
    deps.log.warn('results not stored', { runId, instanceId, reason: err.message });
  }
  const { findingCounts: counts, suppressedFindingCounts } = countWithSuppressed(findings);
  // Published before the instance is marked EVALUATED: a retry after a failed publish publishes again (at
  // least once). The stack topic is required: when it keeps refusing, the run fails (see
  // recordEvaluationFailure) rather than completing with findings nobody was told about.
  try {
    await publish(deps, run, 'FINDING_REPORTED', findingMessages(run, findings, at));
  } catch (err) {
    throw new EventsNotPublishedError(
      `FINDING_REPORTED of ${instanceId} could not be published to the run-events topic: ${(err as Error).message}`,
    );
  }
  await deps.runs.updateInstance(runId, instanceId, {
    evaluation: 'EVALUATED',
    findingCounts: counts,
    suppressedFindingCounts,
    resultsStored,
    ...(result.exclusions.length > 0 ? { exclusions: result.exclusions } : {}),
    ...(result.instance.hostname ? { hostname: result.instance.hostname } : {}),
    ...(result.instance.os ? { os: result.instance.os } : {}),
    ...(result.instance.listeners ? { listeners: result.instance.listeners } : {}),
    // ~1 KB whatever the telemetry's size, beside the listeners summary (≤96 KiB): far under 400 KB.
    telemetryMetadata: telemetryMetadata(telemetry, ciphertext.byteLength),
    updatedAt: at,
  });
  deps.log.info('instance evaluated', {
    runId,
    instanceId,
    findings: findings.length,
    suppressed: findings.filter((f) => f.suppression).length,
  });
  return { runId, instanceId, status: 'EVALUATED', findings: findings.length };
}

function isRefusedByStore(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown };
  if (e?.name === 'FindingTooLargeError') return true;
  // DynamoDB's own refusal of an item over 400 KB (should the bounding ever miss one).
  return e?.name === 'ValidationException' && typeof e.message === 'string' && /item size/i.test(e.message);
}

async function excludeInstance(
  deps: LifecycleDeps,
  { runId, instanceId }: EvaluateItem,
  reason: ExclusionReason,
  message: string,
  at: string,
): Promise<EvaluateResult> {
  const exclusion: Exclusion = { instanceId, reason, message };
  const current = await deps.runs.getInstance(runId, instanceId);
  const others = (current?.exclusions ?? []).filter((e) => e.reason !== reason || e.scope !== undefined);
  await deps.runs.updateInstance(runId, instanceId, {
    evaluation: 'EXCLUDED',
    exclusions: [...others, exclusion],
    updatedAt: at,
  });
  deps.log.warn('instance excluded', { runId, instanceId, reason, message });
  return { runId, instanceId, status: 'EXCLUDED', findings: 0, reason };
}

/** The Step Functions error caught by the Evaluate Map when an instance's retries are spent. */
export interface EvaluationFailure {
  Error?: string;
  Cause?: string;
}

/**
 * The Map's catch: an instance whose evaluation still fails after its retries (KMS or DynamoDB down for
 * minutes, the Lambda timing out on it) becomes an EVALUATION_ERROR exclusion, and the run goes on.
 * An instance that was evaluated after all (a timeout after the work was done) is left as it is.
 */
export async function recordEvaluationFailure(
  deps: LifecycleDeps,
  item: EvaluateItem & { failure: EvaluationFailure },
): Promise<EvaluateResult> {
  if (item.failure?.Error === 'EventsNotPublishedError') {
    // The stack's run-events topic is required: a run whose findings cannot be announced fails.
    throw new EventsNotPublishedError(failureCause(item.failure.Cause));
  }
  const current = await deps.runs.getInstance(item.runId, item.instanceId);
  if (current?.evaluation === 'EVALUATED' || current?.evaluation === 'SKIPPED') {
    return {
      runId: item.runId,
      instanceId: item.instanceId,
      status: current.evaluation,
      findings: Object.values(current.findingCounts ?? {}).reduce((a, b) => a + b, 0),
    };
  }
  const error = item.failure?.Error ?? 'States.TaskFailed';
  const cause = failureCause(item.failure?.Cause);
  return excludeInstance(
    deps,
    item,
    'EVALUATION_ERROR',
    `evaluation failed after its retries: ${error}: ${cause}`.slice(0, 2000),
    deps.now().toISOString(),
  );
}
