/**
 * Step Functions state handler: thin; the logic is in core/run-lifecycle/evaluate-instance.ts. The same
 * function serves the Map's catch (RecordEvaluationFailure), whose payload carries the `failure`.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RulesPackage } from '../core/rule';
import {
  type EvaluateItem,
  type EvaluateResult,
  type EvaluationFailure,
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

export const handler = async (
  event: EvaluateItem & { failure?: EvaluationFailure },
): Promise<EvaluateResult> => {
  if (event.failure) {
    logger.appendKeys({ step: 'recordEvaluationFailure' });
    return recordEvaluationFailure(lifecycleDeps(), { ...event, failure: event.failure });
  }
  logger.appendKeys({ step: 'evaluateInstance' });
  return evaluateInstance(lifecycleDeps(), event);
};
