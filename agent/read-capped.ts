import type { promises as fs } from 'node:fs';

/** Reads at most a little over `maxBytes` (the caller compares the length with its cap). */
export async function readCapped(handle: fs.FileHandle, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunk = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    chunks.push(Buffer.from(chunk.subarray(0, bytesRead)));
    total += bytesRead;
    if (total > maxBytes) break;
  }
  return Buffer.concat(chunks);
}
