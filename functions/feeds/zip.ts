/**
 * A minimal zip reader (PKWARE APPNOTE: end of central directory → central directory → local headers) for
 * OSV's `all.zip` exports: stored and deflated entries, no encryption. Zip64 is read (APPNOTE 4.3.14-4.3.15
 * end of central directory record and locator, 4.5.3 extra field 0x0001 in central headers): an archive of
 * more than 65,535 entries, or over 4 GiB, needs it, and writers also use it for small archives (Info-ZIP
 * `zip -fz`, streaming writers). Written here rather than adding a dependency: Node's zlib does the
 * inflating; this file only walks the directory.
 *
 * Zip bombs: an entry declaring more than the limit for one file, or entries declaring more than the limit
 * for one archive in all, are refused before anything is inflated; an entry is inflated with zlib's
 * maxOutputLength set to the size it declares, so one that lies stops there. Together these bound what one
 * archive can inflate to the archive limit, and every failure is a ZipError naming the entry and the limit.
 */
import { inflateRawSync } from 'node:zlib';

const MiB = 1024 * 1024;

/**
 * How much feed input may decompress to (zip entries here; `.gz` files in import.ts):
 * - maxFileBytes, 256 MiB: one file once decompressed. The largest real ones are an Amazon Linux
 *   updateinfo.xml or an EPSS CSV (tens of MB); one OSV record is at most a few MB. Every file is then turned
 *   into one string, and V8 refuses strings over 512 MiB anyway, so nothing readable is lost. A gzip bomb
 *   costs at most this much memory before it is refused.
 * - maxArchiveBytes, 4 GiB: all the entries of one archive (and whatever is nested in them) together. OSV's
 *   Debian all.zip is about 1 GB uncompressed across ~100k small files, so this leaves 4x room for growth;
 *   entries are inflated one at a time, so this bounds time (seconds to tens of seconds of inflating, well
 *   inside the feed-sync Lambda's 15 minutes), not memory.
 */
export const DECOMPRESSION_LIMITS = Object.freeze({
  maxFileBytes: 256 * MiB,
  maxArchiveBytes: 4096 * MiB,
});

export interface ZipLimits {
  /** Largest uncompressed size one entry may declare. */
  maxEntryBytes: number;
  /** Largest total uncompressed size the entries may declare. */
  maxTotalBytes: number;
}

/** "256 MiB", "4 GiB", or bytes when not a whole number of MiB. */
export function formatLimit(bytes: number): string {
  if (bytes >= 1024 * MiB && bytes % (1024 * MiB) === 0) return `${bytes / (1024 * MiB)} GiB`;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  return `${bytes} bytes`;
}

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
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CDH = 0x02014b50;
const LFH = 0x04034b50;
const ZIP64_EXTRA = 0x0001;
const U16 = 0xffff;
const U32 = 0xffffffff;

/** A little-endian 64-bit field as a number; refused beyond 2^53 (no real archive comes near). */
function u64(buf: Buffer, at: number, what: string): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError(`${what} is out of range (${v})`);
  return Number(v);
}

/**
 * Where the central directory is and how many entries it has: from the end of central directory record,
 * or, when a zip64 locator sits right before it, from the zip64 end of central directory record it names
 * (whose 64-bit fields replace the 0xFFFF / 0xFFFFFFFF placeholders).
 */
function centralDirectory(buf: Buffer): { count: number; cdSize: number; cdOffset: number } {
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
  const locator = eocd - 20;
  if (locator >= 0 && buf.readUInt32LE(locator) === EOCD64_LOCATOR) {
    const at = u64(buf, locator + 8, 'zip64 end of central directory offset');
    if (at + 56 > locator || buf.readUInt32LE(at) !== EOCD64)
      throw new ZipError('bad zip64 end of central directory record (truncated?)');
    return {
      count: u64(buf, at + 32, 'zip64 entry count'),
      cdSize: u64(buf, at + 40, 'zip64 central directory size'),
      cdOffset: u64(buf, at + 48, 'zip64 central directory offset'),
    };
  }
  // 0xFFFF entries without a locator is exactly 65,535 entries (what Python's zipfile writes); a size or
  // offset of 0xFFFFFFFF only ever means "see the zip64 record".
  if (cdSize === U32 || cdOffset === U32)
    throw new ZipError('zip64 archive without its zip64 end of central directory locator (truncated?)');
  return { count, cdSize, cdOffset };
}

