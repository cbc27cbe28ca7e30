// Whether dist/cli (scripts/build-cli.ts) is older than what it was built from. Plain JavaScript so that
// `npm start` (scripts/start.mjs) checks it with no TypeScript loader: a few hundred stats, a few ms.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The entry's name in the build's metafile (its source is written by the build, not read from a file). */
export const CLI_ENTRY_NAME = 'cli-entry.ts';

/** Files that change every build, besides the bundle's own inputs. */
const ALWAYS = ['package.json', 'package-lock.json', 'scripts/cli-build-state.mjs'];

function newestMtime(file) {
  const st = statSync(file);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(file)) newest = Math.max(newest, newestMtime(path.join(file, e)));
  return newest;
}

/**
 * Why `outDir` must be rebuilt, or undefined when its meta.json (written last by the build) is newer than
 * every input the build recorded (esbuild's inputs, and `otherInputs`: the assets and the build script) and
 * than package.json and the lockfile (paths from `root`).
 * A command file added to functions/cli/commands is registered by editing main.ts, an input: it is caught.
 * @param {string} outDir
 * @param {string} root
 * @returns {string | undefined}
 */
export function staleReason(outDir, root) {
  const metaFile = path.join(outDir, 'meta.json');
  if (!existsSync(path.join(outDir, 'inspector.mjs')) || !existsSync(metaFile)) return 'no build';
  const builtAt = statSync(metaFile).mtimeMs;
  let meta;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  } catch {
    return 'unreadable meta.json';
  }
  const inputs = [
    ...Object.keys(meta.inputs ?? {}).filter((f) => f !== CLI_ENTRY_NAME),
    ...ALWAYS,
    ...(meta.otherInputs ?? []),
  ];
  for (const rel of inputs) {
    let mtime;
    try {
      mtime = newestMtime(path.resolve(root, rel));
    } catch {
      return `${rel} is gone`;
    }
    if (mtime > builtAt) return `${rel} changed`;
  }
  return undefined;
}
