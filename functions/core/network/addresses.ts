/**
 * IPv4 and IPv6 address ranges as inclusive bigint intervals. Addresses are validated by Node's own
 * `net.isIPv4` / `net.isIPv6` (the platform's parser, no dependency) before being turned into numbers, so
 * the conversion below only ever sees well-formed text.
 * The evaluator cuts the address space into elementary intervals at every boundary a route, a security
 * group rule or a network ACL entry draws, so that each rule either covers an interval or misses it.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ipv6Text } from '../telemetry/address-text';

export type Family = 4 | 6;

export interface AddressRange {
  family: Family;
  lo: bigint;
  hi: bigint;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export function familyMax(family: Family): bigint {
  return (1n << BigInt(BITS[family])) - 1n;
}

function v4ToBigint(a: string): bigint {
  let v = 0n;
  for (const part of a.split('.')) v = (v << 8n) | BigInt(Number(part));
  return v;
}

/** A valid IPv6 address (net.isIPv6) → 128-bit value; "::" and an embedded IPv4 tail are expanded. */
function v6ToBigint(a: string): bigint {
  let text = a.split('%')[0]!;
  const tail = text.lastIndexOf(':');
  if (text.slice(tail + 1).includes('.')) {
    const v4 = v4ToBigint(text.slice(tail + 1));
    text = `${text.slice(0, tail + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill('0'), ...r];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(Number.parseInt(g, 16));
  return v;
}

function parseOne(address: string): { family: Family; value: bigint } | undefined {
  const a = address.trim();
  if (isIPv4(a)) return { family: 4, value: v4ToBigint(a) };
  if (isIPv6(a)) return { family: 6, value: v6ToBigint(a) };
  return undefined;
}

/** A CIDR block ("10.0.0.0/16", "2600:1f18::/56"); undefined when it does not parse. */
export function parseCidr(cidr: string): AddressRange | undefined {
  const slash = cidr.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseOne(cidr.slice(0, slash));
  const prefixText = cidr.slice(slash + 1).trim();
  if (!addr || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const bits = BITS[addr.family];
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  const lo = (addr.value >> hostBits) << hostBits;
  return { family: addr.family, lo, hi: lo + (1n << hostBits) - 1n };
}

/** One address as a range of one; undefined when it does not parse. */
export function parseAddress(address: string): AddressRange | undefined {
  const a = parseOne(address);
  return a ? { family: a.family, lo: a.value, hi: a.value } : undefined;
}

export function covers(outer: AddressRange, inner: AddressRange): boolean {
  return outer.family === inner.family && outer.lo <= inner.lo && inner.hi <= outer.hi;
}

export function overlaps(a: AddressRange, b: AddressRange): boolean {
  return a.family === b.family && a.lo <= b.hi && b.lo <= a.hi;
}

function toAddress(family: Family, v: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((sh) => Number((v >> sh) & 0xffn)).join('.');
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  return ipv6Text(groups);
}

/** The smallest CIDR blocks covering a range exactly, e.g. ["203.0.113.0/24"]; at most `limit` of them. */
export function rangeToCidrs(r: AddressRange, limit = 4): string[] {
  const bits = BITS[r.family];
  const out: string[] = [];
  let lo = r.lo;
  while (lo <= r.hi && out.length < limit) {
    let size = 0;
    while (size < bits) {
      const next = size + 1;
      const block = 1n << BigInt(next);
      if (lo % block !== 0n || lo + block - 1n > r.hi) break;
      size = next;
    }
    out.push(`${toAddress(r.family, lo)}/${bits - size}`);
    lo += 1n << BigInt(size);
  }
  if (lo <= r.hi) out.push('…');
  return out;
}

/** A readable name for a range: one CIDR when it is one, else "first – last". */
export function describeRange(r: AddressRange): string {
  const cidrs = rangeToCidrs(r, 2);
  if (cidrs.length === 1) return cidrs[0]!;
  return `${toAddress(r.family, r.lo)} - ${toAddress(r.family, r.hi)}`;
}

/**
 * Where traffic from the internet can come from: IPv4 outside the private (RFC 1918), shared (RFC 6598),
 * loopback, link-local, "this network", multicast and reserved blocks; IPv6 global unicast (2000::/3).
 */
const NOT_INTERNET_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/4',
  '240.0.0.0/4',
].map((c) => parseCidr(c)!);

export const INTERNET_V4: readonly AddressRange[] = complement(4, NOT_INTERNET_V4);
export const INTERNET_V6: readonly AddressRange[] = [parseCidr('2000::/3')!];

/** The ranges of a family not covered by `ranges`. */
export function complement(family: Family, ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = ranges
    .filter((r) => r.family === family)
    .sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const out: AddressRange[] = [];
  let next = 0n;
  for (const r of sorted) {
    if (r.lo > next) out.push({ family, lo: next, hi: r.lo - 1n });
    if (r.hi + 1n > next) next = r.hi + 1n;
  }
  if (next <= familyMax(family)) out.push({ family, lo: next, hi: familyMax(family) });
  return out;
}

/**
 * Cut a family's whole space at every boundary of `ranges`: consecutive, disjoint intervals such that each
 * given range either covers an interval or does not touch it.
 */
export function elementaryIntervals(family: Family, ranges: Iterable<AddressRange>): AddressRange[] {
  const points = new Set<bigint>([0n]);
  const max = familyMax(family);
  for (const r of ranges) {
    if (r.family !== family) continue;
    points.add(r.lo);
    if (r.hi < max) points.add(r.hi + 1n);
  }
  const sorted = [...points].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.map((lo, i) => ({ family, lo, hi: i + 1 < sorted.length ? sorted[i + 1]! - 1n : max }));
}
