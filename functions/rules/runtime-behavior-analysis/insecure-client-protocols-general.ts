/**
 * rba.insecure-client-protocols-general: outbound connections seen during the run over clear-text
 * protocols other than remote login: FTP (21/tcp), TFTP (69/udp), POP3 (110/tcp) and IMAP (143/tcp), and
 * the ftp / tftp client programs holding any outbound connection or UDP socket.
 *
 * Decisions:
 * - SMTP (25/tcp) is not judged: it is the port mail servers must use to relay to each other, where
 *   encryption is negotiated with STARTTLS inside the same connection, which the socket does not show; a
 *   connection to 25 is usually a mail server doing its job, not a client choosing clear text. POP3 and IMAP
 *   are judged because mail clients have implicit-TLS ports (995, 993) to use instead.
 * - Plain HTTP (80/tcp) is not judged: package mirrors, the instance metadata service and health checks use
 *   it on nearly every host, and its payloads are usually signed or not secret; a finding on every host
 *   would drown the others.
 */
import type { Rule } from '../../core/rule';
import { checkClientProtocols } from './client-protocols';
import { LINUX, type Service } from './common';

export const GENERAL_CLIENT_SERVICES: readonly Service[] = [
  { name: 'ftp', port: 21, transport: 'tcp' },
  { name: 'tftp', port: 69, transport: 'udp' },
  { name: 'pop3', port: 110, transport: 'tcp' },
  { name: 'imap', port: 143, transport: 'tcp' },
];

export const GENERAL_CLIENT_PROGRAMS: ReadonlySet<string> = new Set(['ftp', 'tftp', 'tnftp', 'pftp']);

export const insecureClientProtocolsGeneral: Rule = {
  id: 'rba.insecure-client-protocols-general',
  title: 'No clear-text file transfer or mail retrieval clients are used',
  findingTitle: 'Clear-text file transfer or mail retrieval clients were used',
  description:
    'During the run, processes on this host connected out with FTP, TFTP, POP3 or IMAP on their clear-text ' +
    'ports. Credentials and data then cross the network unencrypted (TFTP has no authentication at all). ' +
    'SMTP (25) and HTTP (80) are not judged: see the rule documentation.',
  recommendation:
    'Use encrypted equivalents: SFTP, SCP or HTTPS instead of FTP and TFTP; IMAPS (993) and POP3S (995) ' +
    'instead of IMAP and POP3; then remove the clear-text client packages.',
  severity: 'Low',
  platforms: LINUX,
  parameters: {},
  check(facts) {
    return checkClientProtocols(facts, {
      what: 'clear-text file transfer or mail client protocol',
      services: GENERAL_CLIENT_SERVICES,
      clients: GENERAL_CLIENT_PROGRAMS,
      advice:
        'Switch these transfers to SFTP/SCP/HTTPS and mail retrieval to IMAPS (993) or POP3S (995), ' +
        'and find what started them (scripts, cron jobs, application settings).',
    });
  },
};
