/**
 * Root trees and telemetry for the cis package's tests: a RootSpec plus the material the CIS templates
 * read (installed dpkg packages, file owners, a Debian 12 or Ubuntu 22.04 os-release), collected by the real
 * agent. `live` turns the document into a running host's (root `/`, systemctl output as given; /proc files
 * come from the spec: /proc/sys via `sysctl`, /proc/modules and /proc/self/mounts as files): the agent
 * cannot run a fixture's systemctl, so the test supplies what it would print.
 *
 * Per benchmark, CIS_ROOTS holds a root meant to pass most controls and one meant to fail them (the
 * templates of issue 8 add their material here).
 */
import { chownSync } from 'node:fs';
import path from 'node:path';
import { collectTelemetry } from '../../agent/collect';
import { Facts } from '../../functions/core/facts/facts';
import { parseTelemetry, type Telemetry } from '../../functions/core/telemetry';
import { globMatch } from '../../functions/core/telemetry/glob-match';
import {
  BENCHMARKS,
  type BenchmarkId,
  CAC_RULES,
  templateName,
  templateVars,
} from '../../functions/rules/cis/data';
import type { EvaluatorInput } from '../../functions/rules/cis/evaluators';
import { rulePaths } from '../../functions/rules/cis/evaluators/files';
import { sysctlExpected } from '../../functions/rules/cis/evaluators/sysctl';
import { guard } from '../../functions/rules/cis/evaluators/template-helpers';
import {
  AIDE_AUDIT_TOOLS,
  AUDIT_EXAMPLES,
  CIS_AUDIT_EXTRA,
  DEBIAN_AIDE_CONF,
  DEBIAN_AIDE_TIMER,
  DEBIAN_AUDITD_CONF,
  DEBIAN_AUDITD_SERVICE,
  DEBIAN_BASH_BASHRC,
  DEBIAN_DEFAULT_GRUB,
  DEBIAN_JOURNAL_UPLOAD_CONF,
  DEBIAN_LIMITS,
  DEBIAN_LOGIN_DEFS,
  DEBIAN_NFTABLES_CONF,
  DEBIAN_PAM,
  DEBIAN_PROFILE,
  DEBIAN_PWQUALITY,
  DEBIAN_ROOT_BASHRC,
  DEBIAN_ROOT_PROFILE,
  DEBIAN_SKEL,
  DEBIAN_SU,
  DEBIAN_SUDOERS,
  DEBIAN_TIMESYNCD_CONF,
  DEBIAN_UFW_CONF,
  DEBIAN_USERADD,
  HARDENED_AUDITD_CONF,
  HARDENED_IPTABLES,
  HARDENED_NFT,
  HARDENED_PAM,
} from './cis-material';
import { stanza } from './debian-records';
import { makeRoot, type RootSpec } from './fixture-root';

export const OS_RELEASE = {
  debian12:
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n',
  ubuntu2204:
    'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n',
} as const;
export type CisOs = keyof typeof OS_RELEASE;

export interface LiveSpec {
  /** `systemctl list-unit-files` states by unit (enabled, disabled, masked, static...). */
  unitFiles?: Record<string, string>;
  /** `systemctl list-units --all` active state by unit (active, inactive, failed). */
  units?: Record<string, string>;
}

export interface CisRootSpec extends RootSpec {
  os?: CisOs;
  /** Installed dpkg packages (name → version, or names at version 1.0-1). */
  packages?: Record<string, string> | string[];
  /** path → [uid, gid], applied after the tree is made (tests run as root). */
  owners?: Record<string, [number, number]>;
  live?: LiveSpec;
}

export const BASE_PASSWD =
  'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nsyslog:x:104:111::/home/syslog:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\n';
export const BASE_GROUP =
  'root:x:0:\nadm:x:4:syslog\nshadow:x:42:\nutmp:x:43:\ncrontab:x:106:\nsystemd-journal:x:999:\nsyslog:x:111:\nalice:x:1000:\n';

