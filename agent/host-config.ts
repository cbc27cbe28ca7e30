/**
 * Host configuration material for the `cis` rules package (issue 8): raw files, directory listings, stats
 * and live-host commands, bounded, with /etc/shadow, /etc/gshadow, /etc/passwd, /etc/group and GRUB
 * passwords redacted here, on the host. Interpretation belongs to functions/parsers and functions/core/facts.
 *
 * Live-host-only material (commands, /proc/modules, /proc/self/mounts) is recorded as not collected with
 * reason `not-live-host` under a root other than `/` (for /proc files: when the root has no such file).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import {
  redactGrub,
  redactGshadow,
  redactPasswdLike,
  redactRepoCredentials,
  redactShadow,
} from '../functions/core/telemetry/redact';
import {
  type FileRecord,
  HOST_CONFIG_LIMITS,
  LIMITS,
  SYSTEMD_UNIT_DIRECTORIES,
  type Telemetry,
} from '../functions/core/telemetry/schema';
import type { Collector } from './collect';
import {
  DEFAULT_WALK_MAX_ENTRIES,
  DEFAULT_WALK_MAX_SECONDS,
  idsOf,
  type WalkEngine,
  walkFileSystems,
} from './fs-walk';
import { collectKernelModules } from './kernel-modules';
import { readCapped } from './read-capped';
import { reasonOf } from './root-fs';
import { collectUserEnvironment } from './user-environment';

const CONFIG = LIMITS.maxConfigFileBytes;

/** Single configuration files, read whole (up to LIMITS.maxConfigFileBytes). */
export const HOST_CONFIG_FILES = [
  '/etc/fstab',
  '/etc/sysctl.conf',
  '/etc/audit/audit.rules',
  '/etc/audit/auditd.conf',
  '/etc/rsyslog.conf',
  '/etc/systemd/journald.conf',
  '/etc/logrotate.conf',
  '/etc/cron.allow',
  '/etc/cron.deny',
  '/etc/at.allow',
  '/etc/at.deny',
  '/etc/crontab',
  '/etc/aide/aide.conf',
  '/etc/aide.conf',
  '/etc/default/grub',
  '/etc/ufw/ufw.conf',
  '/etc/ufw/sysctl.conf',
  '/etc/ufw/before.rules',
  '/etc/ufw/before6.rules',
  '/etc/ufw/after.rules',
  '/etc/ufw/after6.rules',
  '/etc/ufw/user.rules',
  '/etc/ufw/user6.rules',
  '/etc/default/ufw',
  '/etc/nftables.conf',
  '/etc/sysconfig/nftables.conf',
  '/etc/firewalld/firewalld.conf',
  '/etc/sysconfig/iptables',
  '/etc/sysconfig/ip6tables',
  '/etc/iptables/rules.v4',
  '/etc/iptables/rules.v6',
  '/etc/selinux/config',
  '/sys/fs/selinux/enforce',
  '/sys/kernel/security/apparmor/profiles',
  '/sys/module/apparmor/parameters/enabled',
  '/etc/chrony/chrony.conf',
  '/etc/chrony.conf',
  '/etc/default/chrony',
  '/etc/sysconfig/chronyd',
  '/etc/systemd/timesyncd.conf',
  '/etc/ntp.conf',
  '/etc/ntpsec/ntp.conf',
  '/etc/sudoers',
  '/etc/issue',
  '/etc/issue.net',
  '/etc/motd',
  '/etc/crypto-policies/config',
  '/etc/security/limits.conf',
  '/etc/security/faillock.conf',
  '/etc/security/pwhistory.conf',
  '/etc/default/useradd',
  '/etc/bashrc',
  '/etc/bash.bashrc',
  '/etc/profile',
  '/etc/hosts.allow',
  '/etc/hosts.deny',
  '/etc/securetty',
  '/etc/systemd/coredump.conf',
  '/etc/systemd/system.conf',
  '/etc/default/login',
  '/etc/postfix/main.cf',
  '/etc/shells',
  '/etc/security/access.conf',
  // systemd-journal-upload (systemd_journal_upload_url, _server_tls).
  '/etc/systemd/journal-upload.conf',
  // The crypto policy update-crypto-policies applied (configure_crypto_policy).
  '/etc/crypto-policies/state/current',
  // sshd's environment file: CRYPTO_POLICY= opts sshd out of the system policy (configure_ssh_crypto_policy).
  '/etc/sysconfig/sshd',
  '/etc/libuser.conf',
  // Emergency and rescue modes (require_emergency_target_auth, require_singleuser_auth): the units, an
  // administrator's replacement in /etc, and the targets that start them.
  '/usr/lib/systemd/system/emergency.service',
  '/usr/lib/systemd/system/rescue.service',
  '/usr/lib/systemd/system/emergency.target',
  '/usr/lib/systemd/system/rescue.target',
  '/usr/lib/systemd/system/runlevel1.target',
  '/etc/systemd/system/emergency.service',
  '/etc/systemd/system/rescue.service',
  // GDM's daemon settings (xwayland_disabled).
  '/etc/gdm/custom.conf',
] as const;

