/**
 * runtime-behavior-analysis, the socket rules: insecure client protocols (login, general), unused listening
 * TCP ports and insecure server protocols, on documents built through the real telemetry schema.
 */
import { describe, expect, it } from 'vitest';
import { at, RuntimeBuilder, rbaResult } from '../../helpers/runtime-telemetry';

const LOGIN = 'rba.insecure-client-protocols-login';
const GENERAL = 'rba.insecure-client-protocols-general';
const UNUSED = 'rba.unused-listening-tcp-ports';
const SERVER = 'rba.insecure-server-protocols';

/** A host with sshd (used) and an HTTPS client: nothing for the socket rules to report. */
function cleanHost(): RuntimeBuilder {
  const b = new RuntimeBuilder();
  const sshd = b.process({ pid: 500, comm: 'sshd', exe: '/usr/sbin/sshd' });
  const curl = b.process({ pid: 900, comm: 'curl', uid: 1000, exe: '/usr/bin/curl' });
  b.listener({ protocol: 'tcp', address: '0.0.0.0', port: 22, processes: [sshd], accepted: 4 });
  b.listener({ protocol: 'tcp6', address: '::', port: 22, processes: [sshd], accepted: 0 });
  b.connection({ protocol: 'tcp', process: curl, remoteAddress: '198.51.100.7', remotePort: 443 });
  b.connection({ protocol: 'tcp', process: curl, remoteAddress: '169.254.169.254', remotePort: 80 });
  b.connection({ protocol: 'tcp', remoteAddress: '198.51.100.9', remotePort: 25 });
  return b;
}

