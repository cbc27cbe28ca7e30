/**
 * ComplianceAsCode's service templates (systemd), as their OVAL decides:
 * - service_disabled: the package (`packagename`, default the service name) is not installed, or no
 *   `<name>.service`/`<name>.socket` unit exists, or every such unit is masked and none is running;
 *   a unit that is only disabled fails (another unit or a user can still start it; upstream wants masked).
 * - service_enabled: the package is installed, the service or its socket is enabled (multi-user.target wants
 *   it) and running.
 * - *_guard_var: service_enabled_guard_var applies when the benchmark's variable selects the service (else
 *   PASS, not needed); service_disabled_guard_var applies when it selects another one (else PASS, needed).
 * Unit file state comes from `systemctl list-unit-files` on a live host, else from the unit directories
 * (mask links, .wants links). Whether a unit runs is runtime-only: on a root that is not a running system
 * a check that would otherwise pass is NOT_APPLICABLE with that reason, never PASS.
 */
import type { Facts } from '../../../core/facts/facts';
import { type UnitFileFact, unitActiveState, unitFileState } from '../../../core/facts/systemd';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, notApplicable, pass } from '../../../core/rule';
import type { Evaluator, EvaluatorInput } from './index';
import { guarded, installedPackages } from './packages';
import { notLive } from './template-helpers';

const fileStateText = (u: UnitFileFact): string => {
  const by = 'by' in u.state ? u.state.by : undefined;
  return `${u.state.state}${by ? ` (${Array.isArray(by) ? by.join(', ') : by})` : ''}`;
};

interface UnitsSeen {
  units: UnitFileFact[];
  evidence: Evidence[];
}

function units(facts: Facts, name: string): { ok: true; value: UnitsSeen } | { ok: false; reason: string } {
  const out: UnitsSeen = { units: [], evidence: [] };
  for (const unit of [`${name}.service`, `${name}.socket`]) {
    const f = unitFileState(facts, unit);
    if (!f.ok) return { ok: false, reason: f.reason };
    if (f.value.state.state === 'not-found') continue;
    out.units.push(f.value);
    out.evidence.push({
      source:
        f.value.source === 'systemctl'
          ? 'systemctl list-unit-files'
          : (f.value.path ?? 'systemd unit directories'),
      key: unit,
      value: fileStateText(f.value),
    });
  }
  return { ok: true, value: out };
}

/** Active state of the units on a live host: running names, or why it is unknown. */
function running(
  facts: Facts,
  us: UnitFileFact[],
  evidence: Evidence[],
): { ok: true; running: string[] } | { ok: false; reason: string } {
  const on: string[] = [];
  // sd_booted(3): on a running host without /run/systemd/system, systemd does not run it (a container, another
  // init): no unit runs.
  const booted = facts.pathStat('/run/systemd/system');
  if (!notLive(facts) && booted?.status === 'missing' && booted.reason === 'not-found') {
    evidence.push({
      source: '/run/systemd/system',
      value: '(does not exist)',
      note: 'systemd does not run this host: no unit runs',
    });
    return { ok: true, running: on };
  }
  for (const u of us) {
    const a = unitActiveState(facts, u.unit);
    if (!a.ok) return { ok: false, reason: a.reason };
    const active = a.value?.active ?? 'inactive';
    evidence.push({
      source: 'systemctl list-units',
      key: u.unit,
      value: a.value ? `${a.value.active} (${a.value.sub})` : 'inactive (not loaded)',
    });
    if (active !== 'inactive' && active !== 'failed') on.push(`${u.unit} is ${active}`);
  }
  return { ok: true, running: on };
}

function packageState(
  facts: Facts,
  pkg: string,
): { ok: true; installed: boolean; evidence: Evidence } | { ok: false; reason: string } {
  const pk = installedPackages(facts);
  if (!pk.ok) return { ok: false, reason: pk.reason };
  const found = pk.byName.get(pkg) ?? [];
  return {
    ok: true,
    installed: found.length > 0,
    evidence: {
      source: pk.source,
      key: pkg,
      value: found.length ? found.map((p) => p.version).join(', ') : '(not installed)',
    },
  };
}

