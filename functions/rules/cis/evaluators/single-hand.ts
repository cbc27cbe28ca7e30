/**
 * Hand-written rules that one or two benchmarks select:
 * - accounts_passwords_pam_faillock_unlock_time_with_zero (rhel8): pam_faillock's unlock_time is 0 or at
 *   least var_accounts_passwords_pam_faillock_unlock_time, judged as the pam_account_password_faillock
 *   template judges accounts_passwords_pam_faillock_unlock_time (argument, faillock.conf, default 600).
 * - rsyslog_remote_loghost (al2023): /etc/rsyslog.conf or /etc/rsyslog.d/*.conf forwards every message,
 *   `*.* @host`, `*.* @@host`, `*.* :omrelp:host`, or `*.* action(type="omfwd" target="host" …)` (over
 *   several lines too), the forms upstream's OVAL accepts. rsyslog not installed: NOT_APPLICABLE, as for the
 *   other rsyslog rules.
 * - crypto_sub_policies (configure_custom_crypto_policy_cis; rhel8, rhel9, almalinux9): each module of the
 *   product's list (upstream's rule.yml, written out below: the generator leaves its Jinja list unresolved)
 *   exists as /etc/crypto-policies/policies/modules/NAME.pmod holding `key = value`, as upstream's OVAL
 *   checks (a module scoped to a back-end, rpm-sequoia, only where that back-end's config exists); and, as
 *   the rule's description asks and upstream does not check, /etc/crypto-policies/config applies them
 *   (every module name among the policy's `:` parts).
 * - ensure_redhat_gpgkey_installed (rhel8, rhel9): the release and auxiliary Red Hat keys (gpg-pubkey
 *   VERSION-RELEASE from upstream's product.yml; CentOS's key on CentOS) are in the rpm database, from the
 *   agent's `rpm -qa`. Another OS that borrows the RHEL benchmark (Rocky, AlmaLinux): NOT_APPLICABLE, its
 *   vendor key is another.
 * - xwayland_disabled (rhel8): /etc/gdm/custom.conf's [daemon] WaylandEnable=false (the file must exist).
 * - accounts_password_pam_modules_in_authselect_profile (rhel8, rhel9): the profile authselect.conf selects
 *   (/etc/authselect/<profile>/, where custom profiles live, as upstream reads it) has pam_pwquality,
 *   pam_pwhistory, pam_faillock and pam_unix lines in both system-auth and password-auth.
 * - selinux_confinement_of_daemons (al2, al2023): no running process has the SELinux type
 *   unconfined_service_t (the label the agent read from /proc/PID/attr/current for each sampled process);
 *   SELinux not enabled (no /sys/fs/selinux/enforce) fails; runtime state, so NOT_APPLICABLE on an image.
 * - require_emergency_target_auth / require_singleuser_auth (al2): the unit that emergency.target and
 *   rescue.target (runlevel1.target) start asks for the root password: emergency.service / rescue.service,
 *   /etc/systemd/system's copy when there is one else /usr/lib/systemd/system's, with the ExecStart of
 *   their /etc drop-ins applied (`ExecStart=` empties the list), runs sulogin (`/sbin/sulogin` through
 *   sh -c, as systemd 219 ships it, or systemd-sulogin-shell); the target Requires that unit.
 */
import type { Facts } from '../../../core/facts/facts';
import { osRelease } from '../../../core/facts/host';
import { directoryTexts, isLiveHost, optionalText } from '../../../core/facts/host-config';
import { programName, runtimeSection } from '../../../core/facts/runtime';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, notApplicable, pass } from '../../../core/rule';
import { parseRpmQa } from '../../../parsers/rpm-qa';
import { CAC_RULES, templateVars } from '../data';
import type { Evaluator } from './index';
import { pamAccountPasswordFaillock } from './pam';

// ---------- pam_faillock unlock_time ----------

const unlockTimeWithZero: Evaluator = (facts, input) => {
  const meta = CAC_RULES.rules.accounts_passwords_pam_faillock_unlock_time;
  if (!meta) return error('rules.json has no accounts_passwords_pam_faillock_unlock_time to judge it as');
  return pamAccountPasswordFaillock(facts, { ...input, vars: templateVars(meta, input.benchmark) });
};

// ---------- rsyslog remote host ----------

