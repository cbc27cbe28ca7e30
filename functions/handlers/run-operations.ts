/** Run operations the control plane calls (stop, delete), over the same dependencies as the state handlers. */
import { deleteRun, type StopAction, stopRun } from '../core/run-lifecycle';
import { lifecycleDeps } from './lifecycle-runtime';

export const stopAssessmentRun = (runId: string, action: StopAction = 'START_EVALUATION') =>
  stopRun(lifecycleDeps(), runId, action);

export const deleteAssessmentRun = (runId: string) => deleteRun(lifecycleDeps(), runId);
