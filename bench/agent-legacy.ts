/**
 * Agent artifacts for old glibc (issue 16, item 8), measured on this machine (linux x64): for each candidate
 * runtime, the artifact's size (what an instance downloads) and what is on disk while it runs, start-up
 * (`--help`, median of 7), one real collection of this machine's / to a local encrypted file (wall time and
 * peak RSS from /usr/bin/time -v, median of 5), and the newest GLIBC symbol version its binary needs
 * (readelf -V). Candidates:
 *
 * - node22-sea: the default executable (dist/agent-linux-x64, Node.js 22 SEA);
 * - node16-legacy: the legacy artifact (dist/agent-linux-x64-glibc217: sh + Node.js 16.20.2 + bundle), and
 *   the same Node.js 16 with its bundle already unpacked (what the self-extraction costs);
 * - bun-baseline: `bun build --compile` of the same bundle with @oven/bun-linux-x64-baseline (npm);
 * - bundle on this machine's Node.js (reference; needs Node.js >= 20 on the host).
 *
 * Needs `npm run build:agent` first and /usr/bin/time. Run: npx tsx bench/agent-legacy.ts
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  AGENT_BUNDLE,
  DIST_DIR,
  executablePath,
  LEGACY_AGENT_BUNDLE,
  LEGACY_NODE_BINARIES,
  legacyExecutablePath,
  nodeTarball,
} from '../scripts/build-agent';

const BUN = { spec: '@oven/bun-linux-x64-baseline@1.4.5' };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

interface Candidate {
  name: string;
  command: string[];
  /** The file an instance downloads. */
  artifact: string;
  /** The ELF binary that runs (for its GLIBC needs). */
  elf: string;
  /** Bytes on disk while it runs (artifact plus what it unpacks). */
  onDisk: number;
  needs: string;
}

function newestGlibc(elf: string): string {
  const out = execFileSync('readelf', ['-V', '-W', elf], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const versions = [...out.matchAll(/Name: GLIBC_([0-9.]+)/g)].map((m) => m[1] as string);
  return versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1) ?? '?';
}

let timeSeq = 0;
/** /usr/bin/time -v into a file (Bun sets the shared stderr pipe non-blocking, which truncates time's report). */
function timeV(command: string[]): { wallMs: number; maxRssMB: number; code: number; stderr: string } {
  const report = path.join(os.tmpdir(), `inspector-legacy-bench-time-${process.pid}-${timeSeq++}.txt`);
  spawnSync('/usr/bin/time', ['-v', '-o', report, ...command], { stdio: 'ignore' });
  const text = readFileSync(report, 'utf8');
  rmSync(report, { force: true });
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(text)?.[1]);
  const [, m, s] = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\d+):([\d.]+)/.exec(text) ?? [];
  const code = Number(/Exit status: (\d+)/.exec(text)?.[1]);
  return { wallMs: (Number(m) * 60 + Number(s)) * 1000, maxRssMB: rss / 1024, code, stderr: text };
}

function bunCandidate(work: string): Candidate {
  const cache = path.join(DIST_DIR, '.node-cache');
  mkdirSync(cache, { recursive: true });
  const tgz = path.join(cache, 'oven-bun-linux-x64-baseline-1.4.5.tgz');
  if (!existsSync(tgz)) execFileSync('npm', ['pack', BUN.spec, '--pack-destination', cache, '--silent']);
  const dir = path.join(work, 'bun');
  mkdirSync(dir);
  execFileSync('tar', ['-xzf', tgz, '-C', dir, 'package/bin/bun']);
  const bun = path.join(dir, 'package', 'bin', 'bun');
  const out = path.join(work, 'agent-bun-linux-x64');
  execFileSync(bun, ['build', '--compile', AGENT_BUNDLE, '--outfile', out], { stdio: 'ignore' });
  return {
    name: 'bun-baseline 1.4.5 (compiled)',
    command: [out],
    artifact: out,
    elf: out,
    onDisk: statSync(out).size,
    needs:
      'glibc 2.17; Linux kernel >= 5.1 (Bun documents 5.6 recommended): not CentOS 7 (3.10), not AL2 4.14',
  };
}