/** Package manager configuration, read with credentials redacted (gpgcheck rules). */
export const REPO_CONFIG_FILES = ['/etc/dnf/dnf.conf', '/etc/yum.conf'] as const;
export const REPO_DIRECTORIES = ['/etc/yum.repos.d'] as const;

/** Files whose password arguments the agent replaces by `<redacted>` before recording them. */
export const GRUB_FILES = [
  '/boot/grub/grub.cfg',
  '/boot/grub2/grub.cfg',
  '/boot/grub2/user.cfg',
  '/boot/efi/EFI/debian/grub.cfg',
  '/boot/efi/EFI/ubuntu/grub.cfg',
  '/boot/efi/EFI/redhat/grub.cfg',
  '/boot/efi/EFI/rocky/grub.cfg',
  '/boot/efi/EFI/almalinux/grub.cfg',
  '/boot/efi/EFI/amzn/grub.cfg',
  '/etc/grub.d/01_users',
  '/etc/grub.d/40_custom',
] as const;

/** Directories whose regular files are read (optionally only those with the suffix), in name order. */
export const HOST_CONFIG_DIRECTORIES: ReadonlyArray<[string, string | undefined]> = [
  // modprobe(8) reads these, the first directory holding a name wins (kmod's order).
  ['/etc/modprobe.d', '.conf'],
  ['/run/modprobe.d', '.conf'],
  ['/usr/local/lib/modprobe.d', '.conf'],
  ['/usr/lib/modprobe.d', '.conf'],
  ['/lib/modprobe.d', '.conf'],
  // sysctl.d(5) directories in systemd-sysctl's order.
  ['/etc/sysctl.d', '.conf'],
  ['/run/sysctl.d', '.conf'],
  ['/usr/local/lib/sysctl.d', '.conf'],
  ['/usr/lib/sysctl.d', '.conf'],
  ['/lib/sysctl.d', '.conf'],
  ['/etc/audit/rules.d', '.rules'],
  ['/etc/rsyslog.d', '.conf'],
  ['/etc/systemd/journald.conf.d', '.conf'],
  ['/usr/lib/systemd/journald.conf.d', '.conf'],
  ['/etc/systemd/timesyncd.conf.d', '.conf'],
  ['/etc/sudoers.d', undefined],
  ['/etc/security/limits.d', '.conf'],
  ['/etc/security/faillock.conf.d', '.conf'],
  ['/etc/security/pwhistory.conf.d', '.conf'],
  ['/etc/profile.d', '.sh'],
  ['/etc/ufw/applications.d', undefined],
  ['/etc/firewalld/zones', '.xml'],
  // firewalld's shipped zones: an /etc zone file of the same name replaces one (firewalld loopback rules).
  ['/usr/lib/firewalld/zones', '.xml'],
  // agetty shows these after /etc/issue (banner_etc_issue).
  ['/etc/issue.d', undefined],
  // Drop-ins of the emergency and rescue units (their ExecStart).
  ['/etc/systemd/system/emergency.service.d', '.conf'],
  ['/etc/systemd/system/rescue.service.d', '.conf'],
  // Custom crypto policy modules (configure_custom_crypto_policy_cis).
  ['/etc/crypto-policies/policies/modules', '.pmod'],
  ['/etc/chrony/conf.d', '.conf'],
  // cron jobs: a periodic AIDE check is scheduled here.
  ['/etc/cron.d', undefined],
  // update-grub sources these after /etc/default/grub (kernel command line).
  ['/etc/default/grub.d', '.cfg'],
  ['/etc/chrony/sources.d', '.sources'],
  ['/etc/systemd/coredump.conf.d', '.conf'],
  ['/etc/aide/aide.conf.d', undefined],
  ['/etc/crypto-policies/local.d', undefined],
  ['/etc/systemd/journal-upload.conf.d', '.conf'],
  ['/usr/lib/systemd/journal-upload.conf.d', '.conf'],
];

