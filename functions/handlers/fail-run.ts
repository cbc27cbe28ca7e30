/** Step Functions state handler: thin; the logic is in core/run-lifecycle/fail-run.ts. */
import { type FailRunInput, type FailRunResult, failRun } from '../core/run-lifecycle';
import { lifecycleDeps, logger } from './lifecycle-runtime';

export const handler = async (event: FailRunInput): Promise<FailRunResult> => {
  logger.appendKeys({ step: 'failRun' });
  return failRun(lifecycleDeps(), event);
};
