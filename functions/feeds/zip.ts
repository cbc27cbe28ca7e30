/**
 * A minimal zip reader (PKWARE APPNOTE: end of central directory → central directory → local headers) for
 * OSV's `all.zip` exports: stored and deflated entries, no encryption, no zip64. Written here rather than
 * adding a dependency: Node's zlib does the inflating; this file only walks the directory.
 */
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  size: number;
  /** Decompress on demand, so a large archive is not inflated all at once. */
  read(): Buffer;
}

export class ZipError extends Error {
  override readonly name = 'ZipError';
}

const EOCD = 0x06054b50;
const CDH = 0x02014b50;
const LFH = 0x04034b50;

export function readZip(buf: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('not a zip archive (no end of central directory record)');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) {
    throw new ZipError('zip64 archives are not supported');
  }
  if (cdOffset + cdSize > buf.length)
    throw new ZipError('central directory lies outside the archive (truncated?)');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CDH)
      throw new ZipError(`bad central directory entry ${n}`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (flags & 1) throw new ZipError(`${name}: encrypted entries are not supported`);
    if (csize === 0xffffffff || usize === 0xffffffff)
      throw new ZipError(`${name}: zip64 entries are not supported`);
    if (method !== 0 && method !== 8)
      throw new ZipError(`${name}: compression method ${method} is not supported`);
    entries.push({
      name,
      size: usize,
      read() {
        if (local + 30 > buf.length || buf.readUInt32LE(local) !== LFH)
          throw new ZipError(`${name}: bad local header`);
        const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
        if (start + csize > buf.length)
          throw new ZipError(`${name}: data lies outside the archive (truncated?)`);
        const raw = buf.subarray(start, start + csize);
        const data = method === 0 ? Buffer.from(raw) : inflateRawSync(raw);
        if (data.length !== usize)
          throw new ZipError(`${name}: inflated to ${data.length} bytes, expected ${usize}`);
        return data;
      },
    });
  }
  return entries;
}
