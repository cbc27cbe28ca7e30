import type { Finding } from '../core/model';

export interface FindingStore {
  /** Idempotent: a finding id already stored for the run is overwritten with the same content. */
  putFindings(findings: readonly Finding[]): Promise<void>;
  listByRun(runId: string): Promise<Finding[]>;
  /** Deletes every finding of the run; returns how many were deleted. */
  deleteByRun(runId: string): Promise<number>;
}
