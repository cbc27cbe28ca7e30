/** The targets function's operations (dispatch.ts: which group serves which). Its handler imports this table only. */
import type { GroupOperations } from './dispatch';
import { createExclusionsPreview, getExclusionsPreview } from './exclusions-preview';
import {
  createAssessmentTarget,
  deleteAssessmentTarget,
  describeAssessmentTargets,
  listAssessmentTargets,
  previewAgents,
  updateAssessmentTarget,
} from './targets';

export const TARGETS_OPERATIONS = {
  'create-assessment-target': createAssessmentTarget,
  'update-assessment-target': updateAssessmentTarget,
  'delete-assessment-target': deleteAssessmentTarget,
  'list-assessment-targets': listAssessmentTargets,
  'describe-assessment-targets': describeAssessmentTargets,
  'preview-agents': previewAgents,
  'create-exclusions-preview': createExclusionsPreview,
  'get-exclusions-preview': getExclusionsPreview,
} satisfies GroupOperations<'targets'>;
