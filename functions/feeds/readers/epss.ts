/**
 * FIRST EPSS scores CSV: an optional first comment line `#model_version:v2023.03.01,score_date:2025-02-20T...`,
 * a header `cve,epss,percentile`, then one row per CVE. Pure.
 */
import * as z from 'zod';
import type { EpssScores, FeedError } from '../model';

const probability = z.number().min(0).max(1);

export function looksLikeEpss(text: string): boolean {
  const head = text.slice(0, 512).split('\n');
  const header = head[0]?.startsWith('#') ? head[1] : head[0];
  return /^cve,epss,percentile\s*$/.test(header ?? '');
}

export function readEpss(text: string, source: string): { scores?: EpssScores; errors: FeedError[] } {
  const errors: FeedError[] = [];
  const lines = text.split('\n');
  let i = 0;
  let modelVersion: string | undefined;
  let scoreDate: string | undefined;
  if (lines[0]?.startsWith('#')) {
    for (const part of lines[0].slice(1).split(',')) {
      const [k, ...rest] = part.split(':');
      const v = rest.join(':').trim();
      if (k?.trim() === 'model_version') modelVersion = v;
      if (k?.trim() === 'score_date') scoreDate = v;
    }
    i = 1;
  }
  const header = lines[i]?.trim().split(',');
  const col = (n: string) => header?.indexOf(n) ?? -1;
  const [ci, ei, pi] = [col('cve'), col('epss'), col('percentile')];
  if (ci < 0 || ei < 0 || pi < 0) {
    return {
      errors: [{ source, message: `EPSS CSV header must name cve, epss and percentile (line ${i + 1})` }],
    };
  }
  const rows: Array<[string, number, number]> = [];
  for (i++; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const f = line.split(',');
    const cve = f[ci] ?? '';
    const score = probability.safeParse(Number(f[ei]));
    const pct = probability.safeParse(Number(f[pi]));
    if (!/^CVE-\d{4}-\d{4,}$/.test(cve) || !score.success || !pct.success || f[ei] === '' || f[pi] === '') {
      errors.push({ source: `${source}:${i + 1}`, message: `EPSS row is invalid: ${line.slice(0, 80)}` });
      continue;
    }
    rows.push([cve, score.data, pct.data]);
  }
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const scores: EpssScores = {
    cves: rows.map((r) => r[0]),
    scores: rows.map((r) => r[1]),
    percentiles: rows.map((r) => r[2]),
  };
  if (modelVersion) scores.modelVersion = modelVersion;
  if (scoreDate) scores.scoreDate = scoreDate;
  return { scores, errors };
}

/** Binary search in sorted scores. */
export function epssLookup(s: EpssScores, cve: string): { score: number; percentile: number } | undefined {
  let lo = 0;
  let hi = s.cves.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = s.cves[mid]!;
    if (c === cve) return { score: s.scores[mid]!, percentile: s.percentiles[mid]! };
    if (c < cve) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}
