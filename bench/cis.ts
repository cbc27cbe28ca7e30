/**
 * The cis package on this machine (issue 8), beside the tools people compare it with:
 * 1. agent collection of / as `assess` makes it when cis runs (file system walk on): wall, CPU (the agent's
 *    and GNU find's), peak RSS, document size, with the walk by GNU find (the default) and by the Node walk
 *    (a fresh Node process running the bundled collector; median of 3 each, with the load average);
 * 2. cis evaluation of one instance (this machine's telemetry, the benchmark os-release selects) at level 1
 *    and level 2 server: median of 50 and the first run, which loads the benchmark data (budget: 50 ms);
 * 3. `oscap-chroot ROOT xccdf eval` with the CIS Ubuntu 22.04 level 1 server profile (ssg-debderived 0.1.65)
 *    on this machine, and `lynis audit system --quick`: wall, CPU, peak RSS from `/usr/bin/time -v`;
 * 4. the whole `npm start` (default,cis), and the built CLI without cis: wall, CPU with children, peak RSS
 *    (budget: 2 s and 150 MB), median of 3, with the load average (the machine is shared: CPU is steadier).
 * Figures are printed with the command that reproduces each, never asserted.
 * Run: npx tsx bench/cis.ts [--skip-oscap] [--skip-lynis] [--skip-npm-start] [--only=agent,evaluate,oscap,lynis,npm-start]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { collectTelemetry } from '../agent/collect';
import { Facts } from '../functions/core/facts/facts';
import { parseTelemetry } from '../functions/core/telemetry';
import { cisPackage } from '../functions/rules/cis/index';
import { loadAverage } from './proc-cpu';

const REPO = path.resolve(import.meta.dirname, '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const skip = (flag: string) => process.argv.includes(flag);

interface Timed {
  wallS: number;
  cpuS: number;
  maxRssMB: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command under GNU time's `-v` and reads its wall clock, user+system time and maximum RSS. */
