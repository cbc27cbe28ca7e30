/**
 * Bounding findings and results (functions/core/finding-limits.ts): DynamoDB's size rules, cut strings,
 * "and N more" evidence, the worst case every field allows, a synthetic finding of tens of MB bounded in
 * linear time through evaluateTelemetry, and the real `cve` package with thousands of affected packages.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { collectTelemetry } from '../../../agent/collect';
import { findingItem } from '../../../functions/adapters/aws/dynamo-finding-store';
import { evaluateTelemetry, findingId } from '../../../functions/core/evaluate';
import {
  boundFinding,
  boundResult,
  cutText,
  FINDING_LIMITS,
  storedSize,
} from '../../../functions/core/finding-limits';
import type { Evidence, Finding, RuleResult, VulnerabilityDetails } from '../../../functions/core/model';
import type { RulesPackage } from '../../../functions/core/rule';
import type { Telemetry } from '../../../functions/core/telemetry';
import type { CveIndex } from '../../../functions/feeds/compile';
import { ReleaseIndex } from '../../../functions/feeds/index-format';
import type { Advisory, ReleaseKey } from '../../../functions/feeds/model';
import { cveRulesPackage } from '../../../functions/rules/cve';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';

afterAll(cleanupRoots);

const MAX = FINDING_LIMITS.maxFindingBytes;
const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');
/** The finding's size as the store writes it (with the keys it adds). */
const itemSize = (f: Finding) => storedSize(findingItem(f));
const MORE = /^and (\d+) more \((\d+) evidence entries in all; the first (\d+) are kept/;

const small: Finding = {
  id: 'f-0123456789abcdef0123456789abcdef',
  runId: 'run-1',
  instanceId: 'i-0123456789abcdef0',
  hostname: 'web-1',
  rulesPackage: 'security-best-practices',
  ruleId: 'sbp.ssh-root-login',
  title: 'SSH root login is permitted',
  description: 'sshd lets root log in.',
  recommendation: 'Set PermitRootLogin no.',
  severity: 'Medium',
  numericSeverity: 6,
  attributes: [{ key: 'team', value: 'web' }],
  evidence: [
    { source: '/etc/ssh/sshd_config', line: 3, key: 'PermitRootLogin', value: 'yes', expected: 'no' },
  ],
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('storedSize: DynamoDB item size rules', () => {
  it('names and strings by UTF-8 bytes, numbers 21, booleans/null 1, lists and maps 3 + 1 per element', () => {
    expect(storedSize('abc')).toBe(3);
    expect(storedSize('é€😀')).toBe(2 + 3 + 4);
    expect(storedSize(9)).toBe(21);
    expect(storedSize(true)).toBe(1);
    expect(storedSize(null)).toBe(1);
    expect(storedSize([])).toBe(3);
    expect(storedSize(['ab', 1])).toBe(3 + (1 + 2) + (1 + 21));
    expect(storedSize({ key: 'v', nope: undefined })).toBe(3 + (3 + 1 + 1));
    expect(storedSize({ m: { a: [true] } })).toBe(3 + 1 + 1 + (3 + 1 + 1 + (3 + 1 + 1)));
  });
});

describe('cutText', () => {
  it('leaves what fits and cuts the rest with the marker, within the byte limit', () => {
    expect(cutText('short', 16)).toBe('short');
    const long = 'x'.repeat(10_000);
    const cut = cutText(long, 256);
    expect(cut).toMatch(/^x+… \[truncated, 10000 characters\]$/);
    expect(utf8(cut)).toBeLessThanOrEqual(256);
    expect(utf8(cut)).toBeGreaterThan(200);
  });

  it('counts bytes, not characters, and never splits a character', () => {
    for (const unit of ['€', '😀', 'a😀', 'é']) {
      const s = unit.repeat(5_000);
      for (const max of [256, 257, 258, 259, 2048]) {
        const cut = cutText(s, max);
        expect(utf8(cut)).toBeLessThanOrEqual(max);
        const kept = cut.slice(0, cut.indexOf('… [truncated'));
        expect(s.startsWith(kept)).toBe(true);
        expect(Buffer.from(kept, 'utf8').toString('utf8')).toBe(kept); // no lone surrogate
      }
    }
    // 100 three-byte characters = 300 bytes: over 256 although only 100 characters long.
    expect(utf8(cutText('€'.repeat(100), 256))).toBeLessThanOrEqual(256);
    expect(cutText('€'.repeat(85), 256)).toBe('€'.repeat(85));
  });

  it('reads only up to the limit: 64 MB are cut in well under a second', () => {
    const huge = 'y'.repeat(64 * 1024 * 1024);
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) cutText(huge, 8192);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('boundFinding', () => {
  it('leaves a finding within the limits exactly as it was, with no truncated field', () => {
    expect(boundFinding(small)).toStrictEqual(small);
    const r: RuleResult = {
      rulesPackage: 'security-best-practices',
      ruleId: 'sbp.aslr',
      instanceId: 'i-1',
      result: 'FAIL',
      severity: 'Medium',
      title: 'ASLR',
      message: 'off',
      evidence: small.evidence,
      finding: { title: 'ASLR is off' },
    };
    expect(boundResult(r)).toStrictEqual(r);
  });

  it('keeps the first entries of a long evidence list and says "and N more", within maxEvidence', () => {
    const evidence: Evidence[] = Array.from({ length: 2500 }, (_, i) => ({
      source: '/etc/ssh/sshd_config',
      line: i + 10,
      key: 'PermitRootLogin',
      value: 'yes',
    }));
    const b = boundFinding({ ...small, evidence });
    expect(b.evidence).toHaveLength(FINDING_LIMITS.maxEvidence);
    expect(b.evidence.slice(0, -1)).toEqual(evidence.slice(0, FINDING_LIMITS.maxEvidence - 1));
    const marker = b.evidence.at(-1)!;
    expect(marker.source).toBe('/etc/ssh/sshd_config');
    const [, more, all, kept] = MORE.exec(marker.note ?? '')!.map(Number);
    expect([more, all, kept]).toEqual([2500 - 99, 2500, 99]);
    expect(b.truncated).toEqual(['evidence: 99 of 2500 entries kept']);
    // A marker over entries from several files says so.
    const mixed = boundFinding({ ...small, evidence: evidence.map((e, i) => ({ ...e, source: `/f${i}` })) });
    expect(mixed.evidence.at(-1)!.source).toBe('(several sources)');
  });

  it('is idempotent: a bounded finding is bounded again unchanged', () => {
    const big = worstCase('€');
    const once = boundFinding(big, { userAttributes: 10 });
    expect(boundFinding(once, { userAttributes: 10 })).toStrictEqual(once);
    const r = boundResult(worstResult());
    expect(boundResult(r)).toStrictEqual(r);
  });

  it.each([
    ['ASCII', 'x'],
    ['3-byte', '€'],
    ['4-byte', '😀'],
  ])('the worst case every field allows (%s characters) stays under maxFindingBytes', (_, unit) => {
    const b = boundFinding(worstCase(unit), { userAttributes: 10 });
    const size = itemSize(b);
    expect(size).toBeLessThanOrEqual(MAX);
    expect(utf8(JSON.stringify(b))).toBeLessThanOrEqual(MAX + 8 * 1024);
    // Everything that grows with the host kept something, and said what it cut.
    expect(b.evidence.length).toBeGreaterThan(1);
    expect(b.evidence.at(-1)!.note).toMatch(MORE);
    expect(b.vulnerability!.packages.length).toBeGreaterThan(0);
    expect(b.truncated).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^evidence: \d+ of 5000 entries kept$/),
        expect.stringMatching(/^vulnerability\.packages: \d+ of 5000 entries kept$/),
        expect.stringMatching(/^description: cut at 8192 bytes$/),
        expect.stringMatching(/^evidence\[\]\.value: (\d+ values )?cut at 2048 bytes$/),
      ]),
    );
    // The template's ten user attributes are kept, whatever the package added.
    expect(b.attributes.slice(-10).map((a) => a.key.slice(0, 6))).toEqual(
      Array.from({ length: 10 }, (_, i) => `user-${i}`),
    );
    expect(b.attributes.length).toBeLessThanOrEqual(FINDING_LIMITS.maxAttributes);
    const r = boundResult(worstResult(unit));
    expect(storedSize(r)).toBeLessThanOrEqual(MAX);
  });
});

/** A finding whose every field is far over its limit (5,000 entries in every list). */
function worstCase(unit = 'x'): Finding {
  /** `tag` and `n` characters (UTF-16 units, as zod and JavaScript count them) made of `unit`. */
  const s = (n: number, tag = '') => tag + unit.repeat(Math.max(1, Math.floor(n / unit.length)));
  const n = 5000;
  const vulnerability: VulnerabilityDetails = {
    vulnerabilityId: s(10_000, 'CVE-'),
    aliases: Array.from({ length: n }, (_, i) => s(1000, `A${i}`)),
    advisoryIds: Array.from({ length: n }, (_, i) => s(1000, `D${i}`)),
    ecosystem: s(10_000),
    packages: Array.from({ length: n }, (_, i) => ({
      name: s(1000, `p${i}`),
      installedVersion: s(1000),
      fixedVersion: s(1000),
      sourcePackage: s(1000),
      sourceVersion: s(1000),
      arch: s(1000),
    })),
    fixState: 'fixed',
    cvss: { version: s(1000), vector: s(10_000), baseScore: 9.8 },
    vendorSeverity: s(10_000),
    epss: { score: 0.5, percentile: 0.9, date: s(1000) },
    kev: { dateAdded: s(1000), dueDate: s(1000), knownRansomwareCampaignUse: s(1000) },
    remediation: s(100_000),
    references: Array.from({ length: n }, () => s(10_000, 'https://')),
  };
  return {
    ...small,
    id: s(1000, 'f-'),
    runId: s(1000, 'run-'),
    instanceId: s(1000, 'i-'),
    hostname: s(10_000),
    rulesPackage: s(1000),
    ruleId: s(10_000),
    title: s(100_000),
    description: s(1_000_000),
    recommendation: s(1_000_000),
    createdAt: s(1000),
    attributes: [
      ...Array.from({ length: 200 }, (_, i) => ({ key: s(1000, `rule-${i}`), value: s(10_000) })),
      // As many characters as a template's user attributes may have (128 and 256).
      ...Array.from({ length: 10 }, (_, i) => ({ key: `user-${i}${s(121)}`, value: s(256) })),
    ],
    evidence: Array.from({ length: n }, (_, i) => ({
      source: s(10_000, `/etc/${i}`),
      line: i,
      key: s(10_000),
      value: s(10_000),
      expected: s(10_000),
      note: s(10_000),
    })),
    vulnerability,
  };
}

function worstResult(unit = 'x'): RuleResult {
  const f = worstCase(unit);
  return {
    rulesPackage: f.rulesPackage,
    ruleId: f.ruleId,
    instanceId: f.instanceId,
    result: 'FAIL',
    severity: 'High',
    title: f.title,
    message: f.description,
    evidence: f.evidence,
    finding: {
      title: f.title,
      description: f.description,
      recommendation: f.recommendation,
      attributes: f.attributes,
      vulnerability: f.vulnerability!,
    },
  };
}

async function tinyTelemetry(): Promise<Telemetry> {
  const root = makeRoot({
    files: { '/etc/os-release': 'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' },
    sysctl: { 'kernel.ostype': 'Linux', 'kernel.arch': 'x86_64' },
  });
  return collectTelemetry({ root, runId: 'run-big', instanceId: 'i-big' });
}

/** A package whose one FAIL result is as large as a compromised host can make it. */
function hugePackage(entries: number): RulesPackage {
  const mb = (n: number, c: string) => c.repeat(n * 1024 * 1024);
  return {
    id: 'huge',
    name: 'Huge',
    version: '1',
    description: 'test',
    rules: [{ id: 'huge.rule', title: 't', severity: 'High', description: 'd', recommendation: 'r' }],
    evaluate: (facts) => [
      {
        rulesPackage: 'huge',
        ruleId: 'huge.rule',
        instanceId: facts.instanceId,
        result: 'FAIL',
        severity: 'High',
        title: mb(1, 't'),
        message: mb(4, 'm'),
        evidence: Array.from({ length: entries }, (_, i) => ({
          source: '/etc/huge.conf',
          line: i + 1,
          key: `Key${i}`,
          value: i % 25_000 === 0 ? mb(4, 'v') : `value ${i} `.repeat(10),
          note: 'x'.repeat(40),
        })),
        finding: {
          title: mb(1, 'T'),
          description: mb(4, 'd'),
          recommendation: mb(2, 'r'),
          attributes: Array.from({ length: 10_000 }, (_, i) => ({ key: `k${i}`, value: 'a'.repeat(200) })),
          vulnerability: {
            vulnerabilityId: 'CVE-2099-0001',
            aliases: [],
            advisoryIds: Array.from({ length: 10_000 }, (_, i) => `DSA-${i}`),
            ecosystem: 'Debian 12',
            packages: Array.from({ length: entries }, (_, i) => ({
              name: `pkg${i}`,
              installedVersion: '1.0-1',
            })),
            fixState: 'not-fixed',
            references: Array.from({ length: 10_000 }, (_, i) => `https://example.org/${i}`),
          },
        },
      },
    ],
  };
}

describe('a synthetic finding of tens of MB, through evaluateTelemetry', () => {
  it('is bounded, says so, keeps the id of its whole evidence, and takes linear time', async () => {
    const telemetry = await tinyTelemetry();
    const pkg = hugePackage(100_000);
    const input = (await pkg.evaluate({ instanceId: 'i-big' } as never, {}))[0];
    const inputBytes = utf8(JSON.stringify(input));
    expect(inputBytes).toBeGreaterThan(30 * 1024 * 1024);

    const t0 = performance.now();
    const ev = await evaluateTelemetry(telemetry, [pkg], {
      runId: 'run-big',
      createdAt: '2026-01-01T00:00:00.000Z',
      attributes: [{ key: 'owner', value: 'team-a' }],
    });
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeLessThan(5000);

    const [f] = ev.findings;
    expect(f).toBeDefined();
    expect(itemSize(f!)).toBeLessThanOrEqual(MAX);
    expect(f!.id).toBe(findingId('i-big', 'huge.rule', input!.evidence));
    expect(f!.evidence.at(-1)!.note).toMatch(MORE);
    expect(f!.title).toMatch(/… \[truncated, 1048576 characters\]$/);
    expect(f!.attributes.at(-1)).toEqual({ key: 'owner', value: 'team-a' });
    expect(f!.vulnerability!.packages.length).toBeLessThanOrEqual(FINDING_LIMITS.maxPackages);
    expect(f!.truncated).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^evidence: \d+ of 100000 entries kept$/),
        expect.stringMatching(/^vulnerability\.packages: \d+ of 100000 entries kept$/),
        expect.stringMatching(/^vulnerability\.advisoryIds: \d+ of 10000 entries kept$/),
        expect.stringMatching(/^attributes: \d+ of 9999|^attributes: \d+ of 10000 entries kept$/),
        'title: cut at 512 bytes',
        'description: cut at 8192 bytes',
      ]),
    );
    const [r] = ev.results;
    expect(storedSize(r)).toBeLessThanOrEqual(MAX);
    expect(r!.message).toMatch(/… \[truncated, 4194304 characters\]$/);
    expect(r!.evidence.at(-1)!.note).toMatch(MORE);
    expect(r!.truncated?.length).toBeGreaterThan(0);
  });

  it('ten times the entries cost about ten times as much (not a hundred)', async () => {
    const telemetry = await tinyTelemetry();
    const time = async (n: number) => {
      const pkg = hugePackage(n);
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await evaluateTelemetry(telemetry, [pkg], { runId: 'r', createdAt: 'x' });
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    await time(10_000); // warm up
    const small = await time(10_000);
    const large = await time(100_000);
    expect(large / small).toBeLessThan(30);
  });
});

