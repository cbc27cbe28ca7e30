import { afterAll, describe, expect, it } from 'vitest';
import { parseSudoers } from '../../../../../functions/parsers/sudoers';
import type { BenchmarkId } from '../../../../../functions/rules/cis/data';
import { SUDO_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/sudo';
import { DEBIAN_SUDOERS } from '../../../../helpers/cis-material';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const README =
  '#\n# Files in this directory are read by sudo unless their name ends in ~ or holds a dot.\n#\n';

const root = (dropIns: Record<string, string> = {}, sudoers = DEBIAN_SUDOERS) =>
  factsOf({
    files: {
      '/etc/sudoers': { content: sudoers, mode: 0o440 },
      '/etc/sudoers.d/README': { content: README, mode: 0o440 },
      ...Object.fromEntries(Object.entries(dropIns).map(([n, t]) => [`/etc/sudoers.d/${n}`, t])),
    },
  });
const run = (
  rule: string,
  facts: Awaited<ReturnType<typeof factsOf>>,
  benchmark: BenchmarkId = 'debian12',
) => {
  const ev = SUDO_EVALUATORS[`rule:${rule}`] ?? SUDO_EVALUATORS.sudo_defaults_option!;
  return evaluate(ev, facts, rule, benchmark);
};

describe('parseSudoers', () => {
  it("reads Debian's sudoers", () => {
    const lines = parseSudoers(DEBIAN_SUDOERS);
    expect(
      lines
        .filter((l) => l.kind === 'defaults')
        .flatMap((l) => (l.kind === 'defaults' ? l.settings.map((s) => s.name) : [])),
    ).toEqual(['env_reset', 'mail_badpass', 'secure_path', 'use_pty']);
    expect(lines.find((l) => l.kind === 'include')).toMatchObject({ dir: true, path: '/etc/sudoers.d' });
  });
  it('continuations, quoted commas, qualifiers, negation, tags', () => {
    const l = parseSudoers(
      'Defaults:alice !authenticate, logfile="/var/log/a,b.log" \\\n , timestamp_timeout=5 # c\nalice ALL=(ALL) NOPASSWD: /usr/bin/apt\n#includedir /etc/sudoers.d\n# a comment\n',
    );
    expect(l[0]).toMatchObject({
      kind: 'defaults',
      qualifier: ':alice',
      settings: [
        { name: 'authenticate', negated: true },
        { name: 'logfile', value: '/var/log/a,b.log' },
        { name: 'timestamp_timeout', value: '5' },
      ],
    });
    expect(l[1]).toMatchObject({ kind: 'spec', tags: ['NOPASSWD'] });
    expect(l[2]).toMatchObject({ kind: 'include', dir: true });
    expect(l).toHaveLength(3);
  });
});

describe('sudo rules', () => {
  it.each([
    // [case, rule, drop-ins, expected]
    ["Debian's sudoers sets use_pty", 'sudo_add_use_pty', {}, 'PASS'],
    ['a drop-in turns use_pty off again', 'sudo_add_use_pty', { zz: 'Defaults !use_pty\n' }, 'FAIL'],
    [
      'a drop-in sudo skips (name with a dot) does not count',
      'sudo_add_use_pty',
      { 'zz.disabled': 'Defaults !use_pty\n' },
      'PASS',
    ],
    ['no logfile in Debian’s', 'sudo_custom_logfile', {}, 'FAIL'],
    [
      'logfile in a drop-in',
      'sudo_custom_logfile',
      { cis: 'Defaults logfile="/var/log/sudo.log"\n' },
      'PASS',
    ],
    ['no !authenticate', 'sudo_remove_no_authenticate', {}, 'PASS'],
    [
      '!authenticate for a user',
      'sudo_remove_no_authenticate',
      { ci: 'Defaults:deploy !authenticate\n' },
      'FAIL',
    ],
    [
      'NOPASSWD is not !authenticate',
      'sudo_remove_no_authenticate',
      { ci: 'deploy ALL=(ALL) NOPASSWD: ALL\n' },
      'PASS',
    ],
    [
      'NOPASSWD fails sudo_require_authentication',
      'sudo_require_authentication',
      { ci: 'deploy ALL=(ALL) NOPASSWD: ALL\n' },
      'FAIL',
    ],
    ['sudo_require_authentication on Debian’s', 'sudo_require_authentication', {}, 'PASS'],
    ['timestamp_timeout unset: default 15', 'sudo_require_reauthentication', {}, 'PASS'],
    ['timestamp_timeout=5', 'sudo_require_reauthentication', { t: 'Defaults timestamp_timeout=5\n' }, 'PASS'],
    [
      'timestamp_timeout=-1 (never again)',
      'sudo_require_reauthentication',
      { t: 'Defaults timestamp_timeout=-1\n' },
      'FAIL',
    ],
    [
      'timestamp_timeout=60 for one user',
      'sudo_require_reauthentication',
      { t: 'Defaults:alice timestamp_timeout=60\n' },
      'FAIL',
    ],
  ] as const)('%s (%s) → %s', async (_c, rule, dropIns, expected) => {
    const out = run(rule, await root(dropIns));
    expect(out.result, out.message).toBe(expected);
  });

  it('al2: the logfile must be var_sudo_logfile (/var/log/sudo.log)', async () => {
    expect(
      run('sudo_custom_logfile', await root({ cis: 'Defaults logfile=/var/log/sudo.log\n' }), 'al2').result,
    ).toBe('PASS');
    expect(
      run('sudo_custom_logfile', await root({ cis: 'Defaults logfile=/tmp/s.log\n' }), 'al2').result,
    ).toBe('FAIL');
  });

  it('#includedir (the older form) and @include of a file sudo reads', async () => {
    const older = DEBIAN_SUDOERS.replace('@includedir /etc/sudoers.d', '#includedir /etc/sudoers.d');
    expect(
      run('sudo_custom_logfile', await root({ cis: 'Defaults logfile=/var/log/sudo.log\n' }, older)).result,
    ).toBe('PASS');
  });

  it('sudo not installed → NOT_APPLICABLE', async () => {
    const f = await factsOf({ files: { '/etc/hostname': 'h\n' } });
    for (const rule of ['sudo_add_use_pty', 'sudo_remove_nopasswd', 'sudo_require_reauthentication'])
      expect(run(rule, f).result).toBe('NOT_APPLICABLE');
  });
});