const RSYSLOG_CONF = '/etc/rsyslog.conf';

/** The first forwarding of every message (`*.*`) in an rsyslog configuration text, or undefined. */
export function rsyslogRemoteForward(text: string): { line: number; text: string } | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.replace(/#.*$/, '').trim();
    if (/^\*\.\*\s+(?:@|:omrelp:)/.test(l)) return { line: i + 1, text: l };
    if (!/^\*\.\*\s+action\s*\(/.test(l)) continue;
    // The action's arguments, up to its closing parenthesis (possibly lines later).
    let body = l;
    let j = i;
    while (!body.includes(')') && j + 1 < lines.length) body += ` ${lines[++j]!.replace(/#.*$/, '').trim()}`;
    if (/\btype\s*=\s*"omfwd"/i.test(body) && /\btarget\s*=\s*"\S+"/i.test(body))
      return { line: i + 1, text: body.slice(0, 200) };
  }
  return undefined;
}

const rsyslogRemoteLoghost: Evaluator = (facts) => {
  const main = optionalText(facts, RSYSLOG_CONF);
  if (!main.ok) return error(main.reason);
  if (!main.value) return notApplicable(`rsyslog is not installed (${RSYSLOG_CONF} does not exist)`);
  const d = directoryTexts(facts, '/etc/rsyslog.d', '.conf');
  if (!d.ok) return error(d.reason);
  for (const f of [main.value, ...d.value]) {
    const hit = rsyslogRemoteForward(f.text);
    if (hit)
      return pass(`rsyslog forwards every message to a remote host (${f.path} line ${hit.line})`, [
        { source: f.path, line: hit.line, value: hit.text },
      ]);
  }
  return {
    ...fail(
      `no rsyslog rule forwards every message (*.*) to a remote host in ${RSYSLOG_CONF} or /etc/rsyslog.d`,
      [
        {
          source: RSYSLOG_CONF,
          value: '(no *.* @host or omfwd action)',
          expected: '*.* @@loghost.example.com',
        },
      ],
    ),
    recommendation:
      'Add to /etc/rsyslog.d/60-remote.conf: *.* action(type="omfwd" target="loghost.example.com" port="514" protocol="tcp"), then systemctl restart rsyslog.',
  };
};

// ---------- custom crypto policy modules ----------

interface SubPolicy {
  module: string;
  key: string;
  value: string;
  scope?: string;
}

/** configure_custom_crypto_policy_cis's list per product (upstream rule.yml at the data's commit). */
const SUB_POLICIES: Readonly<Record<string, readonly SubPolicy[]>> = (() => {
  const common: SubPolicy[] = [
    { module: 'NO-SSHCBC', key: 'cipher@SSH', value: '-*-CBC' },
    {
      module: 'NO-SSHWEAKCIPHERS',
      key: 'cipher@SSH',
      value: '-3DES-CBC -AES-128-CBC -AES-192-CBC -AES-256-CBC -CHACHA20-POLY1305',
    },
    { module: 'NO-SSHWEAKMACS', key: 'mac@SSH', value: '-HMAC-MD5* -UMAC-64* -UMAC-128*' },
    { module: 'NO-WEAKMAC', key: 'mac', value: '-*-128*' },
  ];
  return {
    rhel8: common,
    rhel9: [...common, { module: 'NO-RPMSHA1', key: 'hash@rpm', value: '-SHA1', scope: 'rpm-sequoia' }],
    almalinux9: [
      { module: 'NO-WEAKMAC', key: 'mac', value: '-*-64*' },
      { module: 'NO-SSHCBC', key: 'cipher@SSH', value: '-*-CBC' },
    ],
  };
})();

const MODULES_DIR = '/etc/crypto-policies/policies/modules';

