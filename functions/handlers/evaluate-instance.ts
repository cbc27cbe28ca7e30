/** Step Functions state handler: thin; the logic is in core/run-lifecycle/evaluate-instance.ts. */
import { type EvaluateItem, type EvaluateResult, evaluateInstance } from '../core/run-lifecycle';
import { lifecycleDeps, logger } from './lifecycle-runtime';

export const handler = async (event: EvaluateItem): Promise<EvaluateResult> => {
  logger.appendKeys({ step: 'evaluateInstance' });
  return evaluateInstance(lifecycleDeps(), event);
};
