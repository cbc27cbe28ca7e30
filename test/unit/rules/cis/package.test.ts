/**
 * The cis package on roots collected by the real agent, with evaluators defined here (test doubles): one
 * result per control of the profile, checks aggregated, findings with Classic's CIS attributes, tailoring,
 * and an UNSUPPORTED_OS exclusion for an OS without a benchmark.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../../agent/collect';
import { evaluateTelemetry, type InstanceEvaluation } from '../../../../functions/core/evaluate';
import { boundResult } from '../../../../functions/core/finding-limits';
import type { CheckResult, RuleResult } from '../../../../functions/core/model';
import type { CisContext } from '../../../../functions/core/rule';
import { aggregateChecks, type JudgedCheck } from '../../../../functions/rules/cis/aggregate';
import type { EvaluatorRegistry } from '../../../../functions/rules/cis/evaluators';
import { BENCHMARKS, cisCoverage, cisRulesPackage } from '../../../../functions/rules/cis/index';
import { cleanupRoots, makeRoot } from '../../../helpers/fixture-root';

afterAll(cleanupRoots);

const osRelease = (name: string) =>
  readFileSync(new URL(`../../../fixtures/os-release/${name}`, import.meta.url), 'utf8');

/** What the stub evaluators were given, by CaC rule id. */
const seen = new Map<string, { vars: Record<string, string>; variables: Record<string, string> }>();

/** Test doubles: sysctl compares the runtime value with the template's; the others are fixed. */
const STUB: EvaluatorRegistry = {
  sysctl(facts, input) {
    seen.set(input.ruleId, { vars: { ...input.vars }, variables: { ...input.variables } });
    const key = input.vars.sysctlvar ?? '';
    const want = input.vars.sysctlval ?? '0';
    const v = facts.kernelParameter(key);
    if (!v.ok) return { result: 'ERROR', message: v.reason, evidence: [] };
    const evidence = [
      { source: `/proc/sys/${key.replaceAll('.', '/')}`, key, value: v.value, expected: want },
    ];
    return v.value === want
      ? { result: 'PASS', message: `${key} = ${v.value}`, evidence }
      : {
          result: 'FAIL',
          message: `${key} = ${v.value}, expected ${want}`,
          evidence,
          recommendation: `Set ${key} = ${want} in /etc/sysctl.d/60-cis.conf and run sysctl --system.`,
        };
  },
  kernel_module_disabled() {
    throw new Error('modprobe.d was not collected');
  },
  package_installed: () => ({
    result: 'NOT_APPLICABLE',
    message: 'not applicable in this test',
    evidence: [],
  }),
};

async function assess(os: string, cis?: CisContext, evaluators: EvaluatorRegistry = STUB) {
  const root = makeRoot({
    files: { 'etc/os-release': osRelease(os), 'etc/hostname': 'cis-test\n' },
    sysctl: { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '0' },
  });
  const telemetry = await collectTelemetry({ root, runId: 'run-cis', instanceId: 'i-cis' });
  return evaluateTelemetry(telemetry, [cisRulesPackage({ evaluators })], {
    runId: 'run-cis',
    createdAt: '2026-12-02T00:00:00.000Z',
    ...(cis ? { context: { cis } } : {}),
  });
}

const byId = (e: InstanceEvaluation, id: string): RuleResult => {
  const r = e.results.find((x) => x.ruleId === id);
  if (!r) throw new Error(`no result ${id}`);
  return r;
};

