/**
 * A local assessment run, the same loop as the cloud's: agent → encrypt → store → read back → decrypt (the
 * context must name this run and instance) → validate → evaluate → findings → report. Only the adapters
 * differ: a raw AES key file instead of KMS, the local run store instead of S3 and DynamoDB.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { collectTelemetry } from '../../../agent/collect';
import { RootFs } from '../../../agent/root-fs';
import { evaluateTelemetry } from '../../core/evaluate';
import type { Exclusion, Finding, InstanceSummary } from '../../core/model';
import type { EvaluationContext, RulesPackage } from '../../core/rule';
import type { AssessmentOutput, RunRecord, RunState } from '../../core/run';
import { NUMERIC_SEVERITY, type Severity } from '../../core/severity';
import { applySuppressions, type SuppressionRule } from '../../core/suppressions';
import {
  decryptTelemetry,
  encryptTelemetry,
  rawAesKeyring,
  TelemetryDecryptError,
  telemetryAddressOf,
} from '../../core/telemetry';
import { loadOrCreateKey } from './key-file';
import { type RecordSpill, RecordSpillError } from './record-spill';
import { LocalRunStore } from './run-store';

export interface LocalAssessmentOptions {
  root: string;
  dataDir: string;
  rulesPackages: readonly RulesPackage[];
  durationSeconds: number;
  context?: EvaluationContext;
  onProgress?: (step: string) => void;
  signal?: AbortSignal;
  /**
   * Telemetry the standalone agent wrote elsewhere (`--out FILE --key-file KEY`), evaluated instead of
   * collecting: its ciphertext and the key it was encrypted with. The run keeps it as it came.
   */
  telemetry?: { ciphertext: Buffer; key: Buffer; source: string };
  /**
   * Suppression rules to mark the findings with, judged at `now` (the evaluation time): matching findings
   * are kept, with `suppression` set.
   */
  suppressions?: { rules: readonly SuppressionRule[]; now: Date };
  /**
   * Where the results and findings go as they are evaluated (record-spill.ts): the output then holds their slim
   * copies, and the caller writes or renders them through the spill (`text`, `full`) and closes it. Without
   * it, every record is held whole in memory.
   */
  spill?: RecordSpill;
}

export interface LocalAssessmentResult {
  output: AssessmentOutput;
  telemetryPath: string;
  runDir: string;
}

export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** A stable id for the assessed host: from its machine-id, else its hostname, else the root path. */
export async function localInstanceId(root: string): Promise<string> {
  const rootFs = new RootFs(root);
  let seed: string | undefined;
  for (const p of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const v = (await fs.readFile(await rootFs.resolve(p), 'utf8')).trim();
      if (/^[0-9a-f]{32}$/i.test(v)) {
        seed = `machine-id:${v.toLowerCase()}`;
        break;
      }
    } catch {
      // try the next source
    }
  }
  if (!seed) seed = rootFs.isHostRoot ? `hostname:${os.hostname()}` : `root:${rootFs.root}`;
  return `local-${createHash('sha256').update(seed).digest('hex').slice(0, 12)}`;
}

