/** AgentFleet (DescribeInstanceInformation) and CommandRunner (Send/ListCommandInvocations/Cancel) over SSM. */
import {
  CancelCommandCommand,
  type Command,
  DescribeInstanceInformationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type {
  CommandInvocation,
  CommandRunner,
  CommandStatus,
  SendCommandRequest,
} from '../../ports/command-runner';
import type { AgentFleet, AgentInfo } from '../../ports/fleet';

/** DescribeInstanceInformation accepts up to 50 instance ids per filter. */
const DESCRIBE_BATCH = 50;

export class SsmAgentFleet implements AgentFleet {
  constructor(private readonly ssm: SSMClient) {}

  async describe(instanceIds: readonly string[]): Promise<AgentInfo[]> {
    const out: AgentInfo[] = [];
    for (let i = 0; i < instanceIds.length; i += DESCRIBE_BATCH) {
      const ids = instanceIds.slice(i, i + DESCRIBE_BATCH);
      let NextToken: string | undefined;
      do {
        const page = await this.ssm.send(
          new DescribeInstanceInformationCommand({
            Filters: [{ Key: 'InstanceIds', Values: ids }],
            MaxResults: 50,
            NextToken,
          }),
        );
        for (const info of page.InstanceInformationList ?? []) {
          if (!info.InstanceId) continue;
          const a: AgentInfo = { instanceId: info.InstanceId, pingStatus: info.PingStatus ?? 'Unknown' };
          if (info.PlatformType) a.platformType = info.PlatformType;
          if (info.PlatformName) a.platformName = info.PlatformName;
          if (info.PlatformVersion) a.platformVersion = info.PlatformVersion;
          if (info.AgentVersion) a.agentVersion = info.AgentVersion;
          out.push(a);
        }
        NextToken = page.NextToken;
      } while (NextToken);
    }
    return out;
  }
}

export class SsmCommandRunner implements CommandRunner {
  /**
   * `sender` sends commands; it should make ONE attempt per call (maxAttempts 1): SendCommand is not
   * idempotent, and an SDK retry after SSM accepted the request would start a second agent that Dispatch
   * never records. Dispatch's own retry finds an accepted command by its batch comment instead.
   */
  constructor(
    private readonly ssm: SSMClient,
    private readonly sender: SSMClient = ssm,
  ) {}

  async send(req: SendCommandRequest): Promise<string> {
    const parameters: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(req.parameters)) parameters[k] = [v];
    const out = await this.sender.send(
      new SendCommandCommand({
        DocumentName: req.documentName,
        InstanceIds: [...req.instanceIds],
        Parameters: parameters,
        TimeoutSeconds: req.timeoutSeconds,
        MaxConcurrency: req.maxConcurrency,
        MaxErrors: req.maxErrors,
        Comment: req.comment.slice(0, 100),
        ...(req.output
          ? { OutputS3BucketName: req.output.bucket, OutputS3KeyPrefix: req.output.prefix }
          : {}),
      }),
    );
    const id = out.Command?.CommandId;
    if (!id) throw new Error('SSM SendCommand returned no command id');
    return id;
  }

  async findCommands(query: {
    documentName: string;
    commentPrefix: string;
    invokedAfter: Date;
  }): Promise<string[]> {
    const found: Array<{ id: string; at: number }> = [];
    for await (const c of this.commandsOf(query.documentName, query.invokedAfter)) {
      if (c.CommandId && c.Comment?.startsWith(query.commentPrefix)) {
        found.push({ id: c.CommandId, at: c.RequestedDateTime?.getTime() ?? 0 });
      }
    }
    return found.sort((a, b) => a.at - b.at).map((c) => c.id);
  }

  async commandStatuses(query: {
    documentName: string;
    invokedAfter: Date;
    commandIds: readonly string[];
  }): Promise<CommandStatus[]> {
    const wanted = new Set(query.commandIds);
    const found: CommandStatus[] = [];
    // One listing of the document's recent commands, 50 a page: a 10,000-instance run's 200 commands take
    // 4 calls per poll, not 200. It stops once every wanted command is seen.
    if (wanted.size)
      for await (const c of this.commandsOf(query.documentName, query.invokedAfter)) {
        if (wanted.delete(c.CommandId ?? '')) found.push(c);
        if (!wanted.size) break;
      }
    // A command the listing did not show (SSM's RequestedDateTime before `invokedAfter`: a clock that differs
    // from SSM's by more than the margin) is asked for by its id, one call each, so that it is not taken for
    // running until the deadline. One SSM does not know at all stays absent: polling counts it as running,
    // and the deadline's final reconciliation lists its invocations.
    for (const id of wanted) {
      const page = await this.ssm.send(new ListCommandsCommand({ CommandId: id }));
      const c = page.Commands?.find((x) => x.CommandId === id);
      if (c) found.push(c);
    }
    return found;
  }

  /** ListCommands of the document sent after `invokedAfter`, every page (50 a call). */
  private async *commandsOf(documentName: string, invokedAfter: Date): AsyncGenerator<Command> {
    let NextToken: string | undefined;
    do {
      const page = await this.ssm.send(
        new ListCommandsCommand({
          Filters: [
            { key: 'DocumentName', value: documentName },
            // The API's documented form has no fractional seconds (2021-07-07T00:00:00Z).
            { key: 'InvokedAfter', value: invokedAfter.toISOString().replace(/\.\d{3}Z$/, 'Z') },
          ],
          MaxResults: 50,
          NextToken,
        }),
      );
      yield* page.Commands ?? [];
      NextToken = page.NextToken;
    } while (NextToken);
  }

  async listInvocations(commandId: string): Promise<CommandInvocation[]> {
    const out: CommandInvocation[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.ssm.send(
        new ListCommandInvocationsCommand({ CommandId: commandId, NextToken, MaxResults: 50 }),
      );
      for (const inv of page.CommandInvocations ?? []) {
        if (!inv.InstanceId) continue;
        const c: CommandInvocation = {
          commandId,
          instanceId: inv.InstanceId,
          status: inv.Status ?? 'Pending',
        };
        if (inv.StatusDetails) c.statusDetails = inv.StatusDetails;
        out.push(c);
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  }

  async cancel(commandId: string, instanceIds?: readonly string[]): Promise<void> {
    await this.ssm.send(
      new CancelCommandCommand({
        CommandId: commandId,
        ...(instanceIds ? { InstanceIds: [...instanceIds] } : {}),
      }),
    );
  }
}
