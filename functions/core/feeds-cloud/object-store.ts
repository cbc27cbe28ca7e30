/**
 * The few object-storage operations the published feed needs (the feed bucket in the cloud; an S3-compatible
 * server in tests). Keys are full object keys (`feeds/CURRENT.json`).
 */
export interface FeedObjectStore {
  /** Where the objects live, for messages (`s3://bucket`). */
  readonly location: string;
  /** The object's bytes, or undefined when it does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Server-side copy of an existing object. */
  copy(fromKey: string, toKey: string): Promise<void>;
  /** The "folders" directly under `prefix` (`feeds/<generation>/`). */
  listFolders(prefix: string): Promise<string[]>;
  /** Delete every object under `prefix`; returns how many were deleted. */
  deletePrefix(prefix: string): Promise<number>;
}

/** No pointer in the feed bucket: the feed-sync Lambda has not published a feed yet. */
export class FeedNotPublishedError extends Error {
  override readonly name = 'FeedNotPublishedError';
}
