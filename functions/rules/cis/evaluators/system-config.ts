/**
 * Hand-written rules on package manager, crypto policy, journal upload, boot target, network interface and
 * account lock settings, each as ComplianceAsCode's OVAL decides it:
 * - ensure_gpgcheck_globally_activated: the [main] gpgcheck of /etc/dnf/dnf.conf (/etc/yum.conf on Amazon
 *   Linux 2) is 1/True/yes and no line sets it to 0/off/no/false;
 * - ensure_gpgcheck_never_disabled: no `gpgcheck=0` in any file of /etc/yum.repos.d;
 * - disable_weak_deps: install_weak_deps in dnf.conf's [main] is 0/false/no;
 * - configure_crypto_policy: /etc/crypto-policies/config and state/current name var_system_crypto_policy and
 *   back-ends/nss.config exists (upstream also compares the two files' mtimes, which the agent does not
 *   record: a config changed without update-crypto-policies shows as a state/current mismatch instead);
 * - configure_ssh_crypto_policy: /etc/sysconfig/sshd sets no CRYPTO_POLICY;
 * - systemd_journal_upload_url / _server_tls: [Upload] URL (ServerKeyFile, ServerCertificateFile,
 *   TrustedCertificateFile) set in journal-upload.conf or its drop-ins; compared with the benchmark's
 *   variables when the run sets them (upstream's defaults are placeholders, "remotelogserver");
 * - set_password_hashing_algorithm_libuserconf: /etc/libuser.conf crypt_style is the PAM hashing algorithm;
 * - xwindows_runlevel_target: /etc/systemd/system/default.target links to multi-user.target;
 * - wireless_disable_interfaces: no wl* interface is up (live host only);
 * - ensure_root_password_configured: root has a password hash ($y$, $N$…) in /etc/shadow;
 * - no_password_auth_for_systemaccounts: accounts below uid 1000 (not root, halt, sync, shutdown,
 *   nfsnobody) have a locked or no-login password field (!, !!, !*, *);
 * - file_etc_security_opasswd: /etc/security/opasswd root:root, 0600 at most;
 * - ensure_journald_and_rsyslog_not_active_together: not both active (live host only);
 * - audit_rules_continue_loading: a `-c` line in /etc/audit/rules.d/*.rules or /etc/audit/audit.rules
 *   (upstream asks it of the file set the host's loader reads; either file set is accepted here);
 * - has_nonlocal_mta: no TCP listener on port 25 (and 465, 587 on Ubuntu and RHEL) outside 127.0.0.1 and
 *   ::1, from the agent's listening sockets (live host only);
 * - no_files_or_dirs_unowned_by_user / no_files_or_dirs_ungroupowned: the file system walk (it judges
 *   directories too), as no_files_unowned_by_user.
 */
import { passwdEntries, shadowEntries } from '../../../core/facts/accounts';
import { directoryTexts, isLiveHost, optionalText } from '../../../core/facts/host-config';
import { unitActiveState } from '../../../core/facts/systemd';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, notApplicable, pass } from '../../../core/rule';
import { HAND_WRITTEN_EVALUATORS } from './hand-written';
import type { Evaluator, EvaluatorInput } from './index';
import { systemdConfFiles, systemdSetting } from './systemd-dropin';
import { octal, xccdfVariable } from './template-helpers';

