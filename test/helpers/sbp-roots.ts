/**
 * Root trees for the Security Best Practices package: one where all nine rules PASS and one where all
 * nine FAIL, for tests that go through the real agent (collectTelemetry) and evaluation, or through
 * `inspector assess --root DIR`. Build them with makeRoot(); the tests must run as root (uid 0), since
 * sbp.system-dir-permissions requires root-owned directories and makeRoot creates them as the caller.
 */
import type { RootSpec } from './fixture-root';

export const SBP_RULE_IDS = [
  'sbp.ssh-root-login',
  'sbp.ssh-protocol-2',
  'sbp.ssh-password-auth',
  'sbp.password-max-age',
  'sbp.password-min-length',
  'sbp.password-complexity',
  'sbp.aslr',
  'sbp.dep',
  'sbp.system-dir-permissions',
] as const;

const OS_RELEASE =
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';

/** /proc/cpuinfo of a two-processor x86_64 machine; `nx` decides sbp.dep. */
export function x86Cpuinfo(withNx: boolean): string {
  const flags = [
    'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall',
    withNx ? 'nx' : '',
    'pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology cpuid pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2',
  ]
    .filter(Boolean)
    .join(' ');
  const cpu = (n: number) =>
    `processor\t: ${n}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 207\n` +
    `model name\t: Intel(R) Xeon(R) Processor\nflags\t\t: ${flags}\nbogomips\t: 4599.99\n\n`;
  return cpu(0) + cpu(1);
}

/** The 12 system directories (merged /usr: /bin, /sbin, /lib, /lib64 are links into /usr). */
function systemDirs(etcMode: number): Pick<RootSpec, 'dirs' | 'symlinks'> {
  return {
    dirs: {
      '/usr/bin': 0o755,
      '/usr/sbin': 0o755,
      '/usr/lib': 0o755,
      '/usr/lib64': 0o755,
      '/usr/local/bin': 0o755,
      '/usr/local/sbin': 0o755,
      '/etc': etcMode,
      '/boot': 0o755,
    },
    symlinks: { '/bin': 'usr/bin', '/sbin': 'usr/sbin', '/lib': 'usr/lib', '/lib64': 'usr/lib64' },
  };
}

const COMMON_PASSWORD_HEAD =
  '#\n# /etc/pam.d/common-password - password-related modules common to all services\n#\n\n' +
  '# here are the per-package modules (the "Primary" block)\n';
const COMMON_PASSWORD_TAIL =
  'password\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt\n' +
  "# here's the fallback if no module succeeds\npassword\trequisite\t\t\tpam_deny.so\n" +
  'password\trequired\t\t\tpam_permit.so\n# end of pam-auth-update config\n';

/** Every one of the nine rules PASSes on this root. */
export function sbpPassingRoot(): RootSpec {
  return {
    ...systemDirs(0o755),
    files: {
      '/etc/os-release': OS_RELEASE,
      '/etc/ssh/sshd_config':
        'Include /etc/ssh/sshd_config.d/*.conf\n\nPermitRootLogin no\nPasswordAuthentication no\n' +
        'KbdInteractiveAuthentication no\nUsePAM yes\nSubsystem\tsftp\t/usr/lib/openssh/sftp-server\n',
      '/etc/ssh/sshd_config.d/50-cloud-init.conf': 'PasswordAuthentication no\n',
      '/usr/sbin/sshd': { content: '', mode: 0o755 },
      '/etc/login.defs':
        'MAIL_DIR\t/var/mail\nPASS_MAX_DAYS\t90\nPASS_MIN_DAYS\t1\nPASS_MIN_LEN\t14\nPASS_WARN_AGE\t7\n',
      '/etc/pam.d/common-password': `${COMMON_PASSWORD_HEAD}password\trequisite\t\t\tpam_pwquality.so retry=3\n${COMMON_PASSWORD_TAIL}`,
      '/etc/security/pwquality.conf':
        '# Configuration for systemwide password quality limits\nminlen = 14\nminclass = 3\n',
      '/proc/cpuinfo': x86Cpuinfo(true),
    },
    sysctl: { 'kernel.ostype': 'Linux', 'kernel.arch': 'x86_64', 'kernel.randomize_va_space': '2' },
  };
}

/** Every one of the nine rules FAILs on this root. */
export function sbpFailingRoot(): RootSpec {
  return {
    ...systemDirs(0o775),
    files: {
      '/etc/os-release': OS_RELEASE,
      '/etc/ssh/sshd_config': 'Protocol 2,1\nPermitRootLogin yes\nPasswordAuthentication yes\nUsePAM yes\n',
      '/usr/sbin/sshd': { content: '', mode: 0o755 },
      '/etc/login.defs': 'MAIL_DIR\t/var/mail\nPASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0\nPASS_MIN_LEN\t5\n',
      '/etc/pam.d/common-password': `${COMMON_PASSWORD_HEAD}#password\trequisite\t\t\tpam_pwquality.so retry=3 minlen=14\n${COMMON_PASSWORD_TAIL}`,
      '/proc/cpuinfo': x86Cpuinfo(false),
    },
    sysctl: { 'kernel.ostype': 'Linux', 'kernel.arch': 'x86_64', 'kernel.randomize_va_space': '0' },
  };
}
