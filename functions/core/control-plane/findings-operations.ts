/** The findings function's operations (dispatch.ts: which group serves which). Its handler imports this table only. */
import { getTelemetryMetadata, listAssessmentRunAgents } from './agents';
import type { GroupOperations } from './dispatch';
import { describeExclusions, listExclusions } from './exclusions';
import {
  addAttributesToFindings,
  describeFindings,
  describeRulesPackages,
  listFindings,
  listRulesPackages,
  removeAttributesFromFindings,
} from './findings';
import {
  createSuppressionRule,
  deleteSuppressionRule,
  listSuppressionAuditEntries,
  listSuppressionRules,
} from './suppressions';

export const FINDINGS_OPERATIONS = {
  'list-findings': listFindings,
  'describe-findings': describeFindings,
  'add-attributes-to-findings': addAttributesToFindings,
  'remove-attributes-from-findings': removeAttributesFromFindings,
  'list-rules-packages': listRulesPackages,
  'describe-rules-packages': describeRulesPackages,
  'list-exclusions': listExclusions,
  'describe-exclusions': describeExclusions,
  'list-assessment-run-agents': listAssessmentRunAgents,
  'get-telemetry-metadata': getTelemetryMetadata,
  'create-suppression-rule': createSuppressionRule,
  'list-suppression-rules': listSuppressionRules,
  'delete-suppression-rule': deleteSuppressionRule,
  'list-suppression-audit': listSuppressionAuditEntries,
} satisfies GroupOperations<'findings'>;
