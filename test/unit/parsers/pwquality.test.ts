import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePwqualityConf, pwqualityInteger, pwqualityOption } from '../../../functions/parsers/pwquality';

const fixture = (p: string) => readFileSync(path.join(__dirname, '../../fixtures/config', p), 'utf8');

describe('parsePwqualityConf on real files', () => {
  it.each(['debian-12/etc/security/pwquality.conf', 'upstream/libpwquality/pwquality.conf'])(
    '%s sets nothing (every default is commented out)',
    (p) => {
      const text = fixture(p);
      expect(text).toMatch(/# minlen = 8/);
      expect(parsePwqualityConf(text)).toEqual([]);
    },
  );

  it('uncommenting lines of the Debian file sets them, with their line numbers', () => {
    const text = fixture('debian-12/etc/security/pwquality.conf')
      .replace('# minlen = 8', 'minlen = 14')
      .replace('# enforce_for_root', 'enforce_for_root');
    const settings = parsePwqualityConf(text);
    const lines = text.split('\n');
    expect(settings.map((s) => [s.key, s.value])).toEqual([
      ['minlen', '14'],
      ['enforce_for_root', ''],
    ]);
    expect(lines[settings[0]!.line - 1]).toBe('minlen = 14');
  });
});

describe('parsePwqualityConf line syntax (libpwquality read_config_file)', () => {
  it.each([
    ['minlen = 14', 'minlen', '14'],
    ['minlen=14', 'minlen', '14'],
    ['  MINLEN\t=\t14  ', 'minlen', '14'],
    ['minlen 14', 'minlen', '14'],
    ['minlen = 14 # CIS 5.4.1', 'minlen', '14'],
    ['minlen==14', 'minlen', '=14'],
    ['badwords = foo bar', 'badwords', 'foo bar'],
    ['local_users_only', 'local_users_only', ''],
  ])('%j → %s = %j', (line, key, value) => {
    expect(parsePwqualityConf(line)).toEqual([{ key, value, line: 1, text: line.split('#')[0]!.trim() }]);
  });

  it.each(['# minlen = 14', '   ', '#'])('%j sets nothing', (line) => {
    expect(parsePwqualityConf(line)).toEqual([]);
  });

  it('module arguments split at the first =', () => {
    expect(pwqualityOption('minlen=14')).toEqual({ key: 'minlen', value: '14' });
    expect(pwqualityOption('authtok_type=')).toEqual({ key: 'authtok_type', value: '' });
    expect(pwqualityOption('enforce_for_root')).toEqual({ key: 'enforce_for_root', value: '' });
  });

  it.each([
    ['14', 14],
    ['-1', -1],
    ['14x', undefined],
    ['=14', undefined],
    ['', undefined],
  ])('integer %j → %j', (v, n) => {
    expect(pwqualityInteger(v)).toBe(n);
  });
});
