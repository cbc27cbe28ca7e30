/**
 * SDK-level mocks that behave like the services (aws-sdk-client-mock):
 * - EC2 DescribeInstances applies the state and tag filters to a simulated fleet;
 * - SSM DescribeInstanceInformation reports each instance's agent; SendCommand first does what the agent
 *   document does with its artifact (when `agentArtifacts` is set: unknown key exit 12, SHA-256 mismatch
 *   exit 11, an executable of another architecture than the instance's exit 13; on a host whose `glibc` is
 *   older than 2.28 the legacy artifact instead, exit 16 when legacyAgentKey names none), then takes it from
 *   the instance's agent cache (`agentCaches`, by SHA-256) or downloads it: a real HTTP GET of the
 *   pre-signed `agentUrl` / `legacyAgentUrl` Dispatch passed (s3rver), gunzipped and checked against the
 *   SHA-256 (exit 11), recorded in `downloads`; no URL, an HTTP error or an instance whose `download` is
 *   'fail' (no route to S3, an expired URL) ends in exit 17, as the document's agent_fetch does. The same
 *   URL is fetched once for all the instances of its command (they would get the same bytes; each
 *   instance's download is still counted). Then it RUNS THE REAL AGENT
 *   (collectTelemetry on the instance's root, sampling for the command's durationSeconds as the document
 *   passes it to the agent), encrypts with the KMS keyring and uploads to the S3 server;
 *   ListCommands reports each command's command-level status and counts, ListCommandInvocations (paged)
 *   each invocation's status; CancelCommand cancels (the agent stops sampling and
 *   uploads what it has, as on a real cancel's SIGTERM);
 * - KMS GenerateDataKey/Decrypt wrap data keys with real AES-256-GCM and check the encryption context;
 * - SNS Publish/PublishBatch record the events;
 * - Security Hub BatchImportFindings with its limits (1-100 findings and 6 MB a call: InvalidInputException;
 *   240 KB a finding, an ASFF problem (checkAsff), a ProductArn other than the account's default product:
 *   FailedFindings), keeping the latest version of each finding by (ProductArn, Id) as Security Hub does;
 *   `securityHubFindingFailures` fails the next N findings (InternalFailure), `securityHubOutage` makes
 *   every call throw that error;
 * - Lambda Invoke with InvocationType Event queues the event for a registered function (`functions`) and
 *   answers 202, as Lambda does; `deliverInvocations()` runs what is queued (the test decides when, so it
 *   can see a WORK_IN_PROGRESS before the function ran). A function not registered: ResourceNotFoundException.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { getClient, KMS, KmsKeyringNode } from '@aws-crypto/client-node';
import { DescribeInstancesCommand, EC2Client, type Filter, type Instance } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { collectTelemetry } from '../../../agent/collect';
import { entrySize } from '../../../functions/adapters/aws/eventbridge-notifier';
import {
  AGENT_ARTIFACT_PARAMETERS,
  AGENT_COMMAND_PARAMETERS,
  AGENT_LEGACY_ARTIFACT_PARAMETERS,
} from '../../../functions/core/run-lifecycle/agent-command';
import { encryptionContextFor, encryptTelemetry, type Telemetry } from '../../../functions/core/telemetry';
import { ASFF_LIMITS, checkAsff } from '../../../functions/exports/asff';

export const KMS_KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/0b6f4c2e-1111-4a1a-9c3d-5e6f7a8b9c0d';

/** How an instance's agent behaves when the command reaches it. */
export type AgentBehaviour =
  | 'collect' // the real agent on the fixture root
  | 'template' // a pre-collected document re-addressed to this run and instance (fast, for large fleets)
  | 'fail' // the command fails (agent crashed)
  | 'hang' // runs until cancelled; on cancel uploads what it collected
  | 'tamper' // uploads telemetry with flipped ciphertext bytes
  | 'wrong-context'; // uploads telemetry encrypted for another instance

export interface SimInstance {
  instanceId: string;
  tags: Record<string, string>;
  state?: string;
  /** EC2 Architecture (default x86_64). */
  architecture?: string;
  /** SSM agent: absent = no agent registered. */
  agent?: { pingStatus?: string; platformType?: string; platformName?: string };
  behaviour?: AgentBehaviour;
  /** Fixture root the agent reads (behaviour collect/hang/tamper/wrong-context). */
  root?: string;
  /**
   * The agent's file system walk on this instance (world-writable, unowned, SUID/SGID files; the document
   * passes no walk option, so by default the agent's own budget). `false`: no walk, for an instance whose
   * root is this machine's `/` in a scenario whose rules packages read nothing the walk collects (a walk of
   * `/` is seconds of GNU find at every run).
   */
  walk?: false;
  /** glibc version the document's getconf reports (default 2.36); below 2.28 the legacy artifact runs. */
  glibc?: string;
  /** 'fail': every download of the agent fails (no route to S3, an expired URL): exit 17. */
  download?: 'fail';
}

