/**
 * Reports, run-to-run diff and fix plan on real assessments: the real bin assesses a Debian 12 fixture root
 * (dpkg status, sshd_config) with a feed of test records (CVE-2099-*), the root is changed, and assessed again:
 * bash upgraded to its fixed version (its CVE is RESOLVED), sshd's PermitRootLogin fixed (RESOLVED), tar
 * installed at a vulnerable version (NEW), openssl untouched (PERSISTING). Then `findings --diff`, `fix-plan`
 * and `report --format pdf|html` are checked against those known changes, the PDF with poppler.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianOsv, stanza } from '../../helpers/debian-records';
import { cleanupRoots, makeRoot } from '../../helpers/fixture-root';
import { runInspector } from '../../helpers/inspector-cli';
import { sbpFailingRoot } from '../../helpers/sbp-roots';

let dataDir: string;
let feed: string;
let root: string;
const tmpDirs: string[] = [];
const inspector = (args: string[]) => runInspector([...args, '--data-dir', dataDir]);

const RECORDS = [
  debianOsv('DEBIAN-CVE-2099-0001', 'bash', [{ introduced: '0' }, { fixed: '5.2.15-2+deb12u1' }]),
  debianOsv('DEBIAN-CVE-2099-0010', 'openssl', [{ introduced: '0' }, { fixed: '3.0.20-1~deb12u1' }]),
  debianOsv('DEBIAN-CVE-2099-0011', 'openssl', [{ introduced: '0' }, { fixed: '3.0.21-1~deb12u1' }]),
  debianOsv('DEBIAN-CVE-2099-0020', 'tar', [{ introduced: '0' }, { fixed: '1.34+dfsg-1.2+deb12u2' }]),
  debianOsv('DEBIAN-CVE-2099-0030', 'glibc', [{ introduced: '0' }, { fixed: '2.36-9+deb12u14' }]),
  // No fix yet: stays open in the fix plan.
  debianOsv('DEBIAN-CVE-2099-0040', 'perl', [{ introduced: '0' }]),
];

const BASE_PACKAGES = [
  stanza('libssl3', '3.0.19-1~deb12u2', 'openssl'),
  stanza('openssl', '3.0.19-1~deb12u2'),
  stanza('libc6', '2.36-9+deb12u13', 'glibc'),
  stanza('perl-base', '5.36.0-7+deb12u4', 'perl'),
];

function dpkgStatus(extra: string[]): string {
  return `${[...BASE_PACKAGES, ...extra].join('\n\n')}\n`;
}

interface Change {
  status: string;
  id: string;
  ruleId: string;
  title: string;
}

async function assess(): Promise<string> {
  const r = await inspector([
    'assess',
    '--root',
    root,
    '--rules-packages',
    'cve,security-best-practices',
    '--feed',
    feed,
    '--format',
    'json',
  ]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { run: { runId: string } }).run.runId;
}

let run1: string;
let run2: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'inspector-data-'));
  feed = mkdtempSync(path.join(os.tmpdir(), 'inspector-feed-'));
  tmpDirs.push(dataDir, feed);
  mkdirSync(feed, { recursive: true });
  writeFileSync(path.join(feed, 'test-records.jsonl'), `${RECORDS.join('\n')}\n`);
  const spec = sbpFailingRoot();
  root = makeRoot({
    ...spec,
    files: {
      ...spec.files,
      '/etc/machine-id': '0123456789abcdef0123456789abcdef\n',
      '/var/lib/dpkg/status': dpkgStatus([stanza('bash', '5.2.15-2+b8', 'bash (5.2.15-2)')]),
    },
  });
  run1 = await assess();
  // Between the runs: bash upgraded to the fixed version, root login over SSH turned off, tar installed.
  writeFileSync(
    path.join(root, 'var/lib/dpkg/status'),
    dpkgStatus([stanza('bash', '5.2.15-2+deb12u1'), stanza('tar', '1.34+dfsg-1.2+deb12u1')]),
  );
  const sshd = path.join(root, 'etc/ssh/sshd_config');
  writeFileSync(sshd, readFileSync(sshd, 'utf8').replace('PermitRootLogin yes', 'PermitRootLogin no'));
  run2 = await assess();
}, 120_000);

afterAll(() => {
  cleanupRoots();
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

describe('inspector findings --diff', () => {
  it('marks the first run of a root all NEW, with no baseline', async () => {
    const r = await inspector(['findings', '--run', run1, '--diff', '--format', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { baseRunId: string | null; changes: Change[] };
    expect(out.baseRunId).toBeNull();
    expect(out.changes.length).toBeGreaterThan(0);
    expect(new Set(out.changes.map((c) => c.status))).toEqual(new Set(['NEW']));
  });

  it('gives NEW, PERSISTING and RESOLVED against the previous run of the same root', async () => {
    const r = await inspector(['findings', '--run', run2, '--diff', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      baseRunId: string;
      counts: { NEW: number; PERSISTING: number; RESOLVED: number; NOT_REASSESSED: number };
      changes: Change[];
    };
    expect(out.baseRunId).toBe(run1);
    const by = (status: string) =>
      out.changes
        .filter((c) => c.status === status)
        .map((c) => c.ruleId)
        .sort();
    expect(by('NEW')).toEqual(['cve.CVE-2099-0020']);
    expect(by('RESOLVED')).toEqual(['cve.CVE-2099-0001', 'sbp.ssh-root-login']);
    expect(by('PERSISTING')).toEqual(
      expect.arrayContaining(['cve.CVE-2099-0010', 'cve.CVE-2099-0011', 'cve.CVE-2099-0030']),
    );
    expect(by('PERSISTING')).not.toContain('sbp.ssh-root-login');
    expect(out.counts.NOT_REASSESSED).toBe(0);
    expect(out.counts.NEW + out.counts.PERSISTING).toBe(
      out.changes.filter((c) => c.status === 'NEW' || c.status === 'PERSISTING').length,
    );
  });

  it('prints the changes as a table', async () => {
    const r = await inspector(['findings', '--run', run2, '--diff']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Changes since ${run1} .*: 1 new, \\d+ persisting, 2 resolved`));
    expect(r.stdout).toMatch(/RESOLVED\s+Medium\s+sbp\.ssh-root-login/);
  });
});

describe('inspector fix-plan', () => {
  it('gives one upgrade per source package to the highest fixed version, and what stays open', async () => {
    const r = await inspector(['fix-plan', '--run', run2, '--format', 'json']);
    expect(r.code).toBe(0);
    const { plans } = JSON.parse(r.stdout) as {
      plans: Array<{
        manager: string;
        closable: number;
        upgrades: Array<{
          source: string;
          command: string;
          closes: Array<{ vulnerabilityId: string }>;
          reboot?: string;
        }>;
        open: Array<{ vulnerabilityId: string; reason: string }>;
        reboot: { needed: boolean };
      }>;
    };
    expect(plans).toHaveLength(1);
    const p = plans[0]!;
    expect(p.manager).toBe('apt');
    const bySource = Object.fromEntries(p.upgrades.map((u) => [u.source, u]));
    expect(Object.keys(bySource).sort()).toEqual(['glibc', 'openssl', 'tar']);
    // Two openssl CVEs, fixed in two versions: one upgrade to the higher one closes both.
    expect(bySource.openssl!.command).toBe(
      'apt-get install --only-upgrade libssl3=3.0.21-1~deb12u1 openssl=3.0.21-1~deb12u1',
    );
    expect(bySource.openssl!.closes.map((c) => c.vulnerabilityId).sort()).toEqual([
      'CVE-2099-0010',
      'CVE-2099-0011',
    ]);
    expect(bySource.tar!.command).toBe('apt-get install --only-upgrade tar=1.34+dfsg-1.2+deb12u2');
    expect(bySource.glibc!.reboot).toMatch(/C library/);
    expect(p.reboot.needed).toBe(true);
    expect(p.open.map((o) => o.vulnerabilityId)).toEqual(['CVE-2099-0040']);
    expect(p.open[0]!.reason).toBe('no fix yet');
  });

  it('refuses an instance the run did not assess', async () => {
    const r = await inspector(['fix-plan', '--run', run2, '--instance', 'i-nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/did not assess instance i-nope/);
  });
});

describe('inspector report', () => {
  it('writes a PDF whose text has every finding, the changes and the fix plan; fonts embedded', async () => {
    const out = path.join(dataDir, 'run2.pdf');
    const r = await inspector(['report', '--run', run2, '--format', 'pdf', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', out, '-'], { encoding: 'utf8' });
    const flat = text.replace(/\s+/g, ' ');
    const findings = JSON.parse(
      (await inspector(['findings', '--run', run2, '--format', 'json'])).stdout,
    ) as { findings: Array<{ title: string }> };
    for (const f of findings.findings) expect(flat).toContain(f.title.replace(/\s+/g, ' '));
    expect(flat).toContain(`Changes since ${run1}`);
    expect(flat).toContain('apt-get install --only-upgrade tar=1.34+dfsg-1.2+deb12u2');
    const fonts = execFileSync('pdffonts', [out], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    for (const line of fonts) expect(line).toMatch(/\s+yes\s+yes\s+yes\s+\d+\s+\d+$/);
  });

  it('writes HTML by default, with the changes section', async () => {
    const out = path.join(dataDir, 'run2.html');
    const r = await inspector(['report', '--run', run2, '--out', out]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(`Changes since ${run1}`);
    expect(html).toContain('data-change="RESOLVED"');
  });

  it('assess --report FILE.pdf writes a PDF whose changes are against the newest earlier run', async () => {
    const out = path.join(dataDir, 'run3.pdf');
    const r = await inspector([
      'assess',
      '--root',
      root,
      '--rules-packages',
      'cve,security-best-practices',
      '--feed',
      feed,
      '--report',
      out,
    ]);
    expect(r.code).toBe(0);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', out, '-'], { encoding: 'utf8' }).replace(
      /\s+/g,
      ' ',
    );
    expect(text).toContain(`Changes since ${run2}`);
    expect(text).toMatch(/New: 0 Persisting: \d+ Resolved: 0 Not reassessed: 0/);
  });
});
