/**
 * The agent's ELF reader (agent/elf.ts): agreement with checksec and hardening-check on this machine's
 * programs and libraries and on binaries built here with gcc (plus hand-made files of the classes and byte
 * orders gcc here cannot make); malformed, truncated and hostile inputs; the time to read all of /usr/bin.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ElfFacts, type ElfRecord, readElfFacts } from '../../../agent/elf';
import { RootFs } from '../../../agent/root-fs';
import { type CraftOptions, craftElf } from '../../helpers/elf-builder';
import {
  type ChecksecVerdict,
  checksec,
  hardeningCheck,
  mapLimit,
  requireTool,
} from '../../helpers/hardening-oracles';
import { seededRandom, testSeed } from '../../helpers/seeded-random';

const HOST = new RootFs('/');
let tmp: string;

const SOURCE = `#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  char buf[64];
  strcpy(buf, argc > 1 ? argv[1] : "x");
  printf("%s\\n", buf);
  return (int)strlen(buf);
}
`;
const LIB_SOURCE = `#include <stdio.h>
#include <string.h>
int greet(const char *who) {
  char buf[64];
  strcpy(buf, who);
  return printf("hello %s\\n", buf);
}
`;

/** What the tests build with gcc: name → flags. */
const GCC_BUILDS: Array<[string, string[], 'main' | 'lib']> = [
  ['gcc-default', [], 'main'],
  ['gcc-execstack', ['-z', 'execstack'], 'main'],
  ['gcc-no-stack-protector', ['-fno-stack-protector'], 'main'],
  ['gcc-stack-protector-strong', ['-fstack-protector-strong'], 'main'],
  ['gcc-stack-protector-all', ['-fstack-protector-all'], 'main'],
  ['gcc-no-pie', ['-no-pie', '-fno-pie'], 'main'],
  ['gcc-pie', ['-pie', '-fPIE'], 'main'],
  ['gcc-norelro', ['-Wl,-z,norelro'], 'main'],
  ['gcc-relro-now', ['-Wl,-z,relro,-z,now'], 'main'],
  ['gcc-fortify', ['-D_FORTIFY_SOURCE=2', '-O2'], 'main'],
  ['gcc-hardened', ['-D_FORTIFY_SOURCE=2', '-O2', '-fstack-protector-strong', '-Wl,-z,relro,-z,now'], 'main'],
  ['gcc-static', ['-static'], 'main'],
  ['gcc-static-pie', ['-static-pie', '-O2'], 'main'],
  ['gcc-rpath', ['-Wl,-rpath,/opt/rpath-here', '-Wl,--disable-new-dtags'], 'main'],
  ['gcc-runpath', ['-Wl,-rpath,/opt/runpath-here', '-Wl,--enable-new-dtags'], 'main'],
  ['gcc-shared.so', ['-shared', '-fPIC'], 'lib'],
  ['gcc-shared-hardened.so', ['-shared', '-fPIC', '-fstack-protector-strong', '-Wl,-z,now', '-O2'], 'lib'],
  ['gcc-shared-execstack.so', ['-shared', '-fPIC', '-z', 'execstack'], 'lib'],
];

/** Hand-made files for the classes and byte orders gcc here cannot make (readelf reads them all). */
const STACK_SYMBOLS = [{ name: '__stack_chk_fail' }, { name: '__printf_chk' }, { name: 'printf' }];
const CRAFTED: Array<[string, CraftOptions]> = [
  [
    'crafted-ppc32-be-pie',
    {
      elfClass: 32,
      endian: 'big',
      machine: 20,
      interp: '/lib/ld.so.1',
      relro: true,
      flags: 8,
      debug: true,
      needed: ['libc.so.6'],
      symbols: STACK_SYMBOLS,
    },
  ],
  [
    'crafted-s390x-be-execstack',
    {
      elfClass: 64,
      endian: 'big',
      machine: 22,
      type: 2,
      interp: '/lib/ld64.so.1',
      gnuStack: 7,
      needed: ['libc.so.6'],
      symbols: [{ name: 'printf' }],
    },
  ],
  [
    'crafted-arm32-le-nostack',
    {
      elfClass: 32,
      endian: 'little',
      machine: 40,
      type: 2,
      interp: '/lib/ld-linux-armhf.so.3',
      gnuStack: null,
    },
  ],
  [
    'crafted-aarch64-le-full',
    {
      elfClass: 64,
      endian: 'little',
      machine: 183,
      interp: '/lib/ld-linux-aarch64.so.1',
      relro: true,
      bindNowTag: true,
      flags: 8,
      flags1: 0x08000001,
      debug: true,
      runpath: '/opt/r',
      symbols: STACK_SYMBOLS,
    },
  ],
  [
    'crafted-ppc64-be-so',
    {
      elfClass: 64,
      endian: 'big',
      machine: 21,
      relro: true,
      soname: 'libx.so.1',
      rpath: '/opt/p',
      symbols: [{ name: '__memcpy_chk' }, { name: 'exported', defined: true }],
    },
  ],
  [
    'crafted-mips32-be-flags1-now',
    {
      elfClass: 32,
      endian: 'big',
      machine: 8,
      interp: '/lib/ld.so.1',
      relro: true,
      flags1: 1,
      debug: true,
      symbols: STACK_SYMBOLS,
    },
  ],
];