export async function runLocalAssessment(opts: LocalAssessmentOptions): Promise<LocalAssessmentResult> {
  const progress = opts.onProgress ?? (() => {});
  const store = new LocalRunStore(opts.dataDir);
  const given = opts.telemetry;
  const keyring = rawAesKeyring(given ? given.key : loadOrCreateKey(opts.dataDir).key);
  const createdAt = new Date();
  const runId = newRunId(createdAt);
  // Given telemetry is read under the run and instance its envelope names (a bad key or a tampered file fails here).
  const address = given ? await telemetryAddressOf(given.ciphertext, keyring) : undefined;
  const instanceId = address?.instanceId ?? (await localInstanceId(opts.root));
  const run: RunRecord = {
    runId,
    name: given ? `local assessment of ${given.source}` : `local assessment of ${opts.root}`,
    state: 'CREATED',
    stateHistory: [],
    createdAt: createdAt.toISOString(),
    durationSeconds: opts.durationSeconds,
    rulesPackages: opts.rulesPackages.map((p) => p.id),
    findingCounts: { High: 0, Medium: 0, Low: 0, Informational: 0 },
    mode: 'local',
    ...(opts.context?.parameters ? { ruleParameters: opts.context.parameters } : {}),
    ...(opts.context?.cis && opts.rulesPackages.some((p) => p.id === 'cis') ? { cis: opts.context.cis } : {}),
  };
  const setState = async (state: RunState) => {
    const at = new Date().toISOString();
    run.state = state;
    run.stateHistory.push({ state, at });
    if (state === 'COLLECTING_DATA') run.startedAt = at;
    await store.putRun(run);
  };
  await setState('CREATED');

  await setState('COLLECTING_DATA');
  let telemetryPath: string;
  try {
    if (given) {
      progress('storing the given telemetry');
      telemetryPath = await store.putTelemetry(runId, instanceId, given.ciphertext);
    } else {
      const doc = await collectTelemetry({
        root: opts.root,
        runId,
        instanceId,
        durationSeconds: opts.durationSeconds,
        // The file system walk (world-writable, unowned, SUID/SGID files) serves the cis package only: a local
        // assessment without it skips the walk; with it, the walk may take up to 20 s to finish (a walk cut
        // short cannot establish an absence).
        walk: opts.rulesPackages.some((p) => p.id === 'cis') ? { maxSeconds: 20 } : false,
        onProgress: progress,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      progress('encrypting telemetry');
      telemetryPath = await store.putTelemetry(runId, instanceId, await encryptTelemetry(doc, keyring));
    }
  } catch (err) {
    await setState('FAILED');
    throw new Error(`data collection failed: ${(err as Error).message}`);
  }
  await setState('DATA_COLLECTED');

  await setState('EVALUATING_RULES');
  progress('evaluating rules');
  const instances: InstanceSummary[] = [];
  const exclusions: Exclusion[] = [];
  const output: AssessmentOutput = { run, instances, results: [], findings: [], exclusions };
  try {
    const telemetry = await decryptTelemetry(
      await store.getTelemetry(runId, instanceId),
      keyring,
      address ?? { runId, instanceId },
    );
    // Each finding is marked with its waiver (if any) before it is kept: a spilled finding is never changed.
    const sup = opts.suppressions;
    const suppress = sup ? (f: Finding) => applySuppressions([f], sup.rules, sup.now)[0]! : (f: Finding) => f;
    const spill = opts.spill;
    const evaluation = await evaluateTelemetry(telemetry, opts.rulesPackages, {
      runId,
      createdAt: new Date().toISOString(),
      ...(opts.context ? { context: opts.context } : {}),
      keep: spill
        ? { result: spill.keepResult, finding: (f) => spill.keepFinding(suppress(f)) }
        : { finding: suppress },
    });
    instances.push(evaluation.instance);
    output.results = evaluation.results;
    output.findings = evaluation.findings;
    exclusions.push(...evaluation.exclusions);
  } catch (err) {
    if (err instanceof RecordSpillError) {
      // Not an exclusion of the host: this machine could not hold the results (a full disk).
      await setState('FAILED').catch(() => {});
      throw err;
    }
    const e = err as Error;
    instances.push({ instanceId, agentStatus: 'UNHEALTHY' });
    exclusions.push({
      instanceId,
      reason: e instanceof TelemetryDecryptError ? 'TELEMETRY_DECRYPT_FAILED' : 'TELEMETRY_INVALID',
      message: e.message,
    });
  }
  for (const f of output.findings) run.findingCounts[f.severity as Severity] += 1;
  // Class first (High … Informational), then the finer value within it (a CVE's CVSS score), then rule id.
  output.findings.sort(
    (a, b) =>
      NUMERIC_SEVERITY[b.severity] - NUMERIC_SEVERITY[a.severity] ||
      b.numericSeverity - a.numericSeverity ||
      a.ruleId.localeCompare(b.ruleId),
  );
  const hasErrors = exclusions.length > 0 || output.results.some((r) => r.result === 'ERROR');
  run.completedAt = new Date().toISOString();
  // The output first (assessment.json, written a piece at a time), then the run record naming the final state:
  // a run whose results could not be written whole (a full disk) ends FAILED, with no assessment.json.
  const state: RunState = hasErrors ? 'COMPLETED_WITH_ERRORS' : 'COMPLETED';
  run.state = state;
  run.stateHistory.push({ state, at: run.completedAt });
  try {
    await store.putOutput(output, opts.spill?.text);
  } catch (err) {
    run.stateHistory.pop();
    delete run.completedAt;
    await setState('FAILED').catch(() => {});
    throw err;
  }
  return { output, telemetryPath, runDir: store.runDir(runId) };
}
