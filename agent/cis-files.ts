/**
 * Stat and listing material for the cis package's file rules (file_permissions, file_owner,
 * file_groupowner, file_existence): every path they name is stat-ed, every directory whose files they judge
 * by name is listed, with its subdirectories where the rule is recursive (at most MAX_SUBDIRECTORIES
 * listings and MAX_DEPTH levels; what is not listed the evaluator reports as not seen).
 */
import { CIS_LISTED_DIRECTORIES, CIS_STAT_PATHS } from '../functions/core/telemetry/cis-paths';
import type { Collector } from './collect';

export const MAX_SUBDIRECTORIES = 48;
export const MAX_DEPTH = 3;

export async function collectCisFiles(c: Collector): Promise<void> {
  await Promise.all(CIS_STAT_PATHS.filter((p) => !c.paths[p]).map((p) => c.stat(p)));
  let sub = 0;
  for (const { path: dir, recursive } of CIS_LISTED_DIRECTORIES) {
    const queue: Array<[string, number]> = [[dir, 0]];
    while (queue.length) {
      const [d, depth] = queue.shift()!;
      const rec = await c.listing(d);
      if (!recursive || rec.status !== 'ok' || depth >= MAX_DEPTH) continue;
      for (const e of rec.entries) {
        if (e.type !== 'directory') continue;
        if (++sub > MAX_SUBDIRECTORIES) {
          if (sub === MAX_SUBDIRECTORIES + 1)
            c.warnings.push(
              `cis: more than ${MAX_SUBDIRECTORIES} subdirectories of file-rule directories, the rest not listed`,
            );
          continue;
        }
        queue.push([`${d}/${e.name}`, depth + 1]);
      }
    }
  }
}
