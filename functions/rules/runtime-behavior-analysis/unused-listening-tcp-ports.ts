/**
 * rba.unused-listening-tcp-ports: TCP ports that listened during the run and accepted no connection.
 *
 * The unit is the port: the agent credits a connection to the first listener on its port whose address
 * matches (0.0.0.0 and :: both match), so sshd's 0.0.0.0:22 may hold every connection while its [::]:22
 * shows none. A port is unused when all its TCP listeners (tcp and tcp6, any address) accepted nothing.
 *
 * Judged only when the sampling window (first to last sample) lasted at least `minDurationSeconds`
 * (default 900 s: a service idle for a few minutes says little; Classic's shortest recommended run was 15
 * minutes, and its runtime packages asked for an hour), and only ports whose listeners were seen for that
 * long themselves (a port opened near the end is counted, not judged). Ports that listen on loopback only
 * (127.0.0.0/8, ::1) are not network attack surface: ignored and counted unless `includeLoopback`.
 *
 * `accepted` counts the distinct connection sockets seen in the samples: a connection that opens and
 * closes between two samples is not seen, so a port may be reported unused while it served short requests.
 */
import type { Facts } from '../../core/facts/facts';
import {
  endpoint,
  isLoopback,
  type RuntimeListener,
  samplingWindowSeconds,
  seenSeconds,
} from '../../core/facts/runtime';
import type { Evidence } from '../../core/model';
import { error, fail, notApplicable, pass, type Rule } from '../../core/rule';
import {
  bounded,
  exePackage,
  LINUX,
  netSource,
  plural,
  processDetail,
  processesByPid,
  RUNTIME_SOURCE,
  truncation,
  withRuntime,
} from './common';

export const unusedListeningTcpPorts: Rule<{ minDurationSeconds: number; includeLoopback: boolean }> = {
  id: 'rba.unused-listening-tcp-ports',
  title: 'Every listening TCP port was used during the run',
  findingTitle: 'TCP ports listened but accepted no connection during the run',
  description:
    'Each listening port is a service an attacker can reach. A port that accepted no connection during the ' +
    'whole run may belong to a service nobody needs; stopping it removes attack surface. Connections ' +
    'shorter than the sampling interval may be missed, so check before disabling anything.',
  recommendation:
    'For each port listed, confirm whether the service is needed; stop and disable the ones that are not ' +
    '(systemctl disable --now UNIT, or remove the package), or bind them to 127.0.0.1 if only local ' +
    'clients use them.',
  severity: 'Informational',
  platforms: LINUX,
  parameters: { minDurationSeconds: 900, includeLoopback: false },
  check(facts: Facts, params) {
    const got = withRuntime(facts, 'unused listening TCP ports');
    if (!got.ok) return got.outcome;
    const rt = got.rt;
    const min = Number(params.minDurationSeconds);
    if (!Number.isFinite(min) || min < 0)
      return error(
        `parameter minDurationSeconds must be a non-negative number; got ${params.minDurationSeconds}`,
      );
    const includeLoopback = String(params.includeLoopback) === 'true';
    const window = samplingWindowSeconds(rt);
    const windowEv: Evidence = {
      source: RUNTIME_SOURCE,
      key: 'sampling window',
      value: `${Math.round(window)} s, ${plural(rt.sampling.samples, 'sample')} every ${rt.sampling.intervalSeconds} s`,
      expected: `at least ${min} s`,
    };
    if (window < min) {
      return notApplicable(
        `the sampling window lasted ${Math.round(window)} s, shorter than minDurationSeconds (${min} s): too short to call a port unused (run the assessment longer)`,
        [windowEv],
      );
    }

    const byPort = new Map<number, RuntimeListener[]>();
    for (const l of rt.listeners) {
      if (!l.protocol.startsWith('tcp')) continue;
      const list = byPort.get(l.port);
      if (list) list.push(l);
      else byPort.set(l.port, [l]);
    }
    let loopbackIgnored = 0;
    let tooShort = 0;
    let used = 0;
    const unused: Evidence[] = [];
    for (const port of [...byPort.keys()].sort((a, b) => a - b)) {
      const ls = byPort.get(port)!;
      if (ls.some((l) => l.accepted > 0)) {
        used++;
        continue;
      }
      const exposed = ls.filter((l) => !isLoopback(l.address));
      if (exposed.length === 0 && !includeLoopback) {
        loopbackIgnored++;
        continue;
      }
      const judged = includeLoopback ? ls : exposed;
      if (Math.max(...judged.map(seenSeconds)) < min) {
        tooShort++;
        continue;
      }
      for (const l of judged) {
        const holders = processesByPid(rt, l.processes).map((p) => processDetail(p, exePackage(rt, p)));
        unused.push({
          source: netSource(l.protocol),
          key: `port ${port}/${l.protocol}`,
          value: endpoint(l.address, l.port),
          expected: 'at least one accepted connection during the run',
          note:
            `accepted 0; listening in ${plural(l.samples, 'sample')} from ${l.firstSeen} to ${l.lastSeen}; ` +
            (holders.length > 0
              ? `process${holders.length > 1 ? 'es' : ''}: ${holders.join(', ')}`
              : 'no recorded process held the socket'),
        });
      }
    }

    const trunc = truncation(
      rt,
      ['sockets', 'listeners', 'fds'],
      'accepted connections may have been missed (a port may look unused) and some listeners were not recorded',
    );
    const notes: Evidence[] = [windowEv, ...trunc.evidence];
    if (loopbackIgnored > 0)
      notes.push({
        source: RUNTIME_SOURCE,
        key: 'loopback-only ports ignored',
        value: String(loopbackIgnored),
        note: 'listening on 127.0.0.0/8 or ::1 only (set includeLoopback to judge them)',
      });
    if (tooShort > 0)
      notes.push({
        source: RUNTIME_SOURCE,
        key: 'ports seen for less than minDurationSeconds',
        value: String(tooShort),
        note: 'not judged',
      });
    const missable = `connections that open and close between two samples (${rt.sampling.intervalSeconds} s apart) are not seen`;
    if (unused.length === 0) {
      return pass(
        `every judged listening TCP port accepted connections during the ${Math.round(window)} s window (${plural(used, 'port')} used).${trunc.sentence}`,
        notes,
      );
    }
    const ports = [...new Set(unused.map((e) => e.key!.replace(/^port (\d+)\/.*$/, '$1')))];
    return {
      ...fail(
        `${plural(ports.length, 'listening TCP port')} accepted no connection in ${Math.round(window)} s (${ports.join(', ')}); ${missable}.${trunc.sentence}`,
        [...bounded(unused, 'unused listeners'), ...notes],
      ),
      recommendation: `Check whether the services on port${ports.length > 1 ? 's' : ''} ${ports.join(', ')} are needed; stop and disable those that are not (systemctl disable --now UNIT, or remove the package), or bind them to 127.0.0.1 when only local clients use them.`,
    };
  },
};