/** The data of the zip64 extended information extra field (0x0001) in an extra block, if there is one. */
function zip64Extra(buf: Buffer, start: number, length: number, name: string): Buffer | undefined {
  const end = start + length;
  for (let q = start; q + 4 <= end; ) {
    const id = buf.readUInt16LE(q);
    const size = buf.readUInt16LE(q + 2);
    if (q + 4 + size > end) throw new ZipError(`${name}: extra field runs past its header`);
    if (id === ZIP64_EXTRA) return buf.subarray(q + 4, q + 4 + size);
    q += 4 + size;
  }
  return undefined;
}

export function readZip(
  buf: Buffer,
  limits: ZipLimits = {
    maxEntryBytes: DECOMPRESSION_LIMITS.maxFileBytes,
    maxTotalBytes: DECOMPRESSION_LIMITS.maxArchiveBytes,
  },
): ZipEntry[] {
  const { count, cdSize, cdOffset } = centralDirectory(buf);
  if (cdOffset + cdSize > buf.length)
    throw new ZipError('central directory lies outside the archive (truncated?)');
  const entries: ZipEntry[] = [];
  let declared = 0;
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CDH)
      throw new ZipError(`bad central directory entry ${n}`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    let csize = buf.readUInt32LE(p + 20);
    let usize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const disk = buf.readUInt16LE(p + 34);
    let local = buf.readUInt32LE(p + 42);
    if (p + 46 + nameLen + extraLen > buf.length) throw new ZipError(`bad central directory entry ${n}`);
    const name = buf.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    if (usize === U32 || csize === U32 || local === U32 || disk === U16) {
      // Zip64: the extra field holds, in this order, only the fields set to 0xFFFFFFFF (0xFFFF) here.
      const z = zip64Extra(buf, p + 46 + nameLen, extraLen, name);
      if (!z) throw new ZipError(`${name}: zip64 sizes without a zip64 extra field`);
      let q = 0;
      const next = (what: string) => {
        if (q + 8 > z.length) throw new ZipError(`${name}: zip64 extra field has no ${what}`);
        const v = u64(z, q, `${name}: zip64 ${what}`);
        q += 8;
        return v;
      };
      if (usize === U32) usize = next('uncompressed size');
      if (csize === U32) csize = next('compressed size');
      if (local === U32) local = next('local header offset');
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (flags & 1) throw new ZipError(`${name}: encrypted entries are not supported`);
    if (method !== 0 && method !== 8)
      throw new ZipError(`${name}: compression method ${method} is not supported`);
    if (usize > limits.maxEntryBytes)
      throw new ZipError(
        `${name}: declares ${usize} bytes uncompressed, over the ${formatLimit(limits.maxEntryBytes)} limit for one file (a zip bomb?)`,
      );
    declared += usize;
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
        const data = method === 0 ? Buffer.from(raw) : inflate(name, raw, usize);
        if (data.length !== usize)
          throw new ZipError(`${name}: inflated to ${data.length} bytes, expected ${usize}`);
        return data;
      },
    });
  }
  if (declared > limits.maxTotalBytes)
    throw new ZipError(
      `the entries declare ${declared} bytes uncompressed in all, over the ${formatLimit(limits.maxTotalBytes)} limit for one archive (a zip bomb?)`,
    );
  return entries;
}

/** Inflates at most `declared` bytes (zlib stops there), turning zlib's errors into ZipErrors. */
function inflate(name: string, raw: Buffer, declared: number): Buffer {
  try {
    // maxOutputLength must be at least 1; an empty entry that inflates to 1 byte fails the size check.
    return inflateRawSync(raw, { maxOutputLength: Math.max(1, declared) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new ZipError(`${name}: inflates to more than the ${declared} bytes it declares (a zip bomb?)`);
    throw new ZipError(`${name}: ${(err as Error).message}`);
  }
}
