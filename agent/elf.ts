/**
 * ELF hardening facts of one file, read under the agent's root (used by the runtime-behavior sampling,
 * issue 9; not wired into the collector or the telemetry schema yet).
 *
 * Facts, not judgements: the rules decide what "PIE", "full RELRO" or "no DEP" mean. What is recorded:
 * class (32/64), endianness, machine, type, PT_INTERP (and its path), PT_PHDR, PT_GNU_STACK (absent, or its
 * flags: executable or not), PT_GNU_RELRO, PT_DYNAMIC (none = statically linked), and from the dynamic
 * section DT_BIND_NOW, DT_FLAGS (BIND_NOW, TEXTREL), DT_FLAGS_1 (NOW, PIE), DT_DEBUG, DT_TEXTREL, DT_RPATH,
 * DT_RUNPATH, DT_SONAME and DT_NEEDED; from the dynamic symbol table whether `__stack_chk_fail` /
 * `__stack_chk_guard` are referenced (undefined) or defined, and the `__*_chk` fortified functions
 * referenced (undefined) and defined, counted.
 *
 * How to read them (for the rules): ET_DYN + PT_INTERP = PIE executable (libc.so.6, which can be run, is
 * one too: checksec, which asks for DT_DEBUG, calls it a DSO); ET_DYN without PT_INTERP = shared object,
 * unless DF_1_PIE is set (a static-pie executable: PT_DYNAMIC only to relocate itself, no DT_NEEDED);
 * full RELRO = PT_GNU_RELRO + bind-now (any of the three markings); a missing PT_GNU_STACK means an
 * executable stack on most architectures.
 *
 * Bounded: at most `maxBytes` (default 16 MiB) are read per file, with positioned reads of the ELF header,
 * the program headers, PT_INTERP, PT_DYNAMIC, the section header table and the dynamic symbol and string
 * tables only: never the whole file. A malformed, truncated or hostile file (offsets past the end, counts
 * that overflow, headers larger than the budget, hash chains that run out of their segment) gives `{ ok: false, reason }`;
 * a dynamic symbol table that lies inside the file but exceeds what is left of the budget (node's is 12 MB
 * with its strings) leaves the other facts and marks the symbol facts `unread`;
 * nothing here throws or waits on a FIFO or device (non-regular files are refused before and after opening,
 * and the open is O_NONBLOCK | O_NOFOLLOW).
 *
 * The dynamic symbol table is found through the section headers (SHT_DYNSYM and its linked string table)
 * when they exist, else through the dynamic section (DT_SYMTAB, DT_STRTAB, DT_STRSZ, with the symbol count
 * from DT_HASH or DT_GNU_HASH). Only .dynsym is read, not .symtab: in a static binary, libc's own
 * `__stack_chk_fail` says nothing about how the program was compiled.
 */
import { constants, promises as fs } from 'node:fs';
import type { RootFs } from './root-fs';

export const ELF_MAX_BYTES = 16 * 1024 * 1024;
/** Interpreter, RPATH/RUNPATH and SONAME strings longer than this are cut. */
const MAX_STRING = 4096;
const MAX_NEEDED = 256;
const MAX_NAMES = 256;

export type ElfFailure =
  | 'not-found'
  | 'permission-denied'
  | 'not-a-file'
  | 'not-elf'
  | 'unsupported'
  | 'truncated'
  | 'malformed'
  | 'too-large'
  | 'error';

export interface ElfFailureRecord {
  ok: false;
  reason: ElfFailure;
  detail: string;
  bytesRead: number;
}

export type ElfType = 'ET_NONE' | 'ET_REL' | 'ET_EXEC' | 'ET_DYN' | 'ET_CORE' | 'other';

export interface ElfFacts {
  ok: true;
  /** The file read (in-root path, symlinks resolved). */
  resolvedPath: string;
  file: { size: number; mode: number; uid: number; gid: number };
  bytesRead: number;
  elfClass: 32 | 64;
  endian: 'little' | 'big';
  /** e_machine, with a name for the common ones. */
  machine: number;
  machineName: string;
  osAbi: number;
  type: ElfType;
  typeValue: number;
  /** PT_INTERP present, and the interpreter path it names. */
  interp: boolean;
  interpreter?: string;
  phdr: boolean;
  /** PT_GNU_STACK: absent, or present with its p_flags (PF_X = 1, PF_W = 2, PF_R = 4). */
  gnuStack: { present: false } | { present: true; flags: number; executable: boolean };
  gnuRelro: boolean;
  /** No PT_DYNAMIC. (A static-pie binary has PT_DYNAMIC and DF_1_PIE without PT_INTERP.) */
  staticallyLinked: boolean;
  dynamic?: DynamicFacts;
  symbols: SymbolFacts;
}