const cryptoSubPolicies: Evaluator = (facts, input) => {
  const subs = SUB_POLICIES[input.benchmark];
  if (!subs) return error(`no custom crypto policy module list for ${input.benchmark}`);
  const base = input.vars.base_policy ?? 'DEFAULT:NO-SHA1';
  const files = directoryTexts(facts, MODULES_DIR, '.pmod');
  if (!files.ok) return error(files.reason);
  const byName = new Map(files.value.map((f) => [f.path.slice(MODULES_DIR.length + 1), f.text]));
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  const applied: string[] = [];
  for (const s of subs) {
    if (s.scope) {
      const backEnd = `/etc/crypto-policies/back-ends/${s.scope}.config`;
      const st = facts.pathStat(backEnd);
      if (!st) return error(`${backEnd} was not looked at by the agent`);
      if (st.status !== 'ok') {
        evidence.push({
          source: backEnd,
          value: '(absent)',
          note: `${s.module} not needed: no ${s.scope} back-end`,
        });
        continue;
      }
    }
    applied.push(s.module);
    const path = `${MODULES_DIR}/${s.module}.pmod`;
    const text = byName.get(`${s.module}.pmod`);
    const want = `${s.key} = ${s.value}`;
    const norm = (l: string) =>
      l
        .trim()
        .replace(/\s*=\s*/, ' = ')
        .replace(/\s+/g, ' ');
    const hit = text?.split('\n').findIndex((l) => norm(l) === want);
    const ok = hit !== undefined && hit >= 0;
    evidence.push({
      source: path,
      ...(ok ? { line: hit! + 1 } : {}),
      key: s.key,
      value: text === undefined ? '(absent)' : ok ? s.value : '(no such line)',
      expected: want,
    });
    if (!ok) problems.push(`${path} ${text === undefined ? 'does not exist' : `has no "${want}"`}`);
  }
  const conf = optionalText(facts, '/etc/crypto-policies/config');
  if (!conf.ok) return error(conf.reason);
  const policy =
    conf.value?.text
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim())
      .find(Boolean) ?? '';
  const parts = policy.split(':');
  const notSet = applied.filter((m) => !parts.includes(m));
  evidence.push({
    source: '/etc/crypto-policies/config',
    value: policy || '(unset)',
    expected: `${base}:${applied.join(':')}`,
  });
  if (notSet.length)
    problems.push(`the system policy (${policy || 'unset'}) does not apply ${notSet.join(', ')}`);
  if (problems.length)
    return {
      ...fail(problems.join('; '), evidence),
      recommendation: `${subs
        .filter((s) => applied.includes(s.module))
        .map((s) => `echo '${s.key} = ${s.value}' > ${MODULES_DIR}/${s.module}.pmod`)
        .join('; ')}; update-crypto-policies --set ${base}:${applied.join(':')}`,
    };
  return pass(
    `the custom crypto policy modules ${applied.join(', ')} exist and ${policy} applies them`,
    evidence,
  );
};

// ---------- Red Hat GPG keys ----------

/** gpg-pubkey VERSION-RELEASE of the vendor keys (upstream's product.yml at the data's commit). */
const REDHAT_KEYS: Readonly<Record<string, { keys: string[]; centos: string }>> = {
  rhel8: { keys: ['fd431d51-4ae0493b', 'd4082792-5b32db75'], centos: '8483c65d-5ccc5b19' },
  rhel9: { keys: ['fd431d51-4ae0493b', '5a6340b3-6229229e'], centos: '8483c65d-5ccc5b19' },
};

