/**
 * The test-side distributed Map executor (test/helpers/run-lifecycle/distributed-map.ts) on small
 * hand-written definitions, against s3rver: the item reader, selector, batcher (items and bytes), child
 * concurrency, tolerated failures (not exceeded, exceeded: States.ExceedToleratedFailureThreshold to the
 * state's Catch), the result writer's objects, and the state's ResultPath.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distributedMapHandler, replaceDistributedMaps } from '../../helpers/run-lifecycle/distributed-map';
import { type S3Local, setFakeAwsEnv, startS3Local } from '../../helpers/run-lifecycle/local-servers';

const BUCKET = 'dmap-test';
let s3local: S3Local;
let s3: S3Client;

beforeAll(async () => {
  setFakeAwsEnv();
  s3local = await startS3Local([BUCKET]);
  s3 = new S3Client({ endpoint: s3local.endpoint, forcePathStyle: true, region: 'us-east-1' });
});
afterAll(async () => {
  s3?.destroy();
  await s3local?.stop();
});

type Handlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JSONValue = Parameters<Handlers[string]>[0];

const putJson = (Key: string, body: unknown) =>
  s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: JSON.stringify(body) }));
const getJson = async (Key: string): Promise<unknown> => {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
  return JSON.parse((await out.Body?.transformToString()) ?? 'null');
};

/** A parent: Evaluate (the distributed Map, with `map` fields) → Done; its Catch → Caught. */
function definition(map: Record<string, unknown>): Record<string, unknown> {
  return {
    StartAt: 'Evaluate',
    States: {
      Evaluate: {
        Type: 'Map',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
          StartAt: 'Child',
          States: {
            Child: {
              Type: 'Task',
              Resource: 'arn:aws:lambda:us-east-1:111122223333:function:Child',
              End: true,
            },
          },
        },
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: BUCKET, 'Key.$': '$.manifest.key' },
        },
        ResultPath: '$.evaluation',
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught', ResultPath: '$.error' }],
        Next: 'Done',
        ...map,
      },
      Done: { Type: 'Succeed' },
      Caught: { Type: 'Pass', End: true },
    },
  };
}