/** Other directories listed: names, types, owner and mode of what they hold. */
export const LISTED_DIRECTORIES = [
  '/etc/apparmor.d',
  '/var/lib/aide',
  '/etc/cron.d',
  '/etc/cron.hourly',
  '/etc/cron.daily',
  '/etc/cron.weekly',
  '/etc/cron.monthly',
  '/etc/logrotate.d',
  '/etc/ssh',
  '/var/log',
  // auditd's log directory: its files' modes and owners (listed here too: /var/log's recursive listing is capped).
  '/var/log/audit',
  '/etc/selinux',
] as const;

/** Paths stat-ed for owner and mode (CIS file permission checks). */
export const STAT_PATHS = [
  '/etc/passwd',
  '/etc/passwd-',
  '/etc/group',
  '/etc/group-',
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/shells',
  '/etc/security/opasswd',
  '/etc/crontab',
  '/etc/cron.hourly',
  '/etc/cron.daily',
  '/etc/cron.weekly',
  '/etc/cron.monthly',
  '/etc/cron.d',
  '/etc/cron.allow',
  '/etc/cron.deny',
  '/etc/at.allow',
  '/etc/at.deny',
  '/boot/grub/grub.cfg',
  '/boot/grub2/grub.cfg',
  '/boot/grub2/user.cfg',
  '/etc/ssh/sshd_config',
  '/etc/sudoers',
  '/etc/audit',
  '/etc/audit/auditd.conf',
  '/var/log/audit',
  '/var/log',
  '/tmp',
  '/var/tmp',
  '/dev/shm',
  '/home',
  '/usr/bin/sudo',
  '/usr/sbin/auditctl',
  '/sbin/auditctl',
  '/usr/sbin/aide',
  '/usr/bin/aide',
  '/usr/sbin/nft',
  '/usr/sbin/iptables',
  '/usr/sbin/ufw',
  '/usr/bin/firewall-cmd',
  '/usr/sbin/getenforce',
  '/usr/sbin/apparmor_parser',
  '/sbin/apparmor_parser',
  '/usr/bin/journalctl',
  '/usr/sbin/rsyslogd',
  '/usr/sbin/chronyd',
  '/usr/lib/systemd/systemd-timesyncd',
  '/lib/systemd/systemd-timesyncd',
  '/usr/sbin/ntpd',
  '/run/systemd/system',
  '/etc/crypto-policies/back-ends/nss.config',
  // The rpm-sequoia back-end: its crypto policy module is needed only where it exists.
  '/etc/crypto-policies/back-ends/rpm-sequoia.config',
  // The default boot target (xwindows_runlevel_target): the link and where it leads.
  '/etc/systemd/system/default.target',
  // rsh host trust (no_rsh_trust_files).
  '/etc/hosts.equiv',
  '/etc/shosts.equiv',
] as const;

const SHADOW = '/etc/shadow';
const SYSTEMD_RUNTIME_DIR = '/run/systemd/system';
const GSHADOW = '/etc/gshadow';
const PROC_MODULES = '/proc/modules';
const PROC_MOUNTS = '/proc/self/mounts';
const COMMAND_TIMEOUT_MS = 10_000;
const COMMAND_MAX_BYTES = 4 * 1024 * 1024;
const MAX_WANTS_DIRECTORIES = 128;
const MAX_MOUNT_UNITS = 64;

export interface HostConfigOptions {
  /** The file system walk's budget; false skips it (recorded as not collected). */
  walk?: { maxEntries?: number; maxSeconds?: number; engine?: WalkEngine } | false;
  /** Seconds the run samples for: the walk's default time budget fits in it (1 s at least, 20 s at most). */
  durationSeconds: number;
}

export interface HostConfigResult {
  accounts: NonNullable<Telemetry['accounts']>;
  kernelModules: NonNullable<Telemetry['kernelModules']>;
  fileSystemWalk: NonNullable<Telemetry['fileSystemWalk']>;
  userEnvironment: NonNullable<Telemetry['userEnvironment']>;
}

