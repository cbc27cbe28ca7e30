/**
 * Step Functions state handler: thin; the logic is in core/run-lifecycle/evaluate-batch.ts (a batch of the
 * Evaluate distributed Map: `{Items, BatchInput}`) and evaluate-instance.ts (one instance `{runId,
 * instanceId}`; with a `failure`, the failure recorded as its exclusion).
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RulesPackage } from '../core/rule';
import {
  type BatchResult,
  type EvaluateBatch,
  type EvaluateItem,
  type EvaluateResult,
  type EvaluationFailure,
  evaluateBatch,
  evaluateInstance,
  recordEvaluationFailure,
} from '../core/run-lifecycle';
import { CIS_SIDE_BUNDLE } from '../rules/cis/data';
import { enableCisPackage } from './evaluation-runtime';
import { lifecycleDeps, logger } from './lifecycle-runtime';

/**
 * The cis package is evaluated here only, loaded on first use. In the Lambda its code is a file of its own
 * beside index.js (CIS_SIDE_BUNDLE, with its data), so index.js stays small; from the sources (tests, local
 * harness) it is the module itself, imported by a URL esbuild leaves alone.
 */
async function loadCisPackage(): Promise<RulesPackage> {
  const bundled = typeof __dirname === 'string' ? path.join(__dirname, CIS_SIDE_BUNDLE) : undefined;
  if (bundled && existsSync(bundled)) return (require(bundled) as { cisPackage: RulesPackage }).cisPackage;
  const source = new URL('../rules/cis/index.ts', import.meta.url).href;
  return ((await import(source)) as { cisPackage: RulesPackage }).cisPackage;
}
enableCisPackage(loadCisPackage);

/** Time kept back from the Lambda's remaining time to record the batch's last outcomes. */
const BATCH_MARGIN_MS = 30_000;

export const handler = async (
  event: EvaluateBatch | (EvaluateItem & { failure?: EvaluationFailure }),
  context?: { getRemainingTimeInMillis?: () => number },
): Promise<EvaluateResult | BatchResult> => {
  if ('Items' in event) {
    logger.appendKeys({ step: 'evaluateInstances' });
    const remaining = context?.getRemainingTimeInMillis?.();
    return evaluateBatch(
      lifecycleDeps(),
      event,
      remaining === undefined ? {} : { deadline: Date.now() + remaining - BATCH_MARGIN_MS },
    );
  }
  if (event.failure) {
    logger.appendKeys({ step: 'recordEvaluationFailure' });
    return recordEvaluationFailure(lifecycleDeps(), { ...event, failure: event.failure });
  }
  logger.appendKeys({ step: 'evaluateInstance' });
  return evaluateInstance(lifecycleDeps(), event);
};
