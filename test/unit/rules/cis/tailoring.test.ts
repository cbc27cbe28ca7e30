/** The CIS profile and tailoring a run takes: accepted shapes, normalization and one-line refusals. */
import { describe, expect, it } from 'vitest';
import { CAC_RULES } from '../../../../functions/rules/cis/data';
import { checkCisTailoring, parseCisVariables } from '../../../../functions/rules/cis/tailoring';
import { CIS_VARIABLE_NAMES } from '../../../../functions/rules/cis/variable-names';
import { cisVariableNames } from '../../../../scripts/cis/variable-names';

describe('CIS tailoring', () => {
  it('defaults to level 1 and normalizes skips and variables (sorted, deduplicated)', () => {
    expect(checkCisTailoring({})).toEqual({ profile: 'level1-server' });
    expect(
      checkCisTailoring({
        profile: 'level2-server',
        skip: ['5.1.20', 'cis.ubuntu2204.1.1.1.1', '5.1.20'],
        variables: { var_password_pam_minlen: '16', var_accounts_maximum_age_login_defs: '90' },
      }),
    ).toEqual({
      profile: 'level2-server',
      skip: ['5.1.20', 'cis.ubuntu2204.1.1.1.1'],
      variables: { var_accounts_maximum_age_login_defs: '90', var_password_pam_minlen: '16' },
    });
  });

  it.each([
    [
      { profile: 'level3-server' },
      /CIS profile must be one of level1-server, level2-server, got "level3-server"/,
    ],
    [{ skip: ['cis.windows2019.1.1'] }, /control cis\.windows2019\.1\.1 names an unknown benchmark; known: /],
    [{ skip: ['1.1;rm -rf /'] }, /a skipped control is a section \(1\.1\.1\.1\) or a control id/],
    [{ variables: { var_no_such_thing: '1' } }, /unknown ComplianceAsCode variable "var_no_such_thing"/],
    [{ variables: { ['__proto__']: '1' } }, /unknown ComplianceAsCode variable "__proto__"/],
    [{ variables: { var_password_pam_minlen: 'x'.repeat(1025) } }, /at most 1024 characters/],
  ])('refuses %j', (input, message) => {
    expect(() => checkCisTailoring(input as Parameters<typeof checkCisTailoring>[0])).toThrow(message);
  });

  it('reads NAME=VALUE (the value may hold =), refuses a missing name', () => {
    expect(parseCisVariables(['var_a=1', 'var_b=x=y', 'var_a=2'])).toEqual({ var_a: '2', var_b: 'x=y' });
    expect(() => parseCisVariables(['=1'])).toThrow('--cis-variable takes NAME=VALUE, got "=1"');
    expect(() => parseCisVariables(['novalue'])).toThrow(/takes NAME=VALUE/);
  });
});

describe('the variable names tailoring checks against (no benchmark data in the control plane)', () => {
  it('are what scripts/cis/variable-names.ts generates from rules.json (regenerate it when rules.json changes)', () => {
    expect([...CIS_VARIABLE_NAMES]).toEqual(cisVariableNames());
    expect(new Set(CIS_VARIABLE_NAMES)).toEqual(new Set(Object.keys(CAC_RULES.variables)));
    expect(CIS_VARIABLE_NAMES.length).toBeGreaterThan(50);
  });
});
