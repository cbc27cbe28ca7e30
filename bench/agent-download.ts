/**
 * What an instance downloads to run the agent (issue 14, item 4), measured on the built artifacts in dist/:
 * each artifact's size, and what gzip, xz and zstd make of it (compressed bytes, compression and
 * decompression time with the command-line tools an instance would use), then the bytes per instance per
 * run: as the document worked before the agent cache (aws:downloadContent of the executable, plus the
 * legacy artifact when it was built, on every run) and as it works now, the gzip artifact kept by its
 * SHA-256 on the instance (first run of a version, later runs).
 *
 * Which compressor an instance can use: gzip is on every Linux AMI (Amazon Linux 2 and 2023 minimal,
 * Ubuntu, Debian, RHEL, SUSE); xz and zstd are not on every minimal image, so only gzip is a candidate for
 * the artifact. xz and zstd are printed to show what is left on the table.
 *
 * Needs `npm run build:agent` first. Run: npx tsx bench/agent-download.ts [--all] [--no-xz]
 * (slow on a shared machine: xz -6 and zstd -19 of the 121 MiB executable take minutes each).
 * (--all: the arm64 artifacts too; default: the x86_64 executable, its legacy artifact and the bundle).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AGENT_BUNDLE, executablePath, legacyExecutablePath } from '../scripts/build-agent';

const args = new Set(process.argv.slice(2));
const MiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const work = mkdtempSync(path.join(os.tmpdir(), 'agent-download-'));

interface Codec {
  name: string;
  /** Compress `file` to stdout. */
  compress: (file: string) => [string, string[]];
  decompress: (file: string) => [string, string[]];
  ext: string;
}

const CODECS: Codec[] = [
  {
    name: 'gzip -9',
    compress: (f) => ['gzip', ['-9', '-c', '-n', f]],
    decompress: (f) => ['gzip', ['-dc', f]],
    ext: 'gz',
  },
  ...(args.has('--no-xz')
    ? []
    : [
        {
          name: 'xz -6',
          compress: (f: string): [string, string[]] => ['xz', ['-6', '-T1', '-c', f]],
          decompress: (f: string): [string, string[]] => ['xz', ['-dc', f]],
          ext: 'xz',
        },
      ]),
  {
    name: 'zstd -19',
    compress: (f) => ['zstd', ['-19', '-q', '-c', f]],
    decompress: (f) => ['zstd', ['-dc', '-q', f]],
    ext: 'zst',
  },
];

function timed(command: string, argv: string[], out?: string): number {
  const t = process.hrtime.bigint();
  const r = out
    ? spawnSync('sh', ['-c', `"$0" "$@" > '${out}'`, command, ...argv], {
        stdio: ['ignore', 'ignore', 'inherit'],
      })
    : spawnSync(command, argv, { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
  if (r.status !== 0)
    throw new Error(
      `${command} ${argv.join(' ')} failed (${r.signal ? `signal ${r.signal}` : `exit ${r.status}`})`,
    );
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const artifacts: Array<{ name: string; file: string }> = [
  { name: 'agent-linux-x64 (Node.js 22 SEA)', file: executablePath('linux-x64') },
  { name: 'agent-linux-x64-glibc217 (legacy)', file: legacyExecutablePath('linux-x64') },
  ...(args.has('--all')
    ? [
        { name: 'agent-linux-arm64 (Node.js 22 SEA)', file: executablePath('linux-arm64') },
        { name: 'agent-linux-arm64-glibc217 (legacy)', file: legacyExecutablePath('linux-arm64') },
      ]
    : []),
  { name: 'agent.js (bundle, needs node)', file: AGENT_BUNDLE },
].filter((a) => existsSync(a.file));

const sizes = new Map<string, Record<string, number>>();
console.log(`agent artifacts in dist/ (${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(1)})\n`);
console.log('artifact | codec | bytes | ratio | compress s | decompress s');
console.log('--- | --- | ---: | ---: | ---: | ---:');
try {
  for (const a of artifacts) {
    const raw = statSync(a.file).size;
    const row: Record<string, number> = { raw };
    console.log(`${a.name} | none | ${raw} (${MiB(raw)}) | 1.00 | - | -`);
    for (const c of CODECS) {
      const out = path.join(work, `${path.basename(a.file)}.${c.ext}`);
      const [cmd, argv] = c.compress(a.file);
      const cs = timed(cmd, argv, out);
      const bytes = statSync(out).size;
      const [dcmd, dargv] = c.decompress(out);
      const ds = timed(dcmd, dargv);
      row[c.name] = bytes;
      console.log(
        `${a.name} | ${c.name} | ${bytes} (${MiB(bytes)}) | ${(bytes / raw).toFixed(2)} | ${cs.toFixed(1)} | ${ds.toFixed(1)}`,
      );
      rmSync(out);
    }
    sizes.set(a.file, row);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const exe = sizes.get(executablePath('linux-x64'));
const legacy = sizes.get(legacyExecutablePath('linux-x64'));
if (exe) {
  const both = (k: string) => (exe[k] ?? 0) + (legacy?.[k] ?? 0);
  console.log('\nbytes per x86_64 instance per run');
  console.log('case | first run of a version | later runs | 10,000 instances, later runs');
  console.log('--- | ---: | ---: | ---:');
  console.log(
    `before the cache: the document downloaded the executable${legacy ? ' and the legacy artifact' : ''} every run | ${MiB(both('raw'))} | ${MiB(both('raw'))} | ${((both('raw') * 10_000) / 2 ** 40).toFixed(2)} TiB`,
  );
  console.log(
    `now: the gzip artifact kept by SHA-256 on the instance (infra/constructs/agent-cache-script.ts, the document's shell step), the legacy one instead where glibc < 2.28 | ${MiB(exe['gzip -9'] ?? 0)} | 0 | 0`,
  );
}
console.log(
  `\nreproduce: npx tsx bench/agent-download.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
);
// Reference: the files compared (sha256sum) so a figure can be matched with its build.
for (const a of artifacts)
  console.log(
    `${execFileSync('sha256sum', [a.file], { encoding: 'utf8' }).trim().split(' ')[0]}  ${path.basename(a.file)}`,
  );
