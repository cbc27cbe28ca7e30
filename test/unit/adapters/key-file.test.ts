import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KEY_FILE_NAME, loadOrCreateKey } from '../../../functions/adapters/local/key-file';

const MODULE = path.resolve(__dirname, '../../../functions/adapters/local/key-file.ts');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmpDir = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'key-file-'));
  dirs.push(d);
  return d;
};

type Outcome = { key: string } | { error: string };

/**
 * Runs loadOrCreateKey in `procs` separate node processes over the same directories. Each process waits
 * for a common start time (so they really do race), then goes through `dataDirs` in order; it answers one
 * outcome per directory: the key in hex or the error message.
 */
async function raceProcesses(dataDirs: string[], procs: number, umask?: number): Promise<Outcome[][]> {
  const startAt = Date.now() + 1500;
  const script = `
    import { loadOrCreateKey } from ${JSON.stringify(MODULE)};
    ${umask === undefined ? '' : `process.umask(${umask});`}
    const dirs = JSON.parse(process.env.KEY_DIRS);
    while (Date.now() < ${startAt});
    const out = dirs.map((d) => {
      try {
        return { key: loadOrCreateKey(d).key.toString('hex') };
      } catch (e) {
        return { error: e.message };
      }
    });
    process.stdout.write(JSON.stringify(out));`;
  const run = () =>
    new Promise<Outcome[]>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, KEY_DIRS: JSON.stringify(dataDirs) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (b) => {
        out += b;
      });
      child.stderr.on('data', (b) => {
        err += b;
      });
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve(JSON.parse(out) as Outcome[])
          : reject(new Error(`child exited ${code}: ${err}`)),
      );
    });
  return Promise.all(Array.from({ length: procs }, run));
}

/** Every process got the same 32-byte key for each directory, and that key is what the file holds. */
function expectOneKeyPerDir(dataDirs: string[], results: Outcome[][]): void {
  const errors = results.flat().filter((o): o is { error: string } => 'error' in o);
  expect(errors.map((e) => e.error)).toEqual([]);
  for (const [i, d] of dataDirs.entries()) {
    const keys = new Set(results.map((r) => (r[i] as { key: string }).key));
    expect(keys.size, d).toBe(1);
    const [key] = [...keys];
    expect(Buffer.from(key!, 'hex').byteLength).toBe(32);
    expect(readFileSync(path.join(d, KEY_FILE_NAME)).toString('hex')).toBe(key);
    // No temporary file is left behind.
    expect(readdirSync(d).filter((f) => !f.startsWith('.telemetry.key.repair-'))).toEqual([KEY_FILE_NAME]);
  }
}

describe('local telemetry key file', () => {
  it('8 processes creating the key at once all get the same 32-byte key, none an error or a partial key', async () => {
    const dataDirs = Array.from({ length: 150 }, tmpDir);
    const results = await raceProcesses(dataDirs, 8);
    expectOneKeyPerDir(dataDirs, results);
  });

  it('is created with mode 0600 even under umask 000, and kept on the next call', async () => {
    const d = tmpDir();
    const [results] = await raceProcesses([d], 1, 0o000);
    const first = results?.[0];
    expect(statSync(path.join(d, KEY_FILE_NAME)).mode & 0o777).toBe(0o600);
    const again = loadOrCreateKey(d);
    expect(again.created).toBe(false);
    expect(again.key.toString('hex')).toBe((first as { key: string } | undefined)?.key);
  });

  it('refuses a key file that group or others can read', () => {
    const d = tmpDir();
    loadOrCreateKey(d);
    chmodSync(path.join(d, KEY_FILE_NAME), 0o644);
    expect(() => loadOrCreateKey(d)).toThrow(/accessible by group or others .*chmod 600/);
  });

  it('an empty key file (a crash of an older version between create and write) is replaced by one full key, also when 8 processes find it at once', async () => {
    const single = tmpDir();
    writeFileSync(path.join(single, KEY_FILE_NAME), '', { mode: 0o600 });
    const repaired = loadOrCreateKey(single);
    expect(repaired.key.byteLength).toBe(32);
    expect(repaired.created).toBe(true);
    expect(readFileSync(path.join(single, KEY_FILE_NAME)).equals(repaired.key)).toBe(true);
    expect(statSync(path.join(single, KEY_FILE_NAME)).mode & 0o777).toBe(0o600);
    expect(loadOrCreateKey(single).key.equals(repaired.key)).toBe(true);

    const dataDirs = Array.from({ length: 40 }, tmpDir);
    for (const d of dataDirs) writeFileSync(path.join(d, KEY_FILE_NAME), '', { mode: 0o600 });
    expectOneKeyPerDir(dataDirs, await raceProcesses(dataDirs, 8));
  });

  it('a short non-empty key file is refused with how to fix it, and never replaced', () => {
    const d = tmpDir();
    const file = path.join(d, KEY_FILE_NAME);
    writeFileSync(file, Buffer.alloc(5, 7), { mode: 0o600 });
    expect(() => loadOrCreateKey(d)).toThrow(
      /holds 5 bytes, not 32.*remove it.*cannot be decrypted any more/s,
    );
    expect(readFileSync(file).equals(Buffer.alloc(5, 7))).toBe(true);
  });
});
