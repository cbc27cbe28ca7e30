/** Executions over Step Functions DescribeExecution (the execution ARN from the state machine's). */
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Executions } from '../../ports/executions';

export class SfnExecutions implements Executions {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  /** arn:…:stateMachine:NAME → arn:…:execution:NAME:EXECUTION (standard workflows). */
  executionArn(executionName: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
  }

  async status(executionName: string): Promise<string> {
    try {
      const out = await this.sfn.send(
        new DescribeExecutionCommand({ executionArn: this.executionArn(executionName) }),
      );
      return out.status ?? 'NOT_FOUND';
    } catch (err) {
      // Executions of standard workflows are kept 90 days after they end; an older one is gone.
      if ((err as { name?: string }).name === 'ExecutionDoesNotExist') return 'NOT_FOUND';
      throw err;
    }
  }
}