describe(LOGIN, () => {
  it('passes when no connection uses a login protocol (HTTP, HTTPS, SMTP are not judged)', async () => {
    const r = await rbaResult(LOGIN, cleanHost().build());
    expect(r.result).toBe('PASS');
    expect(r.severity).toBe('Medium');
    expect(r.message).toMatch(/no clear-text login client protocol connection among 3 outbound connections/);
    expect(r.evidence).toContainEqual(
      expect.objectContaining({ key: 'connections without a recorded process', value: '1' }),
    );
  });

  it('fails on a telnet connection with the process, user, exe, package and remote endpoint', async () => {
    const b = cleanHost();
    const exe = b.object('/usr/bin/telnet.netkit', {
      package: { manager: 'dpkg', name: 'telnet', version: '0.17+2.4-2' },
    });
    const t = b.process({
      pid: 4242,
      comm: 'telnet',
      uid: 1000,
      exe: '/usr/bin/telnet.netkit',
      exeObject: exe,
    });
    b.connection({
      protocol: 'tcp',
      process: t,
      remoteAddress: '192.0.2.10',
      remotePort: 23,
      connections: 3,
    });
    const r = await rbaResult(LOGIN, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toEqual({
      source: 'runtime:/proc/net/tcp',
      key: 'telnet (23/tcp)',
      value: '192.0.2.10:23',
      expected: 'no clear-text login client protocol connections',
      note:
        'telnet pid 4242 uid 1000 exe /usr/bin/telnet.netkit package telnet 0.17+2.4-2 (dpkg); ' +
        `3 connections in 2 samples from ${at(60)} to ${at(120)}`,
    });
    expect(r.recommendation).toMatch(/Use SSH instead/);
    expect(r.recommendation).toMatch(/apt-get purge telnet/);
  });

  it.each([
    [512, 'rexec'],
    [513, 'rlogin'],
    [514, 'rsh'],
  ])('fails on tcp port %i (%s), over IPv6 too, even without a recorded process', async (port, name) => {
    const b = cleanHost();
    b.connection({ protocol: 'tcp6', remoteAddress: '2001:db8::5', remotePort: port });
    const r = await rbaResult(LOGIN, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({
      source: 'runtime:/proc/net/tcp6',
      key: `${name} (${port}/tcp)`,
      value: `[2001:db8::5]:${port}`,
      note: expect.stringMatching(/^no recorded process held the socket; 1 connection in 2 samples/),
    });
    expect(r.recommendation).not.toMatch(/apt-get/);
  });

  it('does not judge UDP 514 (syslog) or 512 (biff)', async () => {
    const b = cleanHost();
    b.connection({ protocol: 'udp', remoteAddress: '192.0.2.30', remotePort: 514 });
    b.connection({ protocol: 'udp', remoteAddress: '192.0.2.30', remotePort: 512 });
    expect((await rbaResult(LOGIN, b.build())).result).toBe('PASS');
  });

  it('fails on a client program named rlogin holding a connection on any port', async () => {
    const b = cleanHost();
    const p = b.process({ pid: 77, comm: 'rlogin', uid: 1001, exe: '/usr/bin/rlogin' });
    b.connection({ protocol: 'tcp', process: p, remoteAddress: '192.0.2.11', remotePort: 2513 });
    const r = await rbaResult(LOGIN, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ key: 'rlogin client (2513/tcp)', value: '192.0.2.11:2513' });
    expect(r.evidence[0]!.note).toMatch(/^rlogin pid 77 uid 1001 exe \/usr\/bin\/rlogin; /);
  });

  it("passes for Debian's rsh alternative that runs ssh (comm rsh, executable ssh) to port 22", async () => {
    const b = cleanHost();
    const p = b.process({ pid: 78, comm: 'rsh', uid: 1001, exe: '/usr/bin/ssh' });
    b.connection({ protocol: 'tcp', process: p, remoteAddress: '192.0.2.12', remotePort: 22 });
    expect((await rbaResult(LOGIN, b.build())).result).toBe('PASS');
  });
});

describe(GENERAL, () => {
  it('passes on a host with HTTPS, HTTP and SMTP only (HTTP and SMTP are not judged)', async () => {
    const r = await rbaResult(GENERAL, cleanHost().build());
    expect(r.result).toBe('PASS');
    expect(r.severity).toBe('Low');
  });

  it.each([
    ['tcp', 21, 'ftp (21/tcp)'],
    ['udp', 69, 'tftp (69/udp)'],
    ['tcp', 110, 'pop3 (110/tcp)'],
    ['tcp6', 143, 'imap (143/tcp)'],
  ] as const)('fails on %s port %i', async (protocol, port, key) => {
    const b = cleanHost();
    const p = b.process({ pid: 300, comm: 'fetchmail', uid: 1000, exe: '/usr/bin/fetchmail' });
    b.connection({ protocol, process: p, remoteAddress: '203.0.113.4', remotePort: port });
    const r = await rbaResult(GENERAL, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ key, source: `runtime:/proc/net/${protocol}` });
  });

  it('does not judge TFTP over TCP port 69', async () => {
    const b = cleanHost();
    b.connection({ protocol: 'tcp', remoteAddress: '203.0.113.4', remotePort: 69 });
    expect((await rbaResult(GENERAL, b.build())).result).toBe('PASS');
  });

  it('fails on a tftp client holding only a bound UDP socket (its transfer socket is unconnected)', async () => {
    const b = cleanHost();
    const exe = b.object('/usr/bin/tftp', { package: { manager: 'dpkg', name: 'tftp-hpa', version: '5.2' } });
    const p = b.process({ pid: 610, comm: 'tftp', uid: 1000, exe: '/usr/bin/tftp', exeObject: exe });
    b.listener({ protocol: 'udp', address: '0.0.0.0', port: 40123, processes: [p] });
    const r = await rbaResult(GENERAL, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ key: 'tftp client (udp socket)', value: '0.0.0.0:40123' });
    expect(r.recommendation).toMatch(/apt-get purge tftp-hpa/);
  });

  it('fails on the ftp client program whatever the port (passive data connections)', async () => {
    const b = cleanHost();
    const p = b.process({ pid: 611, comm: 'ftp', uid: 1000, exe: '/usr/bin/netkit-ftp' });
    b.connection({ protocol: 'tcp', process: p, remoteAddress: '203.0.113.5', remotePort: 50022 });
    const r = await rbaResult(GENERAL, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]!.key).toBe('ftp client (50022/tcp)');
  });
});

