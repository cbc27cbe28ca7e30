/**
 * Step Functions state handler: thin; the logic is in core/run-lifecycle/evaluate-instance.ts. The same
 * function serves the Map's catch (RecordEvaluationFailure), whose payload carries the `failure`.
 */
import {
  type EvaluateItem,
  type EvaluateResult,
  type EvaluationFailure,
  evaluateInstance,
  recordEvaluationFailure,
} from '../core/run-lifecycle';
import { lifecycleDeps, logger } from './lifecycle-runtime';

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
