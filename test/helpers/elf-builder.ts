/**
 * Hand-made ELF files for the ELF reader's tests: any class and byte order (gcc here only makes x86-64),
 * with the program headers, dynamic section, dynamic symbols, hash table and section headers asked for.
 * The layout is what a linker writes (one PT_LOAD over the whole file), so readelf, checksec and
 * hardening-check read these files as they read real ones.
 */

export interface CraftSymbol {
  name: string;
  /** Defined here (SHN_ABS) rather than imported (SHN_UNDEF). */
  defined?: boolean;
}

export interface CraftOptions {
  elfClass: 32 | 64;
  endian: 'little' | 'big';
  machine: number;
  /** e_type (default 3, ET_DYN). */
  type?: number;
  interp?: string;
  /** PT_GNU_STACK p_flags; null leaves the header out. Default 6 (RW). */
  gnuStack?: number | null;
  relro?: boolean;
  /** PT_DYNAMIC and everything in it (default true). */
  dynamic?: boolean;
  bindNowTag?: boolean;
  flags?: number;
  flags1?: number;
  debug?: boolean;
  rpath?: string;
  runpath?: string;
  soname?: string;
  needed?: string[];
  symbols?: CraftSymbol[];
  /** Section headers (default true); without them a reader must use the dynamic section. */
  sections?: boolean;
  hash?: 'sysv' | 'gnu';
}

export interface CraftLayout {
  bytes: Buffer;
  phoff: number;
  phnum: number;
  shoff: number;
  shnum: number;
  dynsymOffset: number;
  dynsymSize: number;
  dynamicOffset: number;
}

const ALIGN = 8;