function timeV(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Timed {
  const r = spawnSync('/usr/bin/time', ['-v', ...argv], {
    encoding: 'utf8',
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? REPO,
    timeout: opts.timeoutMs ?? 900_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  const field = (name: string) => r.stderr.match(new RegExp(`${name}: (.+)`))?.[1]?.trim() ?? '';
  const clock = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)')
    .split(':')
    .map(Number)
    .reduce((a, x) => a * 60 + x, 0);
  return {
    wallS: clock,
    cpuS: Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)')),
    maxRssMB: Number(field('Maximum resident set size \\(kbytes\\)')) / 1024,
    exitCode: Number(field('Exit status') || r.status),
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

const fmt = (t: Timed) =>
  `${t.wallS.toFixed(1)} s wall, ${t.cpuS.toFixed(1)} s CPU, peak RSS ${t.maxRssMB.toFixed(0)} MB (exit ${t.exitCode})`;

interface AgentFigures {
  wallMs: number;
  cpuMs: number;
  childCpuMs: number;
  maxRssMB: number;
  documentBytes: number;
  files: number;
  paths: number;
  walkEngine: string | null;
  walkEntries: number | null;
  walkMs: number | null;
  walkComplete: boolean | null;
}

async function agentCollection(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'inspector-bench-cis-'));
  try {
    const outfile = path.join(dir, 'cis-agent-bench.cjs');
    await build({
      entryPoints: [path.join(import.meta.dirname, 'cis-agent-entry.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      outfile,
      logLevel: 'silent',
    });
    console.log(
      `## cis: agent collection of this machine with the file system walk (node ${process.version}, ${os.cpus().length} cores)`,
    );
    // The walk by GNU find (in its own process, beside the rest of the collection; the default where find is
    // GNU's) and by the Node walk (no GNU find on the host), in turns, 3 each.
    const samples: Record<'auto' | 'node', AgentFigures[]> = { auto: [], node: [] };
    const loads: string[] = [loadAverage()];
    for (let i = 0; i < 3; i++)
      for (const engine of ['auto', 'node'] as const)
        samples[engine].push(
          JSON.parse(
            execFileSync(process.execPath, [outfile, '/', engine], { encoding: 'utf8', maxBuffer: 1 << 26 }),
          ) as AgentFigures,
        );
    loads.push(loadAverage());
    for (const engine of ['auto', 'node'] as const) {
      const xs = samples[engine];
      const s = xs[0]!;
      const m = (f: (x: AgentFigures) => number) => median(xs.map(f)).toFixed(0);
      console.log(
        `  walk by ${s.walkEngine === 'gnu-find' ? 'GNU find (default)' : 'the Node walk'}: wall ${m((x) => x.wallMs)} ms, CPU ${m((x) => x.cpuMs + x.childCpuMs)} ms (agent ${m((x) => x.cpuMs)} + find ${m((x) => x.childCpuMs)}), peak RSS ${median(xs.map((x) => x.maxRssMB)).toFixed(1)} MB (agent; find ~9 MB); median of 3`,
      );
      console.log(
        `    document ${(s.documentBytes / 1024).toFixed(0)} KiB JSON (${s.files} files, ${s.paths} paths); walk ${s.walkEntries} entries in ${m((x) => x.walkMs ?? 0)} ms, complete: ${s.walkComplete}`,
      );
    }
    console.log(`  load average (1 min) before/after: ${loads.join(' / ')} on ${os.cpus().length} cores`);
    console.log('  reproduce: npx tsx bench/cis.ts --only=agent');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function evaluation(): Promise<void> {
  const doc = await collectTelemetry({ runId: 'bench', instanceId: 'bench', walk: { maxSeconds: 20 } });
  const facts = new Facts(parseTelemetry(doc));
  console.log('## cis: evaluation of one instance (this machine)');
  for (const profile of ['level1-server', 'level2-server'] as const) {
    const times: number[] = [];
    let results = 0;
    let benchmark = '';
    for (let i = 0; i < 51; i++) {
      const t0 = performance.now();
      const out = await cisPackage.evaluate(facts, { cis: { profile } });
      times.push(performance.now() - t0);
      results = out.length;
      benchmark = out[0]?.ruleId.split('.')[1] ?? '';
    }
    const counts = (await cisPackage.evaluate(facts, { cis: { profile } })).reduce<Record<string, number>>(
      (a, r) => {
        a[r.result] = (a[r.result] ?? 0) + 1;
        return a;
      },
      {},
    );
    console.log(
      `  ${profile}  ${median(times.slice(1)).toFixed(2)} ms median of 50 (first run, which loads the benchmark data: ${times[0]!.toFixed(1)} ms); ${benchmark}: ${results} controls ${JSON.stringify(counts)}; budget 50 ms`,
    );
  }
  console.log(
    `  process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (collection included)`,
  );
  console.log('  reproduce: npx tsx bench/cis.ts --only=evaluate');
}

/**
 * OpenSCAP on this machine. ssg-debderived has no Debian 12 data stream, so the Ubuntu 22.04 one is used
 * with its platform check pointed at Debian's os-release (a copy in a temporary directory: /etc/lsb-release
 * → /usr/lib/os-release, DISTRIB_ID=Ubuntu → ID=debian, DISTRIB_CODENAME=jammy →
 * VERSION_CODENAME=bookworm), so its rules run against this host instead of all being notapplicable. The
 * root is given as a link to / (oscap-chroot with / itself finds no file: its probes strip the root prefix).
 */
function oscap(): void {
  const ds = '/usr/share/xml/scap/ssg/content/ssg-ubuntu2204-ds.xml';
  if (spawnSync('sh', ['-c', 'command -v oscap-chroot']).status !== 0 || !existsSync(ds)) {
    console.log(
      '## OpenSCAP: not installed (apt-get install openscap-scanner openscap-utils ssg-debderived)',
    );
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'inspector-bench-oscap-'));
  try {
    const patched = path.join(dir, 'ssg-ubuntu2204-ds-on-debian12.xml');
    writeFileSync(
      patched,
      readFileSync(ds, 'utf8')
        .replaceAll('/etc/lsb-release', '/usr/lib/os-release')
        .replaceAll('^DISTRIB_ID=Ubuntu$', '^ID=debian$')
        .replaceAll('^DISTRIB_CODENAME=jammy$', '^VERSION_CODENAME=bookworm$'),
    );
    writeFileSync(path.join(dir, 'apt.conf'), `Dir::Etc::parts "${dir}/none";\n`);
    symlinkSync('/', path.join(dir, 'root'));
    const results = path.join(dir, 'results.xml');
    const argv = [
      'oscap-chroot',
      path.join(dir, 'root'),
      'xccdf',
      'eval',
      '--profile',
      'xccdf_org.ssgproject.content_profile_cis_level1_server',
      '--results',
      results,
      patched,
    ];
    const t = timeV(argv, { env: { ...process.env, APT_CONFIG: path.join(dir, 'apt.conf') } });
    // Rule results from the XCCDF results file (notselected ones left out).
    const counts: Record<string, number> = {};
    const xml = existsSync(results) ? readFileSync(results, 'utf8') : '';
    for (const m of xml.matchAll(/<rule-result\b[^>]*>\s*<result>(\w+)<\/result>/g))
      if (m[1] !== 'notselected') counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
    console.log('## OpenSCAP 1.3.7 on this machine (CIS Ubuntu 22.04 level 1 server, ssg-debderived 0.1.65)');
    console.log(`  oscap-chroot / xccdf eval  ${fmt(t)}; ${JSON.stringify(counts)}`);
    console.log(
      `  reproduce: sed -e 's#/etc/lsb-release#/usr/lib/os-release#g; s#\\^DISTRIB_ID=Ubuntu\\$#^ID=debian$#; s#\\^DISTRIB_CODENAME=jammy\\$#^VERSION_CODENAME=bookworm$#' ${ds} > /tmp/ds.xml; ln -s / /tmp/hostroot; mkdir /tmp/noparts; echo 'Dir::Etc::parts "/tmp/noparts";' > /tmp/apt.conf; APT_CONFIG=/tmp/apt.conf /usr/bin/time -v oscap-chroot /tmp/hostroot xccdf eval --profile xccdf_org.ssgproject.content_profile_cis_level1_server --results /tmp/r.xml /tmp/ds.xml (or npx tsx bench/cis.ts --only=oscap)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function lynis(): void {
  if (spawnSync('sh', ['-c', 'command -v lynis']).status !== 0) {
    console.log('## lynis: not installed (apt-get install lynis)');
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'inspector-bench-lynis-'));
  try {
    // Its log and report go to a temporary directory (default /var/log/lynis*.log).
    const t = timeV([
      'lynis',
      'audit',
      'system',
      '--quick',
      '--no-colors',
      '--logfile',
      path.join(dir, 'lynis.log'),
      '--report-file',
      path.join(dir, 'lynis-report.dat'),
    ]);
    const report = path.join(dir, 'lynis-report.dat');
    const tests = existsSync(report)
      ? readFileSync(report, 'utf8').match(/^lynis_tests_done=(\d+)/m)?.[1]
      : undefined;
    const index = t.stdout.match(/Hardening index\s*:\s*(\d+)/)?.[1];
    console.log('## lynis on this machine');
    console.log(
      `  lynis audit system --quick  ${fmt(t)}; ${tests ?? '?'} tests, hardening index ${index ?? '?'}`,
    );
    console.log(
      '  reproduce: /usr/bin/time -v lynis audit system --quick --no-colors (or npx tsx bench/cis.ts --only=lynis)',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function npmStart(): void {
  console.log('## npm start (the whole local assessment; budget 2 s wall, 150 MB RSS)');
  const cli = path.join(REPO, 'dist', 'cli', 'inspector.mjs');
  const runs: Array<[string, string[]]> = [
    [
      'npm start (default,cis: security-best-practices, runtime-behavior-analysis, cve, cis)',
      ['npm', 'start'],
    ],
    [
      'built inspector assess --rules-packages default (no cis, no walk)',
      [process.execPath, '--max-semi-space-size=2', cli, 'assess', '--rules-packages', 'default'],
    ],
  ];
  // `npm start` builds dist/cli first when its sources changed: once here, outside the figures.
  spawnSync('npm', ['start', '--', '--help'], { cwd: REPO, stdio: 'ignore' });
  for (const [label, argv] of runs) {
    const ts: Timed[] = [];
    const loads: string[] = [loadAverage()];
    for (let i = 0; i < 3; i++) {
      // A fresh data directory each time: a first run, as a user's (its feed download fails fast offline).
      const data = mkdtempSync(path.join(os.tmpdir(), 'inspector-bench-data-'));
      try {
        ts.push(timeV(argv, { env: { ...process.env, INSPECTOR_DATA_DIR: data } }));
      } finally {
        rmSync(data, { recursive: true, force: true });
      }
    }
    loads.push(loadAverage());
    const t = ts[0]!;
    const summary = t.stdout.match(/^Results: .*$/m)?.[0] ?? t.stderr.split('\n').slice(-3).join(' ');
    const m = (f: (x: Timed) => number, d = 1) => median(ts.map(f)).toFixed(d);
    console.log(
      `  ${label}\n    ${m((x) => x.wallS, 2)} s wall, ${m((x) => x.cpuS, 2)} s CPU (user+system, children included), peak RSS ${m((x) => x.maxRssMB, 0)} MB: median of 3 (walls ${ts.map((x) => x.wallS.toFixed(2)).join(', ')}; load ${loads.join(' → ')} on ${os.cpus().length} cores); ${summary}`,
    );
  }
  console.log(
    '  reproduce: INSPECTOR_DATA_DIR=$(mktemp -d) /usr/bin/time -v npm start (or npx tsx bench/cis.ts --only=npm-start)',
  );
  console.log('  (peak RSS is that of the largest process in the tree, as /usr/bin/time -v reports it)');
}

export async function cisBench(): Promise<void> {
  // --only=agent,evaluate,oscap,lynis,npm-start runs a subset; --skip-<part> leaves one out.
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const runs = (part: string) => (only ? only.includes(part) : !skip(`--skip-${part}`));
  if (runs('agent')) await agentCollection();
  if (runs('evaluate')) await evaluation();
  if (runs('oscap')) oscap();
  if (runs('lynis')) lynis();
  if (runs('npm-start')) npmStart();
}

if (import.meta.url === `file://${process.argv[1]}`) await cisBench();
