/**
 * Which installed package owns each runtime object (executables, mapped libraries, interpreter scripts),
 * looked up once at the end of sampling, under the agent's root, in whichever databases the root has:
 *
 * - dpkg: every /var/lib/dpkg/info/*.list (`libc6:amd64.list` for Multi-Arch: same packages) is streamed
 *   line by line and each line compared with the wanted paths (a Set, with a byte-length prefilter so most
 *   lines are never decoded); the scan stops once every path is owned. Versions come from the installed
 *   stanzas of /var/lib/dpkg/status (Package, Version, Architecture, Status only). At most
 *   MAX_DPKG_LIST_BYTES in all and MAX_LIST_FILE_BYTES per file are read: a scan cut short says so in a
 *   warning and dpkg is then not listed as consulted, since "no package owns it" would no longer be known.
 *   Diversions (dpkg-divert) are not read: a path that two packages list (the diverted and the diverting
 *   package) is given to the first list in name order.
 * - rpm: the on-disk database has no documented format, so the rpm command is asked (as for `rpm -qa` in
 *   collect.ts: same timeout, output cap and C locale), `rpm --root ROOT --dbpath DB -qf` with up to
 *   RPM_BATCH paths (RPM_BATCH_ARGV_BYTES of argv) per invocation, only when the command and a database file
 *   exist. Its output does not name the path of an owned file, so owner lines are matched to the paths in
 *   order after removing the paths rpm names as not owned ("file X is not owned by any package") or missing
 *   ("error: file X: ..."); a batch where the counts disagree (a file two packages own), or where such a line
 *   names no path of the batch (rpm wrote it another way), is split in halves until they agree, at most
 *   RPM_MAX_INVOCATIONS invocations in all.
 * - apk: /lib/apk/db/installed is streamed: `P:` name, `V:` version, `F:` directory (no leading slash),
 *   `R:` a file of the last `F:`.
 *
 * Merged /usr (Debian 12, Ubuntu 22.04+, Fedora): /bin, /sbin, /lib, /lib32, /lib64, /libx32 are links into
 * /usr, and a database may list /lib/x86_64-linux-gnu/libc.so.6 where /proc shows
 * /usr/lib/x86_64-linux-gnu/libc.so.6 (or the other way round). When the root's top-level directory is such
 * a link, each path is also looked up under its other name.
 *
 * Never throws: an unreadable database is a warning and, when no database could be read, the status says so.
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, promises as fs, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { LIMITS, RUNTIME_LIMITS, type RuntimeTelemetry } from '../functions/core/telemetry/schema';
import { type RootFs, reasonOf } from './root-fs';

export type PackageOwner = NonNullable<RuntimeTelemetry['objects'][number]['package']>;
export type PackageManager = PackageOwner['manager'];
export type PackageOwnersStatus = NonNullable<RuntimeTelemetry['packageOwners']>;

export interface OwnerLookup {
  /** Owner of each looked-up path that some package owns. */
  owners: Map<string, PackageOwner>;
  status: PackageOwnersStatus;
  warnings: string[];
  /** Bytes of database files read (dpkg lists and status, apk's installed database). */
  bytesRead: number;
  /** rpm invocations. */
  rpmInvocations: number;
}

export interface OwnerOptions {
  /** Caps (tests lower them). */
  maxDpkgListBytes?: number;
  maxListFileBytes?: number;
}

const DPKG_INFO = '/var/lib/dpkg/info';
const DPKG_STATUS = '/var/lib/dpkg/status';
const APK_INSTALLED = '/lib/apk/db/installed';
/** Database directories and the files that make them a database (sqlite: rpm >= 4.16; bdb; ndb: SUSE). */
const RPM_DATABASES = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'];
const RPM_DB_FILES = ['rpmdb.sqlite', 'Packages', 'Packages.db'];
const MERGED_USR_DIRS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

