import { afterAll, describe, expect, it } from 'vitest';
import type { Facts } from '../../../../../functions/core/facts/facts';
import { DESKTOP_ROOT_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/desktop-root';
import { cisFacts } from '../../../../helpers/cis-roots';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const run = (rule: string, facts: Facts) =>
  evaluate(DESKTOP_ROOT_EVALUATORS[`rule:${rule}`]!, facts, rule, 'debian12');

describe('GNOME rules', () => {
  it('no gdm3: NOT_APPLICABLE; gdm3 installed: ERROR (dconf not collected), never PASS', async () => {
    const server = await cisFacts({ packages: ['openssh-server'] });
    expect(run('dconf_gnome_disable_automount', server).result).toBe('NOT_APPLICABLE');
    const desktop = await cisFacts({ packages: ['gdm3'] });
    const out = run('gnome_gdm_disable_xdmcp', desktop);
    expect(out.result).toBe('ERROR');
    expect(out.message).toMatch(/dconf/);
  });
});

describe('ensure_root_access_controlled', () => {
  const HASH = '$y$j9T$abcdefghijklmnop$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  it.each([
    ['locked (Debian cloud images)', 'root:*:19800:0:99999:7:::\n', 'PASS'],
    ['a password', `root:${HASH}:19800:0:99999:7:::\n`, 'PASS'],
    ['empty', 'root::19800:0:99999:7:::\n', 'FAIL'],
  ] as const)('%s → %s', async (_c, shadow, expected) => {
    expect(
      run(
        'ensure_root_access_controlled',
        await factsOf({ files: { '/etc/shadow': { content: shadow, mode: 0o640 } } }),
      ).result,
    ).toBe(expected);
  });
});

describe('audit_rules_privileged_commands (all SUID/SGID programs the walk found)', () => {
  const suid = {
    '/usr/bin/passwd': { content: 'x', mode: 0o4755 },
    '/usr/bin/chage': { content: 'x', mode: 0o2755 },
  };
  const rule = (p: string) =>
    `-a always,exit -F path=${p} -F perm=x -F auid>=1000 -F auid!=unset -k privileged\n`;
  it('every program with a rule passes; one without fails', async () => {
    const all = await factsOf(
      {
        files: {
          ...suid,
          '/etc/audit/rules.d/50-priv.rules': rule('/usr/bin/passwd') + rule('/usr/bin/chage'),
        },
      },
      { walk: true },
    );
    expect(run('audit_rules_privileged_commands', all).result).toBe('PASS');
    const one = await factsOf(
      { files: { ...suid, '/etc/audit/rules.d/50-priv.rules': rule('/usr/bin/passwd') } },
      { walk: true },
    );
    const out = run('audit_rules_privileged_commands', one);
    expect(out.result).toBe('FAIL');
    expect(JSON.stringify(out.evidence)).toMatch(/chage/);
  });
  it('no walk: ERROR', async () => {
    expect(run('audit_rules_privileged_commands', await factsOf({ files: suid })).result).toBe('ERROR');
  });
});
