/**
 * The listening inventory (functions/core/facts/listening.ts) says "loopback" exactly where the runtime
 * rules do (one isLoopback for both), so the full report and rba.unused-listening-tcp-ports never disagree
 * about which ports are exposed, whatever address text a document carries.
 */
import { describe, expect, it } from 'vitest';
import { listeningServices } from '../../../functions/core/facts/listening';
import { isLoopback } from '../../../functions/core/facts/runtime';
import { RuntimeBuilder } from '../../helpers/runtime-telemetry';

describe('listening inventory', () => {
  it('marks loopback listeners as the runtime rules judge them, for every address form', () => {
    const addresses = [
      '127.0.0.1',
      '127.0.0.53',
      '::1',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      '::',
      '10.0.0.5',
      '127.evil.example',
      '::10',
    ];
    const b = new RuntimeBuilder();
    addresses.forEach((address, i) => {
      b.listener({ protocol: address.includes(':') ? 'tcp6' : 'tcp', address, port: 1000 + i });
    });
    const summary = listeningServices(b.build())!;
    const byAddress = Object.fromEntries(summary.services.map((s) => [s.address, s.loopback]));
    expect(byAddress).toEqual(Object.fromEntries(addresses.map((a) => [a, isLoopback(a)])));
    expect(byAddress['0:0:0:0:0:0:0:1']).toBe(true);
    expect(byAddress['127.evil.example']).toBe(false);
  });

  it('labels owning packages name and version, and orders listeners by port, protocol and address', () => {
    const b = new RuntimeBuilder();
    const exe = b.object('/usr/sbin/sshd', {
      package: { manager: 'dpkg', name: 'openssh-server', version: '1:9.2p1-2' },
    });
    const lib = b.object('/usr/lib/libz.so.1', { package: { manager: 'dpkg', name: 'zlib1g' } });
    const p = b.process({ pid: 7, comm: 'sshd', exe: '/usr/sbin/sshd', exeObject: exe, maps: [exe, lib] });
    b.listener({ protocol: 'tcp6', address: '::', port: 22, processes: [p] });
    b.listener({ protocol: 'tcp', address: '0.0.0.0', port: 22, processes: [p] });
    b.listener({ protocol: 'tcp', address: '0.0.0.0', port: 8080 });
    const summary = listeningServices(b.build())!;
    expect(summary.services.map((s) => `${s.protocol} ${s.address} ${s.port}`)).toEqual([
      'tcp 0.0.0.0 22',
      'tcp6 :: 22',
      'tcp 0.0.0.0 8080',
    ]);
    expect(summary.services[0]!.processes[0]!.package).toBe('openssh-server 1:9.2p1-2');
    expect(summary.services[0]!.libraryPackages).toEqual(['zlib1g']);
  });
});
