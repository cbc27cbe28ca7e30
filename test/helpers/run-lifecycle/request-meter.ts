/**
 * Counts the AWS requests a local run makes, per service and operation, by wrapping `send` on the SDK client
 * classes (after FakeCloud's mocks, so mocked and real-server calls are counted alike). DynamoDB requests
 * also ask for their consumed capacity (ReturnConsumedCapacity TOTAL; DynamoDB Local reports it, indexes
 * included), so write and read request units are counted as on-demand tables bill them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Send = (command: { input?: unknown; constructor: { name: string } }, ...rest: unknown[]) => unknown;
interface ClientClass {
  name: string;
  prototype: { send: Send };
}

const CLIENTS: Array<[string, ClientClass]> = [
  ['DynamoDB', DynamoDBClient as unknown as ClientClass],
  ['DynamoDB', DynamoDBDocumentClient as unknown as ClientClass],
  ['EC2', EC2Client as unknown as ClientClass],
  ['EventBridge', EventBridgeClient as unknown as ClientClass],
  ['KMS', KMSClient as unknown as ClientClass],
  ['Lambda', LambdaClient as unknown as ClientClass],
  ['S3', S3Client as unknown as ClientClass],
  ['SecurityHub', SecurityHubClient as unknown as ClientClass],
  ['SNS', SNSClient as unknown as ClientClass],
  ['SSM', SSMClient as unknown as ClientClass],
];

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

const DYNAMO_WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'Put',
  'Update',
  'Delete',
  'BatchWrite',
  'TransactWrite',
]);

/** `PutItemCommand` → `PutItem`; lib-dynamodb's `PutCommand` → `Put`. */
function operationOf(command: { constructor: { name: string } }): string {
  return command.constructor.name.replace(/Command$/, '');
}

export class RequestMeter {
  /** Requests by `Service.Operation`. */
  readonly requests = new Map<string, number>();
  dynamoWriteUnits = 0;
  dynamoReadUnits = 0;
  /** Entries in SNS PublishBatch and EventBridge PutEvents calls (each is billed). */
  snsMessages = 0;
  eventBridgeEntries = 0;
  private readonly restores: Array<() => void> = [];

  install(): this {
    for (const [service, cls] of CLIENTS) {
      const proto = cls.prototype;
      const had = Object.hasOwn(proto, 'send');
      const original = proto.send;
      const meter = this;
      proto.send = function metered(this: unknown, command, ...rest) {
        const op = operationOf(command);
        meter.count(service, op, command.input);
        if (service === 'DynamoDB' && command.input && typeof command.input === 'object') {
          const input = command.input as { ReturnConsumedCapacity?: string };
          input.ReturnConsumedCapacity ??= 'TOTAL';
          const out = original.call(this, command, ...rest) as Promise<{ ConsumedCapacity?: unknown }>;
          return out.then((res) => {
            meter.addCapacity(op, res?.ConsumedCapacity);
            return res;
          });
        }
        return original.call(this, command, ...rest);
      };
      this.restores.push(() => {
        if (had) proto.send = original;
        else delete (proto as { send?: Send }).send;
      });
    }
    return this;
  }

  restore(): void {
    for (const r of this.restores.splice(0).reverse()) r();
  }

  count(service: string, operation: string, input: unknown): void {
    const key = `${service}.${operation}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const i = (input ?? {}) as { PublishBatchRequestEntries?: unknown[]; Entries?: unknown[] };
    if (key === 'SNS.Publish') this.snsMessages++;
    if (key === 'SNS.PublishBatch') this.snsMessages += i.PublishBatchRequestEntries?.length ?? 0;
    if (key === 'EventBridge.PutEvents') this.eventBridgeEntries += i.Entries?.length ?? 0;
  }

  /** Requests of one service, optionally of some operations only. */
  total(service: string, operations?: string[]): number {
    let n = 0;
    for (const [key, v] of this.requests) {
      const [s, op] = key.split('.') as [string, string];
      if (s === service && (!operations || operations.includes(op))) n += v;
    }
    return n;
  }

  private addCapacity(operation: string, consumed: unknown): void {
    const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Capacity[];
    const units = list.reduce((s, c) => s + (c.CapacityUnits ?? 0), 0);
    if (DYNAMO_WRITES.has(operation)) this.dynamoWriteUnits += units;
    else this.dynamoReadUnits += units;
  }
}
