/**
 * Feed sync at full size: synthetic exports with the real sources' record counts and sizes
 * (test/helpers/synthetic-feeds.ts, FULL_SIZE says where each figure comes from), served from disk by an HTTP
 * server on 127.0.0.1, then synced by the real code in a fresh process each, measured from outside:
 *
 * - `lambda`: what the feed-sync Lambda runs (syncAndPublish: one source after the other, compiled in a work
 *   folder standing for /tmp, published to a folder standing for the bucket), with the Lambda's Node heap
 *   limit (FEED_SYNC_SIZING.heapMiB of infra/stacks/inspector-stack.ts);
 * - `feeds sync`: every served source at once, as `inspector feeds sync` does (syncFeeds);
 * - `first run`: what `inspector assess` does on a Debian 12 machine with no feed (firstRunFeed: Debian's
 *   export, KEV, EPSS).
 *
 * For each: wall time, peak RSS (the kernel's high-water mark, getrusage), peak V8 heap (the largest heap
 * size before a collection in --trace-gc: what the heap had to hold, garbage included), and for the Lambda
 * the largest size of its work folder (sampled every 100 ms), against the Lambda's memory, /tmp and 15 min.
 * Prints, never asserts. The sources added since (Debian Security Tracker, NVD CVE records) are not
 * generated here: their downloads are not part of these figures.
 *
 * Run alone: npx tsx bench/feed-sync.ts            (full size: ~240 MB of exports, ~3 min on 2 cores)
 *            FEED_BENCH_SCALE=0.1 npx tsx bench/feed-sync.ts   (a tenth of every count, for a quick look)
 *            FEED_BENCH_ONLY=lambda FEED_BENCH_HEAP_MIB=512 npx tsx bench/feed-sync.ts   (one scenario, another
 *            heap limit: a scenario that does not fit ends in V8's "heap out of memory" and says so)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  createReadStream,
  promises as fs,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FeedObjectStore } from '../functions/core/feeds-cloud/object-store';
import { OFFICIAL_FEED_URLS } from '../functions/feeds/sync';
import {
  epssCsvGz,
  FULL_SIZE,
  kevJson,
  OSV_GENERATORS,
  osvEntries,
  updateinfoGz,
  writeZipFile,
} from '../test/helpers/synthetic-feeds';

const SERVED = [
  'osv:Debian',
  'osv:Ubuntu',
  'osv:AlmaLinux',
  'osv:Rocky Linux',
  'osv:Alpine',
  'alas:amazon-linux-2023',
  'alas:amazon-linux-2',
  'cisa-kev',
  'first-epss',
];
/** The Lambda's limits besides memory: 15 minutes. */
const LAMBDA_TIMEOUT_S = 900;

const MiB = 1024 * 1024;
const mib = (n: number) => `${(n / MiB).toFixed(0)} MiB`;
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const repomd =
  '<?xml version="1.0"?><repomd><data type="updateinfo"><location href="repodata/updateinfo.xml.gz"/></data></repomd>';

interface Export {
  source: string;
  path: string;
  records: number;
  bytes: number;
  uncompressed: number;
  zip64?: boolean;
}

