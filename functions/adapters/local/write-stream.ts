/**
 * Writing a large document (an assessment's JSON, its HTML report) a piece at a time: to a stream with
 * backpressure (standard output), or to a file through a temporary name renamed into place once every byte is
 * written, so a failed write (ENOSPC, a closed pipe) never leaves a half file under the real name. Only a
 * batch of about BATCH characters is held at a time, never the whole document.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * Characters gathered before one write (16 KiB of ASCII). Small on purpose: a string this size is made and
 * dropped in V8's young generation, while 128 Ki-character batches (large objects, kept until a full
 * collection) left an assessment of 4,000 findings at 148-156 MiB peak RSS instead of 132-133 (measured with
 * bench/assess-memory.ts; 8 Ki gave the same as 16 Ki).
 */
const BATCH = 16 * 1024;

/** A write that failed: what was being written, and the system's reason (its `code`: EPIPE, ENOSPC…). */
export class OutputWriteError extends Error {
  override readonly name = 'OutputWriteError';
  readonly code: string | undefined;
  constructor(
    readonly target: string,
    cause: unknown,
  ) {
    const e = cause as NodeJS.ErrnoException;
    super(`could not write ${target}: ${e?.message ?? String(cause)}`);
    this.code = e?.code;
  }
}

function writeOnce(out: Writable, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Writes `chunks` to `out` in batches, each awaited until the stream has taken it (its write callback): at
 * most one batch is in flight, whatever the reader's pace (backpressure), and a failed write is seen at once.
 * Rejects with the stream's first error and stops pulling chunks; a chunk source that throws rejects too.
 * Does not end the stream. It listens for the stream's 'error' events while it runs, and after a failure for
 * good (so none is ever unhandled, and process.stdout's general handler in cli/main.ts leaves it to the caller).
 */
export async function writeChunks(out: Writable, chunks: Iterable<string | Uint8Array>): Promise<void> {
  let failure: Error | undefined;
  const onError = (err: Error) => {
    failure ??= err;
  };
  out.on('error', onError);
  try {
    let batch = '';
    for (const chunk of chunks) {
      if (typeof chunk !== 'string') {
        // Bytes (a rendered PDF) are written as they are, after the text gathered before them.
        if (batch) await writeOnce(out, batch);
        batch = '';
        if (failure) throw failure;
        await writeOnce(out, chunk);
        if (failure) throw failure;
        continue;
      }
      batch += chunk;
      if (batch.length >= BATCH) {
        const data = batch;
        batch = '';
        await writeOnce(out, data);
        if (failure) throw failure;
      }
    }
    if (batch) await writeOnce(out, batch);
    if (failure) throw failure;
    out.off('error', onError);
  } catch (err) {
    // The listener stays: a stream reports its failure again as an 'error' event, an fs stream only once its
    // file is closed, after this has returned.
    throw failure ?? err;
  }
}

/**
 * Writes `chunks` to `file` through a temporary file beside it (`<file>.<random>.tmp`, created exclusively),
 * renamed over `file` only when every byte was written and the file closed. On any failure the temporary file
 * is removed, `file` is left as it was, and an OutputWriteError naming `file` is thrown. A `file` that is a
 * device or a pipe is written directly.
 */
export async function writeFileAtomic(
  file: string,
  chunks: Iterable<string | Uint8Array>,
  opts: { mode?: number } = {},
): Promise<void> {
  // A device or a pipe (`--report /dev/stdout`, a FIFO) is written as it is: there is nothing to rename over.
  const st = await fs.stat(file).catch(() => undefined);
  if (st && !st.isFile() && !st.isDirectory()) {
    const direct = createWriteStream(file, { flags: 'w' });
    try {
      await writeChunks(direct, chunks);
      direct.end();
      await finished(direct);
    } catch (err) {
      direct.destroy();
      throw new OutputWriteError(file, err);
    }
    return;
  }
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const out = createWriteStream(tmp, { flags: 'wx', mode: opts.mode ?? 0o666 });
  try {
    await writeChunks(out, chunks);
    out.end();
    await finished(out);
    await fs.rename(tmp, file);
  } catch (err) {
    out.on('error', () => {}); // the stream's own failure is reported below, once
    // Closed before the temporary file is removed: a destroy while the file is still being opened would
    // otherwise create it after the removal.
    await new Promise<void>((resolve) => {
      if (out.closed) resolve();
      else out.once('close', () => resolve());
      out.destroy();
    });
    await fs.rm(tmp, { force: true });
    throw new OutputWriteError(file, err);
  }
}
