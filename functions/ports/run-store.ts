import type { RunState } from '../core/run';
import type { DeliveryFailure, RunInstance, StopAction, StoredRun } from '../core/run-lifecycle/model';

export interface TransitionOptions {
  at: string;
  /** Attributes set with the state (completedAt, findingCounts, failure...). */
  patch?: Partial<Omit<StoredRun, 'runId' | 'state' | 'stateHistory'>>;
}

/** Runs and their per-instance records. */
export interface RunStore {
  /** Records a new run; fails if the run id exists. */
  createRun(run: StoredRun): Promise<void>;
  getRun(runId: string): Promise<StoredRun | undefined>;
  /**
   * Moves a run to `to` and appends it to the state history. Returns the run after the change, or undefined
   * when the run is missing or already in a terminal state (nothing changed).
   */
  transition(runId: string, to: RunState, opts: TransitionOptions): Promise<StoredRun | undefined>;
  /** Counts a failed delivery to a subscriber topic and keeps it as the run's latest such failure. */
  recordDeliveryFailure(runId: string, failure: DeliveryFailure): Promise<void>;
  /** Records a stop request; false when the run is terminal or a stop was already requested. */
  requestStop(runId: string, action: StopAction, at: string): Promise<boolean>;
  putInstances(instances: readonly RunInstance[]): Promise<void>;
  updateInstance(
    runId: string,
    instanceId: string,
    patch: Partial<Omit<RunInstance, 'runId' | 'instanceId'>>,
  ): Promise<void>;
  listInstances(runId: string): Promise<RunInstance[]>;
  /** One instance of a run (strongly consistent), undefined when the run has no such instance. */
  getInstance(runId: string, instanceId: string): Promise<RunInstance | undefined>;
  /** Runs not in a terminal state and the instances they hold. */
  countActive(): Promise<{ runs: number; instances: number }>;
  /** Runs not in a terminal state. */
  listActive(): Promise<StoredRun[]>;
  /** Notes that the events of the run's terminal state were published (a redelivery need not repeat them). */
  recordTerminalEventsPublished(runId: string, at: string): Promise<void>;
  /** Deletes the run record and every instance record. */
  deleteRun(runId: string): Promise<void>;
}
