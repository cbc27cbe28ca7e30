/**
 * Suppression rules on local runs: the data directory's file and audit log (LocalSuppressionStore), the
 * real `inspector` bin managing them, and two real local assessments of a failing root tree with a waiver
 * that expires between them (an injected clock): the first run's finding is suppressed, the second's active.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLocalAssessment } from '../../../functions/adapters/local/local-assessment';
import { LocalRunStore } from '../../../functions/adapters/local/run-store';
import {
  LocalSuppressionStore,
  SuppressionFileError,
} from '../../../functions/adapters/local/suppression-file';
import {
  createSuppression,
  deleteSuppression,
  listSuppressions,
} from '../../../functions/core/suppression-service';
import { applySuppressions } from '../../../functions/core/suppressions';
import { diffEntries, diffRuns } from '../../../functions/report/diff';
import { renderHtmlReport } from '../../../functions/report/html';
import { resolveRulesPackages } from '../../../functions/rules/registry';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import { runInspector } from '../../helpers/inspector-cli';
import { sbpFailingRoot } from '../../helpers/sbp-roots';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'inspector-sup-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  cleanupRoots();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const who = { actor: 'alice@host', actorSource: 'os-user' };
const input = (expiresOn: string) => ({
  match: { ruleId: 'sbp.ssh-root-login' },
  owner: 'platform-team',
  reason: 'bastion needs root login until the migration',
  expiresOn,
});

describe('LocalSuppressionStore', () => {
  it('creates, lists and deletes rules; every change is appended to the audit log', async () => {
    const dir = tmp();
    const store = new LocalSuppressionStore(dir);
    const now = new Date('2026-12-02T10:00:00Z');
    const rule = await createSuppression(store, input('2026-12-20'), { ...who, now });
    expect(rule.createdBy).toBe('alice@host');
    expect(await listSuppressions(store, now)).toEqual([{ ...rule, status: 'ACTIVE' }]);
    expect((await listSuppressions(store, new Date('2026-12-20T00:00:00Z')))[0]?.status).toBe('EXPIRED');

    const deleted = await deleteSuppression(store, rule.suppressionRuleId, {
      actor: 'bob@host',
      actorSource: 'os-user',
      now: new Date('2026-12-03T10:00:00Z'),
    });
    expect(deleted?.suppressionRuleId).toBe(rule.suppressionRuleId);
    expect(await store.list()).toEqual([]);
    expect(await deleteSuppression(store, rule.suppressionRuleId, { ...who, now })).toBeUndefined();

    const audit = await store.audit();
    expect(audit.map((a) => [a.action, a.actor, a.at, a.suppressionRuleId])).toEqual([
      ['CREATE', 'alice@host', '2026-12-02T10:00:00.000Z', rule.suppressionRuleId],
      ['DELETE', 'bob@host', '2026-12-03T10:00:00.000Z', rule.suppressionRuleId],
    ]);
    expect(audit[1]?.rule).toEqual(rule);
  });

  it('says what is wrong with a damaged file instead of ignoring it', async () => {
    const dir = tmp();
    const store = new LocalSuppressionStore(dir);
    writeFileSync(store.file, '{"version":1,"rules":[{"suppressionRuleId":"x"}]');
    await expect(store.list()).rejects.toThrow(/is not JSON/);
    writeFileSync(store.file, '{"version":1,"rules":[{"suppressionRuleId":"x"}]}');
    await expect(store.list()).rejects.toThrow(SuppressionFileError);
    await expect(
      createSuppression(store, input('2026-12-20'), { ...who, now: new Date('2026-12-02T10:00:00Z') }),
    ).rejects.toThrow(/not a suppressions file/);
  });

  it('waits for another process holding the lock, then says so', async () => {
    const dir = tmp();
    const store = new LocalSuppressionStore(dir, { attempts: 3, delayMs: 5 });
    writeFileSync(path.join(dir, 'suppressions.lock'), '12345');
    await expect(
      createSuppression(store, input('2026-12-20'), { ...who, now: new Date('2026-12-02T10:00:00Z') }),
    ).rejects.toThrow(/held by another inspector process/);
    expect(await store.audit()).toEqual([]);
  });
});

describe('inspector create/list/delete-suppression-rule --data-dir', () => {
  it('manages the data directory rules, audited with the OS user', async () => {
    const dataDir = tmp();
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const created = await runInspector([
      'create-suppression-rule',
      '--data-dir',
      dataDir,
      '--cve',
      'cve-2024-3094',
      '--instance-id',
      'i-0abc',
      '--owner',
      'sec',
      '--reason',
      'vendor backport verified',
      '--expires-on',
      tomorrow,
      '--vex-justification',
      'vulnerable_code_not_present',
      '--output',
      'json',
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const rule = (
      JSON.parse(created.stdout) as { suppressionRule: { suppressionRuleId: string; match: unknown } }
    ).suppressionRule;
    expect(rule.match).toEqual({ cve: 'CVE-2024-3094', instanceId: 'i-0abc' });

    const listed = await runInspector(['list-suppression-rules', '--data-dir', dataDir]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(rule.suppressionRuleId);
    expect(listed.stdout).toMatch(/ACTIVE\s+\d{4}-\d{2}-\d{2}\s+sec\s+cve=CVE-2024-3094 instance=i-0abc/);

    const tooLate = await runInspector([
      'create-suppression-rule',
      '--data-dir',
      dataDir,
      '--rule-id',
      'sbp.aslr',
      '--owner',
      'sec',
      '--reason',
      'r',
      '--expires-on',
      '2099-01-01',
    ]);
    expect(tooLate.code).toBe(1);
    expect(tooLate.stderr).toMatch(/^inspector: expiresOn 2099-01-01 is more than 366 days ahead/);

    const noExpiry = await runInspector([
      'create-suppression-rule',
      '--data-dir',
      dataDir,
      '--rule-id',
      'x',
      '--owner',
      'o',
      '--reason',
      'r',
    ]);
    expect(noExpiry.code).not.toBe(0);
    expect(noExpiry.stderr).toMatch(/--expires-on/);

    const del = await runInspector([
      'delete-suppression-rule',
      '--data-dir',
      dataDir,
      '--suppression-rule-id',
      rule.suppressionRuleId,
    ]);
    expect(del.code).toBe(0);
    const again = await runInspector([
      'delete-suppression-rule',
      '--data-dir',
      dataDir,
      '--suppression-rule-id',
      rule.suppressionRuleId,
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/NoSuchEntityException/);

    const audit = readFileSync(path.join(dataDir, 'suppressions-audit.jsonl'), 'utf8').trim().split('\n');
    expect(audit.map((l) => (JSON.parse(l) as { action: string; actorSource: string }).action)).toEqual([
      'CREATE',
      'DELETE',
    ]);
    expect(JSON.parse(audit[0]!).actor).toBe(`${os.userInfo().username}@${os.hostname()}`);
  });
});

describe('a waiver expiring between two runs', () => {
  let root: string;
  beforeAll(() => {
    root = makeRoot(sbpFailingRoot());
  });

  it('first run: the finding is suppressed (kept, marked, counted apart); second run: active again', async () => {
    const dataDir = tmp();
    const store = new LocalSuppressionStore(dataDir);
    const rulesPackages = await resolveRulesPackages(['security-best-practices'], {});
    const day1 = new Date('2026-12-02T09:00:00Z');
    const day2 = new Date('2026-12-05T09:00:00Z');
    const rule = await createSuppression(store, input('2026-12-04'), { ...who, now: day1 });

    const first = await runLocalAssessment({
      root,
      dataDir,
      rulesPackages,
      durationSeconds: 0,
      suppressions: { rules: await store.list(), now: day1 },
    });
    const second = await runLocalAssessment({
      root,
      dataDir,
      rulesPackages,
      durationSeconds: 0,
      suppressions: { rules: await store.list(), now: day2 },
    });

    const ssh = (o: typeof first.output) => o.findings.filter((f) => f.ruleId === 'sbp.ssh-root-login');
    expect(ssh(first.output)).toHaveLength(1);
    expect(ssh(first.output)[0]?.suppression?.suppressionRuleId).toBe(rule.suppressionRuleId);
    expect(first.output.findings.filter((f) => f.suppression)).toHaveLength(1);
    expect(ssh(second.output)).toHaveLength(1);
    expect(ssh(second.output)[0]?.suppression).toBeUndefined();
    // Same finding (same id) in both runs: kept, not deleted.
    expect(ssh(first.output)[0]?.id).toBe(ssh(second.output)[0]?.id);
    // Stored as evaluated.
    const stored = await new LocalRunStore(dataDir).getOutput(first.output.run.runId);
    expect(stored.findings.find((f) => f.ruleId === 'sbp.ssh-root-login')?.suppression).toBeDefined();

    // Reports: the first run counts the finding as suppressed and marks it; the second does not.
    const report = (o: typeof first.output) =>
      renderHtmlReport(o, { rulesPackages: [], generatedAt: '2026-12-05T10:00:00Z' });
    expect(report(first.output)).toContain('<td class="suppressed-count">1</td>');
    expect(report(first.output)).toContain(`waived by <code>${rule.suppressionRuleId}</code>`);
    expect(report(second.output)).not.toContain('waived by');

    // The diff of the second run against the first: the finding persists, and its waiver ended.
    const diff = diffRuns(second.output, first.output);
    expect(diff.persisting.map((f) => f.id)).toContain(ssh(second.output)[0]?.id);
    expect(diff.waiverEnded.map((f) => f.id)).toEqual([ssh(second.output)[0]?.id]);
    expect(diff.waived).toEqual([]);
    expect(diffEntries(diff).find((e) => e.finding.id === ssh(second.output)[0]?.id)?.waiver).toBe('ENDED');
    const withChanges = renderHtmlReport(second.output, {
      rulesPackages: [],
      generatedAt: '2026-12-05T10:00:00Z',
      changes: diff,
    });
    expect(withChanges).toMatch(
      new RegExp(`<tr data-change="WAIVER_ENDED" data-finding-id="${ssh(second.output)[0]?.id}">`),
    );
    // And the other way round (a waiver created between the runs): WAIVED.
    expect(diffRuns(first.output, second.output).waived.map((f) => f.id)).toEqual([ssh(first.output)[0]?.id]);

    // Listed after the expiry, the first run's finding is active again too.
    expect(applySuppressions(stored.findings, await store.list(), day2).some((f) => f.suppression)).toBe(
      false,
    );
  });
});