const MAX_DPKG_LIST_BYTES = 256 * 1024 * 1024;
const MAX_LIST_FILE_BYTES = 32 * 1024 * 1024;
/** The status file and apk's database: the collector's cap for package databases. */
const MAX_DB_FILE_BYTES = LIMITS.maxFileBytes;
/** Longer lines are no path (PATH_MAX) and are skipped without being kept. */
const MAX_LINE_BYTES = 4096;
const RPM_BATCH = 256;
const RPM_BATCH_ARGV_BYTES = 64 * 1024;
const RPM_MAX_INVOCATIONS = 64;
const RPM_QUERY_FORMAT = 'owner\\t%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\n';

/** Look up the owners of `paths` (absolute, inside the root). */
export async function lookUpPackageOwners(
  rootFs: RootFs,
  paths: readonly string[],
  opts: OwnerOptions = {},
): Promise<OwnerLookup> {
  const out: OwnerLookup = {
    owners: new Map(),
    status: { status: 'missing', reason: 'not-found', detail: '' },
    warnings: [],
    bytesRead: 0,
    rpmInvocations: 0,
  };
  // Paths with a newline cannot be a line of any database (nor an rpm argument read back).
  const wanted = [...new Set(paths)].filter((p) => p.startsWith('/') && !p.includes('\n'));
  const consulted: PackageManager[] = [];
  const failures: string[] = [];
  try {
    const merged = await mergedUsrDirs(rootFs);
    const index = new PathIndex(wanted, merged);

    const dpkg = await dpkgOwners(rootFs, index, out, opts);
    if (dpkg === 'ok') consulted.push('dpkg');
    else if (dpkg !== 'absent') failures.push(dpkg);

    const apk = await apkOwners(rootFs, index, out);
    if (apk === 'ok') consulted.push('apk');
    else if (apk !== 'absent') failures.push(apk);

    const rpm = await rpmOwners(rootFs, index, merged, out);
    if (rpm === 'ok') consulted.push('rpm');
    else if (rpm !== 'absent') failures.push(rpm);
  } catch (err) {
    // Nothing above should throw; if it does, what was found so far stands and the lookup says it failed.
    failures.push(`package owners: ${reasonOf(err).detail}`);
  }
  out.warnings.push(...failures);
  if (consulted.length > 0) out.status = { status: 'ok', managers: consulted };
  else if (failures.length > 0)
    out.status = { status: 'missing', reason: 'error', detail: failures.join('; ').slice(0, 2048) };
  else
    out.status = {
      status: 'missing',
      reason: 'not-found',
      detail: `no package database under the root (${DPKG_INFO}, ${APK_INSTALLED}, ${RPM_DATABASES.join(', ')})`,
    };
  return out;
}

/** Top-level directories of the root that are links to their /usr namesake (merged /usr). */
async function mergedUsrDirs(rootFs: RootFs): Promise<Set<string>> {
  const out = new Set<string>();
  for (const name of MERGED_USR_DIRS) {
    const link = await fs.readlink(path.join(rootFs.root, name)).catch(() => undefined);
    if (link !== undefined && path.posix.normalize(link).replace(/^\/+|\/+$/g, '') === `usr/${name}`)
      out.add(name);
  }
  return out;
}

/** The other name of a path under merged /usr (/lib/x ↔ /usr/lib/x), or undefined. */
export function usrAlias(p: string, merged: ReadonlySet<string>): string | undefined {
  for (const name of merged) {
    if (p.startsWith(`/${name}/`)) return `/usr${p}`;
    if (p.startsWith(`/usr/${name}/`)) return p.slice(4);
  }
  return undefined;
}

/** Each wanted path under every name it is looked up by, with the byte lengths of those names. */
class PathIndex {
  /** Name as a database may list it → the wanted paths it stands for. */
  readonly byName = new Map<string, string[]>();
  readonly lengths = new Set<number>();
  constructor(
    readonly paths: readonly string[],
    merged: ReadonlySet<string>,
  ) {
    for (const p of paths) {
      const alias = usrAlias(p, merged);
      for (const name of alias === undefined ? [p] : [p, alias]) {
        const list = this.byName.get(name);
        if (list) list.push(p);
        else this.byName.set(name, [p]);
        this.lengths.add(Buffer.byteLength(name));
      }
    }
  }
}

type ManagerResult = 'ok' | 'absent' | string;

