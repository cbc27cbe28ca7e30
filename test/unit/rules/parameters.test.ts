import { describe, expect, it } from 'vitest';
import type { Rule } from '../../../functions/core/rule';
import { RULES_PACKAGE_CATALOG } from '../../../functions/rules/catalog';
import { cisPackage } from '../../../functions/rules/cis/index';
import {
  knownParameters,
  parseRuleParameter,
  parseRuleParameters,
  RULE_PARAMETERS,
  validateRuleParameters,
} from '../../../functions/rules/parameters';
import { resolveRulesPackages } from '../../../functions/rules/registry';

/**
 * Every available package built from static rules (cve needs a feed and takes no per-rule parameters; cis
 * is loaded by its caller and takes its tailoring, not rule parameters).
 */
async function staticPackages() {
  // Per-instance packages (network-reachability is run-level, not built by the registry; its rules take none).
  const ids = RULES_PACKAGE_CATALOG.filter((p) => p.available && p.requiresAgent && p.id !== 'cve').map(
    (p) => p.id,
  );
  return resolveRulesPackages(ids, { loadCis: async () => cisPackage });
}

describe('rule parameter metadata', () => {
  it('equals the parameters of every rule the registry builds (names, types and defaults)', async () => {
    const packages = await staticPackages();
    expect(packages.map((p) => p.id)).toContain('security-best-practices');
    for (const pkg of packages) {
      const fromRules = Object.fromEntries(
        (pkg.rules as ReadonlyArray<Partial<Rule>>)
          .filter((r) => Object.keys(r.parameters ?? {}).length > 0)
          .map((r) => [r.id, r.parameters]),
      );
      const fromMetadata = Object.fromEntries(
        RULE_PARAMETERS.filter((r) => r.rulesPackage === pkg.id).map((r) => [
          r.ruleId,
          Object.fromEntries(r.parameters.map((p) => [p.name, p.default])),
        ]),
      );
      expect(fromMetadata, pkg.id).toEqual(fromRules);
    }
  });

  it('gives each parameter a default of its type, one of its values where listed, and a known package', () => {
    for (const r of RULE_PARAMETERS) {
      expect(RULES_PACKAGE_CATALOG.map((p) => p.id)).toContain(r.rulesPackage);
      for (const p of r.parameters) {
        expect(typeof p.default, `${r.ruleId}:${p.name}`).toBe(p.type);
        if (p.values) expect(p.values).toContain(p.default);
      }
    }
  });
});

