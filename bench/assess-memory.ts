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
 * run store's assessment.json and the HTML report are all written), and once `--format table`. Prints the peak
 * RSS per finding count and the slope (least squares, KB per finding). Figures are printed, never asserted.
 *
 * Run: npx tsx bench/assess-memory.ts [runs]   (or npm run bench -- assess-memory; ASSESS_BENCH_SIZES=0,1000,4000
 * for other finding counts, multiples of PER_SOURCE up to SOURCES × PER_SOURCE; ASSESS_BENCH_KEEP=1 keeps the data
 * dir, key and telemetry files to run the printed command by hand)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Telemetry } from '../functions/core/telemetry';
import { encryptTelemetry, rawAesKeyring, TELEMETRY_SCHEMA_VERSION } from '../functions/core/telemetry';
import { CveScoreCollector, type CvssVersion, scoreRank } from '../functions/feeds/cve-scores';
import { DebianUrgencyBuilder } from '../functions/feeds/debian-urgency';
import type { Advisory, ReleaseKey } from '../functions/feeds/model';
import { feedsDir, writeBundle } from '../functions/feeds/store';
import { seededRandom } from '../test/helpers/seeded-random';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILT = path.join(ROOT, 'dist/cli/inspector.mjs');
const SOURCES = 800;
const PER_SOURCE = 10;
const CVE_SCORES = 250_000;
const KEY: ReleaseKey = { family: 'debian', release: '12' };
const DEFAULT_SIZES = [0, 500, 1000, 2000, 4000, 8000];

const rng = (seed: number): (() => number) => seededRandom(seed).next;
const src = (i: number) => `bench-src${i}`;
const installed = (i: number) => `${1 + (i % 7)}.${i % 13}.${i % 5}-${1 + (i % 3)}+deb12u1`;
const cveOf = (i: number, k: number) => `CVE-${2015 + (k % 11)}-${100000 + i * PER_SOURCE + k}`;

const WORDS = (
  'a flaw was found in the handling of crafted input that could allow a remote attacker to cause a denial ' +
  'of service or possibly execute arbitrary code via a buffer overflow in the parser when processing ' +
  'malformed packets certificates headers archives images fonts or configuration files'
).split(' ');

function advisories(): Advisory[] {
  const r = rng(15);
  const out: Advisory[] = [];
  for (let i = 0; i < SOURCES; i++)
    for (let k = 0; k < PER_SOURCE; k++) {
      const cve = cveOf(i, k);
      const words = 60 + Math.floor(r() * 100);
      const adv: Advisory = {
        id: `DEBIAN-${cve}`,
        key: KEY,
        cves: [cve],
        severity: ['low', 'medium', 'high', 'unimportant'][(i + k) % 4]!,
        summary: Array.from({ length: words }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' '),
        references: [
          `https://security-tracker.debian.org/tracker/${cve}`,
          `https://www.cve.org/CVERecord?id=${cve}`,
          `https://bugs.debian.org/${1000000 + i * PER_SOURCE + k}`,
        ],
        packages: [
          {
            name: src(i),
            ranges: [
              [
                { kind: 'introduced', version: '0' },
                { kind: 'fixed', version: installed(i).replace(/u1$/, `u${2 + k}`) },
              ],
            ],
            versions: [],
            arches: [],
            wontFix: false,
          },
        ],
      };
      if (k % 3 === 0)
        adv.cvss = { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 };
      out.push(adv);
    }
  return out;
}

/** CVE_SCORES NVD-like scores (bench/cve-severity.ts's mix), the benchmark's own CVEs among them. */
function cveScores(): CveScoreCollector {
  const r = rng(11);
  const c = new CveScoreCollector();
  const pick = (xs: string[]) => xs[Math.floor(r() * xs.length)]!;
  const CIA = ['H', 'L', 'N'];
  for (let n = 0; n < CVE_SCORES; n++) {
    const cve =
      n < SOURCES * PER_SOURCE
        ? cveOf(Math.floor(n / PER_SOURCE), n % PER_SOURCE)
        : `CVE-${1999 + (n % 27)}-${300000 + n}`;
    const version: CvssVersion = r() < 0.85 ? '3.1' : '2.0';
    const vector =
      version === '3.1'
        ? `CVSS:3.1/AV:${pick(['N', 'A', 'L', 'P'])}/AC:${pick(['L', 'H'])}/PR:${pick(['N', 'L', 'H'])}/UI:${pick(['N', 'R'])}/S:${pick(['U', 'C'])}/C:${pick(CIA)}/I:${pick(CIA)}/A:${pick(CIA)}`
        : `AV:${pick(['N', 'A', 'L'])}/AC:${pick(['L', 'M', 'H'])}/Au:N/C:${pick(['N', 'P', 'C'])}/I:${pick(['N', 'P', 'C'])}/A:${pick(['N', 'P', 'C'])}`;
    c.add(cve, {
      version,
      vector,
      score: Math.round(r() * 100) / 10,
      by: 'NVD',
      rank: scoreRank('nvd', version),
    });
  }
  return c;
}

