/**
 * Start-up and memory of the `inspector` CLI, whole processes measured with GNU time (`/usr/bin/time -v`):
 * wall time, CPU (user + system) and peak RSS of `inspector --help`, `--version`, `assess` (the default
 * packages, and with cis), for the built CLI (dist/cli, as installed from the package) and for the sources run
 * through tsx (functions/cli/bin.mjs), `npm start` as the README has it, and `lynis audit system --quick` on the
 * same machine when lynis is installed. The cve package runs on a full-size compiled feed: 100,000 synthetic
 * Debian OSV records (the size of the real Debian export), the KEV catalogue and 330,000 EPSS scores, imported
 * once into a data directory under the OS temp dir (feedDataDir), and again renamed after this host's packages.
 * Median of N runs (default 3) per command. Figures are printed, never asserted.
 *
 * Run: npm run bench -- cli-startup   (or: npx tsx bench/cli-startup.ts [runs]; CLI_BENCH_ONLY=host-named for
 * only the commands whose label has that text)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  debianRecord,
  epssCsvGz,
  FULL_SIZE,
  kevJson,
  osvEntries,
  writeZipFile,
} from '../test/helpers/synthetic-feeds';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FEED_RECORDS = 100_000;
/** The synthetic source packages are src0 … src11999 (synthetic-feeds.ts): about 12,000 / 26 = the 462 of this host. */
const HOST_STRIDE = 26;

interface Figures {
  wallMs: number;
  cpuMs: number;
  rssMb: number;
  code: number;
  /** Findings of an `assess --format json` (its output parsed), else undefined. */
  findings?: number;
}

function timeV(cmd: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Figures {
  const r = spawnSync('/usr/bin/time', ['-v', ...cmd], {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const err = r.stderr;
  const num = (re: RegExp) => Number(re.exec(err)?.[1] ?? Number.NaN);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(err);
  const wallMs = wall
    ? (Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3])) * 1000
    : Number.NaN;
  let findings: number | undefined;
  try {
    const out = JSON.parse(r.stdout) as { findings?: unknown[] };
    findings = out.findings?.length;
  } catch {
    // not an assessment's JSON
  }
  return {
    ...(findings !== undefined ? { findings } : {}),
    wallMs,
    cpuMs: (num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/)) * 1000,
    rssMb: num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024,
    code: num(/Exit status: (\d+)/),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CLI_BENCH_ONLY=TEXT: only the commands whose label contains TEXT (e.g. `host-named`, `lynis`). */
const ONLY = process.env.CLI_BENCH_ONLY;

function measure(label: string, cmd: string[], env: NodeJS.ProcessEnv, runs: number): void {
  if (ONLY && !label.includes(ONLY)) return;
  const all = Array.from({ length: runs }, () => timeV(cmd, env));
  const failed = all.find((f) => f.code !== 0);
  const fig = (k: Exclude<keyof Figures, 'findings'>) => median(all.map((f) => f[k]));
  const findings = all[0]?.findings;
  console.log(
    `${label.padEnd(44)} ${`${fig('wallMs').toFixed(0)} ms`.padStart(9)} ${`${fig('cpuMs').toFixed(0)} ms`.padStart(9)} ${`${fig('rssMb').toFixed(1)} MiB`.padStart(10)}${findings !== undefined ? `  ${findings} findings` : ''}${failed ? `  (exit ${failed.code})` : ''}`,
  );
  console.log(`  ${cmd.map((c) => (c.includes(' ') ? JSON.stringify(c) : c)).join(' ')}`);
}

/**
 * A data directory with a full-size compiled feed, made once (under the OS temp dir) and reused: FEED_RECORDS
 * synthetic Debian OSV records (every Debian release), the CISA KEV catalogue and the EPSS scores at their
 * FULL_SIZE counts, imported by the built CLI as a user would. `hostNames`: the synthetic source packages
 * src0, src1, ... renamed after this host's installed source packages (dpkg), so the cve package really looks
 * up, decodes and matches the advisories of the host's packages (src0 carries the most advisories, as linux
 * does); without it no synthetic name is installed and only the index's opening is measured.
 */
function feedDataDir(hostNames: boolean): string {
  const dir = path.join(
    os.tmpdir(),
    `inspector-bench-cli-feed-v2-${hostNames ? `host${HOST_STRIDE}-` : ''}${FEED_RECORDS}`,
  );
  if (existsSync(path.join(dir, 'feeds', 'manifest.json'))) return dir;
  const work = mkdtempSync(path.join(os.tmpdir(), 'inspector-bench-cli-'));
  const zip = path.join(work, 'debian-all.zip');
  const names = hostNames ? hostSourcePackages() : [];
  const rename = (e: { name: string; data: Buffer }) => {
    if (names.length === 0) return e;
    const rec = JSON.parse(e.data.toString('utf8')) as {
      affected: Array<{ package: { name: string; purl?: string } }>;
    };
    for (const a of rec.affected) {
      // Every HOST_STRIDE-th synthetic package: the host's packages get the feed's spread of advisory counts
      // (src0, the one with the most, as linux has; then ordinary ones), not only the heaviest ones.
      const i = Number(a.package.name.slice(3));
      const n = i % HOST_STRIDE === 0 ? names[i / HOST_STRIDE] : undefined;
      if (n) a.package = { ...a.package, name: n, purl: `pkg:deb/debian/${n}?arch=source` };
    }
    return { name: e.name, data: Buffer.from(JSON.stringify(rec)) };
  };
  writeZipFile(
    zip,
    (function* () {
      for (const e of osvEntries(debianRecord, FEED_RECORDS, 15)) yield rename(e);
    })(),
  );
  writeFileSync(path.join(work, 'known_exploited_vulnerabilities.json'), kevJson(FULL_SIZE.kev.entries));
  writeFileSync(path.join(work, 'epss_scores-current.csv.gz'), epssCsvGz(FULL_SIZE.epss.rows, 7).gz);
  mkdirSync(dir, { recursive: true });
  for (const f of ['debian-all.zip', 'known_exploited_vulnerabilities.json', 'epss_scores-current.csv.gz'])
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'dist/cli/inspector.mjs'), 'feeds', 'import', path.join(work, f), '--data-dir', dir],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  rmSync(work, { recursive: true, force: true });
  return dir;
}

