/** Step Functions state handler: thin; the logic is in core/run-lifecycle/start-run.ts. */
import { type RunContext, type StartRunInput, startRun } from '../core/run-lifecycle';
import { lifecycleDeps, logger } from './lifecycle-runtime';

export const handler = async (event: StartRunInput): Promise<RunContext> => {
  logger.appendKeys({ step: 'startRun' });
  return startRun(lifecycleDeps(), event);
};
