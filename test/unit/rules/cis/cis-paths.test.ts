import { describe, expect, it } from 'vitest';
import { CIS_LISTED_DIRECTORIES, CIS_STAT_PATHS } from '../../../../functions/core/telemetry/cis-paths';
import {
  BENCHMARK_IDS,
  BENCHMARKS,
  CAC_RULES,
  templateName,
  templateVars,
} from '../../../../functions/rules/cis/data';
import { rulePaths } from '../../../../functions/rules/cis/evaluators/files';
import { cisPaths, FILE_TEMPLATES } from '../../../../scripts/cis/paths';

describe('the agent’s CIS path list (telemetry contract)', () => {
  it('is what scripts/cis/paths.ts generates from the benchmarks (regenerate it when rules.json changes)', () => {
    const g = cisPaths();
    expect([...CIS_STAT_PATHS]).toEqual(g.stat);
    expect([...CIS_LISTED_DIRECTORIES]).toEqual(g.listed);
  });

  it('covers the path of every file_* rule of every benchmark', () => {
    const listed = new Set(CIS_LISTED_DIRECTORIES.map((d) => d.path));
    const stat = new Set(CIS_STAT_PATHS);
    let rules = 0;
    for (const b of BENCHMARK_IDS)
      for (const c of BENCHMARKS[b].controls)
        for (const r of c.rules) {
          const meta = CAC_RULES.rules[r];
          const t = meta && templateName(meta, b);
          if (!meta || !t || !FILE_TEMPLATES.includes(t)) continue;
          rules++;
          const vars = templateVars(meta, b);
          for (const p of rulePaths(vars, b)) {
            const clean = p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
            expect(
              vars.file_regex && p.endsWith('/') ? listed.has(clean) : stat.has(clean),
              `${b} ${r} ${p}`,
            ).toBe(true);
          }
        }
    expect(rules).toBeGreaterThan(150);
  });
});
