/**
 * The exposure chain: a CVE finding on a package whose executable or mapped library belongs to a process
 * listening on a port that the network lets in from outside the VPC gets the chain as evidence and the
 * attributes EXPOSURE (Internet, PeeredVPC, VGW or None), EXPOSED_PORTS and PROCESSES — "CVE-X in libssl,
 * loaded by nginx (pid 812), listening on 443, reachable from the internet through igw-…, sg-…, acl-…".
 * Pure: the run's findings, its instances' listening inventories, and the path evaluator's analysis.
 */
import { boundFinding } from '../../core/finding-limits';
import type { Attribute, Evidence, Finding, InstanceSummary, ListeningService } from '../../core/model';
import type { EniReachability, NetworkAnalysis, ReachabilityType } from '../../core/network/evaluate';
import { contains } from '../../core/network/ports';
import { severityRank } from '../../core/severity';
import { listenersOn, REACHABILITY_WORDS } from './common';

export const EXPOSURES = ['Internet', 'PeeredVPC', 'VGW', 'None'] as const;
export type Exposure = (typeof EXPOSURES)[number];

/** The evidence source of the chain's entries (dropped and added again when the chain is recomputed). */
export const EXPOSURE_CHAIN_SOURCE = 'exposure-chain';

/** Chain entries kept per finding (a host with many listeners and interfaces could add thousands). */
export const MAX_CHAIN_EVIDENCE = 20;

const nameOf = (label: string) => label.split(' ')[0]!;

interface Link {
  service: ListeningService;
  how: string;
  eni: EniReachability;
  type: ReachabilityType;
  gateway: string;
  groups: string[];
  via?: string;
}

/** The links between one finding's packages and what listens and is reachable on its instance. */
function links(
  finding: Finding,
  instance: InstanceSummary,
  interfaces: EniReachability[],
): { reachable: Link[]; listening: ListeningService[] } {
  const names = new Set((finding.vulnerability?.packages ?? []).map((p) => p.name));
  const reachable: Link[] = [];
  const listening: ListeningService[] = [];
  for (const service of instance.listeners?.services ?? []) {
    if (service.loopback) continue;
    const exe = service.processes.filter((p) => p.package && names.has(nameOf(p.package)));
    const libs = service.libraryPackages.filter((l) => names.has(nameOf(l)));
    if (exe.length === 0 && libs.length === 0) continue;
    listening.push(service);
    const procs = service.processes.map((p) => `${p.comm} (pid ${p.pid})`).join(', ');
    const how = exe.length
      ? `${exe.map((p) => `${p.comm} (pid ${p.pid})`).join(', ')} runs ${exe[0]!.exe ?? exe[0]!.comm} from ${exe[0]!.package}`
      : `${procs} maps ${libs.join(', ')}`;
    const protocol = service.protocol.startsWith('tcp') ? 'tcp' : 'udp';
    for (const eni of interfaces) {
      if (listenersOn(instance.listeners, eni, protocol, service.port).every((s) => s !== service)) continue;
      for (const path of eni.paths) {
        if (path.protocol !== protocol || !contains(path.ports, service.port)) continue;
        reachable.push({
          service,
          how,
          eni,
          type: path.type,
          gateway: path.gateway,
          groups: Object.entries(path.bySecurityGroup)
            .filter(([, ports]) => contains(ports, service.port))
            .map(([g]) => g),
          ...(path.loadBalancer ? { via: path.loadBalancer.name } : {}),
        });
      }
    }
  }
  return { reachable, listening };
}

/**
 * Adds the chain to every CVE finding of an instance the analysis covers (other findings unchanged; the
 * finding id is not recomputed: the same vulnerability on the same host keeps its id).
 */
export function addExposureChain(
  findings: Finding[],
  instances: readonly InstanceSummary[],
  analysis: NetworkAnalysis,
): Finding[] {
  const byId = new Map(instances.map((i) => [i.instanceId, i]));
  return findings.map((f) => {
    const interfaces = analysis.byInstance.get(f.instanceId);
    const instance = byId.get(f.instanceId);
    if (f.rulesPackage !== 'cve' || !f.vulnerability || !interfaces || !instance?.listeners) return f;
    const { reachable, listening } = links(f, instance, interfaces);
    const exposure: Exposure = EXPOSURES.find((e) => reachable.some((l) => l.type === e)) ?? 'None';
    const ports = [
      ...new Set(
        reachable.map(
          (l) => `${l.service.protocol.startsWith('tcp') ? 'TCP' : 'UDP'} ${l.service.port} (${l.type})`,
        ),
      ),
    ];
    const processes = [
      ...new Set(listening.flatMap((s) => s.processes.map((p) => `${p.comm} (pid ${p.pid})`))),
    ];
    const attributes: Attribute[] = [
      ...f.attributes.filter((a) => !['EXPOSURE', 'EXPOSED_PORTS', 'PROCESSES'].includes(a.key)),
      { key: 'EXPOSURE', value: exposure },
      ...(ports.length ? [{ key: 'EXPOSED_PORTS', value: ports.join(', ') }] : []),
      ...(processes.length ? [{ key: 'PROCESSES', value: processes.join(', ') }] : []),
    ];
    const evidence: Evidence[] = reachable.map((l) => ({
      source: EXPOSURE_CHAIN_SOURCE,
      key: `${l.service.protocol} ${l.service.address}:${l.service.port}`,
      value: l.how,
      note: `reachable from ${REACHABILITY_WORDS[l.type]} through ${l.gateway}${l.via ? ` and load balancer ${l.via}` : ''} (${l.eni.networkInterfaceId}, ${[...l.groups, l.eni.networkAclId].filter(Boolean).join(', ')})`,
    }));
    for (const s of listening)
      if (!reachable.some((l) => l.service === s))
        evidence.push({
          source: EXPOSURE_CHAIN_SOURCE,
          key: `${s.protocol} ${s.address}:${s.port}`,
          value: s.processes.map((p) => `${p.comm} (pid ${p.pid})`).join(', '),
          note: 'listening, not reachable from outside the VPC',
        });
    // At most MAX_CHAIN_EVIDENCE entries, then the finding bounded again as every finding is (finding-limits.ts).
    const kept = evidence.slice(0, MAX_CHAIN_EVIDENCE);
    if (evidence.length > kept.length)
      kept.push({ source: EXPOSURE_CHAIN_SOURCE, note: `and ${evidence.length - kept.length} more` });
    return boundFinding({ ...f, attributes, evidence: [...f.evidence, ...kept] });
  });
}

/** Exposure first (Internet, PeeredVPC, VGW, None, not evaluated), then KEV, EPSS, severity, score. */
export function sortByExposure(findings: readonly Finding[]): Finding[] {
  const rank = (f: Finding) => {
    const e = f.attributes.find((a) => a.key === 'EXPOSURE')?.value;
    const i = EXPOSURES.indexOf(e as Exposure);
    return i < 0 ? EXPOSURES.length : i;
  };
  return [...findings].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      Number(!!b.vulnerability?.kev) - Number(!!a.vulnerability?.kev) ||
      (b.vulnerability?.epss?.score ?? -1) - (a.vulnerability?.epss?.score ?? -1) ||
      severityRank(a.severity) - severityRank(b.severity) ||
      b.numericSeverity - a.numericSeverity,
  );
}
