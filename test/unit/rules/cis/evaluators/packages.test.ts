import { afterAll, describe, expect, it } from 'vitest';
import type { EvaluatorInput } from '../../../../../functions/rules/cis/evaluators';
import { PACKAGE_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/packages';
import { type CisRootSpec, cisFacts } from '../../../../helpers/cis-roots';
import { stanza } from '../../../../helpers/debian-records';
import { cleanupRoots } from '../../../../helpers/fixture-root';

afterAll(cleanupRoots);

const inp = (
  ruleId: string,
  vars: Record<string, string>,
  variables: Record<string, string> = {},
): EvaluatorInput => ({
  ruleId,
  benchmark: 'ubuntu2204',
  vars,
  variables,
});

type Case = [string, string, CisRootSpec, EvaluatorInput, string, RegExp];
const cases: Case[] = [
  [
    'removed: not installed',
    'package_removed',
    { packages: ['bash'] },
    inp('package_telnet_removed', { pkgname: 'telnet' }),
    'PASS',
    /telnet is not installed/,
  ],
  [
    'removed: installed',
    'package_removed',
    { packages: { telnet: '0.17+2.4-2' } },
    inp('package_telnet_removed', { pkgname: 'telnet' }),
    'FAIL',
    /telnet 0.17\+2.4-2/,
  ],
  [
    'removed: a list, one installed',
    'package_removed',
    { packages: ['bind9'] },
    inp('package_bind_removed', { pkgname: '["bind","bind9"]' }),
    'FAIL',
    /installed: bind9/,
  ],
  [
    'removed: dpkg "deinstall ok config-files" is not installed',
    'package_removed',
    {
      files: {
        '/var/lib/dpkg/status': `${stanza('telnet', '0.17+2.4-2', undefined, 'deinstall ok config-files')}\n`,
      },
    },
    inp('package_telnet_removed', { pkgname: 'telnet' }),
    'PASS',
    /not installed/,
  ],
  [
    'installed: present',
    'package_installed',
    { packages: { aide: '0.17.4-1' } },
    inp('package_aide_installed', { pkgname: 'aide' }),
    'PASS',
    /aide 0.17.4-1/,
  ],
  [
    'installed: absent',
    'package_installed',
    { packages: ['bash'] },
    inp('package_aide_installed', { pkgname: 'aide' }),
    'FAIL',
    /aide is not installed/,
  ],
  [
    'installed_guard_var: chosen and installed',
    'package_installed_guard_var',
    { packages: ['nftables'] },
    inp(
      'package_nftables_installed',
      {
        pkgname: 'nftables',
        variable: 'var_network_filtering_service',
        value: 'nftables',
        operation: 'pattern match',
      },
      { var_network_filtering_service: 'nftables' },
    ),
    'PASS',
    /nftables is installed/,
  ],
  [
    'installed_guard_var: another chosen: PASS, not needed',
    'package_installed_guard_var',
    { packages: [] },
    inp(
      'package_ufw_installed',
      { pkgname: 'ufw', variable: 'var_network_filtering_service', value: 'ufw', operation: 'pattern match' },
      { var_network_filtering_service: 'nftables' },
    ),
    'PASS',
    /not needed/,
  ],
  [
    'installed_guard_var: chosen, absent: FAIL',
    'package_installed_guard_var',
    { packages: [] },
    inp(
      'package_ufw_installed',
      { pkgname: 'ufw', variable: 'var_network_filtering_service', value: 'ufw' },
      { var_network_filtering_service: 'ufw' },
    ),
    'FAIL',
    /ufw is not installed/,
  ],
  [
    'removed_guard_var: another chosen, installed: FAIL',
    'package_removed_guard_var',
    { packages: ['ufw'] },
    inp(
      'package_ufw_removed',
      { pkgname: 'ufw', variable: 'var_network_filtering_service', value: 'ufw' },
      { var_network_filtering_service: 'nftables' },
    ),
    'FAIL',
    /installed: ufw/,
  ],
];

describe('package templates', () => {
  it.each(cases)('%s', async (_n, template, spec, input, result, message) => {
    const out = PACKAGE_EVALUATORS[template]!(await cisFacts(spec), input);
    expect(out.result).toBe(result);
    expect(out.message).toMatch(message);
  });

  it('ERROR when no package database was collected', async () => {
    const facts = await cisFacts({});
    delete (facts.telemetry.files as Record<string, unknown>)['/var/lib/dpkg/status'];
    const out = PACKAGE_EVALUATORS.package_removed!(
      facts,
      inp('package_telnet_removed', { pkgname: 'telnet' }),
    );
    expect(out.result).toBe('ERROR');
  });
});