async function dpkgOwners(
  rootFs: RootFs,
  index: PathIndex,
  out: OwnerLookup,
  opts: OwnerOptions,
): Promise<ManagerResult> {
  let infoDir: string;
  let names: string[];
  try {
    infoDir = await rootFs.resolve(DPKG_INFO);
    names = (await fs.readdir(infoDir)).filter((n) => n.endsWith('.list')).sort();
  } catch (err) {
    const { reason, detail } = reasonOf(err);
    return reason === 'not-found' ? 'absent' : `dpkg: ${DPKG_INFO} not readable: ${detail}`;
  }
  const maxTotal = opts.maxDpkgListBytes ?? MAX_DPKG_LIST_BYTES;
  const maxFile = opts.maxListFileBytes ?? MAX_LIST_FILE_BYTES;
  /** The list file (package[:arch]) that owns each path, before versions are known. */
  const listOf = new Map<string, string>();
  let total = 0;
  /** Why the scan is incomplete (then a path without an owner may have one after all). */
  const problems: string[] = [];
  let capped = false;
  const pending = () => index.paths.length - out.owners.size;
  for (const file of names) {
    if (pending() === 0) break;
    if (total >= maxTotal) {
      problems.push(`stopped after ${total} bytes of ${DPKG_INFO}/*.list (the cap)`);
      capped = true;
      break;
    }
    const pkg = file.slice(0, -'.list'.length);
    const owner: PackageOwner = { manager: 'dpkg', name: packageName(pkg) };
    const limit = Math.min(maxFile, maxTotal - total);
    const r = scanLines(path.join(infoDir, file), limit, (buf, s, e) => {
      if (!index.lengths.has(e - s)) return;
      const name = buf.toString('utf8', s, e);
      for (const p of index.byName.get(name) ?? []) {
        if (out.owners.has(p)) continue;
        out.owners.set(p, { ...owner });
        listOf.set(p, pkg);
      }
      if (pending() === 0) return true;
    });
    total += r.bytes;
    if (r.error) problems.push(`${DPKG_INFO}/${file}: ${r.error}`);
    else if (r.cut && limit < maxFile) {
      problems.push(`stopped after ${total} bytes of ${DPKG_INFO}/*.list (the cap)`);
      capped = true;
      break;
    } else if (r.cut)
      problems.push(`${DPKG_INFO}/${file} is larger than ${maxFile} bytes (no real list is): read in part`);
  }
  out.bytesRead += total;
  await dpkgVersions(rootFs, listOf, out);
  if (problems.length === 0) return 'ok';
  const summary = `dpkg: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`;
  // Every path found its owner: what was not read cannot change that.
  if (pending() === 0 && !capped) {
    out.warnings.push(summary);
    return 'ok';
  }
  return `${summary}; owners of ${pending()} paths unknown`;
}

/** `libc6:amd64` → `libc6`. */
function packageName(listName: string): string {
  const colon = listName.indexOf(':');
  return (colon < 0 ? listName : listName.slice(0, colon)).slice(0, RUNTIME_LIMITS.maxPackageChars);
}