/** An agent artifact as the document sees it: its SHA-256 and the architecture it runs on. */
export interface SimArtifact {
  sha256: string;
  /** An executable runs on one architecture (the document compares uname -m); the bundle on any. */
  runsOn: 'x86_64' | 'arm64' | 'any';
  /** A legacy (glibc 2.17+) artifact: accepted as legacyAgentKey only. */
  legacy?: boolean;
}

export interface SimAgentArtifacts {
  /** The document's default agentKey (and its SHA-256 is the default agentSha256). */
  defaultKey: string;
  byKey: Record<string, SimArtifact>;
}

interface Invocation {
  status: string;
  details?: string;
  /** The agent document's exit code when it refused the artifact (11, 12, 13). */
  exitCode?: number;
  /** The agentKey the invocation ran with. */
  agentKey?: string;
  done: Promise<void>;
  cancel?: () => void;
}

export interface PublishedEvent {
  topicArn: string;
  event: string;
  body: Record<string, unknown>;
}

export class FakeCloud {
  readonly instances = new Map<string, SimInstance>();
  readonly published: PublishedEvent[] = [];
  /** Events accepted on the default EventBridge bus. */
  readonly busEvents: Array<{ source: string; detailType: string; detail: Record<string, unknown> }> = [];
  /** PutEvents calls received (entry counts), to check batching. */
  readonly putEventsCalls: number[] = [];
  /** Entries EventBridge fails (ErrorCode InternalFailure) before accepting more: one per entry. */
  busEntryFailures = 0;
  /** Security Hub's findings by `${ProductArn} ${Id}`, the latest version imported. */
  readonly securityHubFindings = new Map<string, AwsSecurityFinding>();
  /** BatchImportFindings calls received (finding counts). */
  readonly batchImportCalls: number[] = [];
  /** Findings Security Hub fails (ErrorCode InternalFailure) before accepting more: one per finding. */
  securityHubFindingFailures = 0;
  /** Every BatchImportFindings call throws this error (e.g. ServiceUnavailableException, InvalidAccessException). */
  securityHubOutage: string | undefined;
  /** The account whose default product findings may be imported to. */
  securityHubAccount = '111122223333';
  readonly commands = new Map<
    string,
    {
      instanceIds: string[];
      parameters: Record<string, string[]>;
      timeoutSeconds?: number;
      documentName?: string;
      comment?: string;
      requestedAt: Date;
      invocations: Map<string, Invocation>;
    }
  >();
  readonly sendCommandBatches: number[] = [];
  /** SSM read calls received: polling asks for command-level status, invocations only at the end. */
  readonly ssmCalls = { listCommands: 0, listCommandInvocations: 0 };
  /** A pre-collected document used by behaviour 'template'. */
  templateTelemetry?: Telemetry;
  /** The document's artifacts: when set, SendCommand checks agentKey/agentSha256 as the document does. */
  agentArtifacts?: SimAgentArtifacts;
  /** Each instance's agent cache: the SHA-256 of every version it keeps (agent-cache-script.ts). */
  readonly agentCaches = new Map<string, Set<string>>();
  /** Every artifact download an instance made (gzip bytes over the network). */
  readonly downloads: Array<{ instanceId: string; sha256: string; bytes: number }> = [];
  /** One GET per URL (the instances of a command share it). */
  private readonly fetchedUrls = new Map<string, Promise<Buffer>>();
  /**
   * Faults, as the services report them. `topicFaults`: a topic that refuses every PublishBatch with the
   * error named (NotFoundException: deleted topic; a topic whose entries fail with SenderFault: the code
   * after 'entries:', e.g. 'entries:KMSAccessDenied'); a key '<topicArn>#<EVENT>' faults that event only.
   * `throttleTopic`: the next N PublishBatch calls to
   * the topic are throttled. `throttleDecrypt`: the next N KMS Decrypt calls for an instance's telemetry
   * (its encryption context names it) are throttled; Infinity: always.
   */
  readonly topicFaults = new Map<string, string>();
  readonly throttleTopic = new Map<string, number>();
  readonly throttleDecrypt = new Map<string, number>();
  /** KMS Decrypt for an instance's telemetry fails with this error (AccessDeniedException: key policy). */
  readonly decryptErrors = new Map<string, string>();
  /** Every KMS Decrypt call by instance id (from the encryption context). */
  readonly decryptCalls = new Map<string, number>();
  /** Lambda functions by name, for asynchronous invocations (the real handler modules). */
  readonly functions = new Map<string, (event: unknown) => Promise<unknown>>();
  /** Asynchronous invocations accepted and not delivered yet. */
  readonly queuedInvocations: Array<{ functionName: string; event: unknown }> = [];
  private readonly masterKey = randomBytes(32);
  private readonly mocks: Array<{ restore(): void }> = [];
  private readonly s3: S3Client;
  private commandSeq = 0;

