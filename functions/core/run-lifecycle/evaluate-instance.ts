/**
 * EvaluateInstance: read the instance's encrypted telemetry, decrypt it in memory (the envelope checks the
 * encryption context against the run and instance), validate, run the template's rules packages, write the
 * findings (idempotent: deterministic ids) and publish FINDING_REPORTED. Bad telemetry of any kind is an
 * exclusion for this instance; the run goes on. Storage or KMS outages throw, for the state machine to retry.
 */

import { TelemetryTooLargeError } from '../../ports/telemetry-store';
import { evaluateTelemetry } from '../evaluate';
import type { Exclusion, ExclusionReason } from '../model';
import type { RulesPackage } from '../rule';
import {
  decryptTelemetry,
  MAX_CIPHERTEXT_BYTES,
  type Telemetry,
  TelemetryDecryptError,
  TelemetryValidationError,
} from '../telemetry';
import type { LifecycleDeps } from './deps';
import { RunNotFoundError } from './errors';
import { findingMessages, publish } from './events';
import type { EvaluateItem } from './model';
import { emptyCounts } from './start-run';

export interface EvaluateResult {
  runId: string;
  instanceId: string;
  status: 'EVALUATED' | 'EXCLUDED';
  findings: number;
  reason?: ExclusionReason;
}

export async function evaluateInstance(deps: LifecycleDeps, item: EvaluateItem): Promise<EvaluateResult> {
  const { runId, instanceId } = item;
  const run = await deps.runs.getRun(runId);
  if (!run) throw new RunNotFoundError(`run ${runId} does not exist`);
  const at = deps.now().toISOString();

  const exclude = async (reason: ExclusionReason, message: string): Promise<EvaluateResult> => {
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
  };

  let ciphertext: Uint8Array | undefined;
  try {
    ciphertext = await deps.telemetry.get(runId, instanceId, MAX_CIPHERTEXT_BYTES);
  } catch (err) {
    if (err instanceof TelemetryTooLargeError) return exclude('TELEMETRY_INVALID', err.message);
    throw err;
  }
  if (!ciphertext) return exclude('TELEMETRY_MISSING', 'the agent uploaded no telemetry for this run');

  let telemetry: Telemetry;
  try {
    telemetry = await decryptTelemetry(ciphertext, deps.keyrings.keyring(), { runId, instanceId });
  } catch (err) {
    if (err instanceof TelemetryValidationError) return exclude('TELEMETRY_INVALID', err.message);
    if (err instanceof TelemetryDecryptError) return exclude('TELEMETRY_DECRYPT_FAILED', err.message);
    throw err;
  }

  let packages: RulesPackage[];
  try {
    packages = await deps.resolveRulesPackages(run.rulesPackages);
  } catch (err) {
    return exclude('EVALUATION_ERROR', `rules packages could not be loaded: ${(err as Error).message}`);
  }
  const result = await evaluateTelemetry(telemetry, packages, {
    runId,
    // Stable across retries of this evaluation: the agent's collection end, validated as ISO 8601.
    createdAt: telemetry.collection.finishedAt,
    attributes: run.userAttributes,
  });
  await deps.findings.putFindings(result.findings);
  const counts = emptyCounts();
  for (const f of result.findings) counts[f.severity]++;
  await deps.runs.updateInstance(runId, instanceId, {
    evaluation: 'EVALUATED',
    findingCounts: counts,
    ...(result.exclusions.length > 0 ? { exclusions: result.exclusions } : {}),
    ...(result.instance.hostname ? { hostname: result.instance.hostname } : {}),
    ...(result.instance.os ? { os: result.instance.os } : {}),
    updatedAt: at,
  });
  await publish(deps, run, 'FINDING_REPORTED', findingMessages(run, result.findings, at));
  deps.log.info('instance evaluated', { runId, instanceId, findings: result.findings.length });
  return { runId, instanceId, status: 'EVALUATED', findings: result.findings.length };
}
