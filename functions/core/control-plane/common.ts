/** Input pieces shared by the control-plane operations. */
import * as z from 'zod';
import { idSchema } from '../telemetry/schema';
import { invalidInput } from './errors';
import type { Page } from './ports';

export { idSchema };

export const DEFAULT_MAX_RESULTS = 50;
export const pageFields = {
  maxResults: z.number().int().min(1).max(500).default(DEFAULT_MAX_RESULTS),
  nextToken: z.string().min(1).max(4096).optional(),
};

export const timestampSchema = z.iso.datetime({ offset: true });

export const keyValueSchema = z.strictObject({ key: z.string().min(1).max(128), value: z.string().max(256) });

/** Keys must be unique in a list of key/value pairs. */
export function uniqueKeys<T extends { key: string }>(items: T[], what: string): T[] {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.key)) throw invalidInput(`${what}: key "${item.key}" appears twice`);
    seen.add(item.key);
  }
  return items;
}

/** Pages over an array already in memory (preview-agents, subscriptions); the token is an offset. */
export function pageArray<T>(all: T[], maxResults: number, nextToken: string | undefined): Page<T> {
  let start = 0;
  if (nextToken !== undefined) {
    if (!/^\d+$/.test(nextToken)) throw invalidInput('nextToken is not valid for this operation');
    start = Number(nextToken);
  }
  const items = all.slice(start, start + maxResults);
  const next = start + maxResults;
  return next < all.length ? { items, nextToken: String(next) } : { items };
}

/** Classic answers batch describes with the items found and the ids that failed. */
export interface FailedItem {
  id: string;
  /** Classic's FailedItemErrorCode. */
  failureCode:
    | 'INVALID_ARN'
    | 'DUPLICATE_ARN'
    | 'ITEM_DOES_NOT_EXIST'
    | 'ACCESS_DENIED'
    | 'LIMIT_EXCEEDED'
    | 'INTERNAL_ERROR';
  message?: string;
  /** Classic's FailedItemDetails.retryable: whether the same request may succeed later. */
  retryable?: boolean;
}

/** `*` matches any run of characters, `?` one; everything else literally, case-insensitive. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Reads every page of a paged list. */
export async function readAll<T>(
  list: (page: { maxResults: number; nextToken?: string }) => Promise<Page<T>>,
): Promise<T[]> {
  const all: T[] = [];
  let nextToken: string | undefined;
  do {
    const page = await list(nextToken ? { maxResults: 500, nextToken } : { maxResults: 500 });
    all.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}
