/**
 * ComplianceAsCode template `sshd_lineinfile`: an sshd keyword has the wanted value. Judged on sshd's
 * effective configuration (functions/core/facts/sshd.ts): the first value a keyword gets wins, Include'd
 * drop-ins (sshd_config.d) count where the Include stands, and a conditional Match block that sets the keyword
 * to another value is a failure too (it applies to the connections it matches). Upstream's OVAL requires every
 * line of sshd_config and sshd_config.d to agree; reading the configuration as sshd does is what decides.
 *
 * A keyword that is not set keeps OpenSSH's compiled-in default: it passes when that default is the wanted
 * value (as `sshd -T` would show), and fails otherwise. sshd not installed (no config file, no binary) is
 * NOT_APPLICABLE (upstream passes such a host).
 *
 * Numbers taken from a variable (MaxAuthTries, MaxSessions, LoginGraceTime, ClientAliveInterval,
 * ClientAliveCountMax) pass from 1 up to the variable (upstream requires equality; the benchmark's wording
 * is "at most"); MaxStartups start:rate:full passes when each field is at most the variable's.
 */
import { sshdConfiguration, sshdMatchValues, sshdValue } from '../../../core/facts/sshd';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, notApplicable, pass } from '../../../core/rule';
import type { Evaluator } from './index';

/** OpenSSH's compiled-in defaults (servconf.c fill_default_server_options) of the keywords the rules judge. */
export const OPENSSH_DEFAULTS: Readonly<Record<string, string>> = {
  hostbasedauthentication: 'no',
  permitemptypasswords: 'no',
  gssapiauthentication: 'no',
  ignorerhosts: 'yes',
  x11forwarding: 'no',
  permituserenvironment: 'no',
  loglevel: 'INFO',
  usepam: 'no',
  permitrootlogin: 'prohibit-password',
  allowtcpforwarding: 'yes',
  disableforwarding: 'no',
  banner: 'none',
  clientaliveinterval: '0',
  clientalivecountmax: '3',
  logingracetime: '120',
  maxauthtries: '6',
  maxsessions: '10',
  maxstartups: '10:30:100',
  passwordauthentication: 'yes',
};

/** sshd time values: 90, 2m, 1h30m → seconds. */
export function sshdSeconds(v: string): number | undefined {
  if (/^\d+$/.test(v)) return Number(v);
  const m = v.toLowerCase().match(/^(\d+[smhdw]?)+$/);
  if (!m) return undefined;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const part of v.toLowerCase().matchAll(/(\d+)([smhdw]?)/g))
    total += Number(part[1]) * unit[part[2] || 's']!;
  return total;
}

const TIME_KEYWORDS = new Set(['logingracetime', 'clientaliveinterval']);

/** Whether `value` meets `wanted` for the keyword (returns the expectation text too). */
export function sshdMeets(
  keyword: string,
  value: string,
  wanted: string,
  datatype: string,
  fromVariable: boolean,
): { ok: boolean; expected: string } {
  const k = keyword.toLowerCase();
  if (k === 'maxstartups' && fromVariable) {
    const want = wanted.split(':').map(Number);
    const have = value.split(':').map(Number);
    // "10" alone is start=10 with no random early drop (rate 100, full = start).
    const full = have.length === 1 ? [have[0]!, 100, have[0]!] : have;
    const ok = full.length === 3 && full.every((n, i) => Number.isFinite(n) && n <= (want[i] ?? n));
    return { ok, expected: `each of start:rate:full at most ${wanted}` };
  }
  if (datatype === 'int' && fromVariable) {
    const n = TIME_KEYWORDS.has(k) ? sshdSeconds(value) : /^-?\d+$/.test(value) ? Number(value) : undefined;
    const max = Number(wanted);
    return { ok: n !== undefined && n >= 1 && n <= max, expected: `between 1 and ${wanted}` };
  }
  if (datatype === 'int') return { ok: Number(value) === Number(wanted), expected: wanted };
  if (k === 'banner') return { ok: value === wanted, expected: wanted };
  return { ok: value.toLowerCase() === wanted.toLowerCase(), expected: wanted };
}

export const sshdLineinfile: Evaluator = (facts, { vars, variables }): CheckOutcome => {
  const parameter = vars.parameter;
  if (!parameter) return error('template sshd_lineinfile without a parameter');
  const fromVariable = Boolean(vars.xccdf_variable);
  const wanted = vars.xccdf_variable ? variables[vars.xccdf_variable] : vars.value;
  if (wanted === undefined)
    return error(`the benchmark does not set ${vars.xccdf_variable} (the value ${parameter} must have)`);
  const datatype = vars.datatype ?? 'string';
  const sshd = sshdConfiguration(facts);
  if (!sshd.ok) return error(`the sshd configuration could not be read: ${sshd.reason}`);
  if (!sshd.value.present) return notApplicable(`sshd is not installed: ${sshd.value.reason}`);
  const config = sshd.value.config;
  const k = parameter.toLowerCase();
  const eff = sshdValue(config, parameter);
  const evidence: Evidence[] = [];
  let value: string;
  let note: string | undefined;
  if (eff.setting) {
    value = eff.value;
    evidence.push({
      source: eff.setting.source,
      line: eff.setting.line,
      key: parameter,
      value,
      note: 'first value sshd reads (later lines and files do not change it)',
    });
  } else {
    const dflt = OPENSSH_DEFAULTS[k];
    if (dflt === undefined) {
      const m = sshdMeets(parameter, '', wanted, datatype, fromVariable);
      return fail(`${parameter} is not set in ${config.files.join(', ') || 'sshd_config'}`, [
        {
          source: config.files[0] ?? '/etc/ssh/sshd_config',
          key: parameter,
          value: '(unset)',
          expected: m.expected,
        },
      ]);
    }
    value = dflt;
    note = `not set: OpenSSH's compiled-in default ${dflt} applies`;
    evidence.push({ source: config.files[0] ?? '/etc/ssh/sshd_config', key: parameter, value: dflt, note });
  }
  const m = sshdMeets(parameter, value, wanted, datatype, fromVariable);
  for (const e of evidence) e.expected = m.expected;
  const badMatch = sshdMatchValues(config, parameter).filter(
    (s) => !sshdMeets(parameter, s.value, wanted, datatype, fromVariable).ok,
  );
  if (!m.ok)
    return {
      ...fail(`${parameter} is ${value}${note ? ` (${note})` : ''}; expected ${m.expected}`, evidence),
      recommendation: `Set "${parameter} ${wanted}" before any other ${parameter} line sshd reads (the first value wins: put it in ${config.files[1] ?? '/etc/ssh/sshd_config'} or at the top of /etc/ssh/sshd_config) and reload sshd.`,
    };
  if (badMatch.length > 0)
    return fail(
      `${parameter} is ${value} globally but a Match block sets ${badMatch.map((s) => s.value).join(', ')}; expected ${m.expected}`,
      [
        ...evidence,
        ...badMatch.map((s) => ({
          source: s.source,
          line: s.line,
          key: parameter,
          value: s.value,
          expected: m.expected,
          note: `inside Match ${s.match}`,
        })),
      ],
    );
  return pass(`${parameter} is ${value}${note ? ` (${note})` : ''}`, evidence);
};