/** This machine's programs and libraries: a spread of sizes and builds (those present). */
const SYSTEM_CANDIDATES = [
  '/usr/bin/ls',
  '/usr/bin/bash',
  '/usr/bin/cat',
  '/usr/bin/grep',
  '/usr/bin/find',
  '/usr/bin/tar',
  '/usr/bin/gzip',
  '/usr/bin/sed',
  '/usr/bin/dpkg',
  '/usr/bin/apt',
  '/usr/bin/make',
  '/usr/bin/readelf',
  '/usr/bin/perl',
  '/usr/bin/curl',
  '/usr/bin/ssh',
  '/usr/bin/openssl',
  '/usr/bin/git',
  '/usr/bin/xz',
  '/usr/bin/sudo',
  '/usr/bin/mount',
  '/usr/bin/su',
  '/usr/sbin/ldconfig',
  '/usr/lib/x86_64-linux-gnu/libc.so.6',
  '/usr/lib/x86_64-linux-gnu/libm.so.6',
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
  '/usr/lib/x86_64-linux-gnu/libz.so.1',
  '/usr/lib/x86_64-linux-gnu/libssl.so.3',
  '/usr/lib/x86_64-linux-gnu/libcrypto.so.3',
  '/usr/lib/x86_64-linux-gnu/libstdc++.so.6',
  '/usr/lib/x86_64-linux-gnu/libgcc_s.so.1',
  '/usr/lib/x86_64-linux-gnu/libselinux.so.1',
  '/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0',
  '/usr/lib/x86_64-linux-gnu/libcurl.so.4',
  '/usr/lib/x86_64-linux-gnu/libexpat.so.1',
];
/** hardening-check disassembles the whole file: keep the table's files small enough to stay quick. */
const MAX_TABLE_FILE = 8 * 1024 * 1024;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'elf-test-'));
  await fs.writeFile(path.join(tmp, 'main.c'), SOURCE);
  await fs.writeFile(path.join(tmp, 'lib.c'), LIB_SOURCE);
  for (const [name, flags, src] of GCC_BUILDS) {
    execFileSync(
      'gcc',
      [...flags, '-o', path.join(tmp, name), path.join(tmp, src === 'main' ? 'main.c' : 'lib.c')],
      {
        stdio: 'pipe',
      },
    );
  }
  for (const [name, o] of CRAFTED) await fs.writeFile(path.join(tmp, name), craftElf(o).bytes);
});

