/**
 * Single-flight feed sync without reserved concurrency: a lease that at most one sync holds at a time.
 * Two overlapping syncs (the daily rule, its retries, a manual invoke after deploy) could otherwise delete
 * each other's unpublished generation (publish.ts deletes every generation but the new and the previous).
 *
 * The holder renews the lease while it works (a heartbeat) and confirms it, with a conditional write, just
 * before it writes the pointer and deletes old generations: a sync that lost its lease (it was frozen or
 * slowed past the lease) stops before it changes anything readers see. A sync that crashes (timeout, out of
 * memory) stops renewing, so its lease expires and the next sync takes it over.
 */

/** Lease length; renewed every RENEW_EVERY_MS while the sync runs, so a crashed holder frees it this soon. */
export const FEED_SYNC_LEASE_MS = 5 * 60_000;
export const FEED_SYNC_LEASE_RENEW_MS = 60_000;

export interface LeaseHolder {
  owner: string;
  expiresAt: Date;
}

export type LeaseAcquisition = { acquired: true } | { acquired: false; holder?: LeaseHolder };

export interface FeedSyncLeaseStore {
  /** Takes the lease when nobody holds it or the holder's lease expired before `now`. */
  acquire(owner: string, now: Date, leaseMs: number): Promise<LeaseAcquisition>;
  /** Extends `owner`'s lease; false when it no longer holds it (expired, or taken over). */
  renew(owner: string, now: Date, leaseMs: number): Promise<boolean>;
  /** Gives the lease up if `owner` still holds it (a no-op otherwise). */
  release(owner: string): Promise<void>;
}

/** The sync no longer holds the lease: another sync may be publishing, so this one must not. */
export class FeedSyncLeaseLostError extends Error {
  override readonly name = 'FeedSyncLeaseLostError';
}

export interface HeldLease {
  /** Throws FeedSyncLeaseLostError unless the lease is still ours (renewing it). */
  confirm(): Promise<void>;
  release(): Promise<void>;
}

/**
 * Runs `work` while holding the lease; undefined (work not run) with the holder when another sync holds it.
 * The heartbeat renews every `renewMs`; a failed renewal is remembered and surfaces at the next confirm().
 */
export async function withFeedSyncLease<T>(
  store: FeedSyncLeaseStore,
  owner: string,
  work: (lease: HeldLease) => Promise<T>,
  opts: { now?: () => Date; leaseMs?: number; renewMs?: number } = {},
): Promise<{ ran: true; result: T } | { ran: false; holder?: LeaseHolder }> {
  const now = opts.now ?? (() => new Date());
  const leaseMs = opts.leaseMs ?? FEED_SYNC_LEASE_MS;
  const got = await store.acquire(owner, now(), leaseMs);
  if (!got.acquired) return { ran: false, ...(got.holder ? { holder: got.holder } : {}) };
  let lost: string | undefined;
  const renew = async (): Promise<void> => {
    if (lost) return;
    try {
      if (!(await store.renew(owner, now(), leaseMs))) lost = 'the lease expired or another sync took it';
    } catch (err) {
      // A transient failure is not a loss: the next renewal or the confirm decides.
      void err;
    }
  };
  const timer = setInterval(() => void renew(), opts.renewMs ?? FEED_SYNC_LEASE_RENEW_MS);
  timer.unref();
  const lease: HeldLease = {
    confirm: async () => {
      if (!lost && !(await store.renew(owner, now(), leaseMs)))
        lost = 'the lease expired or another sync took it';
      if (lost) throw new FeedSyncLeaseLostError(`feed sync ${owner} lost its lease: ${lost}`);
    },
    release: () => store.release(owner),
  };
  try {
    return { ran: true, result: await work(lease) };
  } finally {
    clearInterval(timer);
    await store.release(owner).catch(() => undefined); // it expires anyway
  }
}
