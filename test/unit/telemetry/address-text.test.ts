/** RFC 5952 text of IPv6 groups, checked against Node's own URL host serialization of the same address. */
import { describe, expect, it } from 'vitest';
import { ipv6Text } from '../../../functions/core/telemetry/address-text';

const CASES: Array<[number[], string]> = [
  [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
  [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
  [[0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], '2001:db8::1'],
  [[0x2001, 0xdb8, 0, 1, 0, 0, 0, 1], '2001:db8:0:1::1'], // a single zero group stays
  [[0x2001, 0, 0, 1, 0, 0, 0, 1], '2001:0:0:1::1'], // the longest run wins
  [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], '2001:db8::1:0:0:1'], // the first run on a tie
  [[0xfe80, 0, 0, 0, 0xabcd, 0xef, 0x1, 0x2], 'fe80::abcd:ef:1:2'],
  [[1, 2, 3, 4, 5, 6, 7, 8], '1:2:3:4:5:6:7:8'],
];

describe('ipv6Text', () => {
  it.each(CASES)('%j → %s', (groups, text) => {
    expect(ipv6Text(groups)).toBe(text);
    // Node's WHATWG URL parser writes IPv6 hosts in the RFC 5952 form too.
    const hex = groups.map((g) => g.toString(16)).join(':');
    expect(new URL(`http://[${hex}]/`).hostname).toBe(`[${text}]`);
  });
});