export interface DynamicFacts {
  /** DT_BIND_NOW tag, DF_BIND_NOW in DT_FLAGS, DF_1_NOW in DT_FLAGS_1. */
  bindNowTag: boolean;
  flagsBindNow: boolean;
  flags1Now: boolean;
  /** Any of the three. */
  bindNow: boolean;
  flags?: number;
  flags1?: number;
  flags1Pie: boolean;
  debug: boolean;
  textrel: boolean;
  rpath?: string;
  runpath?: string;
  soname?: string;
  needed: string[];
}

export interface SymbolFacts {
  /** Where .dynsym was found; `none` when there is no dynamic symbol table. */
  source: 'section-headers' | 'dt-hash' | 'dt-gnu-hash' | 'none';
  count: number;
  stackChkFail: 'referenced' | 'defined' | 'absent';
  stackChkGuard: 'referenced' | 'defined' | 'absent';
  /** `__*_chk` functions imported (undefined here): the fortified calls this object makes. */
  fortifiedReferencedCount: number;
  fortifiedReferenced: string[];
  /** `__*_chk` functions this object defines (libc itself). */
  fortifiedDefinedCount: number;
  /**
   * Set when the dynamic symbol table, though inside the file, did not fit the byte budget: the other facts
   * stand, the symbol facts are unknown (not "absent").
   */
  unread?: string;
}

export type ElfRecord = ElfFacts | ElfFailureRecord;

class ElfError extends Error {
  constructor(
    readonly reason: ElfFailure,
    message: string,
  ) {
    super(message);
  }
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const PT_PHDR = 6;
const PT_GNU_STACK = 0x6474e551;
const PT_GNU_RELRO = 0x6474e552;
const PF_X = 1;
const SHT_DYNSYM = 11;
const SHN_UNDEF = 0;
const SHN_XINDEX = 0xffff;
const PN_XNUM = 0xffff;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_HASH = 4;
const DT_STRTAB = 5;
const DT_SYMTAB = 6;
const DT_STRSZ = 10;
const DT_SYMENT = 11;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_DEBUG = 21;
const DT_TEXTREL = 22;
const DT_BIND_NOW = 24;
const DT_RUNPATH = 29;
const DT_FLAGS = 30;
const DT_GNU_HASH = 0x6ffffef5;
const DT_FLAGS_1 = 0x6ffffffb;
const DF_TEXTREL = 0x4;
const DF_BIND_NOW = 0x8;
const DF_1_NOW = 0x1;
const DF_1_PIE = 0x08000000;
const EM_S390 = 22;
const EM_ALPHA = 0x9026;

const MACHINES: Record<number, string> = {
  2: 'SPARC',
  3: 'x86',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 'S390',
  40: 'ARM',
  43: 'SPARCV9',
  50: 'IA-64',
  62: 'x86-64',
  183: 'AArch64',
  243: 'RISC-V',
  258: 'LoongArch',
};

const TYPES: Record<number, ElfType> = { 0: 'ET_NONE', 1: 'ET_REL', 2: 'ET_EXEC', 3: 'ET_DYN', 4: 'ET_CORE' };

/** Reads within a byte budget, only inside the file, each read exactly (a short read is truncation). */
class Reader {
  bytesRead = 0;
  constructor(
    private readonly fh: fs.FileHandle,
    readonly size: number,
    private readonly maxBytes: number,
  ) {}

  async at(offset: number, length: number, what: string): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0)
      throw new ElfError('malformed', `${what}: offset ${offset} or length ${length} out of range`);
    if (offset + length > this.size)
      throw new ElfError(
        'truncated',
        `${what}: bytes ${offset}..${offset + length} lie past the end of the file (${this.size} bytes)`,
      );
    if (this.bytesRead + length > this.maxBytes)
      throw new ElfError(
        'too-large',
        `${what}: ${length} bytes would exceed the ${this.maxBytes}-byte budget (${this.bytesRead} read)`,
      );
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) throw new ElfError('truncated', `${what}: the file ended early`);
      done += bytesRead;
    }
    this.bytesRead += length;
    return buf;
  }
}

