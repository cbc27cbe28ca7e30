/**
 * The machinery of the OpenSCAP agreement test, without OpenSCAP: reading an XCCDF results file (a real
 * one, trimmed: test/fixtures/cis-oscap/results-excerpt.xml), which result pairs agree, what overlaps, how
 * the disagreement table explains a case, and that the checked-in table is well formed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../functions/core/model';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import { parseXccdfResults, rootArchitecture } from '../../helpers/oscap';
import {
  agrees,
  checksByRule,
  compare,
  type DisagreementTable,
  explain,
  NOT_EVALUATED_PREFIX,
  ruleMatches,
  validateTable,
} from '../../helpers/oscap-agreement';

const FIXTURES = path.resolve(__dirname, '../../fixtures/cis-oscap');
const check = (id: string, result: CheckResult['result'], message = 'm'): CheckResult => ({
  id,
  result,
  message,
  evidence: [],
});

describe('XCCDF results', () => {
  it('reads every rule-result of a real oscap results file, without notselected ones', () => {
    const r = parseXccdfResults(readFileSync(path.join(FIXTURES, 'results-excerpt.xml'), 'utf8'));
    expect(Object.fromEntries(r)).toEqual({
      disable_prelink: 'pass',
      package_aide_installed: 'fail',
      accounts_password_set_max_life_existing: 'notapplicable',
      no_shelllogin_for_systemaccounts: 'error',
      file_owner_grub2_cfg: 'notapplicable',
      sysctl_kernel_randomize_va_space: 'pass',
      service_cron_enabled: 'fail',
      package_httpd_removed: 'pass',
    });
  });

  it('refuses a document that is not one TestResult, an unknown result and a rule judged twice', () => {
    const rr = (id: string, res: string) =>
      `<rule-result idref="xccdf_org.ssgproject.content_rule_${id}" role="full"><result>${res}</result></rule-result>`;
    expect(() => parseXccdfResults(`<Benchmark>${rr('a', 'pass')}</Benchmark>`)).toThrow(
      /one XCCDF TestResult/,
    );
    expect(() => parseXccdfResults(`<TestResult>${rr('a', 'passed')}</TestResult>`)).toThrow(
      /unknown XCCDF result/,
    );
    expect(() => parseXccdfResults(`<TestResult>${rr('a', 'pass')}${rr('a', 'fail')}</TestResult>`)).toThrow(
      /two results/,
    );
    expect(
      Object.fromEntries(
        parseXccdfResults(`<x:TestResult>${rr('a', 'pass').replace(/<(\/?)/g, '<$1x:')}</x:TestResult>`),
      ),
    ).toEqual({ a: 'pass' });
  });
});

describe('the root architecture apt is told', () => {
  afterAll(cleanupRoots);
  it('is the first one other than all in the dpkg status, or none', () => {
    const status = 'Package: a\nArchitecture: all\n\nPackage: b\nArchitecture: arm64\n';
    expect(rootArchitecture(makeRoot({ files: { '/var/lib/dpkg/status': status } }))).toBe('arm64');
    expect(rootArchitecture(makeRoot({ files: { '/var/lib/dpkg/status': 'Package: a\n' } }))).toBeUndefined();
    expect(rootArchitecture(makeRoot({}))).toBeUndefined();
  });
});

describe('agreement', () => {
  it('counts only the same verdict as agreement', () => {
    expect(agrees('PASS', 'pass')).toBe(true);
    expect(agrees('FAIL', 'fail')).toBe(true);
    expect(agrees('NOT_APPLICABLE', 'notapplicable')).toBe(true);
    for (const [o, t] of [
      ['PASS', 'fail'],
      ['ERROR', 'error'],
      ['PASS', 'unknown'],
      ['NOT_APPLICABLE', 'pass'],
      ['FAIL', 'notapplicable'],
    ] as const)
      expect(agrees(o, t), `${o}/${t}`).toBe(false);
  });

  it('overlap: both selected and judged; our unevaluated checks and their notchecked rules are set apart', () => {
    const ours = new Map(
      [
        check('a', 'PASS'),
        check('b', 'FAIL'),
        check('c', 'NOT_APPLICABLE', `${NOT_EVALUATED_PREFIX}: template x`),
        check('d', 'PASS'),
        check('e', 'ERROR'),
        check('only_ours', 'PASS'),
      ].map((c) => [c.id, c]),
    );
    const theirs = new Map([
      ['a', 'pass'],
      ['b', 'pass'],
      ['c', 'fail'],
      ['d', 'notchecked'],
      ['e', 'error'],
      ['only_theirs', 'fail'],
    ] as const);
    const cmp = compare(ours, theirs);
    expect(cmp.agree.map((r) => r.rule)).toEqual(['a']);
    expect(cmp.disagree.map((r) => `${r.rule}:${r.ours}/${r.theirs}`)).toEqual([
      'b:FAIL/pass',
      'e:ERROR/error',
    ]);
    expect(cmp.notEvaluatedByUs).toEqual(['c']);
    expect(cmp.notCheckedByThem).toEqual(['d']);
    expect(cmp.onlyTheirs).toEqual(['only_theirs']);
    expect(cmp.onlyOurs).toEqual(['only_ours']);
  });

  it('a rule several controls evaluate must come out the same in each', () => {
    expect(
      checksByRule([
        { ruleId: 'cis.x.1', checks: [check('a', 'PASS')] },
        { ruleId: 'cis.x.2', checks: [check('a', 'PASS')] },
      ]).size,
    ).toBe(1);
    expect(() =>
      checksByRule([
        { ruleId: 'cis.x.1', checks: [check('a', 'PASS')] },
        { ruleId: 'cis.x.2', checks: [check('a', 'FAIL')] },
      ]),
    ).toThrow(/PASS in one control and FAIL in cis.x.2/);
  });
});

describe('disagreement table', () => {
  const table: DisagreementTable = {
    classes: { 'runtime-only': 'x' },
    entries: [
      {
        rules: ['sysctl_*', 'partition_for_tmp'],
        roots: ['pass-image'],
        ours: 'NOT_APPLICABLE',
        theirs: 'pass',
        class: 'runtime-only',
        reason: 'an image has no /proc/sys to read',
      },
    ],
  };

  it('explains a case only on its roots, with both results as listed', () => {
    const d = { rule: 'sysctl_net_ipv4_ip_forward', ours: 'NOT_APPLICABLE', theirs: 'pass' } as const;
    expect(explain(table, 'pass-image', d)?.class).toBe('runtime-only');
    expect(explain(table, 'pass', d)).toBeUndefined();
    expect(explain(table, 'pass-image', { ...d, theirs: 'fail' })).toBeUndefined();
    expect(explain(table, 'pass-image', { ...d, rule: 'partition_for_tmp' })).toBeDefined();
    expect(explain(table, 'pass-image', { ...d, rule: 'partition_for_tmpx' })).toBeUndefined();
  });

  it('patterns: * matches any run, other characters literally', () => {
    expect(ruleMatches('sysctl_*', 'sysctl_a')).toBe(true);
    expect(ruleMatches('sysctl_*', 'xsysctl_a')).toBe(false);
    expect(ruleMatches('package_openldap-clients_removed', 'package_openldap-clients_removed')).toBe(true);
    expect(ruleMatches('a.b', 'axb')).toBe(false);
  });

  it('validation names an unknown class, a missing reason and an entry that lists an agreement', () => {
    const bad: DisagreementTable = {
      classes: table.classes,
      entries: [
        { ...table.entries[0]!, class: 'nope' },
        { ...table.entries[0]!, reason: '' },
        { ...table.entries[0]!, ours: 'PASS', theirs: 'pass' },
      ],
    };
    const problems = validateTable(bad);
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/unknown class nope[\s\S]*no reason[\s\S]*is an agreement/);
  });

  it('the checked-in table is well formed', () => {
    const real = JSON.parse(
      readFileSync(path.join(FIXTURES, 'disagreements.json'), 'utf8'),
    ) as DisagreementTable;
    expect(validateTable(real)).toEqual([]);
    expect(real.entries.length).toBeGreaterThan(0);
  });
});
