/**
 * glob(3) expansion under a root, for sshd's `Include`: `*`, `?` and `[...]` in any path component,
 * results sorted like glob(3) does, hidden files matched only by a pattern that starts with a dot.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { globMatch, hasGlobMagic } from '../functions/core/telemetry/glob-match';
import type { RootFs } from './root-fs';

const MAX_MATCHES = 256;

export async function expandGlob(rootFs: RootFs, pattern: string): Promise<string[]> {
  const parts = pattern.split('/').filter((p) => p !== '' && p !== '.');
  let current = ['/'];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of current) {
      if (!hasGlobMagic(part)) {
        next.push(path.posix.join(dir, part));
        continue;
      }
      let names: string[];
      try {
        names = await fs.readdir(await rootFs.resolve(dir));
      } catch {
        continue;
      }
      for (const n of names.sort()) if (globMatch(part, n)) next.push(path.posix.join(dir, n));
    }
    current = next.slice(0, MAX_MATCHES);
  }
  const existing: string[] = [];
  for (const p of current) {
    try {
      await fs.stat(await rootFs.resolve(p));
      existing.push(p);
    } catch {
      // glob(3) returns only existing paths.
    }
  }
  return existing.sort();
}