/** Debian tracker urgencies for the benchmark's (package, CVE) pairs and ~160,000 others, in 5 releases. */
function urgencies(): DebianUrgencyBuilder {
  const b = new DebianUrgencyBuilder();
  const r = rng(7);
  const levels = ['unimportant', 'low', 'medium', 'high', 'low**', 'medium**'] as const;
  for (const rel of ['11', '12', '13', '14']) {
    for (let i = 0; i < SOURCES; i++)
      for (let k = 0; k < PER_SOURCE; k++) b.add(rel, src(i), cveOf(i, k), levels[(i + k) % levels.length]!);
    for (let n = 0; n < 32_000; n++)
      b.add(rel, `other${Math.floor(r() * 4500)}`, `CVE-${2005 + (n % 20)}-${200000 + n}`, levels[n % 6]!);
  }
  return b;
}

function telemetryDoc(sources: number): Telemetry {
  const stanzas: string[] = [];
  for (let i = 0; i < sources; i++)
    for (const bin of [`lib${src(i)}`, `${src(i)}-utils`])
      stanzas.push(
        [
          `Package: ${bin}`,
          'Status: install ok installed',
          'Architecture: amd64',
          `Source: ${src(i)}`,
          `Version: ${installed(i)}`,
          'Description: synthetic',
        ].join('\n'),
      );
  stanzas.push(
    ['Package: base-files', 'Status: install ok installed', 'Architecture: amd64', 'Version: 12.4'].join('\n'),
  );
  const file = (content: string) => ({
    status: 'ok' as const,
    encoding: 'utf8' as const,
    content,
    size: content.length,
    mode: 0o644,
    uid: 0,
    gid: 0,
  });
  const now = new Date().toISOString();
  return {
    schemaVersion: TELEMETRY_SCHEMA_VERSION,
    agent: { name: 'bench', version: '0' },
    runId: 'bench-assess',
    instanceId: `i-bench-${sources}`,
    root: '/',
    collection: { startedAt: now, finishedAt: now, durationSeconds: 0 },
    host: { kernelName: 'Linux', kernelNameSource: 'proc', arch: 'x86_64', archSource: 'proc' },
    files: {
      '/etc/os-release': file('ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'),
      '/var/lib/dpkg/status': file(`${stanzas.join('\n\n')}\n`),
    },
    paths: {},
    commands: {},
    kernelParameters: {
      status: 'ok',
      values: { 'kernel.osrelease': '6.1.0-28-amd64', 'kernel.ostype': 'Linux' },
      unreadable: {},
    },
    samples: [],
    warnings: [],
  };
}

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
      env: { ...process.env, INSPECTOR_DATA_DIR: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
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
function fit(points: Array<[number, number]>): { slope: number; intercept: number } {
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
    await writeBundle(data, {
      read: { advisories: advisories(), errors: [], skipped: {}, records: SOURCES * PER_SOURCE },
      cvss: cveScores(),
      debianTracker: urgencies(),
    });
    const size = (f: string) => `${(statSync(path.join(feedsDir(data), f)).size / 1024 / 1024).toFixed(1)} MB`;
    const key = randomBytes(32);
    const keyFile = path.join(work, 'telemetry.key');
    writeFileSync(keyFile, key, { mode: 0o600 });
    const keyring = rawAesKeyring(key);
    console.log(
      `inspector assess: peak RSS against findings (${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}; median of ${runs}; built CLI; feed: ${SOURCES * PER_SOURCE} Debian 12 advisories, debian-12 index ${size('debian-12.idx')}, cve-scores.json ${size('cve-scores.json')} (${CVE_SCORES} CVEs), debian-urgency.json ${size('debian-urgency.json')})`,
    );
    console.log(
      `${'findings'.padStart(8)} ${'format'.padEnd(6)} ${'peak RSS'.padStart(10)} ${'wall'.padStart(8)} ${'cpu'.padStart(8)}  outputs (stdout / assessment.json / report.html)`,
    );
    const points: Array<[number, number]> = [];
    let command = '';
    for (const n of sizes) {
      const telemetry = path.join(work, `host-${n}.telemetry`);
      writeFileSync(telemetry, await encryptTelemetry(telemetryDoc(n / PER_SOURCE), keyring));
      for (const format of n === sizes[sizes.length - 1] ? ['json', 'table'] : ['json']) {
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
          const f = timeV(cmd, stdout);
          all.push(f);
          if (f.code !== 0) {
            console.log(`  exit ${f.code}: ${f.stderr}`);
            continue;
          }
          const runsDir = path.join(data, 'runs');
          const runDir = path.join(runsDir, (execFileSync('ls', [runsDir], { encoding: 'utf8' }).trim()));
          const kb = (p: string) => `${(statSync(p).size / 1024 / 1024).toFixed(1)}`;
          files = `${kb(stdout)} / ${kb(path.join(runDir, 'assessment.json'))} / ${kb(path.join(runDir, 'report.html'))} MB`;
          found = (
            JSON.parse(readFileSync(path.join(runDir, 'assessment.json'), 'utf8')) as { findings: unknown[] }
          ).findings.length;
        }
        const rss = median(all.map((f) => f.rssMb));
        if (format === 'json' && Number.isFinite(found)) points.push([found, rss]);
        console.log(
          `${String(found).padStart(8)} ${format.padEnd(6)} ${`${rss.toFixed(1)} MiB`.padStart(10)} ${`${median(all.map((f) => f.wallMs)).toFixed(0)} ms`.padStart(8)} ${`${median(all.map((f) => f.cpuMs)).toFixed(0)} ms`.padStart(8)}  ${files}`,
        );
      }
    }
    if (points.length >= 2) {
      const { slope, intercept } = fit(points);
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
