/**
 * Which kernel module files exist for the modules CIS wants kept from loading (issue 8), per kernel release
 * under /lib/modules: from modules.dep (every loadable module's path) and modules.builtin, or by a bounded
 * walk of the release's tree when there is no index. Presence only, never the files.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HOST_CONFIG_LIMITS, type KernelModulesTelemetry } from '../functions/core/telemetry/schema';
import { readCapped } from './read-capped';
import { type RootFs, reasonOf } from './root-fs';

/**
 * The modules ComplianceAsCode's CIS control files name in `kernel_module_<name>_disabled` rules (Ubuntu
 * 22.04/24.04, Debian 12, AL2023, RHEL/Alma 8-9), plus the file systems and protocols newer CIS releases
 * list. `overlayfs` is the rule's name for the `overlay` module: both are looked for.
 */
export const CIS_KERNEL_MODULES = [
  'afs',
  'atm',
  'bluetooth',
  'can',
  'ceph',
  'cifs',
  'cramfs',
  'dccp',
  'exfat',
  'fat',
  'firewire-core',
  'freevxfs',
  'fscache',
  'fuse',
  'gfs2',
  'hfs',
  'hfsplus',
  'jffs2',
  'nfs_common',
  'nfsd',
  'overlay',
  'overlayfs',
  'rds',
  'sctp',
  'smbfs_common',
  'squashfs',
  'tipc',
  'udf',
  'usb-storage',
  'vfat',
] as const;

const MODULES_DIR = '/lib/modules';
const MAX_INDEX_BYTES = 8 * 1024 * 1024;
const MAX_WALK_ENTRIES = 50_000;

/** Module names compare with `-` and `_` as one (modprobe's rule). */
export const normalizeModule = (n: string): string => n.replace(/-/g, '_');

function moduleOfPath(p: string): string | undefined {
  const base = p.slice(p.lastIndexOf('/') + 1);
  const m = /^(.+?)\.ko(?:\.(?:xz|gz|zst))?$/.exec(base);
  return m ? normalizeModule(m[1]!) : undefined;
}

export async function collectKernelModules(
  rootFs: RootFs,
  runningRelease: string | undefined,
): Promise<KernelModulesTelemetry> {
  let releases: string[];
  try {
    releases = (await fs.readdir(await rootFs.resolve(MODULES_DIR))).sort();
  } catch (err) {
    return { status: 'missing', ...reasonOf(err) };
  }
  const wanted = new Map(CIS_KERNEL_MODULES.map((m) => [normalizeModule(m), m]));
  // The running kernel first, then the others in name order, up to the cap.
  const ordered =
    runningRelease && releases.includes(runningRelease)
      ? [runningRelease, ...releases.filter((r) => r !== runningRelease)]
      : releases;
  const picked = ordered.slice(0, HOST_CONFIG_LIMITS.maxKernelReleases);
  const out: Extract<KernelModulesTelemetry, { status: 'ok' }> = {
    status: 'ok',
    wanted: [...CIS_KERNEL_MODULES],
    releases: [],
    releasesSkipped: ordered.length - picked.length,
  };
  for (const release of picked) {
    if (release.length > HOST_CONFIG_LIMITS.maxNameChars) continue;
    const base = path.posix.join(MODULES_DIR, release);
    const modules: Record<string, { files: string[]; builtin: boolean }> = {};
    const add = (rel: string, builtin: boolean) => {
      const mod = moduleOfPath(rel);
      const name = mod && wanted.get(mod);
      if (!name) return;
      modules[name] ??= { files: [], builtin: false };
      const entry = modules[name];
      if (builtin) entry.builtin = true;
      else if (entry.files.length < HOST_CONFIG_LIMITS.maxModuleFiles && !entry.files.includes(rel))
        entry.files.push(rel.slice(0, 1024));
    };
    let index: Extract<KernelModulesTelemetry, { status: 'ok' }>['releases'][number]['index'];
    const dep = await readText(rootFs, `${base}/modules.dep`);
    if (dep.ok) {
      for (const line of dep.text.split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) add(line.slice(0, colon), false);
      }
      index = { status: 'ok', source: 'modules.dep' };
    } else {
      const walked = await walkModules(rootFs, base, add);
      index = walked ?? { status: 'ok', source: 'walk' };
    }
    const builtin = await readText(rootFs, `${base}/modules.builtin`);
    if (builtin.ok) for (const line of builtin.text.split('\n')) if (line.trim()) add(line.trim(), true);
    out.releases.push({ release, running: release === runningRelease, index, modules });
  }
  return out;
}

async function readText(rootFs: RootFs, p: string): Promise<{ ok: true; text: string } | { ok: false }> {
  try {
    const handle = await fs.open(await rootFs.resolve(p), 'r');
    try {
      const buf = await readCapped(handle, MAX_INDEX_BYTES);
      if (buf.byteLength > MAX_INDEX_BYTES) return { ok: false };
      return { ok: true, text: buf.toString('utf8') };
    } finally {
      await handle.close();
    }
  } catch {
    return { ok: false };
  }
}

/** Walks <release>/kernel and <release>/updates|extra for module files (no index): bounded. */
async function walkModules(
  rootFs: RootFs,
  base: string,
  add: (rel: string, builtin: boolean) => void,
): Promise<{ status: 'missing'; reason: 'not-found' | 'too-large'; detail: string } | undefined> {
  let seen = 0;
  let any = false;
  const stack = ['kernel', 'updates', 'extra'];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(await rootFs.resolve(`${base}/${rel}`), { withFileTypes: true });
    } catch {
      continue;
    }
    any = true;
    for (const e of entries) {
      if (++seen > MAX_WALK_ENTRIES)
        return {
          status: 'missing',
          reason: 'too-large',
          detail: `${base}: more than ${MAX_WALK_ENTRIES} entries without modules.dep`,
        };
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) stack.push(child);
      else add(child, false);
    }
  }
  return any
    ? undefined
    : {
        status: 'missing',
        reason: 'not-found',
        detail: `${base} has neither modules.dep nor a kernel/ tree`,
      };
}
