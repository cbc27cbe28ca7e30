/**
 * Hand-written rules on integrity checking, time synchronisation, mandatory access control and the kernel
 * command line:
 * - aide_build_database: AIDE's database exists (/var/lib/aide/aide.db, aide.db.gz).
 * - aide_periodic_checking_systemd_timer / aide_periodic_cron_checking: a periodic AIDE check is scheduled,
 *   by a timer (Debian's dailyaidecheck.timer, aidecheck.timer) enabled in timers.target, or by cron
 *   (/etc/crontab, a file of /etc/cron.d naming aide, or an aide script in /etc/cron.daily/weekly). The
 *   benchmarks accept either; each rule passes on either and says which it found.
 * - aide_check_audit_tools: aide.conf (and aide.conf.d) select each audit tool (auditctl, auditd, ausearch,
 *   aureport, autrace, augenrules) with p, i, n, u, g, s, b, acl, xattrs and sha512.
 * - ntp_single_service_active: at most one of chrony, systemd-timesyncd, ntp/ntpsec is enabled (and, on a
 *   live host, running).
 * - service_timesyncd_configured: NTP= or FallbackNTP= in timesyncd.conf or its drop-ins, when the
 *   benchmark's var_timesync_service is systemd-timesyncd (else NOT_APPLICABLE);
 * - chronyd_configure_pool_and_server / chronyd_specify_remote_server: a `server` or `pool` line in
 *   chrony.conf, conf.d or sources.d (Debian: when var_timesync_service is chronyd);
 * - chronyd_run_as_chrony_user: no `user` directive and no `-u` option naming another user than
 *   _chrony/chrony (/etc/default/chrony, /etc/sysconfig/chronyd).
 * - template grub2_bootloader_argument (audit=1, audit_backlog_limit=N) and grub2_enable_apparmor,
 *   grub2_enable_selinux: the arguments in /etc/default/grub's GRUB_CMDLINE_LINUX(_DEFAULT) and in every
 *   `linux` line of grub.cfg (selinux: no selinux=0 nor enforcing=0). No GRUB: NOT_APPLICABLE.
 * - zipl_*: s390x only; elsewhere NOT_APPLICABLE.
 * - all_apparmor_profiles_in_enforce_complain_mode / all_apparmor_profiles_enforced: the loaded profiles
 *   (/sys/kernel/security/apparmor/profiles) are all in enforce (or complain) mode; runtime-only.
 * - selinux_state, selinux_policytype (template key_value_pair_in_file), selinux_not_disabled:
 *   /etc/selinux/config's SELINUX and SELINUXTYPE.
 * - template socket_disabled: the socket unit is masked or absent (and not running on a live host).
 */
import type { Facts } from '../../../core/facts/facts';
import { directoryTexts, isLiveHost, listing, optionalText } from '../../../core/facts/host-config';
import { unitActiveState, unitFileState } from '../../../core/facts/systemd';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, notApplicable, pass } from '../../../core/rule';
import type { Evaluator, EvaluatorInput } from './index';
import { xccdfVariable } from './template-helpers';

// ---------- AIDE ----------

const AIDE_DB_DIR = '/var/lib/aide';

const aideDatabase: Evaluator = (facts) => {
  const l = listing(facts, AIDE_DB_DIR);
  if (!l.ok) return error(l.reason);
  const db = l.value?.entries.find((e) => e.type === 'file' && /^aide\.db(\.gz)?$/.test(e.name));
  if (db)
    return pass(`AIDE's database ${AIDE_DB_DIR}/${db.name} exists`, [
      { source: `${AIDE_DB_DIR}/${db.name}`, value: 'present' },
    ]);
  return {
    ...fail(`no AIDE database in ${AIDE_DB_DIR}${l.value ? '' : ' (the directory does not exist)'}`, [
      { source: AIDE_DB_DIR, value: '(none)', expected: 'aide.db or aide.db.gz' },
    ]),
    recommendation:
      'Build it: aideinit (Debian/Ubuntu) or aide --init && mv /var/lib/aide/aide.db.new.gz /var/lib/aide/aide.db.gz (RHEL).',
  };
};

