/**
 * write-stream.ts: writing a document a piece at a time. Files: every byte, or nothing under the real name
 * (the temporary file removed, an earlier file kept) when the pieces fail or the write does. Streams: one
 * batch in flight at a time (the source is not read ahead of a slow reader), and a write error (ENOSPC from a
 * real Writable, /dev/full) ends the write with that error, the source no longer read.
 */
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  OutputWriteError,
  writeChunks,
  writeFileAtomic,
} from '../../../functions/adapters/local/write-stream';

const dir = mkdtempSync(path.join(os.tmpdir(), 'inspector-write-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** n pieces of `size` characters each, counting how many were pulled. */
function pieces(
  n: number,
  size: number,
  failAt?: number,
): { chunks: Iterable<string>; pulled: () => number } {
  let pulled = 0;
  return {
    chunks: (function* () {
      for (let i = 0; i < n; i++) {
        if (i === failAt) throw new Error(`piece ${i} could not be made`);
        pulled++;
        yield String.fromCharCode(97 + (i % 26)).repeat(size);
      }
    })(),
    pulled: () => pulled,
  };
}

describe('writeFileAtomic', () => {
  it('writes every piece, text and bytes, with the mode asked for; no temporary file left', async () => {
    const file = path.join(dir, 'whole.txt');
    const p = pieces(500, 1000);
    await writeFileAtomic(file, p.chunks, { mode: 0o600 });
    const text = readFileSync(file, 'utf8');
    expect(text.length).toBe(500_000);
    expect(text.slice(0, 3) + text.slice(-3)).toBe('aaafff');
    expect(await import('node:fs').then((fs) => fs.statSync(file).mode & 0o777)).toBe(0o600);
    await writeFileAtomic(file, ['é', Buffer.from([0x25, 0x50, 0x44, 0x46]), 'z']);
    expect(readFileSync(file)).toEqual(Buffer.from('é%PDFz', 'utf8'));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a source that fails midway: an error naming the file, the earlier file kept, no temporary file', async () => {
    const file = path.join(dir, 'kept.txt');
    writeFileSync(file, 'the earlier report');
    const p = pieces(1000, 1000, 600);
    const err = await writeFileAtomic(file, p.chunks).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputWriteError);
    expect((err as Error).message).toBe(`could not write ${file}: piece 600 could not be made`);
    expect(readFileSync(file, 'utf8')).toBe('the earlier report');
    expect(readdirSync(dir).filter((f) => f.startsWith('kept.txt.'))).toEqual([]);
  });

  it('a device (--report /dev/stdout, /dev/null): written directly, no temporary file beside it', async () => {
    const before = readdirSync('/dev').filter((f) => f.endsWith('.tmp'));
    await writeFileAtomic('/dev/null', pieces(100, 1000).chunks);
    expect(readdirSync('/dev').filter((f) => f.endsWith('.tmp'))).toEqual(before);
    if (existsSync('/dev/full')) {
      const err = (await writeFileAtomic('/dev/full', ['x']).catch((e: unknown) => e)) as OutputWriteError;
      expect(err).toBeInstanceOf(OutputWriteError);
      expect(err.code).toBe('ENOSPC');
    }
  });

  it('a directory that does not exist: ENOENT, named, nothing created', async () => {
    const file = path.join(dir, 'no-such-dir', 'report.html');
    const err = (await writeFileAtomic(file, ['x']).catch((e: unknown) => e)) as OutputWriteError;
    expect(err).toBeInstanceOf(OutputWriteError);
    expect(err.code).toBe('ENOENT');
    expect(err.message).toMatch(new RegExp(`^could not write ${file}: ENOENT`));
    expect(existsSync(path.dirname(file))).toBe(false);
  });
});

describe('writeChunks', () => {
  it('waits for a slow reader: never more than one batch taken ahead of what it has written', async () => {
    let written = 0;
    let maxAhead = 0;
    const p = pieces(2000, 1000);
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, cb) {
        setTimeout(() => {
          written += chunk.length;
          cb();
        }, 1);
      },
    });
    const source = (function* () {
      for (const c of p.chunks) {
        maxAhead = Math.max(maxAhead, p.pulled() * 1000 - written);
        yield c;
      }
    })();
    await writeChunks(slow, source);
    expect(written).toBe(2_000_000);
    // One batch (16 Ki characters) gathered while the previous one is written, and the piece that filled it.
    expect(maxAhead).toBeLessThanOrEqual(2 * 16 * 1024 + 1000);
  });

  it('a write that fails (ENOSPC): rejected with that error, the source no longer read', async () => {
    const p = pieces(5000, 1000);
    let writes = 0;
    const full = new Writable({
      write(_chunk, _enc, cb) {
        writes++;
        if (writes < 3) cb();
        else cb(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      },
    });
    const err = (await writeChunks(full, p.chunks).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(err.code).toBe('ENOSPC');
    expect(p.pulled()).toBeLessThanOrEqual(3 * 17);
  });

  it('/dev/full, a real full device: ENOSPC', async () => {
    if (!existsSync('/dev/full')) return;
    const out = createWriteStream('/dev/full');
    const p = pieces(1000, 1000);
    const err = (await writeChunks(out, p.chunks).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    out.destroy();
    expect(err.code).toBe('ENOSPC');
    expect(p.pulled()).toBeLessThan(1000);
  });
});
