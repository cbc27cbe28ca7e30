export interface SendCommandRequest {
  documentName: string;
  instanceIds: readonly string[];
  parameters: Record<string, string>;
  timeoutSeconds: number;
  maxConcurrency: string;
  maxErrors: string;
  comment: string;
  output?: { bucket: string; prefix: string };
}

/** SSM invocation statuses (Pending, InProgress, Delayed, Success, Cancelled, TimedOut, Failed, Cancelling). */
export interface CommandInvocation {
  commandId: string;
  instanceId: string;
  status: string;
  statusDetails?: string;
}

export const TERMINAL_INVOCATION_STATUSES = ['Success', 'Cancelled', 'TimedOut', 'Failed'] as const;

export function isTerminalInvocation(status: string): boolean {
  return (TERMINAL_INVOCATION_STATUSES as readonly string[]).includes(status);
}

/** SSM Run Command. */
export interface CommandRunner {
  send(req: SendCommandRequest): Promise<string>;
  /**
   * The ids of the commands of `documentName` sent after `invokedAfter` whose comment starts with
   * `commentPrefix`, oldest first (SendCommand takes no client token: this is how a retry finds what an
   * earlier attempt sent).
   */
  findCommands(query: { documentName: string; commentPrefix: string; invokedAfter: Date }): Promise<string[]>;
  listInvocations(commandId: string): Promise<CommandInvocation[]>;
  cancel(commandId: string, instanceIds?: readonly string[]): Promise<void>;
}