describe('validateRuleParameters', () => {
  const sbp = ['security-best-practices'];

  it('accepts parameters of the chosen packages with their types', () => {
    expect(
      validateRuleParameters(
        { 'sbp.password-min-length': { minLength: 16 }, 'sbp.aslr': { requiredValue: 1 } },
        sbp,
      ),
    ).toEqual({ 'sbp.password-min-length': { minLength: 16 }, 'sbp.aslr': { requiredValue: 1 } });
    const rba = ['runtime-behavior-analysis'];
    expect(
      validateRuleParameters(
        {
          'rba.unused-listening-tcp-ports': { minDurationSeconds: 1, includeLoopback: true },
          'rba.software-without-stack-cookies': { scope: 'all' },
        },
        rba,
      ),
    ).toEqual({
      'rba.unused-listening-tcp-ports': { minDurationSeconds: 1, includeLoopback: true },
      'rba.software-without-stack-cookies': { scope: 'all' },
    });
  });

  it('refuses a rule of another package, an unknown rule or parameter, naming the known parameters', () => {
    expect(() =>
      validateRuleParameters({ 'rba.unused-listening-tcp-ports': { minDurationSeconds: 1 } }, sbp),
    ).toThrow(
      /rule rba\.unused-listening-tcp-ports belongs to rules package runtime-behavior-analysis, which is not among security-best-practices; known parameters: sbp\.password-max-age:maxDays \(number, default 365\), sbp\.password-min-length:minLength \(number, default 14\), sbp\.aslr:requiredValue \(number, default 2\)$/,
    );
    expect(() => validateRuleParameters({ 'sbp.nope': { x: 1 } }, sbp)).toThrow(
      /rule sbp\.nope has no parameters in security-best-practices; known parameters: sbp\.password-max-age:maxDays/,
    );
    expect(() => validateRuleParameters({ 'sbp.ssh-root-login': { x: 1 } }, sbp)).toThrow(
      /rule sbp\.ssh-root-login has no parameters/,
    );
    expect(() => validateRuleParameters({ 'sbp.password-min-length': { minLen: 1 } }, sbp)).toThrow(
      /rule sbp\.password-min-length has no parameter "minLen"; known parameters: .*minLength/,
    );
    expect(() =>
      validateRuleParameters(JSON.parse('{"__proto__": {"minLength": 1}}') as Record<string, never>, sbp),
    ).toThrow(/rule __proto__ has no parameters/);
    expect(knownParameters(['cve'])).toBe('(none)');
  });

  it('refuses a value of the wrong type: numbers finite, booleans true/false, listed strings only', () => {
    const rba = ['runtime-behavior-analysis'];
    const unused = (v: unknown) =>
      validateRuleParameters({ 'rba.unused-listening-tcp-ports': { minDurationSeconds: v } }, rba);
    expect(() => unused('600')).toThrow(
      'rba.unused-listening-tcp-ports:minDurationSeconds must be a finite number, got "600"',
    );
    expect(() => unused(Number.POSITIVE_INFINITY)).toThrow(
      /must be a finite number, got Infinity \(number\)/,
    );
    expect(() => unused(Number.NaN)).toThrow(/must be a finite number/);
    expect(() => unused(-1)).toThrow(
      'rba.unused-listening-tcp-ports:minDurationSeconds must be from 0 to 86400, got -1 (number)',
    );
    expect(unused(0)).toBeDefined();
    expect(() =>
      validateRuleParameters({ 'sbp.aslr': { requiredValue: 3 } }, ['security-best-practices']),
    ).toThrow('sbp.aslr:requiredValue must be from 0 to 2, got 3 (number)');
    expect(() =>
      validateRuleParameters({ 'rba.unused-listening-tcp-ports': { includeLoopback: 'yes' } }, rba),
    ).toThrow('rba.unused-listening-tcp-ports:includeLoopback must be true or false, got "yes"');
    expect(() =>
      validateRuleParameters({ 'rba.software-without-stack-cookies': { scope: 'some' } }, rba),
    ).toThrow('rba.software-without-stack-cookies:scope must be one of third-party, all, got "some"');
    expect(() => validateRuleParameters({ 'rba.software-without-stack-cookies': { scope: 1 } }, rba)).toThrow(
      /scope must be a string, got 1 \(number\)/,
    );
  });
});

describe('parseRuleParameter (RULE:NAME=VALUE)', () => {
  it("reads the value as the parameter's type when the metadata knows it", () => {
    expect(parseRuleParameter('rba.unused-listening-tcp-ports:minDurationSeconds=600')).toEqual({
      ruleId: 'rba.unused-listening-tcp-ports',
      name: 'minDurationSeconds',
      value: 600,
    });
    expect(parseRuleParameter('rba.unused-listening-tcp-ports:includeLoopback=true').value).toBe(true);
    expect(parseRuleParameter('rba.unused-listening-tcp-ports:includeLoopback=no').value).toBe('no');
    expect(parseRuleParameter('rba.unused-listening-tcp-ports:minDurationSeconds=ten').value).toBe('ten');
    expect(parseRuleParameter('rba.software-without-stack-cookies:scope=all').value).toBe('all');
    expect(parseRuleParameter('sbp.unknown:x=1').value).toBe('1');
    for (const bad of ['sbp.aslr', 'sbp.aslr=2', ':requiredValue=2', 'sbp.aslr:=2', 'sbp.aslr:a:b=1']) {
      expect(() => parseRuleParameter(bad), bad).toThrow(/--rule-parameter takes RULE:NAME=VALUE/);
    }
  });

  it('groups repeated options by rule; a later value wins', () => {
    expect(
      parseRuleParameters([
        'rba.unused-listening-tcp-ports:minDurationSeconds=600',
        'rba.unused-listening-tcp-ports:includeLoopback=false',
        'sbp.aslr:requiredValue=1',
        'sbp.aslr:requiredValue=2',
      ]),
    ).toEqual({
      'rba.unused-listening-tcp-ports': { minDurationSeconds: 600, includeLoopback: false },
      'sbp.aslr': { requiredValue: 2 },
    });
    const proto = parseRuleParameters(['__proto__:x=1']);
    expect(Object.keys(proto)).toEqual(['__proto__']);
  });
});
