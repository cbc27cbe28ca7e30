/**
 * The PDF renderer's side bundle decompresses WOFF2 font data with Node's brotli (functions/report/
 * brotli-decompress.ts) where fontkit imports the `brotli` package: same bytes as the package on real data,
 * and a clear error on damaged data.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import decompress from '../../../functions/report/brotli-decompress';
import { REPO_ROOT } from '../../../scripts/build-agent';

const reference = createRequire(import.meta.url)('brotli/decompress.js') as (
  buffer: Uint8Array,
  outSize?: number,
) => Uint8Array;

const font = readFileSync(path.join(REPO_ROOT, 'node_modules/dejavu-fonts-ttf/ttf/DejaVuSansMono.ttf'));

describe('brotli decompression for fontkit (Node zlib in place of the brotli package)', () => {
  it.each([
    ['a TrueType font, quality 11 (as WOFF2 encoders write it)', font, 11],
    ['the same font, quality 1', font, 1],
    ['text', Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(200)), 5],
    ['one byte', Buffer.from([0x41]), 11],
  ])('%s: the bytes the brotli package returns, with and without the expected size', (_, data, quality) => {
    const compressed = new Uint8Array(
      brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: quality } }),
    );
    const ours = decompress(compressed, data.byteLength);
    expect(ours).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(ours).equals(Buffer.from(reference(compressed, data.byteLength)))).toBe(true);
    expect(Buffer.from(ours).equals(data)).toBe(true);
    expect(Buffer.from(decompress(compressed)).equals(data)).toBe(true);
  });

  it('refuses damaged data and data larger than the size the font declares', () => {
    const compressed = brotliCompressSync(font);
    const damaged = new Uint8Array(compressed.subarray(0, compressed.byteLength >> 1));
    expect(() => decompress(damaged, font.byteLength)).toThrow();
    expect(() => decompress(new Uint8Array(compressed), 1024)).toThrow();
  });
});