/** What the walk needs, read first, and the walk itself, running (GNU find: in its own process). */
export interface StartedWalk {
  passwd: FileRecord;
  mounts: FileRecord;
  walk: Promise<HostConfigResult['fileSystemWalk']>;
}

/**
 * Reads /etc/passwd, /etc/group and the mount table, and starts the file system walk: the collection's
 * longest step, so it is started before anything else is read and runs beside the rest.
 */
export async function startFileSystemWalk(c: Collector, opts: HostConfigOptions): Promise<StartedWalk> {
  const rootFs = c.rootFs;
  // Accounts first: the walk needs the uids and gids.
  const [passwd, group] = await Promise.all([
    c.file('/etc/passwd', CONFIG, redactPasswdLike),
    c.file('/etc/group', CONFIG, redactPasswdLike),
  ]);
  const mounts = await liveProcFile(c, PROC_MOUNTS);
  const ownership =
    passwd.status === 'ok' && group.status === 'ok'
      ? {
          uids: idsOf(textOf(passwd.content, passwd.encoding)),
          gids: idsOf(textOf(group.content, group.encoding)),
        }
      : { missing: `/etc/passwd: ${passwd.status}, /etc/group: ${group.status}` };
  const walkOpt = opts.walk;
  const walk: Promise<HostConfigResult['fileSystemWalk']> =
    walkOpt === false
      ? Promise.resolve({ status: 'missing', reason: 'error', detail: 'the file system walk was turned off' })
      : walkFileSystems({
          rootFs,
          budget: {
            maxEntries: walkOpt?.maxEntries ?? DEFAULT_WALK_MAX_ENTRIES,
            maxSeconds:
              walkOpt?.maxSeconds ?? Math.min(DEFAULT_WALK_MAX_SECONDS, Math.max(1, opts.durationSeconds)),
          },
          ...(mounts.status === 'ok' ? { mounts: textOf(mounts.content, mounts.encoding) } : {}),
          ownership,
          ...(walkOpt?.engine ? { engine: walkOpt.engine } : {}),
        }).catch((err) => ({ status: 'missing', ...reasonOf(err) }) as const);
  return { passwd, mounts, walk };
}

/** Reads everything but the walk (started by startFileSystemWalk); returns a promise for all of it. */
export async function collectHostConfig(
  c: Collector,
  started: StartedWalk,
): Promise<{ done: Promise<HostConfigResult> }> {
  const rootFs = c.rootFs;
  const live = rootFs.isHostRoot;
  const { passwd, mounts, walk } = started;

  const running = live ? os.release() : undefined;
  const rest = (async (): Promise<Omit<HostConfigResult, 'fileSystemWalk'>> => {
    await Promise.all(STAT_PATHS.map((p) => c.stat(p)));
    // Commands run in their own processes while the agent reads files (systemctl list-unit-files takes
    // ~0.6 s on a host without a running systemd, which then scans the unit directories itself).
    const commands = liveCommands(c);
    await Promise.all([
      ...HOST_CONFIG_FILES.map((p) => c.file(p)),
      ...GRUB_FILES.map((p) => c.file(p, CONFIG, redactGrub)),
      ...REPO_CONFIG_FILES.map((p) => c.file(p, CONFIG, redactRepoCredentials)),
      wirelessInterfaces(c),
      authselectProfile(c),
      ...LISTED_DIRECTORIES.map((d) => c.listing(d)),
      liveProcFile(c, PROC_MODULES),
    ]);
    // One directory after the other: the files are recorded in a stable order.
    const budget = {
      remaining: HOST_CONFIG_LIMITS.maxDirectoryBytes,
      what: 'configuration directory',
      cut: 0,
    };
    for (const [dir, suffix] of HOST_CONFIG_DIRECTORIES) await c.directoryFiles(dir, suffix, CONFIG, budget);
    for (const dir of REPO_DIRECTORIES)
      await c.directoryFiles(dir, undefined, CONFIG, budget, redactRepoCredentials);
    if (budget.cut > 0)
      c.warnings.push(
        `configuration directories hold more than ${HOST_CONFIG_LIMITS.maxDirectoryBytes} bytes: ${budget.cut} files past the budget are recorded as not read (too-large)`,
      );
    await systemdUnits(c);
    const accounts = {
      shadow: await redacted(c, SHADOW, (t) => redactShadow(t, HOST_CONFIG_LIMITS)),
      gshadow: await redacted(c, GSHADOW, (t) => redactGshadow(t, HOST_CONFIG_LIMITS)),
    };
    const osrelease = await kernelRelease(c, running);
    const kernelModules = await collectKernelModules(rootFs, osrelease);
    const userEnvironment = await collectUserEnvironment(
      c,
      passwd,
      mounts.status === 'ok' ? textOf(mounts.content, mounts.encoding) : undefined,
    );
    await commands;
    return { accounts, kernelModules, userEnvironment };
  })();
  return {
    done: Promise.all([rest, walk]).then(([r, fileSystemWalk]) => ({ ...r, fileSystemWalk })),
  };
}

