/**
 * Waivers: what marking costs where the stack now does it (EvaluateInstance per instance, the report render
 * per run, list-findings per page), with the most rules a stack keeps (MAX_SUPPRESSION_RULES, 1,000) and
 * with a realistic 20, a tenth of them matching by instance tag; and the report cache's fingerprint over
 * 1,000 rules. Prints median wall and CPU times of 5 repetitions. Run: npx tsx bench/waivers.ts
 */
import type { Finding } from '../functions/core/model';
import { instanceTagsFor } from '../functions/core/suppression-tags';
import {
  applySuppressions,
  MAX_SUPPRESSION_RULES,
  newSuppressionRule,
  type SuppressionRule,
  waiverFingerprint,
} from '../functions/core/suppressions';

const NOW = new Date('2026-12-02T12:00:00.000Z');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function time<T>(fn: () => Promise<T> | T, n = 5): Promise<{ ms: number; cpuMs: number; value: T }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  let value: T | undefined;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    value = await fn();
    const c = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ms: median(wall), cpuMs: median(cpu), value: value as T };
}

function rules(n: number): SuppressionRule[] {
  return Array.from({ length: n }, (_, i) =>
    newSuppressionRule(
      {
        match:
          i % 10 === 0
            ? { ruleId: `cve.CVE-2024-${10000 + i}`, instanceTag: { key: 'env', value: 'lab' } }
            : i % 3 === 0
              ? { cve: `CVE-2024-${10000 + i}` }
              : { packageName: `pkg-${i}`, instanceId: `i-${i % 50}` },
        owner: 'bench',
        reason: 'benchmark rule',
        expiresOn: '2027-06-01',
      },
      { id: `sup-${i}`, now: NOW, actor: 'bench' },
    ),
  );
}

function findings(n: number): Finding[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `f-${i}`,
    runId: 'run-bench',
    instanceId: `i-${i % 50}`,
    rulesPackage: 'cve',
    ruleId: `cve.CVE-2024-${10000 + (i % 3000)}`,
    title: 't',
    description: 'd',
    recommendation: 'r',
    severity: 'Medium',
    numericSeverity: 5,
    attributes: [],
    evidence: [],
    createdAt: NOW.toISOString(),
    vulnerability: {
      vulnerabilityId: `CVE-2024-${10000 + (i % 3000)}`,
      aliases: [],
      advisoryIds: [],
      ecosystem: 'debian:12',
      packages: [{ name: `pkg-${i % 2000}`, installedVersion: '1.0-1', sourcePackage: `src-${i % 500}` }],
      fixState: 'fixed',
      references: [],
    },
  }));
}

const instances = Array.from({ length: 50 }, (_, i) => ({
  instanceId: `i-${i}`,
  tags: { env: i % 2 === 0 ? 'lab' : 'prod', team: `t${i % 5}` },
}));

console.log(`node ${process.version}; median of 5; rules with a tag criterion: 1 in 10`);
for (const nRules of [20, MAX_SUPPRESSION_RULES]) {
  const rs = rules(nRules);
  for (const nFindings of [500, 5_000, 50_000]) {
    const fs = findings(nFindings);
    const r = await time(async () => {
      const tags = await instanceTagsFor(rs, instances);
      return applySuppressions(fs, rs, NOW, tags).filter((f) => f.suppression).length;
    });
    console.log(
      `mark ${nFindings} findings with ${nRules} rules: ${r.ms.toFixed(1)} ms wall, ${r.cpuMs.toFixed(1)} ms CPU (${r.value} suppressed)`,
    );
  }
}
const fp = await time(() => waiverFingerprint(rules(MAX_SUPPRESSION_RULES), NOW, ['cve']));
console.log(
  `waiverFingerprint of ${MAX_SUPPRESSION_RULES} rules (rule creation included): ${fp.ms.toFixed(1)} ms wall, ${fp.cpuMs.toFixed(1)} ms CPU`,
);
