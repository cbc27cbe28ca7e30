/**
 * Start-up and memory of the `inspector` CLI, whole processes measured with GNU time (`/usr/bin/time -v`):
 * wall time, CPU (user + system) and peak RSS of `inspector --help`, `--version`, `assess` (the default
 * packages, and with cis), for the built CLI (dist/cli, as installed from the package) and for the sources run
 * through tsx (functions/cli/bin.mjs), `npm start` as the README has it, and `lynis audit system --quick` on the
 * same machine when lynis is installed. The cve package runs on a compiled feed of 100,000 synthetic Debian
 * OSV records (the size of the real Debian export; imported once into a data directory under the OS temp dir).
 * Median of N runs (default 3) per command. Figures are printed, never asserted.
 *
 * Run: npm run bench -- cli-startup   (or: npx tsx bench/cli-startup.ts [runs])
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { debianRecord, osvEntries, writeZipFile } from '../test/helpers/synthetic-feeds';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FEED_RECORDS = 100_000;

interface Figures {
  wallMs: number;
  cpuMs: number;
  rssMb: number;
  code: number;
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
  return {
    wallMs,
    cpuMs: (num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/)) * 1000,
    rssMb: num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024,
    code: num(/Exit status: (\d+)/),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function measure(label: string, cmd: string[], env: NodeJS.ProcessEnv, runs: number): void {
  const all = Array.from({ length: runs }, () => timeV(cmd, env));
  const failed = all.find((f) => f.code !== 0);
  const fig = (k: keyof Figures) => median(all.map((f) => f[k]));
  console.log(
    `${label.padEnd(44)} ${`${fig('wallMs').toFixed(0)} ms`.padStart(9)} ${`${fig('cpuMs').toFixed(0)} ms`.padStart(9)} ${`${fig('rssMb').toFixed(1)} MiB`.padStart(10)}${failed ? `  (exit ${failed.code})` : ''}`,
  );
  console.log(`  ${cmd.map((c) => (c.includes(' ') ? JSON.stringify(c) : c)).join(' ')}`);
}

/** A data directory with a compiled feed (FEED_RECORDS synthetic Debian records), made once and reused. */
function feedDataDir(): string {
  const dir = path.join(os.tmpdir(), `inspector-bench-cli-feed-${FEED_RECORDS}`);
  if (existsSync(path.join(dir, 'feeds', 'manifest.json'))) return dir;
  const work = mkdtempSync(path.join(os.tmpdir(), 'inspector-bench-cli-'));
  const zip = path.join(work, 'debian-all.zip');
  writeZipFile(zip, osvEntries(debianRecord, FEED_RECORDS, 15));
  mkdirSync(dir, { recursive: true });
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'dist/cli/inspector.mjs'), 'feeds', 'import', zip, '--data-dir', dir],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  rmSync(work, { recursive: true, force: true });
  return dir;
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
  const data = feedDataDir();
  const env = {
    ...process.env,
    INSPECTOR_DATA_DIR: data,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const built = path.join(ROOT, 'dist/cli/inspector.mjs');
  const tsx = [process.execPath, path.join(ROOT, 'functions/cli/bin.mjs')];
  const t = tarballBytes();
  console.log(
    `inspector CLI start-up and memory (${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}; median of ${runs}; feed: ${FEED_RECORDS} synthetic Debian records)`,
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
  if (spawnSync('lynis', ['--version']).status === 0) {
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