afterAll(async () => {
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

async function facts(p: string, rootFs = HOST, maxBytes?: number): Promise<ElfFacts> {
  const r = await readElfFacts(rootFs, p, maxBytes ? { maxBytes } : {});
  if (!r.ok) throw new Error(`${p}: ${r.reason}: ${r.detail}`);
  return r;
}

// ---- Our facts read the way each tool reads them, and what the facts mean ----

type Pie = 'yes' | 'no' | 'dso' | 'rel';
/** What the facts say: ET_DYN + PT_INTERP (or DF_1_PIE, static-pie) is a PIE executable. */
function ourPie(f: ElfFacts): Pie {
  if (f.type === 'ET_EXEC') return 'no';
  if (f.type === 'ET_REL') return 'rel';
  return f.interp || f.dynamic?.flags1Pie ? 'yes' : 'dso';
}
function ourRelro(f: ElfFacts): ChecksecVerdict['relro'] {
  if (!f.gnuRelro) return 'no';
  return f.dynamic?.bindNow ? 'full' : 'partial';
}
const ourNx = (f: ElfFacts) => (f.gnuStack.present && !f.gnuStack.executable ? 'yes' : 'no');
const ourCanary = (f: ElfFacts) => (f.symbols.stackChkFail === 'referenced' ? 'yes' : 'no');

interface Column {
  name: string;
  ours: (f: ElfFacts) => string;
  theirs: (c: ChecksecVerdict, h: Record<string, string>) => string;
  /** A known, explained difference between the two for this file, or undefined. */
  explain?: (f: ElfFacts, theirs: string) => string | undefined;
}

const COLUMNS: Column[] = [
  {
    name: 'checksec RELRO',
    ours: ourRelro,
    theirs: (c) => c.relro,
    explain: (f, theirs) =>
      theirs === 'partial' && f.dynamic?.flags1Now && !f.dynamic.bindNowTag && !f.dynamic.flagsBindNow
        ? 'checksec greps readelf -d for "BIND_NOW"; DT_FLAGS_1 NOW alone prints "NOW" and is missed'
        : undefined,
  },
  {
    name: 'checksec canary',
    // checksec counts a defined __stack_chk_fail too (libc itself).
    ours: (f) => (f.symbols.stackChkFail !== 'absent' || f.symbols.stackChkGuard !== 'absent' ? 'yes' : 'no'),
    theirs: (c) => c.canary,
    explain: (f, theirs) =>
      theirs === 'yes' && (f.staticallyLinked || (!f.interp && f.dynamic?.needed.length === 0))
        ? "statically linked (static-pie: PT_DYNAMIC only to relocate itself, no PT_INTERP, no DT_NEEDED): checksec finds libc's own __stack_chk_fail in .symtab, which says nothing of how the program was built; we read .dynsym only"
        : undefined,
  },
  { name: 'checksec NX', ours: ourNx, theirs: (c) => c.nx },
  {
    name: 'checksec PIE',
    ours: ourPie,
    theirs: (c) => c.pie,
    explain: (f, theirs) =>
      theirs === 'dso' && f.interp && !f.dynamic?.debug
        ? 'checksec calls ET_DYN a PIE only with DT_DEBUG; this one has PT_INTERP (a library that can also be run, like libc.so.6)'
        : theirs === 'yes' && !f.interp && f.dynamic?.debug && !f.dynamic.flags1Pie
          ? 'checksec calls ET_DYN a PIE with DT_DEBUG; no PT_INTERP and no DF_1_PIE: a shared object'
          : undefined,
  },
  {
    name: 'checksec RPATH',
    ours: (f) => (f.dynamic?.rpath !== undefined ? 'yes' : 'no'),
    theirs: (c) => c.rpath,
  },
  {
    name: 'checksec RUNPATH',
    ours: (f) => (f.dynamic?.runpath !== undefined ? 'yes' : 'no'),
    theirs: (c) => c.runpath,
  },
  {
    name: 'checksec fortified',
    ours: (f) => String(f.symbols.fortifiedReferencedCount + f.symbols.fortifiedDefinedCount),
    theirs: (c) => String(c.fortified),
  },
  {
    name: 'h-c PIE',
    ours: ourPie,
    theirs: (_c, h) => {
      const v = h['Position Independent Executable'] ?? '';
      return v === 'yes'
        ? 'yes'
        : v.startsWith('no, regular shared library')
          ? 'dso'
          : v.startsWith('no')
            ? 'no'
            : v;
    },
    explain: (f, theirs) =>
      theirs === 'dso' && !f.phdr && (f.interp || f.dynamic?.flags1Pie)
        ? 'hardening-check calls ET_DYN a PIE only with PT_PHDR; this one has PT_INTERP or DF_1_PIE (static-pie) without it'
        : theirs === 'yes' && f.phdr && !f.interp && !f.dynamic?.flags1Pie
          ? 'hardening-check calls ET_DYN with PT_PHDR a PIE; no PT_INTERP and no DF_1_PIE: a shared object'
          : undefined,
  },
  {
    name: 'h-c stack protected',
    ours: ourCanary,
    theirs: (_c, h) => ((h['Stack protected'] ?? '') === 'yes' ? 'yes' : 'no'),
  },
  {
    name: 'h-c fortify',
    ours: (f) => (f.symbols.fortifiedReferencedCount > 0 ? 'yes' : 'no'),
    theirs: (_c, h) => ((h['Fortify Source functions'] ?? '').startsWith('yes') ? 'yes' : 'no'),
  },
  {
    name: 'h-c RELRO',
    ours: (f) => (f.gnuRelro ? 'yes' : 'no'),
    theirs: (_c, h) => ((h['Read-only relocations'] ?? '').startsWith('yes') ? 'yes' : 'no'),
  },
  {
    name: 'h-c bind now',
    ours: (f) => (f.dynamic?.bindNow ? 'yes' : 'no'),
    theirs: (_c, h) => ((h['Immediate binding'] ?? '').startsWith('yes') ? 'yes' : 'no'),
  },
];

describe('agreement with checksec and hardening-check', () => {
  it('agrees per column on at least 30 binaries, known differences explained', async () => {
    requireTool('checksec', 'checksec');
    requireTool('hardening-check', 'devscripts');
    requireTool('readelf', 'binutils');
    const system = SYSTEM_CANDIDATES.filter((p) => {
      try {
        const st = statSync(p);
        return st.isFile() && st.size <= MAX_TABLE_FILE;
      } catch {
        return false;
      }
    });
    const files = [
      ...system,
      ...GCC_BUILDS.map(([n]) => path.join(tmp, n)),
      ...CRAFTED.map(([n]) => path.join(tmp, n)),
    ];
    expect(files.length).toBeGreaterThanOrEqual(30);

    const rows = await mapLimit(files, Math.max(2, os.cpus().length), async (file) => {
      const [f, c, h] = await Promise.all([facts(file), checksec(file), hardeningCheck(file)]);
      return { file, f, c, h };
    });

    const agreed = new Map<string, number>();
    const explained: string[] = [];
    const unexplained: string[] = [];
    const table: string[] = [];
    const header = ['file', 'class', 'type', 'interp', 'stack', 'relro', 'now', 'ssp', 'chk'];
    table.push(
      [...header, ...COLUMNS.map((c) => c.name.replace('checksec ', 'cs:').replace('h-c ', 'hc:'))].join(
        ' | ',
      ),
    );
    for (const { file, f, c, h } of rows) {
      const name = file.startsWith(tmp) ? path.basename(file) : file;
      const cells = [
        name,
        `${f.elfClass}${f.endian === 'little' ? 'LE' : 'BE'} ${f.machineName}`,
        f.type,
        f.interp ? 'yes' : 'no',
        f.gnuStack.present ? (f.gnuStack.executable ? 'RWX' : 'RW') : 'absent',
        f.gnuRelro ? 'yes' : 'no',
        f.dynamic?.bindNow ? 'yes' : 'no',
        f.symbols.stackChkFail,
        `${f.symbols.fortifiedReferencedCount}/${f.symbols.fortifiedDefinedCount}`,
      ];
      for (const col of COLUMNS) {
        const ours = col.ours(f);
        const theirs = col.theirs(c, h);
        if (ours === theirs) {
          agreed.set(col.name, (agreed.get(col.name) ?? 0) + 1);
          cells.push(ours);
          continue;
        }
        const why = col.explain?.(f, theirs);
        if (why) {
          explained.push(`${name} ${col.name}: ours ${ours}, tool ${theirs} (${why})`);
          cells.push(`${ours}≠${theirs}*`);
        } else {
          unexplained.push(`${name} ${col.name}: ours ${ours}, tool ${theirs}`);
          cells.push(`${ours}≠${theirs}!`);
        }
      }
      table.push(cells.join(' | '));
    }
    console.log(
      [
        `ELF facts vs checksec and hardening-check (h-c) on ${rows.length} files`,
        'ours≠theirs* = known, explained difference; ! = unexplained',
        ...table,
        '',
        `agreement per column: ${COLUMNS.map((c) => `${c.name} ${agreed.get(c.name) ?? 0}/${rows.length}`).join('; ')}`,
        `explained differences (${explained.length}):`,
        ...explained.map((e) => `  ${e}`),
      ].join('\n'),
    );
    expect(unexplained).toEqual([]);
  }, 300_000);

  it('a table of thousands of dynamic symbols, read a piece at a time, gives what readelf lists; its strings read once', async () => {
    requireTool('readelf', 'binutils');
    // Programs and libraries with more than one piece (4,096 entries) of dynamic symbols: libstdc++ (~6,000),
    // this Node.js binary when it exports V8's (~75,000).
    const candidates = [
      process.execPath,
      '/usr/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/usr/lib/aarch64-linux-gnu/libstdc++.so.6',
    ];
    let checked = 0;
    for (const file of candidates) {
      let sections: string;
      try {
        sections = execFileSync('readelf', ['-S', '-W', file], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      } catch {
        continue;
      }
      const sec = (name: string) => {
        const m = new RegExp(
          `\\s${name.replace('.', '\\.')}\\s+\\S+\\s+\\S+\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)`,
        ).exec(sections);
        return m ? { size: Number.parseInt(m[2]!, 16), entsize: Number.parseInt(m[3]!, 16) } : undefined;
      };
      const dynsym = sec('.dynsym');
      const dynstr = sec('.dynstr');
      if (!dynsym || !dynstr || dynsym.size / dynsym.entsize <= 4096 + 1) continue;
      const f = await facts(file);
      const r = (await readElfFacts(HOST, file)) as ElfRecord & { bytesRead: number };
      const listed = execFileSync('readelf', ['--dyn-syms', '-W', file], {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      })
        .split('\n')
        .map((l) => /^\s*\d+:\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+(\S+) ?(\S*)/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        // readelf prints versioned names (name@VER, name@@VER): the symbol's own name is before the '@'.
        .map((m) => ({ ndx: m[1]!, name: m[2]!.split('@')[0]! }));
      expect(f.symbols.source, file).toBe('section-headers');
      expect(f.symbols.count, file).toBe(dynsym.size / dynsym.entsize);
      expect(listed.length, file).toBe(f.symbols.count);
      const und = (n: string) => listed.some((x) => x.name === n && x.ndx === 'UND');
      const def = (n: string) => listed.some((x) => x.name === n && x.ndx !== 'UND');
      const chk = (x: { name: string }) =>
        x.name.startsWith('__') && x.name.endsWith('_chk') && x.name.length > 6;
      const referenced = new Set(
        listed.filter((x) => chk(x) && x.ndx === 'UND' && x.name !== '__stack_chk_fail').map((x) => x.name),
      );
      expect(f.symbols.fortifiedReferencedCount, file).toBe(referenced.size);
      expect(f.symbols.fortifiedDefinedCount, file).toBe(
        listed.filter((x) => chk(x) && x.ndx !== 'UND' && x.name !== '__stack_chk_fail').length,
      );
      expect(f.symbols.stackChkFail, file).toBe(
        def('__stack_chk_fail') ? 'defined' : und('__stack_chk_fail') ? 'referenced' : 'absent',
      );
      // .dynstr is DT_STRTAB: read once (headers, the dynamic section and the two tables, not the strings twice).
      expect(r.bytesRead, file).toBeLessThan(dynsym.size + 2 * dynstr.size);
      expect(r.bytesRead, file).toBeGreaterThanOrEqual(dynsym.size + dynstr.size);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('reads what gcc was asked for', async () => {
    const f = async (n: string) => facts(path.join(tmp, n));
    expect((await f('gcc-execstack')).gnuStack).toEqual({ present: true, flags: 7, executable: true });
    expect((await f('gcc-default')).gnuStack).toEqual({ present: true, flags: 6, executable: false });
    expect((await f('gcc-no-stack-protector')).symbols.stackChkFail).toBe('absent');
    expect((await f('gcc-stack-protector-all')).symbols.stackChkFail).toBe('referenced');
    const nopie = await f('gcc-no-pie');
    expect([nopie.type, nopie.interp]).toEqual(['ET_EXEC', true]);
    const pie = await f('gcc-pie');
    expect([pie.type, pie.interp, pie.dynamic?.flags1Pie]).toEqual(['ET_DYN', true, true]);
    expect((await f('gcc-norelro')).gnuRelro).toBe(false);
    const now = await f('gcc-relro-now');
    expect([now.gnuRelro, now.dynamic?.bindNow, now.dynamic?.flagsBindNow, now.dynamic?.flags1Now]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    const fortify = await f('gcc-fortify');
    expect(fortify.symbols.fortifiedReferenced).toEqual(expect.arrayContaining(['__strcpy_chk']));
    const stat = await f('gcc-static');
    expect([stat.staticallyLinked, stat.dynamic, stat.symbols.source, stat.interp]).toEqual([
      true,
      undefined,
      'none',
      false,
    ]);
    const staticPie = await f('gcc-static-pie');
    expect([
      staticPie.type,
      staticPie.staticallyLinked,
      staticPie.interp,
      staticPie.dynamic?.flags1Pie,
    ]).toEqual(['ET_DYN', false, false, true]);
    expect((await f('gcc-rpath')).dynamic?.rpath).toBe('/opt/rpath-here');
    expect((await f('gcc-runpath')).dynamic?.runpath).toBe('/opt/runpath-here');
    const so = await f('gcc-shared.so');
    expect([so.type, so.interp, so.dynamic?.needed]).toEqual(['ET_DYN', false, ['libc.so.6']]);
    expect((await f('gcc-shared-execstack.so')).gnuStack).toMatchObject({ executable: true });
  });
});

// ---- Hand-made files: every class, byte order and way of finding .dynsym ----

describe('every class, byte order and symbol-table source', () => {
  const symbols = [
    { name: '__stack_chk_fail' },
    { name: '__memcpy_chk' },
    { name: '__sprintf_chk' },
    { name: '__vsnprintf_chk', defined: true },
    { name: '__stack_chk_guard', defined: true },
    { name: 'memcpy' },
    { name: '_' },
    { name: '__' },
  ];
  const combos: Array<[32 | 64, 'little' | 'big', number]> = [
    [32, 'little', 3],
    [32, 'big', 20],
    [64, 'little', 62],
    [64, 'big', 21],
    [64, 'big', 22], // s390x: DT_HASH words are 8 bytes
  ];
  for (const [elfClass, endian, machine] of combos) {
    for (const [sections, hash] of [
      [true, 'gnu'],
      [false, 'gnu'],
      [false, 'sysv'],
    ] as const) {
      it(`${elfClass}-bit ${endian}-endian machine ${machine}, ${sections ? 'section headers' : `DT_${hash.toUpperCase()}_HASH`}`, async () => {
        const dir = await fs.mkdtemp(path.join(tmp, 'combo-'));
        const { bytes } = craftElf({
          elfClass,
          endian,
          machine,
          interp: '/lib/ld.so',
          relro: true,
          flags: 0x8 | 0x4,
          flags1: 0x08000000,
          rpath: '/a:/b',
          runpath: '/c',
          soname: 'libcombo.so.1',
          needed: ['libc.so.6', 'libm.so.6'],
          symbols,
          sections,
          hash,
        });
        await fs.writeFile(path.join(dir, 'f'), bytes);
        const f = await facts('/f', new RootFs(dir));
        expect(f).toMatchObject({
          elfClass,
          endian,
          machine,
          type: 'ET_DYN',
          interp: true,
          interpreter: '/lib/ld.so',
          phdr: true,
          gnuStack: { present: true, flags: 6, executable: false },
          gnuRelro: true,
          staticallyLinked: false,
          dynamic: {
            bindNow: true,
            flagsBindNow: true,
            flags1Now: false,
            bindNowTag: false,
            flags1Pie: true,
            textrel: true,
            rpath: '/a:/b',
            runpath: '/c',
            soname: 'libcombo.so.1',
            needed: ['libc.so.6', 'libm.so.6'],
          },
          symbols: {
            source: sections ? 'section-headers' : hash === 'gnu' ? 'dt-gnu-hash' : 'dt-hash',
            count: symbols.length + 1,
            stackChkFail: 'referenced',
            stackChkGuard: 'defined',
            fortifiedReferencedCount: 2,
            fortifiedReferenced: ['__memcpy_chk', '__sprintf_chk'],
            fortifiedDefinedCount: 1,
          },
        });
        expect(f.bytesRead).toBeLessThanOrEqual(2 * bytes.length);
      });
    }
  }

  it('takes the program header count from section 0 when e_phnum is PN_XNUM', async () => {
    const l = craftElf({ elfClass: 64, endian: 'little', machine: 62, interp: '/x', relro: true });
    const b = Buffer.from(l.bytes);
    b.writeUInt16LE(0xffff, 56); // e_phnum
    b.writeUInt32LE(l.phnum, l.shoff + 44); // section 0 sh_info
    const r = await readAt(b);
    expect(r).toMatchObject({ ok: true, interp: true, gnuRelro: true });
  });
});

async function readAt(bytes: Buffer, maxBytes?: number): Promise<ElfRecord> {
  const dir = await fs.mkdtemp(path.join(tmp, 'bad-'));
  await fs.writeFile(path.join(dir, 'f'), bytes);
  const r = await readElfFacts(new RootFs(dir), '/f', maxBytes ? { maxBytes } : {});
  await fs.rm(dir, { recursive: true, force: true });
  return r;
}

/** The facts that do not depend on the file's size or how much of it was read. */
function core(r: ElfRecord): unknown {
  if (!r.ok) return r.reason;
  const { file: _file, bytesRead: _bytes, resolvedPath: _p, ...rest } = r;
  return rest;
}

// ---- Malformed, truncated and hostile input ----

describe('malformed input gives { ok: false, reason }, never a throw or a hang', () => {
  it('truncated at every header boundary (hand-made, both classes and byte orders; and a gcc binary)', async () => {
    const cases = [
      craftElf({
        elfClass: 64,
        endian: 'little',
        machine: 62,
        interp: '/i',
        relro: true,
        symbols: STACK_SYMBOLS,
      }),
      craftElf({
        elfClass: 32,
        endian: 'big',
        machine: 20,
        interp: '/i',
        symbols: STACK_SYMBOLS,
        sections: false,
      }),
      craftElf({
        elfClass: 64,
        endian: 'big',
        machine: 22,
        symbols: STACK_SYMBOLS,
        sections: false,
        hash: 'sysv',
      }),
    ];
    for (const l of cases) {
      const is64 = l.bytes[4] === 2;
      const full = await readAt(l.bytes);
      expect(full.ok).toBe(true);
      const phent = is64 ? 56 : 32;
      const shent = is64 ? 64 : 40;
      const cuts = new Set<number>([0, 1, 4, 15, 16, 17, is64 ? 63 : 51, is64 ? 64 : 52]);
      for (let i = 0; i <= l.phnum; i++) cuts.add(l.phoff + i * phent).add(l.phoff + i * phent - 1);
      for (let i = 0; i <= l.shnum; i++) cuts.add(l.shoff + i * shent).add(l.shoff + i * shent - 1);
      for (let o = 0; o <= l.dynsymSize; o += 8) cuts.add(l.dynsymOffset + o);
      cuts.add(l.dynamicOffset).add(l.dynamicOffset + 8);
      for (const cut of [...cuts].filter((c) => c >= 0 && c < l.bytes.length)) {
        const r = await readAt(l.bytes.subarray(0, cut));
        // Either refused, or (cut past everything read) exactly the facts of the whole file.
        if (r.ok) expect(core(r)).toEqual(core(full));
        else expect(['truncated', 'not-elf', 'malformed']).toContain(r.reason);
        if (cut < l.phoff + l.phnum * phent) expect(r.ok).toBe(false);
      }
    }
    const real = await fs.readFile(path.join(tmp, 'gcc-default'));
    const full = await readAt(real);
    let refused = 0;
    for (let i = 0; i < 64; i++) {
      const r = await readAt(real.subarray(0, Math.floor((real.length * i) / 64)));
      if (r.ok) expect(core(r)).toEqual(core(full));
      else refused++;
    }
    expect(refused).toBeGreaterThan(0);
  });

  it('random bytes after a valid header, and random byte flips in a valid file (seeded)', async () => {
    const seed = testSeed(9_2026);
    const rnd = seededRandom(seed);
    const base = craftElf({
      elfClass: 64,
      endian: 'little',
      machine: 62,
      interp: '/i',
      relro: true,
      symbols: STACK_SYMBOLS,
      needed: ['libc.so.6'],
    }).bytes;
    const base32 = craftElf({
      elfClass: 32,
      endian: 'big',
      machine: 20,
      symbols: STACK_SYMBOLS,
      sections: false,
    }).bytes;
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const src = i % 2 === 0 ? base : base32;
      let b: Buffer;
      if (i < 150) {
        // A valid ELF header, then random bytes.
        const hdr = src.subarray(0, src[4] === 2 ? 64 : 52);
        const tail = Buffer.alloc(rnd.int(4096));
        for (let k = 0; k < tail.length; k++) tail[k] = rnd.int(256);
        b = Buffer.concat([hdr, tail]);
      } else {
        b = Buffer.from(src);
        const flips = 1 + rnd.int(8);
        for (let k = 0; k < flips; k++) b[16 + rnd.int(b.length - 16)] = rnd.int(256);
      }
      const r = await readAt(b);
      const key = r.ok ? 'ok' : r.reason;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      expect(r.bytesRead).toBeLessThanOrEqual(16 * 1024 * 1024);
    }
    console.log(`fuzz (seed ${seed}): ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  });

  it('counts of 65535, offsets past the end, a symbol table claiming gigabytes, looping hash chains', async () => {
    const l = craftElf({ elfClass: 64, endian: 'little', machine: 62, interp: '/i', symbols: STACK_SYMBOLS });
    const patched = (fn: (b: Buffer) => void) => {
      const b = Buffer.from(l.bytes);
      fn(b);
      return readAt(b);
    };
    // e_phnum 65535 (PN_XNUM) with section 0 claiming 65535 too; e_shnum 65535.
    expect(
      await patched((b) => {
        b.writeUInt16LE(0xffff, 56);
        b.writeUInt32LE(0xffff, l.shoff + 44);
      }),
    ).toMatchObject({ ok: false, reason: 'truncated' });
    // PN_XNUM with no count in section 0, and PN_XNUM without section headers (65535 headers, past the end).
    expect(await patched((b) => b.writeUInt16LE(0xffff, 56))).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(
      await patched((b) => {
        b.writeUInt16LE(0xffff, 56);
        b.writeBigUInt64LE(0n, 40);
      }),
    ).toMatchObject({ ok: false, reason: 'truncated' });
    expect(await patched((b) => b.writeUInt16LE(0xffff, 60))).toMatchObject({
      ok: false,
      reason: 'truncated',
    });
    // A tiny e_phentsize.
    expect(await patched((b) => b.writeUInt16LE(8, 54))).toMatchObject({ ok: false, reason: 'malformed' });
    // e_phoff and e_shoff past the end, and past 2^53.
    expect(await patched((b) => b.writeBigUInt64LE(1n << 40n, 32))).toMatchObject({
      ok: false,
      reason: 'truncated',
    });
    expect(await patched((b) => b.writeBigUInt64LE(1n << 62n, 32))).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(await patched((b) => b.writeBigUInt64LE(1n << 40n, 40))).toMatchObject({
      ok: false,
      reason: 'truncated',
    });
    // PT_INTERP (the second program header) pointing past the end.
    expect(await patched((b) => b.writeBigUInt64LE(1n << 33n, l.phoff + 56 + 8))).toMatchObject({
      ok: false,
      reason: 'truncated',
    });
    // .dynsym (section 3) claiming 4 GiB and 2^60 bytes.
    expect(await patched((b) => b.writeBigUInt64LE(1n << 32n, l.shoff + 3 * 64 + 32))).toMatchObject({
      ok: false,
      reason: 'truncated',
    });
    expect(await patched((b) => b.writeBigUInt64LE(1n << 60n, l.shoff + 3 * 64 + 32))).toMatchObject({
      ok: false,
    });
    // Within the file but over the byte budget.
    expect(await readAt(l.bytes, 256)).toMatchObject({ ok: false, reason: 'too-large' });
    // libc's headers fit 64 KiB, its .dynsym and .dynstr do not: the header facts stand, symbols are unread.
    const libcPath = ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/aarch64-linux-gnu/libc.so.6'].find(
      (p) => {
        try {
          return statSync(p).isFile();
        } catch {
          return false;
        }
      },
    )!;
    const libc = await readElfFacts(HOST, libcPath, { maxBytes: 64 * 1024 });
    const libcFull = await facts(libcPath);
    expect(libc).toMatchObject({
      ok: true,
      gnuStack: libcFull.gnuStack,
      gnuRelro: libcFull.gnuRelro,
      interp: libcFull.interp,
      dynamic: libcFull.dynamic,
      symbols: { source: 'none', stackChkFail: 'absent', unread: expect.stringContaining('budget') },
    });
    expect(libc.bytesRead).toBeLessThanOrEqual(64 * 1024);
    expect(libcFull.symbols.unread).toBeUndefined();

    // Section-less files: DT_HASH's nchain of 2^32-1; DT_GNU_HASH with a huge bucket index or no chain end.
    const sysv = craftElf({
      elfClass: 64,
      endian: 'little',
      machine: 62,
      symbols: STACK_SYMBOLS,
      sections: false,
      hash: 'sysv',
    });
    const hashOff = sysv.dynsymOffset + sysv.dynsymSize; // the hash table follows .dynsym (8-aligned)
    const b1 = Buffer.from(sysv.bytes);
    b1.writeUInt32LE(0xffffffff, hashOff + 4);
    expect(await readAt(b1)).toMatchObject({ ok: false, reason: 'malformed' });
    const gnu = craftElf({
      elfClass: 64,
      endian: 'little',
      machine: 62,
      symbols: STACK_SYMBOLS,
      sections: false,
    });
    const g = gnu.dynsymOffset + gnu.dynsymSize;
    const b2 = Buffer.from(gnu.bytes);
    b2.writeUInt32LE(0x7fffffff, g + 16 + 8); // bucket[0]
    expect(await readAt(b2)).toMatchObject({ ok: false });
    const b3 = Buffer.from(gnu.bytes);
    for (let k = 0; k < STACK_SYMBOLS.length; k++) b3.writeUInt32LE(2, g + 16 + 8 + 4 + 4 * k); // no end bit
    // The chain runs to the end of its PT_LOAD (the second program header) …
    b3.writeBigUInt64LE(BigInt(g + 16 + 8 + 4 + 4 * STACK_SYMBOLS.length), gnu.phoff + 56 + 32);
    expect(await readAt(b3)).toMatchObject({ ok: false, reason: 'malformed' });
    // … or (a bucket pointing into 4 MiB of zeros) until the byte budget stops it.
    const zeros = Buffer.alloc(4 * 1024 * 1024);
    const b3b = Buffer.concat([b3, zeros]);
    b3b.writeBigUInt64LE(BigInt(b3b.length), gnu.phoff + 56 + 32);
    b3b.writeUInt32LE(1 + (b3.length - (g + 16 + 8 + 4)) / 4, g + 16 + 8);
    const long = await readAt(b3b, 1024 * 1024);
    expect(long).toMatchObject({ ok: true, symbols: { unread: expect.stringContaining('budget') } });
    expect(long.bytesRead).toBeLessThanOrEqual(1024 * 1024);
    const b4 = Buffer.from(gnu.bytes);
    b4.writeUInt32LE(0x40000000, g); // 2^30 buckets
    expect(await readAt(b4)).toMatchObject({ ok: false });
    // A dynamic string offset past DT_STRSZ (DT_NEEDED).
    const n = craftElf({ elfClass: 32, endian: 'little', machine: 3, needed: ['libc.so.6'] });
    const b5 = Buffer.from(n.bytes);
    b5.writeUInt32LE(0x7fffffff, n.dynamicOffset + 4);
    expect(await readAt(b5)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('a non-ELF file, a short file, an unknown class, a directory, a FIFO, /dev/null, a missing file', async () => {
    const root = await fs.mkdtemp(path.join(tmp, 'root-'));
    const rfs = new RootFs(root);
    await fs.writeFile(path.join(root, 'text'), '#!/bin/sh\necho hello\n');
    await fs.writeFile(path.join(root, 'short'), Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    const odd = Buffer.from(craftElf({ elfClass: 64, endian: 'little', machine: 62 }).bytes);
    odd[4] = 3;
    await fs.writeFile(path.join(root, 'odd-class'), odd);
    await fs.mkdir(path.join(root, 'dir'));
    execFileSync('mkfifo', [path.join(root, 'fifo')]);
    const expectations: Array<[string, string]> = [
      ['/text', 'not-elf'],
      ['/short', 'not-elf'],
      ['/odd-class', 'unsupported'],
      ['/dir', 'not-a-file'],
      ['/fifo', 'not-a-file'],
      ['/missing', 'not-found'],
    ];
    for (const [p, reason] of expectations) {
      const r = await Promise.race([
        readElfFacts(rfs, p),
        new Promise<'hang'>((res) => setTimeout(() => res('hang'), 5_000)),
      ]);
      expect(r).toMatchObject({ ok: false, reason });
    }
    expect(await readElfFacts(HOST, '/dev/null')).toMatchObject({ ok: false, reason: 'not-a-file' });
  });

  it('a symlink that leaves the root is resolved inside it', async () => {
    const root = await fs.mkdtemp(path.join(tmp, 'root-'));
    const rfs = new RootFs(root);
    await fs.symlink('../../../../../../../../usr/bin/ls', path.join(root, 'up'));
    await fs.symlink('/usr/bin/ls', path.join(root, 'abs'));
    // Nothing at <root>/usr/bin/ls: the host's /usr/bin/ls is not read.
    expect(await readElfFacts(rfs, '/up')).toMatchObject({ ok: false, reason: 'not-found' });
    expect(await readElfFacts(rfs, '/abs')).toMatchObject({ ok: false, reason: 'not-found' });
    // With a file there, that file is read (a PowerPC one, not the host's x86-64 ls).
    await fs.mkdir(path.join(root, 'usr/bin'), { recursive: true });
    await fs.writeFile(path.join(root, 'usr/bin/ls'), craftElf(CRAFTED[0]![1]).bytes);
    for (const p of ['/up', '/abs']) {
      expect(await readElfFacts(rfs, p)).toMatchObject({
        ok: true,
        machineName: 'PowerPC',
        resolvedPath: '/usr/bin/ls',
      });
    }
  });
});

// ---- Speed: all of /usr/bin ----

describe('speed and memory', () => {
  it('reads every file in /usr/bin (figures printed, not asserted)', async () => {
    const names = await fs.readdir('/usr/bin');
    const rssBefore = process.memoryUsage().rss;
    const t0 = process.hrtime.bigint();
    const results = await mapLimit(names, 8, (n) => readElfFacts(HOST, `/usr/bin/${n}`));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const rssAfter = process.memoryUsage().rss;
    const ok = results.filter((r) => r.ok) as ElfFacts[];
    const reasons = new Map<string, number>();
    for (const r of results) if (!r.ok) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
    const totalRead = results.reduce((s, r) => s + r.bytesRead, 0);
    const totalSize = ok.reduce((s, r) => s + r.file.size, 0);
    const maxRead = Math.max(0, ...results.map((r) => r.bytesRead));
    console.log(
      `/usr/bin: ${names.length} entries in ${ms.toFixed(0)} ms (${(ms / Math.max(1, names.length)).toFixed(2)} ms each); ` +
        `${ok.length} ELF (${ok.filter((r) => r.symbols.unread).length} with symbols over the budget), others: ${[...reasons].map(([k, v]) => `${k} ${v}`).join(', ')}; ` +
        `read ${(totalRead / 1e6).toFixed(1)} MB of ${(totalSize / 1e6).toFixed(1)} MB of ELF files ` +
        `(largest single read ${(maxRead / 1024).toFixed(0)} KiB); RSS ${(rssBefore / 1e6).toFixed(0)} → ${(rssAfter / 1e6).toFixed(0)} MB`,
    );
    expect(ok.length).toBeGreaterThan(0);
    expect(results.every((r) => r.bytesRead <= 16 * 1024 * 1024)).toBe(true);
  }, 120_000);
});