export function craftElf(o: CraftOptions): CraftLayout {
  const is64 = o.elfClass === 64;
  const le = o.endian === 'little';
  const type = o.type ?? 3;
  const base = type === 2 ? 0x400000 : 0;
  const withDynamic = o.dynamic ?? true;
  const withSections = o.sections ?? true;
  const hash = o.hash ?? 'gnu';
  const symbols = o.symbols ?? [];
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const symentsize = is64 ? 24 : 16;
  const dynentsize = is64 ? 16 : 8;
  const word = is64 ? 8 : 4;

  // Strings.
  const strs: number[] = [0];
  const strOff = new Map<string, number>();
  const addStr = (s: string): number => {
    const known = strOff.get(s);
    if (known !== undefined) return known;
    const off = strs.length;
    for (const b of Buffer.from(s, 'latin1')) strs.push(b);
    strs.push(0);
    strOff.set(s, off);
    return off;
  };
  for (const s of symbols) addStr(s.name);
  for (const n of o.needed ?? []) addStr(n);
  if (o.rpath !== undefined) addStr(o.rpath);
  if (o.runpath !== undefined) addStr(o.runpath);
  if (o.soname !== undefined) addStr(o.soname);
  const dynstr = Buffer.from(strs);

  // Program headers: PHDR, INTERP, LOAD, DYNAMIC, GNU_STACK, GNU_RELRO.
  const phTypes: number[] = [6];
  if (o.interp !== undefined) phTypes.push(3);
  phTypes.push(1);
  if (withDynamic) phTypes.push(2);
  if (o.gnuStack !== null) phTypes.push(0x6474e551);
  if (o.relro) phTypes.push(0x6474e552);
  const phoff = ehsize;
  const phnum = phTypes.length;

  let at = align(phoff + phnum * phentsize);
  const interpOff = at;
  const interpBytes = o.interp !== undefined ? Buffer.from(`${o.interp}\0`, 'latin1') : Buffer.alloc(0);
  at = align(at + interpBytes.length);
  const dynstrOff = at;
  at = align(at + (withDynamic ? dynstr.length : 0));
  const dynsymOff = at;
  const nsyms = symbols.length + 1;
  const dynsymSize = withDynamic ? nsyms * symentsize : 0;
  at = align(at + dynsymSize);
  const hashOff = at;
  const hashBytes = withDynamic
    ? hashTable(hash, symbols, le, is64, is64 && o.machine === 22)
    : Buffer.alloc(0);
  at = align(at + hashBytes.length);

  const dynEntries: Array<[number, number]> = [];
  if (withDynamic) {
    for (const n of o.needed ?? []) dynEntries.push([1, strOff.get(n)!]);
    if (o.soname !== undefined) dynEntries.push([14, strOff.get(o.soname)!]);
    if (o.rpath !== undefined) dynEntries.push([15, strOff.get(o.rpath)!]);
    if (o.runpath !== undefined) dynEntries.push([29, strOff.get(o.runpath)!]);
    dynEntries.push([hash === 'gnu' ? 0x6ffffef5 : 4, base + hashOff]);
    dynEntries.push([5, base + dynstrOff], [6, base + dynsymOff], [10, dynstr.length], [11, symentsize]);
    if (o.debug) dynEntries.push([21, 0]);
    if (o.bindNowTag) dynEntries.push([24, 0]);
    if (o.flags !== undefined) dynEntries.push([30, o.flags]);
    if (o.flags1 !== undefined) dynEntries.push([0x6ffffffb, o.flags1]);
    dynEntries.push([0, 0]);
  }
  const dynamicOff = at;
  const dynamicSize = dynEntries.length * dynentsize;
  at = align(at + dynamicSize);

  const shnames = ['', '.interp', '.dynstr', '.dynsym', hash === 'gnu' ? '.gnu.hash' : '.hash', '.dynamic'];
  const shstr: number[] = [0];
  const shnameOff: number[] = [0];
  for (const n of [...shnames.slice(1), '.shstrtab']) {
    shnameOff.push(shstr.length);
    for (const b of Buffer.from(n, 'latin1')) shstr.push(b);
    shstr.push(0);
  }
  const shstrOff = at;
  at = align(at + (withSections ? shstr.length : 0));
  const shoff = withSections ? at : 0;
  const shnum = withSections ? 7 : 0;
  const total = at + shnum * shentsize;

  const buf = Buffer.alloc(total);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u8 = (off: number, v: number) => dv.setUint8(off, v);
  const u16 = (off: number, v: number) => dv.setUint16(off, v, le);
  const u32 = (off: number, v: number) => dv.setUint32(off, v, le);
  const w = (off: number, v: number) =>
    is64 ? dv.setBigUint64(off, BigInt(v), le) : dv.setUint32(off, v, le);

  // ELF header.
  buf.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1, 0], 0);
  u16(16, type);
  u16(18, o.machine);
  u32(20, 1);
  w(24, 0); // e_entry
  w(is64 ? 32 : 28, phoff);
  w(is64 ? 40 : 32, shoff);
  u32(is64 ? 48 : 36, 0);
  u16(is64 ? 52 : 40, ehsize);
  u16(is64 ? 54 : 42, phentsize);
  u16(is64 ? 56 : 44, phnum);
  u16(is64 ? 58 : 46, shentsize);
  u16(is64 ? 60 : 48, shnum);
  u16(is64 ? 62 : 50, withSections ? 6 : 0);

  // Program headers.
  const ph = (i: number, t: number, flags: number, off: number, size: number) => {
    const p = phoff + i * phentsize;
    if (is64) {
      u32(p, t);
      u32(p + 4, flags);
      w(p + 8, off);
      w(p + 16, base + off);
      w(p + 24, base + off);
      w(p + 32, size);
      w(p + 40, size);
      w(p + 48, t === 1 ? 0x1000 : ALIGN);
    } else {
      u32(p, t);
      u32(p + 4, off);
      u32(p + 8, base + off);
      u32(p + 12, base + off);
      u32(p + 16, size);
      u32(p + 20, size);
      u32(p + 24, flags);
      u32(p + 28, t === 1 ? 0x1000 : ALIGN);
    }
  };
  phTypes.forEach((t, i) => {
    if (t === 6) ph(i, t, 4, phoff, phnum * phentsize);
    else if (t === 3) ph(i, t, 4, interpOff, interpBytes.length);
    else if (t === 1) ph(i, t, 5, 0, total);
    else if (t === 2) ph(i, t, 6, dynamicOff, dynamicSize);
    else if (t === 0x6474e551) ph(i, t, o.gnuStack ?? 6, 0, 0);
    else if (t === 0x6474e552) ph(i, t, 4, dynamicOff, dynamicSize);
  });

  buf.set(interpBytes, interpOff);
  if (withDynamic) {
    buf.set(dynstr, dynstrOff);
    symbols.forEach((s, k) => {
      const p = dynsymOff + (k + 1) * symentsize;
      const info = (1 << 4) | 2; // STB_GLOBAL, STT_FUNC
      const shndx = s.defined ? 0xfff1 : 0;
      if (is64) {
        u32(p, strOff.get(s.name)!);
        u8(p + 4, info);
        u16(p + 6, shndx);
      } else {
        u32(p, strOff.get(s.name)!);
        u8(p + 12, info);
        u16(p + 14, shndx);
      }
    });
    buf.set(hashBytes, hashOff);
    dynEntries.forEach(([tag, val], i) => {
      w(dynamicOff + i * dynentsize, tag);
      w(dynamicOff + i * dynentsize + word, val);
    });
  }

  if (withSections) {
    buf.set(shstr, shstrOff);
    const sh = (
      i: number,
      t: number,
      off: number,
      size: number,
      link: number,
      entsize: number,
      flags = 2,
    ) => {
      const p = shoff + i * shentsize;
      u32(p, shnameOff[i]!);
      u32(p + 4, t);
      if (is64) {
        w(p + 8, t === 3 && i === 6 ? 0 : flags);
        w(p + 16, i === 6 ? 0 : base + off);
        w(p + 24, off);
        w(p + 32, size);
        u32(p + 40, link);
        u32(p + 44, t === 11 ? 1 : 0);
        w(p + 48, t === 6 ? 8 : 1);
        w(p + 56, entsize);
      } else {
        u32(p + 8, t === 3 && i === 6 ? 0 : flags);
        u32(p + 12, i === 6 ? 0 : base + off);
        u32(p + 16, off);
        u32(p + 20, size);
        u32(p + 24, link);
        u32(p + 28, t === 11 ? 1 : 0);
        u32(p + 32, t === 6 ? 4 : 1);
        u32(p + 36, entsize);
      }
    };
    sh(1, 1, interpOff, interpBytes.length, 0, 0);
    sh(2, 3, dynstrOff, withDynamic ? dynstr.length : 0, 0, 0);
    sh(3, 11, dynsymOff, dynsymSize, 2, symentsize);
    sh(4, hash === 'gnu' ? 0x6ffffff6 : 5, hashOff, hashBytes.length, 3, hash === 'gnu' ? 0 : 4);
    sh(5, 6, dynamicOff, dynamicSize, 2, dynentsize, 3);
    sh(6, 3, shstrOff, shstr.length, 0, 0, 0);
  }

  return {
    bytes: buf,
    phoff,
    phnum,
    shoff,
    shnum,
    dynsymOffset: dynsymOff,
    dynsymSize,
    dynamicOffset: dynamicOff,
  };
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** A valid one-bucket DT_HASH or DT_GNU_HASH table over the symbols (index 0 is the null symbol). */
function hashTable(
  kind: 'sysv' | 'gnu',
  symbols: CraftSymbol[],
  le: boolean,
  is64: boolean,
  wideSysv: boolean,
): Buffer {
  const n = symbols.length + 1;
  if (kind === 'sysv') {
    // 64-bit s390 writes DT_HASH in 8-byte words, everyone else in 4-byte words.
    const ws = wideSysv ? 8 : 4;
    const b = Buffer.alloc(ws * (2 + 1 + n));
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const put = (i: number, v: number) =>
      ws === 8 ? dv.setBigUint64(i * 8, BigInt(v), le) : dv.setUint32(i * 4, v, le);
    put(0, 1);
    put(1, n);
    put(2, n - 1); // bucket[0]: the last symbol, chained down to 1
    for (let k = 1; k < n; k++) put(3 + k, k - 1);
    return b;
  }
  const word = is64 ? 8 : 4;
  const chainLen = Math.max(0, n - 1);
  const b = Buffer.alloc(16 + word + 4 + 4 * chainLen);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint32(0, 1, le); // nbuckets
  dv.setUint32(4, 1, le); // symoffset
  dv.setUint32(8, 1, le); // bloom size
  dv.setUint32(12, 6, le); // bloom shift
  for (let i = 0; i < word; i++) b[16 + i] = 0xff; // a bloom filter that lets everything through
  dv.setUint32(16 + word, n > 1 ? 1 : 0, le);
  symbols.forEach((s, k) => {
    let h = 5381;
    for (const c of Buffer.from(s.name, 'latin1')) h = (Math.imul(h, 33) + c) >>> 0;
    const last = k === symbols.length - 1;
    dv.setUint32(16 + word + 4 + 4 * k, last ? (h | 1) >>> 0 : (h & ~1) >>> 0, le);
  });
  return b;
}