export function agentLegacyBench(): void {
  const work = mkdtempSync(path.join(os.tmpdir(), 'inspector-legacy-bench-'));
  try {
    const key = path.join(work, 'key');
    writeFileSync(key, randomBytes(32), { mode: 0o600 });
    const sea = executablePath('linux-x64');
    const legacy = legacyExecutablePath('linux-x64');
    if (!existsSync(sea) || !existsSync(legacy)) throw new Error('run npm run build:agent first');
    const legacyNode = path.join(work, 'node16');
    mkdirSync(legacyNode);
    execFileSync('tar', [
      '-xzf',
      nodeTarball(LEGACY_NODE_BINARIES['linux-x64']),
      '-C',
      legacyNode,
      'package/bin/node',
    ]);
    const node16 = path.join(legacyNode, 'package', 'bin', 'node');
    const candidates: Candidate[] = [
      {
        name: 'node22-sea (default)',
        command: [sea],
        artifact: sea,
        elf: sea,
        onDisk: statSync(sea).size,
        needs: 'glibc 2.28, libstdc++ (GLIBCXX_3.4.21)',
      },
      {
        name: 'node16-legacy (self-extracting)',
        command: [legacy],
        artifact: legacy,
        elf: node16,
        onDisk: statSync(legacy).size + statSync(node16).size + statSync(AGENT_BUNDLE).size,
        needs: 'glibc 2.17, libstdc++ of GCC 4.8, kernel 3.10; sh tail head tar gzip mktemp',
      },
      {
        name: 'node16 + bundle, already unpacked (the self-extraction cost apart)',
        command: [node16, LEGACY_AGENT_BUNDLE],
        artifact: LEGACY_AGENT_BUNDLE,
        elf: node16,
        onDisk: statSync(node16).size + statSync(LEGACY_AGENT_BUNDLE).size,
        needs: '(as above)',
      },
      bunCandidate(work),
      {
        name: `bundle on host Node.js ${process.version} (reference)`,
        command: [process.execPath, AGENT_BUNDLE],
        artifact: AGENT_BUNDLE,
        elf: process.execPath,
        onDisk: statSync(AGENT_BUNDLE).size,
        needs: 'Node.js >= 20 installed on the host',
      },
    ];
    const rows: string[] = [];
    for (const c of candidates) {
      const start = Array.from({ length: 7 }, () => timeV([...c.command, '--help']));
      const runs = Array.from({ length: 5 }, (_, i) =>
        timeV([
          ...c.command,
          '--out',
          path.join(work, `out-${i}.bin`),
          '--key-file',
          key,
          '--run-id',
          'bench',
        ]),
      );
      const failed = runs.find((r) => r.code !== 0);
      if (failed)
        throw new Error(
          `${c.name}: a collection failed: ${failed.code} ${failed.stderr
            .split('\n')
            .filter((l) => /failed|Exit status|error/i.test(l))
            .join(' | ')}`,
        );
      const size = statSync(c.artifact).size;
      const gz = gzipSync(readFileSync(c.artifact), { level: 6 }).byteLength;
      rows.push(
        `| ${c.name} | ${mb(size)} (gzip ${mb(gz)}) | ${mb(c.onDisk)} | ${Math.round(median(start.map((s) => s.wallMs)))} ms | ${Math.round(median(runs.map((r) => r.wallMs)))} ms | ${Math.round(median(runs.map((r) => r.maxRssMB)))} MB | GLIBC_${newestGlibc(c.elf)} | ${c.needs} |`,
      );
    }
    process.stdout.write(
      [
        `agent artifacts on ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'} (linux x64):`,
        '| candidate | artifact (download) | on disk while running | start-up (--help) | collection of / (wall) | peak RSS | newest GLIBC needed | needs on the host |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |',
        ...rows,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('agent-legacy.ts')) agentLegacyBench();
