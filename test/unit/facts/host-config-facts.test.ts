import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import {
  groupEntries,
  gshadowEntries,
  passwdEntries,
  shadowEntries,
  shadowOf,
  usersWithPassword,
} from '../../../functions/core/facts/accounts';
import { loadedAuditRules, persistentAuditRules, rulesWithKey } from '../../../functions/core/facts/audit';
import { Facts } from '../../../functions/core/facts/facts';
import {
  loadedModules,
  modprobeConfig,
  moduleFiles,
  moduleLoadConfig,
} from '../../../functions/core/facts/modules';
import { configuredMount, fstabEntries, liveMount, liveMounts } from '../../../functions/core/facts/mounts';
import { persistentSysctl, sysctlSetting } from '../../../functions/core/facts/sysctl';
import { unitActiveState, unitFileState } from '../../../functions/core/facts/systemd';
import { parseTelemetry, type Telemetry } from '../../../functions/core/telemetry';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';

afterAll(cleanupRoots);

let doc: Telemetry;
let facts: Facts;

beforeAll(async () => {
  const root = makeRoot({
    files: {
      '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n+::::::\n',
      '/etc/group': 'root:x:0:\nalice:x:1000:\n',
      '/etc/shadow':
        'root:*:19800:0:99999:7:::\nalice:$y$j9T$abcdefgh$ijklmnopqrstuvwxyz0123456789ABCDEFGHIJK:19850:1:365:7:::\n',
      '/etc/gshadow': 'root:*::\nalice:!::\n',
      '/usr/lib/sysctl.d/50-default.conf': 'net.ipv4.ip_forward = 1\nkernel.sysrq = 16\n',
      '/usr/lib/sysctl.d/40-masked.conf': 'kernel.randomize_va_space = 0\n',
      '/etc/sysctl.d/60-cis.conf': 'net.ipv4.ip_forward = 0\n',
      '/etc/sysctl.conf': '#net.ipv4.ip_forward=1\nkernel.sysrq = 0\n',
      '/etc/modprobe.d/cis.conf':
        'install cramfs /bin/false\nblacklist cramfs\ninstall usb-storage /bin/true\n',
      '/etc/modprobe.d/udf.conf': 'install udf /bin/false\n',
      '/usr/lib/modprobe.d/udf.conf': 'install udf /sbin/modprobe --ignore-install udf\n',
      '/usr/lib/modprobe.d/zz-tipc.conf': 'install tipc /sbin/modprobe --ignore-install tipc\n',
      '/etc/fstab': 'UUID=1 / ext4 defaults 0 1\ntmpfs /tmp tmpfs defaults,nodev,nosuid 0 0\n',
      '/etc/systemd/system/dev-shm.mount':
        '[Mount]\nWhat=tmpfs\nWhere=/dev/shm\nType=tmpfs\nOptions=nodev,nosuid,noexec\n',
      '/usr/lib/systemd/system/auditd.service': '[Unit]\n',
      '/usr/lib/systemd/system/rsyslog.service': '[Unit]\n',
      '/usr/lib/systemd/system/avahi-daemon.service': '[Unit]\n',
      '/etc/audit/rules.d/50-identity.rules': '-w /etc/passwd -p wa -k identity\n',
      '/etc/audit/rules.d/51-identity-more.rules':
        '-a always,exit -F path=/etc/group -F perm=wa -F key=identity\n',
      '/etc/audit/audit.rules': '-w /ignored -p wa -k identity\n',
      '/lib/modules/6.1.0-9-amd64/modules.dep': 'kernel/fs/cramfs/cramfs.ko.xz:\n',
    },
    symlinks: {
      '/etc/sysctl.d/40-masked.conf': '/dev/null',
      '/etc/systemd/system/avahi-daemon.service': '/dev/null',
      '/etc/systemd/system/multi-user.target.wants/auditd.service': '/usr/lib/systemd/system/auditd.service',
    },
    sysctl: { 'net.ipv4.ip_forward': '1', 'kernel.ostype': 'Linux' },
  });
  doc = parseTelemetry(await collectTelemetry({ root, runId: 'r', instanceId: 'i', walk: false }));
  facts = new Facts(doc);
});

