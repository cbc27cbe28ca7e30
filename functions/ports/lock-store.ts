/** An instance is in at most one active run. */
export interface LockStore {
  /**
   * Locks every instance for the run, all or nothing. Throws InstanceLockConflictError naming the instances
   * held by another run (and leaves no lock of this run behind). Re-acquiring locks the run already holds
   * succeeds (a retried StartRun).
   */
  acquire(runId: string, instanceIds: readonly string[], opts: { now: Date; expiresAt: Date }): Promise<void>;
  /** Releases the run's locks; locks held by another run are left alone. */
  release(runId: string, instanceIds: readonly string[]): Promise<void>;
}

export class InstanceLockConflictError extends Error {
  override readonly name = 'InstanceLockConflictError';
  constructor(
    message: string,
    readonly instanceIds: readonly string[],
  ) {
    super(message);
  }
}
