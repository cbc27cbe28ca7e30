/**
 * rba.insecure-server-protocols: services that listened during the run with clear-text protocols: telnet
 * (23/tcp), FTP (21/tcp), rexec/rlogin/rsh (512-514/tcp), TFTP (69/udp), POP3 (110/tcp), IMAP (143/tcp)
 * and SNMP (161/udp), on any address (tcp and tcp6, udp and udp6); and the servers of those protocols
 * (in.telnetd, vsftpd, proftpd, in.tftpd, rshd… named by their executable's file name, else comm) on any
 * port. Loopback listeners are reported too, with their address: the protocol is still clear text, and
 * the finding is informational.
 *
 * SNMP versions 1 and 2c (community strings in clear text) cannot be told from version 3 by the socket:
 * the evidence says so, and the snmpd configuration decides.
 */
import { endpoint, isLoopback, programName } from '../../core/facts/runtime';
import type { Evidence } from '../../core/model';
import { fail, pass, type Rule } from '../../core/rule';
import {
  bounded,
  compareStrings,
  exePackage,
  LINUX,
  netSource,
  normalizeProgram,
  plural,
  processDetail,
  processesByPid,
  removeCommand,
  type Service,
  serviceFor,
  truncation,
  withRuntime,
} from './common';

const SNMP_NOTE =
  'SNMP v1/v2c (clear-text community strings) cannot be told from v3 by the socket: check the agent configuration (e.g. /etc/snmp/snmpd.conf) for rocommunity/rwcommunity lines';

export const INSECURE_SERVER_SERVICES: readonly Service[] = [
  { name: 'ftp', port: 21, transport: 'tcp' },
  { name: 'telnet', port: 23, transport: 'tcp' },
  { name: 'tftp', port: 69, transport: 'udp' },
  { name: 'pop3', port: 110, transport: 'tcp' },
  { name: 'imap', port: 143, transport: 'tcp' },
  { name: 'snmp', port: 161, transport: 'udp', note: SNMP_NOTE },
  { name: 'rexec', port: 512, transport: 'tcp' },
  { name: 'rlogin', port: 513, transport: 'tcp' },
  { name: 'rsh', port: 514, transport: 'tcp' },
];

/** Server programs (normalized names) and the protocol they serve. */
export const INSECURE_SERVER_PROGRAMS: ReadonlyMap<string, string> = new Map([
  ['in.telnetd', 'telnet'],
  ['telnetd', 'telnet'],
  ['in.ftpd', 'ftp'],
  ['ftpd', 'ftp'],
  ['vsftpd', 'ftp'],
  ['proftpd', 'ftp'],
  ['pure-ftpd', 'ftp'],
  ['in.tftpd', 'tftp'],
  ['tftpd', 'tftp'],
  ['in.rshd', 'rsh'],
  ['rshd', 'rsh'],
  ['in.rlogind', 'rlogin'],
  ['rlogind', 'rlogin'],
  ['in.rexecd', 'rexec'],
  ['rexecd', 'rexec'],
]);

export const insecureServerProtocols: Rule = {
  id: 'rba.insecure-server-protocols',
  title: 'No clear-text protocol servers listen',
  findingTitle: 'Clear-text protocol servers were listening',
  description:
    'During the run, this host offered services whose protocols send credentials and data unencrypted ' +
    '(telnet, FTP, TFTP, rsh/rlogin/rexec, POP3, IMAP, SNMP v1/v2c). Any client that uses them exposes ' +
    'its password to the network, and some (TFTP, rsh) authenticate weakly or not at all.',
  recommendation:
    'Stop and remove the clear-text servers: use SSH instead of telnet and the r-services, SFTP instead of ' +
    'FTP and TFTP, IMAPS (993) and POP3S (995) instead of IMAP and POP3, and SNMPv3 with authPriv.',
  severity: 'Informational',
  platforms: LINUX,
  parameters: {},
  check(facts) {
    const got = withRuntime(facts, 'insecure server protocols');
    if (!got.ok) return got.outcome;
    const rt = got.rt;
    const items: Array<{ sort: string; ev: Evidence }> = [];
    const removals = new Set<string>();
    const reconfigure = new Set<string>();
    for (const l of rt.listeners) {
      const svc = serviceFor(INSECURE_SERVER_SERVICES, l.protocol, l.port);
      const holding = processesByPid(rt, l.processes);
      const servers = holding.filter((p) => INSECURE_SERVER_PROGRAMS.has(normalizeProgram(programName(p))));
      if (!svc && servers.length === 0) continue;
      const protocol = svc?.name ?? INSECURE_SERVER_PROGRAMS.get(normalizeProgram(programName(servers[0]!)))!;
      const transport = l.protocol.startsWith('udp') ? 'udp' : 'tcp';
      const key = `${protocol} (${l.port}/${transport})`;
      const holders = holding.map((p) => {
        const pkg = exePackage(rt, p);
        const dedicated = INSECURE_SERVER_PROGRAMS.has(normalizeProgram(programName(p)));
        if (pkg && dedicated) removals.add(removeCommand(pkg));
        else if (!dedicated) reconfigure.add(`${programName(p)} (${key})`);
        return processDetail(p, pkg);
      });
      const where = isLoopback(l.address) ? 'loopback only; ' : '';
      items.push({
        sort: `${String(l.port).padStart(5, '0')}|${l.protocol}|${l.address}`,
        ev: {
          source: netSource(l.protocol),
          key,
          value: endpoint(l.address, l.port),
          expected: `no ${protocol} server`,
          note:
            `${where}${svc ? '' : `found by server program name on port ${l.port}; `}` +
            `listening in ${plural(l.samples, 'sample')} from ${l.firstSeen} to ${l.lastSeen}; ` +
            (holders.length > 0
              ? `process${holders.length > 1 ? 'es' : ''}: ${holders.join(', ')}`
              : 'no recorded process held the socket') +
            (svc?.note ? `; ${svc.note}` : ''),
        },
      });
    }
    const trunc = truncation(
      rt,
      ['listeners', 'listenerProcesses', 'sockets', 'fds', 'processSightings'],
      'a clear-text server may be among the listeners or holders that were not recorded',
    );
    if (items.length === 0) {
      return pass(
        `none of the ${plural(rt.listeners.length, 'listening socket')} seen serves a clear-text protocol.${trunc.sentence}`,
        trunc.evidence,
      );
    }
    items.sort((a, b) => compareStrings(a.sort, b.sort));
    const keys = [...new Set(items.map((i) => i.ev.key))];
    return {
      ...fail(
        `${plural(items.length, 'listening socket')} served clear-text protocols (${keys.join(', ')}).${trunc.sentence}`,
        [
          ...bounded(
            items.map((i) => i.ev),
            'listeners',
          ),
          ...trunc.evidence,
        ],
      ),
      recommendation:
        (removals.size > 0 ? `Remove the clear-text servers: ${[...removals].sort().join('; ')}. ` : '') +
        (reconfigure.size > 0
          ? `Turn off the clear-text service in ${[...reconfigure].sort().join(', ')} (its configuration, its inetd/xinetd entry, or systemctl disable --now UNIT). `
          : '') +
        (removals.size === 0 && reconfigure.size === 0
          ? 'Find and stop the services holding these ports (ss -lntup as root shows them). '
          : '') +
        'Use SSH instead of telnet and rsh/rlogin/rexec, SFTP instead of FTP/TFTP, IMAPS/POP3S instead of IMAP/POP3, and SNMPv3 (authPriv) instead of community strings.',
    };
  },
};
