import type {
  SuppressionAuditEntry,
  SuppressionAuditPage,
  SuppressionAuditQuery,
  SuppressionRule,
} from '../core/suppressions';

/**
 * Suppression rules and their audit log: a file in the data directory locally, a DynamoDB table in the
 * stack. Each change and its audit entry are written together (both or neither); audit entries are only
 * ever added.
 */
export interface SuppressionStore {
  /** Records the rule with its CREATE audit entry. */
  create(rule: SuppressionRule, audit: SuppressionAuditEntry): Promise<void>;
  /**
   * Deletes the rule with a DELETE audit entry made from it by `audit`; returns the deleted rule, or
   * undefined (and records nothing) when there is no such rule.
   */
  delete(
    suppressionRuleId: string,
    audit: (rule: SuppressionRule) => SuppressionAuditEntry,
  ): Promise<SuppressionRule | undefined>;
  /** Every rule, expired ones included, oldest first. */
  list(): Promise<SuppressionRule[]>;
  /** The audit log, oldest first. */
  audit(): Promise<SuppressionAuditEntry[]>;
  /** One page of the audit log, oldest first (time, then audit id), as the query selects. */
  auditPage(query: SuppressionAuditQuery): Promise<SuppressionAuditPage>;
}
