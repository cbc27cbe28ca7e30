/**
 * Zip64 in feed archives: OSV's Debian and Ubuntu all.zip exports can hold more than 65,535 records, which
 * needs the zip64 end of central directory record; writers also use zip64 extra fields on small archives.
 * Table tests on archives built here field by field (every placement of the 64-bit values, and the malformed
 * ones), then archives written by real tools: python3's zipfile (70,000 entries; force_zip64) and Info-ZIP's
 * `zip -fz`. The decompression limits (256 MiB a file, 4 GiB an archive) hold for 64-bit sizes too.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { addFile, type FeedBundle } from '../../../functions/feeds/import';
import { emptyRead } from '../../../functions/feeds/model';
import { readZip, ZipError } from '../../../functions/feeds/zip';
import { debianRecord } from '../../helpers/feed-server';

const PYTHON = '/usr/bin/python3';
const U32 = 0xffffffff;
const GiB = 1024 * 1024 * 1024;

/** Where an entry's 64-bit values go: in the central header's zip64 extra field, or in the 32-bit fields. */
interface Z64Entry {
  name: string;
  /** Stored bytes (method 0) or raw deflate (method 8). */
  data: Buffer;
  method: 0 | 8;
  /** Uncompressed size to declare (default: data.length for stored entries). */
  size?: number;
  /** Which of the central header's fields are 0xFFFFFFFF with their value in the zip64 extra field. */
  extra?: Array<'usize' | 'csize' | 'offset'>;
  /** Replace the zip64 extra field's data outright (malformed cases). */
  rawExtra?: Buffer;
  /** Write the 0xFFFFFFFF placeholders without any extra field. */
  dropExtra?: boolean;
}

interface Z64Options {
  /** Write the zip64 end of central directory record and locator (default true). */
  eocd64?: boolean;
  /** Point the locator somewhere else. */
  locatorOffset?: bigint;
  /** Override the zip64 record's entry count. */
  count64?: bigint;
  /** Placeholders in the classic end record (default: 0xFFFF / 0xFFFFFFFF when eocd64). */
  classicPlaceholders?: boolean;
}

const u64 = (v: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
};

/** A zip written field by field, with zip64 structures where the entries and options ask for them. */
function zip64(entries: readonly Z64Entry[], opts: Z64Options = {}): Buffer {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const usize = e.size ?? e.data.length;
    const lfh = Buffer.alloc(30);
    lfh.writeUInt32LE(0x04034b50, 0);
    lfh.writeUInt16LE(45, 4);
    lfh.writeUInt16LE(0x0800, 6);
    lfh.writeUInt16LE(e.method, 8);
    lfh.writeUInt32LE(e.method === 0 ? crc32(e.data) : 0, 14);
    lfh.writeUInt32LE(e.data.length, 18);
    lfh.writeUInt32LE(Math.min(usize, U32), 22);
    lfh.writeUInt16LE(name.length, 26);
    const want = new Set(e.extra ?? []);
    const extraData =
      e.rawExtra ??
      Buffer.concat([
        ...(want.has('usize') ? [u64(usize)] : []),
        ...(want.has('csize') ? [u64(e.data.length)] : []),
        ...(want.has('offset') ? [u64(offset)] : []),
      ]);
    const hasExtra = !e.dropExtra && (want.size > 0 || e.rawExtra !== undefined);
    const extra = hasExtra ? Buffer.alloc(4 + extraData.length) : Buffer.alloc(0);
    if (hasExtra) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(extraData.length, 2);
      extraData.copy(extra, 4);
    }
    const cdh = Buffer.alloc(46);
    cdh.writeUInt32LE(0x02014b50, 0);
    cdh.writeUInt16LE(45, 4);
    cdh.writeUInt16LE(45, 6);
    cdh.writeUInt16LE(0x0800, 8);
    cdh.writeUInt16LE(e.method, 10);
    cdh.writeUInt32LE(e.method === 0 ? crc32(e.data) : 0, 16);
    cdh.writeUInt32LE(want.has('csize') ? U32 : e.data.length, 20);
    cdh.writeUInt32LE(want.has('usize') ? U32 : usize, 24);
    cdh.writeUInt16LE(name.length, 28);
    cdh.writeUInt16LE(extra.length, 30);
    cdh.writeUInt32LE(want.has('offset') ? U32 : offset, 42);
    parts.push(lfh, name, e.data);
    centrals.push(cdh, name, extra);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const cdOffset = offset;
  const withZip64 = opts.eocd64 ?? true;
  const tail: Buffer[] = [];
  if (withZip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(entries.length), 24);
    rec.writeBigUInt64LE(opts.count64 ?? BigInt(entries.length), 32);
    rec.writeBigUInt64LE(BigInt(cd.length), 40);
    rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(opts.locatorOffset ?? BigInt(cdOffset + cd.length), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(rec, loc);
  }
  const placeholders = opts.classicPlaceholders ?? withZip64;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(placeholders ? 0xffff : entries.length, 8);
  eocd.writeUInt16LE(placeholders ? 0xffff : entries.length, 10);
  eocd.writeUInt32LE(placeholders ? U32 : cd.length, 12);
  eocd.writeUInt32LE(placeholders ? U32 : cdOffset, 16);
  return Buffer.concat([...parts, cd, ...tail, eocd]);
}

