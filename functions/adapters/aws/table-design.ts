/**
 * DynamoDB table design: the single source of truth for key names and indexes, imported by the CDK stack
 * (infra/) and by the DynamoDB adapters (functions/adapters/aws/).
 */
export const TABLES = {
  /** Assessment targets. */
  targets: { partitionKey: 'targetId' },
  /** Assessment templates (immutable). */
  templates: { partitionKey: 'templateId' },
  /**
   * Runs and their per-instance items: sk = 'RUN' for the run record, 'INSTANCE#<instanceId>' for agent
   * status and exclusions of one instance.
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
  /** Findings: one item per finding per run (id is deterministic, so a retried write overwrites itself). */
  findings: {
    partitionKey: 'runId',
    sortKey: 'findingId',
    indexes: {
      byInstance: { name: 'byInstance', partitionKey: 'instanceId', sortKey: 'createdAt' },
      /** severityPackage = '<severity>#<rulesPackage>', e.g. 'High#cve'. */
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
