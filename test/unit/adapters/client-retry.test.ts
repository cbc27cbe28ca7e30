/**
 * The product's SDK clients retry throttling for real: each client talks to a local HTTP endpoint that
 * answers ThrottlingException (or a server error) a given number of times before succeeding, through the
 * SDK's whole middleware stack (no client mock, which would bypass the retry middleware). Also: every
 * client built in functions/adapters and functions/handlers goes through client-config.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DescribeInstanceInformationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AWS_MAX_ATTEMPTS,
  awsClientConfig,
  sendCommandClientConfig,
} from '../../../functions/adapters/aws/client-config';
import { SsmCommandRunner } from '../../../functions/adapters/aws/ssm-agents';
import { REPO_ROOT } from '../../../scripts/build-agent';

type Reply = { status: number; type?: string; body: string; contentType?: string };

/** An endpoint that serves queued replies in order, then `fallback`; it records each request's target. */
class ScriptedEndpoint {
  private server!: Server;
  url = '';
  readonly targets: string[] = [];
  private queue: Reply[] = [];
  fallback: Reply = { status: 200, body: '{}' };

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const target = req.headers['x-amz-target'];
        this.targets.push(
          typeof target === 'string' ? target : (/Action=(\w+)/.exec(body)?.[1] ?? 'unknown'),
        );
        const reply = this.queue.shift() ?? this.fallback;
        res.writeHead(reply.status, {
          'content-type': reply.contentType ?? 'application/x-amz-json-1.1',
          ...(reply.type ? { 'x-amzn-errortype': reply.type } : {}),
        });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  script(replies: Reply[]): void {
    this.queue = [...replies];
    this.targets.length = 0;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const throttle = (n: number): Reply[] =>
  Array.from({ length: n }, () => ({
    status: 400,
    type: 'ThrottlingException',
    body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }),
  }));
const serverError: Reply = {
  status: 500,
  type: 'InternalServerError',
  body: JSON.stringify({ __type: 'InternalServerError', message: 'boom' }),
};
const sendOk: Reply = { status: 200, body: JSON.stringify({ Command: { CommandId: 'cmd-1' } }) };

const local = (endpoint: string) => ({
  endpoint,
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
});

let ep: ScriptedEndpoint;
beforeAll(async () => {
  ep = new ScriptedEndpoint();
  await ep.start();
});
afterAll(() => ep.stop());

/**
 * The SDK waits between attempts with setTimeout (backoff with jitter from THROTTLING_RETRY_DELAY_BASE, 500 ms,
 * and the adaptive rate limiter's waits, whose token bucket refills by Date.now): 18 s of this file's time,
 * waiting for nothing. Here setTimeout and Date are a fake clock that `settled` moves on while the call is
 * pending, so every attempt is still made, after the delay the SDK chose, through the real HTTP exchange,
 * without waiting it out in real time.
 */
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

async function settled<T>(call: Promise<T>): Promise<T> {
  let done = false;
  call.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  while (!done) {
    // A real turn of the event loop for the HTTP exchange, then 100 ms of the SDK's waits.
    await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(100);
  }
  return call;
}

