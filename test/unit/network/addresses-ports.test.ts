import { describe, expect, it } from 'vitest';
import {
  complement,
  describeRange,
  elementaryIntervals,
  INTERNET_V4,
  parseAddress,
  parseCidr,
  rangeToCidrs,
} from '../../../functions/core/network/addresses';
import {
  ALL_PORTS,
  contains,
  formatPorts,
  intersect,
  portRange,
  subtract,
  union,
} from '../../../functions/core/network/ports';

describe('CIDR parsing', () => {
  it.each([
    ['10.0.0.0/16', 4, 0x0a000000n, 0x0a00ffffn],
    ['10.0.1.77/24', 4, 0x0a000100n, 0x0a0001ffn],
    ['0.0.0.0/0', 4, 0n, 0xffffffffn],
    ['203.0.113.10/32', 4, 0xcb00710an, 0xcb00710an],
    ['::/0', 6, 0n, (1n << 128n) - 1n],
    [
      '2600:1f18:1234:5600::/56',
      6,
      0x26001f1812345600n << 64n,
      (0x26001f18123456ffn << 64n) | 0xffffffffffffffffn,
    ],
    ['::ffff:192.0.2.1/128', 6, 0xffffc0000201n, 0xffffc0000201n],
    ['fe80::1/128', 6, (0xfe80n << 112n) | 1n, (0xfe80n << 112n) | 1n],
  ])('%s', (cidr, family, lo, hi) => {
    expect(parseCidr(cidr)).toEqual({ family, lo, hi });
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '::/129', '10.0.0/8', 'x/8', '10.0.0.0/-1', '10.0.0.0/ 8x', ''])(
    'refuses %j',
    (cidr) => {
      expect(parseCidr(cidr)).toBeUndefined();
    },
  );

  it('parses single addresses and prints ranges back', () => {
    expect(parseAddress('2600:1f18:1234:5601::10')).toEqual({
      family: 6,
      lo: (0x26001f1812345601n << 64n) | 0x10n,
      hi: (0x26001f1812345601n << 64n) | 0x10n,
    });
    expect(parseAddress('not-an-ip')).toBeUndefined();
    expect(rangeToCidrs(parseCidr('198.51.100.0/24')!)).toEqual(['198.51.100.0/24']);
    expect(rangeToCidrs(parseCidr('2600:1f18::/56')!)).toEqual(['2600:1f18::/56']);
    expect(rangeToCidrs({ family: 4, lo: 0x0a000001n, hi: 0x0a000002n })).toEqual([
      '10.0.0.1/32',
      '10.0.0.2/32',
    ]);
    expect(describeRange({ family: 4, lo: 0x01000000n, hi: 0x09ffffffn })).toBe('1.0.0.0 - 9.255.255.255');
  });

  it('public IPv4 space leaves out private, shared, loopback, link-local and multicast blocks', () => {
    const inside = (a: string) =>
      INTERNET_V4.some((r) => r.lo <= parseAddress(a)!.lo && parseAddress(a)!.lo <= r.hi);
    expect(inside('8.8.8.8')).toBe(true);
    expect(inside('203.0.113.10')).toBe(true);
    for (const a of [
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '127.0.0.1',
      '169.254.169.254',
      '224.0.0.1',
      '255.255.255.255',
    ])
      expect(inside(a)).toBe(false);
    expect(inside('172.32.0.1')).toBe(true);
    expect(complement(4, [parseCidr('0.0.0.0/1')!])).toEqual([parseCidr('128.0.0.0/1')]);
  });

  it('elementary intervals: every range covers an interval or misses it', () => {
    const ranges = [parseCidr('10.0.0.0/16')!, parseCidr('10.0.1.0/24')!, parseCidr('0.0.0.0/0')!];
    const ivs = elementaryIntervals(4, ranges);
    expect(ivs.map((i) => describeRange(i))).toEqual([
      '0.0.0.0 - 9.255.255.255',
      '10.0.0.0/24',
      '10.0.1.0/24',
      '10.0.2.0 - 10.0.255.255',
      '10.1.0.0 - 255.255.255.255',
    ]);
    for (const iv of ivs)
      for (const r of ranges)
        expect(r.hi < iv.lo || r.lo > iv.hi || (r.lo <= iv.lo && iv.hi <= r.hi)).toBe(true);
  });
});

describe('port sets', () => {
  it('union, intersect, subtract, contains', () => {
    const a = union(portRange(20, 25), portRange(26, 30));
    expect(a).toEqual([{ from: 20, to: 30 }]);
    expect(union(portRange(80, 80), portRange(22, 22))).toEqual([
      { from: 22, to: 22 },
      { from: 80, to: 80 },
    ]);
    expect(intersect(ALL_PORTS, portRange(1024, 65535))).toEqual([{ from: 1024, to: 65535 }]);
    expect(intersect(portRange(80, 80), portRange(443, 443))).toEqual([]);
    expect(subtract(ALL_PORTS, portRange(22, 22))).toEqual([
      { from: 0, to: 21 },
      { from: 23, to: 65535 },
    ]);
    expect(subtract(portRange(22, 22), ALL_PORTS)).toEqual([]);
    expect(contains(subtract(ALL_PORTS, portRange(22, 22)), 22)).toBe(false);
    expect(formatPorts(union(portRange(22, 22), portRange(8000, 8100)))).toBe('22, 8000-8100');
    expect(portRange(5, 1)).toEqual([]);
  });
});
