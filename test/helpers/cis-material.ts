/**
 * Real configuration texts (test/fixtures/config, provenance in its README) and the hardened variants the
 * CIS hand-written checks ask for, shared by the evaluator tests and the fixture roots (cis-roots.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const configFixture = (p: string): string =>
  readFileSync(path.join(__dirname, '../fixtures/config', p), 'utf8');

/** Debian 12's auditd.service (package auditd 1:3.0.9-1): ExecStartPost=-/sbin/augenrules --load. */
export const DEBIAN_AUDITD_SERVICE = configFixture('debian-12/audit/auditd.service');

/** pam-auth-update's stacks of a Debian 12 host, as generated. */
export const DEBIAN_PAM = {
  auth: configFixture('debian-12/etc/pam.d/common-auth'),
  account: configFixture('debian-12/etc/pam.d/common-account'),
  password: configFixture('debian-12/etc/pam.d/common-password'),
  session: configFixture('debian-12/etc/pam.d/common-session'),
};

/**
 * The stacks pam-auth-update writes with libpam-pwquality's profile (debian-12/pam-configs-pwquality) and
 * the pwhistory and faillock profiles CIS has one create in /usr/share/pam-configs: the module lines it
 * inserts, unix's line then gaining use_authtok / try_first_pass as pam-auth-update does for a non-primary.
 */
export const HARDENED_PAM = {
  auth: DEBIAN_PAM.auth.replace(
    'auth\t[success=1 default=ignore]\tpam_unix.so nullok',
    'auth\trequisite\t\t\tpam_faillock.so preauth\nauth\t[success=2 default=ignore]\tpam_unix.so\nauth\t[default=die]\t\t\tpam_faillock.so authfail',
  ),
  account: DEBIAN_PAM.account.replace(
    'account\trequisite\t\t\tpam_deny.so',
    'account\trequisite\t\t\tpam_deny.so\naccount\trequired\t\t\tpam_faillock.so',
  ),
  password: DEBIAN_PAM.password.replace(
    'password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt',
    'password\trequisite\t\t\tpam_pwquality.so retry=3\npassword\trequisite\t\t\tpam_pwhistory.so remember=24 enforce_for_root try_first_pass use_authtok\npassword\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt',
  ),
  session: DEBIAN_PAM.session,
};

/** Debian 12 package sudo 1.9.13p3-1+deb12u4, /etc/sudoers (use_pty on, @includedir /etc/sudoers.d). */
export const DEBIAN_SUDOERS = configFixture('debian-12/etc/sudoers');

/** Debian 12 package util-linux 2.38.1-5+deb12u3, /etc/pam.d/su: its pam_wheel lines are comments. */
export const DEBIAN_SU = configFixture('debian-12/etc/pam.d/su');
/** /etc/login.defs of a Debian 12 host (package login), as installed. */
export const DEBIAN_LOGIN_DEFS = configFixture('debian-12/etc/login.defs');
/** Debian 12 package libpwquality-common 1.4.5-1, /etc/security/pwquality.conf (every setting a comment). */
export const DEBIAN_PWQUALITY = configFixture('debian-12/etc/security/pwquality.conf');

/** Debian 12 package auditd 1:3.0.9-1: example rules (/usr/share/doc/auditd/examples/rules) and auditd.conf. */
export const AUDIT_EXAMPLES = {
  stig: configFixture('debian-12/audit/30-stig.rules'),
  pci: configFixture('debian-12/audit/30-pci-dss-v31.rules'),
  finalize: configFixture('debian-12/audit/99-finalize.rules'),
};
export const DEBIAN_AUDITD_CONF = configFixture('debian-12/audit/auditd.conf');
/** auditd.conf with the values CIS asks for (space/disk actions, keep_logs). */
export const HARDENED_AUDITD_CONF = DEBIAN_AUDITD_CONF.replace(
  'max_log_file_action = ROTATE',
  'max_log_file_action = keep_logs',
)
  .replace('space_left_action = SYSLOG', 'space_left_action = email')
  .replace('admin_space_left_action = SUSPEND', 'admin_space_left_action = halt')
  .replace('disk_full_action = SUSPEND', 'disk_full_action = halt')
  .replace('disk_error_action = SUSPEND', 'disk_error_action = halt');
