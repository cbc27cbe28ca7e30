/**
 * The local telemetry key: 32 random bytes in <dataDir>/telemetry.key, created with mode 0600 and refused
 * when anyone but the owner can read it (as ssh refuses a readable private key).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

export const KEY_FILE_NAME = 'telemetry.key';

export function loadOrCreateKey(dataDir: string): { key: Buffer; path: string; created: boolean } {
  const file = path.join(dataDir, KEY_FILE_NAME);
  let created = false;
  try {
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, randomBytes(32));
    } finally {
      closeSync(fd);
    }
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = statSync(file);
  if ((st.mode & 0o077) !== 0) {
    throw new Error(
      `key file ${file} is accessible by group or others (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${file}`,
    );
  }
  const key = readFileSync(file);
  if (key.byteLength !== 32)
    throw new Error(`key file ${file} must hold 32 bytes, it holds ${key.byteLength}`);
  return { key, path: file, created };
}