  constructor(s3Endpoint: string) {
    this.s3 = new S3Client({ endpoint: s3Endpoint, forcePathStyle: true, region: 'us-east-1' });
  }

  add(...instances: SimInstance[]): this {
    for (const i of instances) this.instances.set(i.instanceId, i);
    return this;
  }

  events(event?: string, runId?: string): PublishedEvent[] {
    return this.published.filter((e) => (!event || e.event === event) && (!runId || e.body.runId === runId));
  }

  /** Every invocation finished (agents uploaded). */
  async settled(): Promise<void> {
    await Promise.all(
      [...this.commands.values()].flatMap((c) => [...c.invocations.values()].map((i) => i.done)),
    );
  }

  install(): this {
    this.mockKms();
    this.mockEc2();
    this.mockSsm();
    this.mockSns();
    this.mockEventBridge();
    this.mockSecurityHub();
    this.mockLambda();
    return this;
  }

  /** Runs the queued asynchronous invocations (and those they queue), in order. */
  async deliverInvocations(): Promise<number> {
    let delivered = 0;
    for (let next = this.queuedInvocations.shift(); next; next = this.queuedInvocations.shift()) {
      await this.functions.get(next.functionName)!(next.event);
      delivered++;
    }
    return delivered;
  }

  // --- Lambda: asynchronous invocations only ---
  private mockLambda(): void {
    const lambda = mockClient(LambdaClient);
    this.mocks.push(lambda);
    lambda
      .on(InvokeCommand)
      .callsFake((input: { FunctionName?: string; InvocationType?: string; Payload?: Uint8Array }) => {
        const name = input.FunctionName ?? '';
        if (!this.functions.has(name)) {
          throw Object.assign(new Error(`Function not found: ${name}`), {
            name: 'ResourceNotFoundException',
          });
        }
        if (input.InvocationType !== 'Event') throw new Error('fake Lambda: only InvocationType Event');
        const event = JSON.parse(new TextDecoder().decode(input.Payload ?? new Uint8Array()));
        this.queuedInvocations.push({ functionName: name, event });
        return { StatusCode: 202 };
      });
  }

  restore(): void {
    for (const m of this.mocks.splice(0)) m.restore();
    this.s3.destroy();
  }

  // --- KMS: data keys wrapped with AES-256-GCM under a master key; the context is the AAD ---
  private aad(keyId: string, context: Record<string, string> | undefined): Buffer {
    const sorted = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
    return Buffer.from(JSON.stringify([keyId, sorted]));
  }

  private mockKms(): void {
    const kms = mockClient(KMSClient);
    this.mocks.push(kms);
    kms
      .on(GenerateDataKeyCommand)
      .callsFake(
        (input: { KeyId?: string; EncryptionContext?: Record<string, string>; NumberOfBytes?: number }) => {
          if (input.KeyId !== KMS_KEY_ARN)
            throw kmsError('NotFoundException', `key ${input.KeyId} does not exist`);
          const plaintext = randomBytes(input.NumberOfBytes ?? 32);
          const iv = randomBytes(12);
          const c = createCipheriv('aes-256-gcm', this.masterKey, iv);
          c.setAAD(this.aad(KMS_KEY_ARN, input.EncryptionContext));
          const ct = Buffer.concat([c.update(plaintext), c.final()]);
          const blob = Buffer.concat([iv, c.getAuthTag(), ct]);
          return {
            KeyId: KMS_KEY_ARN,
            Plaintext: new Uint8Array(plaintext),
            CiphertextBlob: new Uint8Array(blob),
          };
        },
      );
    kms
      .on(DecryptCommand)
      .callsFake(
        (input: {
          KeyId?: string;
          CiphertextBlob?: Uint8Array;
          EncryptionContext?: Record<string, string>;
        }) => {
          const blob = Buffer.from(input.CiphertextBlob ?? new Uint8Array());
          const forInstance = input.EncryptionContext?.['inspector:instance-id'] ?? '';
          this.decryptCalls.set(forInstance, (this.decryptCalls.get(forInstance) ?? 0) + 1);
          if (takeFault(this.throttleDecrypt, forInstance)) {
            throw Object.assign(new Error('Rate exceeded'), {
              name: 'ThrottlingException',
              $fault: 'client',
              $retryable: { throttling: true },
              $metadata: { httpStatusCode: 400 },
            });
          }
          const denied = this.decryptErrors.get(forInstance);
          if (denied) throw kmsError(denied, `${denied}: the caller may not use the key`);
          if (input.KeyId && input.KeyId !== KMS_KEY_ARN)
            throw kmsError('IncorrectKeyException', 'wrong key');
          try {
            const d = createDecipheriv('aes-256-gcm', this.masterKey, blob.subarray(0, 12));
            d.setAuthTag(blob.subarray(12, 28));
            d.setAAD(this.aad(KMS_KEY_ARN, input.EncryptionContext));
            const plaintext = Buffer.concat([d.update(blob.subarray(28)), d.final()]);
            return { KeyId: KMS_KEY_ARN, Plaintext: new Uint8Array(plaintext) };
          } catch {
            throw kmsError(
              'InvalidCiphertextException',
              'the ciphertext or its encryption context is invalid',
            );
          }
        },
      );
  }

