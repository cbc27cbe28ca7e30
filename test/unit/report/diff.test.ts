/**
 * Run-to-run diff: which run is the baseline (same template, or same local root; completed; earlier), and how
 * findings are classed, including those on instances or packages the new run did not assess.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../functions/core/model';
import type { AssessmentOutput, RunRecord, RunState } from '../../../functions/core/run';
import { diffEntries, diffRuns, previousRun } from '../../../functions/report/diff';

const COUNTS = { High: 0, Medium: 0, Low: 0, Informational: 0 };

function run(runId: string, createdAt: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    runId,
    name: 'local assessment of /srv/root',
    state: 'COMPLETED' as RunState,
    stateHistory: [],
    createdAt,
    durationSeconds: 0,
    rulesPackages: ['cve', 'security-best-practices'],
    findingCounts: COUNTS,
    mode: 'local',
    ...over,
  };
}

function finding(id: string, instanceId = 'i-1', rulesPackage = 'security-best-practices'): Finding {
  return {
    id,
    runId: 'x',
    instanceId,
    rulesPackage,
    ruleId: `${rulesPackage}.${id}`,
    title: id,
    description: '',
    recommendation: '',
    severity: 'Medium',
    numericSeverity: 6,
    attributes: [],
    evidence: [],
    createdAt: '2026-01-01T00:00:00Z',
  };
}

function output(r: RunRecord, findings: Finding[], over: Partial<AssessmentOutput> = {}): AssessmentOutput {
  const instances = [...new Set(findings.map((f) => f.instanceId)), 'i-1'];
  return {
    run: r,
    instances: instances.map((instanceId) => ({ instanceId, agentStatus: 'HEALTHY' })),
    results: instances.flatMap((instanceId) =>
      r.rulesPackages.map((rulesPackage) => ({
        rulesPackage,
        ruleId: `${rulesPackage}.any`,
        instanceId,
        result: 'PASS' as const,
        severity: 'Medium' as const,
        title: '',
        message: '',
        evidence: [],
      })),
    ),
    findings,
    exclusions: [],
    ...over,
  };
}

describe('previousRun', () => {
  const current = run('r5', '2026-05-05T00:00:00Z');
  it('takes the newest earlier completed run of the same root', () => {
    const runs = [
      run('r1', '2026-05-01T00:00:00Z'),
      run('r3', '2026-05-03T00:00:00Z', { state: 'COMPLETED_WITH_ERRORS' }),
      run('r4', '2026-05-04T00:00:00Z', { state: 'FAILED' }),
      run('r6', '2026-05-06T00:00:00Z'),
      run('r2', '2026-05-02T00:00:00Z', { name: 'local assessment of /other' }),
      current,
    ];
    expect(previousRun(current, runs)?.runId).toBe('r3');
  });

  it('matches by template when the run has one, never a local run', () => {
    const t = run('t3', '2026-05-05T00:00:00Z', { templateId: 'tpl-1', mode: 'aws' });
    const runs = [
      run('t1', '2026-05-01T00:00:00Z', { templateId: 'tpl-1', mode: 'aws', name: 'other name' }),
      run('t2', '2026-05-02T00:00:00Z', { templateId: 'tpl-2', mode: 'aws' }),
      run('l1', '2026-05-03T00:00:00Z', { name: t.name }),
    ];
    expect(previousRun(t, runs)?.runId).toBe('t1');
  });

  it('gives none for the first run', () => {
    expect(previousRun(current, [current, run('r9', '2026-06-01T00:00:00Z')])).toBeUndefined();
  });
});

describe('diffRuns', () => {
  it('classes findings NEW, PERSISTING and RESOLVED by id', () => {
    const prev = output(run('r1', '2026-05-01T00:00:00Z'), [finding('a'), finding('b')]);
    const curr = output(run('r2', '2026-05-02T00:00:00Z'), [finding('b'), finding('c')]);
    const d = diffRuns(curr, prev);
    expect(d.baseRun).toEqual({ runId: 'r1', name: prev.run.name, createdAt: '2026-05-01T00:00:00Z' });
    expect(d.new.map((f) => f.id)).toEqual(['c']);
    expect(d.persisting.map((f) => f.id)).toEqual(['b']);
    expect(d.resolved.map((f) => f.id)).toEqual(['a']);
    expect(diffEntries(d).map((e) => `${e.status}:${e.finding.id}`)).toEqual([
      'NEW:c',
      'PERSISTING:b',
      'RESOLVED:a',
    ]);
  });

  it('does not call resolved what was not assessed again: excluded instance, excluded or missing package', () => {
    const prev = output(run('r1', '2026-05-01T00:00:00Z'), [
      finding('gone-host', 'i-2'),
      finding('cve-excluded', 'i-1', 'cve'),
      finding('cis-not-run', 'i-1', 'cis'),
      finding('fixed', 'i-1'),
    ]);
    const currRun = run('r2', '2026-05-02T00:00:00Z');
    const curr = output(currRun, [], {
      exclusions: [
        { instanceId: 'i-1', scope: 'cve', reason: 'EVALUATION_ERROR', message: 'feed missing' },
        { instanceId: 'i-2', reason: 'NO_AGENT', message: 'no agent' },
      ],
    });
    const d = diffRuns(curr, prev);
    expect(d.resolved.map((f) => f.id)).toEqual(['fixed']);
    expect(d.notReassessed.map((f) => f.id).sort()).toEqual(['cis-not-run', 'cve-excluded', 'gone-host']);
  });

  it('without a baseline every finding is NEW', () => {
    const curr = output(run('r2', '2026-05-02T00:00:00Z'), [finding('x')]);
    const d = diffRuns(curr, undefined);
    expect(d.baseRun).toBeUndefined();
    expect(d.new.map((f) => f.id)).toEqual(['x']);
    expect(d.resolved).toEqual([]);
  });
});
