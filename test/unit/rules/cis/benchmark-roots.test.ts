/**
 * Per benchmark (Debian 12, Ubuntu 22.04): a root meant to pass and one meant to fail, evaluated through the
 * real agent and the whole package at level 2 (which holds level 1). The verdict of every control is
 * checked in (test/fixtures/cis/<benchmark>-<root>.json; `npx vitest -u` rewrites them, so a change shows in
 * review). Controls decided only by the generic templates are asserted outright: PASS on the passing root
 * (NOT_APPLICABLE on its image variant where the check needs the running system), FAIL on the failing root.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Facts } from '../../../../functions/core/facts/facts';
import { BENCHMARKS, CAC_RULES, templateName } from '../../../../functions/rules/cis/data';
import { EVALUATORS } from '../../../../functions/rules/cis/evaluators';
import { evaluateBenchmark } from '../../../../functions/rules/cis/index';
import {
  type CisRootSpec,
  cisBenchmarkRoot,
  cisTelemetry,
  GENERIC_TEMPLATES,
} from '../../../helpers/cis-roots';
import { cleanupRoots } from '../../../helpers/fixture-root';

afterAll(cleanupRoots);

const BENCHMARKS_WITH_ROOTS = ['debian12', 'ubuntu2204'] as const;

/**
 * The benchmarks have one section per firewall (ufw, nftables, iptables) and a host uses one: the package
 * one section installs another removes (ufw, iptables-persistent). The roots install what is asked for,
 * so these controls FAIL on the passing root and PASS on the failing one.
 */
const FIREWALL_ALTERNATIVES: Record<string, string[]> = {
  debian12: ['4.2.2', '4.3.2', '4.4.1.2', '4.4.1.3'],
  ubuntu2204: ['4.3.1.2'],
};
/** *_guard_var rules for the firewall the benchmark does not choose (nftables chosen): PASS, not needed. */
const NOT_NEEDED: Record<string, string[]> = { debian12: [], ubuntu2204: ['4.1.1', '4.3.1.1'] };
const ids = (b: string, sections: string[]) => sections.map((s) => `cis.${b}.${s}`);

/**
 * Both roots list the packages that own files they hold (cis-roots.ts), so the control asking for the PAM
 * runtime package (5.3.1.1) and sudo (5.2.1) pass on the failing root too.
 */
const OWNED_ON_BOTH: Record<string, string[]> = {
  debian12: ['5.2.1', '5.3.1.1'],
  ubuntu2204: ['5.2.1', '5.3.1.1'],
};

/** Controls NOT_APPLICABLE because upstream's platform (package[gdm], package[iptables]…) is false here. */
const platformNA = new Set<string>();

async function verdicts(benchmark: (typeof BENCHMARKS_WITH_ROOTS)[number], spec: CisRootSpec) {
  const facts = new Facts(await cisTelemetry(spec));
  const results = evaluateBenchmark(facts, benchmark, { profile: 'level2-server' }, EVALUATORS);
  platformNA.clear();
  for (const r of results)
    if (
      r.result === 'NOT_APPLICABLE' &&
      r.checks?.length &&
      r.checks.every((c) => c.message.startsWith('platform '))
    )
      platformNA.add(r.ruleId);
  return Object.fromEntries(results.map((r) => [r.ruleId, r.result]));
}

/** Automated controls every rule of which uses a generic template. */
function genericControls(benchmark: (typeof BENCHMARKS_WITH_ROOTS)[number]): string[] {
  return BENCHMARKS[benchmark].controls
    .filter((c) => ['automated', 'partial', 'supported'].includes(c.status) && c.rules.length > 0)
    .filter((c) =>
      c.rules.every((r) => {
        const meta = CAC_RULES.rules[r];
        const t = meta && templateName(meta, benchmark);
        return Boolean(t && GENERIC_TEMPLATES.includes(t));
      }),
    )
    .map((c) => `cis.${benchmark}.${c.section}`);
}

describe.each(BENCHMARKS_WITH_ROOTS)('%s fixture roots', (benchmark) => {
  const alternatives = ids(benchmark, FIREWALL_ALTERNATIVES[benchmark]!);
  const notNeeded = ids(benchmark, NOT_NEEDED[benchmark]!);
  const owned = ids(benchmark, OWNED_ON_BOTH[benchmark]!);
  const generic = genericControls(benchmark).filter((c) => !alternatives.includes(c));

  it('the passing root passes every control of the generic templates', async () => {
    const v = await verdicts(benchmark, cisBenchmarkRoot(benchmark, 'pass'));
    await expect(`${JSON.stringify(v, null, 2)}\n`).toMatchFileSnapshot(
      `../../../fixtures/cis/${benchmark}-pass.json`,
    );
    expect(generic.length).toBeGreaterThan(40);
    expect(generic.filter((c) => v[c] !== 'PASS' && !platformNA.has(c)).map((c) => `${c}: ${v[c]}`)).toEqual(
      [],
    );
    const judged = alternatives.filter((c) => !platformNA.has(c));
    expect(judged.map((c) => v[c])).toEqual(judged.map(() => 'FAIL'));
  });

  it('its image (not a running system): runtime-dependent controls NOT_APPLICABLE, none FAIL', async () => {
    // An image: no running system, so no systemctl, no /proc/sys values, no /proc/self/mounts.
    const { live: _live, sysctl: _sysctl, ...image } = cisBenchmarkRoot(benchmark, 'pass');
    const { '/proc/self/mounts': _mounts, ...files } = image.files ?? {};
    image.files = files;
    const v = await verdicts(benchmark, image);
    await expect(`${JSON.stringify(v, null, 2)}\n`).toMatchFileSnapshot(
      `../../../fixtures/cis/${benchmark}-pass-image.json`,
    );
    expect(
      generic.filter((c) => v[c] !== 'PASS' && v[c] !== 'NOT_APPLICABLE').map((c) => `${c}: ${v[c]}`),
    ).toEqual([]);
    expect(generic.filter((c) => v[c] === 'NOT_APPLICABLE').length).toBeGreaterThan(10);
  });

  it('the failing root fails every control of the generic templates', async () => {
    const v = await verdicts(benchmark, cisBenchmarkRoot(benchmark, 'fail'));
    await expect(`${JSON.stringify(v, null, 2)}\n`).toMatchFileSnapshot(
      `../../../fixtures/cis/${benchmark}-fail.json`,
    );
    expect(
      generic
        .filter((c) => !notNeeded.includes(c) && !owned.includes(c) && !platformNA.has(c) && v[c] !== 'FAIL')
        .map((c) => `${c}: ${v[c]}`),
    ).toEqual([]);
    const judged = [...alternatives, ...notNeeded].filter((c) => !platformNA.has(c));
    expect(judged.map((c) => v[c])).toEqual(judged.map(() => 'PASS'));
  });
});
