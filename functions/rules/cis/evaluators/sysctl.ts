/**
 * ComplianceAsCode's `sysctl` template: the kernel parameter must have the expected value (`sysctlval`, one
 * value or a list of accepted ones; else the XCCDF variable `<rule id>_value`) both in the persistent
 * configuration and at runtime.
 *
 * Persistent: the value systemd-sysctl applies, i.e. the last assignment in its order (sysctl.d files by
 * name across /etc, /run, /usr/local/lib, /usr/lib, /lib, a name in a higher directory hiding the same
 * name lower down, /etc/sysctl.conf last): a wrong value that a later file overrides is not a failure
 * (upstream's OVAL fails it; systemd does not apply it). A key no file sets fails: the runtime value would
 * not survive a reboot.
 * Runtime: /proc/sys. On a root that is not a running system it is unknown: the check is then
 * NOT_APPLICABLE with that reason when the persistent value is right (never PASS), FAIL when it is wrong.
 * On Ubuntu, /etc/ufw/sysctl.conf (ufw applies it when it starts) must not set a wrong value either, as
 * upstream checks on Ubuntu.
 * net.ipv6.* parameters pass when IPv6 is disabled (net.ipv6.conf.all.disable_ipv6 = 1 persistently and at
 * runtime, or no net.ipv6 parameters at all on a live host: ipv6.disable=1 on the kernel command line).
 */
import type { Facts } from '../../../core/facts/facts';
import { optionalText } from '../../../core/facts/host-config';
import { sysctlSetting } from '../../../core/facts/sysctl';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, notApplicable, pass } from '../../../core/rule';
import { parseSysctlConf } from '../../../parsers/sysctl-conf';
import type { Evaluator, EvaluatorInput } from './index';
import { listVar, notLive, xccdfVariable } from './template-helpers';

/** The accepted values of a sysctl rule. */
export function sysctlExpected(input: EvaluatorInput): string[] {
  const v = listVar(input.vars.sysctlval);
  if (v.length) return v;
  const x = xccdfVariable(input, `${input.ruleId}_value`);
  return x === undefined ? [] : [x];
}

const same = (datatype: string | undefined, a: string, b: string): boolean => {
  if (datatype === 'int') {
    const x = a.trim();
    const y = b.trim();
    return /^-?\d+$/.test(x) && /^-?\d+$/.test(y) ? BigInt(x) === BigInt(y) : x === y;
  }
  // Runtime values of multi-field parameters are tab-separated; files use spaces.
  return a.trim().split(/\s+/).join(' ') === b.trim().split(/\s+/).join(' ');
};

function ipv6Disabled(facts: Facts): { disabled: boolean; why: string } {
  const s = sysctlSetting(facts, 'net.ipv6.conf.all.disable_ipv6');
  const kp = facts.telemetry.kernelParameters;
  if (!notLive(facts) && kp.status === 'ok' && !Object.keys(kp.values).some((k) => k.startsWith('net.ipv6.')))
    return { disabled: true, why: 'the kernel has no net.ipv6 parameters (IPv6 disabled at boot)' };
  if (s.runtime.ok && s.runtime.value === '1' && s.persistent.ok && s.persistent.value?.value === '1')
    return {
      disabled: true,
      why: `net.ipv6.conf.all.disable_ipv6 = 1 at runtime and in ${s.persistent.value.file} line ${s.persistent.value.line}`,
    };
  return { disabled: false, why: '' };
}

const UFW_SYSCTL = '/etc/ufw/sysctl.conf';

export const sysctlEvaluator: Evaluator = (facts, input): CheckOutcome => {
  const key = input.vars.sysctlvar;
  if (!key) return error(`${input.ruleId}: the template names no kernel parameter`);
  const expected = sysctlExpected(input);
  if (expected.length === 0)
    return error(`${input.ruleId}: no expected value (${input.ruleId}_value is not set)`);
  const want = expected.join(' or ');
  const ok = (v: string) => expected.some((e) => same(input.vars.datatype, v, e));

  if (key.startsWith('net.ipv6.')) {
    const v6 = ipv6Disabled(facts);
    if (v6.disabled)
      return pass(`IPv6 is disabled: ${v6.why}`, [
        { source: 'net.ipv6.conf.all.disable_ipv6', value: '1', note: v6.why },
      ]);
  }

  const s = sysctlSetting(facts, key);
  const evidence: Evidence[] = [];
  if (!s.persistent.ok)
    return error(`the persistent configuration of ${key} is not known: ${s.persistent.reason}`);
  const p = s.persistent.value;
  for (const o of s.overridden)
    evidence.push({
      source: o.file,
      line: o.line,
      key,
      value: o.value,
      note: 'overridden by a later assignment (not applied)',
    });
  evidence.push(
    p
      ? { source: p.file, line: p.line, key, value: p.value, expected: want }
      : {
          source: 'sysctl.d',
          key,
          value: '(unset)',
          expected: want,
          note: 'no sysctl.d file or /etc/sysctl.conf sets it',
        },
  );
  if (s.runtime.ok) evidence.push({ source: '/proc/sys', key, value: s.runtime.value, expected: want });

  const fix = `Set "${key} = ${expected[0]}" in a file of /etc/sysctl.d (e.g. /etc/sysctl.d/60-cis.conf) that no later file overrides, and apply it with sysctl -w ${key}=${expected[0]}.`;
  const failWith = (message: string): CheckOutcome => ({ ...fail(message, evidence), recommendation: fix });

  const problems: string[] = [];
  // Ubuntu: ufw applies /etc/ufw/sysctl.conf (its IPT_SYSCTL) when it starts, after systemd-sysctl; upstream's
  // check reads it beside /etc/sysctl.conf on Ubuntu.
  if (input.benchmark.startsWith('ubuntu')) {
    const ufw = optionalText(facts, UFW_SYSCTL);
    const set =
      ufw.ok && ufw.value
        ? parseSysctlConf(ufw.value.text)
            .assignments.filter((a) => a.key === s.key)
            .at(-1)
        : undefined;
    if (set) {
      evidence.push({
        source: UFW_SYSCTL,
        line: set.line,
        key,
        value: set.value,
        expected: want,
        note: 'ufw applies it when it starts',
      });
      if (!ok(set.value))
        problems.push(`${set.value} in ${UFW_SYSCTL} line ${set.line} (ufw applies it when it starts)`);
    }
  }
  if (!p) problems.push(`no persistent setting (sysctl.d, /etc/sysctl.conf)`);
  else if (!ok(p.value)) problems.push(`persistently ${p.value} (${p.file} line ${p.line})`);
  if (s.runtime.ok && !ok(s.runtime.value)) problems.push(`${s.runtime.value} at runtime`);
  if (problems.length) return failWith(`${key} should be ${want}: ${problems.join('; ')}`);
  if (!s.runtime.ok) {
    if (notLive(facts))
      return notApplicable(
        `${key} is ${p!.value} persistently (${p!.file}), but the runtime value is not known: ${s.runtime.reason}`,
        evidence,
      );
    return error(`the runtime value of ${key} is not known: ${s.runtime.reason}`, evidence);
  }
  const overrode = s.overridden.length
    ? ` (overrides ${s.overridden.map((o) => `${o.file} line ${o.line}`).join(', ')})`
    : '';
  return pass(`${key} is ${s.runtime.value} at runtime and ${p!.value} in ${p!.file}${overrode}`, evidence);
};

export const SYSCTL_EVALUATORS: Record<string, Evaluator> = { sysctl: sysctlEvaluator };
