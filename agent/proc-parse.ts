/**
 * Parsers of the /proc files the runtime sampling reads (agent side only; the evaluator reads the aggregated
 * `runtime` section, never these files). Each parser takes the file's text and returns facts or `undefined`
 * for garbage: a truncated or odd file must never throw.
 */
import os from 'node:os';
import { ipv6Text } from '../functions/core/telemetry/address-text';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** Kernel flags (field 9): PF_KTHREAD marks a kernel thread. */
  flags: number;
  /** Start time after boot, in clock ticks (field 22): with the pid, the process's identity. */
  startTime: number;
}

export const PF_KTHREAD = 0x00200000;

/** /proc/PID/stat. The comm (field 2) is in parentheses and may itself hold spaces and parentheses. */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); field N is rest[N - 3].
  if (rest.length < 20) return undefined;
  const ppid = Number(rest[1]);
  const flags = Number(rest[6]);
  const startTime = Number(rest[19]);
  if (![pid, ppid, flags, startTime].every((n) => Number.isSafeInteger(n) && n >= 0) || pid === 0)
    return undefined;
  return { pid, comm: text.slice(open + 1, close), state: rest[0]!, ppid, flags, startTime };
}

export interface ProcStatus {
  name?: string;
  ppid?: number;
  uid?: number;
  euid?: number;
}

/** /proc/PID/status: Name, PPid and the real and effective uid (`Uid: real effective saved fs`). */
export function parseStatus(text: string): ProcStatus {
  const out: ProcStatus = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (key === 'Name') out.name = value;
    else if (key === 'PPid') {
      const n = Number(value);
      if (Number.isSafeInteger(n) && n >= 0 && value !== '') out.ppid = n;
    } else if (key === 'Uid') {
      const [real, effective] = value.split(/\s+/).map(Number);
      if (Number.isSafeInteger(real) && real! >= 0) out.uid = real!;
      if (Number.isSafeInteger(effective) && effective! >= 0) out.euid = effective!;
    }
  }
  return out;
}

