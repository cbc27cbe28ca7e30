/**
 * ComplianceAsCode's package templates, decided on the installed-package inventory (dpkg, rpm or apk):
 * - package_installed: the package is installed (and, with `evr`, at that version or later);
 * - package_removed: none of the packages (`pkgname`, one or a list) is installed;
 * - package_installed_guard_var / package_removed_guard_var: as above when the benchmark's variable selects
 *   the package (var_timesync_service = systemd-timesyncd...); PASS "not needed" when it selects another, as
 *   upstream's OVAL does.
 */
import type { Facts } from '../../../core/facts/facts';
import { type InstalledPackage, inventory } from '../../../core/facts/packages';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, pass } from '../../../core/rule';
import { compareVersions } from '../../../core/versions';
import type { Evaluator, EvaluatorInput } from './index';
import { guard, listVar } from './template-helpers';

const DB: Record<string, string> = {
  dpkg: '/var/lib/dpkg/status',
  rpm: 'rpm -qa',
  apk: '/lib/apk/db/installed',
};

/** Installed packages by name, or why the inventory is unknown. */
export function installedPackages(
  facts: Facts,
): { ok: true; byName: Map<string, InstalledPackage[]>; source: string } | { ok: false; reason: string } {
  return facts.memo('cis-installed-packages', () => {
    const inv = inventory(facts);
    if (!inv.ok) return { ok: false as const, reason: inv.reason };
    const byName = new Map<string, InstalledPackage[]>();
    for (const p of inv.value.packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
    return { ok: true as const, byName, source: DB[inv.value.manager] ?? inv.value.manager };
  });
}

const label = (p: InstalledPackage) => `${p.name} ${p.version}${p.arch ? ` (${p.arch})` : ''}`;

export function packageInstalled(facts: Facts, input: EvaluatorInput): CheckOutcome {
  const name = input.vars.pkgname;
  if (!name) return error(`${input.ruleId}: the template names no package`);
  const pk = installedPackages(facts);
  if (!pk.ok) return error(`the installed packages are not known: ${pk.reason}`);
  const found = pk.byName.get(name) ?? [];
  const evidence: Evidence[] = [
    {
      source: pk.source,
      key: name,
      value: found.length ? found.map(label).join(', ') : '(not installed)',
      expected: input.vars.evr ? `installed, ${input.vars.evr} or later` : 'installed',
    },
  ];
  if (found.length === 0) {
    const r = fail(`package ${name} is not installed`, evidence);
    r.recommendation = `Install the package ${name} with the distribution's package manager.`;
    return r;
  }
  const evr = input.vars.evr;
  if (evr) {
    const inv = inventory(facts);
    const format = inv.ok ? inv.value.format : 'rpm';
    const ok = found.some((p) => compareVersions(format, p.version, evr) >= 0);
    if (!ok)
      return fail(
        `package ${name} is installed at ${found.map((p) => p.version).join(', ')}, older than ${evr}`,
        evidence,
      );
  }
  return pass(`package ${name} is installed (${found.map(label).join(', ')})`, evidence);
}

export function packageRemoved(facts: Facts, input: EvaluatorInput): CheckOutcome {
  const names = listVar(input.vars.pkgname);
  if (names.length === 0) return error(`${input.ruleId}: the template names no package`);
  const pk = installedPackages(facts);
  if (!pk.ok) return error(`the installed packages are not known: ${pk.reason}`);
  const evidence: Evidence[] = names.map((n) => ({
    source: pk.source,
    key: n,
    value: (pk.byName.get(n) ?? []).map(label).join(', ') || '(not installed)',
    expected: 'not installed',
  }));
  const installed = names.filter((n) => (pk.byName.get(n) ?? []).length > 0);
  if (installed.length) {
    const r = fail(
      `installed: ${installed.map((n) => (pk.byName.get(n) ?? []).map(label).join(', ')).join('; ')}`,
      evidence,
    );
    r.recommendation = `Remove ${installed.join(', ')} with the package manager (apt-get purge / dnf remove) unless a documented need keeps it.`;
    return r;
  }
  return pass(`${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} not installed`, evidence);
}

/**
 * `installed`: the check applies when the benchmark's variable selects this package (else PASS, not needed);
 * `removed`: it applies when the variable selects another one (else PASS, the package is the one chosen).
 */
export function guarded(inner: Evaluator, appliesWhen: 'selected' | 'not-selected'): Evaluator {
  return (facts, input) => {
    const g = guard(input);
    if (g.selected !== (appliesWhen === 'selected')) {
      const evidence: Evidence[] = [
        {
          source: 'benchmark variables',
          key: g.variable,
          value: g.actual ?? '(unset)',
          note: `this check applies when it is ${appliesWhen === 'selected' ? '' : 'not '}${g.wanted}`,
        },
      ];
      return pass(
        appliesWhen === 'selected'
          ? `not needed: the benchmark's ${g.variable} is ${g.actual ?? '(unset)'}, not ${g.wanted}`
          : `needed: the benchmark's ${g.variable} is ${g.wanted}`,
        evidence,
      );
    }
    return inner(facts, input);
  };
}

export const PACKAGE_EVALUATORS: Record<string, Evaluator> = {
  package_installed: packageInstalled,
  package_removed: packageRemoved,
  package_installed_guard_var: guarded(packageInstalled, 'selected'),
  package_removed_guard_var: guarded(packageRemoved, 'not-selected'),
};