async function run(
  map: Record<string, unknown>,
  input: Record<string, unknown>,
  child: (input: unknown) => Promise<unknown>,
): Promise<{ output?: Record<string, unknown>; error?: string }> {
  const { definition: replaced, maps } = replaceDistributedMaps(definition(map));
  const machine = new StateMachine(replaced as unknown as StateMachineDefinition, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const handlers: Handlers = {
    Child: async (i) => (await child(i)) as JSONValue,
  };
  const runOptions = (): RunOptions => ({ overrides: { taskResourceLocalHandlers: handlers } });
  for (const [name, m] of maps) {
    handlers[name] = distributedMapHandler(name, m, {
      s3Endpoint: s3local.endpoint,
      runOptions,
      executionName: 'exec-1',
    });
  }
  try {
    const output = (await machine.run(input as unknown as JSONValue, runOptions()).result) as unknown;
    return { output: output as Record<string, unknown> };
  } catch (err) {
    return { error: (err as { cause?: { name?: string } }).cause?.name ?? (err as Error).name };
  }
}

describe('the distributed Map executor', () => {
  it('reads the manifest, selects, batches (MaxItemsPerBatch, BatchInput), bounds concurrency and writes the results', async () => {
    await putJson('m/batching.json', ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    const seen: unknown[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const { output } = await run(
      {
        ItemSelector: { 'id.$': '$$.Map.Item.Value', 'at.$': '$$.Map.Item.Index', 'run.$': '$.runId' },
        ItemBatcher: { MaxItemsPerBatch: 3, BatchInput: { 'runId.$': '$.runId' } },
        MaxConcurrency: 2,
        ToleratedFailurePercentage: 100,
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: BUCKET, 'Prefix.$': '$.manifest.resultsPrefix' },
        },
      },
      { runId: 'r1', manifest: { key: 'm/batching.json', resultsPrefix: 'results/r1' } },
      async (input) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        seen.push(input);
        return { n: (input as { Items: unknown[] }).Items.length };
      },
    );
    const batches = seen as Array<{
      Items: Array<{ id: string; at: number; run: string }>;
      BatchInput: unknown;
    }>;
    expect(batches.map((b) => b.Items.map((i) => i.id).join('')).sort()).toEqual(['abc', 'def', 'g']);
    expect(batches.every((b) => JSON.stringify(b.BatchInput) === '{"runId":"r1"}')).toBe(true);
    expect(batches.flatMap((b) => b.Items).find((i) => i.id === 'e')).toEqual({ id: 'e', at: 4, run: 'r1' });
    expect(maxInFlight).toBe(2);
    // The state's result is the writer's details, at ResultPath; the input is kept.
    const evaluation = output?.evaluation as {
      MapRunArn: string;
      ResultWriterDetails: { Bucket: string; Key: string };
    };
    expect(output?.runId).toBe('r1');
    expect(evaluation.ResultWriterDetails.Bucket).toBe(BUCKET);
    expect(evaluation.ResultWriterDetails.Key).toMatch(/^results\/r1\/[0-9a-f-]{36}\/manifest\.json$/);
    const manifest = (await getJson(evaluation.ResultWriterDetails.Key)) as {
      MapRunArn: string;
      ResultFiles: Record<string, Array<{ Key: string; Size: number }>>;
    };
    expect(manifest.MapRunArn).toBe(evaluation.MapRunArn);
    expect(manifest.ResultFiles.FAILED).toEqual([]);
    expect(manifest.ResultFiles.SUCCEEDED).toHaveLength(1);
    const succeeded = (await getJson(manifest.ResultFiles.SUCCEEDED![0]!.Key)) as Array<{
      Status: string;
      Output: string;
      Input: string;
    }>;
    expect(succeeded.map((e) => e.Status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(succeeded.map((e) => JSON.parse(e.Output).n)).toEqual([3, 3, 1]);
    expect(JSON.parse(succeeded[2]!.Input).Items[0].id).toBe('g');
  });

  it('splits batches at MaxInputBytesPerBatch; an item alone over it fails the state', async () => {
    await putJson('m/bytes.json', ['x'.repeat(40), 'y'.repeat(40), 'z'.repeat(40)]);
    const sizes: number[] = [];
    const ok = await run(
      { ItemBatcher: { MaxItemsPerBatch: 10, MaxInputBytesPerBatch: 100 } },
      { manifest: { key: 'm/bytes.json' } },
      async (input) => {
        sizes.push((input as { Items: unknown[] }).Items.length);
        return {};
      },
    );
    expect(ok.error).toBeUndefined();
    // {"Items":["x…40","y…40"]} is 97 bytes; a third item would pass 100.
    expect(sizes.sort()).toEqual([1, 2]);
    const tooBig = await run(
      { ItemBatcher: { MaxInputBytesPerBatch: 20 } },
      { manifest: { key: 'm/bytes.json' } },
      async () => ({}),
    );
    expect(tooBig.output?.error).toMatchObject({ Error: 'States.Runtime' });
  });

  it('failed children within ToleratedFailureCount: the Map succeeds, FAILED_0.json holds them', async () => {
    await putJson('m/tolerated.json', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const { output } = await run(
      {
        ToleratedFailureCount: 1,
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: BUCKET, Prefix: 'results/tolerated' },
        },
      },
      { manifest: { key: 'm/tolerated.json' } },
      async (input) => {
        if (input === 3) throw Object.assign(new Error('item 3 is bad'), { name: 'BadItem' });
        return { ok: input };
      },
    );
    expect(output?.error).toBeUndefined();
    const details = (output?.evaluation as { ResultWriterDetails: { Key: string } } | undefined)
      ?.ResultWriterDetails ?? { Key: '' };
    const manifest = (await getJson(details.Key)) as { ResultFiles: Record<string, Array<{ Key: string }>> };
    const failed = (await getJson(manifest.ResultFiles.FAILED![0]!.Key)) as Array<Record<string, string>>;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      Status: 'FAILED',
      Error: 'BadItem',
      Cause: 'item 3 is bad',
      Input: '3',
    });
    const succeeded = (await getJson(manifest.ResultFiles.SUCCEEDED![0]!.Key)) as unknown[];
    expect(succeeded).toHaveLength(9);
  });

  it('failed children over ToleratedFailurePercentage: States.ExceedToleratedFailureThreshold, to the Catch', async () => {
    await putJson('m/exceeded.json', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const { output } = await run(
      { ToleratedFailurePercentage: 5, MaxConcurrency: 1 },
      { manifest: { key: 'm/exceeded.json' } },
      async (input) => {
        if (input === 3) throw Object.assign(new Error('item 3 is bad'), { name: 'BadItem' });
        return { ok: input };
      },
    );
    expect(output?.error).toMatchObject({ Error: 'States.ExceedToleratedFailureThreshold' });
    // Not tolerated at all (neither field): one failure is too many.
    const none = await run({}, { manifest: { key: 'm/exceeded.json' } }, async (input) => {
      if (input === 10) throw new Error('last one');
      return {};
    });
    expect(none.output?.error).toMatchObject({ Error: 'States.ExceedToleratedFailureThreshold' });
  });

  it('without a ResultWriter the result is the children outputs in item order; a manifest that is not a JSON array fails the reader', async () => {
    await putJson('m/plain.json', [3, 1, 2]);
    const plain = await run({}, { manifest: { key: 'm/plain.json' } }, async (input) => ({ v: input }));
    expect(plain.output?.evaluation).toEqual([{ v: 3 }, { v: 1 }, { v: 2 }]);
    await putJson('m/object.json', { not: 'an array' });
    const bad = await run({}, { manifest: { key: 'm/object.json' } }, async () => ({}));
    expect(bad.output?.error).toMatchObject({ Error: 'States.ItemReaderFailed' });
    const missing = await run({}, { manifest: { key: 'm/missing.json' } }, async () => ({}));
    expect(missing.output?.error).toMatchObject({ Error: 'States.ItemReaderFailed' });
  });
});
