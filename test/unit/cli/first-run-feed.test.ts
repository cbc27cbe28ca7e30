/**
 * The parts of the first-run feed sync that need no server: which sources a host gets, the sync URLs from
 * INSPECTOR_FEED_SYNC_CONFIG, the progress bar, and the cve package standing in when no feed could be had.
 * The end-to-end behaviour (real bin, feed server on 127.0.0.1) is in test/integration/cli/first-run-feed.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseFeedSyncTimeout } from '../../../functions/cli/commands/assess';
import {
  distributionSources,
  ProgressBar,
  renderBar,
  SECONDARY_SOURCE_DATA,
  THREAT_SOURCES,
  unavailableCvePackage,
  withMissingSources,
} from '../../../functions/cli/first-run-feed';
import type { RulesPackage } from '../../../functions/core/rule';
import type { ReleaseKey } from '../../../functions/feeds/model';
import { OFFICIAL_SOURCES } from '../../../functions/feeds/sync';
import { configuredSources, FEED_SYNC_CONFIG_ENV } from '../../../functions/feeds/sync-config';

describe('which sources a first run downloads', () => {
  it.each<[ReleaseKey, string[] | undefined]>([
    [{ family: 'debian', release: '12' }, ['osv:Debian', 'debian-security-tracker']],
    [{ family: 'ubuntu', release: '22.04' }, ['osv:Ubuntu']],
    [{ family: 'alpine', release: 'v3.20' }, ['osv:Alpine']],
    [{ family: 'almalinux', release: '9' }, ['osv:AlmaLinux']],
    [{ family: 'rocky', release: '9' }, ['osv:Rocky Linux']],
    [{ family: 'amazon', release: '2023' }, ['alas:amazon-linux-2023']],
    [{ family: 'amazon', release: '2' }, ['alas:amazon-linux-2']],
    [{ family: 'amazon', release: '1' }, undefined],
    [{ family: 'redhat', release: '9' }, undefined],
  ])('%j → %j', (key, names) => {
    expect(distributionSources(key)).toEqual(names);
  });

  it('names only sources sync.ts has (the distribution OSV exports, ALAS, KEV, EPSS)', () => {
    const known = new Set(OFFICIAL_SOURCES.map((s) => s.name));
    for (const n of [
      ...THREAT_SOURCES,
      'osv:Debian',
      'osv:Ubuntu',
      'osv:Alpine',
      'osv:AlmaLinux',
      'osv:Rocky Linux',
    ])
      expect(known.has(n)).toBe(true);
    expect(known.has('alas:amazon-linux-2023') && known.has('alas:amazon-linux-2')).toBe(true);
  });
});

describe('INSPECTOR_FEED_SYNC_CONFIG', () => {
  const sources = (value?: string) =>
    configuredSources(value === undefined ? {} : { [FEED_SYNC_CONFIG_ENV]: value });

  it('without it: the official sources', () => {
    expect(sources().map((s) => s.name)).toEqual(OFFICIAL_SOURCES.map((s) => s.name));
  });

  it('replaces the URLs it names', async () => {
    const asked: string[] = [];
    const kev = sources(JSON.stringify({ urls: { kev: 'http://127.0.0.1:9/kev.json' } })).find(
      (s) => s.name === 'cisa-kev',
    )!;
    await kev.download(async (url) => {
      asked.push(url);
      return Buffer.from('{}');
    });
    expect(asked).toEqual(['http://127.0.0.1:9/kev.json']);
  });

  it.each([
    ['{', /^INSPECTOR_FEED_SYNC_CONFIG is not JSON/],
    [
      '{"urls":{"kevv":"http://x/"}}',
      /^INSPECTOR_FEED_SYNC_CONFIG: urls\.kevv is not a feed URL \(known: osvBase, /,
    ],
    [
      '{"urls":{"kev":"ftp://x/"}}',
      /^INSPECTOR_FEED_SYNC_CONFIG: urls\.kev is not an http\(s\) URL: ftp:\/\/x\//,
    ],
    ['{"allowHttp":"yes"}', /^INSPECTOR_FEED_SYNC_CONFIG: allowHttp: /],
    ['{"mirror":1}', /^INSPECTOR_FEED_SYNC_CONFIG: /],
  ])('%s is refused with the reason', (value, message) => {
    expect(() => sources(value)).toThrow(message);
  });
});

describe('the progress bar', () => {
  it.each([
    [0, 6, 0, 0, 80, '[----------------------------------------]  0/6  0.0 MB  0 s'],
    [3, 6, 41_234_567, 12_400, 80, '[####################--------------------]  3/6  41.2 MB  12 s'],
    [6, 6, 1e8, 61_000, 80, '[########################################]  6/6  100.0 MB  61 s'],
    [3, 6, 0, 0, 30, '[#####-----]  3/6  0.0 MB  0 s'],
  ])('%d of %d steps, %d bytes, %d ms, %d columns', (done, total, bytes, ms, columns, line) => {
    expect(renderBar(done, total, bytes, ms, columns)).toBe(line);
  });

  it('draws on its line as sources download and are written, and clears it at the end', () => {
    const out: string[] = [];
    const bar = new ProgressBar(
      { write: (s: string) => out.push(s) > 0, columns: 60 },
      'Debian 12',
      4,
      Date.now(),
    );
    bar.start();
    bar.step({ kind: 'downloaded', source: 'osv:Debian', bytes: 10 });
    bar.step({ kind: 'failed', source: 'first-epss', reason: 'HTTP 500' }); // never downloaded: both its steps
    bar.step({ kind: 'written', source: 'osv:Debian' });
    bar.end();
    expect(out[0]).toBe('Downloading the vulnerability feed for Debian 12 (first run; --offline skips it)\n');
    expect(out.slice(1, -1).map((s) => / (\d\/4) /.exec(s)?.[1])).toEqual(['0/4', '1/4', '3/4', '4/4']);
    expect(out.slice(1, -1).every((s) => s.startsWith('\r\x1b[K['))).toBe(true);
    expect(out.at(-1)).toBe('\r\x1b[K');
  });
});

describe('the cve package without a feed', () => {
  it('carries the catalogue name and version and fails evaluation with the reason (the run records an exclusion)', () => {
    const p = unavailableCvePackage('no vulnerability feed: offline');
    expect(p).toMatchObject({ id: 'cve', name: 'Common Vulnerabilities and Exposures', version: '1.0.0' });
    expect(() => p.evaluate({} as never, {})).toThrow('no vulnerability feed: offline');
  });
});

describe('--feed-sync-timeout', () => {
  it('takes seconds from 1 to 3600 and says so when refusing (0 included)', () => {
    expect(parseFeedSyncTimeout('1')).toBe(1);
    expect(parseFeedSyncTimeout('2.5')).toBe(2.5);
    expect(parseFeedSyncTimeout('3600')).toBe(3600);
    for (const v of ['0', '0.5', '-1', '3601', '', ' ', 'x', 'Infinity'])
      expect(() => parseFeedSyncTimeout(v), v).toThrow(/^must be a number of seconds from 1 to 3600/);
  });
});

describe('the cve package of a feed missing some sources', () => {
  const inner = (results: Array<{ result: string }>): RulesPackage => ({
    id: 'cve',
    name: 'cve',
    version: '1',
    description: '',
    rules: [],
    evaluate: () => results.map((r) => ({ ...r }) as never),
  });
  const missing = [
    {
      source: 'debian-security-tracker',
      data: 'debianUrgency' as const,
      reason: 'http://x/json: HTTP 500',
      since: '2026-12-01T00:00:00.000Z',
      triedAt: '2026-12-02T00:00:00.000Z',
    },
  ];
  const facts = { instanceId: 'i-1' } as never;

  it('adds one cve.feed-sources ERROR result naming each source, its effect and why', async () => {
    const r = await withMissingSources(inner([{ result: 'FAIL' }]), missing).evaluate(facts, {});
    expect(r).toHaveLength(2);
    expect(r[1]).toMatchObject({
      rulesPackage: 'cve',
      ruleId: 'cve.feed-sources',
      instanceId: 'i-1',
      result: 'ERROR',
      severity: 'Informational',
      evidence: [
        { key: 'debian-security-tracker', value: 'missing', note: expect.stringContaining('HTTP 500') },
      ],
    });
    expect(r[1]!.message).toMatch(/debian-security-tracker \(the Debian Security Tracker's urgencies/);
  });

  it('adds nothing where the package does not apply, and is the package itself when nothing is missing', async () => {
    const na = await withMissingSources(inner([{ result: 'NOT_APPLICABLE' }]), missing).evaluate(facts, {});
    expect(na).toHaveLength(1);
    const p = inner([]);
    expect(withMissingSources(p, [])).toBe(p);
  });

  it('knows the data of every secondary source a first run asks for', () => {
    for (const n of [...THREAT_SOURCES, 'debian-security-tracker'])
      expect(SECONDARY_SOURCE_DATA[n]).toBeDefined();
  });
});
