/** Shared pieces of the runtime-behavior-analysis rules: labels, bounds, truncation notes, services. */

import type { Facts } from '../../core/facts/facts';
import {
  compareStrings,
  droppedCounters,
  endpoint,
  packageNameVersion,
  type Runtime,
  type RuntimeConnection,
  type RuntimePackage,
  type RuntimeProcess,
  runtimeSection,
} from '../../core/facts/runtime';
import type { Evidence } from '../../core/model';
import { type CheckOutcome, error } from '../../core/rule';

export const LINUX = ['linux'] as const;

/** Evidence items kept per rule before "and N more" (the engine's own bound is 100 entries, 24 KiB). */
export const MAX_ITEMS = 50;

/** The evidence source of notes about the runtime section as a whole. */
export const RUNTIME_SOURCE = 'runtime';

export const octal = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "sshd pid 812 uid 0" (+ euid when it differs) — who the process ran as. */
export function processLabel(p: RuntimeProcess): string {
  const euid = p.euid !== p.uid ? ` euid ${p.euid}` : '';
  return `${p.comm} pid ${p.pid} uid ${p.uid}${euid}`;
}

/** "sshd pid 812 uid 0 exe /usr/sbin/sshd package openssh-server 1:9.2p1-2 (dpkg)". */
export function processDetail(p: RuntimeProcess, pkg: RuntimePackage | undefined): string {
  const exe = p.exe ? ` exe ${p.exe}${p.exeDeleted ? ' (deleted)' : ''}` : ' exe not readable';
  return `${processLabel(p)}${exe}${pkg ? ` package ${packageLabel(pkg)}` : ''}`;
}

/** "openssh-server 1:9.2p1-2 (dpkg)". */
export function packageLabel(pkg: RuntimePackage): string {
  return `${packageNameVersion(pkg)} (${pkg.manager})`;
}

/**
 * A word for a POSIX shell: as is when it holds only safe characters, else single-quoted. Paths come from
 * the host (a user may name a file `$(curl …|sh)`), and recommendations say "Run: …" to an administrator
 * who may paste them as root.
 */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command that removes a package with its manager. */
export function removeCommand(pkg: RuntimePackage): string {
  switch (pkg.manager) {
    case 'dpkg':
      return `apt-get purge ${shellQuote(pkg.name)}`;
    case 'rpm':
      return `dnf remove ${shellQuote(pkg.name)}`;
    case 'apk':
      return `apk del ${shellQuote(pkg.name)}`;
  }
}

/**
 * The processes at these indexes, by pid: the agent records processes in the order its concurrent reads
 * finish, which changes from run to run, so evidence built from them would too.
 */
export function processesByPid(rt: Runtime, indexes: readonly number[]): RuntimeProcess[] {
  return indexes.map((i) => rt.processes[i]!).sort((a, b) => a.pid - b.pid || a.startTime - b.startTime);
}

/** The package that owns a process's executable, when the agent looked it up. */
export function exePackage(rt: Runtime, p: RuntimeProcess): RuntimePackage | undefined {
  return p.exeObject !== undefined ? rt.objects[p.exeObject]?.package : undefined;
}

/** The first MAX_ITEMS entries, then one entry saying how many were left out. */
export function bounded(items: readonly Evidence[], what: string, max = MAX_ITEMS): Evidence[] {
  if (items.length <= max) return [...items];
  return [
    ...items.slice(0, max),
    { source: RUNTIME_SOURCE, note: `and ${items.length - max} more ${what} (not listed)` },
  ];
}

/** The runtime section, or the ERROR outcome saying why it is not there. */
export function withRuntime(
  facts: Facts,
  what: string,
): { ok: true; rt: Runtime } | { ok: false; outcome: CheckOutcome } {
  const rt = runtimeSection(facts);
  if (rt.ok) return { ok: true, rt: rt.value };
  return {
    ok: false,
    outcome: error(`${what} could not be evaluated: ${rt.reason}`, [
      { source: RUNTIME_SOURCE, note: rt.reason },
    ]),
  };
}

/**
 * When the agent's caps dropped data that could change this rule's verdict: a sentence for the message and
 * an evidence note listing every non-zero counter. `relevant` names the counters that matter to the rule.
 */
export function truncation(
  rt: Runtime,
  relevant: ReadonlyArray<keyof Runtime['dropped']>,
  consequence: string,
): { sentence: string; evidence: Evidence[] } {
  if (!rt.truncated) return { sentence: '', evidence: [] };
  const hit = relevant.filter((k) => (rt.dropped[k] ?? 0) > 0);
  const all = droppedCounters(rt).join(', ') || 'none counted';
  const sentence =
    hit.length > 0
      ? ` The agent's caps dropped data (${hit.map((k) => `${k} ${rt.dropped[k]}`).join(', ')}): ${consequence}.`
      : ' The agent hit its caps, though not in data this rule reads.';
  return {
    sentence,
    evidence: [{ source: RUNTIME_SOURCE, key: 'dropped', value: all, note: 'runtime.truncated is true' }],
  };
}

/** A well-known service: name, port and transport. */
export interface Service {
  name: string;
  port: number;
  transport: 'tcp' | 'udp';
  /** Said in the evidence note (e.g. SNMP's versions cannot be told apart from the socket). */
  note?: string;
}

export function serviceFor(
  services: readonly Service[],
  protocol: string,
  port: number,
): Service | undefined {
  return services.find((s) => s.port === port && protocol.startsWith(s.transport));
}

/** The /proc/net table a socket was read from. */
export const netSource = (protocol: string) => `runtime:/proc/net/${protocol}`;

export const connectionEndpoint = (c: RuntimeConnection) => endpoint(c.remoteAddress, c.remotePort);

export { compareStrings };

/** Normalize a program name: drop a Debian alternatives suffix (.netkit) or an implementation prefix. */
export function normalizeProgram(name: string): string {
  return name
    .toLowerCase()
    .replace(/^(?:inetutils-|netkit-|krb5-|heimdal-)/, '')
    .replace(/\.(?:netkit|inetutils|krb5|heimdal)$/, '');
}
