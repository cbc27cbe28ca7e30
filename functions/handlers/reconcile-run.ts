/**
 * EventBridge target of two rules: the state machine's "Step Functions Execution Status Change" events
 * with status ABORTED, TIMED_OUT or FAILED (reconcileRun), and a schedule ("Scheduled Event": sweepRuns,
 * for status events EventBridge did not deliver). Thin; the logic is in core/run-lifecycle/reconcile-run.ts.
 */
import {
  type ExecutionStatusDetail,
  type ReconcileResult,
  reconcileRun,
  sweepRuns,
} from '../core/run-lifecycle';
import { lifecycleDeps, logger } from './lifecycle-runtime';

export interface ExecutionStatusChangeEvent {
  'detail-type'?: string;
  source?: string;
  detail?: ExecutionStatusDetail;
}

export const handler = async (
  event: ExecutionStatusChangeEvent,
): Promise<ReconcileResult | ReconcileResult[]> => {
  if (event['detail-type'] === 'Scheduled Event') {
    logger.appendKeys({ step: 'sweepRuns' });
    return sweepRuns(lifecycleDeps());
  }
  logger.appendKeys({ step: 'reconcileRun' });
  return reconcileRun(lifecycleDeps(), event.detail ?? {});
};
