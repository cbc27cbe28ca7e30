/**
 * Where `inspector feeds sync` and the first-run sync of `inspector assess` download from: the official URLs,
 * or those the environment variable INSPECTOR_FEED_SYNC_CONFIG names (a mirror, a test server on 127.0.0.1).
 * Its value is JSON with the keys of the feed-sync Lambda's FEED_SYNC_CONFIG that apply to downloads:
 * `{ "urls": { "osvBase": "...", "kev": "...", ... }, "allowHttp": true }` (any subset of the URLs).
 */
import * as z from 'zod';
import { type FeedSource, type FeedUrls, OFFICIAL_FEED_URLS, officialSources } from './sync';

export const FEED_SYNC_CONFIG_ENV = 'INSPECTOR_FEED_SYNC_CONFIG';

const configSchema = z
  .object({
    urls: z.record(z.string(), z.string()).optional(),
    allowHttp: z.boolean().optional(),
  })
  .strict();

/** The sources to sync, with the URLs the environment replaces; throws a one-line reason when it is wrong. */
export function configuredSources(env: NodeJS.ProcessEnv = process.env): FeedSource[] {
  const raw = env[FEED_SYNC_CONFIG_ENV];
  if (!raw) return officialSources();
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${FEED_SYNC_CONFIG_ENV} is not JSON: ${(err as Error).message}`);
  }
  const c = configSchema.safeParse(value);
  if (!c.success) {
    const i = c.error.issues[0];
    throw new Error(`${FEED_SYNC_CONFIG_ENV}: ${i?.path.join('.') || '(document)'}: ${i?.message}`);
  }
  const known = Object.keys(OFFICIAL_FEED_URLS);
  const urls: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.data.urls ?? {})) {
    if (!known.includes(k) && k !== 'cveListV5')
      throw new Error(`${FEED_SYNC_CONFIG_ENV}: urls.${k} is not a feed URL (known: ${known.join(', ')})`);
    if (v !== '' && !/^https?:\/\/\S+$/.test(v))
      throw new Error(`${FEED_SYNC_CONFIG_ENV}: urls.${k} is not an http(s) URL: ${v}`);
    urls[k] = v;
  }
  return officialSources(urls as Partial<FeedUrls>, { allowHttp: c.data.allowHttp ?? false });
}