const redhatGpgKey: Evaluator = (facts, input) => {
  const want = REDHAT_KEYS[input.benchmark];
  if (!want) return error(`no Red Hat key list for ${input.benchmark}`);
  const os = osRelease(facts);
  if (!os.ok) return error(os.reason);
  const id = os.value.ID ?? '';
  const keys = id === 'rhel' ? want.keys : id === 'centos' ? [want.centos] : undefined;
  if (!keys)
    return notApplicable(
      `this host runs ${os.value.NAME ?? id} (ID=${id}), not Red Hat Enterprise Linux: its vendor's key is not Red Hat's; check it by hand (rpm -q gpg-pubkey)`,
    );
  const rpm = facts.telemetry.commands.rpm;
  if (!rpm) return error('the agent found no rpm database (rpm -qa was not run)');
  if (rpm.status !== 'ok') return error(`rpm -qa could not run: ${rpm.reason} (${rpm.detail})`);
  if (rpm.exitCode !== 0) return error(`rpm -qa exited with status ${rpm.exitCode}`);
  const installed = new Set(
    parseRpmQa(rpm.stdout)
      .records.filter((r) => r.name === 'gpg-pubkey')
      .map((r) => `${r.version}-${r.release}`),
  );
  const missing = keys.filter((k) => !installed.has(k));
  const evidence: Evidence[] = keys.map((k) => ({
    source: 'rpm -qa gpg-pubkey',
    key: `gpg-pubkey-${k}`,
    value: installed.has(k) ? 'installed' : '(not installed)',
    expected: 'installed',
  }));
  if (missing.length)
    return {
      ...fail(
        `the vendor key${missing.length > 1 ? 's' : ''} ${missing.map((k) => `gpg-pubkey-${k}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} not in the rpm database`,
        evidence,
      ),
      recommendation:
        'rpm --import /etc/pki/rpm-gpg/RPM-GPG-KEY-redhat-release (from the redhat-release package).',
    };
  return pass(`the vendor keys ${keys.map((k) => `gpg-pubkey-${k}`).join(', ')} are installed`, evidence);
};

// ---------- XWayland ----------

const GDM_CUSTOM = '/etc/gdm/custom.conf';

const xwaylandDisabled: Evaluator = (facts) => {
  const t = optionalText(facts, GDM_CUSTOM);
  if (!t.ok) return error(t.reason);
  const fix = `Set WaylandEnable=false in the [daemon] section of ${GDM_CUSTOM} and restart gdm.`;
  if (!t.value)
    return {
      ...fail(`${GDM_CUSTOM} does not exist: GDM's default (Wayland with XWayland) applies`, [
        { source: GDM_CUSTOM, value: '(absent)', expected: '[daemon] WaylandEnable=false' },
      ]),
      recommendation: fix,
    };
  let section: string | undefined;
  let value: { v: string; line: number } | undefined;
  t.value.text.split('\n').forEach((raw, i) => {
    const l = raw.trim();
    if (l === '' || l.startsWith('#') || l.startsWith(';')) return;
    const s = /^\[([^\]]+)\]/.exec(l);
    if (s) section = s[1]!.trim();
    const kv = /^WaylandEnable\s*=\s*(\S*)/.exec(l);
    if (kv && section === 'daemon') value = { v: kv[1]!, line: i + 1 };
  });
  const e: Evidence = {
    source: GDM_CUSTOM,
    ...(value ? { line: value.line } : {}),
    key: '[daemon] WaylandEnable',
    value: value?.v ?? '(unset)',
    expected: 'false',
  };
  if (value?.v.toLowerCase() === 'false')
    return pass('GDM runs Xorg: Wayland (and XWayland) are disabled', [e]);
  return {
    ...fail(`WaylandEnable is ${value?.v ?? 'unset'} in ${GDM_CUSTOM}'s [daemon] section`, [e]),
    recommendation: fix,
  };
};

// ---------- emergency and rescue modes ----------

const UNIT_DIRS = ['/etc/systemd/system', '/usr/lib/systemd/system'] as const;

/** The ExecStart lines systemd would run for a unit: its file (/etc first), then its /etc drop-ins. */
function effectiveExecStart(
  facts: Facts,
  unit: string,
): { ok: true; exec: string[]; sources: string[] } | { ok: false; outcome: CheckOutcome } {
  let exec: string[] | undefined;
  const sources: string[] = [];
  for (const dir of UNIT_DIRS) {
    const path = `${dir}/${unit}`;
    const rec = facts.file(path);
    if (rec?.status === 'missing' && rec.reason === 'not-a-file')
      return {
        ok: false,
        outcome: fail(`${path} is masked (not a regular file): the mode cannot start`, [
          { source: path, value: '(masked)' },
        ]),
      };
    const t = optionalText(facts, path);
    if (!t.ok) return { ok: false, outcome: error(t.reason) };
    if (!t.value) continue;
    exec = execStarts(t.value.text, []);
    sources.push(path);
    break;
  }
  if (!exec)
    return {
      ok: false,
      outcome: error(`${unit} was found in neither ${UNIT_DIRS.join(' nor ')}`),
    };
  const dropins = directoryTexts(facts, `/etc/systemd/system/${unit}.d`, '.conf');
  if (!dropins.ok) return { ok: false, outcome: error(dropins.reason) };
  for (const d of dropins.value) {
    if (d.resolvedPath === '/dev/null') continue;
    const before = exec.join('\n');
    exec = execStarts(d.text, exec);
    if (exec.join('\n') !== before) sources.push(d.path);
  }
  return { ok: true, exec, sources };
}

