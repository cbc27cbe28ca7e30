/**
 * Every rule's result on one instance of a deployed run (what a full report lists), written by
 * EvaluateInstance as one gzip-compressed JSON object per instance: results/<runId>/<instanceId>.json.gz in
 * the telemetry bucket. Not under telemetry/: agents may write there (their upload prefix), and must not be
 * able to forge another instance's results. The bucket's expiry rule (telemetry retention) applies; deleting
 * a run deletes them.
 */
import type { InstanceSummary, RuleResult } from '../core/model';

export interface StoredInstanceResults {
  instance: InstanceSummary;
  results: RuleResult[];
}

export interface ResultsStore {
  put(runId: string, instanceId: string, stored: StoredInstanceResults): Promise<void>;
  /** Undefined when the instance has no stored results (excluded, or evaluated before results were kept). */
  get(runId: string, instanceId: string): Promise<StoredInstanceResults | undefined>;
  deleteByRun(runId: string): Promise<number>;
}

export function resultsPrefix(runId: string): string {
  return `results/${runId}/`;
}

export function resultsKey(runId: string, instanceId: string): string {
  return `${resultsPrefix(runId)}${instanceId}.json.gz`;
}

/**
 * Compressed bytes one instance's results may take. Results are already bounded per rule
 * (finding-limits.ts); a host with every package of every rules package is a few MB of JSON, ~10x smaller
 * compressed. Over this, the store refuses (EvaluateInstance then records the instance without results).
 */
export const MAX_RESULTS_OBJECT_BYTES = 32 * 1024 * 1024;

export class ResultsTooLargeError extends Error {
  override readonly name = 'ResultsTooLargeError';
}
