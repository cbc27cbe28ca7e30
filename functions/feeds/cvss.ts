/**
 * CVSS base scores computed from the vector (FIRST's specifications): v3.0 and v3.1 (which differ only in
 * Roundup) and v2. CVSS 4.0 vectors are kept as given; their score is only used when the data states it.
 */
import type { Cvss } from './model';

const V3_WEIGHTS = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
} as const;

function metrics(parts: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of parts) {
    const [k, v] = p.split(':');
    if (k && v !== undefined) m.set(k, v);
  }
  return m;
}

function pick<T extends Record<string, number>>(table: T, v: string | undefined): number | undefined {
  return v !== undefined && Object.hasOwn(table, v) ? table[v as keyof T] : undefined;
}

/** CVSS v3.1 Roundup: the smallest number with one decimal ≥ x, free of floating-point noise. */
function roundup31(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}
const roundup30 = (x: number): number => Math.ceil(x * 10) / 10;

/** Base score of a CVSS:3.x vector, or undefined when the vector is not a valid 3.x base vector. */
export function cvss3BaseScore(vector: string): number | undefined {
  const parts = vector.trim().split('/');
  const head = /^CVSS:(3\.[01])$/.exec(parts[0] ?? '');
  if (!head) return undefined;
  const m = metrics(parts.slice(1));
  const scope = m.get('S');
  if (scope !== 'U' && scope !== 'C') return undefined;
  const av = pick(V3_WEIGHTS.AV, m.get('AV'));
  const ac = pick(V3_WEIGHTS.AC, m.get('AC'));
  const ui = pick(V3_WEIGHTS.UI, m.get('UI'));
  const prTable = scope === 'C' ? { N: 0.85, L: 0.68, H: 0.5 } : { N: 0.85, L: 0.62, H: 0.27 };
  const pr = pick(prTable, m.get('PR'));
  const c = pick(V3_WEIGHTS.CIA, m.get('C'));
  const i = pick(V3_WEIGHTS.CIA, m.get('I'));
  const a = pick(V3_WEIGHTS.CIA, m.get('A'));
  if (av === undefined || ac === undefined || ui === undefined || pr === undefined) return undefined;
  if (c === undefined || i === undefined || a === undefined) return undefined;
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = scope === 'U' ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15;
  const exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) return 0;
  const roundup = head[1] === '3.1' ? roundup31 : roundup30;
  return scope === 'U'
    ? roundup(Math.min(impact + exploitability, 10))
    : roundup(Math.min(1.08 * (impact + exploitability), 10));
}

/** Base score of a CVSS v2 vector (AV:N/AC:L/Au:N/C:P/I:P/A:P, optionally in parentheses). */
export function cvss2BaseScore(vector: string): number | undefined {
  const m = metrics(
    vector
      .trim()
      .replace(/^\(|\)$/g, '')
      .split('/'),
  );
  const av = pick({ L: 0.395, A: 0.646, N: 1.0 }, m.get('AV'));
  const ac = pick({ H: 0.35, M: 0.61, L: 0.71 }, m.get('AC'));
  const au = pick({ M: 0.45, S: 0.56, N: 0.704 }, m.get('Au'));
  const cia = { N: 0, P: 0.275, C: 0.66 };
  const c = pick(cia, m.get('C'));
  const i = pick(cia, m.get('I'));
  const a = pick(cia, m.get('A'));
  if (av === undefined || ac === undefined || au === undefined) return undefined;
  if (c === undefined || i === undefined || a === undefined) return undefined;
  const impact = 10.41 * (1 - (1 - c) * (1 - i) * (1 - a));
  const exploitability = 20 * av * ac * au;
  const f = impact === 0 ? 0 : 1.176;
  return Math.round((0.6 * impact + 0.4 * exploitability - 1.5) * f * 10) / 10;
}

/**
 * An OSV severity entry ({type, score}) → Cvss. `score` is a vector for CVSS_V2/V3/V4; a plain number is
 * accepted as the score too. Returns undefined for vectors that do not parse.
 */
export function cvssFromOsv(type: string, score: string): Cvss | undefined {
  const s = score.trim();
  if (type === 'CVSS_V3') {
    const version = /^CVSS:(3\.[01])\//.exec(s)?.[1];
    const base = cvss3BaseScore(s);
    return version && base !== undefined ? { version, vector: s, score: base } : undefined;
  }
  if (type === 'CVSS_V2') {
    const base = cvss2BaseScore(s);
    return base !== undefined ? { version: '2.0', vector: s, score: base } : undefined;
  }
  if (type === 'CVSS_V4') {
    return /^CVSS:4\.0\//.test(s) ? { version: '4.0', vector: s } : undefined;
  }
  return undefined;
}

/** Prefer the newest scored version: 3.1 > 3.0 > 2.0 > 4.0 without a score. */
export function bestCvss(list: readonly Cvss[]): Cvss | undefined {
  const rank = (c: Cvss) =>
    c.score === undefined ? 0 : c.version === '3.1' ? 4 : c.version === '3.0' ? 3 : 2;
  let best: Cvss | undefined;
  for (const c of list) if (!best || rank(c) > rank(best)) best = c;
  return best;
}