describe('sysctl facts', () => {
  it('persistent value: last file wins in systemd order, /etc/sysctl.conf last; /dev/null masks', () => {
    const p = persistentSysctl(facts);
    expect(p.ok && p.value.files).toEqual([
      '/etc/sysctl.d/40-masked.conf',
      '/usr/lib/sysctl.d/50-default.conf',
      '/etc/sysctl.d/60-cis.conf',
      '/etc/sysctl.conf',
    ]);
    const s = sysctlSetting(facts, 'net/ipv4/ip_forward');
    expect(s.persistent).toMatchObject({
      ok: true,
      value: { value: '0', file: '/etc/sysctl.d/60-cis.conf', line: 1 },
    });
    expect(s.overridden.map((o) => o.file)).toEqual(['/usr/lib/sysctl.d/50-default.conf']);
    expect(s.runtime).toEqual({ ok: true, value: '1' });
    expect(sysctlSetting(facts, 'kernel.sysrq').persistent).toMatchObject({
      value: { value: '0', file: '/etc/sysctl.conf' },
    });
    expect(sysctlSetting(facts, 'kernel.randomize_va_space').persistent).toEqual({
      ok: true,
      value: undefined,
    });
  });

  it('a root without /proc/sys: the runtime value could not be established, not a live host', () => {
    const s = sysctlSetting(facts, 'kernel.sysrq');
    expect(s.runtime.ok).toBe(false);
    expect(!s.runtime.ok && s.runtime.reason).toMatch(/^not a live host/);
  });
});

describe('kernel module facts', () => {
  it('install lines: the first read wins, a same-named file in /etc hides /usr/lib', () => {
    expect(moduleLoadConfig(facts, 'cramfs')).toMatchObject({
      ok: true,
      value: { install: { disables: true, file: '/etc/modprobe.d/cis.conf' }, blacklist: [{ line: 2 }] },
    });
    expect(moduleLoadConfig(facts, 'usb_storage')).toMatchObject({ value: { install: { disables: true } } });
    expect(moduleLoadConfig(facts, 'udf')).toMatchObject({
      value: { install: { disables: true, file: '/etc/modprobe.d/udf.conf' } },
    });
    expect(moduleLoadConfig(facts, 'tipc')).toMatchObject({ value: { install: { disables: false } } });
    expect(moduleLoadConfig(facts, 'sctp')).toEqual({ ok: true, value: { module: 'sctp', blacklist: [] } });
    const c = modprobeConfig(facts);
    expect(c.ok && c.value.hidden).toEqual([
      { path: '/usr/lib/modprobe.d/udf.conf', by: '/etc/modprobe.d/udf.conf' },
    ]);
  });

  it('loaded modules are not established on a root that is not a live host', () => {
    const l = loadedModules(facts);
    expect(!l.ok && l.reason).toMatch(/^not a live host: (?!not a live host)/);
  });

  it('module files per release', () => {
    expect(moduleFiles(facts, 'cramfs')).toEqual({
      ok: true,
      value: [
        {
          release: '6.1.0-9-amd64',
          running: false,
          files: ['kernel/fs/cramfs/cramfs.ko.xz'],
          builtin: false,
        },
      ],
    });
    expect(moduleFiles(facts, 'squashfs')).toMatchObject({
      ok: true,
      value: [{ files: [], builtin: false }],
    });
    expect(moduleFiles(facts, 'ext4').ok).toBe(false);
  });
});