/** ExecStart= of a unit text's [Service] section applied to `start` (an empty assignment resets). */
function execStarts(text: string, start: string[]): string[] {
  let list = [...start];
  let section = '';
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    const s = /^\[([^\]]+)\]/.exec(l);
    if (s) section = s[1]!;
    const m = /^ExecStart\s*=\s*(.*)$/.exec(l);
    if (!m || section !== 'Service') continue;
    list = m[1] === '' ? [] : [...list, m[1]!];
  }
  return list;
}

const SULOGIN = /(^|[\s"';/])(?:\/usr)?\/sbin\/sulogin\b|systemd-sulogin-shell\b/;

function requireAuth(service: string, targets: string[], mode: string): Evaluator {
  return (facts) => {
    const e = effectiveExecStart(facts, service);
    if (!e.ok) return e.outcome;
    const evidence: Evidence[] = [
      {
        source: e.sources.join(', '),
        key: 'ExecStart',
        value: e.exec.join(' | ') || '(none)',
        expected: 'sulogin (or systemd-sulogin-shell)',
      },
    ];
    const problems: string[] = [];
    if (e.exec.length === 0 || !e.exec.every((x) => SULOGIN.test(x)))
      problems.push(`${service} runs ${e.exec.join(' | ') || 'nothing'}, not sulogin`);
    let targetSeen = false;
    for (const target of targets) {
      const t = optionalText(facts, `/usr/lib/systemd/system/${target}`);
      if (!t.ok) return error(t.reason);
      if (!t.value) continue;
      targetSeen = true;
      const requires = t.value.text
        .split('\n')
        .filter((l) => /^Requires\s*=/.test(l.trim()))
        .join(' ');
      const ok = new RegExp(`\\b${service.replace('.', '\\.')}\\b`).test(requires);
      evidence.push({
        source: `/usr/lib/systemd/system/${target}`,
        key: 'Requires',
        value: requires.replace(/^Requires\s*=\s*/, '') || '(none)',
        expected: service,
      });
      if (!ok) problems.push(`${target} does not require ${service}`);
    }
    if (!targetSeen) return error(`none of ${targets.join(', ')} was found in /usr/lib/systemd/system`);
    if (problems.length)
      return {
        ...fail(`${mode} mode does not ask for the root password: ${problems.join('; ')}`, evidence),
        recommendation: `Remove the override of ${service} (/etc/systemd/system/${service} and its .d drop-ins) so it runs sulogin, then systemctl daemon-reload.`,
      };
    return pass(`${mode} mode asks for the root password (${service} runs sulogin)`, evidence);
  };
}

// ---------- authselect profile ----------

const AUTHSELECT_CONF = '/etc/authselect/authselect.conf';
const PROFILE_MODULES = ['pam_pwquality', 'pam_pwhistory', 'pam_faillock', 'pam_unix'] as const;

/** Whether a PAM (or authselect profile template) text has a line using the module. */
const usesModule = (text: string, module: string) =>
  new RegExp(`^\\s*-?\\w+\\s+(?:\\[[^\\]]*\\]|\\S+)\\s+${module}\\.so\\b`, 'm').test(text);

const authselectProfileModules: Evaluator = (facts) => {
  const conf = optionalText(facts, AUTHSELECT_CONF);
  if (!conf.ok) return error(conf.reason);
  const fix =
    'authselect create-profile cis --base-on sssd (authselect 1.2.6 or later: its profiles hold pam_pwhistory), authselect select custom/cis with-faillock with-pwhistory.';
  if (!conf.value)
    return {
      ...fail(`authselect is not in use (no ${AUTHSELECT_CONF})`, [
        { source: AUTHSELECT_CONF, value: '(absent)' },
      ]),
      recommendation: fix,
    };
  const profile = conf.value.text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (!profile)
    return {
      ...fail(`${AUTHSELECT_CONF} selects no profile`, [{ source: AUTHSELECT_CONF, value: '(empty)' }]),
      recommendation: fix,
    };
  const evidence: Evidence[] = [{ source: AUTHSELECT_CONF, key: 'profile', value: profile }];
  const problems: string[] = [];
  for (const file of ['system-auth', 'password-auth']) {
    const path = `/etc/authselect/${profile}/${file}`;
    const t = optionalText(facts, path);
    if (!t.ok) return error(t.reason);
    if (!t.value) {
      problems.push(`${path} does not exist (${profile} is not a custom profile under /etc/authselect)`);
      evidence.push({ source: path, value: '(absent)' });
      continue;
    }
    const missing = PROFILE_MODULES.filter((m) => !usesModule(t.value!.text, m));
    evidence.push({
      source: path,
      value: missing.length ? `missing ${missing.join(', ')}` : 'all four modules',
      expected: PROFILE_MODULES.join(', '),
    });
    if (missing.length) problems.push(`${path} has no ${missing.join(', ')}`);
  }
  if (problems.length) return { ...fail(problems.join('; '), evidence), recommendation: fix };
  return pass(`the authselect profile ${profile} includes ${PROFILE_MODULES.join(', ')}`, evidence);
};

// ---------- SELinux confinement of daemons ----------

const SELINUX_ENFORCE = '/sys/fs/selinux/enforce';

const selinuxConfinement: Evaluator = (facts) => {
  if (!isLiveHost(facts))
    return notApplicable(
      `not a live host: the SELinux contexts of running processes are runtime state, and ${facts.telemetry.root} is not a running system`,
    );
  const rt = runtimeSection(facts);
  if (!rt.ok) return error(`running processes are not known: ${rt.reason}`);
  const enforce = optionalText(facts, SELINUX_ENFORCE);
  if (!enforce.ok) return error(enforce.reason);
  if (!enforce.value)
    return {
      ...fail(`SELinux is not enabled (no ${SELINUX_ENFORCE}): no daemon is confined by it`, [
        { source: SELINUX_ENFORCE, value: '(absent)', expected: 'SELinux enabled' },
      ]),
      recommendation:
        'Enable SELinux (SELINUX=enforcing in /etc/selinux/config, selinux=1 on the kernel command line) and reboot.',
    };
  const labelled = rt.value.processes.filter((p) => p.securityLabel !== undefined);
  if (labelled.length === 0)
    return error(
      'the agent recorded no process security context (an agent that predates it, or /proc/PID/attr unreadable)',
    );
  const unconfined = labelled.filter((p) => p.securityLabel!.split(':')[2] === 'unconfined_service_t');
  if (unconfined.length)
    return {
      ...fail(
        `${unconfined.length} running process${unconfined.length > 1 ? 'es run' : ' runs'} as unconfined_service_t: ${[
          ...new Set(unconfined.map(programName)),
        ]
          .slice(0, 10)
          .join(', ')}`,
        unconfined.slice(0, 20).map((p) => ({
          source: `runtime:/proc/${p.pid}/attr/current`,
          key: programName(p),
          value: p.securityLabel!,
          expected: 'a confined domain (not unconfined_service_t)',
          ...(p.exe ? { note: p.exe } : {}),
        })),
      ),
      recommendation:
        'Write an SELinux policy module (a confined domain) for each listed service, or stop it; then restart it and check ps -eZ | grep unconfined_service_t.',
    };
  const dropped = rt.value.dropped.processSightings;
  if (dropped > 0)
    return error(
      `no recorded process runs as unconfined_service_t, but the agent's process cap left ${dropped} process sightings unrecorded`,
    );
  return pass(
    `none of the ${labelled.length} processes with an SELinux context runs as unconfined_service_t`,
    [
      {
        source: 'runtime processes',
        value: `${labelled.length} with a context`,
        expected: 'no unconfined_service_t',
      },
    ],
  );
};

export const SINGLE_HAND_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  'rule:accounts_passwords_pam_faillock_unlock_time_with_zero': unlockTimeWithZero,
  'rule:rsyslog_remote_loghost': rsyslogRemoteLoghost,
  crypto_sub_policies: cryptoSubPolicies,
  'rule:ensure_redhat_gpgkey_installed': redhatGpgKey,
  'rule:xwayland_disabled': xwaylandDisabled,
  'rule:require_emergency_target_auth': requireAuth('emergency.service', ['emergency.target'], 'emergency'),
  'rule:accounts_password_pam_modules_in_authselect_profile': authselectProfileModules,
  'rule:selinux_confinement_of_daemons': selinuxConfinement,
  'rule:require_singleuser_auth': requireAuth(
    'rescue.service',
    ['runlevel1.target', 'rescue.target'],
    'single-user',
  ),
};