describe('awsClientConfig: adaptive retry with jitter on throttling', () => {
  it('an SSM read throttled twice is retried and succeeds', async () => {
    const ssm = new SSMClient(awsClientConfig(local(ep.url)));
    ep.script([...throttle(2), { status: 200, body: JSON.stringify({ InstanceInformationList: [] }) }]);
    const out = await settled(ssm.send(new DescribeInstanceInformationCommand({})));
    expect(out.$metadata.attempts).toBe(3);
    // The backoff was taken (on the fake clock).
    expect(out.$metadata.totalRetryDelay).toBeGreaterThan(0);
    expect(ep.targets).toEqual(Array(3).fill('AmazonSSM.DescribeInstanceInformation'));
    ssm.destroy();
  });

  it('gives up after AWS_MAX_ATTEMPTS with the throttling error', async () => {
    const ssm = new SSMClient(awsClientConfig(local(ep.url)));
    ep.script(throttle(AWS_MAX_ATTEMPTS + 2));
    await expect(settled(ssm.send(new DescribeInstanceInformationCommand({})))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { attempts: AWS_MAX_ATTEMPTS },
    });
    expect(ep.targets).toHaveLength(AWS_MAX_ATTEMPTS);
    ssm.destroy();
  });

  it('an SNS publish (query protocol) throttled once is retried', async () => {
    const sns = new SNSClient(awsClientConfig(local(ep.url)));
    const xml = (inner: string) => `<?xml version="1.0"?>${inner}`;
    ep.script([
      {
        status: 400,
        contentType: 'text/xml',
        body: xml(
          '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>',
        ),
      },
      {
        status: 200,
        contentType: 'text/xml',
        body: xml(
          '<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult></PublishResponse>',
        ),
      },
    ]);
    const out = await settled(
      sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:123456789012:t', Message: 'x' })),
    );
    expect(out.MessageId).toBe('m-1');
    expect(out.$metadata.attempts).toBe(2);
    sns.destroy();
  });
});

describe('sendCommandClientConfig: SendCommand retried on throttling only', () => {
  it('a throttled SendCommand is sent again and its command id returned', async () => {
    const ssm = new SSMClient(awsClientConfig(local(ep.url)));
    const runner = new SsmCommandRunner(ssm, new SSMClient(sendCommandClientConfig(local(ep.url))));
    ep.script([...throttle(3), sendOk]);
    const id = await settled(
      runner.send({
        documentName: 'Doc',
        instanceIds: ['i-1'],
        parameters: { runId: 'r' },
        timeoutSeconds: 600,
        maxConcurrency: '50',
        maxErrors: '100%',
        comment: 'c',
      }),
    );
    expect(id).toBe('cmd-1');
    expect(ep.targets).toEqual(Array(4).fill('AmazonSSM.SendCommand'));
  });

  it('a server error is NOT retried (SSM may have accepted it): one request, the error surfaces', async () => {
    const sender = new SSMClient(sendCommandClientConfig(local(ep.url)));
    ep.script([serverError, sendOk]);
    await expect(
      settled(sender.send(new SendCommandCommand({ DocumentName: 'Doc', InstanceIds: ['i-1'] }))),
    ).rejects.toMatchObject({ name: 'InternalServerError', $metadata: { attempts: 1 } });
    expect(ep.targets).toEqual(['AmazonSSM.SendCommand']);
    sender.destroy();
  });

  it('while an ordinary client does retry that server error', async () => {
    const ssm = new SSMClient(awsClientConfig(local(ep.url)));
    ep.script([serverError, sendOk]);
    const out = await settled(
      ssm.send(new SendCommandCommand({ DocumentName: 'Doc', InstanceIds: ['i-1'] })),
    );
    expect(out.Command?.CommandId).toBe('cmd-1');
    expect(ep.targets).toHaveLength(2);
    ssm.destroy();
  });
});

describe('one place configures the clients', () => {
  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) return sources(p);
      return p.endsWith('.ts') ? [p] : [];
    });
  }

  it('every SDK client in functions/adapters and functions/handlers is built with client-config.ts', () => {
    const unconfigured: string[] = [];
    for (const dir of ['functions/adapters', 'functions/handlers']) {
      for (const file of sources(path.join(REPO_ROOT, dir))) {
        if (file.endsWith(`${path.sep}client-config.ts`)) continue;
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/new (\w+Client)\(([^)]*)/g)) {
          if (!/^(awsClientConfig|sendCommandClientConfig)\(/.test(m[2] ?? ''))
            unconfigured.push(`${path.relative(REPO_ROOT, file)}: new ${m[1]}(${m[2]}`);
        }
        for (const m of text.matchAll(/getClient\(KMS, ([^)]*)/g)) {
          if (!/^awsClientConfig\(/.test(m[1] ?? ''))
            unconfigured.push(`${path.relative(REPO_ROOT, file)}: getClient(KMS, ${m[1]}`);
        }
      }
    }
    expect(unconfigured).toEqual([]);
  });
});
