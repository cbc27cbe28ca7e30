/**
 * The control plane's read side over the tables the run lifecycle writes (table-design.ts): runs (RUN and
 * INSTANCE# items), findings (by run, or through the byInstance / bySeverityPackage indexes) and instance
 * locks. The one write here is add-attributes-to-findings (an optimistic update of a finding's attributes).
 *
 * A list reads one or more "sources" (a Query per partition: each shard of a run and its legacy partition,
 * an instance, each shard of a severity#package index value — table-design.ts, RUN_SHARDS —, or a Scan when
 * nothing narrows it), keeps the items that pass every filter, and stops at maxResults; its nextToken names
 * the source and the key to resume from, so a page never skips or repeats an item.
 */
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { globToRegExp } from '../../core/control-plane/common';
import { invalidInput } from '../../core/control-plane/errors';
import { matchesFindingFilter } from '../../core/control-plane/findings';
import type {
  FindingFilter,
  FindingKey,
  FindingsStore,
  LocksReader,
  Page,
  PageRequest,
  RunInstance,
  RunListFilter,
  RunsReader,
  RunView,
  StoredInstance,
} from '../../core/control-plane/ports';
import { RULES_PACKAGE_IDS } from '../../core/control-plane/rules-packages';
import type { Attribute, Finding } from '../../core/model';
import { RUN_STATES, TERMINAL_RUN_STATES } from '../../core/run';
import { SEVERITIES } from '../../core/severity';
import { findingFromItem } from './dynamo-finding-store';
import { decodeToken, encodeToken, isKey, type Key, unlessConditionFails } from './dynamo-items';
import { DynamoRunStore, RUN_SK } from './dynamo-run-store';
import { layoutOf, runIdOfPartition, runPartitions, type ShardLayout } from './run-shards';
import { TABLES } from './table-design';

/**
 * One Query or Scan to read in order; `key` names the attributes of its LastEvaluatedKey (the table's key,
 * plus the index's for a Query on an index), so a position can be made from the last item a page kept.
 */
type Source = ({ query: QueryCommandInput } | { scan: ScanCommandInput }) & { key: readonly string[] };
interface Position {
  s: number;
  k?: Key;
}
const isPosition = (v: unknown): v is Position =>
  isKey(v) &&
  typeof v.s === 'number' &&
  Number.isInteger(v.s) &&
  v.s >= 0 &&
  (v.k === undefined || isKey(v.k));

/** Sources read ahead in parallel while a page is not full (each at most one Query of `Limit` items). */
export const LIST_READ_AHEAD = 8;

/**
 * Reads sources in order until maxResults items pass `keep`; see the file comment. The order is the sources'
 * order, then each source's key order, so it is the same whatever the parallelism: a run's findings are
 * read shard by shard. While a page is not full, the next LIST_READ_AHEAD sources' first pages are requested
 * in parallel (a run with few findings has mostly empty shards); items of a read-ahead page beyond the page
 * are read again by the next page (nextToken names the source and the last key the page used).
 */
