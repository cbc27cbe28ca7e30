/**
 * Port sets as sorted, disjoint, non-adjacent inclusive ranges: what a security group, a network ACL or a
 * path allows for one protocol. For ICMP the "ports" are ICMP types (0–255), as EC2 puts the type in FromPort.
 */
export interface PortRange {
  from: number;
  to: number;
}
export type PortSet = readonly PortRange[];

export const ALL_PORTS: PortSet = [{ from: 0, to: 65535 }];
export const NO_PORTS: PortSet = [];

export function portRange(from: number, to: number): PortSet {
  return from <= to ? [{ from, to }] : NO_PORTS;
}

function normalize(ranges: PortRange[]): PortRange[] {
  ranges.sort((a, b) => a.from - b.from || a.to - b.to);
  const out: PortRange[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + 1) {
      if (r.to > last.to) last.to = r.to;
    } else out.push({ from: r.from, to: r.to });
  }
  return out;
}

export function union(a: PortSet, b: PortSet): PortSet {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return normalize([...a, ...b]);
}

export function intersect(a: PortSet, b: PortSet): PortSet {
  const out: PortRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const from = Math.max(x.from, y.from);
    const to = Math.min(x.to, y.to);
    if (from <= to) out.push({ from, to });
    if (x.to < y.to) i++;
    else j++;
  }
  return out;
}

export function subtract(a: PortSet, b: PortSet): PortSet {
  if (b.length === 0 || a.length === 0) return a;
  const out: PortRange[] = [];
  for (const r of a) {
    let from = r.from;
    for (const s of b) {
      if (s.to < from || s.from > r.to) continue;
      if (s.from > from) out.push({ from, to: s.from - 1 });
      from = s.to + 1;
      if (from > r.to) break;
    }
    if (from <= r.to) out.push({ from, to: r.to });
  }
  return out;
}

export function contains(set: PortSet, port: number): boolean {
  for (const r of set) if (port >= r.from && port <= r.to) return true;
  return false;
}

export function isEmpty(set: PortSet): boolean {
  return set.length === 0;
}

/** "22", "1024-65535", "22, 80, 8000-8100". */
export function formatPorts(set: PortSet): string {
  return set.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(', ');
}

/** Every port of a set, in order (callers bound how many they take). */
export function* eachPort(set: PortSet): Generator<number> {
  for (const r of set) for (let p = r.from; p <= r.to; p++) yield p;
}
