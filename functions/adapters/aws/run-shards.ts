/**
 * Where a run's sharded items live (table-design.ts, RUN_SHARDS) and how readers read all of them.
 *
 * - shardOf(instanceId): a stable hash (the first 4 bytes of SHA-256, big-endian) modulo the shard count:
 *   every item of one instance (its findings, its run-instance item) is in one shard, and one instance's
 *   write burst never spreads its ordering across partitions.
 * - runPartitions(runId): the partition values a reader reads for a run, in a fixed order: the legacy
 *   (pre-sharding) partition `runId` first, then `runId#0` … `runId#<N-1>`.
 * - orderedPartitionPages: every page of every partition, in that order (so output is deterministic), with
 *   up to `concurrency` partitions' first pages fetched ahead in parallel; memory is bounded by that many
 *   pages, not by the run's size.
 */
import { createHash } from 'node:crypto';
import { mapLimit } from '../../core/run-lifecycle/map-limit';
import { READ_CONCURRENCY, RUN_SHARDS } from './table-design';

export interface ShardLayout {
  /** Shards per run (RUN_SHARDS in the product; tests and the bench use 1 to reproduce one hot key). */
  shards: number;
  /** Queries in flight when every shard of a run is read. */
  readConcurrency: number;
}

export const DEFAULT_LAYOUT: ShardLayout = { shards: RUN_SHARDS, readConcurrency: READ_CONCURRENCY };

export function layoutOf(opts: Partial<ShardLayout> = {}): ShardLayout {
  const layout = { ...DEFAULT_LAYOUT, ...opts };
  if (!Number.isInteger(layout.shards) || layout.shards < 1 || layout.shards > 10_000)
    throw new Error(`shards must be an integer from 1 to 10000, not ${layout.shards}`);
  if (!Number.isInteger(layout.readConcurrency) || layout.readConcurrency < 1)
    throw new Error(`readConcurrency must be a positive integer, not ${layout.readConcurrency}`);
  return layout;
}

export function shardOf(instanceId: string, shards: number): number {
  return createHash('sha256').update(instanceId, 'utf8').digest().readUInt32BE(0) % shards;
}

export function shardPartition(runId: string, shard: number): string {
  return `${runId}#${shard}`;
}

/** The partition of an instance's items in a run. */
export function instancePartition(runId: string, instanceId: string, shards: number): string {
  return shardPartition(runId, shardOf(instanceId, shards));
}

/** Every partition a run's sharded items may be in: the legacy one first, then each shard. */
export function runPartitions(runId: string, shards: number): string[] {
  return [runId, ...Array.from({ length: shards }, (_, i) => shardPartition(runId, i))];
}

/** The run id of a partition value (run ids never contain '#'). */
export function runIdOfPartition(partition: string): string {
  const i = partition.indexOf('#');
  return i < 0 ? partition : partition.slice(0, i);
}

export interface PartitionPage<K> {
  items: Array<Record<string, unknown>>;
  next?: K;
}

/**
 * Every page of every partition, partitions in the given order and each partition's pages in key order.
 * The first page of the next `concurrency - 1` partitions is requested while the current one is read.
 */
export async function* orderedPartitionPages<P, K>(
  partitions: readonly P[],
  fetchPage: (partition: P, start: K | undefined) => Promise<PartitionPage<K>>,
  concurrency: number,
): AsyncIterable<Array<Record<string, unknown>>> {
  const ahead: Array<Promise<PartitionPage<K>> | undefined> = new Array(partitions.length);
  const prefetch = (i: number) => {
    if (i >= partitions.length || ahead[i]) return;
    const p = fetchPage(partitions[i] as P, undefined);
    // Marked handled now: a prefetched page that fails is rethrown when its partition's turn comes.
    p.catch(() => {});
    ahead[i] = p;
  };
  for (let i = 0; i < Math.min(concurrency, partitions.length); i++) prefetch(i);
  for (let i = 0; i < partitions.length; i++) {
    let page = await (ahead[i] as Promise<PartitionPage<K>>);
    ahead[i] = undefined;
    prefetch(i + concurrency);
    for (;;) {
      yield page.items;
      if (page.next === undefined) break;
      page = await fetchPage(partitions[i] as P, page.next);
    }
  }
}

/** Every item of every partition (order as orderedPartitionPages). */
export async function allPartitionItems<P, K>(
  partitions: readonly P[],
  fetchPage: (partition: P, start: K | undefined) => Promise<PartitionPage<K>>,
  concurrency: number,
): Promise<Array<Record<string, unknown>>> {
  const perPartition = await mapLimit(partitions, concurrency, async (p) => {
    const items: Array<Record<string, unknown>> = [];
    let start: K | undefined;
    do {
      const page = await fetchPage(p, start);
      items.push(...page.items);
      start = page.next;
    } while (start !== undefined);
    return items;
  });
  return perPartition.flat();
}