describe('cis on Ubuntu 22.04 (level 1 server, stub evaluators)', async () => {
  const e = await assess('ubuntu-22.04');
  const l1 = BENCHMARKS.ubuntu2204.controls.filter((c) => c.levels.includes('level_1_server'));

  it(`gives one result per level 1 control (${l1.length}), named cis.ubuntu2204.<section>`, () => {
    expect(e.exclusions).toEqual([]);
    expect(e.results.map((r) => r.ruleId)).toEqual(l1.map((c) => `cis.ubuntu2204.${c.section}`));
    expect(e.results.every((r) => r.rulesPackage === 'cis')).toBe(true);
  });

  it('FAIL when one check fails, with every check listed and the failing evidence', () => {
    const r = byId(e, 'cis.ubuntu2204.3.3.1');
    expect(r.result).toBe('FAIL');
    expect(r.checks?.map((c: CheckResult) => [c.id, c.result])).toEqual([
      ['sysctl_net_ipv6_conf_all_forwarding', 'PASS'],
      ['sysctl_net_ipv4_ip_forward', 'FAIL'],
    ]);
    expect(r.message).toMatch(/1 of 2 checks failed: sysctl_net_ipv4_ip_forward/);
    expect(r.evidence).toContainEqual(
      expect.objectContaining({ key: 'net.ipv4.ip_forward', value: '1', expected: '0' }),
    );
    expect(r.severity).toBe('Medium');
  });

  it('the finding carries Classic’s CIS attributes, the version and the level', () => {
    const f = e.findings.find((x) => x.ruleId === 'cis.ubuntu2204.3.3.1');
    expect(f).toBeDefined();
    expect(f!.attributes).toEqual([
      { key: 'BENCHMARK_ID', value: 'CIS Ubuntu 22.04 LTS Benchmark v2.0.0' },
      { key: 'BENCHMARK_RULE_ID', value: '3.3.1' },
      { key: 'CIS_BENCHMARK_PROFILE', value: 'Level 1 - Server' },
      { key: 'CIS_BENCHMARK_VERSION', value: '2.0.0' },
      { key: 'CIS_LEVEL', value: 'Level 1' },
      { key: 'COMPLIANCEASCODE_RULES', value: 'sysctl_net_ipv4_ip_forward' },
    ]);
    expect(f!.title).toBe('CIS 3.3.1 not met: Disable Kernel Parameter for IP Forwarding on IPv4 Interfaces');
    expect(f!.recommendation).toMatch(/net\.ipv4\.ip_forward = 0/);
    expect(f!.numericSeverity).toBe(6);
    expect(e.findings.every((x) => x.rulesPackage === 'cis')).toBe(true);
  });

  it('ERROR when an evaluator throws, with its message', () => {
    const r = byId(e, 'cis.ubuntu2204.1.1.1.1');
    expect(r.result).toBe('ERROR');
    expect(r.checks?.[0]?.message).toMatch(
      /kernel_module_cramfs_disabled failed while evaluating: modprobe\.d/,
    );
  });

  it('NOT_APPLICABLE when every check is, and for manual controls ("manual: …")', () => {
    expect(byId(e, 'cis.ubuntu2204.1.3.1.1').result).toBe('NOT_APPLICABLE');
    const manual = byId(e, 'cis.ubuntu2204.1.2.1.1');
    expect(manual.result).toBe('NOT_APPLICABLE');
    expect(manual.message).toMatch(/^manual: /);
    expect(manual.title).toBe('CIS 1.2.1.1 (manual)');
  });

  it('a check whose template has no evaluator is NOT_APPLICABLE "not evaluated by this version"', () => {
    const r = byId(e, 'cis.ubuntu2204.5.1.20');
    expect(r.result).toBe('NOT_APPLICABLE');
    expect(r.checks).toEqual([
      {
        id: 'sshd_disable_root_login',
        result: 'NOT_APPLICABLE',
        message: 'not evaluated by this version: template sshd_lineinfile',
        evidence: [],
      },
    ]);
  });

  it('evaluators get the product’s template variables and the benchmark’s variables', () => {
    expect(seen.get('sysctl_net_ipv4_ip_forward')?.vars).toMatchObject({
      sysctlvar: 'net.ipv4.ip_forward',
      sysctlval: '0',
    });
    expect(seen.get('sysctl_net_ipv4_ip_forward')?.variables.var_password_pam_minlen).toBe('14');
  });
});

