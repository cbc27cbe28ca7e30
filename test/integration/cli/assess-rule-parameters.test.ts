/**
 * `inspector assess --rule-parameter RULE:NAME=VALUE`, run as a user runs it (the real bin, a real root
 * tree, a fresh data directory): a parameter changes a verdict; a wrong one is a one-line usage error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import { runInspector } from '../../helpers/inspector-cli';
import { sbpPassingRoot } from '../../helpers/sbp-roots';

let dataDir: string;
let root: string;

const inspector = (args: string[]) => runInspector([...args, '--data-dir', dataDir]);

interface Result {
  ruleId: string;
  result: string;
  recommendation?: string;
  evidence: Array<{ key?: string; expected?: string }>;
}

async function assess(...extra: string[]) {
  return inspector([
    'assess',
    '--root',
    root,
    '--rules-packages',
    'security-best-practices',
    '--format',
    'json',
    ...extra,
  ]);
}

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'inspector-data-'));
  root = makeRoot(sbpPassingRoot());
});
afterAll(() => {
  cleanupRoots();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('inspector assess --rule-parameter', () => {
  it('a threshold above the host setting turns PASS into a FAIL finding; the default passes', async () => {
    const plain = await assess();
    expect(plain.stderr).toBe('');
    const before = JSON.parse(plain.stdout) as { results: Result[] };
    expect(before.results.find((r) => r.ruleId === 'sbp.password-min-length')?.result).toBe('PASS');

    const stricter = await assess(
      '--rule-parameter',
      'sbp.password-min-length:minLength=16',
      '--rule-parameter',
      'sbp.password-max-age:maxDays=30',
    );
    expect(stricter.stderr).toBe('');
    expect(stricter.code).toBe(0);
    const after = JSON.parse(stricter.stdout) as {
      run: { ruleParameters?: unknown };
      results: Result[];
      findings: Result[];
    };
    // The run records what it was evaluated with.
    expect(after.run.ruleParameters).toEqual({
      'sbp.password-min-length': { minLength: 16 },
      'sbp.password-max-age': { maxDays: 30 },
    });
    const minLength = after.results.find((r) => r.ruleId === 'sbp.password-min-length');
    expect(minLength?.result).toBe('FAIL');
    expect(minLength?.evidence.find((e) => e.key === 'PASS_MIN_LEN')?.expected).toBe('>= 16');
    // PASS_MAX_DAYS is 90 on this root: over 30.
    expect(after.results.find((r) => r.ruleId === 'sbp.password-max-age')?.result).toBe('FAIL');
    expect(after.findings.map((f) => f.ruleId).sort()).toEqual([
      'sbp.password-max-age',
      'sbp.password-min-length',
    ]);
    // The other rules kept their defaults.
    expect(after.results.filter((r) => r.result === 'PASS')).toHaveLength(before.results.length - 2);
  });

  it('this machine with sampling: minDurationSeconds 1 lets rba judge a listener nobody connects to', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', () => resolve()));
    const { port } = server.address() as AddressInfo;
    try {
      const args = ['assess', '--root', '/', '--rules-packages', 'runtime-behavior-analysis'];
      const r = await inspector([
        ...args,
        ...['--duration', '2', '--format', 'json'],
        ...['--rule-parameter', 'rba.unused-listening-tcp-ports:minDurationSeconds=1'],
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { results: Result[]; findings: Result[] };
      const unused = out.findings.find((f) => f.ruleId === 'rba.unused-listening-tcp-ports');
      // Every unused port is named in the recommendation (the evidence lists a bounded number of them).
      expect(unused?.recommendation).toMatch(new RegExp(`\\b${port}\\b`));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 60_000);

  it('refuses an unknown rule or parameter, a rule of another package and a wrong type in one line', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        'sbp.password-min-length:minLen=16',
        /^inspector: --rule-parameter: rule sbp\.password-min-length has no parameter "minLen"; known parameters: sbp\.password-max-age:maxDays \(number, default 365\), sbp\.password-min-length:minLength \(number, default 14\), sbp\.aslr:requiredValue \(number, default 2\)\n$/,
      ],
      [
        'sbp.no-such-rule:x=1',
        /^inspector: --rule-parameter: rule sbp\.no-such-rule has no parameters in security-best-practices; known parameters: sbp\.password-max-age:maxDays/,
      ],
      [
        'rba.unused-listening-tcp-ports:minDurationSeconds=1',
        /^inspector: --rule-parameter: rule rba\.unused-listening-tcp-ports belongs to rules package runtime-behavior-analysis, which is not among security-best-practices; known parameters: /,
      ],
      [
        'sbp.password-min-length:minLength=long',
        /^inspector: --rule-parameter: sbp\.password-min-length:minLength must be a finite number, got "long"\n$/,
      ],
      [
        'sbp.password-min-length=16',
        /^inspector: --rule-parameter takes RULE:NAME=VALUE, got "sbp\.password-min-length=16"\n$/,
      ],
    ];
    for (const [option, message] of cases) {
      const r = await assess('--rule-parameter', option);
      expect(r.code, option).toBe(1);
      expect(r.stdout, option).toBe('');
      expect(r.stderr, option).toMatch(message);
      expect(r.stderr.trim().split('\n'), option).toHaveLength(1);
    }
  });
});
