/**
 * A local executor for Step Functions' distributed Map, which aws-local-stepfunctions 3.0.0 does not run
 * (no ItemReader, ItemBatcher, ResultWriter, tolerated failures). Before the definition is handed to the
 * library, each Map state whose ItemProcessor.ProcessorConfig.Mode is DISTRIBUTED is replaced by a Task state
 * of the same name that keeps the Map's InputPath, ResultSelector, ResultPath, OutputPath, Retry, Catch and
 * Next/End; that Task's local handler does what the distributed Map does, from the synthesized JSON itself:
 *
 * - ItemReader (arn:aws:states:::s3:getObject, ReaderConfig.InputType JSON, MaxItems): Bucket/Key (and their
 *   `.$` paths, resolved against the state input) read from the S3 server over HTTP; anything but a JSON
 *   array fails the state with States.ItemReaderFailed. Without ItemReader: ItemsPath (default `$`).
 * - ItemSelector with `$` (the state input), `$$.Map.Item.Value` and `$$.Map.Item.Index`.
 * - ItemBatcher: MaxItemsPerBatch, MaxInputBytesPerBatch (the child input's JSON bytes; an item alone over it
 *   fails the state with States.Runtime) and BatchInput; a child gets `{Items, BatchInput}`.
 * - The ItemProcessor's States run as their own aws-local-stepfunctions StateMachine per item or batch, at
 *   most MaxConcurrency at a time (0: unbounded), with the parent run's task handlers and retry overrides.
 * - ToleratedFailurePercentage / ToleratedFailureCount (neither: none tolerated), counted in items (a failed
 *   batch counts all its items): exceeded, no more children start and the state fails with
 *   States.ExceedToleratedFailureThreshold (to its own Retry/Catch).
 * - ResultWriter (arn:aws:states:::s3:putObject, Bucket/Prefix): `<Prefix>/<map run id>/manifest.json` and
 *   SUCCEEDED_0.json / FAILED_0.json (the child executions' results, as Step Functions writes them); the
 *   state's result is then `{MapRunArn, ResultWriterDetails: {Bucket, Key}}`. Without it: the array of the
 *   children's outputs, in item order.
 *
 * Not simulated: Express children's 5-minute limit, CSV/JSONL/S3-listing readers, WriterConfig
 * transformations, redrive. The state input and output of every child state pass through `onState`, so the
 * harness can measure payload sizes inside the children too.
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type TaskOverrides = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type LocalHandler = TaskOverrides[string];
type JSONValue = Parameters<LocalHandler>[0];

/** A distributed Map state as synthesized (the fields this executor reads). */
export interface DistributedMapState {
  Type: 'Map';
  ItemProcessor: {
    ProcessorConfig: { Mode: 'DISTRIBUTED'; ExecutionType?: 'EXPRESS' | 'STANDARD' };
    StartAt: string;
    States: Record<string, unknown>;
  };
  ItemReader?: {
    Resource: string;
    ReaderConfig?: { InputType?: string; MaxItems?: number };
    Parameters?: JsonObject;
  };
  ItemsPath?: string;
  ItemSelector?: JsonObject;
  ItemBatcher?: {
    MaxItemsPerBatch?: number;
    MaxInputBytesPerBatch?: number;
    BatchInput?: JsonObject;
  };
  ResultWriter?: { Resource?: string; Parameters?: JsonObject; WriterConfig?: unknown };
  MaxConcurrency?: number;
  ToleratedFailurePercentage?: number;
  ToleratedFailureCount?: number;
  [field: string]: unknown;
}

export interface DistributedMapContext {
  /** The S3 server the reader and writer talk to (s3rver), path-style. */
  s3Endpoint: string;
  /** The parent run's options: its task handlers and retry overrides apply inside the children. */
  runOptions: () => RunOptions;
  /** The parent execution's name (children are named after it). */
  executionName: string;
  /** Every state of every child: its input and output (for payload measurements). */
  onState?: (state: { name: string; input?: unknown; output?: unknown; child: true }) => void;
  /** Every child execution when it ends, with its duration (an Express request, billed by duration). */
  onChild?: (ms: number) => void;
}

const MAP_TASK_TIMEOUT_SECONDS = 2_147_483;