describe('mount facts', () => {
  it('fstab first, else a mount unit; nothing configured is undefined', () => {
    expect(fstabEntries(facts)).toMatchObject({
      ok: true,
      value: [{ mountPoint: '/' }, { mountPoint: '/tmp' }],
    });
    expect(configuredMount(facts, '/tmp')).toMatchObject({
      ok: true,
      value: { source: 'fstab', line: 2, options: ['defaults', 'nodev', 'nosuid'] },
    });
    expect(configuredMount(facts, '/dev/shm')).toMatchObject({
      ok: true,
      value: {
        source: 'mount-unit',
        path: '/etc/systemd/system/dev-shm.mount',
        options: ['nodev', 'nosuid', 'noexec'],
      },
    });
    expect(configuredMount(facts, '/var/tmp')).toEqual({ ok: true, value: undefined });
  });

  it('live mounts are not established on a root that is not a live host', () => {
    // regression: the agent's detail already starts "not a live host"; it was prefixed a second time
    expect(!liveMounts(facts).ok && (liveMounts(facts) as { reason: string }).reason).toMatch(
      /^not a live host: (?!not a live host)/,
    );
    expect(liveMount(facts, '/tmp').ok).toBe(false);
  });
});

describe('systemd facts', () => {
  it('from the unit directories: masked, enabled by a wants link, disabled, not found', () => {
    expect(unitFileState(facts, 'avahi-daemon.service')).toMatchObject({
      ok: true,
      value: { source: 'unit-directories', state: { state: 'masked' } },
    });
    expect(unitFileState(facts, 'auditd.service')).toMatchObject({
      value: {
        state: { state: 'enabled', by: ['/etc/systemd/system/multi-user.target.wants/auditd.service'] },
      },
    });
    expect(unitFileState(facts, 'rsyslog.service')).toMatchObject({
      value: { state: { state: 'disabled' } },
    });
    expect(unitFileState(facts, 'telnet.socket')).toMatchObject({ value: { state: { state: 'not-found' } } });
  });

  it('active state is not established on a root that is not a live host', () => {
    const a = unitActiveState(facts, 'auditd.service');
    expect(!a.ok && a.reason).toMatch(/^not a live host/);
  });

  it('systemctl output wins on a live host', () => {
    const live = new Facts({
      ...doc,
      root: '/',
      commands: {
        ...doc.commands,
        'systemctl-unit-files': {
          status: 'ok',
          argv: ['systemctl'],
          exitCode: 0,
          stdout: 'auditd.service enabled enabled\navahi-daemon.service masked enabled\n',
          stderr: '',
        },
        'systemctl-units': {
          status: 'ok',
          argv: ['systemctl'],
          exitCode: 0,
          stdout: '  auditd.service loaded active running Security Auditing Service\n',
          stderr: '',
        },
      },
    });
    expect(unitFileState(live, 'auditd.service')).toMatchObject({
      value: { source: 'systemctl', state: { state: 'enabled' } },
    });
    expect(unitFileState(live, 'rsyslog.service')).toMatchObject({
      value: { source: 'systemctl', state: { state: 'not-found' } },
    });
    expect(unitActiveState(live, 'auditd.service')).toMatchObject({
      ok: true,
      value: { active: 'active', sub: 'running' },
    });
  });
});

describe('audit facts', () => {
  it('rules.d files in name order, split rules and both key forms; audit.rules not used when rules.d has rules', () => {
    const r = persistentAuditRules(facts);
    expect(r).toMatchObject({ ok: true, value: { source: 'rules.d' } });
    if (!r.ok) return;
    expect(rulesWithKey(r.value.rules, 'identity').map((x) => x.file)).toEqual([
      '/etc/audit/rules.d/50-identity.rules',
      '/etc/audit/rules.d/51-identity-more.rules',
    ]);
  });

  it('loaded rules are not established on a root that is not a live host', () => {
    const l = loadedAuditRules(facts);
    expect(!l.ok && l.reason).toMatch(/^not a live host: (?!not a live host)/);
  });
});

describe('account facts', () => {
  it('passwd, group, redacted shadow and gshadow', () => {
    expect(passwdEntries(facts)).toMatchObject({
      ok: true,
      value: { entries: [{ name: 'root' }, { name: 'alice' }], problems: [expect.stringContaining('NIS')] },
    });
    expect(groupEntries(facts)).toMatchObject({ ok: true, value: { entries: [{ gid: 0 }, { gid: 1000 }] } });
    expect(shadowOf(facts, 'alice')).toMatchObject({
      ok: true,
      value: { password: { state: 'hash', scheme: 'yescrypt' }, maxDays: 365 },
    });
    expect(usersWithPassword(facts)).toMatchObject({ ok: true, value: [{ name: 'alice' }] });
    expect(gshadowEntries(facts)).toMatchObject({
      ok: true,
      value: { entries: [{ name: 'root' }, { name: 'alice' }] },
    });
    expect(shadowEntries(facts)).toMatchObject({ value: { stat: { uid: 0 } } });
  });
});

