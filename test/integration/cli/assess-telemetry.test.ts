/**
 * `inspector assess --telemetry FILE --key-file KEY`: telemetry the standalone agent wrote by hand on another
 * host (the agent's single-file bundle, `--out FILE --key-file KEY`, on a fixture root) evaluated locally under
 * the run and instance its envelope names; a wrong key, a tampered file or a missing key end in one line and
 * exit 1, with no run recorded.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgentBundle } from '../../../scripts/build-agent';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import { runInspector } from '../../helpers/inspector-cli';
import { SBP_RULE_IDS, sbpPassingRoot } from '../../helpers/sbp-roots';

const run = promisify(execFile);
let tmp: string;
let telemetry: string;
let key: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'inspector-assess-telemetry-'));
  const agent = buildAgentBundle(path.join(tmp, 'agent', 'agent.js')).file;
  key = path.join(tmp, 'telemetry.key');
  writeFileSync(key, randomBytes(32), { mode: 0o600 });
  telemetry = path.join(tmp, 'web-1.telemetry');
  const root = makeRoot(sbpPassingRoot());
  await run(process.execPath, [
    agent,
    '--out',
    telemetry,
    '--key-file',
    key,
    '--root',
    root,
    '--run-id',
    'by-hand',
    '--instance-id',
    'web-1',
  ]);
}, 120_000);
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  cleanupRoots();
});

describe('inspector assess --telemetry', () => {
  it('evaluates the file under the instance its envelope names', async () => {
    const data = mkdtempSync(path.join(tmp, 'data-'));
    const r = await runInspector([
      'assess',
      '--telemetry',
      telemetry,
      '--key-file',
      key,
      '--rules-packages',
      'security-best-practices',
      '--format',
      'json',
      '--data-dir',
      data,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      run: { runId: string; state: string; name: string };
      instances: Array<{ instanceId: string }>;
      results: Array<{ ruleId: string; result: string; instanceId: string }>;
      exclusions: unknown[];
    };
    expect(doc.run.state).toBe('COMPLETED');
    expect(doc.run.name).toBe(`local assessment of ${telemetry}`);
    expect(doc.instances.map((i) => i.instanceId)).toEqual(['web-1']);
    expect(doc.exclusions).toEqual([]);
    expect(doc.results.map((x) => x.ruleId).sort()).toEqual([...SBP_RULE_IDS].sort());
    expect(doc.results.every((x) => x.result === 'PASS' && x.instanceId === 'web-1')).toBe(true);
    // The run keeps the telemetry as it came.
    const kept = path.join(data, 'runs', doc.run.runId, 'telemetry', 'web-1.bin');
    expect(readFileSync(kept)).toEqual(readFileSync(telemetry));
  });

  it('a wrong key, a tampered file, a missing key or a --key-file alone: one line, exit 1, no run', async () => {
    const data = mkdtempSync(path.join(tmp, 'data-'));
    const wrongKey = path.join(tmp, 'wrong.key');
    writeFileSync(wrongKey, randomBytes(32), { mode: 0o600 });
    const tampered = path.join(tmp, 'tampered.telemetry');
    const bytes = readFileSync(telemetry);
    bytes[bytes.length - 100]! ^= 0xff;
    writeFileSync(tampered, bytes);
    const shortKey = path.join(tmp, 'short.key');
    writeFileSync(shortKey, randomBytes(16), { mode: 0o600 });
    const cases: Array<[string[], RegExp]> = [
      [['--telemetry', telemetry, '--key-file', wrongKey], /^inspector: telemetry could not be decrypted: /],
      [['--telemetry', tampered, '--key-file', key], /^inspector: telemetry could not be decrypted: /],
      [['--telemetry', telemetry], /^inspector: --telemetry needs the key the agent encrypted it with/],
      [['--telemetry', telemetry, '--key-file', shortKey], /a key is 32 bytes, this file has 16$/],
      [['--telemetry', path.join(tmp, 'none')], /^inspector: --telemetry .* is not a file$/],
      [['--key-file', key], /^inspector: --key-file goes with --telemetry$/],
      [['--telemetry', telemetry, '--key-file', key, '--root', tmp], /--root does not apply$/],
    ];
    for (const [args, message] of cases) {
      const r = await runInspector([
        'assess',
        ...args,
        '--rules-packages',
        'security-best-practices',
        '--data-dir',
        data,
      ]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(message);
    }
    expect(existsSync(path.join(data, 'runs'))).toBe(false);
  });
});
