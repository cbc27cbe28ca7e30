/**
 * Peak RSS of `inspector assess` against the number of findings (issue 15, item 3: under 120 MB peak RSS).
 * Whole processes measured with GNU time (`/usr/bin/time -v`, "Maximum resident set size") of the built CLI
 * (dist/cli/inspector.mjs, as installed), evaluating telemetry given with `--telemetry FILE --key-file KEY`
 * (what the standalone agent writes) so that only the evaluation and the outputs are measured, not a
 * collection. Reproducible input, made here and deterministic:
 * - a compiled Debian 12 feed (writeBundle, as `feeds import` writes it) of SOURCES synthetic source packages,
 *   PER_SOURCE advisories each (a summary of ~100 words, 3 references, a CVSS vector on a third), every one
 *   fixed in a version later than the installed one; with the Debian tracker's urgencies and 250,000 CVSS
 *   scores (debian-urgency.json, cve-scores.json) of the sizes bench/cve-severity.ts estimates;
 * - a telemetry document (Debian 12, dpkg status) whose first k source packages are installed (two binary
 *   packages each), encrypted with a raw AES key: k × PER_SOURCE findings.
 * For each k: `assess --rules-packages cve --offline --format json` (stdout to a file: the JSON it prints, the
 * run store's assessment.json and the HTML report are all written); at the largest k also `--format table`, and
 * a second run of the same host (its report's changes: a diff against the first run's findings). Prints the peak
 * RSS per finding count and the slope (least squares, KB per finding). Figures are printed, never asserted.
 *
 * Run: npx tsx bench/assess-memory.ts [runs]   (or npm run bench -- assess-memory; ASSESS_BENCH_SIZES=0,1000,4000
 * for other finding counts, multiples of PER_SOURCE up to SOURCES × PER_SOURCE; ASSESS_BENCH_KEEP=1 keeps the data
 * dir, key and telemetry files to run the printed command by hand)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encryptTelemetry, rawAesKeyring } from '../functions/core/telemetry';
import { feedsDir } from '../functions/feeds/store';
import {
  CVE_SCORES,
  PER_SOURCE,
  SOURCES,
  telemetryDoc,
  writeManyFindingsFeed,
} from '../test/helpers/many-findings';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILT = path.join(ROOT, 'dist/cli/inspector.mjs');
const DEFAULT_SIZES = [0, 500, 1000, 2000, 4000, 8000];

interface Figures {
  rssMb: number;
  wallMs: number;
  cpuMs: number;
  code: number;
  stderr: string;
}

function timeV(cmd: string[], stdoutFile: string): Figures {
  const out = openSync(stdoutFile, 'w');
  try {
    const r = spawnSync('/usr/bin/time', ['-v', ...cmd], {
      env: {
        ...process.env,
        INSPECTOR_DATA_DIR: '',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', out, 'pipe'],
      encoding: 'utf8',
    });
    const err = r.stderr;
    const num = (re: RegExp) => Number(re.exec(err)?.[1] ?? Number.NaN);
    const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(err);
    return {
      rssMb: num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024,
      wallMs: wall
        ? (Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3])) * 1000
        : Number.NaN,
      cpuMs: (num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/)) * 1000,
      code: num(/Exit status: (\d+)/),
      stderr: err.split('\n\tCommand being timed')[0]!.trim(),
    };
  } finally {
    closeSync(out);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Least-squares slope and intercept of y over x. */
