/** Where local runs live: --data-dir, else $INSPECTOR_DATA_DIR, else $XDG_DATA_HOME/inspector, else ~/.local/share/inspector. */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.INSPECTOR_DATA_DIR) return path.resolve(env.INSPECTOR_DATA_DIR);
  const xdg = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : undefined;
  return path.join(xdg ?? path.join(os.homedir(), '.local', 'share'), 'inspector');
}

/** Create the data directory (owner-only) if needed and return its absolute path. */
export function ensureDataDir(dir: string): string {
  const abs = path.resolve(dir);
  mkdirSync(abs, { recursive: true, mode: 0o700 });
  return abs;
}