/** Replaces each distributed Map state (at any depth) by a Task handled by `distributedMapHandler`. */
export function replaceDistributedMaps(definition: Record<string, unknown>): {
  definition: Record<string, unknown>;
  maps: Map<string, DistributedMapState>;
} {
  const maps = new Map<string, DistributedMapState>();
  const rewrite = (states: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(states).map(([name, raw]) => {
        const state = raw as Record<string, unknown>;
        if (state.Type === 'Map' && isDistributed(state)) {
          if (maps.has(name)) throw new Error(`two distributed Map states named ${name}`);
          maps.set(name, state as DistributedMapState);
          const kept = [
            'Comment',
            'InputPath',
            'ResultSelector',
            'ResultPath',
            'OutputPath',
            'Retry',
            'Catch',
          ];
          const task: Record<string, unknown> = {
            Type: 'Task',
            Resource: `arn:aws:lambda:us-east-1:111122223333:function:DistributedMap-${name.replace(/[^A-Za-z0-9-_]/g, '-')}`,
            // A Map state has no time limit of its own; the library's Task default is 60 s. The largest a
            // timer takes (2^31 - 1 ms).
            TimeoutSeconds: MAP_TASK_TIMEOUT_SECONDS,
          };
          for (const k of kept) if (k in state) task[k] = state[k];
          if ('Next' in state) task.Next = state.Next;
          if (state.End === true) task.End = true;
          return [name, task];
        }
        return [name, state];
      }),
    );
  const out = { ...definition, States: rewrite(definition.States as Record<string, unknown>) };
  return { definition: out, maps };
}

function isDistributed(state: Record<string, unknown>): boolean {
  const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined;
  return processor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

/** A Step Functions error (name = the error code the Retry/Catch match). */
function statesError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

interface ChildResult {
  index: number;
  items: number;
  name: string;
  input: Json;
  startDate: string;
  stopDate: string;
  status: 'SUCCEEDED' | 'FAILED';
  output?: Json;
  error?: string;
  cause?: string;
}

/** The local handler of a replaced distributed Map state. */
export function distributedMapHandler(
  stateName: string,
  map: DistributedMapState,
  ctx: DistributedMapContext,
): LocalHandler {
  return async (rawInput) => {
    const input = rawInput as unknown as Json;
    const s3 = new S3Client({ endpoint: ctx.s3Endpoint, forcePathStyle: true, region: 'us-east-1' });
    try {
      const items = await readItems(map, input, s3);
      const selected = items.map((value, index) =>
        map.ItemSelector
          ? (resolveTemplate(map.ItemSelector, input, {
              Map: { Item: { Value: value, Index: index } },
            }) as Json)
          : value,
      );
      const batches = batch(map, selected, input);
      const mapRunId = randomUUID();
      const mapRunArn = `arn:aws:states:us-east-1:111122223333:mapRun:AssessmentRun/${stateName}:${mapRunId}`;
      const results = await runChildren(stateName, map, batches, ctx, selected.length);
      const failedItems = results.filter((r) => r.status === 'FAILED').reduce((n, r) => n + r.items, 0);
      if (exceedsTolerance(map, failedItems, selected.length, results.length < batches.length)) {
        throw statesError(
          'States.ExceedToleratedFailureThreshold',
          `The specified tolerated failure threshold was exceeded: ${failedItems} of ${selected.length} items failed`,
        );
      }
      if (!map.ResultWriter?.Parameters) {
        return results.map((r) =>
          r.status === 'SUCCEEDED' ? (r.output ?? null) : null,
        ) as unknown as JSONValue;
      }
      return (await writeResults(
        map.ResultWriter.Parameters,
        input,
        mapRunArn,
        mapRunId,
        results,
        s3,
      )) as unknown as JSONValue;
    } finally {
      s3.destroy();
    }
  };
}

async function readItems(map: DistributedMapState, input: Json, s3: S3Client): Promise<Json[]> {
  if (!map.ItemReader) {
    const items = queryPath(map.ItemsPath ?? '$', input, {});
    if (!Array.isArray(items))
      throw statesError('States.Runtime', `ItemsPath ${map.ItemsPath ?? '$'} is not an array`);
    return items;
  }
  const reader = map.ItemReader;
  if (!/:s3:getObject$/.test(reader.Resource) || (reader.ReaderConfig?.InputType ?? 'JSON') !== 'JSON') {
    throw new Error(
      `ItemReader ${reader.Resource} ${reader.ReaderConfig?.InputType ?? ''}: only S3 JSON is simulated`,
    );
  }
  const params = resolveTemplate(reader.Parameters ?? {}, input, {}) as { Bucket?: unknown; Key?: unknown };
  if (typeof params.Bucket !== 'string' || typeof params.Key !== 'string') {
    throw statesError('States.ItemReaderFailed', 'ItemReader Parameters need a Bucket and a Key');
  }
  let text: string;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: params.Bucket, Key: params.Key }));
    text = (await out.Body?.transformToString('utf8')) ?? '';
  } catch (err) {
    throw statesError(
      'States.ItemReaderFailed',
      `s3://${params.Bucket}/${params.Key}: ${(err as Error).name}: ${(err as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw statesError('States.ItemReaderFailed', `s3://${params.Bucket}/${params.Key} is not JSON`);
  }
  if (!Array.isArray(parsed)) {
    throw statesError('States.ItemReaderFailed', `s3://${params.Bucket}/${params.Key} is not a JSON array`);
  }
  const max = reader.ReaderConfig?.MaxItems;
  return (max !== undefined && max > 0 ? parsed.slice(0, max) : parsed) as Json[];
}