/** The spec with os-release, passwd/group (unless given) and the dpkg database. */
export function withBase(spec: CisRootSpec): RootSpec {
  const pk = Array.isArray(spec.packages)
    ? Object.fromEntries(spec.packages.map((p) => [p, '1.0-1']))
    : (spec.packages ?? {});
  // base-files is always there: an empty dpkg database is no inventory at all.
  const status = Object.entries({ 'base-files': '12.4+deb12u5', ...pk })
    .map(([n, v]) => stanza(n, v))
    .join('\n\n');
  return {
    ...spec,
    files: {
      '/etc/os-release': OS_RELEASE[spec.os ?? 'debian12'],
      '/etc/passwd': BASE_PASSWD,
      '/etc/group': BASE_GROUP,
      '/var/lib/dpkg/status': `${status}\n`,
      ...spec.files,
    },
    sysctl: { 'kernel.ostype': 'Linux', ...spec.sysctl },
  };
}

export function makeCisRoot(spec: CisRootSpec): string {
  const root = makeRoot(withBase(spec));
  for (const [p, [uid, gid]] of Object.entries(spec.owners ?? {})) chownSync(path.join(root, p), uid, gid);
  return root;
}

/** Telemetry of a root built from the spec (the real agent; `live` as described above). */
export async function cisTelemetry(spec: CisRootSpec): Promise<Telemetry> {
  const root = makeCisRoot(spec);
  const doc = await collectTelemetry({ root, runId: 'run-cis', instanceId: 'i-cis', walk: false });
  if (spec.live) makeLive(doc, spec.live);
  return parseTelemetry(doc);
}

export async function cisFacts(spec: CisRootSpec): Promise<Facts> {
  return new Facts(await cisTelemetry(spec));
}

/** Rewrites a fixture's document as a running host's: root `/` and the systemctl output given. */
export function makeLive(doc: Telemetry, live: LiveSpec): void {
  doc.root = '/';
  // systemd runs the host (sd_booted: /run/systemd/system exists).
  doc.paths['/run/systemd/system'] = { status: 'ok', type: 'directory', mode: 0o40755, uid: 0, gid: 0 };
  const unitFiles = Object.entries(live.unitFiles ?? {})
    .map(([u, s]) => `${u} ${s} enabled`)
    .join('\n');
  const units = Object.entries(live.units ?? {})
    .map(([u, a]) => `${u} loaded ${a} ${a === 'active' ? 'running' : 'dead'} ${u}`)
    .join('\n');
  doc.commands['systemctl-unit-files'] = {
    status: 'ok',
    argv: ['systemctl', 'list-unit-files', '--no-pager', '--no-legend'],
    exitCode: 0,
    stdout: `${unitFiles}\n`,
    stderr: '',
  };
  doc.commands['systemctl-units'] = {
    status: 'ok',
    argv: ['systemctl', 'list-units', '--all', '--no-pager', '--no-legend'],
    exitCode: 0,
    stdout: `${units}\n`,
    stderr: '',
  };
}

/** Templates whose material CIS_ROOTS builds from the benchmark (the generic ones of issue 8). */
export const GENERIC_TEMPLATES = [
  'file_permissions',
  'file_owner',
  'file_groupowner',
  'file_existence',
  'package_installed',
  'package_removed',
  'package_installed_guard_var',
  'package_removed_guard_var',
  'sysctl',
  'service_disabled',
  'service_enabled',
  'service_disabled_guard_var',
  'service_enabled_guard_var',
  'mount',
  'mount_option',
  'kernel_module_disabled',
];

const idOf = (table: string, spec: string): number | undefined => {
  for (const name of spec.split('|')) {
    if (/^\d+$/.test(name)) return Number(name);
    const line = table.split('\n').find((l) => l.startsWith(`${name}:`));
    if (line) return Number(line.split(':')[2]);
  }
  return undefined;
};
const CONTENT: Record<string, string> = {
  '/etc/passwd': BASE_PASSWD,
  '/etc/passwd-': BASE_PASSWD,
  '/etc/group': BASE_GROUP,
  '/etc/group-': BASE_GROUP,
  '/etc/shadow': 'root:*:19800:0:99999:7:::\nalice:!:19800:1:365:7:::\n',
  '/etc/gshadow': 'root:*::\nshadow:*::\n',
};
const TMPFS = new Set(['/tmp', '/dev/shm']);
/** Files the directory rules (file_regex) of the benchmarks find by name. */
const SAMPLE_FILES = [
  '/etc/ssh/ssh_host_ed25519_key',
  '/etc/ssh/ssh_host_ed25519_key.pub',
  '/etc/ssh/sshd_config.d/50-cloud-init.conf',
  '/etc/audit/rules.d/50-cis.rules',
  '/var/log/syslog.1',
  '/var/log/cloud-init.log',
  '/var/log/lastlog',
  '/var/log/wtmp',
  '/var/log/apt/history.log',
  '/var/log/journal/0f6a3e2c9b7d4e1f8a2b3c4d5e6f7a8b/system.journal',
];

