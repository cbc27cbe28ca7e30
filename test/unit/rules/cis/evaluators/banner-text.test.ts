/**
 * banner_etc_issue, banner_etc_issue_net, banner_etc_motd (Amazon Linux benchmarks): the whole file against
 * the benchmark's login_banner_text / remote_login_banner_text / motd_banner_text. Contents: Debian 12's real
 * /etc/issue, issue.net and motd (test/fixtures/config/README.md) and the texts of ComplianceAsCode's own
 * tests of these rules (tests/banner_etc_issue_cis_*.sh at the commit the data comes from).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchmarkId } from '../../../../../functions/rules/cis/data';
import { BANNER_EVALUATORS } from '../../../../../functions/rules/cis/evaluators/banner';
import { configFixture } from '../../../../helpers/cis-material';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const AL2023_OS_RELEASE = configFixture('../os-release/amzn-2023');
const ISSUE = configFixture('debian-12/etc/issue');
const ISSUE_NET = configFixture('debian-12/etc/issue.net');
const MOTD = configFixture('debian-12/etc/motd');
// ComplianceAsCode's tests: banner_etc_issue_cis_recommended.pass.sh, _cis_valid_content.pass.sh,
// _cis_osid.fail.sh, _cis_mingetty.fail.sh (each written with echo, so with a final newline).
const RECOMMENDED = 'Authorized users only. All activity may be monitored and reported.\n';
const VALID =
  "CIS doesn't require a specific content, considering there is no technical information about the system.\n";
const OSID = 'This system is rhel.\n';
const MINGETTY = 'System name \\s version \\s \n';

const run = async (
  rule: string,
  files: Record<string, string>,
  benchmark: BenchmarkId = 'al2023',
  variables: Record<string, string> = {},
) =>
  evaluate(
    BANNER_EVALUATORS[`rule:${rule}`]!,
    await factsOf({ files: { '/etc/os-release': AL2023_OS_RELEASE, ...files } }),
    rule,
    benchmark,
    variables,
  );

describe('banner_etc_issue / banner_etc_issue_net (al2023, al2)', () => {
  it.each([
    ['the benchmark text', RECOMMENDED, 'PASS'],
    [
      'the benchmark text wrapped over lines',
      'Authorized users only.\nAll activity may be\nmonitored and reported.\n',
      'PASS',
    ],
    ['a one-line banner without OS information', VALID, 'PASS'],
    ['"This system is rhel."', OSID, 'FAIL'],
    ['getty escapes (\\s)', MINGETTY, 'FAIL'],
    ["Debian's /etc/issue (\\n \\l)", ISSUE, 'FAIL'],
    ["Debian's /etc/issue.net (one line naming Debian)", ISSUE_NET, 'FAIL'],
    [
      'a one-line "Amazon Linux 2023" (the regex lets it through; it tells the OS)',
      'Amazon Linux 2023\n',
      'FAIL',
    ],
    [
      'a two-line site text (the regex takes one line or the benchmark text)',
      'Authorized users only.\n\nBy order.\n',
      'FAIL',
    ],
    ['the benchmark text and a blank line after it', `${RECOMMENDED}\n`, 'FAIL'],
  ])('%s', async (_label, text, want) => {
    for (const [rule, file] of [
      ['banner_etc_issue', '/etc/issue'],
      ['banner_etc_issue_net', '/etc/issue.net'],
    ] as const) {
      for (const b of ['al2023', 'al2'] as const) {
        const r = await run(rule, { [file]: text }, b);
        expect(r.result, `${rule} ${b}: ${r.message}`).toBe(want);
      }
    }
  });
  it('an absent or empty file shows no banner: FAIL', async () => {
    const absent = await run('banner_etc_issue_net', {});
    expect(absent.result).toBe('FAIL');
    expect(absent.message).toMatch(/\/etc\/issue.net is absent/);
    expect((await run('banner_etc_issue', { '/etc/issue': '\n' })).message).toMatch(/is empty/);
  });
  it('every file agetty shows must match: /etc/issue.d too', async () => {
    const r = await run('banner_etc_issue', {
      '/etc/issue': RECOMMENDED,
      '/etc/issue.d/50-kernel.issue': MINGETTY,
    });
    expect(r.result).toBe('FAIL');
    expect(r.message).toMatch(/\/etc\/issue.d\/50-kernel.issue does not match login_banner_text/);
    expect(
      (await run('banner_etc_issue', { '/etc/issue': RECOMMENDED, '/etc/issue.d/motd.issue': RECOMMENDED }))
        .result,
    ).toBe('PASS');
  });
  it('a tailored expression is used; one JavaScript cannot read is ERROR', async () => {
    const site = { login_banner_text: '^Property of Example Corp\\.$' };
    expect(
      (await run('banner_etc_issue', { '/etc/issue': 'Property of Example Corp.\n' }, 'al2023', site)).result,
    ).toBe('PASS');
    expect((await run('banner_etc_issue', { '/etc/issue': RECOMMENDED }, 'al2023', site)).result).toBe(
      'FAIL',
    );
    const bad = await run('banner_etc_issue', { '/etc/issue': RECOMMENDED }, 'al2023', {
      login_banner_text: '^(?<x>a)(?<x>b)$',
    });
    expect(bad.result).toBe('ERROR');
  });
});

describe('banner_etc_motd', () => {
  it.each([
    ['absent', {}, 'PASS'],
    ['empty', { '/etc/motd': '' }, 'PASS'],
    ['the benchmark text', { '/etc/motd': RECOMMENDED }, 'PASS'],
    ["Debian's motd (several lines, names Debian)", { '/etc/motd': MOTD }, 'FAIL'],
    ['getty escapes', { '/etc/motd': MINGETTY }, 'FAIL'],
  ] as const)('%s: %s', async (_label, files, want) => {
    expect((await run('banner_etc_motd', files)).result).toBe(want);
  });
});