describe(UNUSED, () => {
  it('passes when every judged port accepted connections; the tcp6 twin of a used port counts as used', async () => {
    const r = await rbaResult(UNUSED, cleanHost().build());
    expect(r.result).toBe('PASS');
    expect(r.severity).toBe('Informational');
    expect(r.message).toMatch(/1 port used/);
    expect(r.evidence[0]).toMatchObject({ key: 'sampling window', value: '3600 s, 61 samples every 60 s' });
  });

  it('fails on a listener with no accepted connection, IPv6 wildcard included, with the holders', async () => {
    const b = cleanHost();
    const exe = b.object('/usr/sbin/nginx', {
      package: { manager: 'dpkg', name: 'nginx-core', version: '1.22.1-9' },
    });
    const nginx = b.process({ pid: 700, comm: 'nginx', exe: '/usr/sbin/nginx', exeObject: exe });
    const worker = b.process({ pid: 701, comm: 'nginx', uid: 33, exe: '/usr/sbin/nginx', exeObject: exe });
    b.listener({ protocol: 'tcp6', address: '::', port: 8080, processes: [nginx, worker] });
    const r = await rbaResult(UNUSED, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toEqual({
      source: 'runtime:/proc/net/tcp6',
      key: 'port 8080/tcp6',
      value: '[::]:8080',
      expected: 'at least one accepted connection during the run',
      note:
        `accepted 0; listening in 61 samples from ${at(0)} to ${at(3600)}; processes: ` +
        'nginx pid 700 uid 0 exe /usr/sbin/nginx package nginx-core 1.22.1-9 (dpkg), ' +
        'nginx pid 701 uid 33 exe /usr/sbin/nginx package nginx-core 1.22.1-9 (dpkg)',
    });
    expect(r.message).toMatch(/1 listening TCP port accepted no connection in 3600 s \(8080\)/);
    expect(r.message).toMatch(
      /connections that open and close between two samples \(60 s apart\) are not seen/,
    );
    expect(r.recommendation).toMatch(/port 8080/);
  });

  it('ignores loopback-only ports by default and counts them; includeLoopback judges them', async () => {
    const b = cleanHost();
    b.listener({ protocol: 'tcp', address: '127.0.0.1', port: 5432 });
    b.listener({ protocol: 'tcp6', address: '::1', port: 5432 });
    b.listener({ protocol: 'tcp', address: '127.0.0.53', port: 53 });
    const pass = await rbaResult(UNUSED, b.build());
    expect(pass.result).toBe('PASS');
    expect(pass.evidence).toContainEqual(
      expect.objectContaining({ key: 'loopback-only ports ignored', value: '2' }),
    );
    const fail = await rbaResult(UNUSED, b.build(), { [UNUSED]: { includeLoopback: true } });
    expect(fail.result).toBe('FAIL');
    expect(fail.evidence.slice(0, 3).map((e) => e.value)).toEqual([
      '127.0.0.53:53',
      '127.0.0.1:5432',
      '[::1]:5432',
    ]);
  });

  it('does not judge UDP sockets', async () => {
    const b = cleanHost();
    b.listener({ protocol: 'udp', address: '0.0.0.0', port: 68 });
    expect((await rbaResult(UNUSED, b.build())).result).toBe('PASS');
  });

  it('is NOT_APPLICABLE when the window is shorter than minDurationSeconds (one sample: 0 s)', async () => {
    const b = cleanHost();
    b.windowSeconds = 0;
    b.listener({ protocol: 'tcp', address: '0.0.0.0', port: 8080 });
    const r = await rbaResult(UNUSED, b.build());
    expect(r.result).toBe('NOT_APPLICABLE');
    expect(r.message).toMatch(/lasted 0 s, shorter than minDurationSeconds \(900 s\)/);
    const short = new RuntimeBuilder();
    short.windowSeconds = 600;
    short.listener({ protocol: 'tcp', address: '0.0.0.0', port: 8080 });
    expect((await rbaResult(UNUSED, short.build())).result).toBe('NOT_APPLICABLE');
    expect((await rbaResult(UNUSED, short.build(), { [UNUSED]: { minDurationSeconds: 300 } })).result).toBe(
      'FAIL',
    );
  });

  it('does not judge a port opened late in the window (seen for less than minDurationSeconds)', async () => {
    const b = cleanHost();
    b.listener({ protocol: 'tcp', address: '0.0.0.0', port: 9000, firstSeen: at(3000), samples: 11 });
    const r = await rbaResult(UNUSED, b.build());
    expect(r.result).toBe('PASS');
    expect(r.evidence).toContainEqual(
      expect.objectContaining({ key: 'ports seen for less than minDurationSeconds', value: '1' }),
    );
  });

  it('says when dropped sockets may have hidden accepted connections', async () => {
    const b = cleanHost();
    b.listener({ protocol: 'tcp', address: '0.0.0.0', port: 8080 });
    b.truncated = true;
    b.dropped = { sockets: 120 };
    const r = await rbaResult(UNUSED, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.message).toMatch(/caps dropped data \(sockets 120\): accepted connections may have been missed/);
    expect(r.evidence).toContainEqual(expect.objectContaining({ key: 'dropped', value: 'sockets 120' }));
  });

  it('is ERROR for a bad minDurationSeconds', async () => {
    const r = await rbaResult(UNUSED, cleanHost().build(), { [UNUSED]: { minDurationSeconds: -1 } });
    expect(r.result).toBe('ERROR');
  });
});

describe(SERVER, () => {
  it('passes when no listener serves a clear-text protocol', async () => {
    const r = await rbaResult(SERVER, cleanHost().build());
    expect(r.result).toBe('PASS');
    expect(r.severity).toBe('Informational');
  });

  it('fails on in.telnetd under inetd on 23 and recommends removing the package', async () => {
    const b = cleanHost();
    const exe = b.object('/usr/sbin/inetd', {
      package: { manager: 'dpkg', name: 'openbsd-inetd', version: '0.20221205-3' },
    });
    const inetd = b.process({ pid: 400, comm: 'inetd', exe: '/usr/sbin/inetd', exeObject: exe });
    const tel = b.object('/usr/sbin/in.telnetd', {
      package: { manager: 'dpkg', name: 'telnetd', version: '0.17+2.4-2' },
    });
    const telnetd = b.process({ pid: 401, comm: 'in.telnetd', exe: '/usr/sbin/in.telnetd', exeObject: tel });
    b.listener({ protocol: 'tcp6', address: '::', port: 23, processes: [inetd, telnetd], accepted: 2 });
    const r = await rbaResult(SERVER, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({
      source: 'runtime:/proc/net/tcp6',
      key: 'telnet (23/tcp)',
      value: '[::]:23',
      expected: 'no telnet server',
    });
    expect(r.evidence[0]!.note).toMatch(
      /processes: inetd pid 400 uid 0 exe \/usr\/sbin\/inetd package openbsd-inetd/,
    );
    expect(r.recommendation).toMatch(/apt-get purge telnetd/);
    expect(r.recommendation).not.toMatch(/purge openbsd-inetd/);
    expect(r.recommendation).toMatch(/Turn off the clear-text service in inetd \(telnet \(23\/tcp\)\)/);
  });

  it('fails on TFTP over UDP 69 and SNMP on 161 with the version caveat', async () => {
    const b = cleanHost();
    b.listener({ protocol: 'udp', address: '0.0.0.0', port: 69 });
    b.listener({ protocol: 'udp6', address: '::', port: 161 });
    const r = await rbaResult(SERVER, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence.map((e) => e.key)).toEqual(['tftp (69/udp)', 'snmp (161/udp)']);
    expect(r.evidence[1]!.note).toMatch(/SNMP v1\/v2c .* cannot be told from v3 by the socket/);
    expect(r.evidence[0]!.note).toMatch(/no recorded process held the socket/);
  });

  it('does not judge TCP 69 or UDP 23', async () => {
    const b = cleanHost();
    b.listener({ protocol: 'tcp', address: '0.0.0.0', port: 69 });
    b.listener({ protocol: 'udp', address: '0.0.0.0', port: 23 });
    expect((await rbaResult(SERVER, b.build())).result).toBe('PASS');
  });

  it('reports loopback listeners with their address', async () => {
    const b = cleanHost();
    const d = b.process({ pid: 402, comm: 'dovecot', exe: '/usr/sbin/dovecot' });
    b.listener({ protocol: 'tcp', address: '127.0.0.1', port: 143, processes: [d] });
    const r = await rbaResult(SERVER, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ key: 'imap (143/tcp)', value: '127.0.0.1:143' });
    expect(r.evidence[0]!.note).toMatch(/^loopback only; /);
  });

  it('finds a clear-text server by program name on a non-standard port', async () => {
    const b = cleanHost();
    const exe = b.object('/usr/sbin/vsftpd', {
      package: { manager: 'rpm', name: 'vsftpd', version: '3.0.5-6.el9' },
    });
    const v = b.process({ pid: 403, comm: 'vsftpd', exe: '/usr/sbin/vsftpd', exeObject: exe });
    b.listener({ protocol: 'tcp', address: '10.0.0.5', port: 2121, processes: [v] });
    const r = await rbaResult(SERVER, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ key: 'ftp (2121/tcp)', value: '10.0.0.5:2121' });
    expect(r.evidence[0]!.note).toMatch(/found by server program name on port 2121/);
    expect(r.recommendation).toMatch(/dnf remove vsftpd/);
  });

  it('lists the processes holding a listener by pid, whatever order the agent recorded them in', async () => {
    // The agent records processes in the order its concurrent reads finish: the same host gives the
    // same evidence either way.
    const notes = [];
    for (const order of [
      [300, 200],
      [200, 300],
    ]) {
      const b = new RuntimeBuilder();
      const idx = order.map((pid) => b.process({ pid, comm: `in.telnetd`, exe: '/usr/sbin/in.telnetd' }));
      b.listener({ protocol: 'tcp', address: '0.0.0.0', port: 23, processes: idx });
      b.listener({ protocol: 'tcp', address: '0.0.0.0', port: 8081, processes: idx });
      const server = await rbaResult(SERVER, b.build());
      const unused = await rbaResult(UNUSED, b.build(), {
        [UNUSED]: { minDurationSeconds: 0 },
      });
      notes.push([server.evidence[0]!.note, unused.evidence.find((e) => e.value === '0.0.0.0:8081')!.note]);
    }
    expect(notes[0]).toEqual(notes[1]);
    expect(notes[0]![0]).toMatch(/in\.telnetd pid 200 .*in\.telnetd pid 300/);
  });
});
