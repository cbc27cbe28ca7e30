/**
 * A feed on first run (issue 12, item 5), run as a user runs it: the real bin, a Debian 12 root tree, an
 * empty data directory, and the feed server on 127.0.0.1 (INSPECTOR_FEED_SYNC_CONFIG points the sync at it).
 * The first `assess` downloads the host distribution's own feed (and KEV/EPSS) and nothing else, then runs
 * `cve`; unreachable or silent sources are given up fast and bounded, with the reason in the summary and a
 * `cve` exclusion, the rest of the run assessed; `--offline` downloads nothing.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEBIAN_DPKG_STATUS, type FeedServer, startFeedServer } from '../../helpers/feed-server';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import { freePort } from '../../helpers/free-port';
import { INSPECTOR_BIN, runInspector } from '../../helpers/inspector-cli';

const run = promisify(execFile);

let server: FeedServer;
let root: string;
const dirs: string[] = [];

beforeAll(async () => {
  server = await startFeedServer();
  root = makeRoot({
    files: {
      '/etc/os-release': 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
      '/var/lib/dpkg/status': DEBIAN_DPKG_STATUS,
    },
    sysctl: {
      'kernel.osrelease': '6.1.0-30-amd64',
      'kernel.ostype': 'Linux',
      'kernel.randomize_va_space': '2',
    },
  });
});
afterAll(async () => {
  cleanupRoots();
  await server?.close();
});
beforeEach(() => {
  server.reset();
  server.hits.clear();
});
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const newDataDir = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'inspector-first-run-'));
  dirs.push(d);
  return d;
};
const config = (urls: object) => JSON.stringify({ urls, allowHttp: true });

const inspector = runInspector;

interface Output {
  run: { state: string; rulesPackages: string[] };
  results: Array<{
    rulesPackage: string;
    ruleId: string;
    result: string;
    message: string;
    evidence: Array<{ key?: string; note?: string }>;
  }>;
  findings: Array<{ ruleId: string; vulnerability?: { severitySource?: string } }>;
  exclusions: Array<{ scope?: string; reason: string; message: string }>;
}

/** Every URL of the server's, moved to a port nothing listens on. */
async function unreachable(): Promise<Record<string, string>> {
  const port = await freePort();
  return Object.fromEntries(
    Object.entries(server.urls).map(([k, v]) => [
      k,
      String(v).replace(server.base, `http://127.0.0.1:${port}`),
    ]),
  );
}

