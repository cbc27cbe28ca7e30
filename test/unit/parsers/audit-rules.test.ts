import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditField, parseAuditRules, watchedPath } from '../../../functions/parsers/audit-rules';

const fixture = (p: string) =>
  readFileSync(path.join(__dirname, '../../fixtures/config/debian-12/audit', p), 'utf8');

describe('parseAuditRules on Debian 12 auditd example rules', () => {
  it('30-stig.rules: 34 rules, no errors, keys in both forms', () => {
    const p = parseAuditRules(fixture('30-stig.rules'));
    expect(p.errors).toEqual([]);
    expect(p.rules).toHaveLength(34);
    expect(p.rules[0]).toMatchObject({
      type: 'syscall',
      list: 'exit',
      action: 'always',
      syscalls: ['adjtimex', 'settimeofday', 'stime'],
      fields: [{ name: 'arch', op: '=', value: 'b32' }],
      keys: ['time-change'],
      line: 27,
    });
    const localtime = p.rules.find((r) => r.type === 'watch' && r.path === '/etc/localtime');
    expect(localtime).toMatchObject({ type: 'watch', perms: 'wa', keys: ['time-change'], line: 34 });
    const perm = p.rules.find((r) => r.type === 'syscall' && r.keys.includes('perm_mod'));
    expect(perm && auditField(perm, 'auid', '>=')).toBe('1000');
    expect(perm && auditField(perm, 'auid', '!=')).toBe('unset');
  });

  it('30-pci-dss-v31.rules: path= and dir= rules are watches', () => {
    const p = parseAuditRules(fixture('30-pci-dss-v31.rules'));
    expect(p.errors).toEqual([]);
    expect(p.rules).toHaveLength(25);
    const sudoers = p.rules.find((r) => r.line === 29)!;
    expect(watchedPath(sudoers)).toEqual({ path: '/etc/sudoers', perms: 'wa', dir: false });
    expect(watchedPath(p.rules.find((r) => r.line === 30)!)).toEqual({
      path: '/etc/sudoers.d/',
      perms: 'wa',
      dir: true,
    });
    expect(sudoers).toMatchObject({ keys: ['10.2.2-priv-config-changes'] });
  });

  it('10-base-config.rules and rules.d/audit.rules: control lines', () => {
    for (const f of ['10-base-config.rules', 'rules.d-audit.rules']) {
      const p = parseAuditRules(fixture(f));
      expect(p.errors).toEqual([]);
      expect(p.rules.map((r) => (r.type === 'control' ? [r.option, r.value] : r.type))).toEqual(
        f === '10-base-config.rules'
          ? [
              ['-D', undefined],
              ['-b', '8192'],
              ['--backlog_wait_time', '60000'],
              ['-f', '1'],
            ]
          : [
              ['-D', undefined],
              ['-b', '8192'],
              ['--backlog_wait_time', '60000'],
              ['-f', '1'],
            ],
      );
    }
  });
});

describe('parseAuditRules line forms', () => {
  it.each([
    ['-w /etc/sudoers -p wa -k scope', { type: 'watch', path: '/etc/sudoers', perms: 'wa', keys: ['scope'] }],
    ['-w /etc/sudoers -p wa', { type: 'watch', keys: [] }],
    [
      '-a always,exit -F arch=b64 -S sethostname -S setdomainname -k system-locale',
      { type: 'syscall', syscalls: ['sethostname', 'setdomainname'], keys: ['system-locale'] },
    ],
    [
      '-a exit,always -F arch=b64 -S mount -F key=mounts',
      { list: 'exit', action: 'always', keys: ['mounts'] },
    ],
    ['-a always,exit -F arch=b64 -S mount -F auid>=1000 -F auid!=-1 -k mounts', { keys: ['mounts'] }],
    ['-A never,exit -F arch=b64 -S all', { prepend: true, action: 'never', syscalls: ['all'] }],
    ['-e 2', { type: 'control', option: '-e', value: '2' }],
    ['--loginuid-immutable', { type: 'control', option: '--loginuid-immutable' }],
    [
      '-a always,exit -F "path=/usr/bin/my sudo" -F perm=x -k priv',
      { fields: [{ name: 'path', value: '/usr/bin/my sudo' }, { name: 'perm' }] },
    ],
  ])('%s', (line, expected) => {
    const p = parseAuditRules(line);
    expect(p.errors).toEqual([]);
    expect(p.rules[0]).toMatchObject(expected);
  });

  it('the same key in -k and -F key= forms on auditctl -l output', () => {
    const a = parseAuditRules('-w /etc/passwd -p wa -k identity').rules[0]!;
    const b = parseAuditRules('-a always,exit -F path=/etc/passwd -F perm=wa -F key=identity').rules[0]!;
    expect(a.type !== 'control' && a.keys).toEqual(b.type !== 'control' && b.keys);
    expect(watchedPath(a)).toEqual(watchedPath(b));
  });

  it.each(['garbage', '-w', '-a always,exit -F bogus'])('%j is an error', (line) => {
    expect(parseAuditRules(line).errors).toHaveLength(1);
  });
});