  // --- EC2 ---
  private mockEc2(): void {
    const ec2 = mockClient(EC2Client);
    this.mocks.push(ec2);
    ec2.on(DescribeInstancesCommand).callsFake((input: { Filters?: Filter[] }) => {
      const matching = [...this.instances.values()].filter((i) =>
        (input.Filters ?? []).every((f) => matchesFilter(i, f)),
      );
      const Instances: Instance[] = matching.map((i) => ({
        InstanceId: i.instanceId,
        Architecture: (i.architecture ?? 'x86_64') as 'x86_64',
        State: { Name: (i.state ?? 'running') as 'running' },
        PlatformDetails: 'Linux/UNIX',
        Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
      }));
      return { Reservations: [{ Instances }] };
    });
  }

  // --- SSM ---
  private mockSsm(): void {
    const ssm = mockClient(SSMClient);
    this.mocks.push(ssm);
    ssm
      .on(DescribeInstanceInformationCommand)
      .callsFake((input: { Filters?: Array<{ Key?: string; Values?: string[] }> }) => {
        const ids = input.Filters?.find((f) => f.Key === 'InstanceIds')?.Values;
        if (ids && ids.length > 50)
          throw Object.assign(new Error('too many instance ids'), { name: 'InvalidFilterValue' });
        const list = [...this.instances.values()]
          .filter((i) => i.agent && (!ids || ids.includes(i.instanceId)))
          .map((i) => ({
            InstanceId: i.instanceId,
            PingStatus: i.agent?.pingStatus ?? 'Online',
            PlatformType: i.agent?.platformType ?? 'Linux',
            PlatformName: i.agent?.platformName ?? 'Debian GNU/Linux',
            PlatformVersion: '12',
            AgentVersion: '3.3.0.0',
          }));
        return { InstanceInformationList: list };
      });
    ssm
      .on(SendCommandCommand)
      .callsFake(
        (input: {
          InstanceIds?: string[];
          Parameters?: Record<string, string[]>;
          TimeoutSeconds?: number;
          DocumentName?: string;
          Comment?: string;
        }) => {
          const ids = input.InstanceIds ?? [];
          if (ids.length === 0 || ids.length > 50) {
            throw Object.assign(new Error(`SendCommand takes 1-50 instance ids, got ${ids.length}`), {
              name: 'ValidationException',
            });
          }
          this.sendCommandBatches.push(ids.length);
          const commandId = `cmd-${++this.commandSeq}`;
          const parameters = input.Parameters ?? {};
          const invocations = new Map<string, Invocation>();
          for (const id of ids) invocations.set(id, this.runAgent(id, parameters));
          if ((input.Comment ?? '').length > 100) {
            throw Object.assign(new Error('Comment: at most 100 characters'), {
              name: 'ValidationException',
            });
          }
          this.commands.set(commandId, {
            instanceIds: ids,
            parameters,
            requestedAt: new Date(),
            ...(input.DocumentName !== undefined ? { documentName: input.DocumentName } : {}),
            ...(input.Comment !== undefined ? { comment: input.Comment } : {}),
            ...(input.TimeoutSeconds !== undefined ? { timeoutSeconds: input.TimeoutSeconds } : {}),
            invocations,
          });
          return { Command: { CommandId: commandId, InstanceIds: ids, Status: 'Pending' } };
        },
      );
    // ListCommands: one command by CommandId, or the DocumentName and InvokedAfter filters, newest first,
    // pages of MaxResults (at most 50); each command with its command-level status and counts, as SSM reports
    // them (Status, TargetCount, CompletedCount, ErrorCount, DeliveryTimedOutCount).
    ssm
      .on(ListCommandsCommand)
      .callsFake(
        (input: {
          CommandId?: string;
          Filters?: Array<{ key?: string; value?: string }>;
          MaxResults?: number;
          NextToken?: string;
        }) => {
          this.ssmCalls.listCommands++;
          if ((input.MaxResults ?? 50) > 50) {
            throw Object.assign(new Error('MaxResults: at most 50'), { name: 'ValidationException' });
          }
          const filter = (key: string) => input.Filters?.find((f) => f.key === key)?.value;
          const doc = filter('DocumentName');
          const after = filter('InvokedAfter');
          if (input.CommandId && !this.commands.has(input.CommandId)) {
            throw Object.assign(new Error('no such command'), { name: 'InvalidCommandId' });
          }
          const all = [...this.commands.entries()]
            .filter(
              ([id, c]) =>
                (!input.CommandId || id === input.CommandId) &&
                (!doc || c.documentName === doc) &&
                (!after || c.requestedAt >= new Date(after)),
            )
            .reverse();
          const start = Number(input.NextToken ?? 0);
          const size = input.MaxResults ?? 50;
          const page = all.slice(start, start + size);
          return {
            Commands: page.map(([CommandId, c]) => ({
              CommandId,
              DocumentName: c.documentName,
              Comment: c.comment,
              RequestedDateTime: c.requestedAt,
              ...commandLevelStatus([...c.invocations.values()].map((i) => i.status)),
            })),
            ...(start + size < all.length ? { NextToken: String(start + size) } : {}),
          };
        },
      );
    // ListCommandInvocations: pages of MaxResults (at most 50), as SSM.
    ssm
      .on(ListCommandInvocationsCommand)
      .callsFake((input: { CommandId?: string; MaxResults?: number; NextToken?: string }) => {
        this.ssmCalls.listCommandInvocations++;
        const cmd = this.commands.get(input.CommandId ?? '');
        if (!cmd) throw Object.assign(new Error('no such command'), { name: 'InvalidCommandId' });
        const all = [...cmd.invocations.entries()];
        const start = Number(input.NextToken ?? 0);
        const size = Math.min(input.MaxResults ?? 50, 50);
        return {
          CommandInvocations: all.slice(start, start + size).map(([InstanceId, inv]) => ({
            CommandId: input.CommandId,
            InstanceId,
            Status: inv.status as 'Success',
            StatusDetails: inv.details ?? inv.status,
          })),
          ...(start + size < all.length ? { NextToken: String(start + size) } : {}),
        };
      });
    ssm.on(CancelCommandCommand).callsFake((input: { CommandId?: string; InstanceIds?: string[] }) => {
      const cmd = this.commands.get(input.CommandId ?? '');
      if (!cmd) throw Object.assign(new Error('no such command'), { name: 'InvalidCommandId' });
      for (const [id, inv] of cmd.invocations) {
        if (input.InstanceIds && !input.InstanceIds.includes(id)) continue;
        inv.cancel?.();
      }
      return {};
    });
  }

