/**
 * The check shared by the two insecure-client-protocol rules: outbound connections seen during the run
 * whose remote port is one of the rule's services, and processes of the rule's client programs holding any
 * outbound connection (or, for UDP clients such as tftp, a bound UDP socket: a tftp client talks through an
 * unconnected socket, which the agent records as a listener).
 */
import type { Facts } from '../../core/facts/facts';
import { endpoint, programName } from '../../core/facts/runtime';
import type { Evidence } from '../../core/model';
import { type CheckOutcome, fail, pass } from '../../core/rule';
import {
  bounded,
  compareStrings,
  connectionEndpoint,
  exePackage,
  netSource,
  normalizeProgram,
  plural,
  processDetail,
  RUNTIME_SOURCE,
  removeCommand,
  type Service,
  serviceFor,
  truncation,
  withRuntime,
} from './common';

export interface ClientProtocolSpec {
  /** "insecure login client protocols" — used in messages. */
  what: string;
  services: readonly Service[];
  /** Normalized program names (see normalizeProgram). */
  clients: ReadonlySet<string>;
  /** Said in the recommendation before the per-host commands. */
  advice: string;
}

export function checkClientProtocols(facts: Facts, spec: ClientProtocolSpec): CheckOutcome {
  const got = withRuntime(facts, spec.what);
  if (!got.ok) return got.outcome;
  const rt = got.rt;
  const items: Array<{ sort: string; ev: Evidence }> = [];
  const removals = new Set<string>();
  const isClient = (i: number | undefined) =>
    i !== undefined && spec.clients.has(normalizeProgram(programName(rt.processes[i]!)));

  let ownerless = 0;
  for (const c of rt.connections) {
    if (c.process === undefined) ownerless++;
    const svc = serviceFor(spec.services, c.protocol, c.remotePort);
    const byName = isClient(c.process);
    if (!svc && !byName) continue;
    const p = c.process !== undefined ? rt.processes[c.process] : undefined;
    const pkg = p ? exePackage(rt, p) : undefined;
    if (pkg && byName) removals.add(removeCommand(pkg));
    const transport = c.protocol.startsWith('udp') ? 'udp' : 'tcp';
    const key = svc
      ? `${svc.name} (${svc.port}/${svc.transport})`
      : `${normalizeProgram(programName(p!))} client (${c.remotePort}/${transport})`;
    items.push({
      sort: `${key}|${connectionEndpoint(c)}|${String(p?.pid ?? 0).padStart(10, '0')}`,
      ev: {
        source: netSource(c.protocol),
        key,
        value: connectionEndpoint(c),
        expected: `no ${spec.what} connections`,
        note:
          `${p ? processDetail(p, pkg) : 'no recorded process held the socket'}; ` +
          `${plural(c.connections, 'connection')} in ${plural(c.samples, 'sample')} from ${c.firstSeen} to ${c.lastSeen}`,
      },
    });
  }
  for (const l of rt.listeners) {
    if (!l.protocol.startsWith('udp')) continue;
    for (const i of l.processes) {
      if (!isClient(i)) continue;
      const p = rt.processes[i]!;
      const pkg = exePackage(rt, p);
      if (pkg) removals.add(removeCommand(pkg));
      const key = `${normalizeProgram(programName(p))} client (udp socket)`;
      items.push({
        sort: `${key}|${endpoint(l.address, l.port)}|${String(p.pid).padStart(10, '0')}`,
        ev: {
          source: netSource(l.protocol),
          key,
          value: endpoint(l.address, l.port),
          expected: `no ${spec.what} clients`,
          note: `${processDetail(p, pkg)}; local UDP socket in ${plural(l.samples, 'sample')} from ${l.firstSeen} to ${l.lastSeen}`,
        },
      });
    }
  }

  const trunc = truncation(
    rt,
    ['connections', 'sockets', 'fds', 'processSightings', 'listeners', 'listenerProcesses'],
    `a ${spec.what} connection may be among what was dropped`,
  );
  const notes: Evidence[] = [...trunc.evidence];
  if (ownerless > 0)
    notes.push({
      source: RUNTIME_SOURCE,
      key: 'connections without a recorded process',
      value: String(ownerless),
      note: 'judged by remote port only (an agent not running as root cannot see the owners of other users’ sockets)',
    });

  if (items.length === 0) {
    return pass(
      `no ${spec.what} connection among ${plural(rt.connections.length, 'outbound connection')} seen in ${plural(rt.sampling.samples, 'sample')}.${trunc.sentence}`,
      notes,
    );
  }
  items.sort((a, b) => compareStrings(a.sort, b.sort));
  const keys = [...new Set(items.map((i) => i.ev.key))];
  return {
    ...fail(
      `${plural(items.length, 'outbound connection')} used ${spec.what} (${keys.join(', ')}).${trunc.sentence}`,
      [
        ...bounded(
          items.map((i) => i.ev),
          'connections',
        ),
        ...notes,
      ],
    ),
    recommendation:
      spec.advice +
      (removals.size > 0 ? ` Remove the client packages seen here: ${[...removals].sort().join('; ')}.` : ''),
  };
}
