/**
 * Runtime behaviour facts: typed views over the telemetry's optional `runtime` section (processes, the files
 * they ran and mapped, listening and outbound sockets, the directories above those files), for the
 * runtime-behavior-analysis rules package.
 *
 * The section is absent from agents that predate runtime sampling, and says `proc: missing` when /proc
 * could not be read: both are "could not be established" here (rules report ERROR), never an empty host.
 * An agent that does not run as root sees other users' processes without their executables, maps or file
 * descriptors: processes then have no objects and sockets no owners, which the rules count and say.
 */
import type { RuntimeTelemetry } from '../telemetry/schema';
import { type Fact, type Facts, fact, noFact } from './facts';

export type Runtime = RuntimeTelemetry;
export type RuntimeProcess = RuntimeTelemetry['processes'][number];
export type RuntimeObject = RuntimeTelemetry['objects'][number];
export type RuntimeListener = RuntimeTelemetry['listeners'][number];
export type RuntimeConnection = RuntimeTelemetry['connections'][number];
export type RuntimeDirectory = NonNullable<RuntimeTelemetry['directories']>[number];
export type RuntimePackage = NonNullable<RuntimeObject['package']>;

/** The runtime section, when the agent recorded one and could read /proc. */
export function runtimeSection(facts: Facts): Fact<Runtime> {
  return facts.memo('runtime', () => {
    const rt = facts.telemetry.runtime;
    if (!rt)
      return noFact<Runtime>(
        'the telemetry has no runtime section: the agent that collected it predates runtime sampling (update the agent)',
      );
    if (rt.proc.status !== 'ok')
      return noFact<Runtime>(`/proc could not be read while sampling: ${rt.proc.reason} (${rt.proc.detail})`);
    if (rt.sampling.samples === 0) return noFact<Runtime>('the agent took no runtime sample');
    return fact(rt);
  });
}

/** Seconds between the first and the last sample (0 with one sample or when the times are missing). */
export function samplingWindowSeconds(rt: Runtime): number {
  const { firstAt, lastAt } = rt.sampling;
  if (!firstAt || !lastAt) return 0;
  const s = (Date.parse(lastAt) - Date.parse(firstAt)) / 1000;
  return Number.isFinite(s) && s > 0 ? s : 0;
}

/** Seconds a listener, process or connection was seen for (first to last sighting). */
export function seenSeconds(x: { firstSeen: string; lastSeen: string }): number {
  const s = (Date.parse(x.lastSeen) - Date.parse(x.firstSeen)) / 1000;
  return Number.isFinite(s) && s > 0 ? s : 0;
}

/** What the agent's caps dropped, as "name N" pairs (only the non-zero counters). */
export function droppedCounters(rt: Runtime): string[] {
  return Object.entries(rt.dropped)
    .filter(([, n]) => typeof n === 'number' && n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .sort();
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms: reachable from this host only. */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice('::ffff:'.length) : a;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** `name version` of a package (`name` when the version is unknown). */
export function packageNameVersion(pkg: RuntimePackage): string {
  return pkg.version ? `${pkg.name} ${pkg.version}` : pkg.name;
}

/** Code-unit order of two strings (locale-independent, so output is the same on every host). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** address:port, with brackets around IPv6 addresses. */
export function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The name of a program: the executable's file name when known (comm can be an alias), else comm. */
export function programName(p: RuntimeProcess): string {
  if (p.exe) {
    const base = p.exe.slice(p.exe.lastIndexOf('/') + 1);
    if (base) return base;
  }
  return p.comm;
}

/** For each object index, the processes (indexes) that ran it as their executable or mapped it. */
export function objectUsers(facts: Facts, rt: Runtime): Map<number, number[]> {
  return facts.memo('runtime:object-users', () => {
    const users = new Map<number, number[]>();
    rt.processes.forEach((p, i) => {
      const refs = new Set<number>(p.maps);
      if (p.exeObject !== undefined) refs.add(p.exeObject);
      for (const o of refs) {
        const list = users.get(o);
        if (list) list.push(i);
        else users.set(o, [i]);
      }
    });
    return users;
  });
}

/** Directories by path, when the agent recorded them. */
export function directoriesByPath(facts: Facts, rt: Runtime): Map<string, RuntimeDirectory> | undefined {
  return facts.memo('runtime:directories', () =>
    rt.directories ? new Map(rt.directories.map((d) => [d.path, d])) : undefined,
  );
}

/** Every ancestor directory of an absolute path, nearest first, `/` last. */
export function ancestorDirectories(path: string): string[] {
  const out: string[] = [];
  let p = path;
  for (;;) {
    const i = p.lastIndexOf('/');
    if (i <= 0) break;
    p = p.slice(0, i);
    out.push(p);
  }
  out.push('/');
  return out;
}

/** Whether the owning packages of objects were looked up, and in which package managers. */
export function packageOwnership(
  rt: Runtime,
): { looked: true; managers: string[] } | { looked: false; why: string } {
  const po = rt.packageOwners;
  if (!po) return { looked: false, why: 'the agent did not look up owning packages (an older agent)' };
  if (po.status !== 'ok')
    return { looked: false, why: `owning packages could not be looked up: ${po.reason} (${po.detail})` };
  return { looked: true, managers: [...po.managers] };
}
