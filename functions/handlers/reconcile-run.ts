/**
 * EventBridge target (rule on the state machine's "Step Functions Execution Status Change" events with
 * status ABORTED, TIMED_OUT or FAILED): thin; the logic is in core/run-lifecycle/reconcile-run.ts.
 */
import { type ExecutionStatusDetail, type ReconcileResult, reconcileRun } from '../core/run-lifecycle';
import { lifecycleDeps, logger } from './lifecycle-runtime';

export interface ExecutionStatusChangeEvent {
  'detail-type'?: string;
  source?: string;
  detail?: ExecutionStatusDetail;
}

export const handler = async (event: ExecutionStatusChangeEvent): Promise<ReconcileResult> => {
  logger.appendKeys({ step: 'reconcileRun' });
  return reconcileRun(lifecycleDeps(), event.detail ?? {});
};
