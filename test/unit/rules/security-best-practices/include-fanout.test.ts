/**
 * Untrusted telemetry must not stall evaluation: a config whose includes are repeated at every level
 * (10 includes of the next level, 6 levels deep: a million reads if expanded naively) ends in ERROR with the
 * reason, quickly, for both sshd Include and PAM @include.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupRoots } from '../../../helpers/fixture-root';
import { ruleResult, variant } from './harness';

afterAll(cleanupRoots);

const LEVELS = 6;
const FANOUT = 10;

function chain(dir: string, include: (target: string) => string, last: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (let level = 1; level <= LEVELS; level++) {
    files[`${dir}/level${level}`] =
      level === LEVELS ? last : `${include(`${dir}/level${level + 1}`)}\n`.repeat(FANOUT);
  }
  return files;
}

describe('include fan-out', () => {
  it('sshd: Include repeated at every level is cut off with ERROR', async () => {
    const t0 = performance.now();
    const r = await ruleResult(
      'sbp.ssh-root-login',
      variant({
        files: {
          '/etc/ssh/sshd_config': `${'Include /etc/ssh/fan/level1\n'.repeat(FANOUT)}PermitRootLogin no\n`,
          ...chain('/etc/ssh/fan', (t) => `Include ${t}`, 'X11Forwarding no\n'),
        },
      }),
    );
    expect(r.result).toBe('ERROR');
    expect(r.message).toMatch(/reads more than 1000 files/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('PAM: @include repeated at every level is cut off with ERROR', async () => {
    const t0 = performance.now();
    const r = await ruleResult(
      'sbp.password-complexity',
      variant({
        files: {
          '/etc/pam.d/common-password': `${'@include fan1\n'.repeat(FANOUT)}password required pam_unix.so\n`,
          ...Object.fromEntries(
            Object.entries(
              chain('/etc/pam.d', (t) => `@include ${t}`, 'password required pam_unix.so\n'),
            ).map(([k, v]) => [k.replace('/level', '/fan'), v.replace(/\/etc\/pam\.d\/level/g, 'fan')]),
          ),
        },
      }),
    );
    expect(r.result).toBe('ERROR');
    expect(JSON.stringify(r)).toMatch(/reads more than 1000 files/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
