import { cutText } from '../core/finding-limits';
import type { Finding } from '../core/model';

export interface FindingStore {
  /**
   * Idempotent: a finding id already stored for the run is overwritten with the same content. Checks every
   * finding against the store's item size limit before it writes any: throws FindingTooLargeError, having
   * written nothing of the call, when one is over it.
   */
  putFindings(findings: readonly Finding[]): Promise<void>;
  listByRun(runId: string): Promise<Finding[]>;
  /**
   * The run's findings of one rules package, a page at a time (strongly consistent, memory bounded by one
   * page): for a pass that rewrites them (EvaluateNetwork's exposure chain).
   */
  pagesByRunPackage(runId: string, rulesPackage: string): AsyncIterable<Finding[]>;
  /** Deletes every finding of the run; returns how many were deleted. */
  deleteByRun(runId: string): Promise<number>;
}

export interface FindingTooLargeDetails {
  findingId: string;
  ruleId: string;
  instanceId: string;
  runId: string;
  /** The item's size as the store counts it (bytes). */
  sizeBytes: number;
  /** The most the store holds in one item (bytes). */
  limitBytes: number;
  /** How many findings of the call were over the limit (this one is the first). */
  oversized: number;
  /** How many findings the call held (none of them was written). */
  total: number;
}

/**
 * A finding too large for the store to hold (DynamoDB: 400 KB per item). Thrown by putFindings before it
 * writes anything of the call, so no instance is left half-written; the caller excludes the instance.
 * Findings bounded by the evaluation engine (core/finding-limits.ts) never reach it.
 */
export class FindingTooLargeError extends Error implements FindingTooLargeDetails {
  override readonly name = 'FindingTooLargeError';
  readonly findingId: string;
  readonly ruleId: string;
  readonly instanceId: string;
  readonly runId: string;
  readonly sizeBytes: number;
  readonly limitBytes: number;
  readonly oversized: number;
  readonly total: number;

  constructor(d: FindingTooLargeDetails) {
    const c = (s: string) => cutText(String(s), 256);
    super(
      `finding ${c(d.findingId)} (rule ${c(d.ruleId)}, instance ${c(d.instanceId)}, run ${c(d.runId)}) takes ` +
        `${d.sizeBytes} bytes as a stored item, over the store's limit of ${d.limitBytes} bytes` +
        (d.oversized > 1 ? ` (${d.oversized} of the findings are)` : '') +
        `: none of the ${d.total} findings was written`,
    );
    this.findingId = d.findingId;
    this.ruleId = d.ruleId;
    this.instanceId = d.instanceId;
    this.runId = d.runId;
    this.sizeBytes = d.sizeBytes;
    this.limitBytes = d.limitBytes;
    this.oversized = d.oversized;
    this.total = d.total;
  }
}