export function serviceDisabled(facts: Facts, input: EvaluatorInput): CheckOutcome {
  const name = input.vars.servicename;
  if (!name) return error(`${input.ruleId}: the template names no service`);
  const pkgName = input.vars.packagename ?? name;
  const pkg = packageState(facts, pkgName);
  if (pkg.ok && !pkg.installed) return pass(`package ${pkgName} is not installed`, [pkg.evidence]);
  const u = units(facts, name);
  if (!u.ok) return error(`the state of ${name} is not known: ${u.reason}`);
  const evidence = [...(pkg.ok ? [pkg.evidence] : []), ...u.value.evidence];
  if (u.value.units.length === 0) return pass(`no ${name}.service or ${name}.socket unit exists`, evidence);
  const fix = `Stop and mask it: systemctl stop ${u.value.units.map((x) => x.unit).join(' ')} && systemctl mask ${u.value.units.map((x) => x.unit).join(' ')} (or remove the package ${pkgName}).`;
  const notMasked = u.value.units.filter((x) => x.state.state !== 'masked');
  const r = running(facts, u.value.units, evidence);
  const problems = notMasked.map((x) => `${x.unit} is ${x.state.state}, not masked`);
  if (r.ok) problems.push(...r.running);
  if (problems.length) return { ...fail(problems.join('; '), evidence), recommendation: fix };
  if (!r.ok) {
    const why = `${u.value.units.map((x) => x.unit).join(' and ')} masked, but whether it runs is not known: ${r.reason}`;
    return facts.telemetry.root === '/' ? error(why, evidence) : notApplicable(why, evidence);
  }
  return pass(`${u.value.units.map((x) => x.unit).join(' and ')} masked and not running`, evidence);
}

const ENABLED = new Set(['enabled', 'enabled-runtime', 'alias']);

export function serviceEnabled(facts: Facts, input: EvaluatorInput): CheckOutcome {
  const name = input.vars.servicename;
  if (!name) return error(`${input.ruleId}: the template names no service`);
  const pkgName = input.vars.packagename ?? name;
  const pkg = packageState(facts, pkgName);
  if (!pkg.ok) return error(`the installed packages are not known: ${pkg.reason}`);
  const fix = `Install ${pkgName} if needed, then enable and start ${name}: systemctl enable --now ${name}.service.`;
  if (!pkg.installed)
    return { ...fail(`package ${pkgName} is not installed`, [pkg.evidence]), recommendation: fix };
  const u = units(facts, name);
  if (!u.ok) return error(`the state of ${name} is not known: ${u.reason}`);
  const evidence = [pkg.evidence, ...u.value.evidence];
  const enabled = u.value.units.filter((x) => ENABLED.has(x.state.state));
  if (enabled.length === 0)
    return {
      ...fail(
        u.value.units.length
          ? `${u.value.units.map((x) => `${x.unit} is ${x.state.state}`).join('; ')}: not enabled`
          : `no ${name}.service unit exists`,
        evidence,
      ),
      recommendation: fix,
    };
  const r = running(facts, u.value.units, evidence);
  if (!r.ok) {
    const why = `${enabled.map((x) => x.unit).join(' and ')} enabled, but whether it runs is not known: ${r.reason}`;
    return facts.telemetry.root === '/' ? error(why, evidence) : notApplicable(why, evidence);
  }
  if (r.running.length === 0)
    return {
      ...fail(`${enabled.map((x) => x.unit).join(' and ')} enabled but not running`, evidence),
      recommendation: fix,
    };
  return pass(`${enabled.map((x) => x.unit).join(' and ')} enabled; ${r.running.join('; ')}`, evidence);
}

export const SERVICE_EVALUATORS: Record<string, Evaluator> = {
  service_disabled: serviceDisabled,
  service_enabled: serviceEnabled,
  service_enabled_guard_var: guarded(serviceEnabled, 'selected'),
  service_disabled_guard_var: guarded(serviceDisabled, 'not-selected'),
};