const json = (id: string) => Buffer.from(JSON.stringify({ id, detail: 'x'.repeat(200) }));
const stored = (name: string, data = json(name)): Z64Entry => ({ name, data, method: 0 });
const deflated = (name: string, data = json(name)): Z64Entry => ({
  name,
  data: deflateRawSync(data),
  method: 8,
  size: data.length,
});
const contents = (buf: Buffer) => readZip(buf).map((e) => [e.name, e.size, e.read().toString()]);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'zip64-'));
  dirs.push(d);
  return d;
};

describe('zip64 archives built field by field', () => {
  const a = json('A');
  const b = json('B');
  it.each<[string, Z64Entry[], Z64Options?]>([
    ['zip64 end record and locator, plain central headers', [stored('a.json', a), deflated('b.json', b)]],
    [
      'every central field in the zip64 extra field (uncompressed, compressed, local offset)',
      [
        { ...stored('a.json', a), extra: ['usize', 'csize', 'offset'] },
        { ...deflated('b.json', b), extra: ['usize', 'csize', 'offset'] },
      ],
    ],
    [
      'only the uncompressed size in the extra field (what Info-ZIP zip -fz writes)',
      [
        { ...stored('a.json', a), extra: ['usize'] },
        { ...deflated('b.json', b), extra: ['usize'] },
      ],
    ],
    [
      'only the local header offset in the extra field (an archive past 4 GiB)',
      [stored('a.json', a), { ...deflated('b.json', b), extra: ['offset'] }],
    ],
    [
      'zip64 extra fields in an archive whose end record needs no zip64',
      [{ ...deflated('a.json', a), extra: ['usize', 'csize'] }, deflated('b.json', b)],
      { eocd64: false },
    ],
    [
      'a zip64 record whose classic end record keeps the real values',
      [stored('a.json', a), stored('b.json', b)],
      { classicPlaceholders: false },
    ],
  ])('%s: both entries are read', (_what, entries, opts) => {
    expect(contents(zip64(entries, opts))).toEqual([
      ['a.json', a.length, a.toString()],
      ['b.json', b.length, b.toString()],
    ]);
  });

  it.each<[string, Buffer, RegExp]>([
    [
      'a 0xFFFFFFFF size without a zip64 extra field',
      zip64([{ ...stored('a.json'), extra: ['usize'], dropExtra: true }]),
      /^a\.json: zip64 sizes without a zip64 extra field$/,
    ],
    [
      'a zip64 extra field too short for the fields it must hold',
      zip64([{ ...stored('a.json'), extra: ['usize', 'csize'], rawExtra: u64(10) }]),
      /^a\.json: zip64 extra field has no compressed size$/,
    ],
    [
      'an extra field that runs past the central header',
      (() => {
        const z = zip64([{ ...stored('a.json'), extra: ['usize'] }]);
        const cd = z.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
        z.writeUInt16LE(500, cd + 46 + 'a.json'.length + 2); // the extra field's own length
        return z;
      })(),
      /extra field runs past its header|bad central directory entry/,
    ],
    [
      'a locator pointing at no zip64 record',
      zip64([stored('a.json')], { locatorOffset: 3n }),
      /^bad zip64 end of central directory record/,
    ],
    [
      'a 64-bit entry count past 2^53',
      zip64([stored('a.json')], { count64: 2n ** 60n }),
      /^zip64 entry count is out of range/,
    ],
    [
      'a zip64 record claiming more entries than the directory holds',
      zip64([stored('a.json')], { count64: 5n }),
      /^bad central directory entry 1$/,
    ],
    [
      'placeholders in the end record with no zip64 locator (cut before it)',
      zip64([stored('a.json')], { eocd64: false, classicPlaceholders: true }),
      /^zip64 archive without its zip64 end of central directory locator/,
    ],
  ])('%s is refused with a ZipError', (_what, buf, message) => {
    let err: unknown;
    try {
      readZip(buf).map((e) => e.read());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ZipError);
    expect((err as Error).message).toMatch(message);
  });

  it('keeps the decompression limits for 64-bit sizes: 5 GiB declared in a zip64 field is refused before inflating', () => {
    const z = zip64([{ ...deflated('huge.json'), size: 5 * GiB, extra: ['usize', 'csize', 'offset'] }]);
    expect(() => readZip(z)).toThrow(
      /^huge\.json: declares 5368709120 bytes uncompressed, over the 256 MiB limit for one file \(a zip bomb\?\)$/,
    );
    // 20 entries of 250 MiB each (5,000 MiB in all) pass the per-file limit and fail the archive one.
    const many = zip64(
      Array.from({ length: 20 }, (_, i) => ({
        ...deflated(`f${i}.json`),
        size: 250 * 1024 * 1024,
        extra: ['usize' as const],
      })),
    );
    expect(() => readZip(many)).toThrow(/over the 4 GiB limit for one archive/);
    // An entry that inflates to more than its zip64 size says is stopped there.
    const liar = zip64([{ ...deflated('liar.json', Buffer.alloc(4096)), size: 100, extra: ['usize'] }]);
    expect(() => readZip(liar)[0]!.read()).toThrow(/inflates to more than the 100 bytes it declares/);
  });
});

