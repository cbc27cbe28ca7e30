/** The state machine's executions, as far as the run lifecycle needs to know them. */
export interface Executions {
  /**
   * The status of the run's execution (Step Functions: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED,
   * PENDING_REDRIVE), or NOT_FOUND when it does not exist (or no longer does).
   */
  status(executionName: string): Promise<string>;
}
