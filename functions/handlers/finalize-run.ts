/** Step Functions state handler: thin; the logic is in core/run-lifecycle/finalize-run.ts. */
import { type FinalizeResult, finalizeRun, type RunContext } from '../core/run-lifecycle';
import { lifecycleDeps, logger } from './lifecycle-runtime';

export const handler = async (event: RunContext): Promise<FinalizeResult> => {
  logger.appendKeys({ step: 'finalizeRun' });
  return finalizeRun(lifecycleDeps(), event);
};
