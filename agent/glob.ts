/**
 * glob(3) expansion under a root, for sshd's `Include`: `*`, `?` and `[...]` in any path component,
 * results sorted like glob(3) does, hidden files matched only by a pattern that starts with a dot.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RootFs } from './root-fs';

const MAX_MATCHES = 256;

export async function expandGlob(rootFs: RootFs, pattern: string): Promise<string[]> {
  const parts = pattern.split('/').filter((p) => p !== '' && p !== '.');
  let current = ['/'];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of current) {
      if (!hasMagic(part)) {
        next.push(path.posix.join(dir, part));
        continue;
      }
      let names: string[];
      try {
        names = await fs.readdir(await rootFs.resolve(dir));
      } catch {
        continue;
      }
      const re = globToRegExp(part);
      for (const n of names.sort()) if (re.test(n)) next.push(path.posix.join(dir, n));
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

function hasMagic(s: string): boolean {
  return /[*?[]/.test(s);
}

export function globToRegExp(part: string): RegExp {
  let re = part.startsWith('.') ? '' : '(?!\\.)';
  for (let i = 0; i < part.length; i++) {
    const ch = part[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = part.indexOf(']', i + 2);
      if (close === -1) {
        re += '\\[';
        continue;
      }
      let body = part.slice(i + 1, close);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