/** Assignments of `key` in an INI text's [section] (or any section when undefined), with line numbers. */
function iniValues(text: string, key: string, section?: string): Array<{ value: string; line: number }> {
  const out: Array<{ value: string; line: number }> = [];
  let current: string | undefined;
  text.split('\n').forEach((raw, i) => {
    const l = raw.trim();
    if (l === '' || l.startsWith('#') || l.startsWith(';')) return;
    const sec = /^\[([^\]]+)\]/.exec(l);
    if (sec) {
      current = sec[1]!.trim();
      return;
    }
    const kv = /^([^=\s]+)\s*=\s*(.*)$/.exec(l);
    if (!kv || kv[1]!.toLowerCase() !== key.toLowerCase()) return;
    if (section && current !== section) return;
    out.push({ value: kv[2]!.replace(/\s+#.*$/, '').trim(), line: i + 1 });
  });
  return out;
}

const pkgManagerConfig = (benchmark: string) => (benchmark === 'al2' ? '/etc/yum.conf' : '/etc/dnf/dnf.conf');

const gpgcheckGlobal: Evaluator = (facts, input) => {
  const p = pkgManagerConfig(input.benchmark);
  const t = optionalText(facts, p);
  if (!t.ok) return error(`${p}: ${t.reason}`);
  if (!t.value)
    return {
      ...fail(`${p} does not exist`, [{ source: p, value: '(absent)', expected: 'gpgcheck=1' }]),
      recommendation: `Create ${p} with a [main] section holding gpgcheck=1.`,
    };
  const lines = t.value.text.split('\n');
  const on = lines.flatMap((l, i) => (/^\s*gpgcheck\s*=\s*(1|True|yes)\s*$/.test(l) ? [i + 1] : []));
  const off = lines.flatMap((l, i) => (/^\s*gpgcheck\s*=\s*(0|off|no|false)\s*$/.test(l) ? [i + 1] : []));
  const fix = `Set gpgcheck=1 in the [main] section of ${p}, and no other gpgcheck line.`;
  if (off.length)
    return {
      ...fail(
        `${p} turns gpgcheck off`,
        off.map((line) => ({
          source: p,
          line,
          key: 'gpgcheck',
          value: lines[line - 1]!.trim(),
          expected: 'gpgcheck=1',
        })),
      ),
      recommendation: fix,
    };
  if (on.length !== 1)
    return {
      ...fail(
        on.length
          ? `${p} sets gpgcheck=1 ${on.length} times (upstream wants exactly one)`
          : `${p} does not set gpgcheck=1`,
        [
          {
            source: p,
            key: 'gpgcheck',
            value: on.length ? `${on.length} lines` : '(unset)',
            expected: 'one gpgcheck=1 line',
          },
        ],
      ),
      recommendation: fix,
    };
  return pass(`${p} sets gpgcheck=1`, [
    { source: p, line: on[0]!, key: 'gpgcheck', value: lines[on[0]! - 1]!.trim() },
  ]);
};

const REPOS = '/etc/yum.repos.d';

const gpgcheckNeverDisabled: Evaluator = (facts) => {
  const files = directoryTexts(facts, REPOS);
  if (!files.ok) return error(`${REPOS}: ${files.reason}`);
  const bad: Evidence[] = [];
  for (const f of files.value)
    f.text.split('\n').forEach((l, i) => {
      if (/^\s*gpgcheck\s*=\s*0\s*$/.test(l))
        bad.push({ source: f.path, line: i + 1, key: 'gpgcheck', value: '0', expected: '1' });
    });
  if (bad.length)
    return {
      ...fail(`${bad.length} repository definition(s) turn gpgcheck off`, bad.slice(0, 20)),
      recommendation: 'Set gpgcheck=1 in each listed repository (and import the repository’s signing key).',
    };
  return pass(`no repository in ${REPOS} turns gpgcheck off (${files.value.length} file(s))`);
};

const weakDeps: Evaluator = (facts) => {
  const p = '/etc/dnf/dnf.conf';
  const t = optionalText(facts, p);
  if (!t.ok) return error(`${p}: ${t.reason}`);
  const fix = `Set install_weak_deps=False in the [main] section of ${p}.`;
  if (!t.value) return { ...fail(`${p} does not exist`), recommendation: fix };
  const v = iniValues(t.value.text, 'install_weak_deps', 'main');
  const last = v.at(-1);
  if (!last)
    return {
      ...fail(`install_weak_deps is not set in ${p} (dnf's default is True)`, [
        { source: p, key: 'install_weak_deps', value: '(unset)', expected: 'False' },
      ]),
      recommendation: fix,
    };
  const ev: Evidence[] = [
    { source: p, line: last.line, key: 'install_weak_deps', value: last.value, expected: 'False' },
  ];
  if (!/^(0|false|no)$/i.test(last.value))
    return { ...fail(`install_weak_deps is ${last.value} in ${p}`, ev), recommendation: fix };
  return pass(`install_weak_deps is ${last.value} in ${p}`, ev);
};

const firstToken = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#') && /^\S+$/.test(l));

const cryptoPolicy: Evaluator = (facts, input) => {
  const wanted = xccdfVariable(input, 'var_system_crypto_policy');
  if (!wanted) return error('the benchmark selects no var_system_crypto_policy');
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  for (const p of ['/etc/crypto-policies/config', '/etc/crypto-policies/state/current']) {
    const t = optionalText(facts, p);
    if (!t.ok) return error(`${p}: ${t.reason}`);
    const v = t.value ? firstToken(t.value.text) : undefined;
    evidence.push({ source: p, value: t.value ? (v ?? '(no policy line)') : '(absent)', expected: wanted });
    if (v !== wanted) problems.push(`${p} ${t.value ? `names ${v ?? 'no policy'}` : 'does not exist'}`);
  }
  const nss = '/etc/crypto-policies/back-ends/nss.config';
  const st = facts.pathStat(nss);
  if (!st) return error(`${nss} was not looked at by the agent`);
  if (st.status === 'missing') {
    if (st.reason !== 'not-found') return error(`${nss}: ${st.reason} (${st.detail})`);
    problems.push(`${nss} does not exist`);
  }
  evidence.push({ source: nss, value: st.status === 'ok' ? 'present' : '(absent)', expected: 'present' });
  if (problems.length)
    return {
      ...fail(`the system crypto policy is not ${wanted}: ${problems.join('; ')}`, evidence),
      recommendation: `Run update-crypto-policies --set ${wanted} (it writes the config, state/current and the back-ends).`,
    };
  return pass(`the system crypto policy is ${wanted} and applied`, evidence);
};

const sshCryptoPolicy: Evaluator = (facts) => {
  const p = '/etc/sysconfig/sshd';
  const t = optionalText(facts, p);
  if (!t.ok) return error(`${p}: ${t.reason}`);
  if (!t.value) return pass(`${p} does not exist: sshd follows the system crypto policy`);
  const bad = t.value.text
    .split('\n')
    .flatMap((l, i) =>
      /^\s*CRYPTO_POLICY\s*=/i.test(l)
        ? [{ source: p, line: i + 1, value: l.trim(), expected: 'no CRYPTO_POLICY' }]
        : [],
    );
  if (bad.length)
    return {
      ...fail(`${p} sets CRYPTO_POLICY: sshd ignores the system crypto policy`, bad),
      recommendation: `Remove the CRYPTO_POLICY line from ${p} and restart sshd.`,
    };
  return pass(`${p} sets no CRYPTO_POLICY: sshd follows the system crypto policy`);
};

const JOURNAL_UPLOAD = '/etc/systemd/journal-upload.conf';

function journalUpload(keys: ReadonlyArray<[string, string]>): Evaluator {
  return (facts, input: EvaluatorInput): CheckOutcome => {
    const files = systemdConfFiles(facts, JOURNAL_UPLOAD);
    if (!files.ok) return error(`the configuration could not be read: ${files.reason}`);
    const evidence: Evidence[] = [];
    const problems: string[] = [];
    for (const [key, variable] of keys) {
      const s = systemdSetting(facts, files.files, 'Upload', key);
      if (!s.ok) return error(`the configuration could not be read: ${s.reason}`);
      // The site's value only when the run sets it: upstream's defaults are placeholders.
      const wanted = input.variables[variable];
      const value = s.setting?.value ?? '';
      evidence.push({
        source: s.setting?.source ?? JOURNAL_UPLOAD,
        ...(s.setting ? { line: s.setting.line } : {}),
        key,
        value: value || '(unset)',
        expected: wanted ?? 'set (the site’s value)',
      });
      if (!value) problems.push(`${key} is not set`);
      else if (wanted !== undefined && value !== wanted) problems.push(`${key} is ${value}, not ${wanted}`);
    }
    if (problems.length)
      return {
        ...fail(`systemd-journal-upload: ${problems.join('; ')}`, evidence),
        recommendation: `Set ${keys.map(([k]) => `${k}=`).join(', ')} in the [Upload] section of ${JOURNAL_UPLOAD} (or a drop-in in ${JOURNAL_UPLOAD}.d) and restart systemd-journal-upload.`,
      };
    return pass(
      `systemd-journal-upload: ${keys.map(([k]) => k).join(', ')} set${keys.some(([, v]) => input.variables[v] === undefined) ? ' (values not compared: the run sets no site value)' : ''}`,
      evidence,
    );
  };
}

const libuserCrypt: Evaluator = (facts, input) => {
  const p = '/etc/libuser.conf';
  const wanted = xccdfVariable(input, 'var_password_hashing_algorithm_pam') ?? 'sha512';
  const t = optionalText(facts, p);
  if (!t.ok) return error(`${p}: ${t.reason}`);
  const fix = `Set crypt_style = ${wanted} in the [defaults] section of ${p}.`;
  if (!t.value) return { ...fail(`${p} does not exist`), recommendation: fix };
  const lines = t.value.text.split('\n');
  const found = lines.flatMap((l, i) => {
    const m = /^[\s]*crypt_style[\s]*=[\s]*(\w*)[\s]*$/.exec(l);
    return m ? [{ value: m[1]!, line: i + 1 }] : [];
  });
  if (found.length === 0)
    return {
      ...fail(`${p} sets no crypt_style`, [
        { source: p, key: 'crypt_style', value: '(unset)', expected: wanted },
      ]),
      recommendation: fix,
    };
  const bad = found.filter((f) => f.value.toLowerCase() !== wanted.toLowerCase());
  const ev = found.map((f) => ({
    source: p,
    line: f.line,
    key: 'crypt_style',
    value: f.value,
    expected: wanted,
  }));
  if (bad.length)
    return { ...fail(`${p} crypt_style is ${bad[0]!.value}, not ${wanted}`, ev), recommendation: fix };
  return pass(`${p} crypt_style is ${wanted}`, ev);
};

const DEFAULT_TARGET = '/etc/systemd/system/default.target';

const defaultTarget: Evaluator = (facts) => {
  const st = facts.pathStat(DEFAULT_TARGET);
  if (!st) return error(`${DEFAULT_TARGET} was not looked at by the agent`);
  const fix = 'systemctl set-default multi-user.target';
  if (st.status === 'missing') {
    if (st.reason !== 'not-found') return error(`${DEFAULT_TARGET}: ${st.reason} (${st.detail})`);
    return {
      ...fail(
        `${DEFAULT_TARGET} does not exist: the distribution's default target applies, not an explicit multi-user.target`,
        [{ source: DEFAULT_TARGET, value: '(absent)', expected: 'a link to multi-user.target' }],
      ),
      recommendation: fix,
    };
  }
  const target = st.resolvedPath ?? st.linkTarget;
  const ev: Evidence[] = [
    {
      source: DEFAULT_TARGET,
      value: st.linkTarget ?? `a ${st.type}`,
      expected: '/usr/lib/systemd/system/multi-user.target',
    },
  ];
  if (!st.linkTarget || !target || !/^(\/usr)?\/lib\/systemd\/system\/multi-user\.target$/.test(target))
    return {
      ...fail(`the default target is ${st.linkTarget ?? `a ${st.type}, not a link`}`, ev),
      recommendation: fix,
    };
  return pass(`the default target is multi-user.target`, ev);
};

const SYS_NET = '/sys/class/net';

const wireless: Evaluator = (facts) => {
  const l = facts.telemetry.listings?.[SYS_NET];
  if (!l) return error(`${SYS_NET} was not listed by the agent (an agent before interface collection)`);
  if (l.status === 'missing') {
    if (l.reason === 'not-live-host' || !isLiveHost(facts))
      return notApplicable(`${l.detail}; whether an interface is up is a fact of the running system`);
    return error(`${SYS_NET}: ${l.reason} (${l.detail})`);
  }
  const wl = l.entries.filter((e) => e.name.startsWith('wl'));
  if (wl.length === 0) return notApplicable('no wireless interface (wl*) on this host');
  const up: Evidence[] = [];
  for (const e of wl) {
    const p = `${SYS_NET}/${e.name}/flags`;
    const t = facts.text(p);
    if (!t.ok) return error(`${p}: ${t.reason}`);
    const flags = Number.parseInt(t.value.text.trim(), 16);
    if (Number.isNaN(flags))
      return error(`${p} is not a hexadecimal number: ${t.value.text.trim().slice(0, 40)}`);
    if (flags & 0x1)
      up.push({ source: p, key: e.name, value: t.value.text.trim(), expected: 'IFF_UP (0x1) clear' });
  }
  if (up.length)
    return {
      ...fail(`${up.length} wireless interface(s) up`, up),
      recommendation: 'nmcli radio all off (or ip link set IFACE down, and blacklist the driver).',
    };
  return pass(`${wl.length} wireless interface(s), none up`);
};

const rootPassword: Evaluator = (facts) => {
  const s = shadowEntries(facts);
  if (!s.ok) return error(`/etc/shadow could not be read: ${s.reason}`);
  const root = s.value.entries.filter((e) => e.name === 'root');
  const fix = 'Set a root password (passwd root): single-user and emergency mode then ask for it.';
  if (root.length !== 1)
    return {
      ...fail(root.length ? 'root has several /etc/shadow entries' : 'root has no /etc/shadow entry'),
      recommendation: fix,
    };
  const p = root[0]!.password;
  const ev: Evidence[] = [
    {
      source: '/etc/shadow',
      key: 'root',
      value: `${p.state}${p.scheme ? ` (${p.scheme})` : ''}${p.lock ? ` lock ${p.lock}` : ''}`,
      expected: 'a password hash ($y$, $6$…)',
    },
  ];
  const modern = p.scheme !== undefined && !['des', 'unknown', 'sunmd5', 'gost-yescrypt'].includes(p.scheme);
  if (p.state !== 'hash' || !modern)
    return { ...fail(`root has no usable password hash (${p.state})`, ev), recommendation: fix };
  return pass(`root has a ${p.scheme} password hash`, ev);
};

const SYSTEM_IGNORED = /^(root|halt|sync|shutdown|nfsnobody)$/;

const systemAccountsLocked: Evaluator = (facts) => {
  const pw = passwdEntries(facts);
  if (!pw.ok) return error(`/etc/passwd: ${pw.reason}`);
  const s = shadowEntries(facts);
  if (!s.ok) return error(`/etc/shadow could not be read: ${s.reason}`);
  const shadow = new Map(s.value.entries.map((e) => [e.name, e]));
  const system = pw.value.entries.filter((e) => e.uid < 1000 && !SYSTEM_IGNORED.test(e.name));
  const bad: Evidence[] = [];
  for (const u of system) {
    const e = shadow.get(u.name);
    if (!e) continue;
    if (e.password.state === 'locked') continue;
    bad.push({
      source: '/etc/shadow',
      key: u.name,
      value: e.password.state === 'empty' ? '(empty password)' : `${e.password.scheme ?? 'a'} hash`,
      expected: 'locked (!, !!, *)',
    });
  }
  if (bad.length)
    return {
      ...fail(`${bad.length} system account(s) can authenticate with a password`, bad.slice(0, 20)),
      recommendation: 'usermod -L ACCOUNT (or passwd -l) for each listed account.',
    };
  return pass(`${system.length} system account(s), all locked`);
};

const OPASSWD = '/etc/security/opasswd';

const opasswd: Evaluator = (facts) => {
  const st = facts.pathStat(OPASSWD);
  if (!st) return error(`${OPASSWD} was not looked at by the agent`);
  if (st.status === 'missing') {
    if (st.reason !== 'not-found') return error(`${OPASSWD}: ${st.reason} (${st.detail})`);
    return {
      ...fail(`${OPASSWD} does not exist (upstream requires it)`, [
        { source: OPASSWD, value: '(absent)', expected: 'root:root 0600' },
      ]),
      recommendation: `touch ${OPASSWD}; chown root:root ${OPASSWD}; chmod 0600 ${OPASSWD}`,
    };
  }
  const problems: string[] = [];
  if (st.uid !== 0) problems.push(`owner uid ${st.uid}`);
  if (st.gid !== 0) problems.push(`group gid ${st.gid}`);
  // u+rw, nothing else (no setuid/setgid/sticky, no execute, nothing for group and others).
  if ((st.mode & 0o7777 & ~0o600) !== 0 || (st.mode & 0o600) !== 0o600)
    problems.push(`mode ${octal(st.mode)}`);
  const ev: Evidence[] = [
    { source: OPASSWD, value: `${st.uid}:${st.gid} ${octal(st.mode)}`, expected: '0:0 0600' },
  ];
  if (problems.length)
    return {
      ...fail(`${OPASSWD}: ${problems.join(', ')}`, ev),
      recommendation: `chown root:root ${OPASSWD}; chmod 0600 ${OPASSWD}`,
    };
  return pass(`${OPASSWD} is root:root 0600`, ev);
};

const journaldAndRsyslog: Evaluator = (facts) => {
  if (!isLiveHost(facts))
    return notApplicable('whether journald and rsyslog both run is a runtime fact: not a running system');
  const evidence: Evidence[] = [];
  let active = 0;
  for (const unit of ['systemd-journald.service', 'rsyslog.service']) {
    const a = unitActiveState(facts, unit);
    if (!a.ok) return error(`${unit}: ${a.reason}`);
    const state = a.value?.active ?? '(not loaded)';
    if (state === 'active') active++;
    evidence.push({ source: 'systemctl list-units', key: unit, value: state });
  }
  if (active === 2)
    return {
      ...fail(
        'systemd-journald and rsyslog are both active: logs are kept twice, by two configurations',
        evidence,
      ),
      recommendation:
        'Choose one: systemctl --now mask rsyslog (journald alone), or keep rsyslog with ForwardToSyslog=yes and journald’s Storage=volatile per the benchmark’s rsyslog section.',
    };
  return pass(`${active === 1 ? 'one' : 'neither'} of systemd-journald and rsyslog is active`, evidence);
};

/** `-c` (continue loading on errors) in the rules augenrules reads, or in /etc/audit/audit.rules. */
const auditContinueLoading: Evaluator = (facts) => {
  const dir = directoryTexts(facts, '/etc/audit/rules.d', '.rules');
  if (!dir.ok) return error(`/etc/audit/rules.d: ${dir.reason}`);
  const main = optionalText(facts, '/etc/audit/audit.rules');
  if (!main.ok) return error(`/etc/audit/audit.rules: ${main.reason}`);
  const files = [...dir.value, ...(main.value ? [main.value] : [])];
  for (const f of files) {
    const i = f.text.split('\n').findIndex((l) => /^-c\s*$/.test(l));
    if (i >= 0)
      return pass(`${f.path} loads the audit rules past errors (-c)`, [
        { source: f.path, line: i + 1, value: '-c' },
      ]);
  }
  return {
    ...fail(
      'no -c line in /etc/audit/rules.d/*.rules or /etc/audit/audit.rules: one bad rule stops the rest from loading',
      [{ source: '/etc/audit/rules.d', value: `${files.length} file(s) read`, expected: '-c' }],
    ),
    recommendation:
      'Add a line "-c" to /etc/audit/rules.d/99-finalize.rules (before -e 2) and run augenrules --load.',
  };
};

const LOOPBACK = new Set(['127.0.0.1', '::1']);

/** No TCP listener on the SMTP ports (25; 465 and 587 on Ubuntu and RHEL) outside the loopback addresses. */
const nonlocalMta: Evaluator = (facts, input) => {
  if (!isLiveHost(facts)) return notApplicable('listening sockets are a runtime fact: not a running system');
  const rt = facts.telemetry.runtime;
  if (!rt) return error('listening sockets were not collected (an agent before runtime sampling)');
  if (rt.proc.status !== 'ok') return error(`listening sockets could not be read: ${rt.proc.detail}`);
  const ports = /^(ubuntu|rhel)/.test(input.benchmark) ? [25, 465, 587] : [25];
  const bad = rt.listeners.filter(
    (l) =>
      (l.protocol === 'tcp' || l.protocol === 'tcp6') && ports.includes(l.port) && !LOOPBACK.has(l.address),
  );
  const evidence: Evidence[] = bad.map((l) => ({
    source: 'listening sockets',
    key: `${l.protocol} ${l.address}:${l.port}`,
    value: 'listening',
    expected: 'loopback only',
  }));
  if (bad.length)
    return {
      ...fail(
        `a mail transfer agent listens on a non-loopback address (${bad.map((l) => `${l.address}:${l.port}`).join(', ')})`,
        evidence,
      ),
      recommendation:
        'Make the MTA listen on loopback only (postfix: inet_interfaces = loopback-only in /etc/postfix/main.cf; exim4: dc_local_interfaces=127.0.0.1 ; ::1), then restart it.',
    };
  return pass(
    `nothing listens on TCP port ${ports.join(', ')} outside the loopback addresses (${rt.listeners.length} listener(s) seen)`,
  );
};

export const SYSTEM_CONFIG_EVALUATORS = {
  'rule:ensure_journald_and_rsyslog_not_active_together': journaldAndRsyslog,
  'rule:audit_rules_continue_loading': auditContinueLoading,
  'rule:has_nonlocal_mta': nonlocalMta,
  'rule:ensure_gpgcheck_globally_activated': gpgcheckGlobal,
  'rule:ensure_gpgcheck_never_disabled': gpgcheckNeverDisabled,
  'rule:disable_weak_deps': weakDeps,
  'rule:configure_crypto_policy': cryptoPolicy,
  'rule:configure_ssh_crypto_policy': sshCryptoPolicy,
  'rule:systemd_journal_upload_url': journalUpload([['URL', 'var_journal_upload_url']]),
  'rule:systemd_journal_upload_server_tls': journalUpload([
    ['ServerKeyFile', 'var_journal_upload_server_key_file'],
    ['ServerCertificateFile', 'var_journal_upload_server_certificate_file'],
    ['TrustedCertificateFile', 'var_journal_upload_server_trusted_certificate_file'],
  ]),
  'rule:set_password_hashing_algorithm_libuserconf': libuserCrypt,
  'rule:xwindows_runlevel_target': defaultTarget,
  'rule:wireless_disable_interfaces': wireless,
  'rule:ensure_root_password_configured': rootPassword,
  'rule:no_password_auth_for_systemaccounts': systemAccountsLocked,
  'rule:file_etc_security_opasswd': opasswd,
  'rule:no_files_or_dirs_unowned_by_user': HAND_WRITTEN_EVALUATORS['rule:no_files_unowned_by_user']!,
  'rule:no_files_or_dirs_ungroupowned': HAND_WRITTEN_EVALUATORS['rule:file_permissions_ungroupowned']!,
} satisfies Record<string, Evaluator>;
