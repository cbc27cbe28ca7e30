/** Step Functions state handler: thin; the logic is in core/run-lifecycle/check-agents.ts. */
import { checkAgents, type RunContext } from '../core/run-lifecycle';
import { lifecycleDeps, logger } from './lifecycle-runtime';

export const handler = async (event: RunContext): Promise<RunContext> => {
  logger.appendKeys({ step: 'checkAgents' });
  return checkAgents(lifecycleDeps(), event);
};