  private runAgent(instanceId: string, parameters: Record<string, string[]>): Invocation {
    const p = (name: string) => parameters[name]?.[0] ?? '';
    const runId = p(AGENT_COMMAND_PARAMETERS.runId);
    const bucket = p(AGENT_COMMAND_PARAMETERS.uploadBucket);
    const prefix = p(AGENT_COMMAND_PARAMETERS.uploadPrefix);
    const keyArn = p(AGENT_COMMAND_PARAMETERS.kmsKeyArn);
    const sim = this.instances.get(instanceId);
    const behaviour = sim?.behaviour ?? 'collect';
    const inv: Invocation = { status: 'InProgress', done: Promise.resolve() };
    const choice = this.checkArtifact(sim, parameters);
    if (choice && 'exitCode' in choice) {
      Object.assign(inv, choice, { status: 'Failed', details: 'Failed' });
      return inv;
    }
    const keyring = new KmsKeyringNode({
      generatorKeyId: keyArn,
      clientProvider: getClient(KMS, { region: 'us-east-1' }),
    });
    const upload = async (body: Uint8Array) => {
      await this.s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${instanceId}.bin`, Body: body }),
      );
    };
    // The agent samples for the command's duration (the document passes it as --duration); a cancel is
    // its SIGTERM: sampling stops, what was collected is uploaded.
    const durationText = p(AGENT_COMMAND_PARAMETERS.durationSeconds);
    const durationSeconds = Number(durationText);
    const stop = new AbortController();
    const collectAndEncrypt = async (addressedTo: string): Promise<Uint8Array> => {
      if (behaviour === 'template' && this.templateTelemetry) {
        // Large fleets: a pre-collected document, no sampling window.
        return encryptTelemetry({ ...this.templateTelemetry, runId, instanceId: addressedTo }, keyring);
      }
      if (!/^\d+$/.test(durationText) || durationSeconds > 86_400) {
        // As the agent's own argument check (agent/main.ts).
        throw new Error(`--duration must be a whole number of seconds from 0 to 86400, got ${durationText}`);
      }
      const doc = await collectTelemetry({
        root: sim?.root ?? '/nonexistent-root',
        runId,
        instanceId: addressedTo,
        durationSeconds,
        signal: stop.signal,
        ...(sim?.walk === false ? { walk: false as const } : {}),
      });
      return encryptTelemetry(doc, keyring);
    };
    // Set before any await (the agent fetch included): a cancel that comes at once is not lost.
    let cancelled = (): void => {};
    const cancelRequested = new Promise<void>((resolve) => {
      cancelled = resolve;
    });
    inv.cancel = () => {
      // As SSM: cancelling an invocation that is already cancelling or has ended changes nothing.
      if (inv.status !== 'InProgress') return;
      inv.status = 'Cancelling';
      stop.abort();
      cancelled();
    };
    const work = async (): Promise<void> => {
      // The document's agent_fetch: the cached version, or a download through the URL.
      const exitCode = choice ? await this.fetchAgent(instanceId, sim, choice) : undefined;
      if (exitCode !== undefined) {
        Object.assign(inv, { exitCode, status: 'Failed', details: 'Failed' });
        return;
      }
      switch (behaviour) {
        case 'fail':
          inv.status = 'Failed';
          inv.details = 'Failed';
          return;
        case 'hang':
          await cancelRequested;
          await upload(await collectAndEncrypt(instanceId));
          inv.status = 'Cancelled';
          inv.details = 'Cancelled';
          return;
        case 'tamper': {
          const body = Buffer.from(await collectAndEncrypt(instanceId));
          body[body.length - 40] = (body[body.length - 40] ?? 0) ^ 0xff;
          await upload(body);
          break;
        }
        case 'wrong-context': {
          const other = [...this.instances.keys()].find((k) => k !== instanceId) ?? 'i-other';
          await upload(await collectAndEncrypt(other));
          break;
        }
        default:
          await upload(await collectAndEncrypt(instanceId));
      }
      const cancelled = inv.status === 'Cancelling';
      inv.status = cancelled ? 'Cancelled' : 'Success';
      inv.details = inv.status;
    };
    inv.done = work().catch((err: Error) => {
      inv.status = 'Failed';
      inv.details = `agent error: ${err.message}`;
    });
    return inv;
  }

  /**
   * The document's artifact checks (infra/constructs/agent-distribution.ts) before any download: the
   * refusal, or the artifact the instance runs (the legacy one on glibc < 2.28); nothing without artifacts.
   */
  private checkArtifact(
    sim: SimInstance | undefined,
    parameters: Record<string, string[]>,
  ): { exitCode: number; agentKey: string } | { agentKey: string; sha256: string; url: string } | undefined {
    const catalogue = this.agentArtifacts;
    if (!catalogue) return undefined;
    const p = (name: string) => parameters[name]?.[0];
    let agentKey = p(AGENT_ARTIFACT_PARAMETERS.key) ?? catalogue.defaultKey;
    let artifact = catalogue.byKey[agentKey];
    let expected = p(AGENT_ARTIFACT_PARAMETERS.sha256) ?? catalogue.byKey[catalogue.defaultKey]?.sha256;
    let url = p(AGENT_ARTIFACT_PARAMETERS.url) ?? '';
    if (!artifact || artifact.legacy) return { exitCode: 12, agentKey };
    if (artifact.runsOn !== 'any' && isOldGlibc(sim?.glibc ?? '2.36')) {
      const legacyKey = p(AGENT_LEGACY_ARTIFACT_PARAMETERS.key);
      if (legacyKey !== undefined) {
        const legacy = catalogue.byKey[legacyKey];
        if (!legacy?.legacy) return { exitCode: 16, agentKey: legacyKey };
        agentKey = legacyKey;
        artifact = legacy;
        expected = p(AGENT_LEGACY_ARTIFACT_PARAMETERS.sha256);
        url = p(AGENT_LEGACY_ARTIFACT_PARAMETERS.url) ?? '';
      }
    }
    const arch = sim?.architecture ?? 'x86_64';
    if (artifact.runsOn !== 'any' && artifact.runsOn !== arch) return { exitCode: 13, agentKey };
    // The document would download it and find another SHA-256 (or find no such file in its cache).
    if (artifact.sha256 !== expected) return { exitCode: 11, agentKey };
    return { agentKey, sha256: artifact.sha256, url };
  }

  /** agent_fetch on the instance: undefined when the agent is in its cache (now), else the exit code. */
  private async fetchAgent(
    instanceId: string,
    sim: SimInstance | undefined,
    want: { sha256: string; url: string },
  ): Promise<number | undefined> {
    const cache = this.agentCaches.get(instanceId) ?? new Set<string>();
    this.agentCaches.set(instanceId, cache);
    if (cache.has(want.sha256)) return undefined;
    if (!want.url || sim?.download === 'fail') return 17;
    let body: Buffer;
    try {
      body = await this.fetchOnce(want.url);
    } catch {
      return 17;
    }
    let plain: Buffer;
    try {
      plain = gunzipSync(body);
    } catch {
      return 11;
    }
    if (createHash('sha256').update(plain).digest('hex') !== want.sha256) return 11;
    cache.add(want.sha256);
    this.downloads.push({ instanceId, sha256: want.sha256, bytes: body.byteLength });
    return undefined;
  }

  private fetchOnce(url: string): Promise<Buffer> {
    let got = this.fetchedUrls.get(url);
    if (!got) {
      got = fetch(url).then(async (res) => {
        if (!res.ok) throw new Error(`GET of the agent artifact: HTTP ${res.status}`);
        return Buffer.from(await res.arrayBuffer());
      });
      this.fetchedUrls.set(url, got);
    }
    return got;
  }

  /** The exit code of an instance's invocation of a command, when the document refused the artifact. */
  exitCode(commandId: string, instanceId: string): number | undefined {
    return this.commands.get(commandId)?.invocations.get(instanceId)?.exitCode;
  }

  // --- EventBridge: PutEvents with its real limits (10 entries a call, 256 KB per entry and per call) ---
  private mockEventBridge(): void {
    const events = mockClient(EventBridgeClient);
    this.mocks.push(events);
    events.on(PutEventsCommand).callsFake((input: { Entries?: PutEventsRequestEntry[] }) => {
      const entries = input.Entries ?? [];
      this.putEventsCalls.push(entries.length);
      const invalid = (message: string) =>
        Object.assign(new Error(message), {
          name: 'ValidationException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      if (entries.length === 0 || entries.length > 10)
        throw invalid(`${entries.length} entries: 1-10 allowed`);
      const sizes = entries.map(entrySize);
      if (sizes.some((n) => n > 256 * 1024)) throw invalid('an entry is over 256 KB');
      if (sizes.reduce((a, b) => a + b, 0) > 256 * 1024) throw invalid('the request is over 256 KB');
      const results = entries.map((e) => {
        if (e.EventBusName !== 'default')
          return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'no such bus' };
        if (this.busEntryFailures > 0) {
          this.busEntryFailures--;
          return { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' };
        }
        this.busEvents.push({
          source: e.Source ?? '',
          detailType: e.DetailType ?? '',
          detail: JSON.parse(e.Detail ?? '{}') as Record<string, unknown>,
        });
        return { EventId: `e-${this.busEvents.length}` };
      });
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    });
  }

  // --- Security Hub: BatchImportFindings with its real limits ---
  private mockSecurityHub(): void {
    const hub = mockClient(SecurityHubClient);
    this.mocks.push(hub);
    hub.on(BatchImportFindingsCommand).callsFake((input: { Findings?: AwsSecurityFinding[] }) => {
      const findings = input.Findings ?? [];
      this.batchImportCalls.push(findings.length);
      if (this.securityHubOutage) {
        const status = this.securityHubOutage === 'InvalidAccessException' ? 401 : 503;
        throw Object.assign(new Error(`fake Security Hub: ${this.securityHubOutage}`), {
          name: this.securityHubOutage,
          $fault: status >= 500 ? 'server' : 'client',
          $metadata: { httpStatusCode: status },
        });
      }
      const invalid = (message: string) =>
        Object.assign(new Error(message), {
          name: 'InvalidInputException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      if (findings.length === 0 || findings.length > ASFF_LIMITS.findingsPerCall)
        throw invalid(`${findings.length} findings: 1-${ASFF_LIMITS.findingsPerCall} allowed`);
      if (Buffer.byteLength(JSON.stringify(findings)) > ASFF_LIMITS.bytesPerCall)
        throw invalid('the request is over 6 MB');
      const product = `arn:aws:securityhub:us-east-1:${this.securityHubAccount}:product/${this.securityHubAccount}/default`;
      const failed: Array<{ Id: string; ErrorCode: string; ErrorMessage: string }> = [];
      for (const f of findings) {
        const id = f.Id ?? '';
        const problems = checkAsff(f);
        if (problems.length > 0)
          failed.push({ Id: id, ErrorCode: 'InvalidInput', ErrorMessage: problems[0]! });
        else if (f.ProductArn !== product || f.AwsAccountId !== this.securityHubAccount)
          failed.push({ Id: id, ErrorCode: 'AccessDeniedException', ErrorMessage: 'not your product' });
        else if (this.securityHubFindingFailures > 0) {
          this.securityHubFindingFailures--;
          failed.push({ Id: id, ErrorCode: 'InternalFailure', ErrorMessage: 'try again' });
        } else this.securityHubFindings.set(`${f.ProductArn} ${id}`, f);
      }
      return {
        SuccessCount: findings.length - failed.length,
        FailedCount: failed.length,
        FailedFindings: failed,
      };
    });
  }

  // --- SNS ---
  private mockSns(): void {
    const sns = mockClient(SNSClient);
    this.mocks.push(sns);
    const record = (topicArn: string, message: string, attrs?: Record<string, { StringValue?: string }>) => {
      const body = JSON.parse(message) as Record<string, unknown>;
      this.published.push({ topicArn, event: attrs?.event?.StringValue ?? String(body.event), body });
    };
    sns
      .on(PublishCommand)
      .callsFake(
        (input: {
          TopicArn?: string;
          Message?: string;
          MessageAttributes?: Record<string, { StringValue?: string }>;
        }) => {
          record(input.TopicArn ?? '', input.Message ?? '{}', input.MessageAttributes);
          return { MessageId: `m-${this.published.length}` };
        },
      );
    sns.on(PublishBatchCommand).callsFake(
      (input: {
        TopicArn?: string;
        PublishBatchRequestEntries?: Array<{
          Id?: string;
          Message?: string;
          MessageAttributes?: Record<string, { StringValue?: string }>;
        }>;
      }) => {
        const entries = input.PublishBatchRequestEntries ?? [];
        const topic = input.TopicArn ?? '';
        if (takeFault(this.throttleTopic, topic)) {
          throw Object.assign(new Error('Rate exceeded'), {
            name: 'ThrottledException',
            $fault: 'client',
            $retryable: { throttling: true },
            $metadata: { httpStatusCode: 400 },
          });
        }
        // A fault for one event only: key '<topicArn>#<EVENT>'.
        const event = entries[0]?.MessageAttributes?.event?.StringValue ?? '';
        const fault = this.topicFaults.get(`${topic}#${event}`) ?? this.topicFaults.get(topic);
        if (fault?.startsWith('entries:')) {
          return {
            Successful: [],
            Failed: entries.map((e) => ({
              Id: e.Id,
              Code: fault.slice('entries:'.length),
              Message: 'the topic key is not usable by the caller',
              SenderFault: true,
            })),
          };
        }
        if (fault) {
          throw Object.assign(new Error(`${fault}: ${topic}`), {
            name: fault,
            $fault: 'client',
            $metadata: { httpStatusCode: 404 },
          });
        }
        if (entries.length > 10)
          throw Object.assign(new Error('too many entries'), { name: 'TooManyEntriesInBatchRequest' });
        for (const e of entries) record(input.TopicArn ?? '', e.Message ?? '{}', e.MessageAttributes);
        return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })), Failed: [] };
      },
    );
  }
}