describe('inspector assess with no feed in the data directory (first run)', () => {
  it("downloads the host distribution's feed (and KEV, EPSS) and nothing else, then runs cve; later runs do not download", async () => {
    const dataDir = newDataDir();
    const env = { INSPECTOR_FEED_SYNC_CONFIG: config(server.urls) };
    const r = await inspector(['assess', '--root', root, '--format', 'json', '--data-dir', dataDir], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(''); // no progress with --format json (and no terminal)
    const out = JSON.parse(r.stdout) as Output;
    expect(out.run.rulesPackages).toEqual(['security-best-practices', 'cve']);
    expect(out.exclusions).toEqual([]);
    expect(out.findings.map((f) => f.ruleId)).toContain('cve.CVE-2099-0001'); // bash, from the served export
    // Only Debian's sources and the threat data were asked for: no Ubuntu, Alma, Rocky or Amazon Linux.
    const asked = [...server.hits.keys()].sort();
    expect(asked).toEqual(expect.arrayContaining(['/osv/Debian/all.zip', '/kev.json', '/epss.csv.gz']));
    expect(asked.filter((p) => /Ubuntu|AlmaLinux|Rocky|al2|Alpine|nvd|cve/i.test(p))).toEqual([]);
    // The compiled feed is in place and nothing of the staging folder is left.
    expect(existsSync(path.join(dataDir, 'feeds', 'manifest.json'))).toBe(true);
    expect(readdirSync(dataDir).filter((n) => n.startsWith('.first-run-feed-'))).toEqual([]);
    expect(readdirSync(path.join(dataDir, 'feeds')).filter((n) => n.startsWith('.spill-'))).toEqual([]);

    server.hits.clear();
    const again = await inspector(['assess', '--root', root, '--data-dir', dataDir], env);
    expect(again.code).toBe(0);
    expect(server.hits.size).toBe(0);
    expect(again.stdout).toMatch(/Rules packages: security-best-practices .*, cve /);
    expect(again.stdout).not.toMatch(/First run|Not run: cve/);
  });

  it('says what it downloaded in the summary', async () => {
    const r = await inspector(['assess', '--root', root, '--data-dir', newDataDir()], {
      INSPECTOR_FEED_SYNC_CONFIG: config(server.urls),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /First run: downloaded the vulnerability feed for Debian 12 in [\d.]+ s \(Debian 12: \d+ advisories; .*CISA KEV: 1404 entries; EPSS: 2 scores/,
    );
  });

  it('sources that cannot be reached: a clear message within seconds, everything else assessed, cve excluded with the reason', async () => {
    const dataDir = newDataDir();
    const env = { INSPECTOR_FEED_SYNC_CONFIG: config(await unreachable()) };
    const table = await inspector(['assess', '--root', root, '--data-dir', dataDir], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /Not run: cve \(no vulnerability feed in the data directory, and the first-run download of Debian 12's feed failed after [\d.]+ s \(osv:Debian: http:\/\/127\.0\.0\.1:\d+\/osv\/Debian\/all\.zip: ECONNREFUSED\); run `inspector feeds sync` when the sources can be reached/,
    );
    expect(table.ms).toBeLessThan(20_000);
    const json = await inspector(['assess', '--root', root, '--format', 'json', '--data-dir', dataDir], env);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as Output;
    expect(out.exclusions).toEqual([
      expect.objectContaining({
        scope: 'cve',
        reason: 'EVALUATION_ERROR',
        message: expect.stringMatching(
          /^rules package cve could not be evaluated: no vulnerability feed .*ECONNREFUSED/,
        ),
      }),
    ]);
    expect(out.results.filter((x) => x.rulesPackage === 'security-best-practices').length).toBe(9);
    expect(out.run.state).toBe('COMPLETED_WITH_ERRORS');
    expect(existsSync(path.join(dataDir, 'feeds', 'manifest.json'))).toBe(false); // the next run tries again
    expect(readdirSync(dataDir).filter((n) => n.startsWith('.first-run-feed-'))).toEqual([]);
  });

  it('a source that never answers is given up at --feed-sync-timeout', async () => {
    const silent = http.createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const urls = { ...server.urls, osvBase: `${base}/osv` };
      const r = await inspector(
        ['assess', '--root', root, '--feed-sync-timeout', '2', '--data-dir', newDataDir()],
        {
          INSPECTOR_FEED_SYNC_CONFIG: config(urls),
        },
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /Not run: cve \(.*first-run download of Debian 12's feed failed after 2\.\d s \(osv:Debian: http:\/\/127\.0\.0\.1:\d+\/osv\/Debian\/all\.zip: not downloaded within the first-run sync's 2 s \(--feed-sync-timeout\)\)/,
      );
      expect(r.ms).toBeLessThan(20_000);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('--offline downloads nothing and says so; a run naming only other packages does not download either', async () => {
    const env = { INSPECTOR_FEED_SYNC_CONFIG: config(server.urls) };
    const offline = await inspector(['assess', '--root', root, '--offline', '--data-dir', newDataDir()], env);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(
      /Not run: cve \(no vulnerability feed in the data directory, and --offline skipped/,
    );
    const sbp = await inspector(
      ['assess', '--root', root, '--rules-packages', 'security-best-practices', '--data-dir', newDataDir()],
      env,
    );
    expect(sbp.code).toBe(0);
    expect(sbp.stdout).not.toMatch(/cve/);
    expect(server.hits.size).toBe(0);
  });

  it('a host without a feed source (Fedora) downloads nothing and keeps the plain note', async () => {
    const fedora = makeRoot({ files: { '/etc/os-release': 'ID=fedora\nVERSION_ID=40\n' } });
    const r = await inspector(['assess', '--root', fedora, '--data-dir', newDataDir()], {
      INSPECTOR_FEED_SYNC_CONFIG: config(server.urls),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /Not run: cve \(no vulnerability feed in the data directory; the CVE package has no vulnerability feed for fedora 40/,
    );
    expect(server.hits.size).toBe(0);
  });

  it('on a terminal it draws a progress bar on stderr', async () => {
    const dataDir = newDataDir();
    // script(1) (util-linux, in every Debian) runs the bin on a pseudo-terminal.
    const cmd = [process.execPath, INSPECTOR_BIN, 'assess', '--root', root, '--data-dir', dataDir]
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    const { stdout } = await run('script', ['-qec', cmd, '/dev/null'], {
      env: { ...process.env, INSPECTOR_DATA_DIR: '', INSPECTOR_FEED_SYNC_CONFIG: config(server.urls) },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout).toContain(
      'Downloading the vulnerability feed for Debian 12 (first run; --offline skips it)',
    );
    expect(stdout).toMatch(/\[#+-*\] {2}\d\/\d+ {2}[\d.]+ MB {2}\d+ s/);
    expect(stdout).toMatch(/First run: downloaded the vulnerability feed for Debian 12/);
  });

  it('--feed-sync-timeout 0 is refused with a message that says from 1', async () => {
    const r = await inspector(
      ['assess', '--root', root, '--feed-sync-timeout', '0', '--data-dir', newDataDir()],
      {
        INSPECTOR_FEED_SYNC_CONFIG: config(server.urls),
      },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/must be a number of seconds from 1 to 3600/);
    expect(server.hits.size).toBe(0);
  });
});

describe('a first run that gets the distribution export but not the Debian Security Tracker', () => {
  const TRACKER = '/debian-tracker/json';
  const manifest = (dataDir: string) =>
    JSON.parse(readFileSync(path.join(dataDir, 'feeds', 'manifest.json'), 'utf8')) as {
      missingSources?: Array<{
        source: string;
        data: string;
        reason: string;
        since: string;
        triedAt: string;
      }>;
      debianUrgency?: unknown;
    };
  const feedNote = (out: Output) => out.results.filter((x) => x.ruleId === 'cve.feed-sources');

  it('records it as missing in the manifest, says so in every run (--format json too), retries only it, and stops once it arrives', async () => {
    const dataDir = newDataDir();
    const env = { INSPECTOR_FEED_SYNC_CONFIG: config(server.urls) };
    const args = ['assess', '--root', root, '--format', 'json', '--data-dir', dataDir];
    server.routes.get(TRACKER)!.status = 500;

    // First run: the feed is kept (Debian's export arrived), the tracker recorded as missing.
    const first = await inspector(args, env);
    expect(first.code).toBe(0);
    let out = JSON.parse(first.stdout) as Output;
    expect(out.findings.map((f) => f.ruleId)).toContain('cve.CVE-2099-0001');
    expect(out.exclusions).toEqual([]);
    expect(feedNote(out)).toEqual([
      expect.objectContaining({
        rulesPackage: 'cve',
        result: 'ERROR',
        message: expect.stringMatching(/debian-security-tracker \(the Debian Security Tracker's urgencies/),
        evidence: [
          expect.objectContaining({
            key: 'debian-security-tracker',
            note: expect.stringMatching(/HTTP 500/),
          }),
        ],
      }),
    ]);
    expect(out.findings.some((f) => f.vulnerability?.severitySource?.startsWith('debian-tracker'))).toBe(
      false,
    );
    const m1 = manifest(dataDir);
    expect(m1.debianUrgency).toBeUndefined();
    expect(m1.missingSources).toEqual([
      expect.objectContaining({
        source: 'debian-security-tracker',
        data: 'debianUrgency',
        reason: expect.stringMatching(/HTTP 500/),
      }),
    ]);

    // Second run, the tracker still failing: only it is asked for again, and the run still says so.
    server.hits.clear();
    const second = await inspector(args, env);
    expect(second.code).toBe(0);
    expect([...server.hits.keys()]).toEqual([TRACKER]);
    out = JSON.parse(second.stdout) as Output;
    expect(feedNote(out)).toHaveLength(1);
    const m2 = manifest(dataDir);
    expect(m2.missingSources?.[0]?.since).toBe(m1.missingSources?.[0]?.since);
    expect(m2.missingSources![0]!.triedAt >= m1.missingSources![0]!.triedAt).toBe(true);

    // --offline: nothing downloaded, still said (in the table: a summary line and the result).
    server.hits.clear();
    const offline = await inspector(['assess', '--root', root, '--offline', '--data-dir', dataDir], env);
    expect(offline.code).toBe(0);
    expect(server.hits.size).toBe(0);
    expect(offline.stdout).toMatch(
      /Feed incomplete: debian-security-tracker missing \(--offline: not retried\)/,
    );
    expect(offline.stdout).toMatch(/cve\.feed-sources: the compiled feed lacks a source/);

    // The tracker answers again: the next run downloads it, the findings get its urgencies, the note goes.
    server.reset();
    server.hits.clear();
    const third = await inspector(args, env);
    expect(third.code).toBe(0);
    expect([...server.hits.keys()]).toEqual([TRACKER]);
    out = JSON.parse(third.stdout) as Output;
    expect(feedNote(out)).toEqual([]);
    expect(out.findings.some((f) => f.vulnerability?.severitySource?.startsWith('debian-tracker'))).toBe(
      true,
    );
    const m3 = manifest(dataDir);
    expect(m3.missingSources).toBeUndefined();
    expect(m3.debianUrgency).toBeDefined();

    // And then nothing is downloaded any more.
    server.hits.clear();
    const fourth = await inspector(['assess', '--root', root, '--data-dir', dataDir], env);
    expect(fourth.code).toBe(0);
    expect(server.hits.size).toBe(0);
    expect(fourth.stdout).not.toMatch(/Feed incomplete|feed-sources/);
  });
});
