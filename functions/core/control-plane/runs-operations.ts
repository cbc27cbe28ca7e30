/** The runs function's operations (dispatch.ts: which group serves which). Its handler imports this table only. */
import type { GroupOperations } from './dispatch';
import {
  deleteAssessmentRun,
  describeAssessmentRuns,
  listAssessmentRuns,
  startAssessmentRun,
  stopAssessmentRun,
} from './runs';

export const RUNS_OPERATIONS = {
  'start-assessment-run': startAssessmentRun,
  'stop-assessment-run': stopAssessmentRun,
  'delete-assessment-run': deleteAssessmentRun,
  'list-assessment-runs': listAssessmentRuns,
  'describe-assessment-runs': describeAssessmentRuns,
} satisfies GroupOperations<'runs'>;