const TERMINAL = ['Success', 'Cancelled', 'TimedOut', 'Failed'];

/**
 * A command's status and counts from its invocations' statuses, as SSM derives them: InProgress (Cancelling
 * while a cancel is under way) until every invocation is terminal; then Success when all succeeded,
 * otherwise Cancelled, TimedOut or Failed. CompletedCount counts terminal invocations, ErrorCount the Failed
 * and timed out ones (the fake has no delivery timeouts).
 */
function commandLevelStatus(statuses: string[]): {
  Status: 'Pending' | 'InProgress' | 'Success' | 'Cancelled' | 'Failed' | 'TimedOut' | 'Cancelling';
  TargetCount: number;
  CompletedCount: number;
  ErrorCount: number;
  DeliveryTimedOutCount: number;
} {
  const completed = statuses.filter((s) => TERMINAL.includes(s)).length;
  const errors = statuses.filter((s) => s === 'Failed' || s === 'TimedOut').length;
  const Status =
    completed < statuses.length
      ? statuses.includes('Cancelling')
        ? 'Cancelling'
        : statuses.every((s) => s === 'Pending')
          ? 'Pending'
          : 'InProgress'
      : statuses.every((s) => s === 'Success')
        ? 'Success'
        : statuses.includes('Cancelled')
          ? 'Cancelled'
          : statuses.includes('TimedOut')
            ? 'TimedOut'
            : 'Failed';
  return {
    Status,
    TargetCount: statuses.length,
    CompletedCount: completed,
    ErrorCount: errors,
    DeliveryTimedOutCount: 0,
  };
}

/** glibc older than the 2.28 the Node.js 22 executables need (the document's getconf check). */
function isOldGlibc(version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major === 2 && (minor ?? 0) < 28;
}

/** Counts one use of a fault armed for `key`; true while it is armed. */
function takeFault(faults: Map<string, number>, key: string): boolean {
  const left = faults.get(key);
  if (left === undefined || left <= 0) return false;
  faults.set(key, left - 1);
  return true;
}

function kmsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client' });
}

function matchesFilter(i: SimInstance, f: Filter): boolean {
  const values = f.Values ?? [];
  if (f.Name === 'instance-state-name') return values.includes(i.state ?? 'running');
  if (f.Name === 'tag-key') return values.some((k) => k in i.tags);
  if (f.Name?.startsWith('tag:')) {
    const key = f.Name.slice(4);
    return key in i.tags && values.includes(i.tags[key] as string);
  }
  return true;
}

export { encryptionContextFor };
