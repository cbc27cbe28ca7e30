/**
 * Brotli decompression for fontkit's WOFF2 decoder in the Lambda's PDF renderer, by Node's own zlib instead
 * of the `brotli` package (a JavaScript port whose 120 KB dictionary, as base64, is over half of the
 * renderer's bundle). fontkit calls `decompress(buffer, outSize)`; the side bundle maps `brotli/decompress.js`
 * here (infra/constructs/inspector-function.ts, SIDE_BUNDLE_ALIASES). The report's fonts are TrueType, so no
 * report decompresses anything today: this keeps a WOFF2 font working the same, checked against the package
 * (test/unit/report/brotli-decompress.test.ts).
 */
import { brotliDecompressSync } from 'node:zlib';

export default function decompress(buffer: Uint8Array, outSize?: number): Uint8Array {
  const out = brotliDecompressSync(
    buffer,
    outSize !== undefined ? { maxOutputLength: Math.max(outSize, 1) } : {},
  );
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
