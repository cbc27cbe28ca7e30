/**
 * DynamoDB table design: the single source of truth for key names and indexes, imported by the CDK stack
 * (infra/) and by the DynamoDB adapters (functions/adapters/aws/).
 *
 * No hot partitions (README, "DynamoDB keys"): a run's findings and per-instance items are spread over
 * RUN_SHARDS partitions by instance. Their partition key attribute keeps its name (`runId`, so the key schema
 * and the tables stay as deployed) but holds `<runId>#<shard>` with shard = shardOf(instanceId) (run-shards.ts);
 * the run id is the part before the first `#` (run ids never contain one). Items written before sharding keep
 * `runId` = the bare run id: every reader also reads that "legacy" partition, so nothing written earlier is
 * lost or needs migrating.
 */

/**
 * Partitions a run's findings and instance items are spread over (and each bySeverityPackage value).
 * DynamoDB serves about 1,000 write units/s per partition; a 10,000-instance run evaluated 500 at a time asks
 * for ~40,000 writes/s at its peak, so at least 40 partitions; 64 (the next power of two) leaves ~60% headroom
 * for the unevenness of hashing ~156 instances a shard (a few shards get 20% more than the mean) and for
 * findings a little over 1 KB. A full read of a run costs 65 Queries (64 shards + the legacy partition),
 * a few hundred milliseconds at READ_CONCURRENCY. Changing it moves where new items go: readers read shards
 * 0..RUN_SHARDS-1, so lowering it hides items of the higher shards. Raise it only with a migration.
 */
export const RUN_SHARDS = 64;
/** Queries in flight when a reader reads every shard of a run (bounded fan-out). */
export const READ_CONCURRENCY = 16;

export const TABLES = {
  /** Assessment targets. */
  targets: { partitionKey: 'targetId' },
  /** Assessment templates (immutable). */
  templates: { partitionKey: 'templateId' },
  /**
   * Runs and their per-instance items: sk = 'RUN' for the run record (runId = the run id), 'INSTANCE#<instanceId>'
   * for agent status and exclusions of one instance (runId = '<runId>#<shard>', see RUN_SHARDS).
   */
  runs: {
    partitionKey: 'runId',
    sortKey: 'sk',
    indexes: {
      /** Runs of a template, newest first (sparse: only RUN items carry templateId). */
      byTemplate: { name: 'byTemplate', partitionKey: 'templateId', sortKey: 'createdAt' },
      /** Runs by state (active runs, list filters); sparse on RUN items. */
      byState: { name: 'byState', partitionKey: 'state', sortKey: 'createdAt' },
    },
  },
  /**
   * Findings: one item per finding per run (id is deterministic, so a retried write overwrites itself), under
   * runId = '<runId>#<shard of the finding's instance>' (see RUN_SHARDS).
   */
  findings: {
    partitionKey: 'runId',
    sortKey: 'findingId',
    indexes: {
      byInstance: { name: 'byInstance', partitionKey: 'instanceId', sortKey: 'createdAt' },
      /**
       * severityPackage = '<severity>#<rulesPackage>#<shard>', e.g. 'High#cve#17' (the shard of the finding's
       * instance: one value per severity and package would be one hot partition for every run at once).
       */
      bySeverityPackage: { name: 'bySeverityPackage', partitionKey: 'severityPackage', sortKey: 'createdAt' },
    },
  },
  /** Instance locks: an instance is in at most one active run. `expiresAt` is the TTL attribute. */
  locks: { partitionKey: 'instanceId', ttlAttribute: 'expiresAt' },
  /**
   * Suppression rules (pk 'RULE', sk = suppressionRuleId) and their append-only audit log (pk 'AUDIT',
   * sk = '<ISO time>#<auditId>'), written together in one transaction.
   */
  suppressions: { partitionKey: 'pk', sortKey: 'sk' },
} as const;
