/**
 * ComplianceAsCode template `shell_lineinfile`: `PARAMETER=value` in a shell-style file (firewalld.conf's
 * FirewallBackend=…), the last assignment winning, quotes removed. Where a product points the template at a
 * systemd configuration file (Debian 12's journald rules name /etc/systemd/journald.conf), the value is the
 * one systemd applies, drop-ins included (systemd-dropin.ts).
 */
import { optionalText } from '../../../core/facts/host-config';
import { type CheckOutcome, error, fail, pass } from '../../../core/rule';
import type { Evaluator } from './index';
import { judgeSystemd } from './systemd-dropin';

const SYSTEMD_SECTIONS: Readonly<Record<string, string>> = {
  '/etc/systemd/journald.conf': 'Journal',
  '/etc/systemd/coredump.conf': 'Coredump',
};

export const shellLineinfile: Evaluator = (facts, { vars }): CheckOutcome => {
  const path = vars.path ?? vars.master_cfg_file;
  const key = vars.parameter ?? vars.param;
  const wanted = vars.value;
  if (!path || !key || wanted === undefined)
    return error('template shell_lineinfile without path, parameter or value');
  const section = SYSTEMD_SECTIONS[path];
  if (section) return judgeSystemd(facts, path, vars.dropin_dir, section, key, wanted);
  const t = optionalText(facts, path);
  if (!t.ok) return error(`${path} could not be read: ${t.reason}`);
  if (!t.value)
    return fail(`${path} does not exist (expected ${key}=${wanted})`, [
      { source: path, value: '(absent)', expected: `${key}=${wanted}` },
    ]);
  let found: { value: string; line: number } | undefined;
  const lines = t.value.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(lines[i]!);
    if (m && m[1] === key) found = { value: m[2]!.replace(/^(["'])(.*)\1$/, '$2'), line: i + 1 };
  }
  if (!found)
    return {
      ...fail(`${key} is not set in ${path}`, [{ source: path, key, value: '(unset)', expected: wanted }]),
      recommendation: `Add ${key}=${wanted} to ${path}.`,
    };
  const ev = [{ source: path, line: found.line, key, value: found.value, expected: wanted }];
  if (found.value !== wanted)
    return {
      ...fail(`${key} is ${found.value}; expected ${wanted}`, ev),
      recommendation: `Set ${key}=${wanted} in ${path}.`,
    };
  return pass(`${key}=${found.value} in ${path}`, ev);
};

export const LINEINFILE_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  shell_lineinfile: shellLineinfile,
};
