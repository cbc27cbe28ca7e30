/**
 * What listens on an instance, and who: each listening socket the agent saw during the run with the
 * processes holding it, their executables and the packages that own the executable and the libraries it
 * mapped. Recorded with the instance (InstanceSummary.listeners, RunInstance.listeners in the cloud) for the
 * packages that need it next (network reachability joins it with open paths, vulnerability prioritisation
 * with the CVEs of those packages) and shown in the full report. Bounded: a host with thousands of listeners
 * keeps the first LISTENING_LIMITS.maxListeners (ordered by port) and says how many it left out.
 */
import type { ListeningProcess, ListeningService, ListeningSummary } from '../model';
import type { Telemetry } from '../telemetry';
import {
  compareStrings,
  isLoopback,
  packageNameVersion,
  type RuntimeObject,
  type RuntimeProcess,
} from './runtime';

export const LISTENING_LIMITS = {
  maxListeners: 200,
  maxProcessesPerListener: 8,
  maxLibraryPackages: 32,
  maxStringChars: 256,
  /** The inventory as JSON stays under this (it is stored in the run's instance item, 400 KB at most). */
  maxBytes: 96 * 1024,
} as const;

const cut = (s: string): string =>
  s.length > LISTENING_LIMITS.maxStringChars ? `${s.slice(0, LISTENING_LIMITS.maxStringChars - 1)}…` : s;

/** `name version` of the package owning an object, when the agent found one. */
function ownerLabel(o: RuntimeObject | undefined): string | undefined {
  return o?.package ? cut(packageNameVersion(o.package)) : undefined;
}

/** The listening inventory of one instance; undefined when the agent recorded no runtime section. */
export function listeningServices(telemetry: Telemetry): ListeningSummary | undefined {
  const rt = telemetry.runtime;
  if (rt?.proc.status !== 'ok') return undefined;
  const sorted = [...rt.listeners].sort(
    (a, b) =>
      a.port - b.port || compareStrings(a.protocol, b.protocol) || compareStrings(a.address, b.address),
  );
  const kept = sorted.slice(0, LISTENING_LIMITS.maxListeners);
  const all = kept.map((l): ListeningService => {
    const libraries = new Set<string>();
    const processes = l.processes
      .map((i) => rt.processes[i])
      .filter((p): p is RuntimeProcess => p !== undefined)
      .sort((a, b) => a.pid - b.pid);
    for (const p of processes) {
      for (const m of p.maps) {
        if (m === p.exeObject) continue;
        const label = ownerLabel(rt.objects[m]);
        if (label) libraries.add(label);
      }
    }
    const out: ListeningService = {
      protocol: l.protocol,
      address: l.address,
      port: l.port,
      loopback: isLoopback(l.address),
      accepted: l.accepted,
      samples: l.samples,
      processes: processes.slice(0, LISTENING_LIMITS.maxProcessesPerListener).map((p) => {
        const exe = p.exeObject !== undefined ? rt.objects[p.exeObject] : undefined;
        const pkg = ownerLabel(exe);
        const proc: ListeningProcess = { pid: p.pid, comm: cut(p.comm), uid: p.uid };
        if (p.exe) proc.exe = cut(p.exe);
        if (pkg) proc.package = pkg;
        return proc;
      }),
      libraryPackages: [...libraries].sort().slice(0, LISTENING_LIMITS.maxLibraryPackages),
    };
    if (processes.length > LISTENING_LIMITS.maxProcessesPerListener)
      out.processesOmitted = processes.length - LISTENING_LIMITS.maxProcessesPerListener;
    if (libraries.size > LISTENING_LIMITS.maxLibraryPackages)
      out.libraryPackagesOmitted = libraries.size - LISTENING_LIMITS.maxLibraryPackages;
    return out;
  });
  // Services in port order until the byte budget is spent (strings are UTF-16 units: a safe upper bound
  // only for ASCII, so the budget leaves the item's other attributes ample room).
  const services: ListeningService[] = [];
  let bytes = 256;
  for (const svc of all) {
    const size = Buffer.byteLength(JSON.stringify(svc), 'utf8') + 1;
    if (bytes + size > LISTENING_LIMITS.maxBytes) break;
    bytes += size;
    services.push(svc);
  }
  const summary: ListeningSummary = {
    services,
    ownersLookedUp: rt.packageOwners?.status === 'ok',
  };
  if (sorted.length > services.length) summary.omitted = sorted.length - services.length;
  if (rt.truncated) summary.samplingTruncated = true;
  return summary;
}