describe('profiles and tailoring', () => {
  it('level 2 evaluates every server control', async () => {
    const e = await assess('ubuntu-22.04', { profile: 'level2-server' });
    expect(e.results).toHaveLength(BENCHMARKS.ubuntu2204.controls.length);
    const f = e.findings.find((x) => x.ruleId === 'cis.ubuntu2204.3.3.1');
    expect(f?.attributes).toContainEqual({ key: 'CIS_BENCHMARK_PROFILE', value: 'Level 2 - Server' });
    expect(f?.attributes).toContainEqual({ key: 'CIS_LEVEL', value: 'Level 1' });
  });

  it('skipped controls are NOT_APPLICABLE with the reason; variable overrides reach the evaluators', async () => {
    seen.clear();
    const e = await assess('ubuntu-22.04', {
      profile: 'level1-server',
      skip: ['3.3.1', 'cis.ubuntu2204.1.1.1.1'],
      variables: { var_password_pam_minlen: '16' },
    });
    for (const id of ['cis.ubuntu2204.3.3.1', 'cis.ubuntu2204.1.1.1.1']) {
      expect(byId(e, id).result).toBe('NOT_APPLICABLE');
      expect(byId(e, id).message).toMatch(/skipped by the template's tailoring/);
    }
    expect(e.findings.find((f) => f.ruleId === 'cis.ubuntu2204.3.3.1')).toBeUndefined();
    expect(seen.has('sysctl_net_ipv4_ip_forward')).toBe(false);
    expect(seen.size).toBeGreaterThan(5);
    for (const { variables } of seen.values()) expect(variables.var_password_pam_minlen).toBe('16');
  });

  it('Rocky Linux 9 is assessed with the AlmaLinux 9 mapping, and says so', async () => {
    const e = await assess('rocky-9');
    expect(e.results[0]?.ruleId).toMatch(/^cis\.almalinux9\./);
    expect(byId(e, 'cis.almalinux9.3.3.1').message).toMatch(/\(AlmaLinux 9 mapping\)$/);
  });
});

describe('an OS without a benchmark', () => {
  it.each(['fedora-40', 'alpine-3.20'])(
    '%s: an UNSUPPORTED_OS exclusion scoped to cis, no result',
    async (os) => {
      const e = await assess(os);
      expect(e.results).toEqual([]);
      expect(e.exclusions).toHaveLength(1);
      expect(e.exclusions[0]).toMatchObject({ instanceId: 'i-cis', scope: 'cis', reason: 'UNSUPPORTED_OS' });
      expect(e.exclusions[0]?.message).toMatch(/no CIS benchmark for/);
    },
  );
});

describe('with no evaluator registered', () => {
  it('reports no FAIL and no PASS: automated controls are "not evaluated", manual ones "manual"', async () => {
    const root = makeRoot({ files: { 'etc/os-release': osRelease('debian-12') } });
    const telemetry = await collectTelemetry({ root, runId: 'run-cis', instanceId: 'i-cis' });
    const e = await evaluateTelemetry(telemetry, [cisRulesPackage({ evaluators: {} })], {
      runId: 'r',
      createdAt: '2026-12-02T00:00:00Z',
    });
    expect(e.results.length).toBeGreaterThan(200);
    expect(new Set(e.results.map((r) => r.result))).toEqual(new Set(['NOT_APPLICABLE']));
    expect(e.findings).toEqual([]);
    expect(cisCoverage({}).every((c) => c.rulesWithEvaluator === 0)).toBe(true);
    expect(cisCoverage().some((c) => c.rulesWithEvaluator > 0)).toBe(true);
  });
});

describe('aggregateChecks', () => {
  const check = (result: CheckResult['result'], evaluated = true): JudgedCheck => ({
    id: `r-${result}-${evaluated}`,
    result,
    message: evaluated ? 'm' : 'not evaluated by this version: template x',
    evidence: [],
    evaluated,
  });
  it.each([
    [['PASS', 'FAIL', 'ERROR'], 'FAIL'],
    [['PASS', 'ERROR', 'NOT_APPLICABLE'], 'ERROR'],
    [['PASS', 'NOT_APPLICABLE'], 'PASS'],
    [['NOT_APPLICABLE', 'NOT_APPLICABLE'], 'NOT_APPLICABLE'],
    [['PASS'], 'PASS'],
  ] as const)('%j → %s', (results, want) => {
    expect(aggregateChecks(results.map((r) => check(r))).result).toBe(want);
  });
  it('a check not evaluated keeps the control from PASS, but not from FAIL', () => {
    expect(aggregateChecks([check('PASS'), check('NOT_APPLICABLE', false)]).result).toBe('NOT_APPLICABLE');
    expect(aggregateChecks([check('FAIL'), check('NOT_APPLICABLE', false)]).result).toBe('FAIL');
  });
});

describe('bounds', () => {
  it('a result keeps at most 50 checks and says how many were cut', () => {
    const checks: CheckResult[] = Array.from({ length: 120 }, (_, i) => ({
      id: `rule_${i}`,
      result: 'PASS',
      message: 'x'.repeat(5000),
      evidence: Array.from({ length: 200 }, () => ({ source: '/etc/x', value: 'v'.repeat(100) })),
    }));
    const r = boundResult({
      rulesPackage: 'cis',
      ruleId: 'cis.x.1',
      instanceId: 'i',
      result: 'PASS',
      severity: 'Medium',
      title: 't',
      message: 'm',
      evidence: [],
      checks,
    });
    expect(r.checks!.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(r).length).toBeLessThan(64 * 1024);
    expect(r.truncated?.some((t) => /^checks: \d+ of 120 entries kept$/.test(t))).toBe(true);
    expect(r.truncated).toContain(`checks[].message: ${r.checks!.length} values cut at 2048 bytes`);
  });
});
