/**
 * The local telemetry key: 32 random bytes in <dataDir>/telemetry.key, mode 0600, refused when anyone but
 * the owner can read it (as ssh refuses a readable private key).
 *
 * The key appears at its name whole or not at all, so a concurrent `assess` never reads a partial key: it is
 * written to a unique temporary file in the same directory (0600), fsynced, then hard-linked to the final
 * name. link() fails with EEXIST when another process got there first; then that process's key is used.
 * The final name is never renamed over an existing key: that would lose the key earlier telemetry was
 * encrypted with.
 *
 * Older versions created the file and then wrote it, so a crash in between left an EMPTY key file, and a
 * concurrent reader could see 0 bytes. An empty file holds no key and nothing was ever encrypted with it, so
 * it is replaced (see repairEmptyKey for why that is safe when several processes find it at once). A file
 * of any other length than 32 bytes is damaged: it is refused with how to fix it, never replaced.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

export const KEY_FILE_NAME = 'telemetry.key';
const KEY_BYTES = 32;

export function loadOrCreateKey(dataDir: string): { key: Buffer; path: string; created: boolean } {
  const file = path.join(dataDir, KEY_FILE_NAME);
  let created = false;
  let found = readIfExists(file);
  if (found === undefined) {
    created = publishNewKey(file, (tmp) => linkSync(tmp, file));
    found = readIfExists(file);
    if (found === undefined) throw new Error(`key file ${file} vanished while it was being created`);
  }
  let key = found.bytes;
  if (key.byteLength === 0) {
    created = repairEmptyKey(file, found.ino);
    key = readFileSync(file);
  }
  const st = statSync(file);
  if ((st.mode & 0o077) !== 0) {
    throw new Error(
      `key file ${file} is accessible by group or others (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${file}`,
    );
  }
  if (key.byteLength !== KEY_BYTES) {
    throw new Error(
      `key file ${file} holds ${key.byteLength} bytes, not ${KEY_BYTES}: it is damaged. Restore it from a backup if ` +
        'you have one; otherwise remove it and a new key is made on the next run (local telemetry encrypted ' +
        'with the old key cannot be decrypted any more).',
    );
  }
  return { key, path: file, created };
}

/** The file's bytes and inode, read through one descriptor (so the inode is the one those bytes came from). */
function readIfExists(file: string): { bytes: Buffer; ino: number } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return { bytes: readFileSync(fd), ino: fstatSync(fd).ino };
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a new key to a unique temporary file next to `file` (0600, fsynced) and hands that file to
 * `publish`, which links it into place; EEXIST from `publish` means another process won (their key stands).
 * The temporary name is always removed. Returns whether this process's key was published.
 */
function publishNewKey(file: string, publish: (tmp: string) => void): boolean {
  const tmp = tempName(file);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    fchmodSync(fd, 0o600); // whatever the umask
    const key = randomBytes(KEY_BYTES);
    for (let off = 0; off < key.length; ) off += writeSync(fd, key, off, key.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkQuietly(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    publish(tmp);
    fsyncDir(path.dirname(file));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkQuietly(tmp);
  }
}

/**
 * Replaces an empty key file (an older version's crash leftover; `ino` is the inode this process read 0
 * bytes from) with a full key, such that every process that finds the same empty file ends up with the same
 * key, whatever the interleaving (this code never writes into an existing inode, so an inode once seen empty
 * only ever holds no key):
 * - the processes agree on ONE key through a marker name derived from the empty file's inode,
 *   `.telemetry.key.repair-<inode>`, created with link() (first one wins, EEXIST for the others) and never
 *   removed (removing it would let a late process start a second, different repair);
 * - each then renames a fresh hard link of that marker over the key file. Only the empty file or the very
 *   same key inode can be at the name then (no new-style creator links a key while the name exists), so
 *   nothing but the empty file is ever replaced; renaming a link of the same inode onto itself is a no-op.
 * The marker stays as a second name of the key, same inode and mode. Returns whether this process's key won.
 */
function repairEmptyKey(file: string, ino: number): boolean {
  const marker = path.join(path.dirname(file), `.${KEY_FILE_NAME}.repair-${ino}`);
  const won = publishNewKey(file, (tmp) => linkSync(tmp, marker));
  const link = tempName(file);
  linkSync(marker, link);
  try {
    renameSync(link, file);
    fsyncDir(path.dirname(file));
  } finally {
    unlinkQuietly(link);
  }
  return won;
}

function tempName(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
}

function unlinkQuietly(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // already gone
  }
}

/** Makes a new directory entry durable (best effort: not every platform can fsync a directory). */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
