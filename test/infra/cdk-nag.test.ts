/**
 * cdk-nag AwsSolutions on the environment-agnostic stack (what `cdk synth` builds): synthesis passes, the
 * validation report holds no unacknowledged error, and every acknowledgement carries a specific reason.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Validations } from 'aws-cdk-lib/core';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Synthesized, synthStack } from './synth-stack';

interface Violation {
  ruleName: string;
  severity?: string;
  violatingResources?: Array<{ constructPath?: string; resourceLogicalId?: string }>;
}
interface ValidationReport {
  pluginReports: Array<{ pluginName?: string; summary?: { status?: string }; violations?: Violation[] }>;
}

let s: Synthesized;

beforeAll(async () => {
  s = await synthStack({ nag: true });
});
afterAll(() => s?.cleanup());

function acknowledgements(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  const out: Array<{ path: string; id: string; reason: string }> = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        out.push({
          path: c.node.path,
          id,
          reason: typeof reason === 'string' ? reason : JSON.stringify(reason),
        });
      }
    }
  }
  return out;
}

describe('cdk-nag AwsSolutions', () => {
  it('synthesizes without validation errors', () => {
    expect(s.synthError?.message).toBeUndefined();
  });

  it('the validation report holds no unacknowledged error', () => {
    const file = path.join(s.outdir, 'validation-report.json');
    expect(existsSync(file)).toBe(true);
    const report = JSON.parse(readFileSync(file, 'utf8')) as ValidationReport;
    const errors = report.pluginReports.flatMap((r) =>
      (r.violations ?? []).filter((v) => v.severity !== 'warning'),
    );
    expect(
      errors.map((e) => `${e.ruleName} ${e.violatingResources?.map((r) => r.constructPath).join(',')}`),
    ).toEqual([]);
  });

  it('every acknowledgement names a rule and gives a reason specific to its resource', () => {
    const acks = acknowledgements(s.stack);
    expect(acks.length).toBeGreaterThan(10);
    const generic = /^(n\/?a|ok|false positive|suppressed|not applicable|by design)\.?$/i;
    for (const a of acks) {
      expect(a.id, a.path).toMatch(/AwsSolutions-[A-Z]+[0-9]+/);
      expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(40);
      expect(a.reason, `${a.path} ${a.id}`).not.toMatch(generic);
    }
    // Wildcard acknowledgements are evidence-specific, never a blanket IAM5.
    for (const a of acks.filter((x) => x.id.includes('IAM5')))
      expect(a.id, a.path).toMatch(/IAM5\[(Resource|Action)::/);
  });
});
