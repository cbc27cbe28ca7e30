/** Run operations the control plane calls (stop, delete), over the same dependencies as the state handlers. */
import type { StopAction } from '../core/run-lifecycle/model';
import { deleteRun, stopRun } from '../core/run-lifecycle/stop-delete';
import { lifecycleDeps } from './lifecycle-runtime';

export const stopAssessmentRun = (runId: string, action: StopAction = 'START_EVALUATION') =>
  stopRun(lifecycleDeps(), runId, action);

export const deleteAssessmentRun = (runId: string) => deleteRun(lifecycleDeps(), runId);
