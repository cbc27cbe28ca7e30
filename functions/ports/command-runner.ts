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

/**
 * A command's status as ListCommands reports it, for the command as a whole (SSM's Command fields, named as
 * SSM names them): what polling needs while agents run, without one ListCommandInvocations call per instance.
 */
export interface CommandStatus {
  CommandId?: string;
  /** Pending, InProgress, Success, Cancelled, Failed, TimedOut, Cancelling. */
  Status?: string;
  TargetCount?: number;
  /** Invocations in a terminal state (Success, Failed, timed out, Cancelled, Terminated, Undeliverable). */
  CompletedCount?: number;
  /** Invocations Failed or Execution Timed Out. */
  ErrorCount?: number;
  DeliveryTimedOutCount?: number;
}

export const TERMINAL_COMMAND_STATUSES = ['Success', 'Cancelled', 'Failed', 'TimedOut'] as const;

/** Every invocation of the command has ended (its status is terminal, or every target completed). */
export function isCommandDone(c: CommandStatus): boolean {
  const targets = c.TargetCount ?? 0;
  return (
    (TERMINAL_COMMAND_STATUSES as readonly string[]).includes(c.Status ?? '') ||
    (targets > 0 && (c.CompletedCount ?? 0) >= targets)
  );
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
  /**
   * The command-level status of `commandIds` (ListCommands: the document's commands sent after
   * `invokedAfter`, a page of 50 a call). A command not listed is absent from the result.
   */
  commandStatuses(query: {
    documentName: string;
    invokedAfter: Date;
    commandIds: readonly string[];
  }): Promise<CommandStatus[]>;
  /** Every invocation of a command (ListCommandInvocations, paginated): the final reconciliation. */
  listInvocations(commandId: string): Promise<CommandInvocation[]>;
  cancel(commandId: string, instanceIds?: readonly string[]): Promise<void>;
}