export async function readSources<T>(
  doc: DynamoDBDocumentClient,
  sources: Source[],
  toItem: (item: Key) => T,
  keep: (item: T) => boolean,
  page: PageRequest,
  readAhead = LIST_READ_AHEAD,
): Promise<Page<T>> {
  const at: Position = page.nextToken ? decodeToken(page.nextToken, isPosition) : { s: 0 };
  if (at.s > sources.length) throw invalidInput('nextToken is not valid for this operation');
  const fetch = (s: number, k: Key | undefined, Limit: number) => {
    const src = sources[s]!;
    return 'query' in src
      ? doc.send(new QueryCommand({ ...src.query, Limit, ExclusiveStartKey: k }))
      : doc.send(new ScanCommand({ ...src.scan, Limit, ExclusiveStartKey: k }));
  };
  type Out = Awaited<ReturnType<typeof fetch>>;
  const ahead = new Map<number, Promise<Out>>();
  let s = at.s;
  let k = at.k;
  const items: T[] = [];
  while (s < sources.length) {
    const Limit = page.maxResults - items.length;
    let out: Out;
    const pre = k === undefined ? ahead.get(s) : undefined;
    if (pre) {
      ahead.delete(s);
      out = await pre;
    } else {
      const own = fetch(s, k, Limit);
      // Read ahead: the next sources' first pages, while this one is read.
      for (let j = s + 1; j < Math.min(sources.length, s + readAhead); j++) {
        if (ahead.has(j)) continue;
        const p = fetch(j, undefined, Limit);
        p.catch(() => {}); // rethrown if its turn comes; dropped if the page fills first
        ahead.set(j, p);
      }
      out = await own;
    }
    const raw = out.Items ?? [];
    for (let i = 0; i < raw.length; i++) {
      const item = toItem(raw[i]!);
      if (keep(item)) items.push(item);
      if (items.length < page.maxResults) continue;
      // The page is full at raw[i]: resume after it (its key), or after what this read covered.
      const last = i === raw.length - 1;
      if (last && !out.LastEvaluatedKey)
        return s + 1 >= sources.length ? { items } : { items, nextToken: encodeToken({ s: s + 1 }) };
      const key = last ? out.LastEvaluatedKey! : keyOf(raw[i]!, sources[s]!.key);
      return { items, nextToken: encodeToken({ s, k: key }) };
    }
    k = out.LastEvaluatedKey;
    if (!k) s++;
  }
  return { items };
}

function keyOf(item: Key, attributes: readonly string[]): Key {
  const key: Key = {};
  for (const a of attributes) key[a] = item[a];
  return key;
}

/** `createdAt` key condition for an index whose sort key is createdAt. */
function createdRange(
  after: string | undefined,
  before: string | undefined,
  values: Record<string, unknown>,
): string {
  if (after && before) {
    values[':after'] = after;
    values[':before'] = before;
    return ' AND createdAt BETWEEN :after AND :before';
  }
  if (after) {
    values[':after'] = after;
    return ' AND createdAt >= :after';
  }
  if (before) {
    values[':before'] = before;
    return ' AND createdAt <= :before';
  }
  return '';
}

function toRun(item: Key): RunView {
  const { sk: _sk, ...rest } = item;
  return rest as unknown as RunView; // RUN items written by the run lifecycle
}

/** What list-exclusions, list-assessment-run-agents and get-telemetry-metadata read of an instance. */
const SUMMARY_FIELDS = [
  'runId',
  'instanceId',
  'agentHealth',
  'agentHealthDetail',
  'collection',
  'collectionDetail',
  'commandId',
  'evaluation',
  'exclusions',
  'autoScalingGroup',
  'telemetryMetadata',
  'hostname',
  'os',
  // Whether the instance's rule results were kept (get-assessment-report's full report).
  'resultsStored',
  'updatedAt',
] as const;

