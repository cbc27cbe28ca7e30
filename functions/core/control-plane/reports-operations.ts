/** The reports function's operations (dispatch.ts: which group serves which). Its handler imports this table only. */
import { getAssessmentReport } from './assessment-reports';
import type { GroupOperations } from './dispatch';

export const REPORTS_OPERATIONS = {
  'get-assessment-report': getAssessmentReport,
} satisfies GroupOperations<'reports'>;