describe('the cve package with thousands of affected packages', () => {
  const deb12: ReleaseKey = { family: 'debian', release: '12' };
  const N = 3000;
  const stanza = (name: string) =>
    [
      `Package: ${name}`,
      'Status: install ok installed',
      'Priority: optional',
      'Architecture: amd64',
      'Source: bigsrc',
      'Version: 1.0-1',
      'Description: test',
    ].join('\n');

  it('bounds the finding: packages, evidence, description and attributes, each with its marker', async () => {
    const names = Array.from({ length: N }, (_, i) => `libbig-module-${String(i).padStart(4, '0')}`);
    const root = makeRoot({
      files: {
        '/etc/os-release': 'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
        '/var/lib/dpkg/status': `${names.map(stanza).join('\n\n')}\n`,
      },
      sysctl: { 'kernel.osrelease': '6.1.0-30-amd64', 'kernel.ostype': 'Linux', 'kernel.arch': 'x86_64' },
    });
    const telemetry = await collectTelemetry({ root, runId: 'run-cve', instanceId: 'i-cve' });
    const advisories: Advisory[] = ['DEBIAN-CVE-2099-7000', 'DSA-9999-1'].map((id) => ({
      id,
      key: deb12,
      cves: ['CVE-2099-7000'],
      severity: 'high',
      summary: 'bigsrc: a test vulnerability',
      references: [`https://security-tracker.debian.org/tracker/${id}`],
      packages: [
        {
          name: 'bigsrc',
          ranges: [
            [
              { kind: 'introduced', version: '0' },
              { kind: 'fixed', version: '1.0-2' },
            ],
          ],
          versions: [],
          arches: [],
          wontFix: false,
        },
      ],
    }));
    const rel = ReleaseIndex.fromAdvisories(deb12, advisories, '2026-01-01T00:00:00Z');
    const index: CveIndex = {
      description: 'in-memory test feed',
      releaseKeys: () => ['debian:12'],
      release: async () => rel,
      threatData: async () => ({}),
    };
    // What the package itself returns: one result listing all 3,000 packages.
    const raw = (await cveRulesPackage(index).evaluate(
      new (
        await import('../../../functions/core/facts/facts')
      ).Facts(telemetry),
      {},
    )) as RuleResult[];
    const rawFail = raw.find((r) => r.result === 'FAIL')!;
    expect(rawFail.finding!.vulnerability!.packages).toHaveLength(N);
    expect(storedSize(rawFail)).toBeGreaterThan(400 * 1024);

    const ev = await evaluateTelemetry(telemetry, [cveRulesPackage(index)], {
      runId: 'run-cve',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(ev.findings).toHaveLength(1);
    const f = ev.findings[0]!;
    expect(f.ruleId).toBe('cve.CVE-2099-7000');
    expect(itemSize(f)).toBeLessThanOrEqual(MAX);
    expect(f.vulnerability!.packages.length).toBeGreaterThanOrEqual(50);
    expect(f.vulnerability!.packages[0]).toEqual({
      name: names[0],
      installedVersion: '1.0-1',
      fixedVersion: '1.0-2',
      sourcePackage: 'bigsrc',
      sourceVersion: '1.0-1',
      arch: 'amd64',
    });
    expect(f.evidence.at(-1)!.note).toMatch(MORE);
    expect(f.evidence.at(-1)!.source).toBe('/var/lib/dpkg/status');
    expect(f.description).toMatch(/… \[truncated, \d+ characters\]$/);
    const attr = (k: string) => f.attributes.find((a) => a.key === k)?.value;
    expect(attr('PACKAGE_NAMES')).toMatch(
      /^libbig-module-0000,libbig-module-0001,.*… \[truncated, \d+ characters\]$/,
    );
    expect(attr('VULNERABILITY_ID')).toBe('CVE-2099-7000');
    expect(f.vulnerability!.advisoryIds).toEqual(['DEBIAN-CVE-2099-7000', 'DSA-9999-1']);
    expect(f.truncated).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^vulnerability\.packages: \d+ of 3000 entries kept$/),
        expect.stringMatching(/^evidence: \d+ of 3000 entries kept$/),
      ]),
    );
    // The id is that of the whole evidence (every package), as before bounding.
    expect(f.id).toBe(findingId('i-cve', f.ruleId, rawFail.evidence));
  });
});
