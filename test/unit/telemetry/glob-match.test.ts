import { describe, expect, it } from 'vitest';
import { globMatch } from '../../../functions/core/telemetry/glob-match';

describe('globMatch (one component, glob(3) as sshd Include uses it)', () => {
  it.each([
    ['*.conf', '50-cloud-init.conf', true],
    ['*.conf', '50-cloud-init.conf.bak', false],
    ['*.conf', '.hidden.conf', false],
    ['.*.conf', '.hidden.conf', true],
    ['*', 'sshd_config', true],
    ['?0-*', '10-a.conf', true],
    ['?0-*', '100-a.conf', false],
    ['[0-4]*', '10-a.conf', true],
    ['[0-4]*', '50-a.conf', false],
    ['[!0-4]*', '50-a.conf', true],
    ['[]a]*', ']x', true],
    ['[!]a]*', 'bx', true],
    ['[ab', '[ab', true],
    ['[z-a]*', 'm.conf', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['extra.conf', 'extra.conf', true],
    ['extra.conf', 'extraXconf', false],
  ])('%j ~ %j is %s', (pattern, name, expected) => {
    expect(globMatch(pattern, name)).toBe(expected);
  });

  it('takes untrusted patterns without throwing or backtracking for long', () => {
    const started = performance.now();
    expect(globMatch(`${'[a'.repeat(50_000)}]`, 'a')).toBe(true);
    expect(globMatch(`${'[a'.repeat(50_000)}]`, 'b')).toBe(false);
    expect(globMatch(`${'*a'.repeat(2_000)}b`, 'a'.repeat(4_000))).toBe(false);
    expect(globMatch(`${'x'.repeat(100_000)}*`, `${'x'.repeat(100_000)}.conf`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
