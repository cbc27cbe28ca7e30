import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGroup, parsePasswd } from '../../../functions/parsers/passwd';

const fixture = (p: string) =>
  readFileSync(path.join(__dirname, '../../fixtures/config/debian-12/base-passwd', p), 'utf8');

describe('parsePasswd / parseGroup on Debian base-passwd master files', () => {
  it('passwd.master: 18 accounts', () => {
    const p = parsePasswd(fixture('passwd.master'));
    expect(p.errors).toEqual([]);
    expect(p.entries).toHaveLength(18);
    expect(p.entries[0]).toEqual({
      name: 'root',
      password: '*',
      uid: 0,
      gid: 0,
      gecos: 'root',
      home: '/root',
      shell: '/bin/bash',
      line: 1,
    });
    expect(p.entries.find((e) => e.name === 'nobody')).toMatchObject({
      uid: 65534,
      gid: 65534,
      shell: '/usr/sbin/nologin',
    });
    expect(p.entries.filter((e) => e.uid === 0).map((e) => e.name)).toEqual(['root']);
  });

  it('group.master: 38 groups', () => {
    const g = parseGroup(fixture('group.master'));
    expect(g.errors).toEqual([]);
    expect(g.entries).toHaveLength(38);
    expect(g.entries[0]).toEqual({ name: 'root', password: '*', gid: 0, members: [], line: 1 });
    expect(g.entries.find((e) => e.name === 'shadow')).toMatchObject({ gid: 42 });
  });
});

describe('passwd/group line forms', () => {
  it.each([
    ['alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash', { name: 'alice', uid: 1000, gecos: 'Alice,,,' }],
    ['legacy:<redacted>:1001:1001::/home/legacy:/bin/sh', { password: '<redacted>' }],
    ['empty::1002:1002::/:', { password: '', shell: '' }],
  ])('%s', (line, expected) => {
    expect(parsePasswd(line).entries[0]).toMatchObject(expected);
  });

  it('NIS compat lines, comments and bad lines are reported, not accounts', () => {
    const p = parsePasswd('# comment\n+::::::\n-bob::::::\nshort:x:1\nbad:x:a:0::/:/bin/sh\n\n');
    expect(p.entries).toEqual([]);
    expect(p.compat.map((c) => c.line)).toEqual([2, 3]);
    expect(p.errors.map((e) => e.line)).toEqual([4, 5]);
  });

  it('group members', () => {
    expect(parseGroup('sudo:x:27:alice,bob').entries[0]).toMatchObject({ members: ['alice', 'bob'] });
  });
});