/** Child inputs: one per item, or `{Items, BatchInput}` per batch. */
function batch(map: DistributedMapState, items: Json[], input: Json): Array<{ input: Json; items: number }> {
  const batcher = map.ItemBatcher;
  if (!batcher) return items.map((i) => ({ input: i, items: 1 }));
  const batchInput = batcher.BatchInput
    ? (resolveTemplate(batcher.BatchInput, input, {}) as Json)
    : undefined;
  const maxItems = batcher.MaxItemsPerBatch ?? Number.POSITIVE_INFINITY;
  const maxBytes = batcher.MaxInputBytesPerBatch ?? 256 * 1024;
  const childInput = (list: Json[]): Json =>
    batchInput === undefined ? { Items: list } : { Items: list, BatchInput: batchInput };
  const bytes = (j: Json) => Buffer.byteLength(JSON.stringify(j));
  const out: Array<{ input: Json; items: number }> = [];
  let current: Json[] = [];
  for (const item of items) {
    const next = [...current, item];
    if (current.length > 0 && (next.length > maxItems || bytes(childInput(next)) > maxBytes)) {
      out.push({ input: childInput(current), items: current.length });
      current = [item];
    } else {
      current = next;
    }
    if (bytes(childInput(current)) > maxBytes) {
      throw statesError(
        'States.Runtime',
        `an item alone makes a batch of over MaxInputBytesPerBatch (${maxBytes} bytes)`,
      );
    }
  }
  if (current.length > 0) out.push({ input: childInput(current), items: current.length });
  return out;
}

function exceedsTolerance(
  map: DistributedMapState,
  failed: number,
  total: number,
  stoppedEarly: boolean,
): boolean {
  if (stoppedEarly) return true;
  if (failed === 0) return false;
  const count = map.ToleratedFailureCount;
  const pct = map.ToleratedFailurePercentage;
  if (count === undefined && pct === undefined) return true;
  if (count !== undefined && failed > count) return true;
  if (pct !== undefined && total > 0 && (failed / total) * 100 > pct) return true;
  return false;
}

async function runChildren(
  stateName: string,
  map: DistributedMapState,
  batches: Array<{ input: Json; items: number }>,
  ctx: DistributedMapContext,
  totalItems: number,
): Promise<ChildResult[]> {
  const processor = new StateMachine(
    {
      StartAt: map.ItemProcessor.StartAt,
      States: map.ItemProcessor.States,
    } as unknown as StateMachineDefinition,
    { validationOptions: { checkArn: true, checkPaths: true } },
  );
  const limit = map.MaxConcurrency && map.MaxConcurrency > 0 ? map.MaxConcurrency : batches.length;
  const results: ChildResult[] = [];
  let next = 0;
  let failedItems = 0;
  let stop = false;
  const worker = async () => {
    while (!stop && next < batches.length) {
      const index = next++;
      const b = batches[index]!;
      const name = `${ctx.executionName}-${stateName}-${index}`.slice(0, 80);
      const startDate = new Date().toISOString();
      const childStarted = performance.now();
      const options = ctx.runOptions();
      const exec = processor.run(b.input as unknown as JSONValue, {
        ...options,
        context: {
          Execution: {
            Name: name,
            Id: `arn:aws:states:us-east-1:111122223333:express:AssessmentRun/${stateName}:${name}`,
          },
        },
      });
      const logs = (async () => {
        for await (const e of exec.eventLogs) {
          if ((e.type === 'StateEntered' || e.type === 'StateExited') && 'state' in e) {
            ctx.onState?.({ name: e.state.name, input: e.state.input, output: e.state.output, child: true });
          }
        }
      })();
      try {
        const output = (await exec.result) as unknown as Json;
        results.push({
          index,
          items: b.items,
          name,
          input: b.input,
          startDate,
          stopDate: new Date().toISOString(),
          status: 'SUCCEEDED',
          output,
        });
      } catch (err) {
        const cause = (err as { cause?: { name?: string; message?: string } }).cause;
        results.push({
          index,
          items: b.items,
          name,
          input: b.input,
          startDate,
          stopDate: new Date().toISOString(),
          status: 'FAILED',
          error: cause?.name ?? (err as Error).name,
          cause: cause?.message ?? (err as Error).message,
        });
        failedItems += b.items;
        // Step Functions starts no more children once the threshold is exceeded.
        if (exceedsTolerance(map, failedItems, totalItems, false)) stop = true;
      } finally {
        ctx.onChild?.(performance.now() - childStarted);
        await logs.catch(() => {});
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, batches.length) }, worker));
  return results.sort((a, b) => a.index - b.index);
}