/** Writes every export under `dir` in the layout the server serves (the official URL paths). */
function writeExports(dir: string, scale: number): Export[] {
  const n = (x: number) => Math.max(1, Math.round(x * scale));
  const out: Export[] = [];
  const osv = (key: keyof typeof OSV_GENERATORS, seed: number) => {
    const spec = FULL_SIZE[key];
    const rel = `osv/${spec.ecosystem}/all.zip`;
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    const z = writeZipFile(path.join(dir, rel), osvEntries(OSV_GENERATORS[key], n(spec.records), seed));
    out.push({
      source: `osv:${spec.ecosystem}`,
      path: rel,
      records: z.entries,
      bytes: z.bytes,
      uncompressed: z.uncompressed,
      zip64: z.zip64,
    });
  };
  osv('debian', 1);
  osv('ubuntu', 2);
  osv('almalinux', 3);
  osv('rocky', 4);
  osv('alpine', 5);
  for (const [release, count, seed] of [
    ['2023', FULL_SIZE.al2023.updates, 6],
    ['2', FULL_SIZE.al2.updates, 7],
  ] as const) {
    const base = path.join(dir, `al${release}/repo/repodata`);
    mkdirSync(base, { recursive: true });
    writeFileSync(path.join(base, 'repomd.xml'), repomd);
    const u = updateinfoGz(release, n(count), seed);
    writeFileSync(path.join(base, 'updateinfo.xml.gz'), u.gz);
    out.push({
      source: `alas:amazon-linux-${release}`,
      path: `al${release}/repo/repodata/updateinfo.xml.gz`,
      records: n(count),
      bytes: u.gz.length,
      uncompressed: u.xml,
    });
  }
  const kev = kevJson(n(FULL_SIZE.kev.entries));
  writeFileSync(path.join(dir, 'kev.json'), kev);
  out.push({
    source: 'cisa-kev',
    path: 'kev.json',
    records: n(FULL_SIZE.kev.entries),
    bytes: kev.length,
    uncompressed: kev.length,
  });
  const epss = epssCsvGz(n(FULL_SIZE.epss.rows), 8);
  writeFileSync(path.join(dir, 'epss.csv.gz'), epss.gz);
  out.push({
    source: 'first-epss',
    path: 'epss.csv.gz',
    records: n(FULL_SIZE.epss.rows),
    bytes: epss.gz.length,
    uncompressed: epss.csv,
  });
  return out;
}

/** Serves `dir` at the official paths (files streamed from disk, so the server holds none of them). */
async function serve(dir: string): Promise<{ base: string; close(): Promise<void> }> {
  let base = '';
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const mirror = /^\/al(2023|2)\/mirror\.list$/.exec(p);
    if (mirror) {
      res.writeHead(200).end(`${base}/al${mirror[1]}/repo/\n`);
      return;
    }
    const file = path.join(dir, p);
    if (!file.startsWith(dir) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * Every feed URL on the local server; those not generated here (the Debian Security Tracker, NVD) answer
 * 404 (or are switched off), so no scenario reaches the network.
 */
const urlsFor = (base: string): Record<string, string> => {
  const all: Record<string, string> = {
    osvBase: `${base}/osv`,
    al2023MirrorList: `${base}/al2023/mirror.list`,
    al2MirrorList: `${base}/al2/mirror.list`,
    kev: `${base}/kev.json`,
    epss: `${base}/epss.csv.gz`,
    debianTracker: `${base}/not-generated/debian-tracker.json`,
    nvdFeedBase: '',
  };
  return Object.fromEntries(Object.entries(all).filter(([k]) => k in OFFICIAL_FEED_URLS));
};

interface ChildResult {
  ms: number;
  cpuMs: number;
  maxRssKiB: number;
  tmpPeak?: number;
  summary: string;
  failed: Array<{ source: string; reason: string }>;
}

/** Runs one scenario in a fresh Node process; its result plus the peak heap read from --trace-gc. */
function runChild(
  scenario: string,
  args: Record<string, unknown>,
  heapMiB?: number,
): Promise<ChildResult & { peakHeapMB: number }> {
  const self = fileURLToPath(import.meta.url);
  const flags = ['--import', 'tsx', '--trace-gc', ...(heapMiB ? [`--max-old-space-size=${heapMiB}`] : [])];
  const child: ChildProcess = spawn(
    process.execPath,
    [...flags, self, '--child', scenario, JSON.stringify(args)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  let peak = 0;
  let result: ChildResult | undefined;
  let rest = '';
  let errTail = '';
  const t0 = performance.now();
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    errTail = (errTail + chunk).slice(-4000);
  });
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const gc = /: (?:Scavenge|Mark-Compact|Mark-sweep)[^\d]*([\d.]+) \([\d.]+\) -> /.exec(line);
      if (gc) peak = Math.max(peak, Number(gc[1]));
      if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as ChildResult;
    }
  });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      if (result) return resolve({ ...result, peakHeapMB: peak });
      const oom = /heap out of memory/i.test(errTail);
      const why = oom
        ? `JavaScript heap out of memory at the ${heapMiB ?? 'default'} MiB heap limit`
        : errTail.trim().split('\n').slice(-3).join(' | ');
      resolve({
        ms: performance.now() - t0,
        cpuMs: 0,
        maxRssKiB: 0,
        summary: '',
        failed: [{ source: '(process)', reason: `did not complete (exit ${code ?? signal}): ${why}` }],
        peakHeapMB: peak,
      });
    });
  });
}