function leastSquares(points: Array<[number, number]>): { slope: number; intercept: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

export async function assessMemoryBench(runs = 1): Promise<void> {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-cli.ts', '--if-stale', '--quiet'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const sizes = (process.env.ASSESS_BENCH_SIZES?.split(',').map(Number) ?? DEFAULT_SIZES).filter(
    (n) => n % PER_SOURCE === 0 && n <= SOURCES * PER_SOURCE,
  );
  const work = mkdtempSync(path.join(os.tmpdir(), 'inspector-bench-assess-'));
  try {
    const data = path.join(work, 'data');
    await writeManyFindingsFeed(data);
    const size = (f: string) =>
      `${(statSync(path.join(feedsDir(data), f)).size / 1024 / 1024).toFixed(1)} MB`;
    const key = randomBytes(32);
    const keyFile = path.join(work, 'telemetry.key');
    writeFileSync(keyFile, key, { mode: 0o600 });
    const keyring = rawAesKeyring(key);
    console.log(
      `inspector assess: peak RSS against findings (${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}; median of ${runs}; built CLI; feed: ${SOURCES * PER_SOURCE} Debian 12 advisories, debian-12 index ${size('debian-12.idx')}, cve-scores.json ${size('cve-scores.json')} (${CVE_SCORES} CVEs), debian-urgency.json ${size('debian-urgency.json')})`,
    );
    console.log(
      `${'findings'.padStart(8)} ${'format'.padEnd(13)} ${'peak RSS'.padStart(10)} ${'wall'.padStart(8)} ${'cpu'.padStart(8)}  outputs (stdout / assessment.json / report.html)`,
    );
    const points: Array<[number, number]> = [];
    let command = '';
    for (const n of sizes) {
      const telemetry = path.join(work, `host-${n}.telemetry`);
      writeFileSync(telemetry, await encryptTelemetry(telemetryDoc(n / PER_SOURCE), keyring));
      // At the largest size also: --format table, and a second run (its report diffs against the first).
      for (const label of n === sizes[sizes.length - 1] ? ['json', 'table', 'json, 2nd run'] : ['json']) {
        const format = label.startsWith('json') ? 'json' : 'table';
        const again = label.includes('2nd');
        const cmd = [
          BUILT,
          'assess',
          '--telemetry',
          telemetry,
          '--key-file',
          keyFile,
          '--rules-packages',
          'cve',
          '--offline',
          '--format',
          format,
          '--data-dir',
          data,
        ];
        command ||= cmd.map((c) => (c.startsWith(work) ? c.replace(work, '$WORK') : c)).join(' ');
        const stdout = path.join(work, 'stdout');
        const all: Figures[] = [];
        let found = Number.NaN;
        let files = '';
        for (let i = 0; i < runs; i++) {
          rmSync(path.join(data, 'runs'), { recursive: true, force: true });
          if (again) timeV(cmd, stdout);
          const f = timeV(cmd, stdout);
          all.push(f);
          if (f.code !== 0) {
            console.log(`  exit ${f.code}: ${f.stderr}`);
            continue;
          }
          const runsDir = path.join(data, 'runs');
          const runDir = path.join(runsDir, readdirSync(runsDir).sort().at(-1)!);
          const kb = (p: string) => `${(statSync(p).size / 1024 / 1024).toFixed(1)}`;
          files = `${kb(stdout)} / ${kb(path.join(runDir, 'assessment.json'))} / ${kb(path.join(runDir, 'report.html'))} MB`;
          found = (
            JSON.parse(readFileSync(path.join(runDir, 'assessment.json'), 'utf8')) as { findings: unknown[] }
          ).findings.length;
        }
        const rss = median(all.map((f) => f.rssMb));
        if (label === 'json' && Number.isFinite(found)) points.push([found, rss]);
        console.log(
          `${String(found).padStart(8)} ${label.padEnd(13)} ${`${rss.toFixed(1)} MiB`.padStart(10)} ${`${median(all.map((f) => f.wallMs)).toFixed(0)} ms`.padStart(8)} ${`${median(all.map((f) => f.cpuMs)).toFixed(0)} ms`.padStart(8)}  ${files}`,
        );
      }
    }
    if (points.length >= 2) {
      const { slope, intercept } = leastSquares(points);
      console.log(
        `slope (--format json, least squares over ${points.length} sizes): ${(slope * 1024).toFixed(1)} KB of peak RSS per finding; intercept ${intercept.toFixed(1)} MiB`,
      );
    }
    console.log(`  command: ${command}`);
    console.log('  reproduce: npx tsx bench/assess-memory.ts [runs]');
  } finally {
    if (process.env.ASSESS_BENCH_KEEP) console.log(`  kept (ASSESS_BENCH_KEEP): ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await assessMemoryBench(Number(process.argv[2] ?? 1));
}
