/**
 * The published vulnerability feed in the feed bucket:
 *
 *   feeds/<generation>/<family>-<release>.idx    one compiled release index (index-format.ts), immutable
 *   feeds/<generation>/kev.json, epss.json       compiled KEV catalogue and EPSS scores, immutable
 *   feeds/<generation>/cve-scores.json           CVSS by CVE from the CVE records (NVD, CVE List V5), immutable
 *   feeds/<generation>/debian-urgency.json       Debian Security Tracker urgencies, immutable
 *   feeds/CURRENT.json                           the pointer: which generation is current, and for every
 *                                                object its key, size and sha256
 *
 * A generation is complete before the pointer names it (the pointer is written last), and objects are never
 * rewritten, so a reader that follows the pointer sees one consistent set and can verify every byte.
 * Each generation is self-contained: what a failed download could not refresh is copied from the previous
 * generation, so deleting old generations never breaks the current one.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { IndexFormatError } from '../../feeds/index-format';
import { FAMILIES } from '../../feeds/model';

export const FEEDS_PREFIX = 'feeds/';
export const POINTER_KEY = `${FEEDS_PREFIX}CURRENT.json`;
export const POINTER_KIND = 'inspector-cve-feed-pointer';

const GENERATION = /^\d{8}T\d{6}\d{3}Z-[0-9a-f]{6}$/;
/** Release indexes are `.idx` (schema 2; `.json` in generations published before it), the rest `.json`. */
const OBJECT_KEY = /^feeds\/\d{8}T\d{6}\d{3}Z-[0-9a-f]{6}\/[a-z0-9._-]+\.(?:idx|json)$/;

const objectRef = {
  key: z.string().regex(OBJECT_KEY),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The feed source that produced the object (`osv:Debian`, `cisa-kev`). */
  source: z.string(),
  /** When the object's content was compiled (older than the generation when it was carried over). */
  compiledAt: z.string(),
};

const pointerSchema = z.object({
  kind: z.literal(POINTER_KIND),
  schema: z.literal(1),
  generation: z.string().regex(GENERATION),
  publishedAt: z.string(),
  /** The generation this one replaced (kept until the next publish, for readers still on it). */
  previousGeneration: z.string().regex(GENERATION).optional(),
  releases: z.record(
    z.string(),
    z.object({
      ...objectRef,
      family: z.enum(FAMILIES),
      release: z.string().min(1),
      advisories: z.number().int().nonnegative(),
      packages: z.number().int().nonnegative(),
    }),
  ),
  kev: z
    .object({ ...objectRef, catalogVersion: z.string(), entries: z.number().int().nonnegative() })
    .optional(),
  epss: z
    .object({
      ...objectRef,
      scoreDate: z.string().optional(),
      modelVersion: z.string().optional(),
      entries: z.number().int().nonnegative(),
    })
    .optional(),
  /** CVSS base scores by CVE (feeds/cve-scores.ts); absent in generations published before it existed. */
  cveScores: z.object({ ...objectRef, entries: z.number().int().nonnegative() }).optional(),
  /** Debian Security Tracker urgencies (feeds/debian-urgency.ts). */
  debianUrgency: z
    .object({ ...objectRef, entries: z.number().int().nonnegative(), releases: z.array(z.string()) })
    .optional(),
  /** What the sync that published this generation did with each source. */
  sources: z.array(
    z.object({
      name: z.string(),
      status: z.enum(['refreshed', 'failed']),
      reason: z.string().optional(),
      /** Refreshed with something left out (e.g. invalid CVE records, too few to refuse the source). */
      warning: z.string().optional(),
    }),
  ),
});

export type FeedPointer = z.infer<typeof pointerSchema>;
export type PointerRelease = FeedPointer['releases'][string];
export type PointerObject = Pick<PointerRelease, 'key' | 'size' | 'sha256' | 'source' | 'compiledAt'>;

export function parsePointer(bytes: Uint8Array, source: string): FeedPointer {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new IndexFormatError(`${source} is not JSON: ${(err as Error).message}`);
  }
  const p = pointerSchema.safeParse(value);
  if (!p.success) {
    const issue = p.error.issues[0];
    throw new IndexFormatError(
      `${source} is not a feed pointer: ${issue?.path.join('.') || '(document)'}: ${issue?.message}`,
    );
  }
  return p.data;
}

/** A new generation id: sortable by time (to the millisecond), unique by a random suffix. */
export function newGeneration(now: Date): string {
  const t = now.toISOString().replace(/[-:.]/g, ''); // 20261130T031700123Z
  return `${t}-${randomBytes(3).toString('hex')}`;
}

export const generationPrefix = (generation: string): string => `${FEEDS_PREFIX}${generation}/`;

export const isGeneration = (s: string): boolean => GENERATION.test(s);

/** The object's file name inside its generation (`debian-12.json`). */
export const objectName = (key: string): string => key.slice(key.lastIndexOf('/') + 1);