/** A folder standing for the feed bucket. */
function dirStore(root: string): FeedObjectStore {
  const file = (k: string) => path.join(root, k);
  return {
    location: root,
    get: (k) =>
      fs.readFile(file(k)).then(
        (b) => new Uint8Array(b),
        () => undefined,
      ),
    async put(k, body) {
      await fs.mkdir(path.dirname(file(k)), { recursive: true });
      await fs.writeFile(file(k), body);
    },
    async copy(from, to) {
      await fs.mkdir(path.dirname(file(to)), { recursive: true });
      await fs.copyFile(file(from), file(to));
    },
    async listFolders(prefix) {
      const names = await fs.readdir(file(prefix)).catch(() => []);
      return names.map((n) => `${prefix}${n}/`);
    },
    async deletePrefix(prefix) {
      await fs.rm(file(prefix), { recursive: true, force: true });
      return 1;
    },
  };
}

async function du(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await du(p);
    else total += (await fs.stat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** The child side: one scenario, then one `RESULT {json}` line on stdout. */
async function child(scenario: string, args: { base: string; work: string }): Promise<void> {
  const { officialSources, httpGetter, syncFeeds } = await import('../functions/feeds/sync');
  // Widened: the URL keys are checked against OFFICIAL_FEED_URLS above.
  const sources = officialSources(urlsFor(args.base), { allowHttp: true }).filter((s) =>
    SERVED.includes(s.name),
  );
  const t0 = performance.now();
  let tmpPeak = 0;
  const result = (summary: string, failed: ChildResult['failed']) => {
    const cpu = process.cpuUsage();
    const r: ChildResult = {
      ms: performance.now() - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssKiB: process.resourceUsage().maxRSS,
      summary,
      failed,
    };
    if (tmpPeak) r.tmpPeak = tmpPeak;
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
  };
  if (scenario === 'lambda') {
    const { syncAndPublish } = await import('../functions/core/feeds-cloud/publish');
    const tmp = path.join(args.work, 'tmp');
    await fs.mkdir(tmp, { recursive: true });
    const sample = setInterval(() => {
      du(tmp).then((n) => {
        tmpPeak = Math.max(tmpPeak, n);
      });
    }, 100);
    const r = await syncAndPublish({
      store: dirStore(path.join(args.work, 'bucket')),
      get: httpGetter(300_000),
      sources,
      workRoot: tmp,
    });
    clearInterval(sample);
    result(
      `${r.outcome}, ${r.refreshed.length} sources refreshed (sync ${sec(r.timings.syncMs)}, publish ${sec(r.timings.publishMs)})`,
      r.failed,
    );
  } else if (scenario === 'feeds-sync') {
    const r = await syncFeeds({ dataDir: path.join(args.work, 'data'), get: httpGetter(300_000), sources });
    const releases = r.written.flatMap((w) => w.releases);
    result(
      `${releases.length} releases, ${releases.reduce((n, x) => n + x.advisories, 0)} advisories`,
      r.failed,
    );
  } else if (scenario === 'first-run') {
    const { firstRunFeed } = await import('../functions/cli/first-run-feed');
    const root = path.join(args.work, 'root');
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID=12\n');
    const r = await firstRunFeed({
      root,
      dataDir: path.join(args.work, 'first-run-data'),
      offline: false,
      timeoutSeconds: 600,
      interactive: false,
      env: { INSPECTOR_FEED_SYNC_CONFIG: JSON.stringify({ urls: urlsFor(args.base), allowHttp: true }) },
    });
    result(r.message, []);
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
}

export async function feedSyncBench(): Promise<void> {
  const scale = Number(process.env.FEED_BENCH_SCALE ?? 1);
  const only = process.env.FEED_BENCH_ONLY?.split(',');
  const heapOverride = process.env.FEED_BENCH_HEAP_MIB ? Number(process.env.FEED_BENCH_HEAP_MIB) : undefined;
  const { FEED_SYNC_SIZING } = await import('../infra/stacks/inspector-stack');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'feed-sync-bench-'));
  try {
    console.log(`feed sync at ${scale === 1 ? 'full size' : `${scale} x full size`} (exports in ${dir})`);
    const t0 = performance.now();
    const exports = writeExports(path.join(dir, 'www'), scale);
    console.log(`synthetic exports written in ${sec(performance.now() - t0)}:`);
    for (const e of exports)
      console.log(
        `  ${e.source.padEnd(24)} ${String(e.records).padStart(7)} records  ${mib(e.bytes).padStart(8)} download  ${mib(e.uncompressed).padStart(8)} uncompressed${e.zip64 ? '  (zip64)' : ''}`,
      );
    const server = await serve(path.join(dir, 'www'));
    try {
      const rows: string[][] = [];
      const limits = `Lambda: ${FEED_SYNC_SIZING.memoryMiB} MiB memory (Node heap limit ${FEED_SYNC_SIZING.heapMiB} MiB), ${FEED_SYNC_SIZING.ephemeralMiB} MiB /tmp, ${LAMBDA_TIMEOUT_S / 60} min`;
      for (const [label, scenario, heap] of [
        ['Lambda (syncAndPublish, sources one by one)', 'lambda', FEED_SYNC_SIZING.heapMiB],
        ['inspector feeds sync (every source at once)', 'feeds-sync', undefined],
        ['first run, Debian 12 (Debian + KEV + EPSS)', 'first-run', undefined],
      ] as const) {
        if (only && !only.includes(scenario)) continue;
        const work = path.join(dir, scenario);
        mkdirSync(work);
        const r = await runChild(scenario, { base: server.base, work }, heapOverride ?? heap);
        rows.push([
          label,
          sec(r.ms),
          sec(r.cpuMs),
          mib(r.maxRssKiB * 1024),
          `${r.peakHeapMB.toFixed(0)} MB`,
          r.tmpPeak ? mib(r.tmpPeak) : '-',
          r.failed.length
            ? `FAILED: ${r.failed.map((f) => `${f.source}: ${f.reason}`).join('; ')}`
            : r.summary,
        ]);
        rmSync(work, { recursive: true, force: true });
      }
      console.log(limits);
      const head = ['scenario', 'wall', 'CPU', 'peak RSS', 'peak heap', 'peak /tmp', 'outcome'];
      const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [head, ...rows])
        console.log(`  ${r.map((c, i) => (i < 6 ? c.padEnd(width[i]!) : c)).join('  ')}`);
      console.log(
        `machine: ${os.cpus().length} CPUs, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}`,
      );
      console.log('reproduce: npx tsx bench/feed-sync.ts   (FEED_BENCH_SCALE=0.1 for a tenth)');
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const main =
    process.argv[2] === '--child'
      ? child(process.argv[3] ?? '', JSON.parse(process.argv[4] ?? '{}') as { base: string; work: string })
      : feedSyncBench();
  main.catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