/**
 * A root for a benchmark's generic-template rules, built from the benchmark itself: `pass` gives each rule
 * the state it asks for (sysctl.d and /proc/sys values, modprobe.d lines, packages, unit files and their
 * systemctl state, fstab and /proc/self/mounts options, file modes and owners), `fail` the opposite
 * (wrong values, nothing disabled, forbidden packages installed and their units enabled and running,
 * options missing, files 0777 owned by alice). Always `live` (a running host): call with live: undefined
 * to see an image root.
 */
export function cisBenchmarkRoot(benchmark: BenchmarkId, kind: 'pass' | 'fail'): CisRootSpec {
  const b = BENCHMARKS[benchmark];
  const good = kind === 'pass';
  const files: NonNullable<RootSpec['files']> = {};
  const dirs: NonNullable<RootSpec['dirs']> = {};
  const symlinks: NonNullable<RootSpec['symlinks']> = {};
  const owners: NonNullable<CisRootSpec['owners']> = {};
  const sysctl: Record<string, string> = {};
  const sysctlConf: string[] = [];
  const modprobe: string[] = [];
  const need = new Set<string>();
  const versions: Record<string, string> = {};
  const forbid = new Set<string>();
  const enable = new Set<string>();
  const disable = new Map<string, string>();
  const mounts = new Map<string, Set<string>>();
  const fileModes = new Map<
    string,
    { mode: number; uid: number; gid: number; dir: boolean; exists: boolean }
  >();
  const seen = new Set<string>();
  const regexRules: Array<{ template: string; vars: Record<string, string> }> = [];
  for (const c of b.controls)
    for (const r of c.rules) {
      if (seen.has(r)) continue;
      seen.add(r);
      const meta = CAC_RULES.rules[r];
      const t = meta && templateName(meta, benchmark);
      if (!meta || !t || !GENERIC_TEMPLATES.includes(t)) continue;
      const vars = templateVars(meta, benchmark);
      const input: EvaluatorInput = { ruleId: r, benchmark, vars, variables: b.variables };
      switch (t) {
        case 'sysctl': {
          const want = sysctlExpected(input)[0] ?? '0';
          const v = good ? want : want === '0' ? '1' : '0';
          sysctl[vars.sysctlvar!] = v;
          sysctlConf.push(`${vars.sysctlvar} = ${v}`);
          break;
        }
        case 'kernel_module_disabled':
          if (good) modprobe.push(`install ${vars.kernmodule} /bin/false`, `blacklist ${vars.kernmodule}`);
          break;
        case 'package_installed':
          need.add(vars.pkgname!);
          if (vars.evr) versions[vars.pkgname!] = vars.evr.replace(/^0:/, '');
          break;
        case 'package_installed_guard_var':
          if (guard(input).selected) need.add(vars.pkgname!);
          break;
        case 'package_removed':
          for (const p of vars.pkgname!.startsWith('[')
            ? (JSON.parse(vars.pkgname!) as string[])
            : [vars.pkgname!])
            forbid.add(p);
          break;
        case 'package_removed_guard_var':
          if (!guard(input).selected) forbid.add(vars.pkgname!);
          break;
        case 'service_enabled':
        case 'service_enabled_guard_var':
          if (t === 'service_enabled' || guard(input).selected) {
            need.add(vars.packagename ?? vars.servicename!);
            enable.add(vars.servicename!);
          }
          break;
        case 'service_disabled':
        case 'service_disabled_guard_var':
          if (t === 'service_disabled' || !guard(input).selected)
            disable.set(vars.servicename!, vars.packagename ?? vars.servicename!);
          break;
        case 'mount':
        case 'mount_option': {
          const set = mounts.get(vars.mountpoint!) ?? new Set<string>();
          if (vars.mountoption) for (const o of vars.mountoption.split(/[ ,]/)) set.add(o);
          mounts.set(vars.mountpoint!, set);
          break;
        }
        default: {
          // file_permissions, file_owner, file_groupowner, file_existence
          if (vars.file_regex) {
            regexRules.push({ template: t, vars });
            break;
          }
          for (const p of rulePaths(vars, benchmark)) {
            const dir = p.endsWith('/');
            const path = dir ? p.slice(0, -1) : p;
            const cur = fileModes.get(path) ?? { mode: 0o7777, uid: 0, gid: 0, dir, exists: true };
            if (t === 'file_permissions') cur.mode &= Number.parseInt(vars.filemode!, 8);
            if (t === 'file_owner') cur.uid = idOf(BASE_PASSWD, vars.uid_or_name!) ?? 0;
            if (t === 'file_groupowner') cur.gid = idOf(BASE_GROUP, vars.gid_or_name!) ?? 0;
            if (t === 'file_existence') {
              cur.exists = vars.exists !== 'false';
              if (vars.filemode) cur.mode &= Number.parseInt(vars.filemode, 8);
            }
            fileModes.set(path, cur);
          }
        }
      }
    }
  for (const [path, f] of fileModes) {
    if (good && !f.exists) continue;
    const mode = good ? (f.mode === 0o7777 ? (f.dir ? 0o755 : 0o644) : f.mode) : 0o777;
    if (f.dir) dirs[path] = mode;
    else files[path] = { content: CONTENT[path] ?? '', mode };
    owners[path] = good ? [f.uid, f.gid] : [1000, 1000];
  }
  for (const sample of SAMPLE_FILES) {
    const name = sample.slice(sample.lastIndexOf('/') + 1);
    let mode = 0o7777;
    let uids: number[] | undefined;
    let gids: number[] | undefined;
    for (const { template, vars } of regexRules) {
      const inDir = rulePaths(vars, benchmark).some((d) =>
        vars.recursive === 'true' ? sample.startsWith(d) : sample.slice(0, sample.lastIndexOf('/') + 1) === d,
      );
      const res = (
        vars.file_regex!.startsWith('[') ? (JSON.parse(vars.file_regex!) as string[]) : [vars.file_regex!]
      ).map((r) => new RegExp(r));
      if (!inDir || !res.some((r) => r.test(name))) continue;
      const excluded = vars.excluded_files ? (JSON.parse(vars.excluded_files) as string[]) : [];
      if (excluded.some((g) => globMatch(g, name))) continue;
      if (template === 'file_permissions') mode &= Number.parseInt(vars.filemode!, 8);
      const ids = (table: string, spec: string) =>
        spec
          .split('|')
          .map((n) => idOf(table, n))
          .filter((x): x is number => x !== undefined);
      if (template === 'file_owner') {
        const ok = ids(BASE_PASSWD, vars.uid_or_name!);
        uids = uids ? uids.filter((u) => ok.includes(u)) : ok;
      }
      if (template === 'file_groupowner') {
        const ok = ids(BASE_GROUP, vars.gid_or_name!);
        gids = gids ? gids.filter((g) => ok.includes(g)) : ok;
      }
    }
    const pick = (xs: number[] | undefined) => (xs === undefined || xs.includes(0) ? 0 : (xs[0] ?? 0));
    files[sample] = { content: '', mode: good ? (mode === 0o7777 ? 0o600 : mode & 0o777) : 0o666 };
    owners[sample] = good ? [pick(uids), pick(gids)] : [1000, 1000];
  }
  if (sysctlConf.length) files['/etc/sysctl.d/60-cis.conf'] = `# ${kind} root\n${sysctlConf.join('\n')}\n`;
  if (modprobe.length) files['/etc/modprobe.d/cis.conf'] = `${modprobe.join('\n')}\n`;
  const fstab: string[] = ['UUID=2b1f5e0e-4c43-4f1e-9a63-3f0a0b4f9d10 / ext4 errors=remount-ro 0 1'];
  const proc: string[] = ['/dev/vda1 / ext4 rw,relatime,errors=remount-ro 0 0'];
  for (const [mp, opts] of [...mounts].sort(([a], [c]) => (a < c ? -1 : 1))) {
    const o = good ? ['rw', ...opts] : ['rw', 'relatime'];
    const [spec, type] = TMPFS.has(mp)
      ? ['tmpfs', 'tmpfs']
      : [`/dev/mapper/vg-${mp.slice(1).replace(/\//g, '_')}`, 'ext4'];
    // The failing root configures every mount point without the options and mounts none of them.
    fstab.push(`${spec} ${mp} ${type} ${o.join(',')} 0 ${type === 'tmpfs' ? 0 : 2}`);
    if (good) proc.push(`${spec} ${mp} ${type} ${o.join(',')} 0 0`);
  }
  files['/etc/fstab'] = `${fstab.join('\n')}\n`;
  files['/proc/self/mounts'] = `${proc.join('\n')}\n`;
  // The failing root has a service listening on 0.0.0.0:8080 (kernel /proc/net/tcp format) that no firewall
  // rule names (the *_rules_for_open_ports rules); the passing root listens on nothing outside loopback.
  if (!good)
    files['/proc/net/tcp'] =
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
      '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41000 1 0000000000000000 100 0 0 10 0\n';
  // Where the benchmark asks for a package and forbids it (firewall alternatives), the passing root has it.
  const packages = new Set<string>(
    good ? need : [...forbid, ...disable.values()].filter((p) => !need.has(p)),
  );
  // The packages that own files both roots hold (sshd_config, grub.cfg, login.defs, the PAM stacks,
  // pwquality.conf, auditd.conf, bash.bashrc, sudoers), as a real root would list them: upstream's platforms (package[audit], grub2, package[pam],
  // package[shadow-utils]) then apply as on a real host.
  for (const p of [
    'auditd',
    'bash',
    'grub2-common',
    'libpam-runtime',
    'libpwquality1',
    'login',
    'openssh-server',
    'sudo',
  ])
    packages.add(p);
  // The passing root's auditd.service is the packaged one, which loads /etc/audit/rules.d by augenrules.
  if (good) files['/usr/lib/systemd/system/auditd.service'] = DEBIAN_AUDITD_SERVICE;
  const unitFiles: Record<string, string> = {};
  const units: Record<string, string> = {};
  for (const s of enable) {
    files[`/lib/systemd/system/${s}.service`] =
      `[Unit]\nDescription=${s}\n\n[Install]\nWantedBy=multi-user.target\n`;
    unitFiles[`${s}.service`] = good ? 'enabled' : 'disabled';
    units[`${s}.service`] = good ? 'active' : 'inactive';
  }
  for (const [s, pkg] of disable) {
    if (!packages.has(pkg) || enable.has(s)) continue;
    files[`/lib/systemd/system/${s}.service`] =
      `[Unit]\nDescription=${s}\n\n[Install]\nWantedBy=multi-user.target\n`;
    unitFiles[`${s}.service`] = good ? 'masked' : 'enabled';
    units[`${s}.service`] = good ? 'inactive' : 'active';
    if (good) symlinks[`/etc/systemd/system/${s}.service`] = '/dev/null';
    else
      symlinks[`/etc/systemd/system/multi-user.target.wants/${s}.service`] =
        `/lib/systemd/system/${s}.service`;
  }
  unitFiles['dailyaidecheck.timer'] = good ? 'enabled' : 'disabled';
  for (const s of enable)
    if (good)
      symlinks[`/etc/systemd/system/multi-user.target.wants/${s}.service`] =
        `/lib/systemd/system/${s}.service`;
  // Content for the hand-written checks; a file the generic rules gave a mode keeps it.
  for (const [p, f] of Object.entries(handWrittenFiles(benchmark, good))) {
    const had = files[p];
    const content = typeof f === 'string' ? f : f.content;
    files[p] = had && typeof had !== 'string' && had.mode !== undefined ? { content, mode: had.mode } : f;
  }
  dirs['/var/log/audit'] = good ? 0o750 : 0o755;
  // alice's home (Debian's /etc/skel copied by useradd -m) and root's start-up files: as CIS wants them on
  // the passing root; group- and world-readable, root-group dot files, .netrc and .forward, umask 022 on the
  // failing one.
  dirs['/root'] = 0o700;
  dirs['/home/alice'] = good ? 0o750 : 0o755;
  owners['/home/alice'] = [1000, 1000];
  const dot: Record<string, string> = {
    ...DEBIAN_SKEL,
    ...(good
      ? {}
      : { '.netrc': 'machine example.org login alice password x\n', '.forward': 'alice@example.org\n' }),
  };
  for (const [n, content] of Object.entries(dot)) {
    files[`/home/alice/${n}`] = { content, mode: good ? 0o640 : 0o644 };
    owners[`/home/alice/${n}`] = [1000, good ? 1000 : 0];
  }
  files['/root/.bashrc'] = `${DEBIAN_ROOT_BASHRC}umask ${good ? '027' : '022'}\n`;
  files['/root/.profile'] = DEBIAN_ROOT_PROFILE;
  files['/etc/systemd/journal-upload.conf'] = DEBIAN_JOURNAL_UPLOAD_CONF;
  if (good)
    files['/etc/systemd/journal-upload.conf.d/60-cis.conf'] =
      '[Upload]\nURL=https://logs.example.org:19532\nServerKeyFile=/etc/ssl/private/journal-upload.pem\nServerCertificateFile=/etc/ssl/certs/journal-upload.pem\nTrustedCertificateFile=/etc/ssl/ca/trusted.pem\n';
  if (good)
    symlinks['/etc/systemd/system/timers.target.wants/dailyaidecheck.timer'] =
      '/lib/systemd/system/dailyaidecheck.timer';
  return {
    os: benchmark === 'ubuntu2204' ? 'ubuntu2204' : 'debian12',
    files,
    dirs,
    symlinks,
    owners,
    sysctl,
    packages: Object.fromEntries([...packages].sort().map((p) => [p, versions[p] ?? '1.0-1'])),
    live: { unitFiles, units },
  };
}