export class DynamoRunsReader implements RunsReader {
  /** The run lifecycle's store: one implementation of reading a run and its instances. */
  private readonly store: DynamoRunStore;
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    layout: Partial<ShardLayout> = {},
  ) {
    this.store = new DynamoRunStore(doc, table, { layout });
  }

  async get(runId: string): Promise<RunView | undefined> {
    return this.store.getRun(runId);
  }

  async instances(runId: string): Promise<RunInstance[]> {
    return (await this.store.listInstances(runId)).map((i) => ({ ...i }));
  }

  /** SUMMARY_FIELDS of every instance of the run, from every shard (DynamoRunStore.instanceItems). */
  async instanceSummaries(runId: string): Promise<StoredInstance[]> {
    const items = await this.store.instanceItems(runId, { projection: SUMMARY_FIELDS });
    // items written by putInstances; the run id without the shard
    return items.map((i) => ({
      ...(i as unknown as StoredInstance),
      runId: runIdOfPartition(String(i.runId)),
    }));
  }

  instance(runId: string, instanceId: string): Promise<StoredInstance | undefined> {
    return this.store.getInstance(runId, instanceId);
  }

  list(filter: RunListFilter, page: PageRequest): Promise<Page<RunView>> {
    const T = TABLES.runs;
    const sources: Source[] = [];
    if (filter.templateId) {
      const values: Record<string, unknown> = { ':t': filter.templateId };
      const range = createdRange(filter.createdAfter, filter.createdBefore, values);
      sources.push({
        query: {
          TableName: this.table,
          IndexName: T.indexes.byTemplate.name,
          KeyConditionExpression: `templateId = :t${range}`,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
        },
        key: [T.indexes.byTemplate.partitionKey, T.indexes.byTemplate.sortKey, T.partitionKey, T.sortKey],
      });
    } else if (filter.states) {
      for (const state of filter.states) {
        const values: Record<string, unknown> = { ':s': state };
        const range = createdRange(filter.createdAfter, filter.createdBefore, values);
        sources.push({
          query: {
            TableName: this.table,
            IndexName: T.indexes.byState.name,
            KeyConditionExpression: `#state = :s${range}`,
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: values,
            ScanIndexForward: false,
          },
          key: [T.indexes.byState.partitionKey, T.indexes.byState.sortKey, T.partitionKey, T.sortKey],
        });
      }
    } else {
      sources.push({
        scan: {
          TableName: this.table,
          FilterExpression: '#sk = :run',
          ExpressionAttributeNames: { '#sk': T.sortKey },
          ExpressionAttributeValues: { ':run': RUN_SK },
        },
        key: [T.partitionKey, T.sortKey],
      });
    }
    const pattern = filter.namePattern ? globToRegExp(filter.namePattern) : undefined;
    const keep = (r: RunView) =>
      (!filter.templateId || r.templateId === filter.templateId) &&
      (!filter.states || filter.states.includes(r.state)) &&
      (!pattern || pattern.test(r.name)) &&
      (!filter.createdAfter || r.createdAt >= filter.createdAfter) &&
      (!filter.createdBefore || r.createdAt <= filter.createdBefore);
    return readSources(this.doc, sources, toRun, keep, page);
  }

  async active(templateId?: string): Promise<RunView[]> {
    const states = RUN_STATES.filter((s) => !TERMINAL_RUN_STATES.includes(s));
    const runs: RunView[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.list(
        templateId ? { templateId, states } : { states },
        nextToken ? { maxResults: 500, nextToken } : { maxResults: 500 },
      );
      runs.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    return runs;
  }
}

const toFinding = (item: Key): Finding => findingFromItem(item);

/**
 * list-findings, describe-findings and add-attributes over the sharded findings table: a run's findings are
 * read shard by shard (legacy partition first), a severity/package filter reads each of its index values'
 * shards, and a finding named by run and id is looked up in every partition of its run at once (one
 * BatchGetItem: the id does not say which instance, hence which shard, it belongs to).
 */
