import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  installCommandDisables,
  normalizeModuleName,
  parseModprobeConf,
} from '../../../functions/parsers/modprobe';

const fixture = (p: string) =>
  readFileSync(path.join(__dirname, '../../fixtures/config/debian-12/modprobe.d', p), 'utf8');

describe('parseModprobeConf on Debian 12 files', () => {
  it("kmod's aliases.conf", () => {
    const p = parseModprobeConf(fixture('aliases.conf'));
    expect(p.errors).toEqual([]);
    expect(p.directives.map((d) => d.kind)).toEqual([
      'options',
      'options',
      'options',
      'options',
      'options',
      'softdep',
      'softdep',
    ]);
    expect(p.directives[0]).toMatchObject({ kind: 'options', module: 'snd_pcsp', args: 'index=-2' });
  });

  it("systemd's modprobe.d/systemd.conf", () => {
    const p = parseModprobeConf(fixture('systemd.conf'));
    expect(p.directives.map((d) => [d.kind, d.module, d.args])).toEqual([
      ['options', 'bonding', 'max_bonds=0'],
      ['options', 'dummy', 'numdummies=0'],
      ['options', 'ifb', 'numifbs=0'],
    ]);
  });
});

describe('install and blacklist lines', () => {
  it.each([
    ['install cramfs /bin/true', 'cramfs', true],
    ['install cramfs /bin/false', 'cramfs', true],
    ['install usb-storage /usr/bin/false', 'usb_storage', true],
    ['install dccp true', 'dccp', true],
    ['install sctp /bin/false ;', 'sctp', true],
    ['install udf /sbin/modprobe --ignore-install udf', 'udf', false],
    ['install tipc /bin/echo blocked', 'tipc', false],
  ])('%s', (line, module, disables) => {
    const d = parseModprobeConf(line).directives[0]!;
    expect(d).toMatchObject({ kind: 'install', module });
    expect(installCommandDisables(d.args)).toBe(disables);
  });

  it('blacklist, continuation lines and comments', () => {
    const p = parseModprobeConf(
      '# cis\nblacklist usb-storage\ninstall hfs \\\n  /bin/false\n#install jffs2 /bin/true\n',
    );
    expect(p.directives.map((d) => [d.kind, d.module, d.args, d.line])).toEqual([
      ['blacklist', 'usb_storage', '', 2],
      ['install', 'hfs', '/bin/false', 3],
    ]);
  });

  it('unknown keywords are errors', () => {
    expect(parseModprobeConf('instal cramfs /bin/true').errors).toHaveLength(1);
  });

  it('normalizes - and _', () => {
    expect(normalizeModuleName('firewire-core')).toBe('firewire_core');
  });
});