async function writeResults(
  parameters: JsonObject,
  input: Json,
  mapRunArn: string,
  mapRunId: string,
  results: ChildResult[],
  s3: S3Client,
): Promise<Json> {
  const params = resolveTemplate(parameters, input, {}) as { Bucket?: unknown; Prefix?: unknown };
  if (typeof params.Bucket !== 'string')
    throw statesError('States.ResultWriterFailed', 'ResultWriter needs a Bucket');
  const prefix =
    typeof params.Prefix === 'string' && params.Prefix ? `${params.Prefix.replace(/\/$/, '')}/` : '';
  const base = `${prefix}${mapRunId}/`;
  const entry = (r: ChildResult): Json => ({
    ExecutionArn: `arn:aws:states:us-east-1:111122223333:express:${r.name}`,
    Input: JSON.stringify(r.input),
    InputDetails: { Included: true },
    Name: r.name,
    ...(r.status === 'SUCCEEDED'
      ? { Output: JSON.stringify(r.output ?? null), OutputDetails: { Included: true } }
      : { Error: r.error ?? 'States.TaskFailed', Cause: r.cause ?? '' }),
    StartDate: r.startDate,
    StateMachineArn: mapRunArn,
    Status: r.status,
    StopDate: r.stopDate,
  });
  const files: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', Array<{ Key: string; Size: number }>> = {
    FAILED: [],
    PENDING: [],
    SUCCEEDED: [],
  };
  const put = async (Key: string, body: string) => {
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: params.Bucket as string,
          Key,
          Body: body,
          ContentType: 'application/json',
        }),
      );
    } catch (err) {
      throw statesError(
        'States.ResultWriterFailed',
        `s3://${params.Bucket}/${Key}: ${(err as Error).message}`,
      );
    }
  };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    const list = results.filter((r) => r.status === status).map(entry);
    if (list.length === 0) continue;
    const Key = `${base}${status}_0.json`;
    const body = JSON.stringify(list);
    await put(Key, body);
    files[status].push({ Key, Size: Buffer.byteLength(body) });
  }
  const manifestKey = `${base}manifest.json`;
  await put(
    manifestKey,
    JSON.stringify({ DestinationBucket: params.Bucket, MapRunArn: mapRunArn, ResultFiles: files }),
  );
  return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: params.Bucket, Key: manifestKey } };
}

/** A payload template: keys ending in `.$` take the value of their path (`$…` the input, `$$…` the context). */
export function resolveTemplate(template: Json, input: Json, context: JsonObject): Json {
  if (Array.isArray(template)) return template.map((t) => resolveTemplate(t, input, context));
  if (template && typeof template === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(template)) {
      if (k.endsWith('.$')) {
        if (typeof v !== 'string') throw statesError('States.Runtime', `${k} must be a path`);
        out[k.slice(0, -2)] = v.startsWith('$$')
          ? queryPath(v.slice(1), context, context)
          : queryPath(v, input, context);
      } else out[k] = resolveTemplate(v, input, context);
    }
    return out;
  }
  return template;
}

/** A JSONPath of dotted names and [n] indexes from `$` (what the synthesized definitions use). */
export function queryPath(path: string, json: Json, _context: JsonObject): Json {
  if (!path.startsWith('$')) throw statesError('States.Runtime', `${path} is not a path`);
  const parts = path.slice(1).match(/\.[A-Za-z0-9_-]+|\[\d+\]/g) ?? [];
  if (parts.join('') !== path.slice(1)) throw new Error(`unsupported JSONPath ${path}`);
  let v: Json | undefined = json;
  for (const p of parts) {
    if (v === null || typeof v !== 'object') {
      v = undefined;
      break;
    }
    v = p.startsWith('[') ? (v as Json[])[Number(p.slice(1, -1))] : (v as JsonObject)[p.slice(1)];
    if (v === undefined) break;
  }
  if (v === undefined)
    throw statesError('States.Runtime', `Path expression '${path}' does not point to a value`);
  return v;
}