function aideSchedules(facts: Facts): { found: Evidence[]; problems: string[] } {
  const found: Evidence[] = [];
  const problems: string[] = [];
  for (const timer of ['dailyaidecheck.timer', 'aidecheck.timer']) {
    const u = unitFileState(facts, timer);
    if (!u.ok) problems.push(u.reason);
    else if (u.value.state.state === 'enabled')
      found.push({
        source:
          u.value.source === 'systemctl' ? 'systemctl list-unit-files' : (u.value.state.by?.[0] ?? timer),
        key: timer,
        value: 'enabled',
      });
  }
  const crontab = optionalText(facts, '/etc/crontab');
  if (crontab.ok && crontab.value && /^[^#\n]*\baide\b/m.test(crontab.value.text))
    found.push({ source: '/etc/crontab', value: 'runs aide' });
  const cronD = directoryTexts(facts, '/etc/cron.d');
  if (cronD.ok)
    for (const f of cronD.value)
      if (/^[^#\n]*\baide\b/m.test(f.text)) found.push({ source: f.path, value: 'runs aide' });
  for (const dir of ['/etc/cron.daily', '/etc/cron.weekly']) {
    const l = listing(facts, dir);
    const e = l.ok ? l.value?.entries.find((x) => /aide/.test(x.name)) : undefined;
    if (e) found.push({ source: `${dir}/${e.name}`, value: 'present' });
  }
  return { found, problems };
}

const aidePeriodic: Evaluator = (facts) => {
  const { found, problems } = aideSchedules(facts);
  if (found.length)
    return pass(`a periodic AIDE check is scheduled (${found.map((e) => e.source).join(', ')})`, found);
  if (problems.length)
    return error(`no AIDE schedule found, and the timers could not be judged: ${problems.join('; ')}`);
  return {
    ...fail('no periodic AIDE check: no enabled AIDE timer and no cron entry running aide', [
      {
        source: 'timers.target.wants, /etc/crontab, /etc/cron.d',
        value: '(none)',
        expected: 'dailyaidecheck.timer enabled, or a cron entry running aide --check',
      },
    ]),
    recommendation:
      'systemctl enable --now dailyaidecheck.timer (Debian) / aidecheck.timer, or add "0 5 * * * root /usr/bin/aide --check" to /etc/cron.d/aide.',
  };
};

const AUDIT_TOOLS = ['auditctl', 'auditd', 'ausearch', 'aureport', 'autrace', 'augenrules'];
const AIDE_ATTRS = ['p', 'i', 'n', 'u', 'g', 's', 'b', 'acl', 'xattrs', 'sha512'];

const aideAuditTools: Evaluator = (facts) => {
  const texts: Array<{ path: string; text: string }> = [];
  for (const p of ['/etc/aide/aide.conf', '/etc/aide.conf']) {
    const t = optionalText(facts, p);
    if (!t.ok) return error(t.reason);
    if (t.value) texts.push(t.value);
  }
  const d = directoryTexts(facts, '/etc/aide/aide.conf.d');
  if (d.ok) texts.push(...d.value);
  if (texts.length === 0)
    return fail('AIDE is not configured (no /etc/aide/aide.conf or /etc/aide.conf)', [
      { source: '/etc/aide/aide.conf', value: '(absent)', expected: 'audit tools selected' },
    ]);
  const evidence: Evidence[] = [];
  const missing: string[] = [];
  for (const tool of AUDIT_TOOLS) {
    let hit: Evidence | undefined;
    for (const f of texts) {
      const lines = f.text.split('\n');
      const i = lines.findIndex((l) => new RegExp(`^\\s*/(usr/)?sbin/${tool}\\s+(\\S+)`).test(l));
      if (i < 0) continue;
      const attrs = lines[i]!.trim().split(/\s+/)[1]!.split('+');
      const lacking = AIDE_ATTRS.filter((a) => !attrs.includes(a));
      hit = {
        source: f.path,
        line: i + 1,
        key: tool,
        value: lines[i]!.trim(),
        expected: AIDE_ATTRS.join('+'),
        ...(lacking.length ? { note: `lacks ${lacking.join(', ')}` } : {}),
      };
      if (lacking.length === 0) break;
    }
    if (!hit || hit.note) missing.push(tool);
    evidence.push(
      hit ?? { source: texts[0]!.path, key: tool, value: '(not selected)', expected: AIDE_ATTRS.join('+') },
    );
  }
  if (missing.length)
    return {
      ...fail(`AIDE does not check ${missing.join(', ')} with ${AIDE_ATTRS.join('+')}`, evidence),
      recommendation: `Add to /etc/aide/aide.conf.d/ (or aide.conf):\n${AUDIT_TOOLS.map((t) => `/usr/sbin/${t} ${AIDE_ATTRS.join('+')}`).join('\n')}`,
    };
  return pass('AIDE checks every audit tool', evidence);
};

// ---------- time synchronisation ----------

const TIME_SERVICES: Array<{ name: string; units: string[] }> = [
  { name: 'chrony', units: ['chrony.service', 'chronyd.service'] },
  { name: 'systemd-timesyncd', units: ['systemd-timesyncd.service'] },
  { name: 'ntp', units: ['ntp.service', 'ntpd.service', 'ntpsec.service'] },
];

const singleTimeService: Evaluator = (facts) => {
  const active: string[] = [];
  const evidence: Evidence[] = [];
  for (const s of TIME_SERVICES) {
    for (const unit of s.units) {
      const f = unitFileState(facts, unit);
      if (!f.ok) return error(f.reason);
      if (f.value.state.state === 'not-found') continue;
      const a = isLiveHost(facts) ? unitActiveState(facts, unit) : undefined;
      const running = a?.ok ? a.value?.active === 'active' : undefined;
      evidence.push({
        source: f.value.source === 'systemctl' ? 'systemctl' : unit,
        key: unit,
        value: `${f.value.state.state}${running === undefined ? '' : running ? ', active' : ', inactive'}`,
      });
      if (f.value.state.state === 'enabled' || running) active.push(s.name);
    }
  }
  const distinct = [...new Set(active)];
  if (distinct.length > 1)
    return {
      ...fail(
        `${distinct.length} time synchronisation services are in use: ${distinct.join(', ')}`,
        evidence,
      ),
      recommendation: `Keep one: e.g. systemctl disable --now ${distinct.slice(1).join(' ')} (and mask it).`,
    };
  if (distinct.length === 0)
    return fail(
      'no time synchronisation service is enabled',
      evidence.length
        ? evidence
        : [{ source: 'systemd', value: '(none)', expected: 'one of chrony, systemd-timesyncd, ntp' }],
    );
  return pass(`one time synchronisation service in use: ${distinct[0]}`, evidence);
};

function timesyncSelected(input: EvaluatorInput, service: string): string | undefined {
  const v = xccdfVariable(input, 'var_timesync_service');
  if (v !== undefined && v !== service && !(service === 'chronyd' && v === 'chrony'))
    return `the benchmark's var_timesync_service is ${v}, not ${service}`;
  return undefined;
}

const timesyncdConfigured: Evaluator = (facts, input) => {
  const other = timesyncSelected(input, 'systemd-timesyncd');
  if (other) return notApplicable(other);
  const files: Array<{ path: string; text: string }> = [];
  const main = optionalText(facts, '/etc/systemd/timesyncd.conf');
  if (!main.ok) return error(main.reason);
  if (main.value) files.push(main.value);
  const d = directoryTexts(facts, '/etc/systemd/timesyncd.conf.d', '.conf');
  if (!d.ok) return error(d.reason);
  files.push(...d.value);
  const evidence: Evidence[] = [];
  for (const f of files)
    f.text.split('\n').forEach((l, i) => {
      const m = /^\s*(NTP|FallbackNTP)\s*=\s*(\S.*)$/.exec(l);
      if (m) evidence.push({ source: f.path, line: i + 1, key: m[1]!, value: m[2]!.trim() });
    });
  if (evidence.length)
    return pass(`systemd-timesyncd has time servers: ${evidence.map((e) => e.value).join('; ')}`, evidence);
  return {
    ...fail(
      'no NTP= or FallbackNTP= in timesyncd.conf or its drop-ins: systemd-timesyncd uses its compiled-in servers',
      [
        {
          source: '/etc/systemd/timesyncd.conf',
          key: 'NTP',
          value: '(unset)',
          expected: 'authorised time servers',
        },
      ],
    ),
    recommendation:
      'Create /etc/systemd/timesyncd.conf.d/60-timesyncd.conf with [Time] NTP=<servers> FallbackNTP=<servers>, then systemctl reload-or-restart systemd-timesyncd.',
  };
};

function chronyTexts(
  facts: Facts,
): { ok: true; files: Array<{ path: string; text: string }> } | { ok: false; reason: string } {
  const files: Array<{ path: string; text: string }> = [];
  for (const p of ['/etc/chrony/chrony.conf', '/etc/chrony.conf']) {
    const t = optionalText(facts, p);
    if (!t.ok) return { ok: false, reason: t.reason };
    if (t.value) files.push(t.value);
  }
  for (const [dir, suffix] of [
    ['/etc/chrony/conf.d', '.conf'],
    ['/etc/chrony/sources.d', '.sources'],
  ] as const) {
    const d = directoryTexts(facts, dir, suffix);
    if (d.ok) files.push(...d.value);
  }
  return { ok: true, files };
}

/** On Debian and Ubuntu, why chrony's rules do not apply when the benchmark's time service is another one. */
function chronyNotChosen(input: EvaluatorInput): string | undefined {
  return input.benchmark.startsWith('debian') || input.benchmark.startsWith('ubuntu')
    ? timesyncSelected(input, 'chronyd')
    : undefined;
}

const chronyServers: Evaluator = (facts, input) => {
  const other = chronyNotChosen(input);
  if (other) return notApplicable(other);
  const c = chronyTexts(facts);
  if (!c.ok) return error(c.reason);
  if (c.files.length === 0)
    return fail('chrony is not configured (no chrony.conf)', [
      { source: '/etc/chrony/chrony.conf', value: '(absent)', expected: 'server or pool lines' },
    ]);
  const evidence: Evidence[] = [];
  for (const f of c.files)
    f.text.split('\n').forEach((l, i) => {
      const m = /^\s*(server|pool)\s+(\S+)/.exec(l);
      if (m) evidence.push({ source: f.path, line: i + 1, key: m[1]!, value: m[2]! });
    });
  if (evidence.length) return pass(`chrony has ${evidence.length} time source(s)`, evidence);
  return {
    ...fail('no server or pool line in chrony.conf, conf.d or sources.d', [
      { source: c.files[0]!.path, value: '(none)', expected: 'server or pool lines' },
    ]),
    recommendation:
      'Add "pool <your pool> iburst" or "server <your server> iburst" to /etc/chrony/sources.d/ (or chrony.conf) and restart chrony.',
  };
};

const chronyUser: Evaluator = (facts, input) => {
  const other = chronyNotChosen(input);
  if (other) return notApplicable(other);
  const c = chronyTexts(facts);
  if (!c.ok) return error(c.reason);
  if (c.files.length === 0) return notApplicable('chrony is not installed (no chrony.conf)');
  const evidence: Evidence[] = [];
  const bad: string[] = [];
  for (const f of c.files)
    f.text.split('\n').forEach((l, i) => {
      const m = /^\s*user\s+(\S+)/.exec(l);
      if (!m) return;
      evidence.push({
        source: f.path,
        line: i + 1,
        key: 'user',
        value: m[1]!,
        expected: '_chrony or chrony',
      });
      if (!['_chrony', 'chrony'].includes(m[1]!)) bad.push(`${f.path} line ${i + 1}: user ${m[1]}`);
    });
  for (const p of ['/etc/default/chrony', '/etc/sysconfig/chronyd']) {
    const t = optionalText(facts, p);
    if (!t.ok || !t.value) continue;
    t.value.text.split('\n').forEach((l, i) => {
      if (/^\s*#/.test(l)) return;
      const m = /(?:^|\s|")-u\s*(\S+?)["\s]*$/.exec(l) ?? /(?:^|\s|")-u\s*([^\s"]+)/.exec(l);
      if (!m) return;
      evidence.push({ source: p, line: i + 1, key: '-u', value: m[1]!, expected: '_chrony or chrony' });
      if (!['_chrony', 'chrony'].includes(m[1]!)) bad.push(`${p} line ${i + 1}: -u ${m[1]}`);
    });
  }
  if (bad.length)
    return {
      ...fail(`chronyd runs as another user: ${bad.join('; ')}`, evidence),
      recommendation:
        'Remove the user directive / -u option (chronyd drops to _chrony, chrony on RHEL, by default).',
    };
  return pass(
    evidence.length
      ? 'chronyd runs as the chrony user'
      : 'no user directive or -u option: chronyd drops to its compiled-in user (_chrony / chrony)',
    evidence,
  );
};

// ---------- kernel command line ----------

interface GrubArgs {
  sources: Array<{ source: string; line: number; args: string[] }>;
}

function grubArgs(facts: Facts): { ok: true; value: GrubArgs | undefined } | { ok: false; reason: string } {
  const out: GrubArgs = { sources: [] };
  // /etc/default/grub, then /etc/default/grub.d/*.cfg (update-grub sources them after it, in name order:
  // Ubuntu's cloud images set GRUB_CMDLINE_LINUX_DEFAULT there), `$VAR` expanded as the shell would.
  const d = optionalText(facts, '/etc/default/grub');
  if (!d.ok) return d;
  const dropIns = directoryTexts(facts, '/etc/default/grub.d', '.cfg');
  const files = [...(d.value ? [d.value] : []), ...(dropIns.ok ? dropIns.value : [])];
  if (files.length) {
    const vars = new Map<string, { value: string; line: number; source: string }>();
    for (const f of files)
      f.text.split('\n').forEach((l, i) => {
        const m = /^\s*(?:export\s+)?(GRUB_CMDLINE_LINUX(?:_DEFAULT)?)\s*=\s*(["']?)(.*)\2\s*$/.exec(l);
        if (!m) return;
        const value = m[3]!.replace(
          /\$\{?(GRUB_CMDLINE_LINUX(?:_DEFAULT)?)\}?/g,
          (_x, n: string) => vars.get(n)?.value ?? '',
        );
        vars.set(m[1]!, { value, line: i + 1, source: f.path });
      });
    const all = [...vars.values()];
    out.sources.push({
      source: all[0]?.source ?? files[0]!.path,
      line: all[0]?.line ?? 0,
      args: all.flatMap((v) => v.value.split(/\s+/).filter(Boolean)),
    });
  }
  for (const p of ['/boot/grub/grub.cfg', '/boot/grub2/grub.cfg']) {
    const t = optionalText(facts, p);
    if (!t.ok) return t;
    if (!t.value) continue;
    t.value.text.split('\n').forEach((l, i) => {
      const m = /^\s*linux(?:efi|16)?\s+\S+\s*(.*)$/.exec(l);
      if (m) out.sources.push({ source: p, line: i + 1, args: m[1]!.split(/\s+/).filter(Boolean) });
    });
  }
  return { ok: true, value: out.sources.length ? out : undefined };
}

function bootArgs(
  wanted: (
    input: EvaluatorInput,
  ) => Array<{ name: string; value?: string; forbidden?: boolean; atLeast?: boolean }>,
): Evaluator {
  return (facts, input) => {
    const g = grubArgs(facts);
    if (!g.ok) return error(g.reason);
    if (!g.value)
      return notApplicable(
        'no GRUB 2 configuration (/etc/default/grub, grub.cfg): another boot loader or a container image',
      );
    const want = wanted(input);
    const evidence: Evidence[] = [];
    const bad: string[] = [];
    const label = want
      .map((w) =>
        w.forbidden
          ? `no ${w.name}=${w.value}`
          : `${w.name}${w.value ? `${w.atLeast ? '>=' : '='}${w.value}` : ''}`,
      )
      .join(' ');
    for (const s of g.value.sources) {
      const last = (name: string) =>
        [...s.args].reverse().find((a) => a === name || a.startsWith(`${name}=`));
      const problems = want.flatMap((w) => {
        const a = last(w.name);
        const value = a?.includes('=') ? a.slice(a.indexOf('=') + 1) : a ? '' : undefined;
        if (w.forbidden) return value === w.value ? [`${w.name}=${value}`] : [];
        if (value === undefined) return [`no ${w.name}`];
        if (w.value === undefined) return [];
        if (w.atLeast)
          return /^\d+$/.test(value) && Number(value) >= Number(w.value) ? [] : [`${w.name}=${value}`];
        return value !== w.value ? [`${w.name}=${value}`] : [];
      });
      evidence.push({
        source: s.source,
        line: s.line,
        value: s.args.join(' ') || '(no arguments)',
        expected: label,
      });
      if (problems.length) bad.push(`${s.source} line ${s.line}: ${problems.join(', ')}`);
    }
    if (bad.length)
      return {
        ...fail(`the kernel command line lacks ${label}: ${bad.join('; ')}`, evidence.slice(0, 10)),
        recommendation: `Add ${label} to GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub (Debian/Ubuntu) or grub2-mkconfig -o /boot/grub2/grub.cfg (RHEL).`,
      };
    return pass(`every kernel command line has ${label}`, evidence.slice(0, 10));
  };
}

const grubTemplate = bootArgs((input) => {
  const v = input.vars.arg_variable ? xccdfVariable(input, input.vars.arg_variable) : input.vars.arg_value;
  return [
    {
      name: input.vars.arg_name!,
      ...(v !== undefined ? { value: v } : {}),
      atLeast: input.vars.operation === 'greater than or equal',
    },
  ];
});

const zipl: Evaluator = (facts) =>
  facts.arch === 's390x'
    ? error('zipl boot entries (/boot/loader/entries) are not collected by this agent version')
    : notApplicable(`zipl is the s390x boot loader; this host is ${facts.arch ?? 'not s390x'}`);

// ---------- AppArmor / SELinux ----------

const APPARMOR_PROFILES = '/sys/kernel/security/apparmor/profiles';

function apparmorProfiles(modes: string[]): Evaluator {
  return (facts) => {
    if (!isLiveHost(facts))
      return notApplicable('the loaded AppArmor profiles are a runtime fact: not a running system');
    const t = optionalText(facts, APPARMOR_PROFILES);
    if (!t.ok) return error(t.reason);
    if (!t.value)
      return fail(
        'AppArmor is not enabled: no profiles are loaded (/sys/kernel/security/apparmor/profiles absent)',
        [{ source: APPARMOR_PROFILES, value: '(absent)' }],
      );
    const profiles = t.value.text
      .split('\n')
      .map((l) => /^(.*) \((\w+)\)\s*$/.exec(l))
      .filter((m): m is RegExpExecArray => Boolean(m));
    if (profiles.length === 0)
      return fail('no AppArmor profile is loaded', [{ source: APPARMOR_PROFILES, value: '(none)' }]);
    const bad = profiles.filter((m) => !modes.includes(m[2]!));
    const counts = new Map<string, number>();
    for (const m of profiles) counts.set(m[2]!, (counts.get(m[2]!) ?? 0) + 1);
    const evidence: Evidence[] = [
      {
        source: APPARMOR_PROFILES,
        value: [...counts].map(([k, n]) => `${n} ${k}`).join(', '),
        expected: `all ${modes.join(' or ')}`,
      },
      ...bad
        .slice(0, 20)
        .map((m) => ({ source: APPARMOR_PROFILES, key: m[1]!, value: m[2]!, expected: modes.join(' or ') })),
    ];
    if (bad.length)
      return {
        ...fail(`${bad.length} AppArmor profile(s) not in ${modes.join(' or ')} mode`, evidence),
        recommendation: `aa-${modes[0]} /etc/apparmor.d/* (apparmor-utils)`,
      };
    return pass(
      `all ${profiles.length} loaded AppArmor profiles are in ${modes.join(' or ')} mode`,
      evidence,
    );
  };
}

const SELINUX_CONFIG = '/etc/selinux/config';

function selinuxConfig(facts: Facts) {
  const t = optionalText(facts, SELINUX_CONFIG);
  if (!t.ok) return { error: t.reason } as const;
  if (!t.value) return { absent: true } as const;
  const values = new Map<string, { value: string; line: number }>();
  t.value.text.split('\n').forEach((l, i) => {
    const m = /^\s*([A-Z_]+)\s*=\s*"?([^"\s#]*)"?/.exec(l);
    if (m) values.set(m[1]!, { value: m[2]!, line: i + 1 });
  });
  return { values } as const;
}

function selinuxKey(
  key: string,
  ok: (v: string, input: EvaluatorInput) => boolean,
  expected: (input: EvaluatorInput) => string,
): Evaluator {
  return (facts, input) => {
    const c = selinuxConfig(facts);
    if ('error' in c) return error(c.error!);
    if ('absent' in c)
      return fail(`${SELINUX_CONFIG} does not exist: SELinux is not configured`, [
        { source: SELINUX_CONFIG, value: '(absent)', expected: `${key}=${expected(input)}` },
      ]);
    const v = c.values.get(key);
    const e: Evidence[] = [
      {
        source: SELINUX_CONFIG,
        ...(v ? { line: v.line } : {}),
        key,
        value: v?.value ?? '(unset)',
        expected: expected(input),
      },
    ];
    if (v && ok(v.value, input)) return pass(`${key} is ${v.value}`, e);
    return {
      ...fail(`${key} is ${v?.value ?? 'not set'}; expected ${expected(input)}`, e),
      recommendation: `Set ${key}=${expected(input)} in ${SELINUX_CONFIG} and reboot (fixfiles onboot when coming from disabled).`,
    };
  };
}

// ---------- sockets ----------

const socketDisabled: Evaluator = (facts, input): CheckOutcome => {
  const name = input.vars.socketname;
  if (!name) return error('template socket_disabled without a socket name');
  const unit = `${name}.socket`;
  const f = unitFileState(facts, unit);
  if (!f.ok) return error(f.reason);
  const e: Evidence[] = [
    {
      source: f.value.source === 'systemctl' ? 'systemctl list-unit-files' : (f.value.path ?? unit),
      key: unit,
      value: f.value.state.state,
      expected: 'masked or absent',
    },
  ];
  if (f.value.state.state === 'not-found') return pass(`${unit} does not exist`, e);
  if (f.value.state.state !== 'masked')
    return {
      ...fail(`${unit} is ${f.value.state.state}, not masked`, e),
      recommendation: `systemctl stop ${unit} && systemctl mask ${unit}`,
    };
  if (isLiveHost(facts)) {
    const a = unitActiveState(facts, unit);
    if (a.ok && a.value?.active === 'active') return fail(`${unit} is masked but still active`, e);
  }
  return pass(`${unit} is masked`, e);
};

export const SYSTEM_HAND_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  'rule:aide_build_database': aideDatabase,
  'rule:aide_periodic_checking_systemd_timer': aidePeriodic,
  'rule:aide_periodic_cron_checking': aidePeriodic,
  'rule:aide_check_audit_tools': aideAuditTools,
  'rule:ntp_single_service_active': singleTimeService,
  'rule:service_timesyncd_configured': timesyncdConfigured,
  'rule:chronyd_configure_pool_and_server': chronyServers,
  'rule:chronyd_specify_remote_server': chronyServers,
  'rule:chronyd_run_as_chrony_user': chronyUser,
  grub2_bootloader_argument: grubTemplate,
  zipl_bls_entries_option: zipl,
  'rule:grub2_enable_apparmor': bootArgs(() => [
    { name: 'apparmor', value: '1' },
    { name: 'security', value: 'apparmor' },
  ]),
  'rule:grub2_enable_selinux': bootArgs(() => [
    { name: 'selinux', value: '0', forbidden: true },
    { name: 'enforcing', value: '0', forbidden: true },
  ]),
  'rule:all_apparmor_profiles_in_enforce_complain_mode': apparmorProfiles(['enforce', 'complain']),
  'rule:all_apparmor_profiles_enforced': apparmorProfiles(['enforce']),
  'rule:selinux_state': selinuxKey(
    'SELINUX',
    (v) => v === 'enforcing',
    () => 'enforcing',
  ),
  'rule:selinux_not_disabled': selinuxKey(
    'SELINUX',
    (v) => v === 'enforcing' || v === 'permissive',
    () => 'enforcing or permissive',
  ),
  key_value_pair_in_file: (facts, input) => {
    if (input.vars.path !== SELINUX_CONFIG || !input.vars.key)
      return error(`key_value_pair_in_file for ${input.vars.path} is not evaluated by this version`);
    const want = (i: EvaluatorInput) =>
      (i.vars.xccdf_variable ? xccdfVariable(i, i.vars.xccdf_variable) : i.vars.value) ?? 'targeted';
    return selinuxKey(input.vars.key, (v, i) => v === want(i), want)(facts, input);
  },
  socket_disabled: socketDisabled,
};