/** This host's installed source package names (dpkg), sorted; empty without dpkg. */
function hostSourcePackages(): string[] {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
  const r = spawnSync('dpkg-query', ['-W', '-f', '${source:Package}\\n'], { encoding: 'utf8' });
  return r.status === 0 ? [...new Set(r.stdout.split('\n').filter(Boolean))].sort() : [];
}

function tarballBytes(): { packed: number; unpacked: number; files: number } {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const j = (JSON.parse(out) as Array<{ size: number; unpackedSize: number; entryCount: number }>)[0]!;
  return { packed: j.size, unpacked: j.unpackedSize, files: j.entryCount };
}

export async function cliStartupBench(runs = 3): Promise<void> {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-cli.ts', '--quiet'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const data = feedDataDir(false);
  const env = {
    ...process.env,
    INSPECTOR_DATA_DIR: data,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const built = path.join(ROOT, 'dist/cli/inspector.mjs');
  const tsx = [process.execPath, path.join(ROOT, 'functions/cli/bin.mjs')];
  const t = tarballBytes();
  console.log(
    `inspector CLI start-up and memory (${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}; median of ${runs}; feed: ${FEED_RECORDS} synthetic Debian records, ${FULL_SIZE.kev.entries} KEV entries, ${FULL_SIZE.epss.rows} EPSS scores)`,
  );
  console.log(
    `package: ${(t.packed / 1024).toFixed(0)} KiB packed, ${(t.unpacked / 1024 / 1024).toFixed(1)} MiB unpacked, ${t.files} files; dist/cli/inspector.mjs ${(statSync(built).size / 1024).toFixed(0)} KiB`,
  );
  console.log(
    `${'command'.padEnd(44)} ${'wall'.padStart(9)} ${'cpu'.padStart(9)} ${'peak RSS'.padStart(10)}`,
  );
  const assess = ['assess', '--offline', '--format', 'json'];
  const cases: Array<[string, string[]]> = [
    ['built: inspector --help', [built, '--help']],
    ['built: inspector --version', [built, '--version']],
    ['built: inspector assess', [built, ...assess]],
    ['built: inspector assess (default,cis)', [built, ...assess, '--rules-packages', 'default,cis']],
    ['tsx: inspector --help', [...tsx, '--help']],
    ['tsx: inspector --version', [...tsx, '--version']],
    ['tsx: inspector assess', [...tsx, ...assess]],
    ['tsx: inspector assess (default,cis)', [...tsx, ...assess, '--rules-packages', 'default,cis']],
    [
      'npm start (build up to date; default,cis)',
      ['npm', 'start', '--silent', '--', '--offline', '--format', 'json'],
    ],
  ];
  for (const [label, cmd] of cases) measure(label, cmd, env, runs);
  // The feed renamed after this host's packages: lookups, decoding and matching of real package names.
  const hostFeed = { ...env, INSPECTOR_DATA_DIR: feedDataDir(true) };
  measure('built: inspector assess, host-named feed', [built, ...assess], hostFeed, runs);
  measure(
    'built: … (default,cis), host-named feed',
    [built, ...assess, '--rules-packages', 'default,cis'],
    hostFeed,
    runs,
  );
  // The same without a feed in the data directory: cve is left out (--offline), so the rest is visible.
  const empty = mkdtempSync(path.join(os.tmpdir(), 'inspector-bench-cli-nofeed-'));
  const noFeed = { ...env, INSPECTOR_DATA_DIR: empty };
  measure('built: inspector assess, no feed (no cve)', [built, ...assess], noFeed, runs);
  measure(
    'built: … (default,cis), no feed (no cve)',
    [built, ...assess, '--rules-packages', 'default,cis'],
    noFeed,
    runs,
  );
  measure('built: … no feed, node default heap flags', [process.execPath, built, ...assess], noFeed, runs);
  rmSync(empty, { recursive: true, force: true });
  if (ONLY && !'lynis'.includes(ONLY)) {
    // left out by CLI_BENCH_ONLY
  } else if (spawnSync('lynis', ['--version']).status === 0) {
    const logs = mkdtempSync(path.join(os.tmpdir(), 'inspector-bench-lynis-'));
    measure(
      'lynis audit system --quick',
      [
        'lynis',
        'audit',
        'system',
        '--quick',
        '--no-colors',
        '--logfile',
        path.join(logs, 'lynis.log'),
        '--report-file',
        path.join(logs, 'report.dat'),
      ],
      env,
      1,
    );
    rmSync(logs, { recursive: true, force: true });
  } else console.log('lynis: not installed (apt-get install lynis) — not measured');
  console.log('  reproduce: npx tsx bench/cli-startup.ts [runs]');
}

if (process.argv[1] && import.meta.url === `file://${path.resolve(process.argv[1])}`) {
  await cliStartupBench(Number(process.argv[2] ?? 3));
}