/**
 * Material for the hand-written checks and the sshd_lineinfile rules: on the passing root what each asks
 * for, on the failing root the opposite.
 */
function handWrittenFiles(benchmark: BenchmarkId, good: boolean): NonNullable<RootSpec['files']> {
  const b = BENCHMARKS[benchmark];
  const v = b.variables;
  const sshd: string[] = [];
  const seen = new Set<string>();
  for (const c of b.controls)
    for (const r of c.rules) {
      const meta = CAC_RULES.rules[r];
      if (seen.has(r) || !meta || templateName(meta, benchmark) !== 'sshd_lineinfile') continue;
      seen.add(r);
      const vars = templateVars(meta, benchmark);
      const value = vars.xccdf_variable ? v[vars.xccdf_variable] : vars.value;
      if (vars.parameter && value !== undefined && good) sshd.push(`${vars.parameter} ${value}`);
    }
  if (good)
    sshd.push(
      'Ciphers aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr',
      `MACs ${v.sshd_strong_macs}`,
      `KexAlgorithms ${v.sshd_strong_kex}`,
      'AllowGroups sshusers',
    );
  else
    sshd.push(
      'PermitRootLogin yes',
      'Ciphers aes128-cbc,aes256-ctr',
      'MACs hmac-md5,hmac-sha1',
      'KexAlgorithms diffie-hellman-group1-sha1',
    );
  const pam = good ? HARDENED_PAM : DEBIAN_PAM;
  const pwq = [
    'minlen',
    'difok',
    'minclass',
    'dcredit',
    'ucredit',
    'lcredit',
    'ocredit',
    'maxrepeat',
    'dictcheck',
    'enforcing',
  ]
    .filter((k) => v[`var_password_pam_${k}`] !== undefined)
    .map((k) => `${k} = ${v[`var_password_pam_${k}`]}`);
  const audit: NonNullable<RootSpec['files']> = good
    ? {
        '/etc/audit/rules.d/30-stig.rules': { content: AUDIT_EXAMPLES.stig, mode: 0o600 },
        '/etc/audit/rules.d/30-pci-dss-v31.rules': { content: AUDIT_EXAMPLES.pci, mode: 0o600 },
        '/etc/audit/rules.d/50-cis.rules': CIS_AUDIT_EXTRA,
        '/etc/audit/rules.d/99-finalize.rules': {
          content: AUDIT_EXAMPLES.finalize.replace('#-e 2', '-e 2'),
          mode: 0o600,
        },
      }
    : { '/etc/audit/rules.d/50-cis.rules': '-w /etc/hosts -p wa -k hosts\n' };
  const integrity: NonNullable<RootSpec['files']> = {
    '/etc/aide/aide.conf': DEBIAN_AIDE_CONF,
    '/lib/systemd/system/dailyaidecheck.timer': DEBIAN_AIDE_TIMER,
    '/etc/systemd/timesyncd.conf': DEBIAN_TIMESYNCD_CONF,
    '/etc/default/grub': good
      ? DEBIAN_DEFAULT_GRUB.replace(
          'GRUB_CMDLINE_LINUX=""',
          `GRUB_CMDLINE_LINUX="apparmor=1 security=apparmor audit=1 audit_backlog_limit=${v.var_audit_backlog_limit ?? 8192}"`,
        )
      : DEBIAN_DEFAULT_GRUB,
    '/sys/kernel/security/apparmor/profiles': good
      ? '/usr/sbin/chronyd (enforce)\n/usr/bin/man (enforce)\n'
      : '/usr/sbin/chronyd (enforce)\n/opt/app (unconfined)\n',
    ...(good
      ? {
          '/etc/aide/aide.conf.d/99_audit_tools': AIDE_AUDIT_TOOLS,
          '/var/lib/aide/aide.db': { content: 'AIDE database', mode: 0o600 },
          '/etc/systemd/timesyncd.conf.d/60-cis.conf':
            '[Time]\nNTP=time.nist.gov\nFallbackNTP=time-a-g.nist.gov\n',
        }
      : {}),
  };
  const firewall: NonNullable<RootSpec['files']> = good
    ? {
        '/etc/nftables.conf': HARDENED_NFT,
        '/etc/ufw/ufw.conf': DEBIAN_UFW_CONF.replace('ENABLED=no', 'ENABLED=yes'),
        '/etc/default/ufw':
          'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="DROP"\nDEFAULT_FORWARD_POLICY="DROP"\n',
        '/etc/ufw/before.rules':
          '*filter\n-A ufw-before-input -i lo -j ACCEPT\n-A ufw-before-output -o lo -j ACCEPT\nCOMMIT\n',
        '/etc/ufw/user.rules': '*filter\n-A ufw-user-input -s 127.0.0.0/8 -j DROP\nCOMMIT\n',
        '/etc/ufw/user6.rules': '*filter\n-A ufw6-user-input -s ::1 -j DROP\nCOMMIT\n',
        '/etc/iptables/rules.v4': HARDENED_IPTABLES(false),
        '/etc/iptables/rules.v6': HARDENED_IPTABLES(true),
      }
    : { '/etc/nftables.conf': DEBIAN_NFTABLES_CONF, '/etc/ufw/ufw.conf': DEBIAN_UFW_CONF };
  const umask = v.var_accounts_user_umask ?? '027';
  const shell: NonNullable<RootSpec['files']> = {
    '/etc/profile': DEBIAN_PROFILE,
    '/etc/bash.bashrc': good ? `${DEBIAN_BASH_BASHRC}umask ${umask}\n` : DEBIAN_BASH_BASHRC,
    '/etc/default/useradd': good
      ? `${DEBIAN_USERADD}INACTIVE=${v.var_account_disable_post_pw_expiration ?? 45}\n`
      : DEBIAN_USERADD,
    '/etc/security/limits.conf': DEBIAN_LIMITS,
    '/etc/shells': good
      ? '/bin/sh\n/usr/bin/sh\n/bin/bash\n/usr/bin/bash\n'
      : '/bin/sh\n/bin/bash\n/usr/sbin/nologin\n',
    ...(good
      ? {
          '/etc/profile.d/50-cis.sh': `umask ${umask}\nreadonly TMOUT=${v.var_accounts_tmout ?? 900} ; export TMOUT\n`,
          '/etc/security/limits.d/60-coredump.conf': '* hard core 0\n',
        }
      : { '/etc/profile.d/50-cis.sh': 'umask 002\n' }),
  };
  return {
    ...shell,
    ...audit,
    ...integrity,
    ...firewall,
    ...(good
      ? {
          '/etc/issue': `${v.cis_banner_text ?? 'Authorized users only.'}\n`,
          '/etc/issue.net': `${v.cis_banner_text ?? 'Authorized users only.'}\n`,
          '/etc/systemd/journald.conf.d/60-cis.conf': '[Journal]\nStorage=persistent\nCompress=yes\n',
        }
      : {}),
    '/etc/audit/auditd.conf': good ? HARDENED_AUDITD_CONF : DEBIAN_AUDITD_CONF,
    '/var/log/audit/audit.log': { content: '', mode: good ? 0o600 : 0o644 },
    // Debian's shipped files on the failing root; with the benchmark's values on the passing one.
    '/etc/login.defs': good
      ? DEBIAN_LOGIN_DEFS.replace(
          /^PASS_MAX_DAYS\t99999$/m,
          `PASS_MAX_DAYS\t${v.var_accounts_maximum_age_login_defs ?? 365}`,
        )
          .replace(/^PASS_MIN_DAYS\t0$/m, `PASS_MIN_DAYS\t${v.var_accounts_minimum_age_login_defs ?? 1}`)
          .replace(
            /^ENCRYPT_METHOD SHA512$/m,
            `ENCRYPT_METHOD ${v.var_password_hashing_algorithm ?? 'SHA512'}`,
          )
          .replace(/^UMASK\t\t022$/m, `UMASK\t\t${v.var_accounts_user_umask ?? '027'}`)
      : DEBIAN_LOGIN_DEFS,
    '/etc/security/pwquality.conf': good
      ? `${DEBIAN_PWQUALITY}${pwq.join('\n')}\nmaxsequence = 3\nenforce_for_root\n`
      : DEBIAN_PWQUALITY,
    '/etc/security/faillock.conf': good
      ? `deny = ${v.var_accounts_passwords_pam_faillock_deny ?? 4}\nunlock_time = ${v.var_accounts_passwords_pam_faillock_unlock_time ?? 900}\nroot_unlock_time = ${v.var_accounts_passwords_pam_faillock_root_unlock_time ?? 60}\neven_deny_root\n`
      : 'deny = 10\nunlock_time = 60\n',
    '/etc/pam.d/su': good
      ? DEBIAN_SU.replace(
          '# auth       required   pam_wheel.so\n',
          `auth       required   pam_wheel.so use_uid group=${v.var_pam_wheel_group_for_su ?? 'sugroup'}\n`,
        )
      : DEBIAN_SU,
    ...Object.fromEntries(Object.entries(pam).map(([t, text]) => [`/etc/pam.d/common-${t}`, text])),
    // The pam_wheel group for su: present and empty on the passing root, absent on the failing one.
    '/etc/group': good ? `${BASE_GROUP}daemon:x:1:\nsugroup:x:1001:\n` : BASE_GROUP,
    '/etc/sudoers': {
      content: DEBIAN_SUDOERS.replace('Defaults\tuse_pty', good ? 'Defaults\tuse_pty' : 'Defaults\t!use_pty'),
      mode: 0o440,
    },
    '/etc/sudoers.d/cis': {
      content: good
        ? 'Defaults logfile="/var/log/sudo.log"\nDefaults timestamp_timeout=15\n'
        : 'Defaults:deploy !authenticate\nDefaults timestamp_timeout=-1\ndeploy ALL=(ALL) NOPASSWD: ALL\n',
      mode: 0o440,
    },
    '/usr/sbin/sshd': { content: '', mode: 0o755 },
    // Debian 12's shipped lines (openssh-server 1:9.2p1-2+deb12u10) on the passing root; UsePAM left out on
    // the failing one (its default is no).
    '/etc/ssh/sshd_config': `Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\n${good ? 'UsePAM yes\n' : ''}X11Forwarding yes\nPrintMotd no\nAcceptEnv LANG LC_*\nSubsystem sftp /usr/lib/openssh/sftp-server\n`,
    '/etc/ssh/sshd_config.d/50-cis.conf': { content: `${sshd.join('\n')}\n`, mode: 0o600 },
  };
}
