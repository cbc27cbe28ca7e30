/**
 * The control plane's read side over the tables the run lifecycle writes (table-design.ts): runs (RUN and
 * INSTANCE# items), findings (by run, or through the byInstance / bySeverityPackage indexes) and instance
 * locks. The one write here is add-attributes-to-findings (an optimistic update of a finding's attributes).
 *
 * A list reads one or more "sources" (a Query per run, instance or severity#package partition, or a Scan when
 * nothing narrows it), keeps the items that pass every filter, and stops at maxResults; its nextToken names
 * the source and the key to resume from, so a page never skips or repeats an item.
 */
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { globToRegExp } from '../../core/control-plane/common';
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
import { decodeToken, encodeToken, isKey, type Key, unlessConditionFails } from './dynamo-items';
import { DynamoRunStore, INSTANCE_PREFIX, RUN_SK } from './dynamo-run-store';
import { TABLES } from './table-design';

type Source = { query: QueryCommandInput } | { scan: ScanCommandInput };
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

/** Reads sources in order until maxResults items pass `keep`; see the file comment. */
export async function readSources<T>(
  doc: DynamoDBDocumentClient,
  sources: Source[],
  toItem: (item: Key) => T,
  keep: (item: T) => boolean,
  page: PageRequest,
): Promise<Page<T>> {
  const at: Position = page.nextToken ? decodeToken(page.nextToken, isPosition) : { s: 0 };
  let s = at.s;
  let k = at.k;
  const items: T[] = [];
  while (s < sources.length && items.length < page.maxResults) {
    const src = sources[s]!;
    const Limit = page.maxResults - items.length;
    const out =
      'query' in src
        ? await doc.send(new QueryCommand({ ...src.query, Limit, ExclusiveStartKey: k }))
        : await doc.send(new ScanCommand({ ...src.scan, Limit, ExclusiveStartKey: k }));
    for (const raw of out.Items ?? []) {
      const item = toItem(raw);
      if (keep(item)) items.push(item);
    }
    k = out.LastEvaluatedKey;
    if (!k) s++;
  }
  if (s >= sources.length) return { items };
  return { items, nextToken: encodeToken(k ? { s, k } : { s }) };
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
  ) {
    this.store = new DynamoRunStore(doc, table);
  }

  async get(runId: string): Promise<RunView | undefined> {
    return this.store.getRun(runId);
  }

  async instances(runId: string): Promise<RunInstance[]> {
    return (await this.store.listInstances(runId)).map((i) => ({ ...i }));
  }

  async instanceSummaries(runId: string): Promise<StoredInstance[]> {
    const T = TABLES.runs;
    const names: Record<string, string> = { '#pk': T.partitionKey, '#sk': T.sortKey };
    SUMMARY_FIELDS.forEach((f, i) => {
      names[`#f${i}`] = f;
    });
    const items: StoredInstance[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :run AND begins_with(#sk, :prefix)',
          ProjectionExpression: SUMMARY_FIELDS.map((_, i) => `#f${i}`).join(', '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':run': runId, ':prefix': INSTANCE_PREFIX },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...((out.Items ?? []) as StoredInstance[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
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

function toFinding(item: Key): Finding {
  const { findingId, severityPackage: _sp, ...rest } = item;
  return { ...(rest as unknown as Finding), id: (rest.id as string | undefined) ?? String(findingId) };
}

export class DynamoFindingsQuery implements FindingsStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  list(filter: FindingFilter, page: PageRequest): Promise<Page<Finding>> {
    const T = TABLES.findings;
    const sources: Source[] = [];
    const range = (values: Record<string, unknown>) =>
      createdRange(filter.createdAfter, filter.createdBefore, values);
    if (filter.runIds) {
      for (const runId of filter.runIds) {
        sources.push({
          query: {
            TableName: this.table,
            KeyConditionExpression: 'runId = :r',
            ExpressionAttributeValues: { ':r': runId },
          },
        });
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
        });
      }
    } else if (filter.severities || filter.rulesPackages) {
      for (const severity of filter.severities ?? SEVERITIES) {
        for (const pkg of filter.rulesPackages ?? RULES_PACKAGE_IDS) {
          const values: Record<string, unknown> = { ':sp': `${severity}#${pkg}` };
          const r = range(values);
          sources.push({
            query: {
              TableName: this.table,
              IndexName: T.indexes.bySeverityPackage.name,
              KeyConditionExpression: `severityPackage = :sp${r}`,
              ExpressionAttributeValues: values,
              ScanIndexForward: false,
            },
          });
        }
      }
    } else {
      sources.push({ scan: { TableName: this.table } });
    }
    return readSources(this.doc, sources, toFinding, (f) => matchesFindingFilter(f, filter), page);
  }

  async get(key: FindingKey): Promise<Finding | undefined> {
    const T = TABLES.findings;
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { [T.partitionKey]: key.runId, [T.sortKey]: key.findingId },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toFinding(out.Item) : undefined;
  }

  async replaceAttributes(key: FindingKey, expected: Attribute[], attributes: Attribute[]): Promise<boolean> {
    const T = TABLES.findings;
    return unlessConditionFails(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [T.partitionKey]: key.runId, [T.sortKey]: key.findingId },
          UpdateExpression: 'SET #attrs = :new',
          ConditionExpression: 'attribute_exists(#sk) AND #attrs = :old',
          ExpressionAttributeNames: { '#sk': T.sortKey, '#attrs': 'attributes' },
          ExpressionAttributeValues: { ':new': attributes, ':old': expected },
        }),
      ),
    );
  }
}

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
        if (attempt >= 8) throw new Error(`BatchGetItem on ${this.table}: keys still unprocessed`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
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