/** /proc/PID/cmdline: NUL-separated arguments (a trailing NUL ends the last one). */
export function parseCmdline(buf: Buffer | string): string[] {
  const text = typeof buf === 'string' ? buf : buf.toString('utf8');
  if (text === '') return [];
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export const MASK = '***';
/** Flags whose next argument (or `=value`) is a secret. */
const SECRET_FLAGS =
  /^--?(?:p|pass|passwd|password|pwd|token|secret|api-?key|apikey|access-?key|secret-?key|private-?key|auth|auth-?token|credentials?|client-?secret|db-?password|key-?password|keystore-?password|storepass|keypass|bearer)$/i;
/** A key (of key=value, or a flag name) that looks like it names a secret. */
const SECRET_KEY =
  /(?:pass(?:wd|word|phrase)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|auth|bearer|session[-_]?key|signature)/i;
/**
 * scheme://user:password@host: the password may hold `/` or `@` when its writer did not percent-encode
 * them, so everything from the colon to the last `@` of the word is masked.
 */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^\s'"]*@/gi;
/** scheme://token@host: a user name alone is often a token (`https://ghp_…@github.com`). */
const URL_USER = /([a-z][a-z0-9+.-]*:\/\/)(?!\*\*\*@)[^/\s:@'"]+@/gi;
/** A header (`X-Api-Key: k`, `PRIVATE-TOKEN: t`, `Cookie: s=…`) whose name says it carries a secret. */
const SECRET_HEADER =
  /^((?:proxy-)?authorization|cookie|[\w-]*(?:pass(?:wd|word)?|secret|token|api[-_]?key|access[-_]?key|auth|session)[\w-]*)\s*:\s*\S.*$/is;
/** Options whose value is `user:password` (curl -u, wget and curl --user, --proxy-user). */
const USER_PASSWORD_FLAGS = /^(?:-u|--user|--proxy-user|-U)$/;

/**
 * Arguments with secrets masked: the value after a secret flag (`--password X`, `-p X`, `--token=X`,
 * `-pX`, and any other flag whose name says secret: `--db-pass X`, `--vault-token X`, `-passin X`), the
 * value of key=value pairs whose key looks secret (`PGPASSWORD=x`, `db.password=x`), the password of
 * `user:password` option values (`curl -u admin:x`), the password or token user name of URLs
 * (`https://user:x@host`, `https://token@host`), headers whose name says secret (`Authorization: …`,
 * `X-Api-Key: …`), and the same inside longer arguments (`sh -c "PGPASSWORD=x psql --password y"`, JSON
 * with `"api_token": "x"`).
 */
export function maskArguments(args: readonly string[]): string[] {
  const out: string[] = [];
  /** `always`: the next argument is masked; `unless-option`: unless it starts with `-`. */
  let maskNext: 'always' | 'unless-option' | 'user-password' | undefined;
  for (const arg of args) {
    if (maskNext === 'always' || (maskNext === 'unless-option' && !arg.startsWith('-'))) {
      out.push(MASK);
      maskNext = undefined;
      continue;
    }
    if (maskNext === 'user-password' && /^[^\s:/]+:./.test(arg) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) {
      out.push(`${arg.slice(0, arg.indexOf(':'))}:${MASK}`);
      maskNext = undefined;
      continue;
    }
    maskNext = undefined;
    let a = maskInline(arg.replace(URL_PASSWORD, `$1${MASK}@`).replace(URL_USER, `$1${MASK}@`));
    const header = SECRET_HEADER.exec(a);
    if (header) a = `${header[1]}: ${MASK}`;
    const eq = a.indexOf('=');
    if (a.startsWith('-') && eq > 0) {
      const flag = a.slice(0, eq);
      if (SECRET_FLAGS.test(flag) || SECRET_KEY.test(flag)) a = `${flag}=${MASK}`;
    } else if (SECRET_FLAGS.test(a)) {
      maskNext = 'always';
    } else if (USER_PASSWORD_FLAGS.test(a)) {
      maskNext = 'user-password';
    } else if (/^-p.+/.test(a) && !a.startsWith('--')) {
      // mysql-style -pSECRET (and openssl's -passin X: both the rest and the next argument).
      if (SECRET_KEY.test(a)) maskNext = 'unless-option';
      a = `-p${MASK}`;
    } else if (/^--?[\w][\w.-]*$/.test(a) && SECRET_KEY.test(a)) {
      maskNext = 'unless-option';
    } else if (
      eq > 0 &&
      !/\s/.test(a) &&
      /^[\w.-]+$/.test(a.slice(0, eq)) &&
      SECRET_KEY.test(a.slice(0, eq))
    ) {
      a = `${a.slice(0, eq)}=${MASK}`;
    }
    out.push(a);
  }
  return out;
}

const SECRET_WORD = `(?:pass(?:wd|word|phrase)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|auth|bearer)`;
/** `"…password…": "value"` inside JSON passed as an argument. */
const JSON_SECRET = new RegExp(String.raw`("[^"]*${SECRET_WORD}[^"]*"\s*:\s*)"(?:[^"\\]|\\.)*"`, 'gi');
/** `KEY_PASSWORD=value` inside a longer argument (`sh -c "PGPASSWORD=x psql"`). */
const INLINE_PAIR = new RegExp(
  String.raw`(^|[\s;&|'"])([\w.-]*${SECRET_WORD}[\w.-]*=)(?!\*\*\*)[^\s;&|'"]+`,
  'gi',
);
/** `--password x` / `--token=x` / `--db-pass x` inside a longer argument. */
const INLINE_FLAG = new RegExp(
  String.raw`(^|\s)((?:--?[\w.-]*${SECRET_WORD}[\w.-]*|-p)(?:=|\s+))(?![-*])[^\s;&|'"]+`,
  'gi',
);
/** `-u user:password` inside a longer argument. */
const INLINE_USER = /(^|\s)((?:-u|--user|--proxy-user)\s+['"]?[^\s:/'"]+:)(?!\*\*\*)[^\s;&|'"]+/g;
/** `'X-Api-Key: value'` inside a longer argument. */
const INLINE_HEADER = new RegExp(
  String.raw`(['"])((?:authorization|cookie|[\w-]*${SECRET_WORD}[\w-]*)\s*:\s*)(?!\*\*\*)[^'"]+`,
  'gi',
);

function maskInline(a: string): string {
  if (!/\s|"/.test(a)) return a;
  return a
    .replace(JSON_SECRET, `$1"${MASK}"`)
    .replace(INLINE_PAIR, `$1$2${MASK}`)
    .replace(INLINE_FLAG, `$1$2${MASK}`)
    .replace(INLINE_USER, `$1$2${MASK}`)
    .replace(INLINE_HEADER, `$1$2${MASK}`);
}

/**
 * /proc/PID/maps: the unique paths of file-backed mappings that are executable (`x` in the permissions):
 * the program and the shared objects it runs; data files (locale archives, fonts) and anonymous or special
 * mappings ([heap], [vdso], memfd:, /dev/…, SysV shm) are left out. `deleted` marks a path whose file was
 * removed or replaced after it was mapped.
 */
export function parseMaps(text: string): Array<{ path: string; deleted: boolean }> {
  const seen = new Map<string, boolean>();
  for (const line of text.split('\n')) {
    // address perms offset dev inode pathname (the pathname may contain spaces)
    const m = /^[0-9a-f]+-[0-9a-f]+\s+([rwxsp-]{4})\s+[0-9a-f]+\s+[0-9a-f]+:[0-9a-f]+\s+(\d+)\s+(.*)$/.exec(
      line,
    );
    if (!m) continue;
    const [, perms, inode, rawPath] = m;
    if (!perms!.includes('x') || inode === '0' || !rawPath!.startsWith('/')) continue;
    if (rawPath!.startsWith('/dev/') || rawPath!.startsWith('/SYSV') || rawPath!.startsWith('/memfd:'))
      continue;
    const deleted = rawPath!.endsWith(' (deleted)');
    // The kernel writes a newline in a path as \012 (seq_file_path(m, file, "\n")), nothing else escaped.
    const p = (deleted ? rawPath!.slice(0, -' (deleted)'.length) : rawPath!).replaceAll('\\012', '\n');
    if (!seen.has(p)) seen.set(p, deleted);
  }
  return [...seen].map(([path, deleted]) => ({ path, deleted }));
}

/** readlink of /proc/PID/exe: the path, and whether the file was deleted. */
export function parseExeLink(link: string): { path: string; deleted: boolean } {
  return link.endsWith(' (deleted)')
    ? { path: link.slice(0, -' (deleted)'.length), deleted: true }
    : { path: link, deleted: false };
}

/** readlink of /proc/PID/fd/N: the socket inode of `socket:[N]`. */
export function socketInode(link: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : undefined;
}

export type SocketProtocol = 'tcp' | 'tcp6' | 'udp' | 'udp6';

export interface NetSocket {
  protocol: SocketProtocol;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Kernel TCP state (hex in the file): 0x0A LISTEN, 0x01 ESTABLISHED, 0x06 TIME_WAIT; UDP 0x07 unconnected. */
  state: number;
  uid: number;
  /** 0 for sockets without an owner (TIME_WAIT). */
  inode: number;
}

export const TCP_ESTABLISHED = 0x01;
export const TCP_LISTEN = 0x0a;
export const UDP_UNCONNECTED = 0x07;

/**
 * /proc/net/{tcp,tcp6,udp,udp6}: one socket a line after the header. Addresses are hex words in the host's
 * byte order (`littleEndian`), ports big-endian hex. Lines that do not parse are skipped; `max` bounds the
 * sockets kept (the rest counted in `dropped`).
 */
export function parseNetTable(
  text: string,
  protocol: SocketProtocol,
  max = Number.POSITIVE_INFINITY,
  littleEndian = os.endianness() === 'LE',
): { sockets: NetSocket[]; dropped: number } {
  const sockets: NetSocket[] = [];
  let dropped = 0;
  const v6 = protocol.endsWith('6');
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^\d+:$/.test(f[0]!)) continue;
    const local = parseEndpoint(f[1]!, v6, littleEndian);
    const remote = parseEndpoint(f[2]!, v6, littleEndian);
    const state = Number.parseInt(f[3]!, 16);
    const uid = Number(f[7]);
    const inode = Number(f[9]);
    if (
      !local ||
      !remote ||
      !Number.isFinite(state) ||
      !Number.isSafeInteger(uid) ||
      !Number.isSafeInteger(inode)
    )
      continue;
    if (sockets.length >= max) {
      dropped++;
      continue;
    }
    sockets.push({
      protocol,
      localAddress: local.address,
      localPort: local.port,
      remoteAddress: remote.address,
      remotePort: remote.port,
      state,
      uid,
      inode,
    });
  }
  return { sockets, dropped };
}

function parseEndpoint(
  s: string,
  v6: boolean,
  littleEndian: boolean,
): { address: string; port: number } | undefined {
  const m = v6
    ? /^([0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(s)
    : /^([0-9A-Fa-f]{8}):([0-9A-Fa-f]{4})$/.exec(s);
  if (!m) return undefined;
  const bytes = Buffer.alloc(v6 ? 16 : 4);
  for (let w = 0; w < bytes.length / 4; w++) {
    const word = Number.parseInt(m[1]!.slice(w * 8, w * 8 + 8), 16);
    if (littleEndian) bytes.writeUInt32LE(word, w * 4);
    else bytes.writeUInt32BE(word, w * 4);
  }
  return { address: v6 ? formatIpv6(bytes) : [...bytes].join('.'), port: Number.parseInt(m[2]!, 16) };
}

/** RFC 5952 text of 16 address bytes (longest zero run compressed; IPv4-mapped as ::ffff:a.b.c.d). */
export function formatIpv6(b: Buffer): string {
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff)
    return `::ffff:${[...b.subarray(12)].join('.')}`;
  return ipv6Text(Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2)));
}
