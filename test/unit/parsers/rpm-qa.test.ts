import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRpmQa, parseSourceRpmName } from '../../../functions/parsers/rpm-qa';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/inventory/${name}`, import.meta.url), 'utf8');

describe('parseRpmQa', () => {
  it('reads Amazon Linux 2023 packages: (none) epochs, source rpms, an epoch carried to the source version', () => {
    const parsed = parseRpmQa(fixture('rpm-qa-amzn2023.tsv'));
    expect(parsed.errors).toEqual([]);
    expect(parsed.records.map((r) => [r.name, r.evr, r.arch, r.sourceName, r.sourceVersion])).toEqual([
      ['rsyslog', '8.2204.0-3.amzn2023.0.2', 'x86_64', 'rsyslog', '8.2204.0-3.amzn2023.0.2'],
      ['rsyslog-logrotate', '8.2204.0-3.amzn2023.0.2', 'x86_64', 'rsyslog', '8.2204.0-3.amzn2023.0.2'],
      ['rsyslog-doc', '8.2204.0-3.amzn2023.0.2', 'noarch', 'rsyslog', '8.2204.0-3.amzn2023.0.2'],
      ['kpartx', '0.8.7-16.amzn2023.0.1', 'x86_64', 'device-mapper-multipath', '0.8.7-16.amzn2023.0.1'],
      [
        'device-mapper-multipath-libs',
        '0.8.7-16.amzn2023.0.1',
        'x86_64',
        'device-mapper-multipath',
        '0.8.7-16.amzn2023.0.1',
      ],
      ['openssl-libs', '1:3.0.8-1.amzn2023.0.9', 'x86_64', 'openssl', '1:3.0.8-1.amzn2023.0.9'],
    ]);
    expect(parsed.records[5]).toMatchObject({
      epoch: '1',
      version: '3.0.8',
      release: '1.amzn2023.0.9',
      sourceRpm: 'openssl-3.0.8-1.amzn2023.0.9.src.rpm',
      line: 6,
    });
    expect(parsed.records[0]!.epoch).toBeUndefined();
  });

  it('reads AlmaLinux 8 packages: a source whose version differs from the binary, module releases, epochs', () => {
    const parsed = parseRpmQa(fixture('rpm-qa-almalinux8.tsv'));
    expect(parsed.errors).toEqual([]);
    const byName = new Map(parsed.records.map((r) => [r.name, r]));
    expect(byName.get('dotnet-runtime-2.1')).toMatchObject({
      evr: '2.1.30-1.el8_4',
      sourceName: 'dotnet',
      sourceVersion: '2.1.526-1.el8_4',
    });
    expect(byName.get('libiscsi')).toMatchObject({
      evr: '1.18.0-8.module_el8.4.0+2523+3300d70f',
      sourceName: 'libiscsi',
    });
    expect(byName.get('sgabios-bin')).toMatchObject({
      evr: '1:0.20170427git-3.module_el8.4.0+2523+3300d70f',
      arch: 'noarch',
      sourceName: 'sgabios',
      sourceVersion: '1:0.20170427git-3.module_el8.4.0+2523+3300d70f',
    });
  });

  it('reads gpg-pubkey lines (no arch, no source rpm) and keeps the binary as its own source', () => {
    const parsed = parseRpmQa('gpg-pubkey\t(none)\td4082792\t5b32db75\t(none)\t(none)\n');
    expect(parsed.records).toEqual([
      {
        name: 'gpg-pubkey',
        version: 'd4082792',
        release: '5b32db75',
        sourceName: 'gpg-pubkey',
        sourceVersion: 'd4082792-5b32db75',
        evr: 'd4082792-5b32db75',
        line: 1,
      },
    ]);
  });

  it.each([
    [
      'openssl-3.0.8-1.amzn2023.0.9.src.rpm',
      { name: 'openssl', version: '3.0.8', release: '1.amzn2023.0.9' },
    ],
    [
      'kernel-5.14.0-427.13.1.el9_4.src.rpm',
      { name: 'kernel', version: '5.14.0', release: '427.13.1.el9_4' },
    ],
    ['python3.11-3.11.7-1.el9.src.rpm', { name: 'python3.11', version: '3.11.7', release: '1.el9' }],
    ['dotnet-2.1.526-1.el8_4.src.rpm', { name: 'dotnet', version: '2.1.526', release: '1.el8_4' }],
    ['foo-1.0-1.nosrc.rpm', { name: 'foo', version: '1.0', release: '1' }],
    ['openssl.src.rpm', undefined],
    ['openssl-3.0.8.src.rpm', undefined],
    ['openssl-3.0.8-1.x86_64.rpm', undefined],
  ])('parses the source rpm name %s', (file, expected) => {
    expect(parseSourceRpmName(file)).toEqual(expected);
  });

  it('reports malformed lines with their line numbers and keeps the good ones', () => {
    const text = [
      'bash\t(none)\t5.2.15\t3.amzn2023.0.2\tx86_64\tbash-5.2.15-3.amzn2023.0.2.src.rpm', // 1
      'too\tfew\tfields', // 2
      'badepoch\tx\t1.0\t1\tx86_64\tbadepoch-1.0-1.src.rpm', // 3
      'norelease\t(none)\t1.0\t(none)\tx86_64\tnorelease-1.0-1.src.rpm', // 4
      'badver\t(none)\t1.0-2\t1\tx86_64\tbadver-1.0-1.src.rpm', // 5
      'badsrc\t(none)\t1.0\t1\tx86_64\tbadsrc.rpm', // 6
      '', // 7
      'zlib\t(none)\t1.2.11\t40.el9\tx86_64\tzlib-1.2.11-40.el9.src.rpm', // 8
    ].join('\n');
    const parsed = parseRpmQa(text);
    expect(parsed.records.map((r) => r.name)).toEqual(['bash', 'zlib']);
    expect(parsed.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6]);
    expect(parsed.errors[4]!.message).toMatch(/cannot parse source rpm "badsrc.rpm"/);
  });
});

describe('parseRpmQa: modularity labels (issue 12)', () => {
  it('reads the seventh field, MODULARITYLABEL: name:stream:version:context, (none) for packages of no module', () => {
    const parsed = parseRpmQa(fixture('rpm-qa-almalinux8-modularity.tsv'));
    expect(parsed.errors).toEqual([]);
    expect(parsed.records.map((r) => [r.name, r.module, r.modularityLabel])).toEqual([
      ['libsndfile', '', ''],
      ['libiscsi', 'virt:rhel', 'virt:rhel:8040020210811063000:522a0ee4'],
      ['libiscsi-utils', 'virt:rhel', 'virt:rhel:8040020210811063000:522a0ee4'],
      ['sgabios-bin', 'virt:rhel', 'virt:rhel:8040020210811063000:522a0ee4'],
      ['gpg-pubkey', '', ''],
    ]);
    expect(parsed.records[1]).toMatchObject({
      evr: '1.18.0-8.module_el8.4.0+2523+3300d70f',
      sourceName: 'libiscsi',
    });
  });

  it('six-field lines (older agents, rpm without the tag) leave the modularity unknown, not "none"', () => {
    const parsed = parseRpmQa(fixture('rpm-qa-almalinux8.tsv'));
    expect(parsed.errors).toEqual([]);
    expect(parsed.records.every((r) => r.module === undefined && r.modularityLabel === undefined)).toBe(true);
  });

  it.each([
    [
      'eight fields',
      'a\t(none)\t1\t1\tx86_64\ta-1-1.src.rpm\t(none)\textra',
      /expected 6 or 7 tab-separated fields, got 8/,
    ],
    [
      'a label without a stream',
      'a\t(none)\t1\t1\tx86_64\ta-1-1.src.rpm\truby',
      /cannot parse modularity label "ruby"/,
    ],
    [
      'a label with spaces',
      'a\t(none)\t1\t1\tx86_64\ta-1-1.src.rpm\truby: 3.3',
      /cannot parse modularity label/,
    ],
  ])('reports %s as an error and skips the line', (_what, line, message) => {
    const parsed = parseRpmQa(`${line}\n`);
    expect(parsed.records).toEqual([]);
    expect(parsed.errors[0]?.message).toMatch(message);
  });
});