/** Fixed-endian, class-aware field access over one buffer. */
class View {
  private readonly dv: DataView;
  constructor(
    readonly buf: Buffer,
    private readonly le: boolean,
    private readonly is64: boolean,
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  u8(o: number): number {
    return this.dv.getUint8(o);
  }
  u16(o: number): number {
    return this.dv.getUint16(o, this.le);
  }
  u32(o: number): number {
    return this.dv.getUint32(o, this.le);
  }
  /** A 64-bit value as a number; values past 2^53 become Infinity (always out of range). */
  u64(o: number): number {
    const v = this.dv.getBigUint64(o, this.le);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(v);
  }
  /** A word of the file's class (Elf32_Addr/Off/Word or Elf64_Addr/Off/Xword). */
  word(o: number): number {
    return this.is64 ? this.u64(o) : this.u32(o);
  }
  /** A signed word (d_tag): tags are compared as unsigned small numbers; negative ones never match. */
  tag(o: number): number {
    if (!this.is64) return this.u32(o);
    const v = this.dv.getBigUint64(o, this.le);
    return v > 0xffffffffn ? -1 : Number(v);
  }
}

interface Phdr {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

interface Shdr {
  type: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

export interface ElfReadOptions {
  /** Byte budget for this file (default 16 MiB). */
  maxBytes?: number;
}

/** The ELF facts of the file at in-root path `p`. Never throws. */
export async function readElfFacts(rootFs: RootFs, p: string, opts: ElfReadOptions = {}): Promise<ElfRecord> {
  const maxBytes = opts.maxBytes ?? ELF_MAX_BYTES;
  let host: string;
  let reader: Reader | undefined;
  try {
    host = await rootFs.resolve(p);
    // Refuse FIFOs, sockets, devices and directories before opening them (opening a device can act).
    const before = await fs.stat(host);
    if (!before.isFile()) return fail('not-a-file', `${p} is not a regular file`, 0);
    const fh = await fs.open(host, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    try {
      const st = await fh.stat();
      if (!st.isFile() || st.ino !== before.ino || st.dev !== before.dev)
        return fail('not-a-file', `${p} changed into something other than the regular file it was`, 0);
      reader = new Reader(fh, st.size, maxBytes);
      const facts = await parse(reader);
      return {
        ok: true,
        resolvedPath: rootFs.inRoot(host),
        file: { size: st.size, mode: st.mode, uid: st.uid, gid: st.gid },
        bytesRead: reader.bytesRead,
        ...facts,
      };
    } finally {
      await fh.close();
    }
  } catch (err) {
    const read = reader?.bytesRead ?? 0;
    if (err instanceof ElfError) return fail(err.reason, `${p}: ${err.message}`, read);
    const e = err as NodeJS.ErrnoException;
    const detail = `${p}: ${(e?.message ?? String(err)).slice(0, 2048)}`;
    switch (e?.code) {
      case 'ENOENT':
      case 'ENOTDIR':
        return fail('not-found', detail, read);
      case 'EACCES':
      case 'EPERM':
        return fail('permission-denied', detail, read);
      case 'EISDIR':
      case 'ELOOP':
      case 'ENXIO':
        return fail('not-a-file', detail, read);
      default:
        return fail('error', detail, read);
    }
  }
}

function fail(reason: ElfFailure, detail: string, bytesRead: number): ElfFailureRecord {
  return { ok: false, reason, detail, bytesRead };
}

type Parsed = Omit<ElfFacts, 'ok' | 'resolvedPath' | 'file' | 'bytesRead'>;

async function parse(r: Reader): Promise<Parsed> {
  if (r.size < 16) throw new ElfError('not-elf', `${r.size} bytes: too short for an ELF identification`);
  const ident = await r.at(0, 16, 'e_ident');
  if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46)
    throw new ElfError('not-elf', 'no ELF magic');
  const cls = ident[4];
  const data = ident[5];
  if (cls !== 1 && cls !== 2) throw new ElfError('unsupported', `EI_CLASS ${cls}`);
  if (data !== 1 && data !== 2) throw new ElfError('unsupported', `EI_DATA ${data}`);
  const is64 = cls === 2;
  const le = data === 1;
  const ehsize = is64 ? 64 : 52;
  const eh = new View(Buffer.concat([ident, await r.at(16, ehsize - 16, 'ELF header')]), le, is64);
  const typeValue = eh.u16(16);
  const machine = eh.u16(18);
  const phoff = eh.word(is64 ? 32 : 28);
  const shoff = eh.word(is64 ? 40 : 32);
  const phentsize = eh.u16(is64 ? 54 : 42);
  let phnum = eh.u16(is64 ? 56 : 44);
  const shentsize = eh.u16(is64 ? 58 : 46);
  let shnum = eh.u16(is64 ? 60 : 48);
  const minPh = is64 ? 56 : 32;
  const minSh = is64 ? 64 : 40;

  // Section 0 holds the real counts when they do not fit the header (PN_XNUM, e_shnum 0).
  let sh0: (Shdr & { info: number }) | undefined;
  const needSh0 = shoff !== 0 && (phnum === PN_XNUM || shnum === 0);
  if (needSh0) {
    if (shentsize < minSh) throw new ElfError('malformed', `e_shentsize ${shentsize}`);
    sh0 = readShdr(new View(await r.at(shoff, minSh, 'section header 0'), le, is64), 0, is64);
    if (phnum === PN_XNUM) {
      if (sh0.info === 0) throw new ElfError('malformed', 'e_phnum is PN_XNUM but section 0 gives no count');
      phnum = sh0.info;
    }
    if (shnum === 0) shnum = sh0.size;
  }

  const phdrs: Phdr[] = [];
  if (phnum > 0 && phoff !== 0) {
    if (phentsize < minPh) throw new ElfError('malformed', `e_phentsize ${phentsize} < ${minPh}`);
    const total = phnum * phentsize;
    const v = new View(await r.at(phoff, total, 'program headers'), le, is64);
    for (let i = 0; i < phnum; i++) phdrs.push(readPhdr(v, i * phentsize, is64));
  }

  const facts: Parsed = {
    elfClass: is64 ? 64 : 32,
    endian: le ? 'little' : 'big',
    machine,
    machineName: MACHINES[machine] ?? `EM_${machine}`,
    osAbi: ident[7]!,
    type: TYPES[typeValue] ?? 'other',
    typeValue,
    interp: false,
    phdr: phdrs.some((h) => h.type === PT_PHDR),
    gnuStack: { present: false },
    gnuRelro: phdrs.some((h) => h.type === PT_GNU_RELRO),
    staticallyLinked: true,
    symbols: emptySymbols(),
  };
  const stack = phdrs.find((h) => h.type === PT_GNU_STACK);
  if (stack) facts.gnuStack = { present: true, flags: stack.flags, executable: (stack.flags & PF_X) !== 0 };
  const interp = phdrs.find((h) => h.type === PT_INTERP);
  if (interp) {
    facts.interp = true;
    const n = Math.min(interp.filesz, MAX_STRING);
    facts.interpreter = cString(await r.at(interp.offset, n, 'PT_INTERP'), 0);
  }
  const loads = phdrs.filter((h) => h.type === PT_LOAD);
  const dynPh = phdrs.find((h) => h.type === PT_DYNAMIC);

  let dyn: Map<number, number[]> | undefined;
  if (dynPh) {
    facts.staticallyLinked = false;
    dyn = await readDynamic(r, dynPh, le, is64);
  }

  // Section headers are read only when a dynamic symbol table may be there to find.
  const shdrs: Shdr[] = [];
  if (dyn && shoff !== 0 && shnum > 0) {
    if (shentsize < minSh) throw new ElfError('malformed', `e_shentsize ${shentsize} < ${minSh}`);
    const v = new View(await r.at(shoff, shnum * shentsize, 'section headers'), le, is64);
    for (let i = 0; i < shnum; i++) shdrs.push(readShdr(v, i * shentsize, is64));
  }

  if (dyn) {
    const d = dyn;
    const first = (tag: number): number | undefined => d.get(tag)?.[0];
    const strtabAddr = first(DT_STRTAB);
    const strsz = first(DT_STRSZ);
    let dynstr: Buffer | undefined;
    let dynstrOffset: number | undefined;
    if (strtabAddr !== undefined && strsz !== undefined && strsz > 0) {
      dynstrOffset = addrToOffset(loads, strtabAddr, strsz, 'DT_STRTAB');
      dynstr = await r.at(dynstrOffset, strsz, 'dynamic string table');
    }
    const str = (tag: number): string | undefined => {
      const v = first(tag);
      if (v === undefined) return undefined;
      if (!dynstr) throw new ElfError('malformed', `tag ${tag} without a dynamic string table`);
      if (v >= dynstr.length) throw new ElfError('malformed', `string offset ${v} past DT_STRSZ`);
      return cString(dynstr, v);
    };
    const flags = first(DT_FLAGS);
    const flags1 = first(DT_FLAGS_1);
    const bindNowTag = d.has(DT_BIND_NOW);
    const flagsBindNow = flags !== undefined && (flags & DF_BIND_NOW) !== 0;
    const flags1Now = flags1 !== undefined && (flags1 & DF_1_NOW) !== 0;
    const needed: string[] = [];
    for (const v of (d.get(DT_NEEDED) ?? []).slice(0, MAX_NEEDED)) {
      if (!dynstr || v >= dynstr.length) throw new ElfError('malformed', `DT_NEEDED offset ${v}`);
      needed.push(cString(dynstr, v));
    }
    facts.dynamic = {
      bindNowTag,
      flagsBindNow,
      flags1Now,
      bindNow: bindNowTag || flagsBindNow || flags1Now,
      ...(flags !== undefined ? { flags } : {}),
      ...(flags1 !== undefined ? { flags1 } : {}),
      flags1Pie: flags1 !== undefined && (flags1 & DF_1_PIE) !== 0,
      debug: d.has(DT_DEBUG),
      textrel: d.has(DT_TEXTREL) || (flags !== undefined && (flags & DF_TEXTREL) !== 0),
      ...optional('rpath', str(DT_RPATH)),
      ...optional('runpath', str(DT_RUNPATH)),
      ...optional('soname', str(DT_SONAME)),
      needed,
    };
    try {
      const strings =
        dynstr && dynstrOffset !== undefined ? { bytes: dynstr, offset: dynstrOffset } : undefined;
      facts.symbols = await readDynsym(r, shdrs, loads, d, strings, le, is64, machine);
    } catch (err) {
      // A symbol table too big for the budget (one of the largest programs) loses the symbol facts only.
      if (!(err instanceof ElfError) || err.reason !== 'too-large') throw err;
      facts.symbols = { ...emptySymbols(), unread: err.message };
    }
  }
  return facts;
}

function optional<K extends string>(key: K, v: string | undefined): { [k in K]?: string } {
  return (v === undefined ? {} : { [key]: v }) as { [k in K]?: string };
}

function emptySymbols(): SymbolFacts {
  return {
    source: 'none',
    count: 0,
    stackChkFail: 'absent',
    stackChkGuard: 'absent',
    fortifiedReferencedCount: 0,
    fortifiedReferenced: [],
    fortifiedDefinedCount: 0,
  };
}

function readPhdr(v: View, o: number, is64: boolean): Phdr {
  return is64
    ? {
        type: v.u32(o),
        flags: v.u32(o + 4),
        offset: v.u64(o + 8),
        vaddr: v.u64(o + 16),
        filesz: v.u64(o + 32),
      }
    : {
        type: v.u32(o),
        offset: v.u32(o + 4),
        vaddr: v.u32(o + 8),
        filesz: v.u32(o + 16),
        flags: v.u32(o + 24),
      };
}

function readShdr(v: View, o: number, is64: boolean): Shdr & { info: number } {
  return is64
    ? {
        type: v.u32(o + 4),
        offset: v.u64(o + 24),
        size: v.u64(o + 32),
        link: v.u32(o + 40),
        info: v.u32(o + 44),
        entsize: v.u64(o + 56),
      }
    : {
        type: v.u32(o + 4),
        offset: v.u32(o + 16),
        size: v.u32(o + 20),
        link: v.u32(o + 24),
        info: v.u32(o + 28),
        entsize: v.u32(o + 36),
      };
}

/** The dynamic section's entries up to DT_NULL, tag → values in order. */
async function readDynamic(r: Reader, ph: Phdr, le: boolean, is64: boolean): Promise<Map<number, number[]>> {
  const ent = is64 ? 16 : 8;
  const n = Math.floor(ph.filesz / ent);
  const v = new View(await r.at(ph.offset, n * ent, 'PT_DYNAMIC'), le, is64);
  const out = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const tag = v.tag(i * ent);
    if (tag === DT_NULL) break;
    const val = v.word(i * ent + ent / 2);
    const list = out.get(tag);
    if (list) list.push(val);
    else out.set(tag, [val]);
  }
  return out;
}

/** File offset of a virtual address range, through the PT_LOAD segment holding it. */
function addrToOffset(loads: Phdr[], addr: number, length: number, what: string): number {
  for (const l of loads) {
    if (addr >= l.vaddr && addr + length <= l.vaddr + l.filesz) return l.offset + (addr - l.vaddr);
  }
  throw new ElfError('malformed', `${what} 0x${addr.toString(16)} (+${length}) is in no loaded segment`);
}

/** Dynamic symbols read per piece: 4,096 entries (96 KiB on 64-bit), not the whole table at once. */
const SYMBOLS_PER_READ = 4096;

async function readDynsym(
  r: Reader,
  shdrs: Shdr[],
  loads: Phdr[],
  dyn: Map<number, number[]>,
  dynstr: { bytes: Buffer; offset: number } | undefined,
  le: boolean,
  is64: boolean,
  machine: number,
): Promise<SymbolFacts> {
  const symSize = is64 ? 24 : 16;
  let source: SymbolFacts['source'];
  /** File offset and entry count of the symbol table, and its string table. */
  let symOffset: number;
  let n: number;
  let strtab: Buffer;
  let entsize = symSize;
  const sec = shdrs.find((s) => s.type === SHT_DYNSYM);
  if (sec) {
    source = 'section-headers';
    entsize = sec.entsize || symSize;
    if (entsize < symSize) throw new ElfError('malformed', `.dynsym sh_entsize ${entsize}`);
    const link = shdrs[sec.link];
    if (!link || sec.link === SHN_UNDEF || sec.link === SHN_XINDEX)
      throw new ElfError('malformed', `.dynsym sh_link ${sec.link}`);
    if (sec.offset + sec.size > r.size)
      throw new ElfError(
        'truncated',
        `.dynsym: bytes ${sec.offset}..${sec.offset + sec.size} lie past the end of the file (${r.size} bytes)`,
      );
    symOffset = sec.offset;
    n = Math.floor(sec.size / entsize);
    // .dynstr is what DT_STRTAB names (the same bytes, already read): read it again only when it is elsewhere.
    strtab =
      dynstr && link.offset === dynstr.offset && link.size === dynstr.bytes.length
        ? dynstr.bytes
        : await r.at(link.offset, link.size, '.dynstr');
  } else {
    const symAddr = dyn.get(DT_SYMTAB)?.[0];
    if (symAddr === undefined || !dynstr) return emptySymbols();
    const syment = dyn.get(DT_SYMENT)?.[0] ?? symSize;
    if (syment < symSize) throw new ElfError('malformed', `DT_SYMENT ${syment}`);
    entsize = syment;
    let count: number;
    const gnu = dyn.get(DT_GNU_HASH)?.[0];
    const sysv = dyn.get(DT_HASH)?.[0];
    if (gnu !== undefined) {
      source = 'dt-gnu-hash';
      count = await gnuHashCount(r, loads, gnu, le, is64);
    } else if (sysv !== undefined) {
      source = 'dt-hash';
      // DT_HASH words are 8 bytes on 64-bit s390 and Alpha, 4 elsewhere.
      const w = is64 && (machine === EM_S390 || machine === EM_ALPHA) ? 8 : 4;
      const v = new View(await r.at(addrToOffset(loads, sysv, 2 * w, 'DT_HASH'), 2 * w, 'DT_HASH'), le, is64);
      count = w === 8 ? v.u64(w) : v.u32(4);
    } else {
      return emptySymbols();
    }
    const bytes = count * entsize;
    if (!Number.isSafeInteger(bytes) || bytes > r.size)
      throw new ElfError('malformed', `a dynamic symbol table of ${count} entries, larger than the file`);
    symOffset = addrToOffset(loads, symAddr, bytes, 'DT_SYMTAB');
    n = count;
    strtab = dynstr.bytes;
  }

  const facts: SymbolFacts = { ...emptySymbols(), source, count: n };
  const referenced = new Set<string>();
  let definedChk = 0;
  // Entry 0 is the null symbol. The table is read a piece at a time (a large program's is megabytes).
  for (let first = 1; first < n; first += SYMBOLS_PER_READ) {
    const k = Math.min(SYMBOLS_PER_READ, n - first);
    const v = new View(await r.at(symOffset + first * entsize, k * entsize, 'dynamic symbols'), le, is64);
    for (let j = 0; j < k; j++) {
      const o = j * entsize;
      const nameOff = v.u32(o);
      const shndx = is64 ? v.u16(o + 6) : v.u16(o + 14);
      // Only names starting with "__" matter: check the bytes before decoding anything.
      if (nameOff + 2 >= strtab.length || strtab[nameOff] !== 0x5f || strtab[nameOff + 1] !== 0x5f) continue;
      const name = cString(strtab, nameOff, 256);
      const state = shndx === SHN_UNDEF ? 'referenced' : 'defined';
      if (name === '__stack_chk_fail') facts.stackChkFail = mergeState(facts.stackChkFail, state);
      else if (name === '__stack_chk_guard') facts.stackChkGuard = mergeState(facts.stackChkGuard, state);
      else if (name.endsWith('_chk') && name.length > 6) {
        if (state === 'referenced') referenced.add(name);
        else definedChk++;
      }
    }
  }
  facts.fortifiedReferencedCount = referenced.size;
  facts.fortifiedReferenced = [...referenced].sort().slice(0, MAX_NAMES);
  facts.fortifiedDefinedCount = definedChk;
  return facts;
}

function mergeState(
  prev: SymbolFacts['stackChkFail'],
  next: 'referenced' | 'defined',
): SymbolFacts['stackChkFail'] {
  return prev === 'defined' ? prev : next;
}

/** Number of dynamic symbols per DT_GNU_HASH: past the highest bucket's chain end. */
async function gnuHashCount(
  r: Reader,
  loads: Phdr[],
  addr: number,
  le: boolean,
  is64: boolean,
): Promise<number> {
  const head = new View(
    await r.at(addrToOffset(loads, addr, 16, 'DT_GNU_HASH'), 16, 'DT_GNU_HASH'),
    le,
    is64,
  );
  const nbuckets = head.u32(0);
  const symoffset = head.u32(4);
  const bloomSize = head.u32(8);
  const word = is64 ? 8 : 4;
  const bucketsAddr = addr + 16 + bloomSize * word;
  const bucketBytes = nbuckets * 4;
  if (bucketBytes > r.size) throw new ElfError('malformed', `DT_GNU_HASH with ${nbuckets} buckets`);
  const b = new View(
    await r.at(
      addrToOffset(loads, bucketsAddr, bucketBytes, 'GNU hash buckets'),
      bucketBytes,
      'GNU hash buckets',
    ),
    le,
    is64,
  );
  let max = 0;
  for (let i = 0; i < nbuckets; i++) max = Math.max(max, b.u32(i * 4));
  if (max < symoffset) return symoffset;
  // Walk the last chain to its end marker (low bit set), in chunks; the budget and the file end bound it.
  const chainAddr = bucketsAddr + bucketBytes;
  let idx = max;
  // Chains are short: read a few entries first, then more (up to 4096 at a time).
  let chunk = 32;
  for (;;) {
    const at = chainAddr + (idx - symoffset) * 4;
    const seg = loads.find((l) => at >= l.vaddr && at + 4 <= l.vaddr + l.filesz);
    if (!seg) throw new ElfError('malformed', 'GNU hash chain runs out of its segment');
    const avail = Math.floor((seg.vaddr + seg.filesz - at) / 4);
    const take = Math.min(chunk, avail);
    const c = new View(await r.at(seg.offset + (at - seg.vaddr), take * 4, 'GNU hash chain'), le, is64);
    for (let i = 0; i < take; i++) {
      if ((c.u32(i * 4) & 1) !== 0) return idx + i + 1;
    }
    idx += take;
    chunk = Math.min(chunk * 2, 4096);
  }
}

function cString(buf: Buffer, start: number, max = MAX_STRING): string {
  const limit = Math.min(buf.length, start + max);
  let end = start;
  while (end < limit && buf[end] !== 0) end++;
  return buf.toString('latin1', start, end);
}
