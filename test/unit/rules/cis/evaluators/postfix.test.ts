/**
 * postfix_network_listening_disabled on Debian 12's main.cf template (postfix 3.7.11-0+deb12u1,
 * /usr/share/postfix/main.cf.debian, which the package's postinst turns into /etc/postfix/main.cf): unset
 * inet_interfaces is Postfix's default all.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Facts } from '../../../../../functions/core/facts/facts';
import { CAC_RULES } from '../../../../../functions/rules/cis/data';
import {
  POSTFIX_EVALUATORS,
  parsePostfixMainCf,
} from '../../../../../functions/rules/cis/evaluators/postfix';
import { platformNotApplicable } from '../../../../../functions/rules/cis/platform';
import { configFixture } from '../../../../helpers/cis-material';
import { cisTelemetry } from '../../../../helpers/cis-roots';
import { cleanupRoots } from '../../../../helpers/fixture-root';
import { evaluate, factsOf } from './harness';

afterAll(cleanupRoots);

const MAIN_CF = configFixture('debian-12/postfix/main.cf.debian');
const RULE = 'postfix_network_listening_disabled';
const run = async (mainCf?: string) =>
  evaluate(
    POSTFIX_EVALUATORS[`rule:${RULE}`]!,
    await factsOf({ files: mainCf === undefined ? {} : { '/etc/postfix/main.cf': mainCf } }),
    RULE,
  );

describe(RULE, () => {
  it.each([
    ["Debian's main.cf (inet_interfaces unset: all)", MAIN_CF, 'FAIL'],
    ['as the postinst writes it (inet_interfaces = all)', `${MAIN_CF}inet_interfaces = all\n`, 'FAIL'],
    ['loopback-only', `${MAIN_CF}inet_interfaces = loopback-only\n`, 'PASS'],
    [
      'loopback-only, then all (the last wins)',
      `${MAIN_CF}inet_interfaces = loopback-only\ninet_interfaces = all\n`,
      'FAIL',
    ],
    [
      'a continuation line adds to the value',
      `${MAIN_CF}inet_interfaces = loopback-only\n  , 10.0.0.1\n`,
      'FAIL',
    ],
    ['no main.cf: default all', undefined, 'FAIL'],
  ] as const)('%s → %s', async (_c, text, want) => {
    const out = await run(text);
    expect(out.result, out.message).toBe(want);
  });

  it('parses continuation lines across comments', () => {
    expect(parsePostfixMainCf('a = 1\n# c\n  2\nb=3\n').get('a')).toEqual({ value: '1 2', line: 1 });
  });

  it('without postfix installed the rule is NOT_APPLICABLE (its platform package[postfix])', async () => {
    const f = new Facts(await cisTelemetry({ os: 'ubuntu2204', files: { '/etc/postfix/main.cf': MAIN_CF } }));
    const v = platformNotApplicable(f, CAC_RULES.rules[RULE]!, CAC_RULES.platformPackages.ubuntu2204);
    expect(v?.message).toMatch(/^platform package\[postfix\]: postfix not installed/);
    const installed = new Facts(
      await cisTelemetry({
        os: 'ubuntu2204',
        packages: ['postfix'],
        files: { '/etc/postfix/main.cf': MAIN_CF },
      }),
    );
    expect(
      platformNotApplicable(installed, CAC_RULES.rules[RULE]!, CAC_RULES.platformPackages.ubuntu2204),
    ).toBeUndefined();
  });
});