/** Versions of the owning packages from the installed stanzas of the status file. */
async function dpkgVersions(rootFs: RootFs, listOf: Map<string, string>, out: OwnerLookup): Promise<void> {
  if (listOf.size === 0) return;
  const lists = new Set(listOf.values());
  const names = new Set([...lists].map(packageName));
  /** `name` and `name:arch` of installed stanzas → version. */
  const versions = new Map<string, string>();
  let stanza: { name?: string; version?: string; arch?: string; installed?: boolean } = {};
  const end = () => {
    if (
      stanza.name !== undefined &&
      stanza.version !== undefined &&
      stanza.installed &&
      names.has(stanza.name)
    ) {
      if (!versions.has(stanza.name)) versions.set(stanza.name, stanza.version);
      if (stanza.arch) versions.set(`${stanza.name}:${stanza.arch}`, stanza.version);
    }
    stanza = {};
  };
  let host: string;
  try {
    host = await rootFs.resolve(DPKG_STATUS);
  } catch (err) {
    out.warnings.push(`dpkg: ${DPKG_STATUS}: ${reasonOf(err).detail}`);
    return;
  }
  const r = scanLines(host, MAX_DB_FILE_BYTES, (buf, s, e) => {
    if (s === e) return end();
    const field = fieldOf(buf, s, e, ['Package', 'Version', 'Architecture', 'Status']);
    if (!field) return;
    const [key, value] = field;
    if (key === 'Package') stanza.name = value;
    else if (key === 'Version') stanza.version = value;
    else if (key === 'Architecture') stanza.arch = value;
    // "install ok installed": the third word is the state.
    else stanza.installed = value.split(/\s+/)[2] === 'installed';
  });
  end();
  out.bytesRead += r.bytes;
  if (r.error) out.warnings.push(`dpkg: ${DPKG_STATUS}: ${r.error}`);
  if (r.cut) out.warnings.push(`dpkg: ${DPKG_STATUS} read only up to ${MAX_DB_FILE_BYTES} bytes`);
  for (const [p, list] of listOf) {
    const owner = out.owners.get(p);
    if (owner?.manager !== 'dpkg') continue;
    // A list without an architecture (`foo.list`) belongs to the package's only installed instance.
    const version = versions.get(list) ?? (list.includes(':') ? undefined : versions.get(owner.name));
    if (version !== undefined) owner.version = version.slice(0, RUNTIME_LIMITS.maxPackageChars);
  }
}

/** `Key: value` when the line starts with one of `keys` (decoding only those lines). */
function fieldOf(buf: Buffer, s: number, e: number, keys: readonly string[]): [string, string] | undefined {
  for (const key of keys) {
    const n = key.length;
    if (e - s <= n || buf[s + n] !== 0x3a /* : */ || buf.toString('latin1', s, s + n) !== key) continue;
    return [key, buf.toString('utf8', s + n + 1, e).trim()];
  }
  return undefined;
}

async function apkOwners(rootFs: RootFs, index: PathIndex, out: OwnerLookup): Promise<ManagerResult> {
  let host: string;
  try {
    host = await rootFs.resolve(APK_INSTALLED);
    await fs.access(host);
  } catch (err) {
    const { reason, detail } = reasonOf(err);
    return reason === 'not-found' ? 'absent' : `apk: ${APK_INSTALLED} not readable: ${detail}`;
  }
  let name: string | undefined;
  let version: string | undefined;
  let dir = '';
  const r = scanLines(host, MAX_DB_FILE_BYTES, (buf, s, e) => {
    if (s === e) {
      name = undefined;
      version = undefined;
      dir = '';
      return;
    }
    if (e - s < 2 || buf[s + 1] !== 0x3a /* : */) return;
    const tag = buf[s];
    if (tag === 0x50 /* P */) name = buf.toString('utf8', s + 2, e).slice(0, RUNTIME_LIMITS.maxPackageChars);
    else if (tag === 0x56 /* V */)
      version = buf.toString('utf8', s + 2, e).slice(0, RUNTIME_LIMITS.maxPackageChars);
    else if (tag === 0x46 /* F */) dir = buf.toString('utf8', s + 2, e);
    else if (tag === 0x52 /* R */ && name) {
      const file = `/${dir ? `${dir}/` : ''}${buf.toString('utf8', s + 2, e)}`;
      for (const p of index.byName.get(file) ?? [])
        if (!out.owners.has(p)) out.owners.set(p, { manager: 'apk', name, ...(version ? { version } : {}) });
      if (out.owners.size === index.paths.length) return true;
    }
  });
  out.bytesRead += r.bytes;
  if (r.error) return `apk: ${APK_INSTALLED}: ${r.error}`;
  if (r.cut) return `apk: ${APK_INSTALLED} read only up to ${MAX_DB_FILE_BYTES} bytes`;
  return 'ok';
}

