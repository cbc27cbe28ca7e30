/** Step Functions state handler: thin; the logic is in core/run-lifecycle/poll-commands.ts. */
import { pollCommands, type RunContext } from '../core/run-lifecycle';
import { lifecycleDeps, logger } from './lifecycle-runtime';

export const handler = async (event: RunContext): Promise<RunContext> => {
  logger.appendKeys({ step: 'pollCommands' });
  return pollCommands(lifecycleDeps(), event);
};
