import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loginDefsInteger, parseLoginDefs } from '../../../functions/parsers/login-defs';

const fixture = (p: string) => readFileSync(path.join(__dirname, '../../fixtures/config', p), 'utf8');

describe('parseLoginDefs on the Debian 12 login.defs', () => {
  const defs = parseLoginDefs(fixture('debian-12/etc/login.defs'));
  it.each([
    ['PASS_MAX_DAYS', '99999', 165],
    ['PASS_MIN_DAYS', '0', 166],
    ['PASS_WARN_AGE', '7', 167],
    ['UMASK', '022', 151],
    ['ENCRYPT_METHOD', 'SHA512', 294],
    ['ENV_PATH', 'PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games', 103],
  ])('%s = %s (line %i)', (key, value, line) => {
    expect(defs.values.get(key)).toMatchObject({ key, value, line });
  });

  it('has no PASS_MIN_LEN (Debian leaves it to PAM) and 37 settings', () => {
    expect(defs.values.has('PASS_MIN_LEN')).toBe(false);
    expect(defs.entries).toHaveLength(37);
  });
});

describe('parseLoginDefs line syntax (shadow getdef.c)', () => {
  it.each([
    ['PASS_MAX_DAYS 90', '90'],
    ['  PASS_MAX_DAYS\t\t90\t ', '90'],
    ['PASS_MAX_DAYS "90"', '90'],
    ['PASS_MAX_DAYS 90 # comment', '90 # comment'],
    ['PASS_MAX_DAYS "90" trailing', '90'],
  ])('%j → %j', (line, value) => {
    expect(parseLoginDefs(line).values.get('PASS_MAX_DAYS')?.value).toBe(value);
  });

  it.each(['# PASS_MAX_DAYS 90', 'PASS_MAX_DAYS', '', '\t'])('%j sets nothing', (line) => {
    expect(parseLoginDefs(line).entries).toEqual([]);
  });

  it('reads a line with a long run of blanks in linear time (untrusted telemetry)', () => {
    const started = performance.now();
    const defs = parseLoginDefs(
      `PASS_MAX_DAYS${' '.repeat(200_000)}90\nPASS_MIN_LEN 14${'\t'.repeat(200_000)}#`,
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(defs.values.get('PASS_MAX_DAYS')?.value).toBe('90');
    expect(defs.values.get('PASS_MIN_LEN')?.value).toMatch(/^14\t+#$/);
  });

  it('the last of two lines wins', () => {
    expect(parseLoginDefs('PASS_MAX_DAYS 30\nPASS_MAX_DAYS 90\n').values.get('PASS_MAX_DAYS')).toMatchObject({
      value: '90',
      line: 2,
    });
  });

  it.each([
    ['90', 90],
    ['-1', -1],
    ['+7', 7],
    ['90 # comment', undefined],
    ['ninety', undefined],
    ['', undefined],
  ])('integer %j → %j', (v, n) => {
    expect(loginDefsInteger(v)).toBe(n);
  });
});