/** CIS's session, network and sudoers watches the example rules leave out or comment. */
export const CIS_AUDIT_EXTRA = `${[
  '-w /var/run/utmp -p wa -k session',
  '-w /var/log/wtmp -p wa -k session',
  '-w /var/log/btmp -p wa -k session',
  '-w /etc/network -p wa -k system-locale',
  '-w /etc/netplan -p wa -k system-locale',
  '-w /var/log/sudo.log -p wa -k sudo_log_file',
  '-w /etc/nsswitch.conf -p wa -k identity',
  '-w /etc/pam.conf -p wa -k identity',
  '-w /etc/pam.d -p wa -k identity',
  '-w /var/run/faillock -p wa -k logins',
  '-w /var/log/lastlog -p wa -k logins',
  '-w /etc/apparmor -p wa -k MAC-policy',
  '-w /etc/apparmor.d -p wa -k MAC-policy',
  ...['/usr/bin/chcon', '/usr/bin/setfacl', '/usr/bin/chacl', '/usr/sbin/usermod', '/usr/bin/kmod'].map(
    (p) => `-a always,exit -F path=${p} -F perm=x -F auid>=1000 -F auid!=unset -k privileged`,
  ),
  ...['b64', 'b32'].map(
    (a) =>
      `-a always,exit -F arch=${a} -S init_module,finit_module,delete_module,create_module,query_module -F auid>=1000 -F auid!=unset -k kernel_modules`,
  ),
].join('\n')}\n`;

/** Debian 12 packages' shipped files (provenance in test/fixtures/config/README.md). */
export const DEBIAN_CHRONY_CONF = configFixture('debian-12/etc/chrony/chrony.conf');
export const DEBIAN_TIMESYNCD_CONF = configFixture('debian-12/etc/systemd/timesyncd.conf');
export const DEBIAN_AIDE_CONF = configFixture('debian-12/etc/aide/aide.conf');
export const DEBIAN_AIDE_TIMER = configFixture('debian-12/lib/systemd/system/dailyaidecheck.timer');
export const DEBIAN_DEFAULT_GRUB = configFixture('debian-12/etc/default-grub');
export const DEBIAN_NFTABLES_CONF = configFixture('debian-12/etc/nftables.conf');
export const DEBIAN_UFW_CONF = configFixture('debian-12/etc/ufw/ufw.conf');
/** The selection lines CIS asks aide.conf to carry for the audit tools. */
export const AIDE_AUDIT_TOOLS = ['auditctl', 'auditd', 'ausearch', 'aureport', 'autrace', 'augenrules']
  .map((t) => `/usr/sbin/${t} p+i+n+u+g+s+b+acl+xattrs+sha512`)
  .join('\n');

/** A CIS-style ruleset: Debian's shipped table with policy drop and the loopback rules. */
export const HARDENED_NFT = DEBIAN_NFTABLES_CONF.replace(
  'type filter hook input priority filter;',
  'type filter hook input priority filter; policy drop;\n\t\tiif "lo" accept\n\t\tip saddr 127.0.0.0/8 counter drop\n\t\tip6 saddr ::1 counter drop',
)
  .replace(
    'type filter hook forward priority filter;',
    'type filter hook forward priority filter; policy drop;',
  )
  .replace(
    'type filter hook output priority filter;',
    'type filter hook output priority filter; policy drop;',
  );
/** iptables-save of a CIS-style filter table (v4 and v6). */
export const HARDENED_IPTABLES = (v6: boolean) =>
  `*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A OUTPUT -o lo -j ACCEPT\n-A INPUT -s ${v6 ? '::1' : '127.0.0.0/8'} -j DROP\nCOMMIT\n`;

/** Shell start-up, useradd defaults and limits of a Debian 12 host, as installed (see the fixtures README). */
export const DEBIAN_PROFILE = configFixture('debian-12/etc/profile');
export const DEBIAN_BASH_BASHRC = configFixture('debian-12/etc/bash.bashrc');
export const DEBIAN_USERADD = configFixture('debian-12/etc/default-useradd');
export const DEBIAN_LIMITS = configFixture('debian-12/etc/security/limits.conf');
export const DEBIAN_RSYSLOG_CONF = configFixture('debian-12/etc/rsyslog.conf');

/** Debian 12's root .bashrc and .profile (base-files) and /etc/skel (bash): a commented `# umask 022` only. */
export const DEBIAN_ROOT_BASHRC = configFixture('debian-12/root/.bashrc');
export const DEBIAN_ROOT_PROFILE = configFixture('debian-12/root/.profile');
export const DEBIAN_SKEL = {
  '.bashrc': configFixture('debian-12/etc/skel/.bashrc'),
  '.profile': configFixture('debian-12/etc/skel/.profile'),
  '.bash_logout': configFixture('debian-12/etc/skel/.bash_logout'),
};

/** systemd's journal-upload.conf (Debian 12 systemd-journal-remote): [Upload] with every key commented. */
export const DEBIAN_JOURNAL_UPLOAD_CONF = configFixture('debian-12/etc/systemd/journal-upload.conf');
/** libuser's /etc/libuser.conf (Debian 12 libuser 0.64): crypt_style = yescrypt. */
export const DEBIAN_LIBUSER_CONF = configFixture('debian-12/etc/libuser.conf');
/** RHEL 9's /etc/dnf/dnf.conf (dnf-data): gpgcheck=1, no install_weak_deps. */
export const RHEL_DNF_CONF = configFixture('rhel-9/etc/dnf/dnf.conf');
