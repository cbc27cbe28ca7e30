/**
 * rba.insecure-client-protocols-login: this host logged in to other hosts, or ran remote commands on them,
 * over protocols that send passwords and sessions in clear text: telnet (23/tcp), rexec (512/tcp), rlogin
 * (513/tcp), rsh (514/tcp). Found by the remote port of outbound connections seen during the run, and by
 * the client programs (telnet, rlogin, rsh, rexec, also as telnet.netkit / inetutils-telnet…) holding any
 * outbound connection, whatever its port. The program is named by its executable's file name, not its
 * comm: Debian's `rsh` alternative can point to ssh, which is not a finding.
 * UDP 512-514 are other services (biff, who, syslog) and are not judged.
 */
import type { Rule } from '../../core/rule';
import { checkClientProtocols } from './client-protocols';
import { LINUX, type Service } from './common';

export const LOGIN_CLIENT_SERVICES: readonly Service[] = [
  { name: 'telnet', port: 23, transport: 'tcp' },
  { name: 'rexec', port: 512, transport: 'tcp' },
  { name: 'rlogin', port: 513, transport: 'tcp' },
  { name: 'rsh', port: 514, transport: 'tcp' },
];

export const LOGIN_CLIENT_PROGRAMS: ReadonlySet<string> = new Set(['telnet', 'rlogin', 'rsh', 'rexec']);

export const insecureClientProtocolsLogin: Rule = {
  id: 'rba.insecure-client-protocols-login',
  title: 'No clear-text remote login clients are used',
  findingTitle: 'Clear-text remote login clients were used',
  description:
    'During the run, processes on this host opened outbound connections with telnet, rlogin, rsh or rexec. ' +
    'These protocols carry user names, passwords and the whole session unencrypted, so anyone on the path ' +
    'can read or hijack them, and rsh/rlogin trust the client host by address.',
  recommendation:
    'Use SSH (ssh, scp, sftp) for remote logins and commands, and remove the telnet, rsh-client and ' +
    'rlogin client packages from the host.',
  severity: 'Medium',
  platforms: LINUX,
  parameters: {},
  check(facts) {
    return checkClientProtocols(facts, {
      what: 'clear-text login client protocol',
      services: LOGIN_CLIENT_SERVICES,
      clients: LOGIN_CLIENT_PROGRAMS,
      advice:
        'Use SSH instead (ssh for telnet/rlogin, ssh HOST COMMAND for rsh/rexec, scp or sftp for rcp), ' +
        'find what started these clients (scripts, cron jobs, monitoring), and turn off the matching servers on the remote hosts.',
    });
  },
};