async function rpmOwners(
  rootFs: RootFs,
  index: PathIndex,
  merged: ReadonlySet<string>,
  out: OwnerLookup,
): Promise<ManagerResult> {
  let dbPath: string | undefined;
  for (const dir of RPM_DATABASES) {
    for (const f of RPM_DB_FILES) {
      const st = await fs.stat(await rootFs.resolve(`${dir}/${f}`)).catch(() => undefined);
      if (st?.isFile()) dbPath = dir;
    }
    if (dbPath) break;
  }
  if (!dbPath) return 'absent';
  const ctx: RpmContext = { rootFs, dbPath, out, owners: out.owners, failure: undefined };
  // The paths as seen, then the merged-/usr names of those still without an owner.
  const first = index.paths.filter((p) => !out.owners.has(p));
  await rpmQueryAll(ctx, first);
  const second = new Map<string, string>();
  for (const p of first) {
    const alias = usrAlias(p, merged);
    if (!out.owners.has(p) && alias !== undefined) second.set(alias, p);
  }
  if (second.size > 0) {
    const found = new Map<string, PackageOwner>();
    await rpmQueryAll({ ...ctx, owners: found }, [...second.keys()]);
    for (const [alias, owner] of found) {
      const p = second.get(alias)!;
      if (!out.owners.has(p)) out.owners.set(p, owner);
    }
  }
  return ctx.failure ?? 'ok';
}

interface RpmContext {
  rootFs: RootFs;
  dbPath: string;
  out: OwnerLookup;
  /** Where owners found are recorded, by the path queried. */
  owners: Map<string, PackageOwner>;
  failure: string | undefined;
}

async function rpmQueryAll(ctx: RpmContext, paths: readonly string[]): Promise<void> {
  let batch: string[] = [];
  let bytes = 0;
  for (const p of paths) {
    const n = Buffer.byteLength(p) + 1;
    if (batch.length >= RPM_BATCH || (batch.length > 0 && bytes + n > RPM_BATCH_ARGV_BYTES)) {
      await rpmBatch(ctx, batch);
      batch = [];
      bytes = 0;
    }
    batch.push(p);
    bytes += n;
  }
  if (batch.length > 0) await rpmBatch(ctx, batch);
}

/** One `rpm -qf` over a batch; halves it when owner lines cannot be matched to paths one to one. */
async function rpmBatch(ctx: RpmContext, batch: string[]): Promise<void> {
  if (ctx.failure) return;
  if (ctx.out.rpmInvocations >= RPM_MAX_INVOCATIONS) {
    ctx.failure = `rpm: stopped after ${RPM_MAX_INVOCATIONS} invocations; owners of some paths unknown`;
    return;
  }
  ctx.out.rpmInvocations++;
  const argv = ['--root', ctx.rootFs.root, '--dbpath', ctx.dbPath, '-qf', '--queryformat', RPM_QUERY_FORMAT];
  const r = await run('rpm', [...argv, ...batch]);
  if ('failure' in r) {
    ctx.failure = `rpm: ${r.failure}`;
    return;
  }
  const named = new Set<string>();
  const inBatch = new Set(batch);
  /** Not-owned or missing lines naming no path of the batch (rpm wrote the path another way). */
  let strays = 0;
  const notOwned = (p: string) => {
    if (inBatch.has(p)) named.add(p);
    else strays++;
  };
  const owners: PackageOwner[] = [];
  for (const line of r.stdout.split('\n')) {
    const unowned = /^file (.*) is not owned by any package$/.exec(line);
    if (unowned) notOwned(unowned[1]!);
    const f = line.split('\t');
    if (f[0] !== 'owner' || f.length !== 5 || !f[1]) continue;
    const [, name, epoch, version, release] = f as [string, string, string, string, string];
    const evr = `${epoch && epoch !== '(none)' ? `${epoch}:` : ''}${version}-${release}`;
    owners.push({
      manager: 'rpm',
      name: name.slice(0, RUNTIME_LIMITS.maxPackageChars),
      version: evr.slice(0, RUNTIME_LIMITS.maxPackageChars),
    });
  }
  for (const line of r.stderr.split('\n')) {
    const missing = /^error: file (.*): [^:]+$/.exec(line);
    if (missing) notOwned(missing[1]!);
  }
  const rest = batch.filter((p) => !named.has(p));
  // Owner lines are matched to paths by position only when every other line named a path of the batch:
  // a stray not-owned line and a path two packages own would otherwise balance the count and shift owners.
  if (strays === 0 && owners.length === rest.length) {
    rest.forEach((p, i) => {
      if (!ctx.owners.has(p)) ctx.owners.set(p, owners[i]!);
    });
    return;
  }
  if (batch.length === 1) {
    // One path, several owners (multilib, shared files): the first one rpm names. Owned and not owned at
    // once (a stray line) is not believed: no owner.
    if (strays === 0 && owners[0] && !ctx.owners.has(batch[0]!)) ctx.owners.set(batch[0]!, owners[0]);
    return;
  }
  const half = Math.ceil(batch.length / 2);
  await rpmBatch(ctx, batch.slice(0, half));
  await rpmBatch(ctx, batch.slice(half));
}

