import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseApkInstalled } from '../../../functions/parsers/apk-installed';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/inventory/${name}`, import.meta.url), 'utf8');

describe('parseApkInstalled', () => {
  it('reads a real Alpine 3.18 installed database (file entries skipped, origin = source package)', () => {
    const parsed = parseApkInstalled(fixture('apk-installed-alpine318-aarch64.txt'));
    expect(parsed.errors).toEqual([]);
    expect(parsed.records.map((r) => [r.name, r.version, r.arch, r.origin])).toEqual([
      ['alpine-baselayout', '3.4.3-r1', 'aarch64', 'alpine-baselayout'],
      ['alpine-baselayout-data', '3.4.3-r1', 'aarch64', 'alpine-baselayout'],
      ['libssl3', '3.1.2-r0', 'aarch64', 'openssl'],
      ['musl', '1.2.4-r1', 'aarch64', 'musl'],
      ['musl-utils', '1.2.4-r1', 'aarch64', 'musl'],
      ['scanelf', '1.3.7-r1', 'aarch64', 'pax-utils'],
      ['ssl_client', '1.36.1-r2', 'aarch64', 'busybox'],
      ['zlib', '1.2.13-r1', 'aarch64', 'zlib'],
    ]);
    expect(parsed.records[0]!.line).toBe(1);
    expect(parsed.records[1]!.line).toBe(119);
  });

  it('defaults the origin to the package name', () => {
    expect(parseApkInstalled('P:foo\nV:1.0-r0\n').records).toEqual([
      { name: 'foo', version: '1.0-r0', origin: 'foo', line: 1 },
    ]);
  });

  it('reports malformed stanzas with their line numbers and keeps the good ones', () => {
    const text = [
      'P:good1', // 1
      'V:1.0-r0',
      '',
      'P:noversion', // 4
      'A:x86_64',
      '',
      'V:1.0-r0', // 7
      '',
      'P:badversion', // 9
      'V:1.0-1',
      '',
      'P:badline', // 12
      'V:1.0-r0',
      'garbage without a key',
      '',
      'P:dup', // 16
      'V:1.0-r0',
      'V:2.0-r0',
      '',
      'P:good2', // 20
      'V:2.0_rc1-r3',
      'o:goodsrc',
    ].join('\n');
    const parsed = parseApkInstalled(text);
    expect(parsed.records.map((r) => [r.name, r.version, r.origin])).toEqual([
      ['good1', '1.0-r0', 'good1'],
      ['good2', '2.0_rc1-r3', 'goodsrc'],
    ]);
    expect(parsed.errors.map((e) => e.line)).toEqual([4, 7, 9, 14, 18]);
    expect(parsed.errors[2]!.message).toMatch(/badversion: invalid apk version "1.0-1"/);
  });
});
