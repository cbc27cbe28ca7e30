/**
 * Amazon Inspector Classic's recognized ports, as its user guide lists them (awsdocs/amazon-inspector-user-guide,
 * doc_source/inspector_network-reachability.md, "RecognizedPort"). The guide gives these findings "a severity
 * based on the security impact of the well-known service" without publishing the severity of each: the
 * severities here are this project's (README "Network Reachability rules package" says why).
 */
import type { Severity } from '../../core/severity';

export interface RecognizedService {
  name: string;
  tcp: readonly number[];
  udp: readonly number[];
  severity: Severity;
}

export const RECOGNIZED_SERVICES: readonly RecognizedService[] = [
  { name: 'SMB', tcp: [445], udp: [445], severity: 'High' },
  { name: 'NetBIOS', tcp: [137, 139], udp: [137, 138], severity: 'High' },
  { name: 'LDAP', tcp: [389], udp: [389], severity: 'High' },
  { name: 'LDAP over TLS', tcp: [636], udp: [], severity: 'Medium' },
  { name: 'Global catalog LDAP', tcp: [3268], udp: [], severity: 'High' },
  { name: 'Global catalog LDAP over TLS', tcp: [3269], udp: [], severity: 'Medium' },
  { name: 'NFS', tcp: [111, 2049, 4045, 1110], udp: [111, 2049, 4045, 1110], severity: 'High' },
  {
    name: 'Kerberos',
    tcp: [88, 464, 543, 544, 749, 751],
    udp: [88, 464, 749, 750, 751, 752],
    severity: 'Medium',
  },
  { name: 'RPC', tcp: [111, 135, 530], udp: [111, 135, 530], severity: 'High' },
  { name: 'WINS', tcp: [1512, 42], udp: [1512, 42], severity: 'High' },
  { name: 'DHCP', tcp: [67, 68, 546, 547], udp: [67, 68, 546, 547], severity: 'Medium' },
  { name: 'Syslog', tcp: [601], udp: [514], severity: 'Medium' },
  { name: 'Print services', tcp: [515], udp: [], severity: 'Medium' },
  { name: 'Telnet', tcp: [23], udp: [23], severity: 'High' },
  { name: 'FTP', tcp: [21], udp: [21], severity: 'High' },
  { name: 'SSH', tcp: [22], udp: [22], severity: 'Medium' },
  { name: 'RDP', tcp: [3389], udp: [3389], severity: 'High' },
  { name: 'MongoDB', tcp: [27017, 27018, 27019, 28017], udp: [], severity: 'High' },
  { name: 'SQL Server', tcp: [1433], udp: [1434], severity: 'High' },
  { name: 'MySQL', tcp: [3306], udp: [], severity: 'High' },
  { name: 'PostgreSQL', tcp: [5432], udp: [], severity: 'High' },
  { name: 'Oracle', tcp: [1521, 1630], udp: [], severity: 'High' },
  { name: 'Elasticsearch', tcp: [9300, 9200], udp: [], severity: 'High' },
  { name: 'HTTP', tcp: [80], udp: [80], severity: 'Low' },
  { name: 'HTTPS', tcp: [443], udp: [443], severity: 'Low' },
];

/** protocol:port → the service (the first listed wins: 111 is both NFS and RPC, named "NFS, RPC"). */
export const RECOGNIZED_PORTS: ReadonlyMap<string, { name: string; severity: Severity }> = (() => {
  const m = new Map<string, { name: string; severity: Severity }>();
  const rank = { High: 0, Medium: 1, Low: 2, Informational: 3 } as const;
  for (const s of RECOGNIZED_SERVICES) {
    for (const [proto, ports] of [
      ['tcp', s.tcp],
      ['udp', s.udp],
    ] as const) {
      for (const p of ports) {
        const k = `${proto}:${p}`;
        const prev = m.get(k);
        if (!prev) m.set(k, { name: s.name, severity: s.severity });
        else
          m.set(k, {
            name: `${prev.name}, ${s.name}`,
            severity: rank[s.severity] < rank[prev.severity] ? s.severity : prev.severity,
          });
      }
    }
  }
  return m;
})();

/** The recognized (protocol, port) pairs in port order. */
export const RECOGNIZED_LIST: ReadonlyArray<{
  protocol: 'tcp' | 'udp';
  port: number;
  name: string;
  severity: Severity;
}> = [...RECOGNIZED_PORTS.entries()]
  .map(([k, v]) => {
    const [protocol, port] = k.split(':') as ['tcp' | 'udp', string];
    return { protocol, port: Number(port), ...v };
  })
  .sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : 1));

/** One severity lower (a reachable port nothing listens on is a latent exposure, not an open service). */
export function lower(s: Severity): Severity {
  return s === 'High' ? 'Medium' : s === 'Medium' ? 'Low' : 'Informational';
}