function textOf(content: string, encoding: 'utf8' | 'base64'): string {
  return encoding === 'utf8' ? content : Buffer.from(content, 'base64').toString('latin1');
}

const SYS_CLASS_NET = '/sys/class/net';
const MAX_WIRELESS_INTERFACES = 16;

/**
 * Network interfaces (live host): /sys/class/net listed, and the flags (IFF_UP is 0x1) of those named wl*
 * (wireless_disable_interfaces). Under another root the listing is recorded as live-host-only.
 */
async function wirelessInterfaces(c: Collector): Promise<void> {
  if (!c.rootFs.isHostRoot) {
    if (Object.keys(c.listings).length >= HOST_CONFIG_LIMITS.maxListings) return;
    c.listings[SYS_CLASS_NET] = {
      status: 'missing',
      reason: 'not-live-host',
      detail: `not a live host: network interfaces are those of the host running the agent, not of ${c.rootFs.root}`,
    };
    return;
  }
  const rec = await c.listing(SYS_CLASS_NET);
  if (rec.status !== 'ok') return;
  const wl = rec.entries.filter((e) => e.name.startsWith('wl')).slice(0, MAX_WIRELESS_INTERFACES);
  await Promise.all(wl.map((e) => c.file(`${SYS_CLASS_NET}/${e.name}/flags`, 64)));
}

const AUTHSELECT_CONF = '/etc/authselect/authselect.conf';

/**
 * The PAM files of the authselect profile (accounts_password_pam_modules_in_authselect_profile) /etc/authselect/authselect.conf selects (its first line, e.g.
 * `custom/cis`): /etc/authselect/<profile>/system-auth and password-auth. A profile id that is not a plain
 * `[custom/]name` is not followed.
 */
async function authselectProfile(c: Collector): Promise<void> {
  const rec = await c.file(AUTHSELECT_CONF);
  if (rec.status !== 'ok') return;
  const id = textOf(rec.content, rec.encoding)
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (!id || !/^(?:custom\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id)) return;
  await Promise.all(['system-auth', 'password-auth'].map((f) => c.file(`/etc/authselect/${id}/${f}`)));
}

/** A /proc file: read under the root; under another root, one that is not there is live-host-only. */
async function liveProcFile(c: Collector, p: string) {
  const rec = await c.file(p);
  if (!c.rootFs.isHostRoot && rec.status === 'missing' && rec.reason === 'not-found') {
    c.notCollected(p, 'not-live-host', `not a live host: ${c.rootFs.root} has no ${p}`);
    return c.files[p]!;
  }
  return rec;
}

async function kernelRelease(c: Collector, running: string | undefined): Promise<string | undefined> {
  if (running) return running;
  try {
    const h = await fs.open(await c.rootFs.resolve('/proc/sys/kernel/osrelease'), 'r');
    try {
      return (await readCapped(h, 256)).toString('utf8').trim() || undefined;
    } finally {
      await h.close();
    }
  } catch {
    return undefined;
  }
}