describe('material an older agent did not collect', () => {
  it('every fact says why it could not be established, none defaults silently', () => {
    const old = new Facts({
      ...doc,
      files: {},
      paths: {},
      commands: {},
      listings: undefined,
      accounts: undefined,
      kernelModules: undefined,
    } as Telemetry);
    const results = {
      sysctl: persistentSysctl(old),
      modprobe: modprobeConfig(old),
      moduleFiles: moduleFiles(old, 'cramfs'),
      loaded: loadedModules(old),
      fstab: fstabEntries(old),
      mount: configuredMount(old, '/tmp'),
      unit: unitFileState(old, 'auditd.service'),
      audit: persistentAuditRules(old),
      passwd: passwdEntries(old),
      shadow: shadowEntries(old),
      gshadow: gshadowEntries(old),
    };
    for (const [name, r] of Object.entries(results)) {
      expect(r.ok, name).toBe(false);
      expect(!r.ok && r.reason, name).toMatch(/not (collected|looked at|listed)|did not run/);
    }
  });
});

describe('file system walk facts', () => {
  const walkDoc = (w: Telemetry['fileSystemWalk']) => new Facts({ ...doc, fileSystemWalk: w });
  const cats = (over: Partial<Record<string, unknown>> = {}) => {
    const empty = { count: 0, items: [], truncated: false };
    return {
      worldWritableFiles: empty,
      worldWritableDirectoriesWithoutSticky: empty,
      unownedFiles: empty,
      ungroupedFiles: empty,
      suidFiles: empty,
      sgidFiles: empty,
      ...over,
    } as Extract<NonNullable<Telemetry['fileSystemWalk']>, { status: 'ok' }>['categories'];
  };
  const walk = (complete: boolean, over = {}, ownership: 'ok' | 'missing' = 'ok') =>
    ({
      status: 'ok',
      budget: { maxEntries: 10, maxSeconds: 1 },
      roots: ['/'],
      skipped: [],
      mountSource: 'proc-mounts',
      entriesVisited: 10,
      elapsedMs: 5,
      complete,
      ...(complete ? {} : { stoppedBy: 'time' }),
      unreadableDirectories: 0,
      ownership:
        ownership === 'ok'
          ? { status: 'ok' }
          : { status: 'missing', reason: 'not-found', detail: 'no passwd' },
      categories: cats(over),
    }) as Telemetry['fileSystemWalk'];

  it('a complete walk establishes absence; an incomplete one only what it found', async () => {
    const { walkFindings } = await import('../../../functions/core/facts/file-system-walk');
    expect(walkFindings(walkDoc(walk(true)), 'worldWritableFiles')).toMatchObject({
      ok: true,
      value: { count: 0, complete: true },
    });
    const found = { count: 1, items: [{ path: '/srv/x', mode: 0o100666, uid: 0, gid: 0 }], truncated: false };
    expect(
      walkFindings(walkDoc(walk(false, { worldWritableFiles: found })), 'worldWritableFiles'),
    ).toMatchObject({
      ok: true,
      value: {
        count: 1,
        complete: false,
        incompleteBecause: 'the walk stopped at its time budget after 10 entries',
      },
    });
  });

  it('no walk, or no passwd for the owner checks: could not be established', async () => {
    const { walkFindings } = await import('../../../functions/core/facts/file-system-walk');
    expect(walkFindings(facts, 'suidFiles')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('turned off'),
    });
    expect(walkFindings(walkDoc(undefined), 'suidFiles')).toMatchObject({ ok: false });
    expect(walkFindings(walkDoc(walk(true, {}, 'missing')), 'unownedFiles')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('no passwd'),
    });
    expect(walkFindings(walkDoc(walk(true, {}, 'missing')), 'suidFiles').ok).toBe(true);
  });
});