export class DynamoFindingsQuery implements FindingsStore {
  private readonly layout: ShardLayout;
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    layout: Partial<ShardLayout> = {},
  ) {
    this.layout = layoutOf(layout);
  }

  list(filter: FindingFilter, page: PageRequest): Promise<Page<Finding>> {
    const T = TABLES.findings;
    const sources: Source[] = [];
    const range = (values: Record<string, unknown>) =>
      createdRange(filter.createdAfter, filter.createdBefore, values);
    const shardValues = (legacy: string) => [
      legacy,
      ...Array.from({ length: this.layout.shards }, (_, i) => `${legacy}#${i}`),
    ];
    if (filter.runIds) {
      for (const runId of filter.runIds) {
        for (const partition of runPartitions(runId, this.layout.shards)) {
          sources.push({
            query: {
              TableName: this.table,
              KeyConditionExpression: 'runId = :r',
              ExpressionAttributeValues: { ':r': partition },
            },
            key: [T.partitionKey, T.sortKey],
          });
        }
      }
    } else if (filter.instanceIds) {
      for (const instanceId of filter.instanceIds) {
        const values: Record<string, unknown> = { ':i': instanceId };
        const r = range(values);
        sources.push({
          query: {
            TableName: this.table,
            IndexName: T.indexes.byInstance.name,
            KeyConditionExpression: `instanceId = :i${r}`,
            ExpressionAttributeValues: values,
            ScanIndexForward: false,
          },
          key: [T.indexes.byInstance.partitionKey, T.indexes.byInstance.sortKey, T.partitionKey, T.sortKey],
        });
      }
    } else if (filter.severities || filter.rulesPackages) {
      for (const severity of filter.severities ?? SEVERITIES) {
        for (const pkg of filter.rulesPackages ?? RULES_PACKAGE_IDS) {
          // The legacy value '<severity>#<package>' first, then its shards '<severity>#<package>#<n>'.
          for (const value of shardValues(`${severity}#${pkg}`)) {
            const values: Record<string, unknown> = { ':sp': value };
            const r = range(values);
            sources.push({
              query: {
                TableName: this.table,
                IndexName: T.indexes.bySeverityPackage.name,
                KeyConditionExpression: `severityPackage = :sp${r}`,
                ExpressionAttributeValues: values,
                ScanIndexForward: false,
              },
              key: [
                T.indexes.bySeverityPackage.partitionKey,
                T.indexes.bySeverityPackage.sortKey,
                T.partitionKey,
                T.sortKey,
              ],
            });
          }
        }
      }
    } else {
      sources.push({ scan: { TableName: this.table }, key: [T.partitionKey, T.sortKey] });
    }
    return readSources(this.doc, sources, toFinding, (f) => matchesFindingFilter(f, filter), page);
  }

  async get(key: FindingKey): Promise<Finding | undefined> {
    const item = await this.locate(key);
    return item ? toFinding(item) : undefined;
  }

  async replaceAttributes(key: FindingKey, expected: Attribute[], attributes: Attribute[]): Promise<boolean> {
    const T = TABLES.findings;
    const item = await this.locate(key);
    if (!item) return false;
    return unlessConditionFails(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [T.partitionKey]: item[T.partitionKey], [T.sortKey]: key.findingId },
          UpdateExpression: 'SET #attrs = :new',
          ConditionExpression: 'attribute_exists(#sk) AND #attrs = :old',
          ExpressionAttributeNames: { '#sk': T.sortKey, '#attrs': 'attributes' },
          ExpressionAttributeValues: { ':new': attributes, ':old': expected },
        }),
      ),
    );
  }

  /**
   * The item of (run, finding id) from whichever partition of the run holds it: one strongly consistent
   * BatchGetItem per 100 partitions, unprocessed keys retried with backoff. A finding id is unique in a run
   * (it hashes the instance), so at most one partition has it.
   */
  private async locate(key: FindingKey): Promise<Key | undefined> {
    const T = TABLES.findings;
    const partitions = runPartitions(key.runId, this.layout.shards);
    for (let i = 0; i < partitions.length; i += 100) {
      let keys: Key[] = partitions
        .slice(i, i + 100)
        .map((p) => ({ [T.partitionKey]: p, [T.sortKey]: key.findingId }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt >= 10) throw new Error(`BatchGetItem on ${this.table}: keys still unprocessed`);
        if (attempt > 0) await backoff(attempt);
        const out = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        const found = out.Responses?.[this.table]?.[0];
        if (found) return found;
        keys = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as Key[];
      }
    }
    return undefined;
  }
}

/** Full-jitter exponential backoff before retry `attempt` (≥ 1): up to 50 ms · 2^attempt, at most 5 s. */
const backoff = (attempt: number) =>
  new Promise((r) => setTimeout(r, Math.random() * Math.min(5000, 50 * 2 ** attempt)));

/** Reads the locks table: which of these instances an unexpired lock holds, and for which run. */
export class DynamoLocksReader implements LocksReader {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async lockedBy(instanceIds: string[]): Promise<Map<string, string>> {
    const T = TABLES.locks;
    const held = new Map<string, string>();
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    const ids = [...new Set(instanceIds)];
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Key[] = ids.slice(i, i + 100).map((id) => ({ [T.partitionKey]: id }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt >= 10) throw new Error(`BatchGetItem on ${this.table}: keys still unprocessed`);
        if (attempt > 0) await backoff(attempt);
        const out = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of out.Responses?.[this.table] ?? []) {
          const expiresAt = item[T.ttlAttribute];
          if (typeof expiresAt === 'number' && expiresAt < nowSeconds) continue;
          held.set(String(item[T.partitionKey]), String(item.runId));
        }
        keys = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as Key[];
      }
    }
    return held;
  }
}