/** systemd unit directories: names and link targets; *.wants/*.requires/*.d subdirectories listed too. */
async function systemdUnits(c: Collector): Promise<void> {
  let wants = 0;
  let mountUnits = 0;
  for (const dir of SYSTEMD_UNIT_DIRECTORIES) {
    const rec = await c.listing(dir);
    if (rec.status !== 'ok') continue;
    const subdirs = rec.entries.filter(
      (e) =>
        e.type === 'directory' && /\.(wants|requires|d)$/.test(e.name) && dir !== '/usr/lib/systemd/system',
    );
    for (const e of subdirs) {
      if (++wants > MAX_WANTS_DIRECTORIES) {
        c.warnings.push(
          `systemd: more than ${MAX_WANTS_DIRECTORIES} .wants/.requires/.d directories, the rest not listed`,
        );
        break;
      }
      await c.listing(`${dir}/${e.name}`);
    }
    // Mount units (tmp.mount, var-tmp.mount...): their options decide CIS's mount checks.
    for (const e of rec.entries) {
      if (e.type !== 'file' || !e.name.endsWith('.mount')) continue;
      if (++mountUnits > MAX_MOUNT_UNITS) break;
      await c.file(`${dir}/${e.name}`);
    }
  }
}

async function liveCommands(c: Collector): Promise<void> {
  const opts = { timeoutMs: COMMAND_TIMEOUT_MS, maxBytes: COMMAND_MAX_BYTES };
  const has = (...ps: string[]) => ps.some((p) => c.paths[p]?.status === 'ok');
  const systemctl: Array<[string, string[]]> = [
    ['systemctl-unit-files', ['systemctl', 'list-unit-files', '--no-pager', '--no-legend']],
    ['systemctl-units', ['systemctl', 'list-units', '--all', '--no-pager', '--no-legend']],
  ];
  // sd_booted(3): systemd runs the host when /run/systemd/system exists. Without it systemctl cannot tell
  // unit state (list-unit-files then scans the unit directories itself, ~0.6 s, what the listings hold).
  const booted = c.paths[SYSTEMD_RUNTIME_DIR]?.status === 'ok';
  for (const [key, argv] of systemctl) {
    if (booted || !c.rootFs.isHostRoot) continue;
    c.commands[key] = {
      status: 'missing',
      argv,
      reason: 'not-found',
      detail: `systemd is not running this host (no ${SYSTEMD_RUNTIME_DIR}): unit state comes from the unit directories`,
    };
  }
  await Promise.all(
    systemctl.filter(([key]) => !c.commands[key]).map(([key, argv]) => c.command(key, argv, opts)),
  );

  // Only commands whose program exists are run (a missing one is recorded by the path stat).
  const optional: Array<[string, string[], boolean]> = [
    ['auditctl-rules', ['auditctl', '-l'], has('/usr/sbin/auditctl', '/sbin/auditctl')],
    ['auditctl-status', ['auditctl', '-s'], has('/usr/sbin/auditctl', '/sbin/auditctl')],
    ['nft-ruleset', ['nft', 'list', 'ruleset'], has('/usr/sbin/nft')],
    ['iptables', ['iptables', '-S'], has('/usr/sbin/iptables')],
    ['ip6tables', ['ip6tables', '-S'], has('/usr/sbin/iptables')],
  ];
  await Promise.all(
    optional.map(([key, argv, present]) =>
      present || !c.rootFs.isHostRoot ? c.command(key, argv, opts) : Promise.resolve(),
    ),
  );
}

/** Reads a secret file and records only what `redact` keeps, with the file's own stat. */
async function redacted<T>(
  c: Collector,
  p: string,
  redact: (text: string) => { entries: T[]; malformed: number; truncated: boolean },
) {
  try {
    const host = await c.rootFs.resolve(p);
    const st = await fs.stat(host);
    if (!st.isFile())
      return { status: 'missing', reason: 'not-a-file', detail: `${p} is not a regular file` } as const;
    const h = await fs.open(host, 'r');
    let buf: Buffer;
    try {
      buf = await readCapped(h, LIMITS.maxFileBytes);
    } finally {
      await h.close();
    }
    if (buf.byteLength > LIMITS.maxFileBytes)
      return {
        status: 'missing',
        reason: 'too-large',
        detail: `${p} is larger than ${LIMITS.maxFileBytes} bytes`,
      } as const;
    const r = redact(buf.toString('latin1'));
    buf.fill(0);
    if (r.truncated)
      c.warnings.push(`${p}: only the first ${HOST_CONFIG_LIMITS.maxAccountEntries} entries recorded`);
    return {
      status: 'ok',
      mode: st.mode,
      uid: st.uid,
      gid: st.gid,
      size: st.size,
      entries: r.entries,
      malformed: r.malformed,
      truncated: r.truncated,
    } as const;
  } catch (err) {
    return { status: 'missing', ...reasonOf(err) } as const;
  }
}