/** Run a command the way collect.ts runs `rpm -qa`: C locale, output cap, two-minute timeout. */
function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string } | { failure: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { maxBuffer: LIMITS.maxCommandOutputBytes, timeout: 120_000, env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        if (e && typeof e.code === 'string') resolve({ failure: reasonOf(e).detail });
        else if (e?.message.includes('maxBuffer')) resolve({ failure: 'output over the limit' });
        else if (e?.killed) resolve({ failure: 'timed out' });
        // rpm -qf exits with the number of paths it found no owner for: not a failure.
        else resolve({ stdout, stderr: stderr.slice(0, 1024 * 1024) });
      },
    );
  });
}

/** Read buffers of scanLines (the agent is single-threaded and a scan never yields). */
const CHUNK = Buffer.allocUnsafe(64 * 1024);
const CARRY = Buffer.allocUnsafe(MAX_LINE_BYTES);

/**
 * Stream a file's lines (without the newline) to `onLine` as byte ranges of a reused buffer, reading at most
 * `maxBytes`; lines longer than MAX_LINE_BYTES are skipped. `onLine` returning true stops the scan. Never
 * throws: an error ends the scan and is returned. Synchronous on purpose: it runs once, after sampling, when
 * nothing else waits, and over the ~800 list files of a Debian host synchronous reads take ~20 ms where
 * awaiting each open, read and close took ~300 ms.
 */
export function scanLines(
  host: string,
  maxBytes: number,
  onLine: (buf: Buffer, start: number, end: number) => unknown,
): { bytes: number; cut: boolean; error?: string } {
  const chunk = CHUNK;
  // The unfinished line carried between chunks (at most MAX_LINE_BYTES).
  const carry = CARRY;
  let carried = 0;
  let skipping = false;
  let bytes = 0;
  let fd: number | undefined;
  try {
    // O_NONBLOCK: a FIFO planted where a list should be must not hang the agent (it is refused below);
    // O_NOFOLLOW: a list that is a link (dpkg makes none) could lead out of the root (callers resolve others).
    fd = openSync(host, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    if (!fstatSync(fd).isFile()) return { bytes: 0, cut: false, error: 'not a regular file' };
    for (;;) {
      const want = Math.min(chunk.length, maxBytes - bytes);
      if (want <= 0) return { bytes, cut: true };
      const bytesRead = readSync(fd, chunk, 0, want, null);
      if (bytesRead === 0) break;
      bytes += bytesRead;
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        if (nl < 0 || nl >= bytesRead) break;
        if (skipping) skipping = false;
        else if (carried > 0) {
          const n = nl - start;
          if (carried + n <= MAX_LINE_BYTES) {
            chunk.copy(carry, carried, start, nl);
            if (onLine(carry, 0, carried + n) === true) return { bytes, cut: false };
          }
        } else if (nl - start <= MAX_LINE_BYTES && onLine(chunk, start, nl) === true)
          return { bytes, cut: false };
        carried = 0;
        start = nl + 1;
      }
      const tail = bytesRead - start;
      if (skipping || carried + tail > MAX_LINE_BYTES) {
        skipping = true;
        carried = 0;
      } else {
        chunk.copy(carry, carried, start, bytesRead);
        carried += tail;
      }
    }
    if (carried > 0 && !skipping) onLine(carry, 0, carried);
    return { bytes, cut: false };
  } catch (err) {
    return { bytes, cut: false, error: reasonOf(err).detail };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
