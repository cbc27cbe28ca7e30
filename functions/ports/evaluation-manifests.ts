import type { EvaluationManifest } from '../core/run-lifecycle/model';

/**
 * The instances a run evaluates, as an S3 object the Evaluate distributed Map reads (ItemReader, a JSON
 * array of instance ids), beside the telemetry: manifests/<runId>/evaluate.json, and the prefix under which
 * the Map writes its results (ResultWriter).
 */
export interface EvaluationManifests {
  /** Writes (or rewrites: a retried PollCommands) the run's manifest; returns where it is. */
  put(runId: string, instanceIds: readonly string[]): Promise<EvaluationManifest>;
  /** Deletes the run's manifests and the Map's results; returns the objects deleted. */
  deleteByRun(runId: string): Promise<number>;
}

/**
 * manifests/<runId>/evaluate.json; the Map's results under manifests/<runId>/evaluate-results (Step Functions
 * writes <prefix>/<map run id>/manifest.json, SUCCEEDED_0.json, FAILED_0.json...).
 */
export const evaluationManifestKey = (runId: string, name = 'evaluate.json'): string =>
  `manifests/${runId}/${name}`;
