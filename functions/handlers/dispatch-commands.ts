/** Step Functions state handler: thin; the logic is in core/run-lifecycle/dispatch-commands.ts. */
import { dispatchCommands, type RunContext } from '../core/run-lifecycle';
import { lifecycleDeps, logger } from './lifecycle-runtime';

export const handler = async (event: RunContext): Promise<RunContext> => {
  logger.appendKeys({ step: 'dispatchCommands' });
  return dispatchCommands(lifecycleDeps(), event);
};
