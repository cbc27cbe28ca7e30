/**
 * ComplianceAsCode template `systemd_dropin_configuration` (journald.conf, coredump.conf settings), and the
 * systemd configuration files that `shell_lineinfile` names on some products (Debian 12's journald rules):
 * the value systemd applies, read as systemd.syntax(7) and the *.conf.d(5) order say: the main file, then the
 * drop-ins of /etc, /run and /usr/lib (a name in /etc hides the same name further down) in file-name order,
 * the last assignment in the right [Section] winning. A key set nowhere keeps systemd's default: it passes
 * when the default is the wanted value (noted in the message).
 */
import type { Facts } from '../../../core/facts/facts';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, pass } from '../../../core/rule';
import type { Evaluator } from './index';

/** systemd's defaults (journald.conf(5), coredump.conf(5); systemd 252). */
export const SYSTEMD_DEFAULTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Journal: { Storage: 'auto', Compress: 'yes', ForwardToSyslog: 'no' },
  Coredump: { Storage: 'external', ProcessSizeMax: '2G' },
};

export interface SystemdSetting {
  value: string;
  source: string;
  line: number;
}

/** The files systemd reads for a main config (e.g. /etc/systemd/journald.conf), in order. */
export function systemdConfFiles(
  facts: Facts,
  main: string,
  dropinDir?: string,
): { ok: true; files: string[] } | { ok: false; reason: string } {
  const base = main.slice(main.lastIndexOf('/') + 1);
  const dirs = [
    dropinDir ?? `${main}.d`,
    `/run/systemd/${base}.d`,
    `/usr/local/lib/systemd/${base}.d`,
    `/usr/lib/systemd/${base}.d`,
  ];
  const byName = new Map<string, string>();
  for (const d of dirs)
    for (const [p] of facts.filesUnder(d)) {
      const n = p.slice(d.length + 1);
      if (n.endsWith('.conf') && !byName.has(n)) byName.set(n, p);
    }
  const files: string[] = [];
  const m = facts.file(main);
  if (!m) return { ok: false, reason: `${main} was not collected by the agent` };
  if (m.status === 'ok') files.push(main);
  else if (!facts.isAbsent(main)) return { ok: false, reason: `${main}: ${m.reason} (${m.detail})` };
  for (const n of [...byName.keys()].sort()) files.push(byName.get(n)!);
  return { ok: true, files };
}

export function systemdSetting(
  facts: Facts,
  files: string[],
  section: string | undefined,
  key: string,
): { ok: true; setting: SystemdSetting | undefined } | { ok: false; reason: string } {
  let found: SystemdSetting | undefined;
  for (const f of files) {
    const rec = facts.file(f);
    if (rec?.status === 'missing' && rec.reason === 'not-a-file') continue; // masked by /dev/null
    const t = facts.text(f);
    if (!t.ok) return { ok: false, reason: t.reason };
    let current: string | undefined;
    const lines = t.value.text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!.trim();
      if (l === '' || l.startsWith('#') || l.startsWith(';')) continue;
      const sec = /^\[(.+)\]$/.exec(l);
      if (sec) {
        current = sec[1];
        continue;
      }
      const kv = /^([^=\s]+)\s*=\s*(.*)$/.exec(l);
      if (!kv || kv[1] !== key) continue;
      if (section && current !== section) continue;
      found = { value: kv[2]!.replace(/^"(.*)"$/, '$1').trim(), source: f, line: i + 1 };
    }
  }
  return { ok: true, setting: found };
}

export function judgeSystemd(
  facts: Facts,
  main: string,
  dropinDir: string | undefined,
  section: string | undefined,
  key: string,
  wanted: string,
): CheckOutcome {
  const files = systemdConfFiles(facts, main, dropinDir);
  if (!files.ok) return error(`the configuration could not be read: ${files.reason}`);
  const s = systemdSetting(facts, files.files, section, key);
  if (!s.ok) return error(`the configuration could not be read: ${s.reason}`);
  const fix = `Set ${key}=${wanted} in the [${section ?? 'Journal'}] section of a file in ${dropinDir ?? `${main}.d`} (e.g. 60-cis.conf) and restart the service.`;
  if (!s.setting) {
    const dflt = section ? SYSTEMD_DEFAULTS[section]?.[key] : undefined;
    const ev: Evidence[] = [
      {
        source: main,
        key,
        value: dflt ? `${dflt} (default)` : '(unset)',
        expected: wanted,
        note: `files read: ${files.files.join(', ') || 'none'}`,
      },
    ];
    if (dflt !== undefined && dflt.toLowerCase() === wanted.toLowerCase())
      return pass(`${key} is not set: systemd's default ${dflt} applies`, ev);
    return {
      ...fail(`${key} is not set (systemd's default is ${dflt ?? 'unknown'}); expected ${wanted}`, ev),
      recommendation: fix,
    };
  }
  const ev: Evidence[] = [
    {
      source: s.setting.source,
      line: s.setting.line,
      key,
      value: s.setting.value,
      expected: wanted,
      note: 'the last assignment systemd reads',
    },
  ];
  if (s.setting.value.toLowerCase() !== wanted.toLowerCase())
    return {
      ...fail(`${key} is ${s.setting.value} (${s.setting.source}); expected ${wanted}`, ev),
      recommendation: fix,
    };
  return pass(`${key} is ${s.setting.value} (${s.setting.source})`, ev);
}

export const systemdDropinConfiguration: Evaluator = (facts, { vars }) => {
  const { master_cfg_file: main, dropin_dir: dir, section, param, value } = vars;
  if (!main || !param || value === undefined)
    return error('template systemd_dropin_configuration without master_cfg_file, param or value');
  return judgeSystemd(facts, main, dir, section, param, value);
};

export const SYSTEMD_DROPIN_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  systemd_dropin_configuration: systemdDropinConfiguration,
};
