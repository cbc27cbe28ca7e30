/**
 * The previous run a report or `findings --diff` compares with is read a piece at a time
 * (LocalRunStore.getBaseline: its findings only, those the current run also has cut to their id and waiver):
 * the diff is the same as against the whole stored output, NEW, PERSISTING, RESOLVED, NOT_REASSESSED and
 * waiver changes included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalRunStore } from '../../../functions/adapters/local/run-store';
import { localRunDiff } from '../../../functions/cli/commands/report-actions';
import type { AssessmentOutput } from '../../../functions/core/run';
import { diffRuns } from '../../../functions/report/diff';
import { syntheticOutput } from '../../helpers/report-output';

const dir = mkdtempSync(path.join(os.tmpdir(), 'inspector-baseline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const waiver = { suppressionRuleId: 'sup-1', owner: 'ops', reason: 'accepted', expiresOn: '2099-01-01' };

describe('LocalRunStore.getBaseline', () => {
  it('gives the same diff as the whole previous output', async () => {
    const store = new LocalRunStore(dir);
    const previous = syntheticOutput(120, { seed: 1 });
    previous.run = { ...previous.run, runId: 'run-previous', createdAt: '2026-11-30T12:00:00.000Z' };
    previous.findings[50] = { ...previous.findings[50]!, suppression: waiver };
    const current: AssessmentOutput = structuredClone(syntheticOutput(120, { seed: 1 }));
    current.run = { ...current.run, runId: 'run-current', createdAt: '2026-12-01T12:00:00.000Z' };
    // Resolved: the first 20 gone; new: some of another run's; waiver started on one, ended on another.
    current.findings = [
      ...current.findings.slice(20),
      ...syntheticOutput(15, { seed: 2 }).findings.map((f) => ({ ...f, id: `${f.id}-new` })),
    ];
    current.findings[0] = { ...current.findings[0]!, suppression: waiver };
    const ended = current.findings.findIndex((f) => f.id === previous.findings[50]!.id);
    expect(ended).toBeGreaterThanOrEqual(0);
    await store.putOutput(previous);
    await store.putOutput(current);

    const streamed = await localRunDiff(store, current);
    const whole = diffRuns(current, await store.getOutput('run-previous'));
    expect(streamed).toEqual(whole);
    expect(streamed.baseRun?.runId).toBe('run-previous');
    const currentIds = new Set(current.findings.map((f) => f.id));
    const gone = previous.findings.filter((f) => !currentIds.has(f.id)).length;
    expect(gone).toBeGreaterThan(0);
    expect(streamed.resolved.length + streamed.notReassessed.length).toBe(gone);
    expect(streamed.new.length).toBeGreaterThan(0);
    expect(streamed.persisting).toHaveLength(previous.findings.length - gone);
    expect(streamed.waived).toHaveLength(1);
    expect(streamed.waiverEnded.map((f) => f.id)).toEqual([previous.findings[50]!.id]);

    const baseline = await store.getBaseline('run-previous', (f) => f.id);
    expect(baseline.run).toEqual(previous.run);
    expect(baseline.findings).toEqual(previous.findings.map((f) => f.id));
  });

  it('a run without results, or unknown: the same errors as getOutput', async () => {
    const store = new LocalRunStore(dir);
    await expect(store.getBaseline('run-unknown', (f) => f)).rejects.toThrow(/no run run-unknown/);
    const r = syntheticOutput(1).run;
    await store.putRun({ ...r, runId: 'run-unfinished' });
    await expect(store.getBaseline('run-unfinished', (f) => f)).rejects.toThrow(
      'run run-unfinished has no results (it did not complete)',
    );
  });
});