describe('zip64 archives written by real tools', () => {
  it("python3's zipfile: 70,000 OSV records (past 65,535 entries, so a zip64 end record) are all read", () => {
    const dir = tmp();
    const file = path.join(dir, 'all.zip');
    // The same record shape the fixture feed server serves, written by zipfile (allowZip64 is its default).
    execFileSync(PYTHON, [
      '-c',
      `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED, allowZip64=True) as z:
    for i in range(70000):
        rid = 'DEBIAN-CVE-2099-%d' % (10000 + i)
        rec = {'schema_version': '1.6.0', 'id': rid, 'upstream': [rid[7:]], 'affected': [
            {'package': {'ecosystem': 'Debian:12', 'name': 'pkg%d' % (i % 500)},
             'ranges': [{'type': 'ECOSYSTEM', 'events': [{'introduced': '0'}, {'fixed': '1.%d-1' % i}]}]}]}
        z.writestr(rid + '.json', json.dumps(rec))
`,
      file,
    ]);
    const buf = readFileSync(file);
    // Really zip64: the classic end record says 0xFFFF entries and a zip64 locator precedes it.
    const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    expect(buf.readUInt16LE(eocd + 10)).toBe(0xffff);
    expect(buf.readUInt32LE(eocd - 20)).toBe(0x07064b50);
    const entries = readZip(buf);
    expect(entries).toHaveLength(70_000);
    expect(JSON.parse(entries.at(-1)!.read().toString()).id).toBe('DEBIAN-CVE-2099-79999');
    const bundle: FeedBundle = {
      read: emptyRead(),
      files: { osv: 0, updateinfo: 0, kev: 0, epss: 0, zip: 0 },
    };
    addFile(bundle, 'Debian-all.zip', buf);
    expect(bundle.read.errors).toEqual([]);
    expect(bundle.read.records).toBe(70_000);
    expect(bundle.read.advisories).toHaveLength(70_000);
  });

  it("python3's zipfile with force_zip64 (a zip64 extra field in the local header) is read", () => {
    const dir = tmp();
    const file = path.join(dir, 'forced.zip');
    const rec = debianRecord('DEBIAN-CVE-2099-0007', 'tar', '1.34+dfsg-1.2+deb12u2');
    writeFileSync(path.join(dir, rec.name), rec.data);
    execFileSync(PYTHON, [
      '-c',
      `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    with z.open(sys.argv[3], 'w', force_zip64=True) as f:
        f.write(open(sys.argv[2], 'rb').read())
`,
      file,
      path.join(dir, rec.name),
      rec.name,
    ]);
    const buf = readFileSync(file);
    // The local header carries a zip64 extra field (id 1, both sizes) after its name.
    expect(buf.readUInt16LE(30 + buf.readUInt16LE(26))).toBe(0x0001);
    expect(buf.readUInt16LE(28)).toBeGreaterThanOrEqual(20);
    expect(contents(buf)).toEqual([[rec.name, rec.data.length, rec.data.toString()]]);
  });

  it("Info-ZIP's zip -fz (zip64 end record, zip64 local and central extra fields) is read", () => {
    const dir = tmp();
    const names: string[] = [];
    for (const [id, src] of [
      ['DEBIAN-CVE-2099-0001', 'bash'],
      ['DEBIAN-CVE-2099-0002', 'git'],
    ] as const) {
      const rec = debianRecord(id, src, '9.9-1');
      writeFileSync(path.join(dir, rec.name), rec.data);
      names.push(rec.name);
    }
    execFileSync('zip', ['-q', '-fz', 'all.zip', ...names], { cwd: dir });
    const buf = readFileSync(path.join(dir, 'all.zip'));
    const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    expect(buf.readUInt32LE(eocd + 16)).toBe(U32); // central directory offset only in the zip64 record
    const cd = buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    expect(buf.readUInt32LE(cd + 24)).toBe(U32); // uncompressed size only in the zip64 extra field
    expect(readZip(buf).map((e) => e.name)).toEqual(names);
    const bundle: FeedBundle = {
      read: emptyRead(),
      files: { osv: 0, updateinfo: 0, kev: 0, epss: 0, zip: 0 },
    };
    addFile(bundle, 'Debian-all.zip', buf);
    expect(bundle.read.errors).toEqual([]);
    expect(bundle.read.advisories.map((x) => x.id)).toEqual(['DEBIAN-CVE-2099-0001', 'DEBIAN-CVE-2099-0002']);
  });
});
